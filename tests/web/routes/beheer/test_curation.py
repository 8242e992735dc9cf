"""The curation pages through FastAPI's TestClient, on a private copy of the real knowledge base
and index with the real model: access control, CSRF, roles, the edit ->
publish -> search -> archive -> restore cycle, concurrent edits, and document import."""
from __future__ import annotations

import re
import shutil
from html import unescape
from urllib.parse import unquote

import pytest
from fastapi.testclient import TestClient

from kb.db import connect
from kb.entries import get_entry
from kb.users import create_user, get_user

PLURYN = "carriereswitchers-van-pluryn"
PW = {"cora": "Curatoren-werk-2024!", "carl": "Tweede-curator-99!", "bea": "Beheer-van-Zeeland-7"}
NEW_PRACTICE = {
    "type": "praktijk", "label": "voorbeeld", "title": "Kangoeroezorg op Ameland",
    "summary": "Verpleegkundigen van het vasteland werken om de beurt een week op het eiland.",
    "body": ("Op Ameland werken verpleegkundigen van drie ziekenhuizen om de beurt een week in de kangoeroezorg. "
             "De kangoeroezorg houdt de zorg op het eiland overeind zonder vaste vacatures. Deelnemers krijgen "
             "huisvesting en reiskosten vergoed."),
    "results": "12 verpleegkundigen doen mee", "themes": ["behoud"], "regions": ["noord-holland-noord"],
}
QUERY = "kangoeroezorg op Ameland"


@pytest.fixture
def app(kb_copy, index_root, tmp_path, encoder):
    """An app on a private copy of the knowledge base and its index, with three accounts."""
    from web.app import create_app
    index = tmp_path / "index"
    shutil.copytree(index_root, index)
    conn = connect(kb_copy)
    create_user(conn, "cora", PW["cora"], "curator", actor="test")
    create_user(conn, "carl", PW["carl"], "curator", actor="test")
    create_user(conn, "bea", PW["bea"], "beheerder", actor="test")
    conn.close()
    return create_app(kb_copy, index)


def token(html: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert m, "no CSRF token in the form"
    return m.group(1)


def version_of(html: str) -> str:
    return re.search(r'name="versie" value="([\d.]+)"', html).group(1)


def login(app, username: str) -> TestClient:
    c = TestClient(app)
    page = c.get("/beheer/inloggen")
    r = c.post("/beheer/inloggen", data={"gebruikersnaam": username, "wachtwoord": PW[username],
                                         "csrf_token": token(page.text)}, follow_redirects=False)
    assert r.status_code == 303, r.text
    return c


def edit_form(c: TestClient, entry_id: str, **changes) -> dict:
    """The edit form of an entry as a browser would submit it, with `changes` applied."""
    html = c.get(f"/beheer/items/{entry_id}").text
    e = get_entry(connect(c.app.state.services.db_path), entry_id)
    data = {"csrf_token": token(html), "versie": version_of(html), "title": e.title, "summary": e.summary,
            "body": e.body, "label": e.label or "", "audience": e.audience or "", "number": e.number or "",
            "results": "\n".join(e.results), "actielijnen": e.actielijnen, "themes": e.themes,
            "branches": e.branches, "regions": e.regions, "organisations": e.organisations}
    if e.origin == "curator":
        data["type"] = e.type
    data.update(changes)
    return data


def found(c: TestClient, entry_id: str, query: str = QUERY) -> bool:
    r = c.get("/api/search", params={"q": query, "k": 10})
    assert r.status_code == 200, r.text
    return entry_id in [x["id"] for x in r.json()["results"]]


def flash(r) -> str:
    return unquote(re.search(r"melding=([^&]+)", r.headers["location"]).group(1))


# ---------------------------------------------------------------- access control

def post_routes(app) -> list[str]:
    from web.routes.beheer import entries, imports, login, users
    fill = {"entry_id": PLURYN, "proposal_id": "1", "username": "cora"}
    out = []
    for route in [r for m in (login, entries, imports, users) for r in m.router.routes]:
        if "POST" in route.methods and route.path not in ("/beheer/inloggen", "/beheer/uitloggen"):
            out.append(re.sub(r"\{(\w+)\}", lambda m: fill[m.group(1)], route.path))
    return out


def test_anonymous_requests_to_edit_routes_are_refused(app, kb_copy, fingerprint):
    routes = post_routes(app)
    assert {"/beheer/items/nieuw", f"/beheer/items/{PLURYN}", f"/beheer/items/{PLURYN}/status",
            f"/beheer/items/{PLURYN}/herstellen", "/beheer/import", "/beheer/voorstellen/1", "/beheer/gebruikers",
            "/beheer/gebruikers/cora/actief"} <= set(routes)
    c = TestClient(app)
    c.get("/beheer/inloggen")                 # a pre-session with a valid CSRF token does not help
    before = fingerprint(kb_copy)
    for path in routes:
        r = c.post(path, data={"title": "Gekaapt", "status": "gearchiveerd", "versie": "1"}, follow_redirects=False)
        assert r.status_code == 401, (path, r.status_code)
        assert "inloggen" in r.text.lower()
        r = c.post(path, data={"title": "Gekaapt"}, headers={"Accept": "application/json"})
        assert r.status_code == 401 and r.json()["status"] == 401 and "inloggen" in r.json()["detail"]
    r = c.get("/beheer/items", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/beheer/inloggen?volgende=%2Fbeheer%2Fitems"
    r = c.get("/beheer/api/items")
    assert r.status_code == 401 and r.headers["content-type"].startswith("application/json")
    assert fingerprint(kb_copy) == before


def test_posts_without_a_valid_csrf_token_are_refused(app, kb_copy, fingerprint):
    cora, carl = login(app, "cora"), login(app, "carl")
    form = edit_form(cora, PLURYN, title="Zonder token")
    before = fingerprint(kb_copy)
    for data in ({k: v for k, v in form.items() if k != "csrf_token"},
                 form | {"csrf_token": "vervalst"},
                 form | {"csrf_token": token(carl.get("/beheer/items/nieuw").text)}):   # another session's token
        r = cora.post(f"/beheer/items/{PLURYN}", data=data, follow_redirects=False)
        assert r.status_code == 403 and "beveiligingstoken" in r.text
    r = cora.post(f"/beheer/items/{PLURYN}/status", data={"status": "gearchiveerd", "versie": form["versie"]})
    assert r.status_code == 403
    r = TestClient(app).post("/beheer/inloggen", data={"gebruikersnaam": "cora", "wachtwoord": PW["cora"]})
    assert r.status_code == 403                       # the login form has a token too
    assert fingerprint(kb_copy) == before


def test_curators_cannot_manage_users_but_beheerders_can(app):
    cora, bea = login(app, "cora"), login(app, "bea")
    assert cora.get("/beheer/gebruikers").status_code == 403
    tok = token(cora.get("/beheer").text)
    r = cora.post("/beheer/gebruikers", data={"csrf_token": tok, "gebruikersnaam": "indringer", "rol": "beheerder",
                                              "wachtwoord": "Een-lang-wachtwoord-1", "wachtwoord2": "Een-lang-wachtwoord-1"})
    assert r.status_code == 403 and "Alleen een beheerder" in r.text
    r = cora.post("/beheer/gebruikers/bea/actief", data={"csrf_token": tok, "actief": "nee"})
    assert r.status_code == 403
    conn = connect(app.state.services.db_path)
    assert get_user(conn, "indringer") is None and get_user(conn, "bea").active

    page = bea.get("/beheer/gebruikers")
    assert page.status_code == 200 and "cora" in page.text
    r = bea.post("/beheer/gebruikers", data={"csrf_token": token(page.text), "gebruikersnaam": "dirk",
                                             "rol": "curator", "wachtwoord": "kort", "wachtwoord2": "kort"})
    assert r.status_code == 422 and "minstens 12 tekens" in r.text and 'value="dirk"' in r.text
    r = bea.post("/beheer/gebruikers", data={"csrf_token": token(page.text), "gebruikersnaam": "dirk",
                                             "rol": "curator", "wachtwoord": "Nieuwe-collega-2025",
                                             "wachtwoord2": "Nieuwe-collega-2025"}, follow_redirects=False)
    assert r.status_code == 303 and "aangemaakt" in flash(r)
    assert get_user(conn, "dirk").role == "curator"
    # disabling an account ends its sessions at once
    assert cora.get("/beheer").status_code == 200
    r = bea.post("/beheer/gebruikers/cora/actief", data={"csrf_token": token(page.text), "actief": "nee",
                                                          "bevestigd": "ja"}, follow_redirects=False)
    assert r.status_code == 303 and "uitgeschakeld" in flash(r)
    assert cora.get("/beheer", follow_redirects=False).status_code == 303


# ---------------------------------------------------------------- edit -> publish -> search -> archive -> restore

def test_edit_publish_search_archive_and_restore(app):
    cora = login(app, "cora")
    page = cora.get("/beheer/items/nieuw")
    assert page.status_code == 200 and 'name="regions" value="zeeland"' in page.text and 'value="stages"' in page.text
    r = cora.post("/beheer/items/nieuw", data=NEW_PRACTICE | {"title": "", "csrf_token": token(page.text)})
    assert r.status_code == 422 and "Vul een titel in." in r.text and 'href="#veld-title"' in r.text
    assert "Op Ameland werken verpleegkundigen" in r.text                 # nothing lost
    r = cora.post("/beheer/items/nieuw", data=NEW_PRACTICE | {"csrf_token": token(page.text)}, follow_redirects=False)
    assert r.status_code == 303
    eid = r.headers["location"].split("?")[0].rsplit("/", 1)[1]
    assert eid == "kangoeroezorg-op-ameland" and "concept" in flash(r)
    assert not found(cora, eid)                                           # a concept is not public

    r = cora.post(f"/beheer/items/{eid}", data=edit_form(cora, eid, title="Kangoeroezorg op Ameland en Texel",
                                                          results="12 verpleegkundigen doen mee\nGeen vacatures meer"),
                  follow_redirects=False)
    assert r.status_code == 303 and "titel" in flash(r) and "resultaten" in flash(r)

    def move(status: str, who=cora):
        html = who.get(f"/beheer/items/{eid}").text
        return who.post(f"/beheer/items/{eid}/status", data={"csrf_token": token(html), "versie": version_of(html),
                                                             "status": status}, follow_redirects=False)
    r = move("gepubliceerd")
    assert r.status_code == 422 and "kan niet naar 'gepubliceerd'" in unescape(r.text)
    assert move("ter_review").status_code == 303 and not found(cora, eid)
    r = move("gepubliceerd")                       # four eyes: the author cannot publish
    assert r.status_code == 422 and "eigen werk niet publiceren" in unescape(r.text) and not found(cora, eid)
    r = move("gepubliceerd", login(app, "carl"))
    assert r.status_code == 303 and "vindbaar" in flash(r)
    # found by public search right after the publish request returned
    anonymous = TestClient(app)
    res = anonymous.get("/api/search", params={"q": QUERY}).json()["results"]
    assert res[0]["id"] == eid and res[0]["title"] == "Kangoeroezorg op Ameland en Texel"
    assert anonymous.get(f"/items/{eid}").status_code == 200
    assert anonymous.get(f"/bronnen/redactie-{eid}").status_code == 404     # the first draft stays private
    assert "/bronnen/redactie-" not in anonymous.get(f"/items/{eid}").text

    assert move("gearchiveerd").status_code == 303
    assert not found(anonymous, eid) and anonymous.get(f"/items/{eid}").status_code == 404

    hist = cora.get(f"/beheer/items/{eid}/geschiedenis")
    assert hist.status_code == 200
    text = hist.text
    assert "gepubliceerd</h3>" in text and "gearchiveerd</h3>" in text and "bewerkt</h3>" in text
    assert "gepubliceerd → gearchiveerd" in text and "ter review → gepubliceerd" in text
    assert "<ins> en Texel</ins>" in text and "<ins>Geen vacatures meer</ins>" in text
    from kb.entries import entry_history
    events = entry_history(connect(app.state.services.db_path), eid)
    by_action = {ev["action"]: ev for ev in events}
    assert by_action["publish"]["details"]["changes"]["status"] == ["ter_review", "gepubliceerd"]
    assert by_action["archive"]["details"]["changes"]["status"] == ["gepubliceerd", "gearchiveerd"]
    assert by_action["publish"]["actor"] == "carl" and by_action["archive"]["actor"] == "cora"
    assert by_action["publish"]["details"]["authors"] == ["cora"]

    # restore version 1: the old title and text come back as a new version
    r = cora.post(f"/beheer/items/{eid}/herstellen", data={"csrf_token": token(text), "versie": version_of(
        cora.get(f"/beheer/items/{eid}").text), "herstel_versie": "1"}, follow_redirects=False)
    assert r.status_code == 303 and "Versie 1 is hersteld" in flash(r)
    e = get_entry(connect(app.state.services.db_path), eid)
    assert e.title == "Kangoeroezorg op Ameland" and e.results == ["12 verpleegkundigen doen mee"]
    assert e.status == "gearchiveerd" and e.version == 6
    assert "versie hersteld</h3>" in cora.get(f"/beheer/items/{eid}/geschiedenis").text
    assert cora.get(f"/beheer/items/{eid}/versies/2").status_code == 200


def test_two_curators_save_the_same_version_and_the_second_merges_only_their_own_changes(app):
    cora, carl = login(app, "cora"), login(app, "carl")
    form_cora = edit_form(cora, PLURYN, title="Carrièreswitchers bij Pluryn (Cora)")
    form_carl = edit_form(carl, PLURYN, title="Pluryn volgens Carl", body="Carls eigen tekst over Pluryn.")
    assert form_cora["versie"] == form_carl["versie"]
    r = cora.post(f"/beheer/items/{PLURYN}", data=form_cora, follow_redirects=False)
    assert r.status_code == 303 and "ter review" in flash(r)
    r = carl.post(f"/beheer/items/{PLURYN}", data=form_carl, follow_redirects=False)
    assert r.status_code == 409
    text = unescape(r.text)
    assert "Iemand anders (cora) heeft dit kennisitem in de tussentijd opgeslagen" in text
    assert "Uw wijzigingen zijn niet opgeslagen" in text
    assert "Carls eigen tekst over Pluryn." in text and 'value="Pluryn volgens Carl"' in text   # nothing lost
    # their value beside mine for the field both changed, with a choice
    assert 'id="conflict-title"' in text and "Hun waarde (opgeslagen door cora)" in text and "Uw waarde" in text
    assert "Carrièreswitchers bij Pluryn (Cora)" in text and 'name="oplossing_title"' in text
    assert 'id="conflict-body"' not in text                # only carl changed the text
    assert version_of(r.text) == form_carl["versie"]      # the form still says where carl started
    # saving again without a choice asks again; with 'hun' keeps cora's title and adds carl's text
    again = form_carl | {"csrf_token": token(r.text), "tegen": re.search(r'name="tegen" value="([^"]+)"', r.text).group(1)}
    r2 = carl.post(f"/beheer/items/{PLURYN}", data=again, follow_redirects=False)
    assert r2.status_code == 409 and 'name="oplossing_title"' in r2.text
    r3 = carl.post(f"/beheer/items/{PLURYN}", data=again | {"oplossing_title": "hun"}, follow_redirects=False)
    assert r3.status_code == 303, r3.text
    from kb.review import working_entry
    conn = connect(app.state.services.db_path)
    w, rev = working_entry(conn, PLURYN)
    assert w.title == "Carrièreswitchers bij Pluryn (Cora)" and w.body == "Carls eigen tekst over Pluryn."
    assert rev.authors == ["cora", "carl"]
    assert get_entry(conn, PLURYN).title == "Carrièreswitchers van Pluryn"      # public: still the published one


# ---------------------------------------------------------------- import

def excerpt(conn, *entry_ids: str) -> str:
    parts = ["# Verzameling uit het netwerk", ""]
    for eid in entry_ids:
        e = get_entry(conn, eid)
        parts += [f"## {e.title}", "", e.body, ""]
    parts += ["## Terugkeerbanen voor gepensioneerde verpleegkundigen", "",
              "Gepensioneerde verpleegkundigen in Zeeland kunnen in een terugkeerbaan enkele diensten per maand "
              "draaien, bijvoorbeeld als begeleider van nieuwe collega's. Ze krijgen een kleine aanstelling.", ""]
    return "\n".join(parts)


def test_import_shows_near_duplicates_and_nothing_is_published_without_a_decision(app):
    cora = login(app, "cora")
    conn = connect(app.state.services.db_path)
    data = excerpt(conn, PLURYN, "zorgwacht").encode("utf-8")
    page = cora.get("/beheer/import")
    r = cora.post("/beheer/import", data={"csrf_token": token(page.text)},
                  files={"bestand": ("programma.exe", b"MZ\x90\x00binary", "application/octet-stream")})
    assert r.status_code == 422 and "niet wordt ondersteund" in r.text
    r = cora.post("/beheer/import", data={"csrf_token": token(page.text)},
                  files={"bestand": ("verzameling.md", data, "text/markdown")}, follow_redirects=False)
    assert r.status_code == 303 and "3 voorstellen" in flash(r) and "2 lijken op een bestaand kennisitem" in flash(r)
    batch = cora.get(r.headers["location"])
    html = batch.text
    assert html.count("Mogelijk dubbel") == 2
    assert html.count('class="vergelijking"') == 3 and "Overeenkomst" in html and "Betekenis" in html
    assert f'href="/beheer/items/{PLURYN}"' in html and 'href="/beheer/items/zorgwacht"' in html
    ids = re.findall(r'action="/beheer/voorstellen/(\d+)"', html)
    from kb import proposals as P
    props = {p.draft.title: p for p in P.get_batch(conn, P.list_batches(conn)[0].id).proposals}
    assert props["Carrièreswitchers van Pluryn"].is_duplicate and props["Carrièreswitchers van Pluryn"].score > 0.9
    assert not props["Terugkeerbanen voor gepensioneerde verpleegkundigen"].is_duplicate
    assert len(ids) == 3
    n_published = conn.execute("SELECT count(*) FROM entries WHERE status = 'gepubliceerd'").fetchone()[0]

    new = props["Terugkeerbanen voor gepensioneerde verpleegkundigen"]
    r = cora.post(f"/beheer/voorstellen/{new.id}", data={"csrf_token": token(html), "besluit": "overnemen"},
                  follow_redirects=False)
    assert r.status_code == 303 and "concept" in flash(r)
    accepted = P.get_proposal(conn, new.id).entry_id
    assert get_entry(conn, accepted).status == "concept"
    assert not found(cora, accepted, "terugkeerbaan gepensioneerde verpleegkundigen")

    dup = props["Carrièreswitchers van Pluryn"]
    before = get_entry(conn, PLURYN)
    r = cora.post(f"/beheer/voorstellen/{dup.id}", data={"csrf_token": token(html), "besluit": "samenvoegen",
                                                          "versie": str(before.version)}, follow_redirects=False)
    assert r.status_code == 303 and "wijziging ter review" in flash(r)
    assert get_entry(conn, PLURYN).version == before.version           # the public keeps the published version
    from kb.review import open_revision
    rev = open_revision(conn, PLURYN)
    carl = login(app, "carl")
    page = carl.get(f"/beheer/items/{PLURYN}/beoordelen")
    assert page.status_code == 200 and "Bronnen" in page.text
    r = carl.post(f"/beheer/items/{PLURYN}/wijziging", data={"csrf_token": token(page.text), "besluit": "goedkeuren",
                                                             "revisie": str(rev.id), "stand": str(rev.seq)},
                  follow_redirects=False)
    assert r.status_code == 303 and "goedgekeurd" in flash(r)
    after = get_entry(conn, PLURYN)
    assert after.version == before.version + 1 and after.status == before.status and after.body == before.body
    assert len(after.sources) == len(before.sources) + 1
    # the upload is public now (a published entry cites it), but only the cited passage
    public = TestClient(app).get(f"/bronnen/{after.sources[-1].document_id}")
    assert public.status_code == 200 and "alleen de passages openbaar" in public.text
    assert "Pluryn" in public.text and "Terugkeerbanen" not in public.text and "Zorgwacht" not in public.text
    assert "verzameling.md" not in public.text

    other = props["Zorgwacht"]
    r = cora.post(f"/beheer/voorstellen/{other.id}", data={"csrf_token": token(html), "besluit": "afwijzen"},
                  follow_redirects=False)
    assert r.status_code == 303 and "afgewezen" in flash(r)
    r = cora.post(f"/beheer/voorstellen/{other.id}", data={"csrf_token": token(html), "besluit": "overnemen"},
                  follow_redirects=False)
    assert "al beslist" in flash(r)
    assert conn.execute("SELECT count(*) FROM entries WHERE status = 'gepubliceerd'").fetchone()[0] == n_published

    # the same file again: said in Dutch, and only on request read again
    r = cora.post("/beheer/import", data={"csrf_token": token(html)},
                  files={"bestand": ("kopie.md", data, "text/markdown")})
    assert r.status_code == 409 and "staat al in de kennisbank" in r.text and 'name="toch"' in r.text
    r = cora.post("/beheer/import", data={"csrf_token": token(html), "toch": "ja"},
                  files={"bestand": ("kopie.md", data, "text/markdown")}, follow_redirects=False)
    assert r.status_code == 303
    overview = cora.get("/beheer/import").text
    assert "verzameling.md" in overview and "kopie.md" in overview


# ---------------------------------------------------------------- every page: Dutch, accessible, no inline code

def test_every_curation_page_is_accessible(app):
    from tests.web.html_check import check_accessible
    anonymous = TestClient(app)
    p = check_accessible(anonymous.get("/beheer/inloggen").text)
    assert p.headings[0] == (1, "Inloggen voor beheer")
    tok = token(anonymous.get("/beheer/inloggen").text)
    r = anonymous.post("/beheer/inloggen", data={"gebruikersnaam": "bea", "wachtwoord": "onjuist-wachtwoord",
                                                 "csrf_token": tok})
    check_accessible(r.text)
    bea = login(app, "bea")
    pages = ["/beheer", "/beheer/items", "/beheer/items?status=concept&type=advies&q=zorg", "/beheer/items/nieuw",
             f"/beheer/items/{PLURYN}", f"/beheer/items/{PLURYN}/geschiedenis", f"/beheer/items/{PLURYN}/versies/1",
             "/beheer/import", "/beheer/gebruikers"]
    for url in pages:
        r = bea.get(url)
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/html"), url
        assert r.headers["cache-control"] == "no-store" and "script-src 'self'" in r.headers["content-security-policy"]
        page = check_accessible(r.text)
        assert any(h == "/beheer/items" for h, _ in page.links), url
    # forms with errors: the summary links to the fields, which are marked invalid
    r = bea.post("/beheer/items/nieuw", data={"csrf_token": token(bea.get("/beheer").text), "type": "praktijk",
                                              "title": "", "body": "", "regions": ["atlantis"]})
    page = check_accessible(r.text)
    assert r.status_code == 422
    assert {"#veld-title", "#veld-body", "#veld-regions"} <= {h for h, _ in page.links}
    assert any(a.get("aria-invalid") == "true" and a.get("id") == "title" for _, a in page.tags)
    r = bea.post(f"/beheer/items/{PLURYN}", data=edit_form(bea, PLURYN, versie="1", title="Oud"))
    r2 = bea.post(f"/beheer/items/{PLURYN}", data=edit_form(bea, PLURYN, versie="1", title="Ouder"))
    assert r2.status_code == 409
    check_accessible(r2.text)
    for url, status in (("/beheer/items/bestaat-niet", 404), ("/beheer/import/999", 404)):
        r = bea.get(url)
        assert r.status_code == status and "bestaat niet" in r.text
        check_accessible(r.text)


def test_an_archived_entry_leaves_public_search_even_when_the_index_update_fails(app, monkeypatch):
    cora, anonymous = login(app, "cora"), TestClient(app)
    q = "carrièreswitchers van Pluryn zij-instromers"
    assert found(anonymous, PLURYN, q)

    def disk_full(*args, **kwargs):          # fault injection: the index cannot be written
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(type(app.state.services), "refresh", disk_full)
    html = cora.get(f"/beheer/items/{PLURYN}").text
    r = cora.post(f"/beheer/items/{PLURYN}/status", data={"csrf_token": token(html), "versie": version_of(html),
                                                          "status": "gearchiveerd"}, follow_redirects=False)
    assert r.status_code == 303 and "zoekindex kon niet worden bijgewerkt" in flash(r)
    assert get_entry(connect(app.state.services.db_path), PLURYN).status == "gearchiveerd"
    assert not found(anonymous, PLURYN, q) and anonymous.get(f"/items/{PLURYN}").status_code == 404


def test_notices_cannot_be_forged_through_a_link(app):
    cora = login(app, "cora")
    forged = cora.get("/beheer", params={"melding": "Uw account is verlopen, bel 0900-1234", "soort": "fout"})
    assert forged.status_code == 200 and "0900-1234" not in forged.text
    html = cora.get(f"/beheer/items/{PLURYN}").text
    r = cora.post(f"/beheer/items/{PLURYN}", data=edit_form(cora, PLURYN), follow_redirects=False)
    assert r.status_code == 303 and "Er was niets gewijzigd." in cora.get(r.headers["location"]).text
    assert html
