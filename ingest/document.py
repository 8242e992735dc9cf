"""One document model for PDF, DOCX, HTML, Markdown and text: a list of blocks.

    Block(kind, text, level, number, page, order, cells, start, end, role)

kind is 'heading' (level 1-6, numbering such as '3', '3.1', 'Bijlage 2' in `number`),
'paragraph', 'item' (a list item; `number` is its marker: '1.' or '•'), 'table' (`cells`:
rows of cell texts) or 'caption' ('Tabel 1. ...', 'Figuur 2: ...'). `role` is 'title' for the
document's title, which never counts as a section. Spans (start, end) index into the
document text: the readers render blocks to markdown-like text (`render`) and text formats
are parsed into blocks (`parse_text`), so that the rendered text of a PDF, DOCX or HTML file
parses back into the same blocks. All functions here are linear in the size of the text.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.errors import IngestError

KINDS = ("heading", "paragraph", "item", "table", "caption")

# Caps on the work one document may cause; checked before expensive steps.
MAX_CHARS = 2_000_000          # characters of extracted text
MAX_BLOCKS = 20_000            # blocks (headings, paragraphs, list items, tables, captions)
MAX_BLOCK_CHARS = 100_000      # one block (spaCy refuses texts over 1,000,000 characters: E088)
MAX_PAGES = 500                # pages of a PDF


@dataclass
class Block:
    kind: str
    text: str
    level: int = 0
    number: str | None = None
    page: int | None = None
    order: int = 0
    cells: list[list[str]] | None = None
    start: int = 0
    end: int = 0
    role: str = ""

    @property
    def title(self) -> str:
        """A heading's text without its numbering: '3.1 Knelpunten' -> 'Knelpunten'."""
        return strip_number(self.text) if self.kind == "heading" else self.text


# 3. / 3.1 / 3.1.2 / 2) / II. / Bijlage 2 / Hoofdstuk 3 / Paragraaf 2.1 / Deel B
_NUMBER = re.compile(r"^(?:(?P<word>(?:bijlage|hoofdstuk|paragraaf|deel|bijlagen)\s+[0-9A-Z]{1,4}(?:\.\d+)*)[.:]?"
                     r"|(?P<num>\d{1,2}(?:\.\d{1,2}){0,3})(?:\.|\)|(?=\s))|(?P<roman>[IVX]{1,5})\.)\s+(?=\S)",
                     re.I)
CAPTION = re.compile(r"^(?:tabel|figuur|grafiek|afbeelding|kaart|schema|bron)\s*(?:\d+(?:\.\d+)?|[IVX]+)?\s*[.:\-–]",
                     re.I)
_BULLET = re.compile(r"^\s*(?:[-*•▪◦●■–·o]|\(cid:\d+\)|\uf0b7|\uf0a7)\s+(?=\S)")
_ORDERED = re.compile(r"^\s*(\d{1,3}|[a-z])[.)]\s+(?=\S)")


def heading_number(text: str) -> str | None:
    m = _NUMBER.match(text.strip())
    if not m:
        return None
    return (m.group("word") or m.group("num") or m.group("roman")).strip()


def strip_number(text: str) -> str:
    t = text.strip()
    m = _NUMBER.match(t)
    return t[m.end():].strip() if m else t


def is_caption(text: str) -> bool:
    return bool(CAPTION.match(text.strip())) and len(text) <= 300


def check_size(text: str, name: str) -> None:
    if len(text) > MAX_CHARS:
        raise IngestError(f"Het document '{name}' bevat te veel tekst ({len(text):,} tekens; de grens is "
                          f"{MAX_CHARS:,}). Splits het document op en lees de delen apart in.".replace(",", "."))


def check_blocks(n: int, name: str) -> None:
    if n > MAX_BLOCKS:
        raise IngestError(f"Het document '{name}' bestaat uit te veel onderdelen (meer dan {MAX_BLOCKS:,} alinea's, "
                          "koppen en lijstpunten). Splits het document op en lees de delen apart in."
                          .replace(",", "."))


# ---------------------------------------------------------------- rendering

def render(blocks: list[Block]) -> str:
    """Blocks -> markdown-like text; sets every block's span and order. Headings get '#'
    marks, list items '- ' (or their number), table rows tab-separated cells; consecutive
    list items are separated by one newline, everything else by a blank line."""
    out: list[str] = []
    pos = 0
    prev: Block | None = None
    for i, b in enumerate(blocks):
        b.order = i
        if b.kind == "heading":
            line = "#" * max(1, min(b.level or 1, 6)) + " " + b.text
        elif b.kind == "item":
            marker = b.number if b.number and re.fullmatch(r"\d{1,3}[.)]|[a-z][.)]", b.number) else "-"
            line = f"{marker} {b.text}"
        elif b.kind == "table":
            line = "\n".join("\t".join(" ".join(c.split()) for c in row) for row in (b.cells or []))
        else:
            line = b.text
        if prev is not None:
            sep = "\n" if (b.kind == "item" and prev.kind == "item") else "\n\n"
            out.append(sep)
            pos += len(sep)
        b.start = pos + (line.index(b.text) if b.kind in ("heading", "item") and b.text in line else 0)
        out.append(line)
        pos += len(line)
        b.end = pos
        prev = b
    return "".join(out)


# ---------------------------------------------------------------- parsing text and Markdown

_MD_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.+?)\s*#*\s*$")
_PIPE_ROW = re.compile(r"^\s*\|.*\|\s*$")
_PIPE_RULE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?\s*$")
_IMAGE = re.compile(r"^\s*!\[[^\]]*\]\([^)]*\)\s*$")
_EMPH_LINE = re.compile(r"^\s*([*_])(?!\1)(.+?)\1\s*$")
_FRONT = re.compile(r"\A---\s*\n.*?\n---\s*\n", re.S)


@dataclass
class _Line:
    start: int
    end: int
    text: str


def _lines(text: str, offset: int = 0) -> list[_Line]:
    out, pos = [], offset
    for raw in text[offset:].split("\n"):
        out.append(_Line(pos, pos + len(raw), raw))
        pos += len(raw) + 1
    return out


def looks_like_heading(line: str, *, numbered_only: bool = False) -> bool:
    """A standalone line that reads as a heading: short, no closing punctuation; numbered
    ('3. Knelpunten', '3.1 Analyse', 'Bijlage 2') or, unless `numbered_only`, capitalised."""
    s = line.strip()
    if not s or len(s) > 90 or re.search(r"[.;,]$", s) or _BULLET.match(s) and not heading_number(s):
        return False
    words = s.split()
    if heading_number(s):
        rest = strip_number(s)
        return bool(rest) and len(rest.split()) <= 10 and (rest[0].isupper() or rest[0].isdigit())
    if numbered_only:
        return False
    return len(s) <= 60 and len(words) <= 7 and s[0].isupper() and not s.endswith(":")


def parse_text(text: str, *, markdown: bool = True, offset: int = 0) -> list[Block]:
    """Blocks of a Markdown or plain text, with spans into `text`. Linear in its length.

    Markdown headings ('#'), list items ('-', '*', '•', '1.'), tables (pipe tables or
    tab-separated rows), captions ('Tabel 1. ...'), paragraphs (blank-line separated; lines
    of a paragraph are joined). Standalone short lines without closing punctuation that are
    numbered ('3. Knelpunten', 'Bijlage 2') are headings in both; in plain text also short
    capitalised lines followed by text."""
    m = _FRONT.match(text, offset) if markdown else None
    lines = _lines(text, m.end() if m else offset)
    blocks: list[Block] = []
    para: list[_Line] = []
    item: list[_Line] = []
    table: list[_Line] = []

    def emit(kind: str, ls: list[_Line], **kw):
        if not ls:
            return
        joined = " ".join(x.text.strip() for x in ls)
        joined = re.sub(r"\s+", " ", joined).strip()
        if kind == "paragraph":
            em = _EMPH_LINE.match(joined)
            if (em and is_caption(em.group(2))) or is_caption(joined):
                kind, joined = "caption", (em.group(2).strip() if em and is_caption(em.group(2)) else joined)
        if joined:
            blocks.append(Block(kind, joined, start=ls[0].start + (len(ls[0].text) - len(ls[0].text.lstrip())),
                                end=ls[-1].end, **kw))

    def flush_para():
        emit("paragraph", para)
        para.clear()

    item_marker: list[str] = []

    def flush_item():
        if item:
            first = item[0]
            mm = _BULLET.match(first.text) or _ORDERED.match(first.text)
            body = [_Line(first.start + mm.end(), first.end, first.text[mm.end():])] + item[1:]
            emit("item", body, number=item_marker[0] if item_marker else "•")
        item.clear()
        item_marker.clear()

    def flush_table():
        if table:
            rows = []
            for ln in table:
                if _PIPE_RULE.match(ln.text):
                    continue
                if "\t" in ln.text:
                    cells = [c.strip() for c in ln.text.split("\t")]
                else:
                    cells = [c.strip() for c in ln.text.strip().strip("|").split("|")]
                rows.append(cells)
            blocks.append(Block("table", "\n".join("\t".join(r) for r in rows), cells=rows,
                                start=table[0].start, end=table[-1].end))
        table.clear()

    def flush():
        flush_para()
        flush_item()
        flush_table()

    n = len(lines)
    for i, ln in enumerate(lines):
        s = ln.text.strip()
        if not s:
            flush()
            continue
        hm = _MD_HEADING.match(ln.text) if markdown else None
        if hm:
            flush()
            t = hm.group(2).strip()
            t = re.sub(r"^(\*{1,3}|_{1,3})(.+)\1$", r"\2", t).strip()
            if t:
                blocks.append(Block("heading", t, level=len(hm.group(1)), number=heading_number(t),
                                    start=ln.start + ln.text.index(hm.group(2)), end=ln.end))
            continue
        if (markdown and (_PIPE_ROW.match(ln.text) or (table and _PIPE_RULE.match(ln.text)))) or \
                ("\t" in s and len([c for c in s.split("\t") if c.strip()]) >= 2):
            if not table:
                flush_para()
                flush_item()
            table.append(ln)
            continue
        if table:
            flush_table()
        if markdown and _IMAGE.match(ln.text):
            flush()
            continue
        prev_blank = i == 0 or not lines[i - 1].text.strip()
        next_blank = i + 1 >= n or not lines[i + 1].text.strip()
        nxt = next((lines[k].text for k in range(i + 1, min(n, i + 3)) if lines[k].text.strip()), None)
        if prev_blank and next_blank and not para and not item and \
                looks_like_heading(s, numbered_only=markdown) and nxt is not None and not _next_in_list(s, nxt):
            flush()
            num = heading_number(s)
            if num:
                level = num.count(".") + 1 if num[0].isdigit() else 1
            else:
                level = 1 if not blocks else 2
            blocks.append(Block("heading", s, level=level, number=num,
                                start=ln.start + (len(ln.text) - len(ln.text.lstrip())), end=ln.end))
            continue
        bm = _BULLET.match(ln.text) or _ORDERED.match(ln.text)
        if bm:
            flush_para()
            flush_item()
            item.append(ln)
            marker = bm.group(0).strip()
            item_marker.append(marker if _ORDERED.match(ln.text) else "•")
            continue
        if item and (ln.text[:1].isspace() or not prev_blank):
            item.append(ln)
            continue
        if item:
            flush_item()
        para.append(ln)
    flush()
    mark_title(blocks)
    for i, b in enumerate(blocks):
        b.order = i
    return blocks


def _next_in_list(line: str, nxt: str) -> bool:
    """'1. Meer stageplekken' followed by '2. ...': a numbered list, not a heading."""
    a, b = _ORDERED.match(line), _ORDERED.match(nxt)
    if not a or not b:
        return False
    x, y = a.group(1), b.group(1)
    if x.isdigit() and y.isdigit():
        return int(y) == int(x) + 1 and not re.match(r"^\s*\d+\.\d", nxt)
    return len(x) == len(y) == 1 and ord(y) == ord(x) + 1


def mark_title(blocks: list[Block]) -> None:
    """The document title: a first heading (before any other text) that is the only heading
    at the top level; its role becomes 'title'. A title is never a section."""
    if not blocks or any(b.role == "title" for b in blocks):
        return
    first = next((i for i, b in enumerate(blocks) if b.kind == "heading"), None)
    if first is None or any(b.kind in ("paragraph", "item", "table") and len(b.text) > 80 for b in blocks[:first]):
        return
    h = blocks[first]
    same = [b for b in blocks[first + 1:] if b.kind == "heading" and b.level <= h.level]
    if not same:
        h.role = "title"


def document_title(blocks: list[Block]) -> str | None:
    t = next((b for b in blocks if b.role == "title"), None)
    return t.text if t else None


# ---------------------------------------------------------------- hyphenation across lines

_KEEP_HYPHEN = re.compile(r"(?:^|\W)([A-Z0-9]{2,}|\w*\d\w*|[a-zà-ÿ]{1,3})$")


def join_hyphen(left: str, right: str) -> str:
    """Join a word broken over two lines: 'wijk-' + 'verpleging' -> 'wijkverpleging', but
    'ggz-' + 'instellingen' -> 'ggz-instellingen' and 'BBL-' + 'opleiding' -> 'BBL-opleiding'.
    The joined word wins when the Dutch lexicon knows it; otherwise a short part (three
    letters or fewer: a prefix or abbreviation such as 'mbo-') and a vowel collision
    ('zij-instromers', 'zee-egel') keep their hyphen."""
    from ingest.model import fold
    stem = left[:-1]
    word_l = re.search(r"[\wÀ-ÿ]+$", stem)
    word_r = re.match(r"[\wÀ-ÿ]+", right)
    if not word_l or not word_r or not right[:1].islower():
        return left + right if not right[:1].islower() else stem + right
    wl, wr = word_l.group(0), word_r.group(0)
    if re.search(r"[A-Z]{2,}|\d", wl):
        return left + right
    if re.search(r"(?:[aeiouyé]|ij)$", wl.lower()) and re.match(r"[aeiouyé]", wr.lower()):
        return left + right          # vowel collision keeps its hyphen: zij-instromer, zee-egel
    if _known_word(fold(wl + wr)):
        return stem + right
    if len(wl) <= 3 or len(wr) <= 3 or "-" in stem[-(len(wl) + 1):]:
        return left + right
    return stem + right


def _known_word(word: str) -> bool:
    """A word of the Dutch lexicon, also in plural or inflected form."""
    from ingest.nlp import is_word, dutch_lexicon
    return is_word(word, dutch_lexicon())
