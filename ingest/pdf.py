"""Layout-aware PDF reading with pdfplumber: words with their font and position -> blocks.

Per page: tables found from their ruling lines (pdfplumber) become table blocks and their
words leave the text flow; words become lines; a page whose lines show a common gutter is
read column by column (full-width lines such as a title split the page into bands); lines
in the top and bottom margins that repeat on other pages, are smaller than the body text or
are page numbers are dropped as running headers and footers. Lines then become blocks:
headings from font size and weight (levels by size, numbering kept: '3.', '3.1', 'Bijlage
2'), list items from their bullet or number, captions ('Tabel 1. ...'), paragraphs from
line spacing; words broken over two lines are joined (ingest.document.join_hyphen).

pdfplumber was chosen over pypdf by measurement on corpus/bench/documents (see
ingest/evaluate.py `compare_pdf_libraries` and README): pypdf's text (also its layout mode)
has no fonts per line, no tables and no column order.
"""
from __future__ import annotations

import io
import re
import statistics
import unicodedata
from dataclasses import dataclass

from ingest.document import (CAPTION, MAX_PAGES, Block, check_blocks, heading_number, is_caption, join_hyphen,
                             looks_like_heading, mark_title)
from ingest.errors import IngestError

MAX_CONTENT_BYTES = 30 * 1024 * 1024      # decompressed page content of one document
MAX_PAGE_CONTENT_BYTES = 2 * 1024 * 1024  # ... and of one page (a text page has some 5-50 KB)
MAX_PAGE_CHARS = 200_000                 # characters on one page
_LIGATURES = str.maketrans({"\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl",
                            "\u00ad": ""})
_BULLET_WORD = re.compile(r"^(?:[•▪◦●■–\-·*o]|\(cid:\d+\)|[\uf000-\uf0ff])$")
_PAGE_NO = re.compile(r"^(?:(?:pagina|blz\.?|page|p\.)\s*)?\d{1,4}(?:\s*(?:van|/|of)\s*\d{1,4})?$", re.I)
_BOLD = re.compile(r"bold|black|heavy|semibold|demi", re.I)
_ITALIC = re.compile(r"italic|oblique", re.I)


@dataclass
class Line:
    page: int
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    bold: bool
    italic: bool
    text: str
    words: list
    column: int = -1          # -1: full width, 0 left, 1 right
    bullet: str | None = None
    text_x0: float = 0.0      # where the text starts after a bullet


def read_pdf_blocks(data: bytes, name: str) -> tuple[list[Block], str | None, list[str]]:
    """(blocks, metadata title, Dutch warnings) of a PDF's bytes; IngestError when unreadable."""
    import pdfplumber
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
    corrupt = IngestError(f"Het PDF-bestand '{name}' is beschadigd of onvolledig en kan niet worden gelezen.",
                          path=name)
    locked = IngestError(f"Het PDF-bestand '{name}' is beveiligd met een wachtwoord en kan niet worden gelezen. "
                         "Verwijder de beveiliging en probeer het opnieuw.", path=name)
    warnings: list[str] = []
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            pages = pdf.pages
            if len(pages) > MAX_PAGES:
                raise IngestError(f"Het PDF-bestand '{name}' heeft te veel pagina's ({len(pages)}; de grens is "
                                  f"{MAX_PAGES}). Splits het document op en lees de delen apart in.", path=name)
            _check_content_size(pdf, name)
            title = (pdf.metadata.get("Title") or "") if isinstance(pdf.metadata, dict) else ""
            title = title.strip() if isinstance(title, str) else ""
            page_lines, tables, sizes = [], [], []
            for pno, page in enumerate(pages, 1):
                if len(page.chars) > MAX_PAGE_CHARS:
                    raise IngestError(f"Pagina {pno} van het PDF-bestand '{name}' bevat te veel tekst om te lezen.",
                                      path=name)
                lines, tbls = _page_lines(page, pno)
                page_lines.append(lines)
                tables.append(tbls)
                sizes.append((float(page.height), float(page.width)))
    except IngestError:
        raise
    except (PDFPasswordIncorrect, PDFEncryptionError):
        raise locked from None
    except Exception as err:  # pdfminer raises many kinds (PSSyntaxError, PDFSyntaxError, KeyError, ...)
        if "cryptography" in str(err).lower():
            raise IngestError(f"Het PDF-bestand '{name}' is versleuteld op een manier die deze installatie niet "
                              "kan lezen: het Python-pakket 'cryptography' ontbreekt.", path=name) from None
        raise (locked if b"/Encrypt" in data[-4096:] or b"/Encrypt" in data[:4096] else corrupt) from None
    if not any(page_lines) and not any(tables):
        raise IngestError(f"Het PDF-bestand '{name}' bevat geen tekst die kan worden gelezen; waarschijnlijk is "
                          "het een scan. Gebruik een PDF met tekstlaag (na tekstherkenning, OCR).", path=name)
    empty = [str(i) for i, (ls, ts) in enumerate(zip(page_lines, tables), 1) if not ls and not ts]
    if empty:
        warnings.append(f"Op pagina {', '.join(empty)} staat geen leesbare tekst (mogelijk een scan).")
    body = _body_size(page_lines)
    _drop_running(page_lines, sizes, body)
    blocks = _blocks(page_lines, tables, body)
    check_blocks(len(blocks), name)
    text = " ".join(b.text for b in blocks)
    if text and sum(unicodedata.category(c) in ("Co", "Cn", "Cc") for c in text) > 0.2 * len(text):
        warnings.append("Een groot deel van de tekst uit dit PDF-bestand is onleesbaar (lettertype zonder "
                        "tekentabel); controleer het resultaat.")
    return blocks, title or None, warnings


def _check_content_size(pdf, name: str) -> None:
    """Refuse a PDF whose page contents decompress to more than the caps (a zip bomb of a few
    KB expands to gigabytes; pdfminer would lay all of it out), before any page is laid out."""
    from pdfminer.pdftypes import resolve1
    total = 0
    too_big = IngestError(f"Het PDF-bestand '{name}' is te groot om te lezen: de inhoud van de pagina's is na "
                          "uitpakken te omvangrijk. Splits het document op of sla het opnieuw op als PDF.", path=name)
    for page in pdf.pages:
        contents = resolve1(page.page_obj.attrs.get("Contents"))
        streams = contents if isinstance(contents, list) else [contents]
        page_total = 0
        for s in streams:
            s = resolve1(s)
            if s is not None and hasattr(s, "get_data"):
                page_total += _decoded_size(s, MAX_PAGE_CONTENT_BYTES - page_total)
            if page_total > MAX_PAGE_CONTENT_BYTES:
                raise too_big
        total += page_total
        if total > MAX_CONTENT_BYTES:
            raise too_big


def _decoded_size(stream, limit: int) -> int:
    """The decoded size of a content stream, or more than `limit` when it is larger; a large
    deflated stream is inflated only up to the limit (never expanded whole in memory)."""
    import zlib
    raw = getattr(stream, "rawdata", None)
    if raw is None or len(raw) * 1100 <= limit:
        return len(stream.get_data())
    filters = [f for f, _ in stream.get_filters()]
    if filters and all(getattr(f, "name", str(f)).strip("/") in ("FlateDecode", "Fl") for f in filters[:1]) \
            and len(filters) == 1:
        try:
            return len(zlib.decompressobj().decompress(raw, limit + 1))
        except zlib.error:
            return 0
    return len(stream.get_data())


# ---------------------------------------------------------------- words -> lines

def _page_lines(page, pno: int) -> tuple[list[Line], list[tuple[float, list[list[str]]]]]:
    tables = []
    boxes = []
    try:
        found = page.find_tables()
    except Exception:
        found = []
    for t in found:
        rows = [[" ".join((c or "").translate(_LIGATURES).split()) for c in row] for row in t.extract()]
        rows = [r for r in rows if any(r)]
        if len(rows) >= 2 and max(len(r) for r in rows) >= 2:
            boxes.append(t.bbox)
            tables.append((float(t.bbox[1]), rows))
    words = page.extract_words(extra_attrs=["fontname", "size"], keep_blank_chars=False, x_tolerance=1.5)
    words = [w for w in words if not any(_inside(w, b) for b in boxes) and w.get("upright", True)]
    words.sort(key=lambda w: (round(w["top"]), w["x0"]))
    rows: list[list[dict]] = []
    for w in words:                                   # words on (almost) the same baseline form a row
        if rows and abs(rows[-1][0]["top"] - w["top"]) <= max(2.0, 0.3 * w["size"]):
            rows[-1].append(w)
        else:
            rows.append([w])
    lines: list[Line] = []
    for row in rows:
        row.sort(key=lambda w: w["x0"])
        seg = [row[0]]
        for w in row[1:]:                              # a wide gap splits a row into column fragments
            if w["x0"] - seg[-1]["x1"] > max(18.0, 1.8 * w["size"]):
                lines.append(_line(seg, pno))
                seg = [w]
            else:
                seg.append(w)
        lines.append(_line(seg, pno))
    _columns(lines, float(page.width))
    return _reading_order(lines), tables


def _inside(w: dict, box) -> bool:
    x0, top, x1, bottom = box
    cx, cy = (w["x0"] + w["x1"]) / 2, (w["top"] + w["bottom"]) / 2
    return x0 - 1 <= cx <= x1 + 1 and top - 1 <= cy <= bottom + 1


def _line(words: list[dict], pno: int) -> Line:
    text = " ".join(w["text"] for w in words).translate(_LIGATURES)
    chars = sum(len(w["text"]) for w in words) or 1
    bold = sum(len(w["text"]) for w in words if _BOLD.search(w.get("fontname", ""))) / chars > 0.6
    italic = sum(len(w["text"]) for w in words if _ITALIC.search(w.get("fontname", ""))) / chars > 0.6
    size = max(set(round(w["size"], 1) for w in words), key=lambda s: sum(len(w["text"]) for w in words
                                                                       if round(w["size"], 1) == s))
    ln = Line(pno, words[0]["x0"], words[-1]["x1"], min(w["top"] for w in words), max(w["bottom"] for w in words),
              size, bold, italic, " ".join(text.split()), words)
    ln.text_x0 = ln.x0
    if len(words) > 1 and _BULLET_WORD.match(words[0]["text"]):
        ln.bullet = "•"
        ln.text = " ".join(" ".join(w["text"] for w in words[1:]).translate(_LIGATURES).split())
        ln.text_x0 = words[1]["x0"]
    else:
        m = re.match(r"^(\d{1,3}[.)]|[a-z][.)])$", words[0]["text"])
        if len(words) > 1 and m and words[1]["x0"] - words[0]["x1"] > 3 and not bold:
            ln.bullet = m.group(1)
            ln.text = " ".join(" ".join(w["text"] for w in words[1:]).translate(_LIGATURES).split())
            ln.text_x0 = words[1]["x0"]
    return ln


def _columns(lines: list[Line], width: float) -> None:
    """Mark lines as left/right column when at least three rows of the page show two
    fragments with a common gutter in the middle of the page; other lines are full width."""
    by_top: dict[int, list[Line]] = {}
    for ln in lines:
        by_top.setdefault(round(ln.top), []).append(ln)
    gaps = []
    for row in by_top.values():
        row.sort(key=lambda x: x.x0)
        for a, b in zip(row, row[1:]):
            mid = (a.x1 + b.x0) / 2
            if 0.3 * width < mid < 0.7 * width:
                gaps.append((a.x1, b.x0))
    if len(gaps) < 3:
        return
    left = statistics.median(g[0] for g in gaps)
    right = statistics.median(g[1] for g in gaps)
    gutter = (left + right) / 2
    for ln in lines:
        if ln.x1 <= gutter + 2:
            ln.column = 0
        elif ln.x0 >= gutter - 2:
            ln.column = 1


def _reading_order(lines: list[Line]) -> list[Line]:
    """Top to bottom; within a band between full-width lines, the left column first."""
    lines.sort(key=lambda x: (x.top, x.x0))
    out: list[Line] = []
    band: list[Line] = []

    def flush():
        band.sort(key=lambda x: (max(x.column, 0), x.top, x.x0))
        out.extend(band)
        band.clear()
    for ln in lines:
        if ln.column == -1:
            flush()
            out.append(ln)
        else:
            band.append(ln)
    flush()
    return out


# ---------------------------------------------------------------- running headers and footers

def _body_size(pages: list[list[Line]]) -> float:
    weight: dict[float, int] = {}
    for ls in pages:
        for ln in ls:
            weight[ln.size] = weight.get(ln.size, 0) + len(ln.text)
    return max(weight, key=weight.get) if weight else 10.0


def _norm(text: str) -> str:
    return re.sub(r"\d+", "#", text.lower()).strip()


def _drop_running(pages: list[list[Line]], sizes: list[tuple[float, float]], body: float) -> None:
    margin_lines = []
    for ls, (h, _w) in zip(pages, sizes):
        margin_lines.append([ln for ln in ls if ln.top < 0.08 * h or ln.bottom > 0.92 * h])
    counts: dict[str, int] = {}
    for ms in margin_lines:
        for key in {_norm(ln.text) for ln in ms}:
            counts[key] = counts.get(key, 0) + 1
    for i, ms in enumerate(margin_lines):
        drop = {id(ln) for ln in ms if _PAGE_NO.match(ln.text.strip()) or ln.size < body - 0.5
                or (len(pages) > 1 and counts[_norm(ln.text)] >= 2)}
        pages[i][:] = [ln for ln in pages[i] if id(ln) not in drop]


# ---------------------------------------------------------------- lines -> blocks

def _blocks(pages: list[list[Line]], tables: list[list[tuple[float, list[list[str]]]]], body: float) -> list[Block]:
    styles = sorted({(ln.size, ln.bold) for ls in pages for ln in ls
                     if ln.size >= body + 0.9 or (ln.bold and ln.size >= body - 0.5)}, key=lambda s: (-s[0], not s[1]))
    font_headings = any(_heading_style(ln, body) for ls in pages for ln in ls)
    level_of = {s: i + 1 for i, s in enumerate(styles)}
    gaps = [b.top - a.bottom for ls in pages for a, b in zip(ls, ls[1:])
            if a.size == b.size == body and a.column == b.column and 0 <= b.top - a.bottom < 3 * body]
    gap = statistics.median(gaps) if gaps else body * 0.4
    width = statistics.median([ln.x1 - ln.x0 for ls in pages for ln in ls if ln.size == body] or [400.0])
    out: list[Block] = []
    for pno, (ls, tbls) in enumerate(zip(pages, tables), 1):
        pending_tables = sorted(tbls, key=lambda t: t[0])
        cur: Block | None = None
        prev: Line | None = None
        cur_indent = 0.0
        for idx, ln in enumerate(ls):
            while pending_tables and pending_tables[0][0] <= ln.top and (ln.column <= 0):
                top, rows = pending_tables.pop(0)
                out.append(Block("table", "\n".join("\t".join(r) for r in rows), cells=rows, page=pno))
                cur, prev = None, None
            nxt = ls[idx + 1] if idx + 1 < len(ls) else None
            kind, level = _kind(ln, prev, nxt, body, font_headings, level_of, width)
            new = True
            if cur is not None and prev is not None and kind == cur.kind and not ln.bullet:
                spacing = ln.top - prev.bottom
                same_style = (ln.size, ln.bold) == (prev.size, prev.bold)
                column_change = ln.column != prev.column
                if kind == "heading":
                    new = not (same_style and spacing < 0.8 * ln.size and not column_change)
                elif kind in ("paragraph", "item", "caption"):
                    closed = (prev.x1 - prev.x0) < 0.8 * width and re.search(r"[.!?:]$", prev.text)
                    new = (spacing > gap + max(2.0, 0.35 * body) and not column_change) or not same_style \
                        or (closed and kind != "item") or (kind == "item" and ln.text_x0 < cur_indent - 2)
                    if column_change and not closed and same_style:
                        new = False
            if kind == "item" and ln.bullet is None and cur is not None and cur.kind == "item":
                new = False
            if not new and cur is not None:
                cur.text = _join(cur.text, ln.text)
                if kind == "heading":
                    cur.number = heading_number(cur.text)
            else:
                if kind == "item" and ln.bullet is None:
                    kind = "paragraph"
                cur = Block(kind, ln.text, level=level, page=pno,
                            number=(ln.bullet if kind == "item" else heading_number(ln.text) if kind == "heading"
                                    else None))
                cur_indent = ln.text_x0
                out.append(cur)
            prev = ln
        for top, rows in pending_tables:
            out.append(Block("table", "\n".join("\t".join(r) for r in rows), cells=rows, page=pno))
    for b in out:
        if b.kind == "paragraph" and is_caption(b.text):
            b.kind = "caption"
    _heading_levels(out)
    mark_title(out)
    for i, b in enumerate(out):
        b.order = i
    return out


def _heading_style(ln: Line, body: float) -> bool:
    short = len(ln.text.split()) <= 14 and not re.search(r"[.;,]$", ln.text)
    return short and (ln.size >= body + 0.9 or (ln.bold and ln.size >= body - 0.5))


def _kind(ln: Line, prev: Line | None, nxt: Line | None, body: float, font_headings: bool, level_of: dict,
          width: float) -> tuple[str, int]:
    if ln.bullet:
        return "item", 0
    if CAPTION.match(ln.text) and (ln.italic or ln.size < body - 0.4 or len(ln.text) < 160):
        return "caption", 0
    if font_headings:
        if _heading_style(ln, body):
            return "heading", level_of.get((ln.size, ln.bold), 1)
        return ("item" if prev is not None and prev.bullet and abs(ln.x0 - prev.text_x0) < 3 else "paragraph"), 0
    # one font throughout: standalone short lines without closing punctuation are headings
    if nxt is not None and (ln.x1 - ln.x0) < 0.6 * width and looks_like_heading(ln.text) and \
            (prev is None or re.search(r"[.!?:]$", prev.text) or prev.size != ln.size):
        num = heading_number(ln.text)
        return "heading", (num.count(".") + 2 if num and num[0].isdigit() else 2)
    return "paragraph", 0


def _heading_levels(blocks: list[Block]) -> None:
    """Numbering refines font levels: among headings of one font level, '3.1' sits below '3'."""
    last: dict[str, Block] = {}
    for b in blocks:
        if b.kind != "heading" or not b.number or not re.fullmatch(r"\d+(?:\.\d+)*", b.number):
            continue
        parent = last.get(b.number.rsplit(".", 1)[0]) if "." in b.number else None
        if parent is not None and b.level <= parent.level:
            b.level = parent.level + 1
        last[b.number] = b


def _join(left: str, right: str) -> str:
    if re.search(r"[\wÀ-ÿ]-$", left) and right[:1].isalpha():
        return join_hyphen(left, right)
    return f"{left} {right}"
