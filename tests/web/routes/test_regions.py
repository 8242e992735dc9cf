"""The region pages: the overview, a region with and without a plan, names that denote
several regions."""
from __future__ import annotations

import json
import re
from html import unescape

from fastapi.testclient import TestClient

from tests.web.html_check import check_accessible, get


# ---------------------------------------------------------------- regions

def test_regions_page_lists_28_regions(client):
    r = get(client, "/regios")
    check_accessible(r.text)
    body = re.search(r"<tbody>(.*?)</tbody>", r.text, re.S).group(1)
    assert body.count("<tr>") == 28
    assert '<a href="/regios/drechtsteden">Drechtsteden (Zuid-Holland Zuid)</a>' in r.text
    assert "Zorg en Welzijn ZHZ" in r.text and "Transvorm" in r.text


def test_region_page_with_plan(client):
    r = client.get("/regios/ZHZ", follow_redirects=False)
    assert r.status_code == 308 and r.headers["location"] == "/regios/drechtsteden"
    r = get(client, "/regios/drechtsteden")
    p = check_accessible(r.text)
    titles = [t for _, t in p.headings]
    for h in ("Knelpunten uit het plan", "Aanbevolen praktijken per knelpunt", "Let op: lessen uit Falend Vooruit",
              "Adviezen van de Commissie Werken in de Zorg", "Bouwstenen voor de regionale aanpak", "Vergelijkbare regio's"):
        assert h in titles, h
    groups = [t for lvl, t in p.headings if lvl == 3 and re.match(r"K\d+ ", t)]
    assert len(groups) >= 5 and groups[0].startswith("K1 ")
    assert "Voorbeeldplan." in r.text and "Gedeelde knelpuntthema's:" in r.text
    assert "/regios/drechtsteden?formaat=csv" in r.text and "lijst=vergelijkbaar&amp;formaat=json" in r.text
    assert re.search(r'class="resultaat__zin">', r.text)
    # honest coverage and gaps, as the match decision gives them (issue 10)
    m = client.get("/api/regions/drechtsteden/recommendations").json()
    assert f"de kennisbank heeft iets passends voor {m['coverage_text']}" in r.text
    assert m["coverage_text"].startswith(f"{m['covered']} van de {len(m['bottlenecks'])} knelpunten (gewogen ")
    gaps = [b for b in m["bottlenecks"] if b["gap"]]
    assert [b["index"] for b in gaps] == m["uncovered"]
    assert r.text.count("Geen passende praktijk in de kennisbank.") == len(gaps)
    assert r.text.count('<span class="label label--geen">Geen passende praktijk</span>') == len(gaps)
    # "Al in uw regio" only for a practice that names the region
    cards = re.findall(r'<li class="resultaat">.*?</li>', r.text, re.S)
    badged = {re.search(r'<a href="/items/([^"]+)">', c).group(1) for c in cards if "Al in uw regio" in c}
    in_region = {x["id"] for x in m["recommendations"] if x["in_region"]}
    assert badged == in_region
    assert all("drechtsteden" in x["regions"] for x in m["recommendations"] if x["in_region"])


def test_region_without_plan_has_a_clear_empty_state(client):
    r = get(client, "/regios/friesland")
    p = check_accessible(r.text)
    assert "Nog geen plan bekend" in r.text and "raadt niet" in r.text
    assert "Aanbevolen praktijken per knelpunt" not in r.text and "Vergelijkbare regio's" not in r.text
    assert p.link("Toets de knelpunten van Friesland") == "/plan-toetsen?regio=friesland"
    assert "ZorgpleinNoord" in r.text
    r = get(client, "/regios/atlantis", status=404)
    assert "Regio niet gevonden" in r.text


# ---------------------------------------------------------------- one rule for region names

def test_a_name_of_several_regions_is_refused_everywhere_with_the_candidates(client):
    r = get(client, "/regios/Limburg", status=404)
    p = check_accessible(r.text)
    assert "Kies één regio" in r.text and "'Limburg' past bij 2 regio's" in unescape(r.text)
    assert p.link("Noord- en Midden-Limburg (27)") == "/regios/noord-en-midden-limburg"
    assert p.link("Zuid-Limburg (28)") == "/regios/zuid-limburg"
    api = client.get("/api/regions/Brabant/recommendations")
    assert api.status_code == 404 and "'Brabant' past bij 4 regio's" in api.json()["detail"]
    assert all(n in api.json()["detail"] for n in ("West-Brabant (23)", "Zuidoost-Brabant (26)"))
    search = client.get("/api/search", params={"q": "werkdruk", "regio": "Limburg"})
    assert search.status_code == 422 and search.json()["errors"][0]["field"] == "regio"
    assert "Zuid-Limburg (28)" in search.json()["detail"]
    match = client.post("/api/match", json={"bottlenecks": ["werkdruk"], "region": "Gelderland"})
    assert match.status_code == 422 and "'Gelderland' past bij 2 regio's" in match.json()["detail"]
    page = client.post("/plan-toetsen", data={"knelpunten": "Hoge werkdruk", "regio": "Limburg"})
    assert page.status_code == 422 and "Zuid-Limburg (28)" in page.text
    zoeken = client.get("/", params={"q": "werkdruk", "regio": "Brabant"})
    assert zoeken.status_code == 422 and "Midden-Brabant (24)" in zoeken.text
    assert client.get("/plan-toetsen", params={"regio": "Limburg"}).status_code == 422


def test_every_front_end_shows_the_same_plan_for_a_region_with_two_plans(writable_app, kb_copy, capsys):
    from kb.plan_input import store_plan, typed_plan
    from web.cli import main
    services = writable_app.state.services
    conn = services.conn()
    newer = store_plan(conn, typed_plan(["Er zijn te weinig gastouders voor de kinderopvang van zorgpersoneel."]),
                       "drechtsteden", title="Plan Drechtsteden 2026", actor="test")
    with TestClient(writable_app) as c:
        rows = {x["id"]: x for x in c.get("/api/regions").json()["regions"]}
        assert rows["drechtsteden"]["plan"]["id"] == newer.id and rows["drechtsteden"]["plan"]["bottlenecks"] == 1
        page = c.get("/regios/drechtsteden").text
        assert "te weinig gastouders" in page and "Plan Drechtsteden 2026" in page
        rec = c.get("/api/regions/drechtsteden/recommendations").json()
        assert rec["plan"]["id"] == newer.id and [b["text"] for b in rec["bottlenecks"]] == [newer.bottlenecks[0].text]
        sim = c.get("/api/regions/rijnmond/similar", params={"k": 27}).json()["similar"]
        assert next(s for s in sim if s["region"] == "drechtsteden")["plan"] == newer.id
        api_rows = c.get("/api/regions").json()["regions"]
    assert main(["--db", str(kb_copy), "regions", "--json"]) == 0
    cli_rows = json.loads(capsys.readouterr().out)
    assert cli_rows == [{k: v for k, v in r.items() if k != "url"} for r in api_rows]   # one row shape
