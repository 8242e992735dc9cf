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

from ingest.errors import IngestError

SUPPORTED_SUFFIXES = {".md", ".markdown", ".txt", ".text", ".pdf", ".docx", ".html", ".htm"}
MAX_BYTES = 50 * 1024 * 1024
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
        if fmt == "markdown":
            m = re.search(r"^# +(.+?)(?:\s+#+)?\s*$", text, re.M)
            title = m.group(1).strip() if m else None
    elif fmt == "pdf":
        text, title = _read_pdf(data, p, warnings)
    elif fmt == "docx":
        text, title = _read_docx(data, p)
    else:
        text, title, encoding = _read_html(data, p, warnings)
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    if not text.strip():
        raise _fail(f"Het bestand '{p.name}' is leeg: er staat geen tekst in.", p)
    return RawDocument(path=p, format=fmt, text=text, encoding=encoding,
                       sha256=hashlib.sha256(data).hexdigest(), title=title or None, warnings=warnings)


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

def _read_pdf(data: bytes, p: Path, warnings: list[str]) -> tuple[str, str | None]:
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, FileNotDecryptedError
    corrupt = _fail(f"Het PDF-bestand '{p.name}' is beschadigd of onvolledig en kan niet worden gelezen.", p)
    locked = _fail(f"Het PDF-bestand '{p.name}' is beveiligd met een wachtwoord en kan niet worden gelezen. "
                   "Verwijder de beveiliging en probeer het opnieuw.", p)
    # pypdf's lenient mode rebuilds a missing xref and happily reads a truncated file: check the end.
    tail = data.rstrip(b"\x00 \t\r\n")[-2048:]
    m = re.search(rb"startxref\s+(\d+)\s+%%EOF", tail)
    if not m or int(m.group(1)) >= len(data):
        raise corrupt
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise locked
        pages = [page.extract_text() or "" for page in reader.pages]
    except IngestError:
        raise
    except FileNotDecryptedError:
        raise locked from None
    except DependencyError:     # AES needs the optional 'cryptography' package
        raise _fail(f"Het PDF-bestand '{p.name}' is versleuteld op een manier die deze installatie niet kan "
                    "lezen: het Python-pakket 'cryptography' ontbreekt.", p) from None
    except Exception:   # pypdf raises many kinds (PdfReadError, KeyError, ValueError, ...)
        raise (locked if b"/Encrypt" in data[-4096:] or b"/Encrypt" in data[:4096] else corrupt) from None
    pages = [t.translate(_LIGATURES).strip() for t in pages]
    if not any(pages):
        raise _fail(f"Het PDF-bestand '{p.name}' bevat geen tekst die kan worden gelezen; waarschijnlijk is "
                    "het een scan. Gebruik een PDF met tekstlaag (na tekstherkenning, OCR).", p)
    empty = [str(i) for i, t in enumerate(pages, 1) if not t]
    if empty:
        warnings.append(f"Op pagina {', '.join(empty)} staat geen leesbare tekst (mogelijk een scan).")
    text = "\n\n".join(pages)
    if sum(unicodedata.category(c) in ("Co", "Cn", "Cc") and c not in "\n\t" for c in text) > 0.2 * len(text):
        warnings.append("Een groot deel van de tekst uit dit PDF-bestand is onleesbaar (lettertype zonder "
                        "tekentabel); controleer het resultaat.")
    try:
        title = (reader.metadata.title or "").strip() if reader.metadata else None
    except Exception:
        title = None
    return text, title


# --- DOCX -------------------------------------------------------------------------------------

def _read_docx(data: bytes, p: Path) -> tuple[str, str | None]:
    import docx
    from docx.table import Table
    try:
        doc = docx.Document(io.BytesIO(data))
        blocks: list[tuple[str, str]] = []
        for item in doc.iter_inner_content():
            if isinstance(item, Table):
                for row in item.rows:
                    cells, seen = [], set()
                    for cell in row.cells:            # a merged cell is repeated: keep it once
                        if id(cell._tc) not in seen:
                            seen.add(id(cell._tc))
                            cells.append(" ".join(cell.text.split()))
                    if any(cells):
                        blocks.append(("row", "\t".join(cells)))
                continue
            text = item.text.strip()
            if not text:
                continue
            style = (item.style.name if item.style is not None else "") or ""
            heading = re.match(r"(?:heading|kop)\s*([1-9])$", style, re.I)
            numbered = item._p.pPr is not None and item._p.pPr.numPr is not None
            if heading or style.lower() == "title":
                level = int(heading.group(1)) if heading else 1
                blocks.append(("p", "#" * level + " " + " ".join(text.split())))
            elif style.lower().startswith("list") or numbered:
                blocks.append(("li", "- " + text))
            else:
                blocks.append(("p", text))
        title = (doc.core_properties.title or "").strip()
    except Exception:   # python-docx raises KeyError, ValueError, lxml errors, ... for broken packages
        raise _fail(f"Het Word-document '{p.name}' is beschadigd en kan niet worden gelezen.", p) from None
    return _join(blocks), title


def _join(blocks: list[tuple[str, str]]) -> str:
    """Blocks separated by a blank line; consecutive list items or table rows by one newline."""
    out = []
    for i, (kind, text) in enumerate(blocks):
        if i:
            out.append("\n" if kind != "p" and kind == blocks[i - 1][0] else "\n\n")
        out.append(text)
    return "".join(out)


# --- HTML -------------------------------------------------------------------------------------

def _read_html(data: bytes, p: Path, warnings: list[str]) -> tuple[str, str | None, str | None]:
    from bs4 import BeautifulSoup, UnicodeDammit
    dammit = UnicodeDammit(data, is_html=True)
    if _same_codec(dammit.declared_html_encoding, dammit.original_encoding):
        markup, encoding = dammit.unicode_markup, dammit.original_encoding
        if _same_codec(encoding, "latin-1"):     # as browsers do: the label iso-8859-1 means cp1252
            markup, encoding = data.decode("cp1252", errors="replace"), "cp1252"
    else:       # no (or a wrong) <meta charset>: BOM, UTF-8 or a detected legacy encoding, as for text
        markup, encoding = _decode(data, p, warnings)
    try:
        soup = BeautifulSoup(markup, "lxml")
        title = " ".join(soup.title.get_text().split()) if soup.title else None
        for tag in soup.find_all(_HTML_DROP):
            tag.decompose()
        blocks: list[tuple[str, str]] = []
        _html_blocks(soup.body or soup, blocks, "p")
    except Exception:
        raise _fail(f"Het HTML-bestand '{p.name}' kan niet worden gelezen.", p) from None
    return _join(blocks), title, encoding


def _same_codec(a: str | None, b: str | None) -> bool:
    try:
        return bool(a and b) and codecs.lookup(a).name == codecs.lookup(b).name
    except LookupError:
        return False


def _html_blocks(node, out: list[tuple[str, str]], kind: str) -> None:
    from bs4 import NavigableString, Tag
    buf: list[str] = []

    def flush():
        line = " ".join("".join(buf).split())
        if line:
            out.append((kind, "- " + line if kind == "li" else line))
        buf.clear()

    for child in node.children:
        if isinstance(child, Tag):
            name = child.name
            if re.fullmatch(r"h[1-6]", name):
                flush()
                text = " ".join(child.get_text(" ").split())
                if text:
                    out.append(("p", "#" * int(name[1]) + " " + text))
            elif name == "tr":
                flush()
                cells = [" ".join(c.get_text(" ").split()) for c in child.find_all(["td", "th"], recursive=False)]
                if any(cells):
                    out.append(("row", "\t".join(cells)))
            elif name == "pre":
                flush()
                if child.get_text().strip():
                    out.append(("p", child.get_text().strip("\n")))
            elif name in _HTML_BLOCK or child.find(_HTML_BLOCK):
                flush()
                _html_blocks(child, out, "li" if name == "li" else "p" if name in ("ul", "ol") else kind)
            else:
                buf.append(" " if name == "br" else child.get_text())
        elif type(child) is NavigableString:    # not comments, CDATA, doctype, ...
            buf.append(str(child))
    flush()
