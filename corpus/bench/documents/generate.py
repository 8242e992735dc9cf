"""Writes the test documents of corpus/bench/documents/ and their manifest.yaml from content.py.

    .venv/bin/pip install -e ".[documents]"      # reportlab, only needed here
    .venv/bin/python corpus/bench/documents/generate.py

PDFs are written with reportlab (platypus: real fonts, running headers and footers, page
numbers, tables with rules, two-column pages, hyphenation at soft hyphens), DOCX with
python-docx (with or without Word heading styles; numbered lists), HTML and Markdown by hand.
The generated files are committed, so the tests never need reportlab. Output is
deterministic (fixed creation dates, invariant PDF ids).
"""
from __future__ import annotations

import html
import io
import re
import sys
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parents[2])]

from content import IMPORTS, PLANS  # noqa: E402

LABELS = {"B": "knelpunt", "S": "succes", "A": "actie", "M": "ambitie", "G": "achtergrond", "C": "bijschrift"}


def split(tagged: str) -> tuple[str, str]:
    tag, text = tagged.split("|", 1)
    return LABELS[tag], text


def plain(tagged: str) -> str:
    return split(tagged)[1] if re.match(r"^[BSAMGC]\|", tagged) else tagged


def items(sentences) -> list[str]:
    return [sentences] if isinstance(sentences, str) else list(sentences)


def import_blocks(spec: dict) -> list:
    blocks = [("title", spec["title"]), ("p", [spec["intro"]])]
    for heading, parts in spec["practices"]:
        blocks.append(("h", 1, heading))
        for part in parts:
            if isinstance(part, tuple):
                blocks += [("h", 2, part[0]), ("p", [part[1]])]
            else:
                blocks.append(("p", [part]))
    return blocks


# ---------------------------------------------------------------- hyphenation for the PDF

def soft_hyphens(text: str) -> str:
    """Soft hyphens at the compound boundaries of long words, so that lines break there."""
    from ingest.model import fold
    from ingest.nlp import decompound

    def one(m):
        word = m.group(0)
        parts = decompound(fold(word)) if word.isalpha() and len(word) >= 13 else ()
        if not parts or "".join(parts) != fold(word):
            return word
        out, i = [], 0
        for p in parts:
            out.append(word[i:i + len(p)])
            i += len(p)
        return "\u00ad".join(out)
    return re.sub(r"\w+", one, text)


# ---------------------------------------------------------------- PDF

def write_pdf(spec: dict, blocks: list, path: Path) -> None:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import cm
    from reportlab.platypus import (BaseDocTemplate, Frame, FrameBreak, NextPageTemplate, PageBreak, PageTemplate,
                                    Paragraph, Spacer, Table, TableStyle)
    from reportlab.platypus.flowables import KeepTogether

    body = ParagraphStyle("body", fontName="Helvetica", fontSize=10.5, leading=14, spaceAfter=6,
                          embeddedHyphenation=1, uriWasteReduce=0.3)
    styles = {
        "title": ParagraphStyle("title", fontName="Helvetica-Bold", fontSize=20, leading=24, spaceAfter=6),
        "sub": ParagraphStyle("sub", fontName="Helvetica", fontSize=12, leading=16, spaceAfter=14,
                              textColor=colors.HexColor("#444444")),
        1: ParagraphStyle("h1", fontName="Helvetica-Bold", fontSize=14, leading=18, spaceBefore=10, spaceAfter=6),
        2: ParagraphStyle("h2", fontName="Helvetica-Bold", fontSize=11.5, leading=15, spaceBefore=6, spaceAfter=4),
        "caption": ParagraphStyle("caption", fontName="Helvetica-Oblique", fontSize=9, leading=12, spaceAfter=4),
        "cell": ParagraphStyle("cell", fontName="Helvetica", fontSize=9.5, leading=12),
        "li": ParagraphStyle("li", parent=body, leftIndent=16, bulletIndent=4, spaceAfter=3),
    }
    w, h = A4
    margin = 2.2 * cm

    def decorate(canvas, doc):
        canvas.saveState()
        canvas.setFont("Helvetica", 8.5)
        canvas.setFillColor(colors.HexColor("#555555"))
        canvas.drawString(margin, h - 1.3 * cm, spec["header"])
        canvas.drawString(margin, 1.2 * cm, spec["footer"])
        canvas.drawRightString(w - margin, 1.2 * cm, f"Pagina {doc.page}")
        canvas.restoreState()

    one = Frame(margin, 2 * cm, w - 2 * margin, h - 4.2 * cm, id="one")
    gap = 0.8 * cm
    col = (w - 2 * margin - gap) / 2
    two = [Frame(margin, 2 * cm, col, h - 4.2 * cm, id="left"),
           Frame(margin + col + gap, 2 * cm, col, h - 4.2 * cm, id="right")]
    buf = io.BytesIO()
    doc = BaseDocTemplate(buf, pagesize=A4, title=plain(blocks[0][1]), author="Praktijkwijzer testset",
                          creator="reportlab", invariant=1)
    top = 3.6 * cm      # a title across the page above two columns
    cover = [Frame(margin, h - 2.2 * cm - top, w - 2 * margin, top, id="top"),
             Frame(margin, 2 * cm, col, h - 4.2 * cm - top, id="left1"),
             Frame(margin + col + gap, 2 * cm, col, h - 4.2 * cm - top, id="right1")]
    starts_in_columns = [b[0] for b in blocks[:3]] in (["title", "sub", "columns"], ["title", "columns"])
    doc.addPageTemplates(([PageTemplate("cover", cover, onPage=decorate)] if starts_in_columns else [])
                         + [PageTemplate("one", [one], onPage=decorate), PageTemplate("two", two, onPage=decorate)])
    story = []
    esc = lambda s: html.escape(soft_hyphens(s), quote=False)  # noqa: E731
    for b in blocks:
        kind = b[0]
        if kind in ("title", "sub"):
            story.append(Paragraph(esc(b[1]), styles[kind]))
        elif kind == "h":
            story.append(Paragraph(esc(b[2]), styles[min(b[1], 2)]))
        elif kind == "p":
            story.append(Paragraph(esc(" ".join(plain(s) for s in b[1])), body))
        elif kind in ("ul", "ol"):
            for n, item in enumerate(b[1], 1):
                text = " ".join(plain(s) for s in items(item))
                story.append(Paragraph(esc(text), styles["li"], bulletText="•" if kind == "ul" else f"{n}."))
        elif kind == "table":
            _, caption, header, rows = b
            data = [[Paragraph(f"<b>{html.escape(c)}</b>", styles["cell"]) for c in header]]
            data += [[Paragraph(html.escape(c), styles["cell"]) for c in r] for r in rows]
            t = Table(data, hAlign="LEFT", repeatRows=1)
            t.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                                   ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#dddddd")),
                                   ("VALIGN", (0, 0), (-1, -1), "TOP")]))
            story.append(KeepTogether([Paragraph(esc(plain(caption)), styles["caption"]), t, Spacer(1, 8)]))
        elif kind == "figure":
            story.append(Spacer(1, 60))
            story.append(Paragraph(esc(plain(b[1])), styles["caption"]))
        elif kind == "columns" and starts_in_columns and len(story) <= 2:
            story += [NextPageTemplate("two"), FrameBreak()]
        elif kind == "columns":
            story.append(NextPageTemplate("two" if b[1] == 2 else "one"))
            if story[:-1] and not isinstance(story[-2], PageBreak):
                story.append(PageBreak())
        elif kind == "pagebreak":
            story.append(PageBreak())
        elif kind == "colbreak":
            story.append(FrameBreak())
    # a 'columns' switch right after a page break applies to that next page
    fixed = []
    for f in story:
        if isinstance(f, NextPageTemplate) and fixed and isinstance(fixed[-1], PageBreak):
            fixed.insert(len(fixed) - 1, f)
        else:
            fixed.append(f)
    doc.build(fixed)
    path.write_bytes(buf.getvalue())


# ---------------------------------------------------------------- DOCX

def write_docx(spec: dict, blocks: list, path: Path, *, styles: bool) -> None:
    import datetime

    import docx
    from docx.shared import Pt

    d = docx.Document()
    d.core_properties.title = plain(blocks[0][1])
    d.core_properties.author = "Praktijkwijzer testset"
    stamp = datetime.datetime(2024, 1, 1, 12, 0, 0)
    d.core_properties.created = d.core_properties.modified = stamp
    d.core_properties.revision = 1
    d.sections[0].header.paragraphs[0].text = spec["header"]
    d.sections[0].footer.paragraphs[0].text = spec["footer"]

    def bold_line(text: str, size: float):
        p = d.add_paragraph()
        run = p.add_run(text)
        run.bold = True
        run.font.size = Pt(size)

    for b in blocks:
        kind = b[0]
        if kind == "title":
            d.add_paragraph(b[1], style="Title") if styles else bold_line(b[1], 18)
        elif kind == "sub":
            d.add_paragraph(b[1], style="Subtitle") if styles else d.add_paragraph(b[1])
        elif kind == "h":
            d.add_heading(b[2], level=b[1]) if styles else bold_line(b[2], 14 if b[1] == 1 else 12)
        elif kind == "p":
            d.add_paragraph(" ".join(plain(s) for s in b[1]))
        elif kind in ("ul", "ol"):
            for item in b[1]:
                d.add_paragraph(" ".join(plain(s) for s in items(item)),
                                style="List Bullet" if kind == "ul" else "List Number")
        elif kind == "table":
            _, caption, header, rows = b
            d.add_paragraph(plain(caption), style="Caption")
            t = d.add_table(rows=len(rows) + 1, cols=len(header))
            t.style = "Table Grid"
            for c, text in enumerate(header):
                t.cell(0, c).text = text
            for r, row in enumerate(rows, 1):
                for c, text in enumerate(row):
                    t.cell(r, c).text = text
        elif kind == "figure":
            d.add_paragraph(plain(b[1]), style="Caption")
    buf = io.BytesIO()
    d.save(buf)
    path.write_bytes(_fixed_zip(buf.getvalue()))


def _fixed_zip(data: bytes) -> bytes:
    """The same DOCX with fixed timestamps inside the zip, so that regenerating gives equal bytes."""
    import zipfile
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(2024, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(fixed, src.read(info.filename))
    return out.getvalue()


# ---------------------------------------------------------------- HTML and Markdown

def write_html(spec: dict, blocks: list, path: Path) -> None:
    e = lambda s: html.escape(s, quote=False)  # noqa: E731
    out = ["<!DOCTYPE html>", '<html lang="nl">', "<head>", '<meta charset="utf-8">',
           f"<title>{e(plain(blocks[0][1]))}</title>", "<style>body{font-family:sans-serif}</style>", "</head>",
           "<body>", f'<header><p>{e(spec["header"])}</p><nav><a href="/">Home</a> | '
           '<a href="/plannen">Plannen</a></nav></header>', "<main>"]
    for b in blocks:
        kind = b[0]
        if kind == "title":
            out.append(f"<h1>{e(b[1])}</h1>")
        elif kind == "sub":
            out.append(f'<p class="ondertitel">{e(b[1])}</p>')
        elif kind == "h":
            out.append(f"<h{b[1] + 1}>{e(b[2])}</h{b[1] + 1}>")
        elif kind == "p":
            out.append(f"<p>{e(' '.join(plain(s) for s in b[1]))}</p>")
        elif kind in ("ul", "ol"):
            out.append(f"<{kind}>" + "".join(f"<li>{e(' '.join(plain(s) for s in items(i)))}</li>" for i in b[1])
                       + f"</{kind}>")
        elif kind == "table":
            _, caption, header, rows = b
            out.append(f"<table><caption>{e(plain(caption))}</caption><thead><tr>"
                       + "".join(f"<th>{e(c)}</th>" for c in header) + "</tr></thead><tbody>"
                       + "".join("<tr>" + "".join(f"<td>{e(c)}</td>" for c in r) + "</tr>" for r in rows)
                       + "</tbody></table>")
        elif kind == "figure":
            out.append(f'<figure><img src="grafiek.png" alt="Grafiek"><figcaption>{e(plain(b[1]))}</figcaption>'
                       "</figure>")
    out += ["</main>", f"<footer><p>{e(spec['footer'])}</p></footer>", "</body>", "</html>"]
    path.write_text("\n".join(out) + "\n", encoding="utf-8")


def write_md(spec: dict, blocks: list, path: Path) -> None:
    out = []
    for b in blocks:
        kind = b[0]
        if kind == "title":
            out.append(f"# {b[1]}")
        elif kind == "sub":
            out.append(b[1])
        elif kind == "h":
            out.append("#" * (b[1] + 1) + " " + b[2])
        elif kind == "p":
            out.append(" ".join(plain(s) for s in b[1]))
        elif kind in ("ul", "ol"):
            out.append("\n".join((f"{n}. " if kind == "ol" else "- ") + " ".join(plain(s) for s in items(i))
                                 for n, i in enumerate(b[1], 1)))
        elif kind == "table":
            _, caption, header, rows = b
            out.append(f"*{plain(caption)}*")
            out.append("\n".join(["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
                                 + ["| " + " | ".join(r) + " |" for r in rows]))
        elif kind == "figure":
            out.append(f"![Grafiek](grafiek.png)\n\n*{plain(b[1])}*")
    path.write_text("\n\n".join(out) + "\n", encoding="utf-8")


# ---------------------------------------------------------------- manifest

def labelled(blocks: list) -> tuple[list[str], list[dict]]:
    expected, decoys = [], []
    for b in blocks:
        kind = b[0]
        if kind in ("title", "sub"):
            decoys.append({"text": b[1], "soort": "titel"})
        elif kind == "h":
            decoys.append({"text": b[2], "soort": "kop"})
        elif kind in ("p", "ul", "ol"):
            for item in b[1]:
                for s in items(item):
                    label, text = split(s) if re.match(r"^[BSAMGC]\|", s) else ("achtergrond", s)
                    (expected.append(text) if label == "knelpunt" else decoys.append({"text": text, "soort": label}))
        elif kind == "table":
            decoys.append({"text": plain(b[1]), "soort": "bijschrift"})
            for row in [b[2], *b[3]]:
                decoys += [{"text": c, "soort": "tabelcel"} for c in row]
        elif kind == "figure":
            decoys.append({"text": plain(b[1]), "soort": "bijschrift"})
    return expected, decoys


WRITERS = {"pdf": write_pdf, "docx": write_docx, "html": write_html, "md": write_md}


def main() -> None:
    documents = []
    for name, (spec, formats) in PLANS.items():
        expected, decoys = labelled(spec["blocks"])
        for fmt, opts in formats.items():
            fname = f"{name}.{fmt}" if fmt != "docx" or opts.get("styles", True) else f"{name}-zonder-stijlen.docx"
            WRITERS[fmt](spec, spec["blocks"], HERE / fname, **opts)
            documents.append({"bestand": fname, "soort": "plan", "inhoud": name, "formaat": fmt,
                              "knelpunten": expected, "lokkers": decoys})
    for name, (spec, formats, drafts) in IMPORTS.items():
        blocks = import_blocks(spec)
        for fmt, opts in formats.items():
            fname = f"{name}.{fmt}" if fmt != "docx" or opts.get("styles", True) else f"{name}-zonder-stijlen.docx"
            WRITERS[fmt](spec, blocks, HERE / fname, **opts)
            documents.append({"bestand": fname, "soort": "import", "inhoud": name, "formaat": fmt,
                              "voorstellen": [{"titel": t, "dubbel_van": dup} for t, dup in drafts]})
    manifest = {
        "toelichting": "Testset voor het inlezen van plannen en documenten (issue 11). Alle documenten zijn "
                       "verzonnen voor deze test; cijfers erin zijn illustratief. Gemaakt met generate.py uit "
                       "content.py; niet met de hand bewerken.",
        "documenten": documents}
    (HERE / "manifest.yaml").write_text(yaml.safe_dump(manifest, allow_unicode=True, sort_keys=False, width=110),
                                        encoding="utf-8")
    print(f"{len(documents)} documenten geschreven in {HERE}")


if __name__ == "__main__":
    main()
