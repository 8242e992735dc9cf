"""The public pages through the TestClient: the search page, entries and sources, markup and
accessibility rules, the Searcher refresh hook, and the app without an index."""
from __future__ import annotations

import re
import threading
from html import unescape
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.web.html_check import Page, check_accessible, get

Q = "te weinig stageplekken in de wijkverpleging"
MATCHQ = "Pluryn carrièreswitchers omscholing zij-instromers"    # matches (a strong match) with the fitted model
NONSENSE = "xyzzy flurp blorg"                                     # matches nothing
CONTEXTQ = "zij-instromers werven"                                 # practices, with policy as background
WEB = Path(__file__).resolve().parents[3] / "web"


# ---------------------------------------------------------------- search page

def test_home_shows_intro_and_examples(client):
    r = get(client, "/")
    p = check_accessible(r.text)
    assert "Beschrijf uw knelpunt" in r.text and 'for="q"' in r.text
    assert "Probeer bijvoorbeeld" in r.text and "9 bouwstenen" in r.text
    example = p.link("stageplekken in de wijkverpleging")
    assert example.startswith("/?q=")
    assert "Dat lukte niet" not in get(client, "/?q=").text        # empty query: the intro, no error


def _result_cards(text: str) -> list[str]:
    """The cards of the result list (not the policy background or "Misschien verwant")."""
    ol = re.search(r'<ol class="resultatenlijst" start="\d+">(.*?)</ol>', text, re.S)
    return re.findall(r'<li class="resultaat[^"]*">.*?</li>', ol.group(1), re.S) if ol else []


def _kinds(text: str) -> set[str]:
    """The kind badges on a page (not the match badges)."""
    return {t for cls, t in re.findall(r'<span class="label label--([\w-]+)">([^<]+)</span>', text)
            if cls not in {"sterk", "mogelijk", "geen", "regio"}}


def test_search_page_shows_matches_with_their_confidence(client):
    r = get(client, "/", params={"q": MATCHQ})
    p = check_accessible(r.text)
    assert re.search(r"\d+ (passend resultaat|passende resultaten) voor ‘Pluryn", r.text)
    assert "Resultaat 1 tot en met" in r.text
    cards = _result_cards(r.text)
    assert cards and all("resultaat--niet-passend" not in c for c in cards)
    assert re.search(r'class="label label--(sterk|mogelijk)">(Sterke|Mogelijke) match</span> '
                     r'<span class="zekerheid">zekerheid \d+%</span>', r.text)
    assert "Zo leest u de resultaten." in r.text and "geschatte kans" in r.text      # the legend says what % means
    assert "(nr." not in r.text                                                    # no rank numbers
    assert re.search(r'class="resultaat__zin">.*?<mark>[^<]+</mark>', r.text, re.S), "highlighted sentence"
    assert "Waarom:</strong> Gevonden omdat" in r.text
    assert _kinds(r.text) and _kinds(r.text) <= {"Koploper", "Falend Vooruit", "Voorbeeldpraktijk", "Advies", "Bouwsteen",
                                                  "Beleid"}
    assert re.search(r'<a href="/bronnen/[^"]+\?van=\d+&amp;tot=\d+&amp;item=[^"]+#passage">', r.text)
    for facet in ("Soort", "Thema"):
        assert f">{facet}</h3>" in r.text
    assert p.link("CSV").endswith("formaat=csv") and p.link("JSON").endswith("formaat=json")
    assert parse_qs(urlsplit(p.link("Alle praktijken (alleen praktijken tonen)")).query) == {"q": [MATCHQ],
                                                                                           "type": ["praktijk"]}
    anyway = p.link("Toon toch de dichtstbijzijnde items")
    assert parse_qs(urlsplit(anyway).query) == {"q": [MATCHQ], "alles": ["true"]}


def test_alles_shows_the_nearest_items_marked_and_pages_through_them(client):
    r = get(client, "/", params={"q": Q, "alles": "true"})
    p = check_accessible(r.text)
    assert re.search(r"\d+ items het dichtst bij ‘te weinig stageplekken.*?’, ook die niet passen", r.text)
    assert "Item 1 tot en met 10 van" in r.text and "Bij elk item staat of het past" in r.text
    cards = _result_cards(r.text)
    assert len(cards) == 10
    for card in cards:                          # every item says whether it fits; a non-match is marked
        label = re.search(r'class="label label--(sterk|mogelijk|geen)">([^<]+)</span>', card)
        assert label, card[:300]
        assert (label.group(1) == "geen") == ("resultaat--niet-passend" in card)
    api = client.get("/api/search", params={"q": Q, "alles": "true", "k": 10}).json()
    assert api["alles"] is True and [x["fits"] for x in api["results"]] == [x["match"] is not None
                                                                            for x in api["results"]]
    assert sum(not c for c in [x["fits"] for x in api["results"]]) == sum("resultaat--niet-passend" in c for c in cards)
    nav = re.search(r'<nav class="paginering".*?</nav>', r.text, re.S).group(0)
    assert 'aria-current="page"' in nav and "Volgende" in nav and "Vorige" not in nav
    page2 = get(client, p.link("Volgende"))
    assert "Item 11 tot en met 20 van" in page2.text and "Vorige" in page2.text
    back = p.link("Toon alleen passende resultaten")
    assert parse_qs(urlsplit(back).query) == {"q": [Q]}
    assert "Deze pagina bestaat niet" in get(client, "/", params={"q": Q, "alles": "true", "pagina": 99}).text


def test_facet_links_filter_and_can_be_removed(client):
    r = get(client, "/", params={"q": "zij-instromers werven", "alles": "true"})
    p = Page(r.text)
    href = next(h for h, t in p.links if t.startswith("Koploper ("))
    count = int(re.search(r"Koploper \((\d+)", next(t for h, t in p.links if h == href)).group(1))
    assert parse_qs(urlsplit(href).query) == {"q": ["zij-instromers werven"], "alles": ["true"], "type": ["praktijk"],
                                              "label": ["Koploper"]}
    f = get(client, href)
    assert f"{count} {'item' if count == 1 else 'items'} het dichtst bij" in f.text
    assert _kinds(f.text) == {"Koploper"}
    assert "Gekozen: <strong>Koploper</strong>" in f.text
    back = Page(f.text).link("Alle soorten tonen")
    assert parse_qs(urlsplit(back).query) == {"q": ["zij-instromers werven"], "alles": ["true"]}


def _nearest_cards(text: str) -> list[str]:
    block = re.search(r'<section class="verwant".*?</section>', text, re.S)
    return re.findall(r'<li class="resultaat[^"]*">.*?</li>', block.group(0), re.S) if block else []


def test_nothing_matches_gives_the_empty_state_with_at_most_three_related_items(client):
    r = get(client, "/", params={"q": NONSENSE})
    p = check_accessible(r.text)
    assert "Geen passende resultaten voor ‘xyzzy flurp blorg’" in r.text
    assert "De kennisbank heeft (nog) geen passende praktijk voor dit knelpunt." in r.text
    assert "Misschien verwant</h3>" in r.text
    near = _nearest_cards(r.text)
    assert 1 <= len(near) <= 3
    for card in near:                           # labelled as not a match
        assert "resultaat--niet-passend" in card and ">Geen match</span>" in card
        assert "Geen match: verwant, maar geen antwoord op uw vraag." in card
    assert 'class="resultatenlijst" start=' not in r.text                  # no result list
    assert "Zo leest u de resultaten" not in r.text and "Alle praktijken" not in r.text
    # what to do next: other words, the whole plan, the nearest anyway, tell the Actie Leer Netwerk
    assert "Beschrijf het knelpunt met andere woorden" in r.text
    assert parse_qs(urlsplit(p.link("Toets uw hele plan")).query) == {"knelpunt": [NONSENSE]}
    assert urlsplit(p.link("Toets uw hele plan")).path == "/plan-toetsen"
    assert parse_qs(urlsplit(p.link("Toon toch de dichtstbijzijnde items")).query) == {"q": [NONSENSE],
                                                                                      "alles": ["true"]}
    mail = p.link("stuur een e-mail over dit knelpunt")
    assert mail.startswith("mailto:kennisbank@example.org?subject=") and "xyzzy%20flurp%20blorg" in mail


def test_no_results_with_filters_offers_to_remove_each_filter(client):
    r = get(client, "/", params={"q": "stageplekken", "type": "bouwsteen", "regio": "friesland"})
    p = check_accessible(r.text)
    assert "Geen passende resultaten voor ‘stageplekken’" in r.text and "(met de gekozen filters)" in r.text
    assert len(_nearest_cards(r.text)) <= 3
    assert parse_qs(urlsplit(p.link("Zoek zonder het filter soort: Bouwsteen")).query) == {
        "q": ["stageplekken"], "regio": ["friesland"]}
    assert parse_qs(urlsplit(p.link("Zoek zonder het filter regio: Friesland")).query) == {
        "q": ["stageplekken"], "type": ["bouwsteen"]}


def test_policy_is_background_in_its_own_block_not_counted(client):
    body = client.get("/api/search", params={"q": CONTEXTQ, "k": 100}).json()
    assert body["about_policy"] is False and body["context"]
    assert body["total"] == len(body["results"]) and all(x["type"] != "beleid" for x in body["results"])
    assert all(x["type"] == "beleid" and x["fits"] for x in body["context"])
    r = get(client, "/", params={"q": CONTEXTQ})
    p = check_accessible(r.text)
    block = re.search(r'<section class="achtergrond".*?</section>', r.text, re.S).group(0)
    assert "Achtergrond uit het beleid</h3>" in block and "tellen niet mee" in block
    assert all(f'href="/items/{x["id"]}"' in block for x in body["context"])
    assert parse_qs(urlsplit(p.link("Alleen beleid tonen")).query) == {"q": [CONTEXTQ], "type": ["beleid"]}
    about = get(client, "/", params={"q": "beleid arbeidsmarkt"}).text       # a question about policy itself
    assert "Uw vraag gaat over beleid" in about and "Achtergrond uit het beleid" not in about
    assert "Uw vraag gaat over beleid" not in r.text
    only = client.get("/api/search", params={"q": CONTEXTQ, "type": "beleid"}).json()
    assert only["context"] == [] and only["results"] and all(x["type"] == "beleid" for x in only["results"])


def test_notices_name_corrections_and_begrippen_only_where_the_engine_made_them(client):
    r = get(client, "/", params={"q": "carrièreswichers omscholen"})
    p = check_accessible(r.text)
    assert "Gezocht op ‘carriereswitchers’ (u typte ‘carrièreswichers’)" in r.text
    assert parse_qs(urlsplit(p.link("carriereswitchers omscholen")).query) == {"q": ["carriereswitchers omscholen"]}
    assert "Ook gezocht op: " in r.text and "begrippenlijst" in r.text
    api = client.get("/api/search", params={"q": "carrièreswichers omscholen"}).json()
    assert api["corrections"] == {"carrièreswichers": "carriereswitchers"} and api["also_searched"]
    plain = get(client, "/", params={"q": "Hoe houden we oudere medewerkers langer vast?"}).text
    assert "u typte" not in plain and "Bedoelde u" not in plain          # correct Dutch is never 'corrected'


def test_very_long_and_odd_input_get_dutch_messages(client):
    long_q = "Er zijn te weinig stageplekken in de wijkverpleging. " * 25
    r = get(client, "/", status=422, params={"q": long_q})
    check_accessible(r.text)
    assert "Uw zoekvraag is te lang" in r.text and "de grens is 1.000" in r.text
    assert '<a href="/plan-toetsen">Plan toetsen</a>' in r.text
    assert 'aria-invalid="true"' in r.text and r.text.count("Er zijn te weinig stageplekken") >= 25
    assert "<title>Fout:" in r.text
    r = get(client, "/", status=422, params={"q": "?!?"})
    assert "geen woorden" in r.text
    r = get(client, "/", status=422, params={"q": "stage", "branche": "ruimtevaart"})
    assert "Onbekende branche" in r.text
    r = get(client, "/", status=422, params={"q": "stage", "pagina": "twee"})
    assert "geheel getal" in r.text


# ---------------------------------------------------------------- entries and sources

def test_entry_page_has_all_fields_source_and_related(client, conn):
    r = get(client, "/items/carriereswitchers-van-pluryn")
    p = check_accessible(r.text)
    assert p.headings[0] == (1, "Carrièreswitchers van Pluryn")
    for text in ("Voorbeeldpraktijk", "Meer kiezen voor de zorg", "Zij-instromers en herintreders", "Gehandicaptenzorg",
                 "Pluryn", "600 aanmeldingen voor 50 plekken", "Verwante kennisitems", "Paragraaf:"):
        assert text in r.text, text
    assert "De bron noemt geen regio" in r.text          # no region is guessed
    src = p.link("Bekijk deze passage in de bron")
    assert src.endswith("#passage") and "item=carriereswitchers-van-pluryn" in src
    related = re.search(r'<ol class="verwant__lijst">(.*?)</ol>', r.text, re.S).group(1)
    assert related.count("<li>") == 5 and "/items/carriereswitchers-van-pluryn" not in related
    r = get(client, "/items/bestaat-niet", status=404)
    check_accessible(r.text)
    assert "Kennisitem niet gevonden" in r.text and "Er is geen gepubliceerd kennisitem" in r.text


def test_source_page_highlights_the_cited_passage(client, conn):
    from kb.documents import get_document
    from kb.entries import get_entry
    e = get_entry(conn, "carriereswitchers-van-pluryn")
    s = e.sources[0]
    doc = get_document(conn, s.document_id)
    r = get(client, f"/bronnen/{s.document_id}", params={"van": s.start, "tot": s.end, "item": e.id})
    check_accessible(r.text)
    marked = re.search(r'<mark id="passage" class="passage" tabindex="-1">(.*?)</mark>', r.text, re.S).group(1)
    assert unescape(marked) == doc.text[s.start:s.end]
    assert "Pluryn biedt zij-instromers" in unescape(marked)
    assert r.text.count("<mark") == 1 and 'href="#passage"' in r.text
    assert f'<a href="/items/{e.id}">{e.title}</a>' in r.text
    r = get(client, f"/bronnen/{s.document_id}", params={"van": 10, "tot": 10 ** 9})
    assert "buiten dit document" in r.text and "<mark" not in r.text
    get(client, "/bronnen/geheim-document", status=404)
    listing = get(client, "/bronnen")
    check_accessible(listing.text)
    assert f"/bronnen/{s.document_id}" in listing.text


# ---------------------------------------------------------------- refresh after curation

def test_refresh_swaps_in_a_new_searcher(writable_app):
    from fastapi.testclient import TestClient

    from kb.entries import get_entry, save_entry
    services = writable_app.state.services
    eid = "carriereswitchers-van-pluryn"
    q = {"q": "Pluryn carrièreswitchers omscholing zij-instromers", "k": 5}
    with TestClient(writable_app) as c:
        assert eid in [x["id"] for x in c.get("/api/search", params=q).json()["results"]]
        old = services.searcher()
        e = get_entry(services.conn(), eid)
        e.status = "concept"
        save_entry(services.conn(), e, actor="test")
        assert c.get(f"/items/{eid}").status_code == 404            # pages read the database
        stop, failures = threading.Event(), []

        def keep_searching():
            while not stop.is_set():
                r = c.get("/api/search", params=q)
                if r.status_code != 200:
                    failures.append(r.text)
        workers = [threading.Thread(target=keep_searching) for _ in range(2)]
        for w in workers:
            w.start()
        try:
            changes = services.refresh()
        finally:
            stop.set()
            for w in workers:
                w.join()
        assert not failures
        assert changes["updated"] == [eid]
        assert services.searcher() is not old
        assert eid not in [x["id"] for x in c.get("/api/search", params=q).json()["results"]]
        e.status = "gepubliceerd"
        save_entry(services.conn(), e, actor="test")
        services.refresh()
        assert c.get("/api/search", params=q).json()["results"][0]["id"] == eid
        assert c.get(f"/items/{eid}").status_code == 200


# ---------------------------------------------------------------- accessibility and markup rules

@pytest.mark.parametrize("url", ["/over", "/bronnen", "/plan-toetsen?regio=drenthe", "/bestaat-niet"])
def test_other_pages_are_accessible(client, url):
    r = client.get(url)
    check_accessible(r.text)
    if url == "/bestaat-niet":
        assert r.status_code == 404 and "Pagina niet gevonden" in r.text
    if "drenthe" in url:
        assert '<option value="drenthe" selected>' in r.text


def test_templates_have_no_inline_styles_or_scripts():
    for f in sorted((WEB / "templates").glob("*.html")):
        text = f.read_text(encoding="utf-8")
        assert not re.search(r"<script|<style|\sstyle=|\son[a-z]+=|javascript:", text, re.I), f.name
        assert "|safe" not in text and "autoescape false" not in text, f.name


def _luminance(hex_colour: str) -> float:
    h = hex_colour.lstrip("#")
    if len(h) == 3:
        h = "".join(c * 2 for c in h)
    rgb = [int(h[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(a: str, b: str) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def test_colours_meet_wcag_aa_contrast():
    css = (WEB / "static" / "style.css").read_text(encoding="utf-8")
    var = dict(re.findall(r"--([a-z-]+):\s*(#[0-9a-fA-F]{3,6})", css))
    white = "#ffffff"
    text_pairs = [(var["tekst"], white), (var["tekst-zacht"], white), (var["link"], white), (var["lint"], white),
                  (white, var["lint"]), (var["tekst"], var["markering"]), (var["tekst"], var["focus"]),
                  (var["fout"], var["fout-vlak"]), (var["tekst"], var["vlak"]), (var["tekst-zacht"], var["vlak"]),
                  (var["link"], var["vlak"]), (var["link"], var["vlak-blauw"]), (var["tekst-zacht"], var["vlak-blauw"]),
                  (var["lint"], var["vlak-blauw"])]
    for rule in re.finditer(r"\.label--\w+\s*{\s*color:\s*(#[0-9a-fA-F]{3,6});\s*background:\s*(#[0-9a-fA-F]{3,6})", css):
        text_pairs.append((rule.group(1), rule.group(2)))
    assert len(text_pairs) > 18
    for fg, bg in text_pairs:
        assert contrast(fg, bg) >= 4.5, f"{fg} on {bg}: {contrast(fg, bg):.2f}"
    assert contrast(var["lijn"], white) >= 3.0          # borders of form controls (WCAG 1.4.11)
    assert ":focus-visible" in css and "outline: 3px solid" in css

def test_without_a_usable_index_search_says_so_in_dutch_and_the_rest_works(kb_path, tmp_path, encoder):
    from fastapi.testclient import TestClient

    from web.app import create_app
    with TestClient(create_app(kb_path, tmp_path / "geen-index")) as c:
        r = c.get("/", params={"q": "werkdruk"})
        assert r.status_code == 503 and "zoekfunctie is tijdelijk niet beschikbaar" in r.text
        r = c.get("/api/search", params={"q": "werkdruk"})
        assert r.status_code == 503 and "praktijkwijzer reindex" in r.json()["detail"]
        assert c.get("/").status_code == 200 and c.get("/regios").status_code == 200
        assert c.get("/items/carriereswitchers-van-pluryn").status_code == 200
