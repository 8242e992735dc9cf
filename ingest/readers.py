"""Format readers: a file (or uploaded bytes) -> RawDocument with the full extracted text.

Markdown and text are decoded (BOM, strict UTF-8, else detected legacy encoding); PDF, DOCX
and HTML are converted to markdown-like text so that headings, list items and table rows
survive for the segmenter. Every failure is an IngestError with a Dutch message naming the file.
"""
from __future__ import annotations

import codecs
import hashlib
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from ingest.document import Block, check_blocks, check_size, heading_number, is_caption, mark_title, parse_text, render
from ingest.errors import IngestError

SUPPORTED_SUFFIXES = {".md", ".markdown", ".txt", ".text", ".pdf", ".docx", ".html", ".htm"}
MAX_BYTES = 50 * 1024 * 1024
MAX_DOCX_UNPACKED = 200 * 1024 * 1024     # all parts of a .docx together, uncompressed
SUPPORTED_TEXT = ("Markdown (.md, .markdown), tekst (.txt, .text), PDF (.pdf), Word (.docx) "
                  "en HTML (.html, .htm)")
_SUFFIX_FORMAT = {".md": "markdown", ".markdown": "markdown", ".txt": "text", ".text": "text",
                  ".pdf": "pdf", ".docx": "docx", ".html": "html", ".htm": "html"}
_BOMS = [(codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")]   # UTF-32 LE before UTF-16 LE
_FOREIGN = [(b"\xd0\xcf\x11\xe0", "is een ouder Office-bestand (zoals .doc); sla het in Word op als .docx"),
            (b"{\\rtf", "is een RTF-bestand; sla het op als .docx of .txt"),
            (b"\x89PNG", "is een afbeelding, geen document"), (b"\xff\xd8\xff", "is een afbeelding, geen document"),
            (b"GIF8", "is een afbeelding, geen document")]
# Characters a Western-European (Dutch) text plausibly contains, used to choose between legacy encodings.
_WESTERN = set("àáâãäåæçèéêëìíîïñòóôõöøùúûüýÿÀÁÂÄÇÈÉÊËÌÍÎÏÑÒÓÔÖØÙÚÛÜß°§©®«»·±×€£½¼¾¹²³µ‘’“”„–—…•\xa0")
_LIGATURES = str.maketrans({"\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl"})
_HTML_DROP = ["script", "style", "nav", "header", "footer", "noscript", "template", "svg", "head"]
_HTML_BLOCK = ["p", "div", "section", "article", "main", "aside", "blockquote", "ul", "ol", "dl", "dt", "dd",
               "table", "thead", "tbody", "tfoot", "figure", "figcaption", "address", "form", "fieldset",
               "body", "html", "li", "tr", "pre", "h1", "h2", "h3", "h4", "h5", "h6"]


@dataclass
class RawDocument:
    path: Path
    format: str            # 'markdown' | 'text' | 'pdf' | 'docx' | 'html'
    text: str              # full extracted text; provenance character spans index into this exact string
    encoding: str | None   # detected text encoding for text formats, None for binary formats
    sha256: str            # hex sha256 of the file's bytes
    title: str | None
    warnings: list[str] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)   # the document model; spans index into `text`


def _fail(message: str, path: Path) -> IngestError:
    return IngestError(message, path=str(path))


def _mb(n: int) -> str:
    s = f"{n / 2**20:.2f}".rstrip("0").rstrip(".")
    return "minder dan 0,01" if s == "0" else s.replace(".", ",")


def read_document(path: str | Path, *, max_bytes: int = MAX_BYTES) -> RawDocument:
    p = Path(path)
    _check_suffix(p)
    if not p.is_file():
        raise _fail(f"'{p.name}' is een map, geen bestand." if p.is_dir()
                    else f"Het bestand '{p.name}' bestaat niet of kan niet worden gevonden.", p)
    try:
        size = p.stat().st_size
        if size > max_bytes:       # refuse before reading a huge file into memory
            raise _fail(f"Het bestand '{p.name}' is te groot ({_mb(size)} MB); "
                        f"de maximale grootte is {_mb(max_bytes)} MB.", p)
        data = p.read_bytes()
    except PermissionError:
        raise _fail(f"Het bestand '{p.name}' kan niet worden geopend: geen toegang.", p) from None
    except OSError:
        raise _fail(f"Het bestand '{p.name}' kan niet worden gelezen door een leesfout.", p) from None
    return _read(data, p, max_bytes)


def read_bytes(data: bytes, filename: str, *, max_bytes: int = MAX_BYTES) -> RawDocument:
    p = Path(filename)
    _check_suffix(p)
    return _read(data, p, max_bytes)


def _check_suffix(p: Path) -> None:
    if p.suffix.lower() not in SUPPORTED_SUFFIXES:
        raise _unsupported(p)


def _unsupported(p: Path) -> IngestError:
    return _fail(f"Het bestand '{p.name}' heeft een formaat dat niet wordt ondersteund. "
                 f"Ondersteunde formaten: {SUPPORTED_TEXT}.", p)


def detect_format(data: bytes, filename: str) -> str:
    """The format by content (magic bytes) first, the suffix second; IngestError when they conflict."""
    return _detect(data, Path(filename))


def _detect(data: bytes, p: Path) -> str:
    by_suffix = _SUFFIX_FORMAT.get(p.suffix.lower())
    if b"%PDF-" in data[:1024]:
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        try:
            names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
        except (zipfile.BadZipFile, ValueError, OSError):
            raise _fail(f"Het bestand '{p.name}' is een beschadigd ZIP- of Word-bestand en kan niet "
                        "worden gelezen.", p) from None
        if "word/document.xml" in names:
            return "docx"
        raise _fail(f"Het bestand '{p.name}' is een ZIP-archief, maar geen geldig Word-document (.docx).", p)
    for magic, what in _FOREIGN:
        if data.startswith(magic):
            raise _fail(f"Het bestand '{p.name}' {what}.", p)
    if by_suffix == "pdf":
        raise _fail(f"Het bestand '{p.name}' is geen geldig PDF-bestand en kan niet worden gelezen.", p)
    if by_suffix == "docx":
        raise _fail(f"Het bestand '{p.name}' is geen geldig Word-document (.docx) en kan niet worden gelezen.", p)
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if by_suffix in ("text", "markdown") and head.startswith((b"<!doctype html", b"<html")):
        return "html"
    if by_suffix is None:
        raise _unsupported(p)
    return by_suffix


def _read(data: bytes, p: Path, max_bytes: int) -> RawDocument:
    if len(data) > max_bytes:
        raise _fail(f"Het bestand '{p.name}' is te groot ({_mb(len(data))} MB); "
                    f"de maximale grootte is {_mb(max_bytes)} MB.", p)
    if not data.strip():
        raise _fail(f"Het bestand '{p.name}' is leeg.", p)
    fmt = _detect(data, p)
    warnings: list[str] = []
    encoding, title = None, None
    if fmt in ("text", "markdown"):
        text, encoding = _decode(data, p, warnings)
        text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
        check_size(text, p.name)
        if fmt == "markdown":
            m = re.search(r"^# +(.+?)(?:\s+#+)?\s*$", text, re.M)
            title = m.group(1).strip() if m else None
        blocks = parse_text(text, markdown=fmt == "markdown")
        check_blocks(len(blocks), p.name)
    else:
        if fmt == "pdf":
            blocks, title = _read_pdf(data, p, warnings)
        elif fmt == "docx":
            blocks, title = _read_docx(data, p)
        else:
            blocks, title, encoding = _read_html(data, p, warnings)
        check_blocks(len(blocks), p.name)
        for b in blocks:
            b.text = unicodedata.normalize("NFC", b.text)
            if b.cells:
                b.cells = [[unicodedata.normalize("NFC", c) for c in row] for row in b.cells]
        text = render(blocks)
        check_size(text, p.name)
    if not text.strip():
        raise _fail(f"Het bestand '{p.name}' is leeg: er staat geen tekst in.", p)
    return RawDocument(path=p, format=fmt, text=text, encoding=encoding,
                       sha256=hashlib.sha256(data).hexdigest(), title=title or None, warnings=warnings,
                       blocks=blocks)


# --- text -------------------------------------------------------------------------------------

def _decode(data: bytes, p: Path, warnings: list[str]) -> tuple[str, str]:
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(codec), codec
            except UnicodeDecodeError:
                raise _fail(f"Het tekstbestand '{p.name}' is beschadigd: het bevat ongeldige tekens "
                            f"voor de aangegeven tekenset ({codec}).", p) from None
    binary = _fail(f"Het bestand '{p.name}' bevat binaire gegevens en is geen leesbaar tekstbestand.", p)
    if b"\x00" in data:
        raise binary
    try:
        text, encoding = data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        text, encoding = _decode_legacy(data, p, binary)
        warnings.append(f"Het bestand is niet in UTF-8 opgeslagen; gelezen als {encoding}.")
    control = sum(1 for c in text if unicodedata.category(c) in ("Cc", "Co", "Cn") and c not in "\n\r\t\f")
    if control > 0.1 * len(text):
        raise binary
    return text, encoding


def _decode_legacy(data: bytes, p: Path, binary: IngestError) -> tuple[str, str]:
    """Detect a legacy encoding with charset-normalizer. On short Dutch texts it often ranks an
    exotic code page first (mac_latin2 for cp1252 'één'), so among its candidates the one whose
    decoding is plain Western-European text wins, cp1252 first."""
    from charset_normalizer import from_bytes
    results = from_bytes(data)
    best = results.best()
    candidates = ["cp1252"] if best is None or any("cp1252" in m.could_be_from_charset for m in results) else []
    candidates += [enc for m in results for enc in m.could_be_from_charset]
    for enc in candidates:
        try:
            text = data.decode(enc)
        except (UnicodeDecodeError, LookupError):
            continue
        if all((c.isascii() and (c.isprintable() or c in "\n\r\t\f")) or c in _WESTERN for c in text):
            return text, enc
    if best is None:
        raise binary
    return str(best), best.encoding


# --- PDF --------------------------------------------------------------------------------------

def _read_pdf(data: bytes, p: Path, warnings: list[str]) -> tuple[list[Block], str | None]:
    from ingest.pdf import read_pdf_blocks
    # a truncated file is refused (a lenient parser would rebuild the missing xref): check the end
    tail = data.rstrip(b"\x00 \t\r\n")[-2048:]
    m = re.search(rb"startxref\s+(\d+)\s+%%EOF", tail)
    if not m or int(m.group(1)) >= len(data):
        raise _fail(f"Het PDF-bestand '{p.name}' is beschadigd of onvolledig en kan niet worden gelezen.", p)
    try:
        blocks, title, found = read_pdf_blocks(data, p.name)
    except IngestError as err:
        raise _fail(err.message, p) from None
    warnings += found
    return blocks, title


# --- DOCX -------------------------------------------------------------------------------------

def _read_docx(data: bytes, p: Path) -> tuple[list[Block], str | None]:
    import docx
    from docx.table import Table
    try:
        unpacked = sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(data)).infolist())
    except (zipfile.BadZipFile, ValueError, OSError):
        raise _fail(f"Het Word-document '{p.name}' is beschadigd en kan niet worden gelezen.", p) from None
    if unpacked > MAX_DOCX_UNPACKED:       # a zip bomb: refuse before python-docx inflates it
        raise _fail(f"Het Word-document '{p.name}' is uitgepakt te groot om te lezen (meer dan "
                    f"{MAX_DOCX_UNPACKED // 2**20} MB). Sla het op zonder ingesloten bestanden of splits het op.", p)
    try:
        doc = docx.Document(io.BytesIO(data))
        items = list(doc.iter_inner_content())
        check_blocks(len(items), p.name)
        styles = _Styles(doc)
        pars = [it for it in items if not isinstance(it, Table)]
        styled = any(_heading_style(styles.name(it)) is not None for it in pars)
        bold = {id(it): _bold_size(it, styles) for it in pars} if not styled else {}
        sizes = sorted({b for b in bold.values() if b}, reverse=True)
        blocks: list[Block] = []
        counter = 0
        for item in items:
            if isinstance(item, Table):
                rows = []
                for row in item.rows:
                    cells, seen = [], set()
                    for cell in row.cells:            # a merged cell is repeated: keep it once
                        if id(cell._tc) not in seen:
                            seen.add(id(cell._tc))
                            cells.append(" ".join(cell.text.split()))
                    if any(cells):
                        rows.append(cells)
                if rows:
                    blocks.append(Block("table", "\n".join("\t".join(r) for r in rows), cells=rows))
                counter = 0
                continue
            text = " ".join(item.text.split())
            if not text:
                continue
            style = styles.name(item)
            level = _heading_style(style)
            numbered = item._p.pPr is not None and item._p.pPr.numPr is not None
            if level is not None:
                blocks.append(Block("heading", text, level=level, number=heading_number(text),
                                    role="title" if style == "title" else ""))
                counter = 0
            elif style.startswith("caption") or style in ("bijschrift",):
                blocks.append(Block("caption", text))
            elif style.startswith("list") or numbered:
                counter += 1
                ordered = "number" in style or (numbered and not style.startswith("list bullet"))
                blocks.append(Block("item", text, number=f"{counter}." if ordered else "•"))
            elif not styled and bold.get(id(item)) and _short_line(text):
                size = bold[id(item)]
                num = heading_number(text)
                level = sizes.index(size) + 1 if size in sizes else (num.count(".") + 1 if num else 1)
                blocks.append(Block("heading", text, level=level, number=num))
                counter = 0
            else:
                blocks.append(Block("caption" if is_caption(text) else "paragraph", text))
                counter = 0
        title = (doc.core_properties.title or "").strip()
    except IngestError:
        raise
    except Exception:   # python-docx raises KeyError, ValueError, lxml errors, ... for broken packages
        raise _fail(f"Het Word-document '{p.name}' is beschadigd en kan niet worden gelezen.", p) from None
    mark_title(blocks)
    return blocks, title


class _Styles:
    """Style names and boldness per style id, looked up once per document: python-docx resolves
    an unstyled paragraph's style by scanning every style of the document (some 2 ms each), which
    made a DOCX of 20,000 short paragraphs take minutes."""

    def __init__(self, doc):
        from docx.enum.style import WD_STYLE_TYPE
        self._get = doc.part.get_style
        self._par, self._char = WD_STYLE_TYPE.PARAGRAPH, WD_STYLE_TYPE.CHARACTER
        self._names: dict[str | None, str] = {}
        self._bold: dict[str | None, bool] = {}

    def name(self, par) -> str:
        """The paragraph's style name, lowercase ('' when it has none)."""
        sid = par._p.style
        if sid not in self._names:
            style = self._get(sid, self._par)
            self._names[sid] = ((style.name if style is not None else "") or "").lower()
        return self._names[sid]

    def run_bold(self, run) -> bool:
        """Bold by the run's own formatting or by its character style."""
        if run.bold:
            return True
        sid = run._r.style
        if sid not in self._bold:
            style = self._get(sid, self._char)
            self._bold[sid] = bool(style is not None and style.font.bold)
        return self._bold[sid]


def _heading_style(name: str) -> int | None:
    m = re.match(r"(?:heading|kop)\s*([1-9])$", name)
    if m:
        return int(m.group(1))
    return 1 if name == "title" else None


def _bold_size(par, styles: _Styles) -> float:
    """The font size of a paragraph whose text is all bold (12.0 when not set), else 0."""
    runs = [r for r in par.runs if r.text.strip()]
    if not runs or not all(styles.run_bold(r) for r in runs):
        return 0.0
    sizes = [r.font.size.pt for r in runs if r.font.size is not None]
    return max(sizes) if sizes else 12.0


def _short_line(text: str) -> bool:
    return len(text) <= 120 and len(text.split()) <= 14 and not re.search(r"[.;,]$", text)


# --- HTML -------------------------------------------------------------------------------------

def _read_html(data: bytes, p: Path, warnings: list[str]) -> tuple[list[Block], str | None, str | None]:
    from bs4 import BeautifulSoup, UnicodeDammit
    dammit = UnicodeDammit(data, is_html=True)
    if _same_codec(dammit.declared_html_encoding, dammit.original_encoding):
        markup, encoding = dammit.unicode_markup, dammit.original_encoding
        if _same_codec(encoding, "latin-1"):     # as browsers do: the label iso-8859-1 means cp1252
            markup, encoding = data.decode("cp1252", errors="replace"), "cp1252"
    else:       # no (or a wrong) <meta charset>: BOM, UTF-8 or a detected legacy encoding, as for text
        markup, encoding = _decode(data, p, warnings)
    check_size(markup, p.name)
    try:
        soup = BeautifulSoup(markup, "lxml")
        title = " ".join(soup.title.get_text().split()) if soup.title else None
        for tag in soup.find_all(_HTML_DROP):
            tag.decompose()
        blocks: list[Block] = []
        _html_blocks(soup.body or soup, blocks, "paragraph", 0)
    except IngestError:
        raise
    except RecursionError:
        raise _fail(f"Het HTML-bestand '{p.name}' is te diep genest om te lezen.", p) from None
    except Exception:
        raise _fail(f"Het HTML-bestand '{p.name}' kan niet worden gelezen.", p) from None
    mark_title(blocks)
    return blocks, title, encoding


def _same_codec(a: str | None, b: str | None) -> bool:
    try:
        return bool(a and b) and codecs.lookup(a).name == codecs.lookup(b).name
    except LookupError:
        return False


_MAX_HTML_DEPTH = 200


def _html_blocks(node, out: list[Block], kind: str, depth: int, number: str | None = None) -> None:
    from bs4 import NavigableString, Tag
    if depth > _MAX_HTML_DEPTH:
        raise RecursionError
    buf: list[str] = []

    def flush():
        line = " ".join("".join(buf).split())
        if line:
            k = "caption" if kind == "paragraph" and is_caption(line) else kind
            out.append(Block(k, line, number=number if k == "item" else None))
        buf.clear()

    n = 0
    for child in node.children:
        if isinstance(child, Tag):
            name = child.name
            if re.fullmatch(r"h[1-6]", name):
                flush()
                text = " ".join(child.get_text(" ").split())
                if text:
                    out.append(Block("heading", text, level=int(name[1]), number=heading_number(text)))
            elif name == "table":
                flush()
                rows = []
                for tr in child.find_all("tr"):
                    if tr.find_parent("table") is not child:
                        continue
                    cells = [" ".join(c.get_text(" ").split()) for c in tr.find_all(["td", "th"], recursive=False)]
                    if any(cells):
                        rows.append(cells)
                cap = child.find("caption")
                if cap is not None and cap.find_parent("table") is child and cap.get_text().strip():
                    out.append(Block("caption", " ".join(cap.get_text(" ").split())))
                if rows:
                    out.append(Block("table", "\n".join("\t".join(r) for r in rows), cells=rows))
            elif name in ("figcaption", "caption"):
                flush()
                text = " ".join(child.get_text(" ").split())
                if text:
                    out.append(Block("caption", text))
            elif name == "pre":
                flush()
                if child.get_text().strip():
                    out.append(Block("paragraph", " ".join(child.get_text().split())))
            elif name == "li":
                flush()
                n += 1
                marker = f"{n}." if node.name == "ol" else "•"
                _html_blocks(child, out, "item", depth + 1, marker)
            elif name in _HTML_BLOCK or child.find(_HTML_BLOCK):
                flush()
                _html_blocks(child, out, "paragraph" if name in ("ul", "ol") else kind, depth + 1, number)
            else:
                buf.append(" " if name == "br" else child.get_text())
        elif type(child) is NavigableString:    # not comments, CDATA, doctype, ...
            buf.append(str(child))
    flush()
