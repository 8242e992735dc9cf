"""The document model on the composed test documents: one model for PDF, DOCX, HTML and Markdown."""
from __future__ import annotations

import pytest

from ingest.document import Block, parse_text, render


def _kinds(raw, kind):
    return [b for b in raw.blocks if b.kind == kind]


@pytest.mark.parametrize("name", ["zhz-raat.pdf", "zhz-raat.docx", "zhz-raat.html"])
def test_numbered_headings_tables_captions_and_title_in_every_format(bench_docs, name):
    raw = bench_docs[name]
    title = [b for b in raw.blocks if b.role == "title"]
    assert [b.text for b in title] == ["Regionaal Actieplan Aanpak Tekorten 2024-2026"]
    heads = {b.title: b for b in _kinds(raw, "heading")}
    assert heads["Knelpunten"].number == "3" and heads["Knelpunten"].text == "3. Knelpunten"
    assert heads["Opleiden"].number == "5.2" and heads["Opleiden"].level > heads["Acties"].level
    tables = _kinds(raw, "table")
    assert len(tables) == 1 and tables[0].cells[0] == ["Branche", "Openstaande vacatures", "Moeilijk vervulbaar"]
    assert ["Ziekenhuizen", "310", "45%"] in tables[0].cells
    assert [b.text for b in _kinds(raw, "caption")] == [
        "Tabel 1. Openstaande vacatures per branche, peildatum 1 januari 2024"]
    items = [b.text for b in _kinds(raw, "item")]
    assert "Er zijn te weinig stageplekken voor mbo- en hbo-studenten in de ggz." in items
    for b in raw.blocks:                       # spans index into the text
        assert raw.text[b.start:b.end].startswith(b.text.split("\t")[0][:20]), (b.kind, b.text)
    assert [b.order for b in raw.blocks] == list(range(len(raw.blocks)))


def test_pdf_running_headers_page_numbers_and_hyphenation(bench_docs):
    raw = bench_docs["zhz-raat.pdf"]
    assert "RAAT Zuid-Holland Zuid 2024-2026" not in raw.text          # running header
    assert "Pagina" not in raw.text and "| Zorg en Welzijn ZHZ" not in raw.text   # footer, page numbers
    assert {b.page for b in raw.blocks} == {1, 2}
    assert "de ouderenzorg en de wijkverpleging." in raw.text          # 'wijk-' + 'verpleging' joined
    limburg = bench_docs["zuid-limburg-actieplan.pdf"].text
    assert "operatieassistenten en anesthesiemedewerkers" in limburg
    assert "Bijlage 2 Vacaturecijfers per branche" in limburg
    twente = bench_docs["twente-aanpak-tekorten.pdf"].text
    assert "de helft van de zij-instromers" in twente                  # vowel collision keeps its hyphen


def test_pdf_two_column_page_is_read_column_by_column(bench_docs):
    raw = bench_docs["zeeland-notitie.pdf"]
    heads = [b.title for b in _kinds(raw, "heading") if b.role != "title"]
    assert heads[-4:] == ["Inleiding", "De arbeidsmarkt in Zeeland", "Opleiden", "Vooruitblik"]
    paras = [b.text for b in _kinds(raw, "paragraph")]
    assert any(p.startswith("In de Zeeuwse ouderenzorg zijn veel vacatures voor verzorgenden moeilijk vervulbaar. "
                            "Door de grote afstanden") for p in paras)
    assert "Jongeren die voor een hbo-opleiding verpleegkunde naar Rotterdam of Breda vertrekken" in raw.text


def test_docx_without_heading_styles_uses_bold_lines_and_numbered_lists(bench_docs):
    raw = bench_docs["utrecht-regioplan-zonder-stijlen.docx"]
    heads = {b.title: b for b in _kinds(raw, "heading")}
    assert {"Aanleiding", "Arbeidsmarkt", "Opgave en uitdagingen", "Ambities en acties"} <= set(heads)
    assert heads["Opgave en uitdagingen"].number == "2.2"
    items = _kinds(raw, "item")
    assert [b.number for b in items] == ["1.", "2.", "3.", "4.", "5."]
    assert "Regioplan Utrecht 2024" not in raw.text                   # the page header is not body text


def test_rendered_text_parses_back_into_the_same_blocks(bench_docs):
    for name, raw in bench_docs.items():
        if raw.format not in ("pdf", "docx", "html"):
            continue
        again = parse_text(raw.text)
        assert [(b.kind, b.text) for b in again if b.kind != "caption"] == \
            [(b.kind, b.text) for b in raw.blocks if b.kind != "caption"], name


def test_markdown_and_text_blocks():
    md = ("---\nregio: X\n---\n# Plan\n\nInleiding in\ntwee regels.\n\n## 3. Knelpunten\n\n- Eerste punt\n"
          "  loopt door.\n- Tweede punt.\n\n*Tabel 1. Vacatures per branche*\n\n| Branche | Aantal |\n|---|---|\n"
          "| Ggz | 12 |\n")
    blocks = parse_text(md)
    assert [(b.kind, b.text) for b in blocks] == [
        ("heading", "Plan"), ("paragraph", "Inleiding in twee regels."), ("heading", "3. Knelpunten"),
        ("item", "Eerste punt loopt door."), ("item", "Tweede punt."), ("caption", "Tabel 1. Vacatures per branche"),
        ("table", "Branche\tAantal\nGgz\t12")]
    assert blocks[0].role == "title" and blocks[2].number == "3" and blocks[6].cells == [["Branche", "Aantal"],
                                                                                            ["Ggz", "12"]]
    assert md[blocks[1].start:blocks[1].end] == "Inleiding in\ntwee regels."
    txt = "Regionaal plan\n\nDit is de inleiding.\n\n3.1 Opgave\n\n1. Meer stageplekken\n2. Minder uitval\n"
    blocks = parse_text(txt, markdown=False)
    assert [(b.kind, b.number) for b in blocks] == [("heading", None), ("paragraph", None), ("heading", "3.1"),
                                                    ("item", "1."), ("item", "2.")]


def test_render_sets_spans():
    blocks = [Block("heading", "1. Inleiding", level=2), Block("paragraph", "Tekst."), Block("item", "Een"),
              Block("item", "Twee", number="2."), Block("table", "", cells=[["a", "b"], ["c", "d"]])]
    text = render(blocks)
    assert text == "## 1. Inleiding\n\nTekst.\n\n- Een\n2. Twee\n\na\tb\nc\td"
    assert [text[b.start:b.end] for b in blocks] == ["1. Inleiding", "Tekst.", "Een", "Twee", "a\tb\nc\td"]
    assert [b.order for b in blocks] == [0, 1, 2, 3, 4]
