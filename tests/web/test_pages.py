"""The HTML pages through the TestClient: content, empty states, Dutch messages, forms that
work without JavaScript, accessibility structure, and the Searcher refresh hook."""
from __future__ import annotations

import re
import threading
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

Q = "te weinig stageplekken in de wijkverpleging"
WEB = Path(__file__).resolve().parents[2] / "web"


# ---------------------------------------------------------------- a small HTML checker

class Page(HTMLParser):
    """Collects what the accessibility checks need from one HTML page."""
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.headings: list[tuple[int, str]] = []
        self.ids: list[str] = []
        self.label_for: set[str] = set()
        self.controls: list[dict] = []
        self.links: list[tuple[str, str]] = []
        self._text_stack: list[list] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = {k: (v or "") for k, v in attrs}
        self.tags.append((tag, a))
        if "id" in a:
            self.ids.append(a["id"])
        if tag == "label" and a.get("for"):
            self.label_for.add(a["for"])
        if tag in ("input", "select", "textarea") and a.get("type") not in ("hidden", "submit", "button"):
            self.controls.append(dict(a, tag=tag))
        if re.fullmatch(r"h[1-6]", tag) or tag == "a":
            self._text_stack.append([tag, a, ""])

    def handle_endtag(self, tag):
        if self._text_stack and self._text_stack[-1][0] == tag:
            t, a, text = self._text_stack.pop()
            text = " ".join(text.split())
            if t == "a":
                self.links.append((a.get("href", ""), text))
            else:
                self.headings.append((int(t[1]), text))
            if self._text_stack:
                self._text_stack[-1][2] += text

    def handle_data(self, data):
        if self._text_stack:
            self._text_stack[-1][2] += data

    def first(self, tag):
        return next((a for t, a in self.tags if t == tag), None)

    def link(self, text_part: str) -> str:
        return next(h for h, t in self.links if text_part in t)


def check_accessible(html: str) -> Page:
    p = Page(html)
    assert p.first("html")["lang"] == "nl"
    for landmark in ("header", "nav", "main", "footer"):
        assert p.first(landmark) is not None, landmark
    skip = p.tags[[t for t, _ in p.tags].index("a")][1]          # the first link on the page
    assert skip["href"] == "#inhoud" and "inhoud" in p.ids
    assert [lvl for lvl, _ in p.headings].count(1) == 1, p.headings
    assert p.headings[0][0] == 1
    levels = [lvl for lvl, _ in p.headings]
    for prev, cur in zip(levels, levels[1:]):
        assert cur <= prev + 1, f"heading level jumps from h{prev} to h{cur}: {p.headings}"
    assert len(p.ids) == len(set(p.ids)), "duplicate ids"
    for c in p.controls:
        assert c.get("id") in p.label_for or c.get("aria-label") or c.get("aria-labelledby"), f"no label: {c}"
    for _, a in p.tags:
        for ref in ("aria-describedby", "aria-labelledby"):
            for i in a.get(ref, "").split():
                assert i in p.ids, f"{ref} points to missing id {i}"
        assert "style" not in a and not any(k.startswith("on") for k in a), a
    assert not any(t in ("script", "style") for t, _ in p.tags)
    for href, text in p.links:
        assert text.strip(), f"link without text: {href}"
    return p


def get(client, url, status=200, **kw):
    r = client.get(url, **kw)
    assert r.status_code == status, (url, r.status_code, r.text[:500])
    assert r.headers["content-type"].startswith("text/html")
    return r


# ---------------------------------------------------------------- search page

def test_home_shows_intro_and_examples(client):
    r = get(client, "/")
    p = check_accessible(r.text)
    assert "Beschrijf uw knelpunt" in r.text and 'for="q"' in r.text
    assert "Probeer bijvoorbeeld" in r.text and "9 bouwstenen" in r.text
    example = p.link("stageplekken in de wijkverpleging")
    assert example.startswith("/?q=")
    assert "Dat lukte niet" not in get(client, "/?q=").text        # empty query: the intro, no error


def test_search_page_shows_explained_results(client):
    r = get(client, "/", params={"q": Q})
    p = check_accessible(r.text)
    assert re.search(r"\d+ resultaten voor ‘te weinig stageplekken", r.text)
    assert "Resultaat 1 tot en met 10 van" in r.text
    assert r.text.count('class="resultaat"') == 10
    assert re.search(r'class="resultaat__zin">.*?<mark>[^<]+</mark>', r.text, re.S), "highlighted sentence"
    assert "Waarom:</strong> Gevonden omdat" in r.text
    assert re.search(r'<a href="/bronnen/[^"]+\?van=\d+&amp;tot=\d+&amp;item=[^"]+#passage">', r.text)
    labels = set(re.findall(r'<span class="label label--\w+">([^<]+)</span>', r.text))
    assert labels <= {"Koploper", "Falend Vooruit", "Voorbeeldpraktijk", "Advies", "Bouwsteen", "Beleid"} and labels
    nav = re.search(r'<nav class="paginering".*?</nav>', r.text, re.S).group(0)
    assert 'aria-current="page"' in nav and "Volgende" in nav and "Vorige" not in nav
    page2 = get(client, p.link("Volgende"))
    assert "Resultaat 11 tot en met 20 van" in page2.text and "Vorige" in page2.text
    for facet in ("Soort", "Actielijn", "Thema", "Branche", "Regio"):
        assert f">{facet}</h3>" in r.text
    assert p.link("CSV").endswith("formaat=csv") and p.link("JSON").endswith("formaat=json")


def test_facet_links_filter_and_can_be_removed(client):
    r = get(client, "/", params={"q": "zij-instromers werven"})
    p = Page(r.text)
    href = next(h for h, t in p.links if t.startswith("Koploper ("))
    count = int(re.search(r"Koploper \((\d+)", next(t for h, t in p.links if h == href)).group(1))
    assert parse_qs(urlsplit(href).query) == {"q": ["zij-instromers werven"], "type": ["praktijk"], "label": ["Koploper"]}
    f = get(client, href)
    assert f"{count} {'resultaat' if count == 1 else 'resultaten'} voor" in f.text
    assert set(re.findall(r'<span class="label label--\w+">([^<]+)</span>', f.text)) == {"Koploper"}
    assert "Gekozen: <strong>Koploper</strong>" in f.text
    back = Page(f.text).link("Alle soorten tonen")
    assert parse_qs(urlsplit(back).query) == {"q": ["zij-instromers werven"]}


def test_no_results_gives_helpful_dutch_message(client):
    r = get(client, "/", params={"q": "stageplekken", "type": "bouwsteen", "regio": "friesland"})
    check_accessible(r.text)
    assert "Geen resultaten voor ‘stageplekken’" in r.text
    assert "Zoek zonder filters" in r.text and "andere of minder woorden" in r.text
    beyond = get(client, "/", params={"q": Q, "pagina": 99})
    assert "Deze pagina bestaat niet" in beyond.text


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


def test_region_without_plan_has_a_clear_empty_state(client):
    r = get(client, "/regios/friesland")
    p = check_accessible(r.text)
    assert "Nog geen plan bekend" in r.text and "raadt niet" in r.text
    assert "Aanbevolen praktijken per knelpunt" not in r.text and "Vergelijkbare regio's" not in r.text
    assert p.link("Toets de knelpunten van Friesland") == "/plan-toetsen?regio=friesland"
    assert "ZorgpleinNoord" in r.text
    r = get(client, "/regios/atlantis", status=404)
    assert "Regio niet gevonden" in r.text


# ---------------------------------------------------------------- plan toetsen

def _plan_count(conn) -> int:
    return conn.execute("SELECT count(*) FROM plans").fetchone()[0]


def test_plan_form_paste_edit_and_rematch(client, conn):
    r = get(client, "/plan-toetsen")
    check_accessible(r.text)
    before = _plan_count(conn)
    text = "- Er zijn te weinig stageplekken in de wijkverpleging.\n\n* Door de hoge werkdruk valt personeel in de ggz uit.\n"
    r = client.post("/plan-toetsen", data={"knelpunten": text, "regio": "drechtsteden"})
    assert r.status_code == 200, r.text[:500]
    p = check_accessible(r.text)
    areas = re.findall(r'<textarea[^>]*name="knelpunt"[^>]*>(.*?)</textarea>', r.text, re.S)
    assert areas == ["Er zijn te weinig stageplekken in de wijkverpleging.",
                     "Door de hoge werkdruk valt personeel in de ggz uit.", ""]
    assert len(re.findall(r'name="gewicht"', r.text)) == 3
    assert '<option value="drechtsteden" selected>' in r.text
    groups = [t for lvl, t in p.headings if lvl == 3 and re.match(r"K\d ", t)]
    assert groups == ["K1 Er zijn te weinig stageplekken in de wijkverpleging.",
                      "K2 Door de hoge werkdruk valt personeel in de ggz uit."]
    assert "Aanbevelingen downloaden (CSV)" in r.text
    # edit: drop the first bottleneck, add one with a higher weight
    r = client.post("/plan-toetsen", data={"knelpunt": ["", "Door de hoge werkdruk valt personeel in de ggz uit.",
                                                        "Agressie tegen medewerkers in de jeugdhulp"],
                                           "gewicht": ["1", "1", "3"], "regio": ""})
    assert r.status_code == 200
    areas = re.findall(r'<textarea[^>]*name="knelpunt"[^>]*>(.*?)</textarea>', r.text, re.S)
    assert areas[:2] == ["Door de hoge werkdruk valt personeel in de ggz uit.", "Agressie tegen medewerkers in de jeugdhulp"]
    assert 'id="gewicht-2" name="gewicht" type="number" min="0.1" max="100" step="0.1" value="3"' in r.text
    r = client.post("/plan-toetsen", data={"knelpunt": ["werkdruk"], "gewicht": ["nul"]})
    assert r.status_code == 422 and "Gewicht &#39;nul&#39; is ongeldig" in r.text
    r = client.post("/plan-toetsen", data={"knelpunten": "\n  \n"})
    assert r.status_code == 422 and "Vul minstens één knelpunt in" in r.text
    csv_r = client.post("/plan-toetsen", data={"knelpunt": ["werkdruk in de ggz"], "gewicht": ["1"], "formaat": "csv"})
    assert csv_r.headers["content-type"].startswith("text/csv") and "aanbevolen praktijk" in csv_r.text
    assert _plan_count(conn) == before, "nothing is stored unless the user asks"


def test_plan_upload_extracts_bottlenecks_without_storing(client, conn):
    before = _plan_count(conn)
    data = (Path(__file__).resolve().parents[2] / "corpus" / "plans" / "twente-voorbeeld.md").read_bytes()
    r = client.post("/plan-toetsen", files={"bestand": ("mijn-plan.md", data, "text/markdown")})
    assert r.status_code == 200, r.text[:500]
    check_accessible(r.text)
    assert "Uit <strong>mijn-plan.md</strong>" in r.text
    areas = [a for a in re.findall(r'<textarea[^>]*name="knelpunt"[^>]*>(.*?)</textarea>', r.text, re.S) if a]
    assert len(areas) >= 3 and any("gehandicaptenzorg" in a for a in areas)
    assert '<option value="twente" selected>' in r.text            # the plan names its region
    assert "Aanbevolen praktijken per knelpunt" in r.text
    assert _plan_count(conn) == before


def test_plan_is_saved_only_on_request_by_a_curator(writable_app):
    import re as _re

    from fastapi.testclient import TestClient

    from kb.plans import region_plan
    from kb.users import create_user
    services = writable_app.state.services
    create_user(services.conn(), "cora", "een-lang-wachtwoord-2026", "curator", actor="test")
    typed = {"knelpunt": ["Er is een tekort aan wijkverpleegkundigen.", "Studenten vallen uit tijdens de opleiding."],
             "gewicht": ["2", "1"], "opslaan": "ja", "regio": "friesland", "titel": "Plan Friesland 2025"}
    with TestClient(writable_app) as anonymous:                     # anonymous visitors store nothing
        assert 'name="opslaan"' not in anonymous.get("/plan-toetsen").text
        r = anonymous.post("/plan-toetsen", data=typed)
        assert r.status_code == 200 and "Alleen een ingelogde curator" in r.text
        assert "Aanbevolen praktijken per knelpunt" in r.text     # the match itself is shown
        assert region_plan(services.conn(), "friesland") is None
    with TestClient(writable_app) as c:
        page = c.get("/beheer/inloggen").text
        csrf = _re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        r = c.post("/beheer/inloggen", data={"gebruikersnaam": "cora", "wachtwoord": "een-lang-wachtwoord-2026",
                                             "csrf_token": csrf}, follow_redirects=False)
        assert r.status_code == 303
        form = c.get("/plan-toetsen").text
        assert 'name="opslaan"' in form
        csrf = _re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
        r = c.post("/plan-toetsen", data=typed | {"csrf_token": "vervalst"})
        assert "Het formulier is verlopen of ongeldig" in r.text and region_plan(services.conn(), "friesland") is None
        r = c.post("/plan-toetsen", data=typed | {"regio": "", "csrf_token": csrf})
        assert r.status_code == 200 and "Kies een regio om het plan op te slaan" in r.text
        r = c.post("/plan-toetsen", data=typed | {"csrf_token": csrf})
        assert r.status_code == 200 and "is opgeslagen bij Friesland" in r.text
        plan = region_plan(services.conn(), "friesland")
        assert plan.title == "Plan Friesland 2025" and [b.weight for b in plan.bottlenecks] == [2.0, 1.0]
        page = c.get("/regios/friesland").text
        assert "Nog geen plan bekend" not in page
        assert re.search(r"K2</span> Studenten vallen uit tijdens de opleiding\.", page)
        assert c.get("/api/regions/friesland/recommendations").json()["has_plan"] is True
        data = (Path(__file__).resolve().parents[2] / "corpus" / "plans" / "twente-voorbeeld.md").read_bytes()
        r = c.post("/plan-toetsen", data={"regio": "drenthe", "opslaan": "ja", "csrf_token": csrf},
                   files={"bestand": ("drenthe-plan.md", data, "text/markdown")})
        assert r.status_code == 200 and "is opgeslagen bij Drenthe" in r.text
        stored = region_plan(services.conn(), "drenthe")
        assert stored.source == "drenthe-plan.md" and len(stored.bottlenecks) >= 3 and stored.text
    events = [r[0] for r in services.conn().execute(
        "SELECT actor FROM audit_events WHERE action = 'plan-save' AND entity_id LIKE 'friesland%'")]
    assert events == ["cora"]


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


# ---------------------------------------------------------------- praktijkwijzer serve

def test_serve_refuses_a_busy_port_in_dutch(tmp_path, capsys):
    import socket

    from web.cli import main
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        code = main(["--db", str(tmp_path / "pw.db"), "serve", "--port", str(port)])
    out = capsys.readouterr().out
    assert code == 1 and f"poort {port}" in out and "al in gebruik" in out
    assert not (tmp_path / "pw.db").exists(), "nothing is ingested when the server cannot start"


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
