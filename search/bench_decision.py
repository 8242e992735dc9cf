"""The match-decision part of `praktijkwijzer bench` (issue 10): re-fit the decision on the
labelled sets, report it cross-validated (grouped by question) and on the holdout set (never
fitted on), against the first (one-stage) decision and no decision at all, and measure every
mechanism on and off (each variant re-fitted).

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
from search.calibrate import ONE_STAGE, TWO_STAGE, collect, cross_validate, evaluate, fit_model
from search.decision import QUERY_FEATURES, MatchModel

SETS = ("devset", "negatives", "plans")


def _variant(qs, hs, model_id, method, *, beleid_as_context: bool = True) -> tuple[dict, MatchModel]:
    """Cross-validated and holdout figures of one decision method (re-fitted), and the model
    fitted on all of `qs`."""
    cv = cross_validate(qs, method, beleid_as_context=beleid_as_context)
    model = fit_model(qs, model_id, method, beleid_as_context=beleid_as_context)
    return {"cv": {k: v for k, v in cv.items() if k in SETS or k in ("gate_auc", "gaps")},
            "holdout": evaluate(hs, model, beleid_as_context=beleid_as_context)["holdout"],
            "thresholds": {"gate": round(model.gate, 4), "mogelijk": round(model.mogelijk, 4),
                           "sterk": round(model.sterk, 4)},
            "calibration": cv["calibration"], "thresholds_per_fold": cv["thresholds_per_fold"]}, model


def run(conn, searcher, *, write: bool = False) -> dict:
    model_id = searcher.encoder.model_id
    fit_qs, hold_qs = fit_sets(conn), load_labelled(conn, "holdout")
    saved = searcher.mechanisms
    try:
        searcher.set_mechanisms(decision=False)
        qs, hs = collect(searcher, fit_qs), collect(searcher, hold_qs)
        two, model = _variant(qs, hs, model_id, TWO_STAGE)
        one, _ = _variant(qs, hs, model_id, ONE_STAGE)
        stored = searcher.match_model
        out = {
            "model": {"model_id": model_id, "data_checksum": model.data_checksum, "method": model.info["method"],
                      "thresholds": two["thresholds"], "questions": model.info["questions"],
                      "rows": model.info["rows"], "positive_rows": model.info["positive_rows"],
                      "criteria": model.info["criteria"],
                      "gate_coefficients": dict(zip(QUERY_FEATURES,
                                                    [round(float(c), 3) for c in model.gate_model.coef])),
                      "pair_coefficients": dict(zip(model.pair_features,
                                                    [round(float(c), 3) for c in model.pair_model.coef]))},
            "stored": ({"thresholds": {"gate": round(stored.gate, 4), "mogelijk": round(stored.mogelijk, 4),
                                       "sterk": round(stored.sterk, 4)},
                        "fitted_on_current_data": stored.data_checksum == data_checksum()} if stored else None),
            "two_stage": two,
            "one_stage": one,
            "decision_off": evaluate(qs + hs, None),
            "beleid_as_context_off": _variant(qs, hs, model_id, TWO_STAGE, beleid_as_context=False)[0],
        }
        for name in ("begrippen", "strict_spelling"):
            searcher.set_mechanisms(decision=False, **{name: False})
            q2, h2 = collect(searcher, fit_qs), collect(searcher, hold_qs)
            out[f"{name}_off"] = _variant(q2, h2, model_id, TWO_STAGE)[0]
            searcher.set_mechanisms(**{name: True})
    finally:
        searcher.mechanisms = saved
        searcher.set_mechanisms()
    if write:
        model.save()
        out["written"] = True
    return out


def _pct(x) -> str:
    return "–" if x is None else f"{x:.0%}"


def row(name: str, m: dict) -> str:
    parts = []
    if m.get("recall@10") is not None:
        parts.append(f"Recall@10 {m['recall@10']:.3f}, MRR {m['mrr']:.3f}, "
                     f"met match {_pct(m['positives_with_match'])}, "
                     f"precisie {m['precision'] if m.get('precision') is not None else '–'}, "
                     f"matches per vraag {m['matches_per_question']}")
    if m.get("negatives_without_match") is not None:
        parts.append(f"zonder match {_pct(m['negatives_without_match'])} van {m['negatives']}")
    parts.append(f"beleid in top 5 {_pct(m['beleid_share_top5'])}")
    return f"  {name}: " + "; ".join(parts)


def _variant_lines(title: str, v: dict) -> list[str]:
    t = v["thresholds"]
    out = [f"{title} (drempels: vraag {t['gate']}, mogelijk {t['mogelijk']}, sterk {t['sterk']}):"]
    out += [row(f"kruisvalidatie {k}", v["cv"][k]) for k in SETS if k in v["cv"]]
    out.append(row("holdout (nooit op gefit)", v["holdout"]))
    if v["cv"].get("gate_auc") is not None:
        out.append(f"  vraagpoort: AUC {v['cv']['gate_auc']} (kruisvalidatie, vragen met vs. zonder antwoord)")
    return out


def lines(d: dict) -> list[str]:
    """The decision report as Dutch lines for the terminal."""
    m = d["model"]
    out = [f"Matchbeslissing ({m['method']}; {m['questions']} vragen, {m['rows']} paren): drempels vraag "
           f"{m['thresholds']['gate']}, mogelijk {m['thresholds']['mogelijk']}, sterk {m['thresholds']['sterk']}"]
    if d.get("stored"):
        s = d["stored"]
        out.append(f"  opgeslagen model (corpus/match_model.json): vraag {s['thresholds']['gate']}, mogelijk "
                   f"{s['thresholds']['mogelijk']}, sterk {s['thresholds']['sterk']}; gefit op de huidige data: "
                   f"{'ja' if s['fitted_on_current_data'] else 'nee'}")
    out += _variant_lines("Twee fasen (vraagpoort + kans per item), kruisvalidatie 5 delen gegroepeerd per vraag",
                          d["two_stage"])
    out.append(f"  kalibratie: Brier {d['two_stage']['calibration']['brier']}")
    out += _variant_lines("Eerste beslissing (één fase)", d["one_stage"])
    out.append("Zonder matchbeslissing (alle kandidaten):")
    out += [row(k, v) for k, v in d["decision_off"].items()]
    for name, label in (("beleid_as_context_off", "Beleid niet als context (opnieuw gefit)"),
                        ("begrippen_off", "Zonder begrippenlijst (opnieuw gefit)"),
                        ("strict_spelling_off", "Oude spellingsregel (opnieuw gefit)")):
        out += _variant_lines(label, d[name])
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
    text = json.dumps(report, ensure_ascii=False, indent=1) if args.json else "\n".join(lines(report))
    sys.stdout.write(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
