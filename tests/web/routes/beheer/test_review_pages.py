"""Four-eyes review, revisions, recognition and the practice card through the curation pages
(TestClient on a private copy of the real knowledge base and index, the real model): while a
revision is pending the public sees the published text in search, on the entry page and in the
API; a second curator approves it and search finds the new text; a beheerder's override needs
a reason; the new pages pass the accessibility checks of the others."""
from __future__ import annotations

import re
from html import unescape

from fastapi.testclient import TestClient

from kb.db import connect
from kb.entries import entry_history, get_entry
from kb.review import open_revision
from tests.web.html_check import check_accessible
from tests.web.routes.beheer.test_curation import (NEW_PRACTICE, PLURYN, app, edit_form, flash, login,  # noqa: F401
                                                   token, version_of)

NEW_WORDS = "Leerroute Zorgpionier"


def titles(client, query: str) -> list[tuple[str, str]]:
    r = client.get("/api/search", params={"q": query, "k": 10})
    assert r.status_code == 200, r.text
    return [(x["id"], x["title"]) for x in r.json()["results"]]


def test_a_pending_revision_stays_private_until_another_curator_approves_it(app):
    cora, carl, anonymous = login(app, "cora"), login(app, "carl"), TestClient(app)
    e = get_entry(connect(app.state.services.db_path), PLURYN)
    new_title = f"Carrièreswitchers van Pluryn: de {NEW_WORDS}"
    form = edit_form(cora, PLURYN, title=new_title, body=e.body + f"\nHet traject heet voortaan de {NEW_WORDS}.")
    r = cora.post(f"/beheer/items/{PLURYN}", data=form, follow_redirects=False)
    assert r.status_code == 303 and "ter review" in flash(r) and "andere curator" in flash(r)

    # the public keeps seeing the published version: search, entry page, API
    assert all(NEW_WORDS not in t for _, t in titles(anonymous, NEW_WORDS))
    page = anonymous.get(f"/items/{PLURYN}")
    assert page.status_code == 200 and NEW_WORDS not in page.text and e.title in page.text
    api = anonymous.get(f"/api/entries/{PLURYN}").json()
    assert api["title"] == e.title and NEW_WORDS not in api["body"] and api["version"] == e.version
    # curators see the revision in the form, on the dashboard and on the review screen
    html = unescape(cora.get(f"/beheer/items/{PLURYN}").text)
    assert "Er staat een wijziging ter review" in html and f'value="{new_title}"' in html
    assert "Verschillen bekijken en beoordelen" in html
    assert f'href="/beheer/items/{PLURYN}/beoordelen"' in cora.get("/beheer").text
    own = cora.get(f"/beheer/items/{PLURYN}/beoordelen")
    assert "kunt dit niet zelf publiceren" in unescape(own.text) and 'value="goedkeuren"' not in own.text
    rev = open_revision(connect(app.state.services.db_path), PLURYN)
    decision = {"besluit": "goedkeuren", "revisie": str(rev.id), "stand": str(rev.seq)}
    r = cora.post(f"/beheer/items/{PLURYN}/wijziging", data=decision | {"csrf_token": token(own.text)})
    assert r.status_code == 422 and "eigen werk niet publiceren" in unescape(r.text)
    assert all(NEW_WORDS not in t for _, t in titles(anonymous, NEW_WORDS))

    review = carl.get(f"/beheer/items/{PLURYN}/beoordelen")
    text = unescape(review.text)
    assert review.status_code == 200 and "Verschillen met de openbare versie" in text
    assert "<ins>" in text and NEW_WORDS in text and 'value="goedkeuren"' in text
    check_accessible(review.text)
    r = carl.post(f"/beheer/items/{PLURYN}/wijziging", data=decision | {"csrf_token": token(review.text)},
                  follow_redirects=False)
    assert r.status_code == 303 and "goedgekeurd" in flash(r)
    # swapped in: public search finds the new text right after the request returned
    hits = titles(anonymous, NEW_WORDS)
    assert hits[0] == (PLURYN, new_title)
    assert NEW_WORDS in anonymous.get(f"/items/{PLURYN}").text
    assert NEW_WORDS in anonymous.get(f"/api/entries/{PLURYN}").json()["body"]
    ev = entry_history(connect(app.state.services.db_path), PLURYN)[0]
    assert ev["action"] == "approve" and ev["actor"] == "carl" and ev["details"]["authors"] == ["cora"]


def test_override_confirmation_card_suggestions_and_accessible_pages(app):
    bea, cora, anonymous = login(app, "bea"), login(app, "cora"), TestClient(app)
    page = bea.get("/beheer/items/nieuw")
    r = bea.post("/beheer/items/nieuw", data=NEW_PRACTICE | {"csrf_token": token(page.text)}, follow_redirects=False)
    eid = r.headers["location"].split("?")[0].rsplit("/", 1)[1]
    html = bea.get(f"/beheer/items/{eid}").text
    r = bea.post(f"/beheer/items/{eid}/status", data={"csrf_token": token(html), "versie": version_of(html),
                                                      "status": "ter_review"}, follow_redirects=False)
    assert r.status_code == 303
    review = bea.get(f"/beheer/items/{eid}/beoordelen")
    assert "nog nooit gepubliceerd" in unescape(review.text) and 'name="reden"' in review.text
    check_accessible(review.text)
    html = bea.get(f"/beheer/items/{eid}").text
    publish = {"csrf_token": token(html), "versie": version_of(html), "status": "gepubliceerd"}
    r = bea.post(f"/beheer/items/{eid}/status", data=publish)
    assert r.status_code == 422 and "alleen met een reden" in unescape(r.text)
    check_accessible(r.text)
    r = bea.post(f"/beheer/items/{eid}/status", data=publish | {"reden": "Cora en Carl zijn met vakantie; regiodag."},
                 follow_redirects=False)
    assert r.status_code == 303 and "vindbaar" in flash(r)
    hist = unescape(bea.get(f"/beheer/items/{eid}/geschiedenis").text)
    assert "zonder tweede curator gepubliceerd door een beheerder" in hist and "regiodag" in hist
    ev = next(x for x in entry_history(connect(app.state.services.db_path), eid) if x["action"] == "publish")
    assert ev["details"]["override"] is True and ev["details"]["authors"] == ["bea"]

    # archiving asks for confirmation on a page of its own (no JavaScript needed)
    item = cora.get(f"/beheer/items/{PLURYN}").text
    assert f'href="/beheer/items/{PLURYN}/archiveren"' in item and 'value="gearchiveerd"' not in item
    confirm = cora.get(f"/beheer/items/{PLURYN}/archiveren")
    assert confirm.status_code == 200 and "archiveren?" in unescape(confirm.text) and 'value="gearchiveerd"' in confirm.text
    check_accessible(confirm.text)

    # the practice card: suggestions from the text, filled on request, saved by the curator
    page = cora.get(f"/beheer/items/{PLURYN}")
    assert "Voorstel uit de tekst" in page.text and 'id="praktijkkaart"' in page.text
    check_accessible(page.text)
    filled = cora.get(f"/beheer/items/{PLURYN}", params={"voorstellen": "1"})
    check_accessible(filled.text)
    field = re.search(r'id="voorstel-(\w+)"', page.text).group(1)        # the first field with a suggestion
    value = re.search(rf'<textarea class="invoer" id="{field}" name="{field}"[^>]*>([^<]*)</textarea>', filled.text)
    assert value and value.group(1).strip(), "a suggestion fills the empty field"
    form = edit_form(cora, PLURYN, **{field: unescape(value.group(1))}, laatst_beoordeeld="2024-02-01",
                     praktijkstatus="lopend")
    r = cora.post(f"/beheer/items/{PLURYN}", data=form, follow_redirects=False)
    assert r.status_code == 303 and "ter review" in flash(r)
    conn = connect(app.state.services.db_path)
    assert open_revision(conn, PLURYN).entry.praktijkstatus == "lopend"
    assert getattr(open_revision(conn, PLURYN).entry, field) == unescape(value.group(1)).strip()
    assert get_entry(conn, PLURYN).praktijkstatus == ""                     # not public before approval
    bad = edit_form(cora, PLURYN, laatst_beoordeeld="morgen") | {"versie": version_of(cora.get(f"/beheer/items/{PLURYN}").text)}
    r = cora.post(f"/beheer/items/{PLURYN}", data=bad)
    assert r.status_code == 422 and 'href="#veld-laatst_beoordeeld"' in r.text
    check_accessible(r.text)
    check_accessible(cora.get("/beheer").text)
    check_accessible(cora.get(f"/beheer/items/{PLURYN}/geschiedenis").text)


def test_recognition_and_the_koploper_check_through_the_pages(app):
    carl, anonymous = login(app, "carl"), TestClient(app)
    page = carl.get(f"/beheer/items/{PLURYN}/erkenning")
    assert page.status_code == 200 and "Koploper-toets" in page.text
    check_accessible(page.text)
    r = carl.post(f"/beheer/items/{PLURYN}/erkenning", data={"csrf_token": token(page.text), "erkenning": "effectief",
                                                             "reasoning": "kort"})
    assert r.status_code == 422 and 'href="#veld-reasoning"' in r.text
    check_accessible(r.text)
    r = carl.post(f"/beheer/items/{PLURYN}/erkenning", data={
        "csrf_token": token(page.text), "erkenning": "goed_onderbouwd", "assessed_on": "2025-02-03",
        "reasoning": "Beschreven doel en aanpak, met cijfers over instroom uit de werving."}, follow_redirects=False)
    assert r.status_code == 303 and "vastgelegd" in flash(r)
    # shown on the public entry page and on the result card
    item = unescape(anonymous.get(f"/items/{PLURYN}").text)
    assert "goed onderbouwd" in item and "beoordeeld op 2025-02-03" in item and "cijfers over instroom" in item
    check_accessible(anonymous.get(f"/items/{PLURYN}").text)
    results = anonymous.get("/", params={"q": "carrièreswitchers van Pluryn zij-instromers"}).text
    card = results[results.index(f'href="/items/{PLURYN}"') - 600:results.index(f'href="/items/{PLURYN}"')]
    assert "Erkenning: goed onderbouwd" in card
    # the API filter and the facet
    q = "carrièreswitchers van Pluryn zij-instromers"
    body = anonymous.get("/api/search", params={"q": q, "erkenning": "goed onderbouwd"}).json()
    assert [x["id"] for x in body["results"]] == [PLURYN] and body["total"] == 1
    assert body["filters"]["erkenning"] == "goed_onderbouwd" and body["filters"]["type"] == "praktijk"
    assert {v["value"]: v["count"] for v in body["facets"]["erkenning"]} == {"goed_onderbouwd": 1}
    everything = anonymous.get("/api/search", params={"q": q}).json()
    counts = {v["value"]: v["count"] for v in everything["facets"]["erkenning"]}
    assert counts["goed_onderbouwd"] == 1 and counts.get("effectief", 0) == 0
    bad = anonymous.get("/api/search", params={"q": q, "erkenning": "bewezen"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "erkenning"
    assert "Onbekende erkenning 'bewezen'" in bad.json()["detail"]
    page = anonymous.get("/", params={"q": q, "erkenning": "goed_onderbouwd"})
    assert page.status_code == 200 and "Erkenning (praktijken): goed onderbouwd" in unescape(page.text)
    check_accessible(page.text)
    # the Koploper check refuses Koploper with two criteria
    page = carl.get(f"/beheer/items/{PLURYN}/erkenning")
    r = carl.post(f"/beheer/items/{PLURYN}/koploper", data={
        "csrf_token": token(page.text), "criterium_samenwerken": "ja", "criterium_vernieuwend": "ja",
        "k_reasoning": "Samenwerking met het ROC; nog geen cijfers.", "koploper": "ja"})
    assert r.status_code == 422 and "minstens 3 van de 4 criteria" in unescape(r.text) and "nu 2" in r.text
    assert 'href="#veld-k_koploper"' in r.text
    check_accessible(r.text)
    assert get_entry(connect(app.state.services.db_path), PLURYN).koploper_check is None
