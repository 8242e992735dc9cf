"""A small HTML checker for the page tests: landmarks, one h1, heading order, labels,
unique ids, no inline style or script, links with text."""
from __future__ import annotations

import re
from html.parser import HTMLParser

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
        self.script_text = ""
        self._in_script = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = {k: (v or "") for k, v in attrs}
        self.tags.append((tag, a))
        self._in_script = tag == "script"
        if "id" in a:
            self.ids.append(a["id"])
        if tag == "label" and a.get("for"):
            self.label_for.add(a["for"])
        if tag in ("input", "select", "textarea") and a.get("type") not in ("hidden", "submit", "button"):
            self.controls.append(dict(a, tag=tag))
        if re.fullmatch(r"h[1-6]", tag) or tag == "a":
            self._text_stack.append([tag, a, ""])

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False
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
        if self._in_script:
            self.script_text += data
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
    assert not any(t == "style" for t, _ in p.tags)
    # scripts only as external files of the site (the CSP allows 'self'), never inline
    assert all(a.get("src", "").startswith("/static/") for t, a in p.tags if t == "script"), "inline script"
    assert not p.script_text.strip(), "inline script"
    for href, text in p.links:
        assert text.strip(), f"link without text: {href}"
    return p


def get(client, url, status=200, **kw):
    r = client.get(url, **kw)
    assert r.status_code == status, (url, r.status_code, r.text[:500])
    assert r.headers["content-type"].startswith("text/html")
    return r
