"""Format readers: real files in tmp_path, no mocks."""
from __future__ import annotations

import hashlib
import io
import os
import zipfile
from pathlib import Path

import pytest

from ingest.errors import IngestError
from ingest.readers import MAX_BYTES, SUPPORTED_SUFFIXES, detect_format, read_bytes, read_document

DUTCH = "Cliënten in de zorg, café, één"
SOURCES = Path(__file__).resolve().parents[2] / "corpus" / "sources"


def make_pdf(*pages: str, title: str | None = None) -> bytes:
    """A minimal valid PDF built by hand: one page per text (empty text: a page without text),
    Helvetica with WinAnsiEncoding, a correct xref table with byte offsets."""
    n = len(pages)
    font = 3 + 2 * n
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(b"%d 0 R" % (3 + 2 * i) for i in range(n)), n)]
    for i, text in enumerate(pages):
        safe = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        stream = f"BT /F1 12 Tf 72 720 Td ({safe}) Tj ET".encode("cp1252") if text else b""
        objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents %d 0 R "
                       b"/Resources << /Font << /F1 %d 0 R >> >> >>" % (4 + 2 * i, font))
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    info = b""
    if title:
        objects.append(b"<< /Title (%s) >>" % title.encode("latin-1"))
        info = b" /Info %d 0 R" % len(objects)
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, obj in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root 1 0 R%s >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, info, xref)
    return bytes(out)


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    p = tmp_path / name
    p.write_bytes(data)
    return p


def error(path: Path, **kw) -> str:
    with pytest.raises(IngestError) as exc:
        read_document(path, **kw)
    assert exc.value.path == str(path)
    return str(exc.value)


# --- text and markdown ---------------------------------------------------------------------------

def test_utf8_markdown(tmp_path):
    src = "Inleiding\r\n\r\n# Werken in de Zorg\r\n\r\nCliënten en cafe\u0301.\r\n## Doel\n"
    raw = read_document(write(tmp_path, "plan.md", src.encode("utf-8")))
    assert raw.format == "markdown" and raw.encoding == "utf-8" and raw.warnings == []
    assert raw.title == "Werken in de Zorg"
    assert "\r" not in raw.text
    assert "Cliënten en café." in raw.text          # NFC: e + combining acute -> é
    assert raw.text.splitlines()[2] == "# Werken in de Zorg"


def test_cp1252_text_is_detected_with_dutch_warning(tmp_path):
    raw = read_document(write(tmp_path, "brief.txt", f"{DUTCH}\n– ‘zorg’ kost € 5\n".encode("cp1252")))
    assert raw.format == "text" and raw.title is None
    assert raw.text == f"{DUTCH}\n– ‘zorg’ kost € 5\n"
    assert raw.encoding == "cp1252"
    assert raw.warnings == ["Het bestand is niet in UTF-8 opgeslagen; gelezen als cp1252."]


def test_short_cp1252_text(tmp_path):
    raw = read_document(write(tmp_path, "kort.txt", DUTCH.encode("cp1252")))
    assert raw.text == DUTCH and "UTF-8" in raw.warnings[0]


@pytest.mark.parametrize("codec", ["utf-8-sig", "utf-16"])
def test_bom_is_removed(tmp_path, codec):
    raw = read_document(write(tmp_path, "bom.txt", DUTCH.encode(codec)))
    assert raw.text == DUTCH and raw.encoding == codec and raw.warnings == []


def test_binary_content_in_text_file_is_refused(tmp_path):
    msg = error(write(tmp_path, "data.txt", b"tekst\x00\x01\x02" * 20))
    assert "binaire" in msg and "data.txt" in msg


def test_bundled_corpus_reads_cleanly():
    files = [p for p in SOURCES.iterdir() if p.suffix in SUPPORTED_SUFFIXES]
    assert files
    for p in files:
        raw = read_document(p)
        assert raw.encoding == "utf-8" and raw.warnings == [] and len(raw.text) > 100, p.name


# --- PDF -----------------------------------------------------------------------------------------

def test_pdf_text_and_title(tmp_path):
    raw = read_document(write(tmp_path, "rapport.pdf", make_pdf(DUTCH, "Tweede pagina", title="Rapport")))
    assert raw.format == "pdf" and raw.encoding is None and raw.title == "Rapport"
    assert raw.text == f"{DUTCH}\n\nTweede pagina"
    assert raw.warnings == []


def test_truncated_pdf_is_refused(tmp_path):
    data = make_pdf(DUTCH)
    msg = error(write(tmp_path, "half.pdf", data[: len(data) // 2]))
    assert "beschadigd" in msg and "'half.pdf'" in msg


def test_pdf_without_text_is_refused_as_scan(tmp_path):
    msg = error(write(tmp_path, "scan.pdf", make_pdf("")))
    assert "geen tekst" in msg and "scan" in msg and "scan.pdf" in msg


def test_pdf_page_without_text_gives_warning(tmp_path):
    raw = read_document(write(tmp_path, "deels.pdf", make_pdf("Eerste pagina", "")))
    assert raw.text.startswith("Eerste pagina")
    assert raw.warnings == ["Op pagina 2 staat geen leesbare tekst (mogelijk een scan)."]


def test_encrypted_pdf_is_refused(tmp_path):
    from pypdf import PdfReader, PdfWriter
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(make_pdf(DUTCH))))
    writer.encrypt(user_password="geheim", owner_password="eigenaar", algorithm="RC4-128")
    buf = io.BytesIO()
    writer.write(buf)
    msg = error(write(tmp_path, "geheim.pdf", buf.getvalue()))
    assert "wachtwoord" in msg and "geheim.pdf" in msg


def test_pdf_named_txt_is_read_as_pdf_and_fake_pdf_refused(tmp_path):
    assert read_document(write(tmp_path, "echt.txt", make_pdf(DUTCH))).format == "pdf"
    msg = error(write(tmp_path, "nep.pdf", b"Dit is gewoon tekst.\n"))
    assert "geen geldig PDF-bestand" in msg and "nep.pdf" in msg


# --- DOCX ----------------------------------------------------------------------------------------

def make_docx() -> bytes:
    import docx
    doc = docx.Document()
    doc.core_properties.title = "Regioplan"
    doc.add_heading("Goede praktijken", level=1)
    doc.add_paragraph("Cliënten krijgen zorg dichtbij huis.")
    doc.add_heading("Stages", level=2)
    doc.add_paragraph("Meer stageplekken", style="List Bullet")
    doc.add_paragraph("Betere begeleiding", style="List Bullet")
    table = doc.add_table(rows=2, cols=2)
    for (r, c), text in {(0, 0): "Regio", (0, 1): "Aantal", (1, 0): "Gouda", (1, 1): "12"}.items():
        table.cell(r, c).text = text
    doc.add_paragraph("Slot.")
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def test_docx_structure_survives(tmp_path):
    raw = read_document(write(tmp_path, "plan.docx", make_docx()))
    assert raw.format == "docx" and raw.encoding is None and raw.title == "Regioplan"
    assert raw.text == ("# Goede praktijken\n\nCliënten krijgen zorg dichtbij huis.\n\n## Stages\n\n"
                        "- Meer stageplekken\n- Betere begeleiding\n\nRegio\tAantal\nGouda\t12\n\nSlot.")


def test_random_bytes_named_docx_is_refused(tmp_path):
    msg = error(write(tmp_path, "x.docx", os.urandom(4096)))
    assert "geen geldig Word-document" in msg and "'x.docx'" in msg


def test_zip_that_is_not_a_docx_is_refused(tmp_path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("notities.txt", "geen Word")
    msg = error(write(tmp_path, "archief.docx", buf.getvalue()))
    assert "ZIP-archief" in msg and "geen geldig Word-document" in msg


def test_truncated_docx_is_refused(tmp_path):
    data = make_docx()
    msg = error(write(tmp_path, "kapot.docx", data[: len(data) // 2]))
    assert "beschadigd" in msg and "kapot.docx" in msg


def test_old_word_file_gets_a_hint(tmp_path):
    msg = error(write(tmp_path, "oud.docx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600))
    assert ".docx" in msg and "ouder Office-bestand" in msg


# --- HTML ----------------------------------------------------------------------------------------

HTML = """<!DOCTYPE html><html><head><title> Zorg  in de regio </title><style>p {color: red}</style></head>
<body><nav><a href="/">Home</a></nav><header>Kop van de site</header>
<h2>Goede <em>praktijk</em></h2><script>var geheim = 1;</script>
<p>Eerste alinea met <b>vette</b> tekst.</p><div>Tweede alinea.</div>
<ul><li>Punt een</li><li>Punt twee</li></ul><!-- commentaar -->
<table><tr><th>Regio</th><th>Aantal</th></tr><tr><td>Gouda</td><td>12</td></tr></table>
<footer>Voettekst</footer></body></html>"""


def test_html_structure_and_cleanup(tmp_path):
    raw = read_document(write(tmp_path, "pagina.html", HTML.encode("utf-8")))
    assert raw.format == "html" and raw.title == "Zorg in de regio" and raw.encoding == "utf-8"
    assert raw.text == ("## Goede praktijk\n\nEerste alinea met vette tekst.\n\nTweede alinea.\n\n"
                        "- Punt een\n- Punt twee\n\nRegio\tAantal\nGouda\t12")
    for gone in ("geheim", "Home", "Kop van de site", "Voettekst", "color", "commentaar"):
        assert gone not in raw.text


def test_html_declared_legacy_encoding(tmp_path):
    page = f'<html><head><meta charset="windows-1252"><title>Café</title></head><body><p>{DUTCH}</p></body></html>'
    raw = read_document(write(tmp_path, "oud.htm", page.encode("cp1252")))
    assert raw.title == "Café" and raw.text == DUTCH and raw.warnings == []


# --- general checks ------------------------------------------------------------------------------

@pytest.mark.parametrize("content", [b"", b"  \n\t\r\n"])
def test_empty_file(tmp_path, content):
    msg = error(write(tmp_path, "leeg.md", content))
    assert "leeg" in msg and "leeg.md" in msg


def test_empty_docx_is_refused(tmp_path):
    import docx
    buf = io.BytesIO()
    docx.Document().save(buf)
    assert "leeg" in error(write(tmp_path, "niets.docx", buf.getvalue()))


def test_oversize_file(tmp_path):
    p = write(tmp_path, "groot.txt", b"zorg " * 1000)
    msg = error(p, max_bytes=1000)
    assert "te groot" in msg and "MB" in msg and "groot.txt" in msg
    with pytest.raises(IngestError, match="te groot"):
        read_bytes(b"zorg " * 1000, "groot.txt", max_bytes=1000)
    assert MAX_BYTES == 50 * 1024 * 1024


def test_unsupported_suffix_lists_formats(tmp_path):
    msg = error(write(tmp_path, "tabel.xlsx", b"PK\x03\x04"))
    assert "niet wordt ondersteund" in msg and "tabel.xlsx" in msg
    for suffix in (".md", ".txt", ".pdf", ".docx", ".html"):
        assert suffix in msg


def test_missing_file(tmp_path):
    msg = error(tmp_path / "weg.txt")
    assert "bestaat niet" in msg and "weg.txt" in msg


def test_sha256_and_read_bytes(tmp_path):
    data = make_pdf(DUTCH)
    p = write(tmp_path, "rapport.pdf", data)
    assert read_document(p).sha256 == hashlib.sha256(data).hexdigest()
    raw = read_bytes(data, "upload.pdf")
    assert raw.path == Path("upload.pdf") and raw.sha256 == hashlib.sha256(data).hexdigest()
    assert raw.text == DUTCH


def test_detect_format():
    assert detect_format(b"# Kop\n", "a.markdown") == "markdown"
    assert detect_format(b"tekst", "a.text") == "text"
    assert detect_format(b"<!DOCTYPE html><html></html>", "a.txt") == "html"
    assert detect_format(make_pdf("x"), "a.htm") == "pdf"
    assert detect_format(make_docx(), "a.docx") == "docx"
    with pytest.raises(IngestError, match="geen geldig"):
        detect_format(b"\x01\x02\x03", "a.docx")


def test_html_without_charset_in_cp1252_gets_warning(tmp_path):
    page = f"<html><body><h1>Zorg</h1><p>{DUTCH}</p></body></html>"
    raw = read_document(write(tmp_path, "zonder.html", page.encode("cp1252")))
    assert raw.text == f"# Zorg\n\n{DUTCH}" and raw.encoding == "cp1252"
    assert raw.warnings == ["Het bestand is niet in UTF-8 opgeslagen; gelezen als cp1252."]


def test_pdf_with_padding_after_eof_is_read(tmp_path):
    raw = read_document(write(tmp_path, "opgevuld.pdf", make_pdf(DUTCH) + b"\x00" * 5000))
    assert raw.text == DUTCH
