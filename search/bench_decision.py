"""The match-decision part of `praktijkwijzer bench` (issue 10): re-fit the model on the
labelled sets, report it cross-validated (grouped by question) and on the holdout set (never
fitted on), and measure every mechanism on and off.

    python -m search.bench_decision --db var/praktijkwijzer.db --schrijf
re-fits and writes corpus/match_model.json (with the checksum of the data it was fitted on and
the language model's id); without --schrijf it only reports.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from search.benchdata import data_checksum, fit_sets, load_labelled
from search.calibrate import collect, cross_validate, evaluate, fit_model

SETS = ("devset", "negatives", "plans")


def _cv_summary(cv: dict) -> dict:
    return {k: v for k, v in cv.items() if k in SETS}


def run(conn, searcher, *, write: bool = False) -> dict:
    model_id = searcher.encoder.model_id
    fit_qs, hold_qs = fit_sets(conn), load_labelled(conn, "holdout")
    saved = searcher.mechanisms
    try:
        searcher.set_mechanisms(decision=False)
        qs, hs = collect(searcher, fit_qs), collect(searcher, hold_qs)
        cv = cross_validate(qs)
        model = fit_model(qs, model_id)
        stored = searcher.match_model
        out = {
            "model": {"model_id": model_id, "data_checksum": model.data_checksum,
                      "thresholds": {"mogelijk": round(model.mogelijk, 4), "sterk": round(model.sterk, 4)},
                      "rows": model.info["rows"], "positive_rows": model.info["positive_rows"],
                      "questions": model.info["questions"], "criteria": model.info["criteria"],
                      "coefficients": {f: round(float(c), 3) for f, c in zip(model.features, model.coef)}},
            "stored": ({"thresholds": {"mogelijk": round(stored.mogelijk, 4), "sterk": round(stored.sterk, 4)},
                        "fitted_on_current_data": stored.data_checksum == data_checksum()} if stored else None),
            "cv": _cv_summary(cv) | {"calibration": cv["calibration"], "thresholds_per_fold": cv["thresholds_per_fold"]},
            "holdout": evaluate(hs, model)["holdout"],
            "decision_off": evaluate(qs + hs, None),
            "beleid_as_context_off": evaluate(qs + hs, model, beleid_as_context=False),
        }
        for name in ("begrippen", "strict_spelling"):
            searcher.set_mechanisms(decision=False, **{name: False})
            q2, h2 = collect(searcher, fit_qs), collect(searcher, hold_qs)
            m2 = fit_model(q2, model_id)
            out[f"{name}_off"] = {"cv": _cv_summary(cross_validate(q2)), "holdout": evaluate(h2, m2)["holdout"]}
            searcher.set_mechanisms(**{name: True})
    finally:
        searcher.mechanisms = saved
        searcher.set_mechanisms()
    if write:
        model.save()
        out["written"] = True
    return out


def lines(d: dict) -> list[str]:
    """The decision report as Dutch lines for the terminal."""
    def row(name, m):
        parts = []
        if m.get("recall@10") is not None:
            parts.append(f"Recall@10 {m['recall@10']:.3f}, MRR {m['mrr']:.3f}, met match {m['positives_with_match']:.0%}")
        if m.get("negatives_without_match") is not None:
            parts.append(f"zonder match {m['negatives_without_match']:.0%} van {m['negatives']}")
        parts.append(f"beleid in top 5 {m['beleid_share_top5']:.0%}")
        return f"  {name}: " + "; ".join(parts)
    m = d["model"]
    out = [f"Matchbeslissing (logistische regressie, {m['questions']} vragen, {m['rows']} paren): drempels "
           f"mogelijk {m['thresholds']['mogelijk']}, sterk {m['thresholds']['sterk']}"]
    if d.get("stored"):
        s = d["stored"]
        out.append(f"  opgeslagen model (corpus/match_model.json): mogelijk {s['thresholds']['mogelijk']}, sterk "
                   f"{s['thresholds']['sterk']}; gefit op de huidige data: {'ja' if s['fitted_on_current_data'] else 'nee'}")
    out.append("Kruisvalidatie (5 delen, gegroepeerd per vraag; model en drempels per deel gefit):")
    out += [row(k, v) for k, v in d["cv"].items() if k in SETS]
    out.append(f"  kalibratie: Brier {d['cv']['calibration']['brier']}")
    out.append(row("holdout (nooit op gefit)", d["holdout"]))
    out.append("Zonder matchbeslissing (alle kandidaten):")
    out += [row(k, v) for k, v in d["decision_off"].items()]
    out.append("Beleid niet als context (met beslissing):")
    out += [row(k, v) for k, v in d["beleid_as_context_off"].items()]
    for name, label in (("begrippen_off", "Zonder begrippenlijst"), ("strict_spelling_off", "Oude spellingsregel")):
        out.append(f"{label} (opnieuw gefit, kruisvalidatie):")
        out += [row(k, v) for k, v in d[name]["cv"].items()] + [row("holdout", d[name]["holdout"])]
    return out


def main(argv: list[str] | None = None) -> int:
    from index.encoder import load_encoder
    from index.store import build, load
    from kb.db import connect, db_path
    from search.engine import Searcher
    ap = argparse.ArgumentParser(prog="python -m search.bench_decision",
                                 description="De matchbeslissing opnieuw fitten en meten.")
    ap.add_argument("--db", help="de kennisbank (standaard: die van praktijkwijzer)")
    ap.add_argument("--schrijf", action="store_true", help="het gefitte model opslaan in corpus/match_model.json")
    ap.add_argument("--json", action="store_true", help="uitvoer als JSON")
    args = ap.parse_args(argv)
    conn = connect(db_path(args.db))
    encoder = load_encoder()
    with tempfile.TemporaryDirectory() as tmp:
        build(conn, encoder, Path(tmp))
        searcher = Searcher(conn, load(Path(tmp), expected_model=encoder.model_id, conn=conn), encoder)
        report = run(conn, searcher, write=args.schrijf)
    sys.stdout.write(json.dumps(report, ensure_ascii=False, indent=1) + "\n" if args.json else "\n".join(lines(report)) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
