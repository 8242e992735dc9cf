"""Cleaning of conversion noise: markup, footnote markers, page numbers, broken lines,
inlined web-page streamers. Pure string functions; each one is safe on clean text."""
from __future__ import annotations

import re
import unicodedata

_SUP = re.compile(r"<sup>\s*\d{1,3}\s*</sup>")
_TAGS = re.compile(r"</?(?:b|i|em|strong|u|span|sup|sub)\b[^>]*>", re.I)
_LINK = re.compile(r"\[([^\]]*)\]\((?:[^)]*)\)")
_AUTOLINK = re.compile(r"<(https?://[^>]+)>")
_EMPH = re.compile(r"(\*{1,3}|_{2,3})(?=\S)(.+?)(?<=\S)\1")
_STRAY_STARS = re.compile(r"(?<!\w)\*{1,3}|\*{1,3}(?!\w)")
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s*", re.M)
_HEADING_LINE = re.compile(r"^\s{0,3}#{1,6}\s+(.+?)\s*$", re.M)
HEAD = "\u00a7\u00a7"  # marks a heading line for reflow(); never left in output
_BULLET = re.compile(r"^\s*(?:[-*•]|\d+\.)\s+(?=\S)", re.M)
_EMPTY_BULLET = re.compile(r"^\s*[-*•]\s*$", re.M)
# A footnote number glued to the end of a word: "doen1." / "beeld2 te" (not "mbo4-diploma").
_GLUED_NOTE = re.compile(r"(?<=[a-zà-ÿ\)’”'])\d{1,2}(?=[\s.,;:)]|$)", re.M)
_PAGE_NUMBER_LINE = re.compile(r"^\s*\d{1,3}\s*$", re.M)
_HYPHEN_BREAK = re.compile(r"(?<=\w)-[ \t]*\n[ \t\n]*(?=[a-zà-ÿA-Z])")
_STREAMER = re.compile(r"\+\+[^+]*?(?:[.!?]\.?(?=\s+[a-z(])|[.!?]\.?\s*$|(?=\n\s*\n))", re.M)


def strip_markup(text: str) -> str:
    """Markdown/HTML inline markup to plain text; list markers become '• '."""
    text = _SUP.sub("", text)
    text = _TAGS.sub("", text)
    text = _LINK.sub(r"\1", text)
    text = _AUTOLINK.sub(r"\1", text)
    text = text.replace("\\(", "(").replace("\\)", ")").replace("\\*", "*")
    text = _HEADING.sub("", text)
    text = _EMPTY_BULLET.sub("", text)
    text = _BULLET.sub("• ", text)
    for _ in range(2):
        text = _EMPH.sub(r"\2", text)
    return _STRAY_STARS.sub("", text)


def remove_footnote_markers(text: str) -> str:
    return _GLUED_NOTE.sub("", _SUP.sub("", text))


def remove_page_numbers(text: str) -> str:
    return _PAGE_NUMBER_LINE.sub("", text)


def join_hyphenated(text: str) -> str:
    """'BIG-\\n\\nregistratie' -> 'BIG-registratie' (Dutch compounds keep their hyphen)."""
    return _HYPHEN_BREAK.sub("-", text)


def remove_streamers(text: str) -> str:
    """Drop side notes that a web page inlined as '++Title Text.' in the middle of a sentence,
    and the streamer that lost its '++' ('werdDe bouwstenen ... samenwerken. dit')."""
    text = _STREAMER.sub("", text)
    return re.sub(r"(?<=[a-z])[A-Z][a-z]+ [^.\n]{15,}?\.\s+(?=[a-z])", " ", text)


def reflow(text: str) -> str:
    """Join lines that a PDF conversion broke, keep paragraph and list structure.

    A line break is kept when the next line starts a list item; a blank line is kept when
    the text before it ends a sentence and the next starts with a capital. Everything else
    (mid-sentence breaks, page breaks) becomes a space."""
    lines = [ln.strip() for ln in text.split("\n")]
    out: list[str] = []
    blank = after_head = False
    for ln in lines:
        if not ln:
            blank = True
            continue
        if ln.startswith(HEAD):
            out.append(("\n\n" if out else "") + ln[len(HEAD):].strip())
            after_head = True
            continue
        if not out:
            out.append(ln)
        elif after_head:
            out.append("\n" + ln)
        elif ln.startswith("• "):
            out.append("\n" + ln)
        elif blank and (out[-1].lstrip("\n").startswith("• ") or (
                re.search(r"[.!?:”\"']$", out[-1]) and re.match(r"[A-Z0-9“\"‘'(À-Ý]", ln))):
            out.append("\n\n" + ln)
        else:
            out.append(" " + ln)
        blank = after_head = False
    joined = "".join(out)
    joined = re.sub(r"[ \t]+", " ", joined)
    return re.sub(r" *\n *", "\n", joined).strip()


def tabs_to_text(text: str) -> str:
    """A table row rendered with tabs: 'Cell a<TAB>Cell b' -> 'Cell a: Cell b'."""
    rows = []
    for ln in text.split("\n"):
        if "\t" in ln:
            cells = [c.strip() for c in ln.split("\t") if c.strip()]
            ln = ": ".join(cells)
        rows.append(ln)
    return "\n".join(rows)


def clean_block(text: str, *, streamers: bool = False) -> str:
    """The full cleaning for a piece of entry text."""
    text = unicodedata.normalize("NFC", text)
    if streamers:
        text = remove_streamers(text)
    text = _HEADING_LINE.sub(lambda m: "\n" + HEAD + m.group(1) + "\n", text)
    text = strip_markup(text)
    text = remove_footnote_markers(text)
    text = remove_page_numbers(text)
    text = join_hyphenated(text)
    text = tabs_to_text(text)
    text = text.replace("\u00a0", " ")
    return reflow(text)


def one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def first_sentence(text: str) -> str:
    m = re.match(r"(.+?[.!?])(?=\s+[A-Z“\"‘'(]|\s*$)", one_line(text))
    return (m.group(1) if m else one_line(text)).strip()
