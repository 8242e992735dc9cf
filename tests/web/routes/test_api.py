"""The JSON API and the downloads, through FastAPI's TestClient on the real knowledge base,
index and model: explained results, filters, pagination, Dutch errors, regions, plan
matching, security headers, uploads and escaping."""
from __future__ import annotations

import csv
import io
import json

import pytest

Q = "te weinig stageplekken in de wijkverpleging"
MATCHQ = "Pluryn carrièreswitchers omscholing zij-instromers"    # matches (a strong match) with the fitted model
NONSENSE = "xyzzy flurp blorg"                                     # matches nothing
ALLES = {"alles": "true"}                                          # every candidate, marked (fits)
STRICT_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
              "frame-ancestors 'none'; base-uri 'none'")


def _errors(r) -> dict:
    assert r.headers["content-type"].startswith("application/json"), r.text[:300]
    body = r.json()
    assert body["status"] == r.status_code and isinstance(body["detail"], str) and body["detail"]
    return body


# ---------------------------------------------------------------- search

def test_search_returns_explained_results_best_first(client):
    r = client.get("/api/search", params={"q": Q, "k": 5, **ALLES})
    assert r.status_code == 200
    body = r.json()
    assert body["query"] == Q and body["offset"] == 0 and body["limit"] == 5 and body["total"] >= 5
    assert body["alles"] is True and body["decided"] is True and body["message"] is None
    res = body["results"]
    assert [x["rank"] for x in res] == [1, 2, 3, 4, 5]
    assert [x["score"] for x in res] == sorted((x["score"] for x in res), reverse=True)
    assert all(0 < x["relevance"] <= 1 for x in res)
    for x in res:
        ex = x["explanation"]
        assert ex["sentence"] and ex["reason"].startswith("Gevonden omdat") and ex["citation"]
        for a, b in ex["highlights"]:
            assert 0 <= a < b <= len(ex["sentence"])
        assert x["url"] == f"/items/{x['id']}"
        assert x["source"]["document"] and x["source"]["url"].startswith(f"/bronnen/{x['source']['document']}?van=")
        assert x["type_label"] in {"Koploper", "Falend Vooruit", "Voorbeeldpraktijk", "Advies", "Bouwsteen", "Beleid"}
        assert 0 <= x["confidence"] <= 1 and x["fits"] == (x["match"] is not None)
        assert x["match_label"] == {"sterk": "Sterke match", "mogelijk": "Mogelijke match", None: "Geen match"}[x["match"]]
        assert x["confidence_label"].startswith("zekerheid ")
    # the question is about internships: the nearest items are about internships, with words highlighted
    assert any("stages" in x["themes"] for x in res[:3])
    assert any(x["explanation"]["highlights"] for x in res)
    assert set(body["facets"]) == {"soort", "actielijn", "thema", "branche", "regio", "erkenning"}
    assert sum(v["count"] for v in body["facets"]["soort"]) == body["total"]
    d = body["decision"]
    assert 0 < d["mogelijk"] <= d["sterk"] < 1 and d["questions"] > 0


def test_search_returns_only_matches_by_default(client):
    body = client.get("/api/search", params={"q": MATCHQ}).json()
    assert body["total"] == len(body["results"]) >= 1 and body["message"] is None and body["nearest"] == []
    assert body["results"][0]["id"] == "carriereswitchers-van-pluryn"
    assert all(x["fits"] and x["match"] in ("sterk", "mogelijk") for x in body["results"])
    assert sum(v["count"] for v in body["facets"]["soort"]) == body["total"]


def test_search_when_nothing_matches_says_so_and_gives_at_most_three_nearest(client):
    body = client.get("/api/search", params={"q": NONSENSE}).json()
    assert body["total"] == 0 and body["results"] == []
    assert body["message"] == "De kennisbank heeft (nog) geen passende praktijk voor dit knelpunt."
    assert 1 <= len(body["nearest"]) <= 3
    assert all(x["fits"] is False and x["match_label"] == "Geen match" for x in body["nearest"])
    anyway = client.get("/api/search", params={"q": NONSENSE, "k": 3, **ALLES}).json()
    assert anyway["total"] > 0 and anyway["message"] is None and anyway["nearest"] == []
    assert [x["id"] for x in anyway["results"]] == [x["id"] for x in body["nearest"]]
    assert all(x["fits"] is False for x in anyway["results"])


def test_search_filters(client):
    def results(**params):
        r = client.get("/api/search", params={"q": "werkdruk en verzuim", "k": 50, **ALLES, **params})
        assert r.status_code == 200, r.text
        return r.json()

    prak = results(type="praktijk")["results"]
    assert prak and all(x["type"] == "praktijk" for x in prak)
    kop = results(label="Koploper")
    assert kop["filters"] == {"type": "praktijk", "label": "Koploper"}
    assert kop["results"] and all(x["label"] == "Koploper" for x in kop["results"])
    them = results(thema="gezond-werken")["results"]
    assert them and all("gezond-werken" in x["themes"] for x in them)
    act = results(actielijn="anders-werken", type="advies")["results"]
    assert act and all(x["type"] == "advies" and "anders-werken" in x["actielijnen"] for x in act)
    reg = results(regio="ZHZ")              # alias of Drechtsteden
    assert reg["filters"]["regio"] == "drechtsteden"
    assert reg["results"] and all("drechtsteden" in x["regions"] for x in reg["results"])
    assert len(prak) < results()["total"]

    r = client.get("/api/search", params={"q": "werkdruk", "thema": "bestaat-niet"})
    body = _errors(r)
    assert r.status_code == 422 and "Onbekende thema" in body["detail"]
    assert body["errors"][0]["field"] == "thema"
    r = client.get("/api/search", params={"q": "werkdruk", "regio": "Atlantis"})
    assert r.status_code == 422 and "Onbekende regio" in _errors(r)["detail"]


def test_search_pagination(client):
    six = client.get("/api/search", params={"q": Q, "k": 6, **ALLES}).json()
    first = client.get("/api/search", params={"q": Q, "limit": 3, **ALLES}).json()
    second = client.get("/api/search", params={"q": Q, "limit": 3, "offset": 3, **ALLES}).json()
    by_page = client.get("/api/search", params={"q": Q, "limit": 3, "page": 2, **ALLES}).json()
    ids = lambda b: [x["id"] for x in b["results"]]  # noqa: E731
    assert ids(first) + ids(second) == ids(six)
    assert ids(by_page) == ids(second) and by_page["offset"] == 3 and by_page["limit"] == 3
    assert [x["rank"] for x in second["results"]] == [4, 5, 6]
    assert first["total"] == second["total"] == six["total"]
    beyond = client.get("/api/search", params={"q": Q, "offset": 5000, **ALLES}).json()
    assert beyond["results"] == [] and beyond["total"] == six["total"]


@pytest.mark.parametrize("alles", [False, True])
@pytest.mark.parametrize("params", [{}, {"type": "praktijk"}, {"thema": "stages"}, {"regio": "drechtsteden"},
                                    {"type": "bouwsteen", "regio": "friesland"}])
def test_total_and_facets_count_what_find_counts(client, searcher, params, alles):
    """`total` and the facet counts come from the one ranking of Searcher.find: the matches
    (with alles: every candidate), never the policy context."""
    from search.engine import Filters
    body = client.get("/api/search", params={"q": MATCHQ, "alles": str(alles).lower(), **params}).json()
    page = searcher.find(MATCHQ, filters=Filters(**params), k=1, alles=alles)
    assert body["total"] == page.total == len(page.ids)
    kinds = {}
    for i in page.ids:
        kinds[searcher.entries[i].type] = kinds.get(searcher.entries[i].type, 0) + 1
    got = {}
    for v in body["facets"]["soort"]:
        got[v["filter"]["type"]] = got.get(v["filter"]["type"], 0) + v["count"]
    assert got == kinds
    assert not {x["id"] for x in body["context"]} & set(page.ids)


@pytest.mark.parametrize("params, field, words", [
    ({}, "q", "verplicht"),
    ({"q": ""}, "q", "Vul een knelpunt"),
    ({"q": "   "}, "q", "Vul een knelpunt"),
    ({"q": "stage", "k": 0}, "k", "minstens 1"),
    ({"q": "stage", "k": 500}, "k", "hoogstens 100"),
    ({"q": "stage", "k": "tien"}, "k", "geheel getal"),
    ({"q": "stage", "offset": -1}, "offset", "minstens 0"),
    ({"q": "stage " * 300}, "q", "te lang"),
    ({"q": "stage", "type": "recept"}, "type", "Onbekende soort"),
])
def test_validation_errors_are_dutch_json(client, params, field, words):
    r = client.get("/api/search", params=params)
    assert r.status_code == 422
    body = _errors(r)
    assert words in body["detail"], body
    assert body["errors"] and body["errors"][0]["field"] == field and words in body["errors"][0]["msg"]
    english = ("Field required", "Input should", "String should", "value is not")
    assert not any(e in r.text for e in english)


def test_unknown_route_and_method_are_dutch(client):
    r = client.get("/api/bestaat-niet")
    assert r.status_code == 404 and "bestaat niet" in _errors(r)["detail"]
    r = client.delete("/api/search")
    assert r.status_code == 405 and "niet toegestaan" in _errors(r)["detail"]


# ---------------------------------------------------------------- entries

def test_entry_with_source_and_related(client):
    r = client.get("/api/entries/carriereswitchers-van-pluryn")
    assert r.status_code == 200
    e = r.json()
    assert e["title"] == "Carrièreswitchers van Pluryn" and e["type"] == "praktijk" and e["status"] == "gepubliceerd"
    assert any("600 aanmeldingen voor 50 plekken" in x for x in e["results"])
    src = e["sources"][0]
    assert src["document_title"] and src["heading"].endswith("Carrièreswitchers van Pluryn") and src["end"] > src["start"]
    page = client.get(src["url"].split("#")[0])
    assert page.status_code == 200 and 'id="passage"' in page.text and "Pluryn biedt zij-instromers" in page.text
    assert e["related"] and all(x["id"] != e["id"] for x in e["related"])
    assert [x["score"] for x in e["related"]] == sorted((x["score"] for x in e["related"]), reverse=True)


def test_entry_404_is_dutch_json(client):
    r = client.get("/api/entries/bestaat-niet")
    assert r.status_code == 404
    body = _errors(r)
    assert "Er is geen gepubliceerd kennisitem" in body["detail"] and "bestaat-niet" in body["detail"]


# ---------------------------------------------------------------- regions

def test_regions_list(client):
    r = client.get("/api/regions")
    body = r.json()
    assert r.status_code == 200 and body["total"] == 28 and len(body["regions"]) == 28
    assert [x["number"] for x in body["regions"]] == list(range(1, 29))
    by_id = {x["id"]: x for x in body["regions"]}
    assert by_id["drechtsteden"]["employers"] == ["Zorg en Welzijn ZHZ"] and by_id["drechtsteden"]["plan"]
    assert by_id["friesland"]["plan"] is None and by_id["friesland"]["employers"] == ["ZorgpleinNoord"]
    assert sum(1 for x in body["regions"] if x["plan"]) >= 8
    page = client.get("/api/regions", params={"offset": 25, "limit": 10}).json()
    assert page["total"] == 28 and [x["number"] for x in page["regions"]] == [26, 27, 28]


def test_region_recommendations_and_similar(client):
    r = client.get("/api/regions/Zuid-Holland Zuid/recommendations")    # by name
    assert r.status_code == 200
    m = r.json()
    assert m["region"] == "drechtsteden" and m["has_plan"] and m["plan"]["example"] is True
    n = len(m["bottlenecks"])
    assert n >= 5 and m["recommendations"] and m["total"] == len(m["recommendations"])
    for rec in m["recommendations"]:
        assert rec["addresses"] and all(0 <= a["bottleneck"] < n and a["sentence"] for a in rec["addresses"])
    assert 0 < m["coverage"] <= 1
    # advice and bouwstenen only where the match decision says they fit (issue 10): maybe none
    assert all(x["type"] == "advies" for x in m["advice"])
    assert all(x["type"] == "bouwsteen" for x in m["bouwstenen"])

    s = client.get("/api/regions/21/similar", params={"k": 3}).json()     # by number
    assert s["region"] == "drechtsteden" and s["has_plan"] and 1 <= len(s["similar"]) <= 3
    assert [x["score"] for x in s["similar"]] == sorted((x["score"] for x in s["similar"]), reverse=True)
    assert "drechtsteden" not in [x["region"] for x in s["similar"]]
    assert s["similar"][0]["shared"]["themes"], "the most similar region shares at least one bottleneck theme"
    assert "friesland" in s["without_plan"]


def test_region_without_plan_is_never_guessed(client):
    m = client.get("/api/regions/friesland/recommendations").json()
    assert m["has_plan"] is False and m["recommendations"] == [] and m["bottlenecks"] == []
    assert "nog geen regionaal plan" in m["message"]
    s = client.get("/api/regions/friesland/similar").json()
    assert s["has_plan"] is False and s["similar"] == [] and "nog geen regionaal plan" in s["message"]
    r = client.get("/api/regions/atlantis/recommendations")
    assert r.status_code == 404 and "Er is geen regio 'atlantis'" in _errors(r)["detail"]


# ---------------------------------------------------------------- plan matching

def test_match_returns_recommendations_with_addresses(client):
    body = {"bottlenecks": [MATCHQ, {"text": "Door de hoge werkdruk valt personeel in de ggz uit.", "weight": 2}],
            "region": "Drechtsteden", "k": 6}
    r = client.post("/api/match", json=body)
    assert r.status_code == 200, r.text
    m = r.json()
    assert m["region"] == "drechtsteden" and m["plan"] is None and m["has_plan"] and m["decided"]
    assert [b["weight"] for b in m["bottlenecks"]] == [1.0, 2.0] and [b["label"] for b in m["bottlenecks"]] == ["K1", "K2"]
    assert "zij-instroom" in m["bottlenecks"][0]["themes"]
    assert 1 <= len(m["recommendations"]) <= 6, "at most k=6, only practices that match (issue 10)"
    assert "carriereswitchers-van-pluryn" in m["bottlenecks"][0]["matches"]
    for rec in m["recommendations"]:
        assert rec["type"] == "praktijk" and rec["url"] == f"/items/{rec['id']}"
        assert rec["addresses"]
        for a in rec["addresses"]:                  # helps only with the bottlenecks it matches
            assert {"bottleneck", "text", "relevance", "sentence", "reason"} <= set(a)
            assert a["match"] in ("sterk", "mogelijk") and a["fits"] and 0 <= a["confidence"] <= 1
            assert rec["id"] in m["bottlenecks"][a["bottleneck"]]["matches"]
    for b in m["bottlenecks"]:
        assert b["gap"] == (not b["matches"]) and (b["index"] in m["uncovered"]) == b["gap"]


def test_match_reports_a_bottleneck_nothing_addresses_as_a_gap(client):
    m = client.post("/api/match", json={"bottlenecks": [{"text": MATCHQ, "weight": 2}, NONSENSE]}).json()
    k1, k2 = m["bottlenecks"]
    assert k1["gap"] is False and k1["matches"] and k1["nearest"] == []
    assert k2["gap"] is True and k2["matches"] == [] and 1 <= len(k2["nearest"]) <= 3
    assert all(x["fits"] is False and x["url"] == f"/items/{x['id']}" for x in k2["nearest"])
    assert m["uncovered"] == [1] and m["covered"] == 1
    assert m["coverage"] == pytest.approx(2 / 3, abs=1e-3)                 # weighted: 2 of weight 3
    assert m["coverage_text"] == "1 van de 2 knelpunten (gewogen 66%)"
    assert all(a["bottleneck"] == 0 for g in ("recommendations", "advice", "bouwstenen", "pitfalls")
               for x in m[g] for a in x["addresses"])


@pytest.mark.parametrize("body, words", [
    ({"bottlenecks": []}, "minstens 1"),
    ({}, "verplicht"),
    ({"bottlenecks": ["  "]}, "mag niet leeg zijn"),
    ({"bottlenecks": ["werkdruk"], "weights": [1, 2]}, "evenveel gewichten"),
    ({"bottlenecks": ["werkdruk"], "weights": [0]}, "groter zijn dan 0"),
    ({"bottlenecks": ["werkdruk"], "region": "Atlantis"}, "Onbekende regio"),
    ({"bottlenecks": [{"text": "werkdruk", "weight": -1}]}, "groter zijn dan 0"),
    ({"bottlenecks": [12]}, "als tekst"),
])
def test_match_validation_is_dutch(client, body, words):
    r = client.post("/api/match", json=body)
    assert r.status_code == 422
    assert words in _errors(r)["detail"], r.json()


def test_match_rejects_invalid_json_in_dutch(client):
    r = client.post("/api/match", content=b"{niet: json", headers={"content-type": "application/json"})
    assert r.status_code == 422 and "geen geldige JSON" in _errors(r)["detail"]


# ---------------------------------------------------------------- downloads

def _csv(r) -> list[dict]:
    assert r.headers["content-type"].startswith("text/csv")
    assert r.headers["content-disposition"].startswith("attachment;")
    text = r.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:]), delimiter=";"))


def test_search_downloads_csv_and_json(client):
    total = client.get("/api/search", params={"q": Q, **ALLES}).json()["total"]
    rows = _csv(client.get("/", params={"q": Q, "formaat": "csv", **ALLES}))
    assert len(rows) == total
    assert {"rang", "titel", "soort", "match", "zekerheid", "zin die aansloot", "reden", "bron", "adres"} <= set(rows[0])
    assert [r["rang"] for r in rows[:3]] == ["1", "2", "3"] and rows[0]["reden"].startswith("Gevonden omdat")
    assert {r["match"] for r in rows} <= {"Sterke match", "Mogelijke match", "Geen match"}
    assert all(r["zekerheid"].endswith("%") for r in rows)
    matches = _csv(client.get("/", params={"q": MATCHQ, "formaat": "csv"}))
    assert matches and {r["match"] for r in matches} <= {"Sterke match", "Mogelijke match"}
    assert _csv(client.get("/", params={"q": NONSENSE, "formaat": "csv"})) == []
    r = client.get("/", params={"q": Q, "formaat": "json", "type": "praktijk", **ALLES})
    assert r.headers["content-type"].startswith("application/json")
    assert r.headers["content-disposition"].startswith("attachment;")
    data = json.loads(r.content)
    assert data["query"] == Q and data["filters"] == {"type": "praktijk"} and data["alles"] is True
    assert data["results"] and len(data["results"]) == data["total"]
    assert all(x["type"] == "praktijk" for x in data["results"])


def test_region_and_plan_downloads(client):
    rows = _csv(client.get("/regios/drechtsteden", params={"formaat": "csv"}))
    groups = {r["onderdeel"] for r in rows}
    assert rows[0]["onderdeel"] == "dekking" and "van de" in rows[0]["titel"]
    assert "knelpunt" in groups and groups <= {"dekking", "knelpunt", "aanbevolen praktijk", "advies", "bouwsteen",
                                               "let op (Falend Vooruit)"}
    assert all(r["helpt bij knelpunten"].startswith("K") for r in rows if r["onderdeel"] not in ("dekking", "knelpunt"))
    sim = _csv(client.get("/regios/drechtsteden", params={"formaat": "csv", "lijst": "vergelijkbaar"}))
    assert sim and {"regio", "gelijkenis", "gedeelde thema's"} <= set(sim[0])
    data = client.get("/regios/drechtsteden", params={"formaat": "json", "lijst": "vergelijkbaar"}).json()
    assert [s["name"] for s in data["similar"]] == [r["regio"] for r in sim]
    plan = _csv(client.get("/plan-toetsen", params=[("knelpunt", MATCHQ), ("knelpunt", NONSENSE), ("formaat", "csv")]))
    assert plan[0]["onderdeel"] == "dekking" and plan[0]["titel"] == "1 van de 2 knelpunten (gewogen 50%)"
    k1, k2 = [r for r in plan if r["onderdeel"] == "knelpunt"]
    assert (k1["rang"], k2["rang"]) == ("K1", "K2") and k2["titel"] == NONSENSE
    assert k1["match"].endswith(("passend item", "passende items"))
    assert k2["match"] == "Geen passende praktijk in de kennisbank" and k2["dichtstbij (niet passend)"]
    recs = [r for r in plan if r["onderdeel"] == "aanbevolen praktijk"]
    assert recs and all(r["helpt bij knelpunten"].startswith("K1:") and "K2" not in r["helpt bij knelpunten"]
                        for r in recs)
    data = client.get("/plan-toetsen", params=[("knelpunt", MATCHQ), ("knelpunt", NONSENSE), ("formaat", "json")]).json()
    assert data["uncovered"] == [1] and data["bottlenecks"][1]["gap"] is True
    r = client.get("/regios/friesland", params={"formaat": "csv"})
    assert r.status_code == 404 and "nog geen plan" in r.text


def test_csv_cells_cannot_become_formulas():
    from web.present import to_csv
    text = to_csv([("a", "kolom")], [{"a": "=HYPERLINK(\"http://x\")"}, {"a": "+1"}, {"a": "gewoon"}])
    assert "'=HYPERLINK" in text and "'+1" in text and "\r\ngewoon" in text


# ---------------------------------------------------------------- security

@pytest.mark.parametrize("path", ["/", "/?q=stage", "/api/search?q=stage", "/static/style.css", "/bestaat-niet",
                                  "/api/entries/bestaat-niet", "/regios/friesland", "/api/search?k=0"])
def test_security_headers_on_every_response(client, path):
    r = client.get(path)
    assert r.headers["content-security-policy"].startswith(STRICT_CSP)
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] in ("same-origin", "no-referrer", "strict-origin")
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["server-timing"].startswith("app;dur=")


def test_docs_work_with_their_own_policy(client):
    r = client.get("/docs")
    assert r.status_code == 200 and "swagger" in r.text.lower()
    csp = r.headers["content-security-policy"]
    assert "script-src 'self';" in csp and "frame-ancestors 'none'" in csp and "http" not in csp
    assert "<script>" not in r.text and "cdn" not in r.text        # offline: no inline script, no CDN
    for asset in ("/docs-static/swagger-ui-bundle.js", "/docs-static/swagger-ui.css", "/static/swagger-init.js"):
        assert client.get(asset).status_code == 200, asset
    spec = client.get("/openapi.json").json()
    assert {"/api/search", "/api/entries/{entry_id}", "/api/regions", "/api/regions/{region}/recommendations",
            "/api/regions/{region}/similar", "/api/match"} <= set(spec["paths"])
    assert "MatchRequest" in spec["components"]["schemas"] and "ErrorResponse" in spec["components"]["schemas"]


def test_query_with_script_is_rendered_escaped(client):
    q = '<script>alert("x")</script> stage'
    r = client.get("/", params={"q": q})
    assert r.status_code == 200
    assert "<script>" not in r.text
    assert "&lt;script&gt;" in r.text
    r = client.get("/", params={"q": q, "thema": "<img src=x onerror=alert(1)>"})
    assert r.status_code == 422 and "<img src=x" not in r.text and "&lt;img src=x" in r.text


def test_highlight_escapes_before_marking():
    from web.present import highlight_html
    out = highlight_html('Een <b>stage</b> & "stageplek"', [[7, 12], [20, 29]])
    assert str(out) == 'Een &lt;b&gt;<mark>stage</mark>&lt;/b&gt; &amp; &#34;<mark>stageplek</mark>&#34;'
    assert str(highlight_html("<x>", [[0, 99], [1, 2]])) == "<mark>&lt;x&gt;</mark>"


def test_binary_renamed_pdf_gets_a_dutch_error(client):
    fake = bytes(range(256)) * 40
    r = client.post("/plan-toetsen", files={"bestand": ("plan.pdf", fake, "application/pdf")}, data={"regio": ""})
    assert r.status_code == 422
    assert "geen geldig PDF-bestand" in r.text and "plan.pdf" in r.text
    r = client.post("/plan-toetsen", files={"bestand": ("plan.json", b"\x00\x01\x02binair", "application/json")})
    assert r.status_code == 422 and "geen tekstbestand" in r.text
    r = client.post("/plan-toetsen", files={"bestand": ("plan.exe", b"MZ\x90\x00", "application/octet-stream")})
    assert r.status_code == 422 and "niet wordt ondersteund" in r.text


def test_oversized_upload_is_refused(client):
    big = b"Er is een tekort aan stageplekken.\n" * (6 * 1024 * 1024 // 35)        # ~6 MB
    r = client.post("/plan-toetsen", files={"bestand": ("plan.txt", big, "text/plain")})
    assert r.status_code == 413 and "te groot" in r.text and "5 MB" in r.text
    assert r.headers["content-security-policy"].startswith(STRICT_CSP)
    just_over = b"Er is een tekort aan stageplekken.\n" * (5 * 1024 * 1024 // 35 + 100)   # 5 MB + a little
    r = client.post("/plan-toetsen", files={"bestand": ("plan.txt", just_over, "text/plain")})
    assert r.status_code == 413 and "te groot" in r.text
    r = client.post("/api/match", content=b"[" + b" " * (6 * 1024 * 1024) + b"]",
                    headers={"content-type": "application/json"})
    assert r.status_code == 413 and "te groot" in _errors(r)["detail"]
