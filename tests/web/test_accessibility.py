"""WCAG 2.0/2.1 A and AA checks of every public page with axe-core (bundled by the pinned
axe-playwright-python; nothing is downloaded) in the real headless Chromium of the
end-to-end tests, against the live server on the real knowledge base and index.

A page passes when axe reports no violation with the tags wcag2a, wcag2aa, wcag21a or
wcag21aa. Automated checks find part of the problems only; the HTML checks of the page
tests (tests/web/html_check.py) and the keyboard tests of test_e2e.py add to them."""
from __future__ import annotations

import pytest

TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
SEARCH = "/?q=zij-instromers+omscholing+Pluryn"
PLAN = ("/plan-toetsen?knelpunt=Er+zijn+te+weinig+stageplekken+voor+mbo-studenten+in+de+zorg."
        "&knelpunt=Wijkverpleegkundigen+zijn+te+veel+tijd+kwijt+aan+administratie.")
PAGES = {
    "home": "/", "zoekresultaat": SEARCH, "kennisitem": "/items/zorg-zonder-minutenregistratie",
    "bronnen": "/bronnen", "bron": None, "regios": "/regios", "regio-met-plan": "/regios/drechtsteden",
    "regio-zonder-plan": "/regios/friesland", "plan-toetsen": "/plan-toetsen", "plan-resultaat": PLAN,
    "kennislacunes": "/kennislacunes", "kennislacunes-gefilterd": "/kennislacunes?regio=drechtsteden",
    "rapport-regio": "/regios/drechtsteden/rapport", "rapport-plantoets": PLAN.replace("/plan-toetsen?",
                                                                                       "/plan-toetsen/rapport?"),
    "over": "/over",
}
# Violations in pages owned by others are marked here with the rule and the reason, so the
# lead can route them; this file's own pages (kennislacunes, rapport) carry none.
KNOWN: dict[str, str] = {}


@pytest.fixture(scope="module")
def axe():
    from axe_playwright_python.sync_playwright import Axe
    return Axe()


def _violations(axe, page) -> list[str]:
    results = axe.run(page, options={"runOnly": {"type": "tag", "values": TAGS}, "resultTypes": ["violations"]})
    out = []
    for v in results.response["violations"]:
        targets = [" ".join(map(str, n["target"])) for n in v["nodes"]][:3]
        out.append(f"{v['id']} ({v['impact']}): {v['help']} -> {targets}")
    return out


@pytest.mark.parametrize("name", list(PAGES))
def test_public_page_has_no_wcag_a_or_aa_violations(name, page, axe, screenshots):
    if name in KNOWN:
        pytest.xfail(KNOWN[name])
    url = PAGES[name]
    if url is None:                         # a source page: the first one the sources page links to
        page.goto("/bronnen")
        url = page.locator("main a[href^='/bronnen/']").first.get_attribute("href")
    response = page.goto(url)
    assert response is not None and response.status == 200, (url, response and response.status)
    if name in ("kennislacunes", "rapport-regio"):
        page.screenshot(path=str(screenshots / f"{name}.png"), full_page=True)
    found = _violations(axe, page)
    assert not found, f"{url}:\n" + "\n".join(found)


def test_the_print_stylesheet_hides_navigation_on_the_report(page):
    page.goto("/regios/drechtsteden/rapport")
    page.emulate_media(media="print")
    assert not page.locator("nav.hoofdmenu").is_visible()
    assert not page.locator("footer.voet").is_visible()
    assert page.locator("h1").is_visible() and page.locator(".bron-url").first.is_visible()
    page.emulate_media(media="screen")
    assert page.locator("nav.hoofdmenu").is_visible() and not page.locator(".bron-url").first.is_visible()


def test_the_check_finds_violations_when_there_are_some(page, axe):
    """The guard that the check above can fail: a page with a missing alt text, a field
    without a label and grey-on-grey text."""
    page.set_content('<!DOCTYPE html><html lang="nl"><head><title>t</title></head><body><main>'
                     '<img src="/static/logo.svg"><input type="text">'
                     '<p style="color:#aaa;background:#bbb">zwak contrast</p></main></body></html>')
    ids = {v.split(" ", 1)[0] for v in _violations(axe, page)}
    assert {"image-alt", "label", "color-contrast"} <= ids, ids
