"""Measurements of document reading and bottleneck extraction (for `praktijkwijzer bench`).

    evaluate_classifier(embed=None)   the sentence classifier, cross-validated on
                                      corpus/bench/sentences.yaml: accuracy, precision and
                                      recall per class, the choice of C; with `embed` (a
                                      callable: sentences -> vectors) also a model with
                                      sentence embeddings, for comparison
    evaluate_documents()              extraction on corpus/bench/documents: recall of the
                                      expected bottlenecks and decoys extracted per document,
                                      with the section prior on and off; equal results for the
                                      same content in PDF, DOCX and HTML; import splitting
    compare_pdf_libraries()           pypdf (plain and layout mode) against the pdfplumber
                                      reader on the test PDFs
    report(embed=None)                all of the above in one dict
"""
from __future__ import annotations

import re
import time
from pathlib import Path

import numpy as np
import yaml

from ingest.model import fold
from ingest.registry import CORPUS_DIR

DOCUMENTS_DIR = CORPUS_DIR / "bench" / "documents"
MANIFEST = DOCUMENTS_DIR / "manifest.yaml"
MATCH = 90          # rapidfuzz ratio from which an extracted statement is the labelled sentence
C_GRID = (1.0, 2.0, 4.0, 8.0, 16.0)


def manifest() -> list[dict]:
    return yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))["documenten"]


def _norm(s: str) -> str:
    return " ".join(re.findall(r"\w+", fold(s)))


# ---------------------------------------------------------------- the classifier

def _cv_predictions(texts, labels, *, c, embed=None, embed_weight=1.0, folds=5, seed=0):
    from sklearn.model_selection import StratifiedKFold
    from ingest.sentences import featurise, fit_model
    y = np.asarray(labels)
    pred = np.empty(len(y), dtype=object)
    for tr, te in StratifiedKFold(folds, shuffle=True, random_state=seed).split(texts, y):
        words, chars, clf = fit_model([texts[i] for i in tr], list(y[tr]), c=c, embed=embed, embed_weight=embed_weight)
        pred[te] = clf.predict(featurise(words, chars, [texts[i] for i in te], embed, embed_weight))
    return y, pred


def _scores(y, pred) -> dict:
    from sklearn.metrics import accuracy_score, precision_recall_fscore_support
    from ingest.sentences import LABELS, PROBLEM
    p, r, f, n = precision_recall_fscore_support(y, pred, labels=list(LABELS), zero_division=0)
    per = {lab: {"precision": round(float(p[i]), 3), "recall": round(float(r[i]), 3), "n": int(n[i])}
           for i, lab in enumerate(LABELS)}
    yb, pb = (y == PROBLEM), (pred == PROBLEM)
    tp = int((yb & pb).sum())
    return {"accuracy": round(float(accuracy_score(y, pred)), 3), "per_class": per,
            "knelpunt_vs_rest": {"precision": round(tp / max(int(pb.sum()), 1), 3),
                                 "recall": round(tp / max(int(yb.sum()), 1), 3)}}


def evaluate_classifier(embed=None, *, folds: int = 5, grid: tuple[float, ...] = C_GRID) -> dict:
    """Cross-validated precision and recall of the sentence classifier (5 stratified folds).
    `embed`: an optional callable (list of sentences -> array of vectors) to measure a model
    that also uses sentence embeddings."""
    import hashlib

    from ingest.sentences import C, MODEL_FILE, SENTENCES_FILE, training_data
    texts, labels, sha = training_data()
    t0 = time.perf_counter()
    y, pred = _cv_predictions(texts, labels, c=C, folds=folds)
    out = {"sentences": len(texts), "training_sha256": sha, "folds": folds, "C": C,
           "stored_model_matches_training_data": _stored_sha(MODEL_FILE) == hashlib.sha256(
               SENTENCES_FILE.read_bytes()).hexdigest(),
           "lexical_and_cues": _scores(y, pred), "seconds": None}
    out["C_grid"] = {str(c): (out["lexical_and_cues"]["accuracy"] if c == C else
                              _scores(*_cv_predictions(texts, labels, c=c, folds=folds))["accuracy"]) for c in grid}
    if embed is not None:
        from scipy.stats import binomtest

        from ingest.sentences import EMBED_WEIGHT
        cache: dict[str, np.ndarray] = {}

        def cached(sentences):
            todo = [s for s in sentences if s not in cache]
            if todo:
                for s, v in zip(todo, np.asarray(embed(todo))):
                    cache[s] = v
            return np.vstack([cache[s] for s in sentences])
        _, pe = _cv_predictions(texts, labels, c=C, embed=cached, embed_weight=EMBED_WEIGHT, folds=folds)
        out["with_embeddings"] = _scores(y, pe)
        out["with_embeddings"]["embed_weight"] = EMBED_WEIGHT
        a, b = pred == y, pe == y            # McNemar's exact test on the paired predictions
        only_lex, only_emb = int((a & ~b).sum()), int((~a & b).sum())
        out["mcnemar"] = {"only_lexical_right": only_lex, "only_embeddings_right": only_emb,
                          "p": float(binomtest(only_lex, only_lex + only_emb).pvalue) if only_lex + only_emb else 1.0}
    out["seconds"] = round(time.perf_counter() - t0, 1)
    return out


def _stored_sha(path: Path) -> str | None:
    import json
    try:
        return json.loads(path.read_text(encoding="utf-8")).get("training_sha256")
    except (OSError, ValueError):
        return None


def training_overlap() -> list[str]:
    """Training sentences that also stand in a test document (must be none)."""
    from rapidfuzz import fuzz
    from ingest.sentences import training_data
    texts, _, _ = training_data()
    labelled = {_norm(s) for d in manifest() if d["soort"] == "plan"
                for s in d["knelpunten"] + [x["text"] for x in d["lokkers"]]}
    return [t for t in texts if any(fuzz.ratio(_norm(t), s) >= MATCH for s in labelled)]


# ---------------------------------------------------------------- the documents

def _match(extracted: list[str], expected: list[str], decoys: list[dict]):
    from rapidfuzz import fuzz
    found, decoys_hit, unmatched = set(), [], []
    labelled = [(e, "knelpunt") for e in expected] + [(d["text"], d["soort"]) for d in decoys]
    for s in extracted:
        ns = _norm(s)
        best = max(labelled, key=lambda lab: fuzz.ratio(ns, _norm(lab[0])), default=None)
        if best is None or fuzz.ratio(ns, _norm(best[0])) < MATCH:
            unmatched.append(s)
        elif best[1] == "knelpunt":
            found.add(best[0])
        else:
            decoys_hit.append({"text": s, "soort": best[1]})
    return found, decoys_hit, unmatched


def evaluate_documents(*, section_prior: float | None = None, embedding=None) -> dict:
    """Extraction on the test plans (recall, decoys, unmatched per document) and import
    splitting on the test import documents."""
    from ingest.bottlenecks import SECTION_PRIOR, extract
    from ingest.errors import IngestError
    from ingest.practices import practice_drafts
    from ingest.readers import read_document
    from ingest.sentences import load_classifier
    prior = SECTION_PRIOR if section_prior is None else section_prior
    clf = load_classifier(embedding)
    docs, by_content = [], {}
    expected_total = found_total = decoy_total = unmatched_total = 0
    imports = []
    t0 = time.perf_counter()
    for d in manifest():
        raw = read_document(DOCUMENTS_DIR / d["bestand"])
        if d["soort"] == "import":
            titles = [x.title for x in practice_drafts("bench", raw.blocks, raw.text, raw.title)]
            want = [p["titel"] for p in d["voorstellen"]]
            imports.append({"bestand": d["bestand"], "titles": titles, "ok": titles == want})
            continue
        try:
            got = [s.text for s in extract(raw.blocks, raw.text, clf, section_prior=prior)]
        except IngestError as err:
            got = []
            docs.append({"bestand": d["bestand"], "error": str(err)})
        found, hit, unmatched = _match(got, d["knelpunten"], d["lokkers"])
        expected_total += len(d["knelpunten"])
        found_total += len(found)
        decoy_total += len(hit)
        unmatched_total += len(unmatched)
        by_content.setdefault(d["inhoud"], {})[d["formaat"]] = [_norm(s) for s in got]
        docs.append({"bestand": d["bestand"], "expected": len(d["knelpunten"]), "found": len(found),
                     "recall": round(len(found) / max(len(d["knelpunten"]), 1), 3),
                     "missed": [e for e in d["knelpunten"] if e not in found], "decoys": hit, "unmatched": unmatched})
    same = {c: len({tuple(v) for v in fmts.values()}) == 1 for c, fmts in by_content.items() if len(fmts) > 1}
    return {"section_prior": prior, "classifier": "met zinsembeddings" if clf.embedding else "lexicaal",
            "documents": docs, "expected": expected_total, "found": found_total,
            "recall": round(found_total / max(expected_total, 1), 3), "decoys_extracted": decoy_total,
            "unmatched": unmatched_total, "same_across_formats": same, "imports": imports,
            "imports_ok": all(i["ok"] for i in imports), "seconds": round(time.perf_counter() - t0, 1)}


# ---------------------------------------------------------------- PDF libraries

def compare_pdf_libraries() -> dict:
    """On the test PDFs: share of labelled sentences recovered intact in reading order,
    running header/footer lines left in the text, table cells kept apart from the text, and
    time per page, for pypdf (plain and layout mode) and the pdfplumber reader."""
    import io

    from pypdf import PdfReader

    from ingest.readers import read_document
    specs = [d for d in manifest() if d["formaat"] == "pdf" and d["soort"] == "plan"]
    content = _content_specs()

    def pypdf_text(data, mode):
        r = PdfReader(io.BytesIO(data))
        return "\n".join(p.extract_text(extraction_mode=mode) or "" for p in r.pages), len(r.pages)

    def ours(data, path):
        raw = read_document(path)
        return raw.text, len({b.page for b in raw.blocks if b.page})

    read_document(DOCUMENTS_DIR / specs[0]["bestand"])      # warm up (spaCy, lexicon) before timing
    out, missing = {}, {}
    for name, fn in (("pypdf", lambda data, path: pypdf_text(data, "plain")),
                     ("pypdf-layout", lambda data, path: pypdf_text(data, "layout")),
                     ("pdfplumber (ingest.pdf)", ours)):
        intact = total = ordered = pairs = running = pages = 0
        cells_apart = cells = 0
        seconds = 0.0
        for d in specs:
            path = DOCUMENTS_DIR / d["bestand"]
            data = path.read_bytes()
            t = time.perf_counter()
            text, n = fn(data, path)
            seconds += time.perf_counter() - t
            pages += n
            flat = _norm(_dehyphen(text))
            spec = content[d["inhoud"]]
            positions = []
            for s in _sentences_in_order(spec["blocks"]):
                i = flat.find(_norm(s))
                total += 1
                if i >= 0:
                    intact += 1
                    positions.append(i)
                else:
                    missing.setdefault(name, []).append(s)
            pairs += max(len(positions) - 1, 0)
            ordered += sum(1 for a, b in zip(positions, positions[1:]) if a < b)
            running += sum(1 for ln in text.split("\n") for x in (spec["header"], spec["footer"])
                           if x in ln and len(ln.strip()) <= len(x) + 15 and not ln.startswith("#"))
            for b in spec["blocks"]:
                if b[0] == "table":
                    for row in b[3]:
                        cells += 1
                        cells_apart += bool(re.search("(^|\t)" + re.escape(row[0]) + "\t", text, re.M))
        out[name] = {"sentences_intact": round(intact / max(total, 1), 3),
                     "order_kept": round(ordered / max(pairs, 1), 3),
                     "running_header_footer_lines_left": running,
                     "table_rows_as_cells": round(cells_apart / max(cells, 1), 3),
                     "ms_per_page": round(1000 * seconds / max(pages, 1), 1),
                     "sentences_missing": missing.get(name, [])}
    return out


def _sentences_in_order(blocks: list) -> list[str]:
    out = []
    for b in blocks:
        if b[0] in ("p", "ul", "ol"):
            for item in b[1]:
                for s in ([item] if isinstance(item, str) else item):
                    out.append(s.split("|", 1)[1] if re.match(r"^[BSAMGC]\|", s) else s)
    return out


def _dehyphen(text: str) -> str:
    return re.sub(r"(?<=[a-zà-ÿ])-\n(?=[a-zà-ÿ])", "", text)


def _content_specs() -> dict:
    import runpy
    plans = runpy.run_path(str(DOCUMENTS_DIR / "content.py"))["PLANS"]     # a data file, not a package
    return {name: s for name, (s, _f) in plans.items()}


def report(embedding=None) -> dict:
    """Everything, for `praktijkwijzer bench`. `embedding`: ingest.sentences.Embedding of the
    project's encoder (then the classifier with embeddings is measured as well)."""
    from ingest.bottlenecks import SECTION_PRIOR_DERIVED
    out = {"classifier": evaluate_classifier(embedding), "training_overlap": training_overlap(),
           "extraction": evaluate_documents(),
           "extraction_with_section_prior": evaluate_documents(section_prior=SECTION_PRIOR_DERIVED),
           "pdf_libraries": compare_pdf_libraries()}
    if embedding is not None:
        out["extraction_with_embeddings"] = evaluate_documents(embedding=embedding)
    return out

