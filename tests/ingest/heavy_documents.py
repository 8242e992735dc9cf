"""Small files that are expensive to read, composed for the parse-limit tests."""
from __future__ import annotations

import io
import zipfile
import zlib

from tests.ingest.pdf_fixture import one_page_pdf


def heavy_pdf(lines: int = 48_000) -> bytes:
    """A one-page PDF of about 6 KB whose compressed content stream (1.9 MB unpacked, under the
    reader's caps on content size) draws `lines` lines of text: some 1.4 million characters,
    each of which pdfplumber turns into an object before any page-level cap can apply."""
    ops = b"BT /F1 1 Tf 1 TL 10 780 Td " + b"(Er is een tekort aan personeel) Tj T* " * lines + b"ET"
    return one_page_pdf(zlib.compress(ops, 9), flate=True)


def many_paragraphs_docx(paragraphs: int = 19_000, text: str = "Tekort aan personeel in de zorg. ") -> bytes:
    """A valid DOCX (python-docx's template) with `paragraphs` unstyled paragraphs of `text`."""
    import docx
    buf = io.BytesIO()
    docx.Document().save(buf)
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    body = f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>" * paragraphs
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "word/document.xml":
                s = data.decode("utf-8")
                i = s.index("<w:body>") + len("<w:body>")
                data = (s[:i] + body + s[i:]).encode("utf-8")
            z.writestr(item, data)
    return out.getvalue()
