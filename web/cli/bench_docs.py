"""The document part of `praktijkwijzer bench` (skip it with --skip-docs): ingest.evaluate.report
with the project's encoder injected.

    - the bottleneck sentence classifier, cross-validated (5 folds) on corpus/bench/sentences.yaml:
      precision and recall of 'knelpunt' against the rest, lexical and with sentence embeddings
      (McNemar's test on the paired predictions), and the overlap of training and test sentences;
    - bottleneck extraction on the composed test plans (corpus/bench/documents): recall and decoys
      extracted per document, for the classifier the server uses (with embeddings) and, beside it,
      the lexical classifier and the section prior that is left off; the same content as PDF, DOCX
      and HTML gives the same bottlenecks; import documents split into the expected proposals;
    - the PDF readers compared (pypdf, pypdf layout mode, the pdfplumber reader).
"""
from __future__ import annotations


def run(model: str | None = None) -> dict:
    from ingest.evaluate import report
    from web.cli.embedding import sentence_embedding
    return report(embedding=sentence_embedding(model))


def _pct(x: float) -> str:
    return f"{x:.3f}".replace(".", ",")


def _num(x: float, fmt: str = "g") -> str:
    return format(x, fmt).replace(".", ",")


def print_report(con, r: dict) -> None:
    from rich.table import Table
    c = r["classifier"]
    t = Table(title=f"Knelpuntzinnen herkennen: kruisvalidatie ({c['folds']} delen, {c['sentences']} gelabelde zinnen)",
              title_justify="left")
    for col in ("classificatie", "precisie knelpunt", "recall knelpunt", "juist (6 klassen)"):
        t.add_column(col, justify="left" if col == "classificatie" else "right")
    rows = [("lexicaal + signaalwoorden", c["lexical_and_cues"])]
    if c.get("with_embeddings"):
        rows.append(("met zinsembeddings (gebruikt)", c["with_embeddings"]))
    for name, m in rows:
        k = m["knelpunt_vs_rest"]
        t.add_row(name, _pct(k["precision"]), _pct(k["recall"]), _pct(m["accuracy"]))
    con.print(t)
    if c.get("mcnemar"):
        mc = c["mcnemar"]
        con.print(f"McNemar (gepaard): alleen lexicaal goed {mc['only_lexical_right']}, alleen met embeddings goed "
                  f"{mc['only_embeddings_right']}; p = {_num(mc['p'], '.2g')}. Opgeslagen model past bij de trainingszinnen: "
                  f"{'ja' if c['stored_model_matches_training_data'] else 'NEE'}. Trainingszinnen die ook in een "
                  f"testdocument staan: {len(r['training_overlap'])}.")
    main = r.get("extraction_with_embeddings") or r["extraction"]
    t = Table(title="Knelpunten uit de testplannen (corpus/bench/documents), classificatie "
                    f"{main['classifier']}", title_justify="left")
    for col in ("document", "verwacht", "gevonden", "recall", "lokkers eruit", "niet gelabeld"):
        t.add_column(col, justify="left" if col == "document" else "right")
    for d in main["documents"]:
        if "expected" not in d:
            t.add_row(d["bestand"], "", "", "", "", f"fout: {d.get('error', '')}")
            continue
        t.add_row(d["bestand"], str(d["expected"]), str(d["found"]), _pct(d["recall"]), str(len(d["decoys"])),
                  str(len(d["unmatched"])))
    con.print(t)
    t = Table(title="Knelpuntextractie: mechanismen aan en uit", title_justify="left")
    for col in ("variant", "recall", "lokkers eruit", "seconden"):
        t.add_column(col, justify="left" if col == "variant" else "right")
    for name, key in (("lexicaal", "extraction"), ("lexicaal + sectieprior (niet gebruikt)", "extraction_with_section_prior"),
                      ("met zinsembeddings (gebruikt)", "extraction_with_embeddings")):
        if r.get(key):
            e = r[key]
            t.add_row(name, f"{_pct(e['recall'])} ({e['found']}/{e['expected']})", str(e["decoys_extracted"]),
                      _num(e["seconds"]))
    con.print(t)
    same = main["same_across_formats"]
    con.print("Zelfde inhoud als PDF, DOCX en HTML geeft dezelfde knelpunten: "
              + ", ".join(f"{k} {'ja' if v else 'NEE'}" for k, v in same.items()))
    con.print(f"Importdocumenten per kop opgesplitst zoals verwacht: {'ja' if main['imports_ok'] else 'NEE'} "
              f"({len(main['imports'])} documenten)")
    t = Table(title="PDF lezen: bibliotheken vergeleken op de test-PDF's", title_justify="left")
    for col in ("lezer", "zinnen heel", "volgorde goed", "kop-/voetregels over", "tabelrijen als cellen", "ms/pagina"):
        t.add_column(col, justify="left" if col == "lezer" else "right")
    for name, p in r["pdf_libraries"].items():
        t.add_row(name, _pct(p["sentences_intact"]), _pct(p["order_kept"]), str(p["running_header_footer_lines_left"]),
                  _pct(p["table_rows_as_cells"]), _num(p["ms_per_page"]))
    con.print(t)
