"""End-to-end four-eyes review in a real headless Chromium against a served app on a private copy
of the knowledge base and index: curator A drafts a practice (choosing a region with the
searchable checkbox list) and submits it; curator B sees it on the dashboard, reviews the diff and
publishes; the public finds it. No script errors or CSP violations on the way."""
from __future__ import annotations

import shutil

import pytest

from kb.db import connect
from kb.users import create_user
from tests.web.live import served as serve_app

PW = {"anouk": "Eerste-curator-2025!", "bram": "Tweede-curator-2025!"}
TITLE = "Leerwerkplaats voor statushouders in Zeeland"
BODY = ("Statushouders werken drie dagen per week op een afdeling van een verpleeghuis en leren twee dagen het vak "
        "bij het ROC. Een taalcoach begeleidt hen op de werkvloer.")


@pytest.fixture
def served(kb_copy, index_root, tmp_path, encoder):
    from web.app import create_app
    conn = connect(kb_copy)
    for name, pw in PW.items():
        create_user(conn, name, pw, "curator", actor="test")
    conn.close()
    index = tmp_path / "index"
    shutil.copytree(index_root, index)
    app = create_app(kb_copy, index)
    app.state.services.searcher()
    with serve_app(app, name="uvicorn-review") as base:
        yield base


def curator_page(browser, base: str, name: str):
    context = browser.new_context(base_url=base, viewport={"width": 1280, "height": 900}, locale="nl-NL")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.js_errors = errors
    page.goto("/beheer/inloggen")
    page.get_by_label("Gebruikersnaam").fill(name)
    page.get_by_label("Wachtwoord").fill(PW[name])
    with page.expect_navigation():
        page.get_by_role("button", name="Inloggen").click()
    assert page.url.endswith("/beheer")
    return context, page


def test_curator_a_drafts_and_submits_curator_b_reviews_the_diff_and_publishes(browser, served, screenshots):
    ctx_a, a = curator_page(browser, served, "anouk")
    ctx_b, b = curator_page(browser, served, "bram")
    try:
        a.goto("/beheer/items/nieuw")
        a.get_by_label("Titel").fill(TITLE)
        a.get_by_label("Tekst", exact=True).fill(BODY)
        # the region list: a search field (JavaScript) narrows the checkboxes
        search = a.get_by_label("Zoek een regio")
        assert search.is_visible()
        search.fill("zeel")
        visible = a.locator("#regions-opties .keuze:visible")
        assert visible.count() == 1 and "Zeeland" in visible.first.inner_text()
        search.press("Enter")                                   # does not submit the form
        assert a.url.endswith("/beheer/items/nieuw")
        visible.first.locator("input").check()
        assert "Gekozen: Zeeland" in a.locator("#regions-hint").inner_text()
        with a.expect_navigation():
            a.get_by_role("button", name="Aanmaken als concept").click()
        assert "Het kennisitem is aangemaakt als concept." in a.locator(".melding").first.inner_text()
        with a.expect_navigation():
            a.get_by_role("button", name="Ter review aanbieden").click()
        assert "ter review" in a.locator(".melding").first.inner_text()
        # the author is told that someone else publishes
        a.get_by_role("link", name="Beoordelen en publiceren").click()
        a.wait_for_load_state()
        assert a.get_by_text("kunt dit niet zelf publiceren").is_visible()
        assert a.get_by_role("button", name="Publiceren").count() == 0

        b.goto("/beheer")
        b.get_by_role("link", name=TITLE).click()
        b.wait_for_load_state()
        assert b.url.endswith("/beoordelen")
        assert b.get_by_role("heading", name="Inhoud").is_visible()
        assert "anouk" in b.locator(".inleiding").inner_text()
        diff = b.locator(".verschillen")
        assert TITLE in diff.inner_text() and "Zeeland" in diff.inner_text()
        b.screenshot(path=str(screenshots / "beheer-beoordelen.png"), full_page=True)
        with b.expect_navigation():
            b.get_by_role("button", name="Publiceren").click()
        assert "gepubliceerd en vindbaar" in b.locator(".melding").first.inner_text()

        anonymous = browser.new_context(base_url=served)
        try:
            p = anonymous.new_page()
            p.goto("/?q=leerwerkplaats+statushouders+Zeeland")
            assert p.locator(".resultaat__titel a").first.inner_text() == TITLE
        finally:
            anonymous.close()
        assert not a.js_errors and not b.js_errors, (a.js_errors, b.js_errors)
    finally:
        ctx_a.close()
        ctx_b.close()
