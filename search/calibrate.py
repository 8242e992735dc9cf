"""Fitting and measuring the match decision (search/decision.py) on the labelled sets.

Labels (corpus/bench/README.md): grade 2 = a direct answer (target 1), not listed = not
relevant (target 0); grade-1 pairs (related, context) are left out of the fit and never count
as errors. Every candidate of a question's hybrid ranking is one row.

The model is scikit-learn's LogisticRegression (default regularisation) on standardised
features. The two thresholds are fitted, each by a stated criterion applied by code:

* mogelijk: the threshold that maximises the mean of (a) Recall@10 of grade-2 answers among
  the shown matches of the positive questions and (b) the share of questions without an
  answer (negatives, gap bottlenecks) that get no match at all;
* sterk: at or above `mogelijk`, the threshold that maximises F1 of "confidence >= t" against
  grade 2 over all labelled pairs.

Cross-validation is grouped by question (GroupKFold, 5 folds): in each fold the model AND the
thresholds are fitted on the training questions only, then applied to the held-out ones. The
holdout set (corpus/bench/holdout.yaml) is never used for fitting.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from search.benchdata import data_checksum
from search.decision import FEATURES, MatchModel, features
from search.selection import Filters

ANSWERS = ("praktijk", "advies", "bouwsteen")


@dataclass
class Question:
    id: str
    set: str
    negative: bool
    ids: list[str]               # the ranking, best first
    types: list[str]
    X: np.ndarray
    grades: dict[str, int]
    about_policy: bool


def collect(searcher, labelled: list[dict]) -> list[Question]:
    """Rank every labelled question (all statuses, like the dev set) and compute its features."""
    out = []
    for q in labelled:
        r = searcher.ranking(q["query"], filters=Filters(status=None))
        X = features(r.candidates, r.query.highlight_stems, r.stats, searcher.words)
        out.append(Question(q["id"], q["set"], q["negative"], r.ids, [searcher.entries[i].type for i in r.ids], X,
                            q["grades"], r.query.about_policy))
    return out


def _rows(qs: list[Question]) -> tuple[np.ndarray, np.ndarray]:
    X, y = [], []
    for q in qs:
        keep = [i for i, eid in enumerate(q.ids) if q.grades.get(eid, 0) != 1]
        X.append(q.X[keep])
        y += [1 if q.grades.get(q.ids[i], 0) == 2 else 0 for i in keep]
    return (np.vstack(X) if X else np.zeros((0, len(FEATURES)))), np.array(y)


def fit_lr(qs: list[Question]):
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler
    X, y = _rows(qs)
    scaler = StandardScaler().fit(X)
    lr = LogisticRegression(max_iter=2000).fit(scaler.transform(X), y)
    return scaler, lr


def _predict(scaler, lr, q: Question) -> np.ndarray:
    return lr.predict_proba(scaler.transform(q.X))[:, 1] if len(q.ids) else np.zeros(0)


def shown(q: Question, p: np.ndarray | None, t: float | None, *, beleid_as_context: bool = True) -> list[str]:
    """What a user sees as results: answers (beleid too if the question is about policy),
    matches only when a threshold is given."""
    out = []
    for i, eid in enumerate(q.ids):
        if beleid_as_context and q.types[i] == "beleid" and not q.about_policy:
            continue
        if t is not None and p[i] < t:
            continue
        out.append(eid)
    return out


def question_metrics(q: Question, ids: list[str]) -> dict:
    rel = [e for e, g in q.grades.items() if g == 2]
    top = ids[:10]
    out = {"matched": bool(ids), "beleid_top5": [1.0 if t == "beleid" else 0.0 for e, t in zip(q.ids, q.types)
                                                   if e in set(ids[:5])]}
    if rel:
        out["recall@10"] = len(set(rel) & set(top)) / len(rel)
        out["mrr"] = next((1 / (i + 1) for i, e in enumerate(top) if e in rel), 0.0)
    return out


def summarise(qs: list[Question], shown_ids: list[list[str]]) -> dict:
    pos = [(q, s) for q, s in zip(qs, shown_ids) if not q.negative]
    neg = [(q, s) for q, s in zip(qs, shown_ids) if q.negative]
    m = [question_metrics(q, s) for q, s in pos]
    slots = [x for r in m for x in r["beleid_top5"]]
    return {"positives": len(pos), "negatives": len(neg),
            "recall@10": round(float(np.mean([r["recall@10"] for r in m])), 3) if m else None,
            "mrr": round(float(np.mean([r["mrr"] for r in m])), 3) if m else None,
            "positives_with_match": round(float(np.mean([r["matched"] for r in m])), 3) if m else None,
            "negatives_without_match": round(float(np.mean([not s for _, s in neg])), 3) if neg else None,
            "beleid_share_top5": round(float(np.mean(slots)), 3) if slots else 0.0}


def _grid(ps: list[np.ndarray]) -> np.ndarray:
    allp = np.concatenate([p for p in ps if len(p)]) if ps else np.zeros(1)
    return np.unique(np.quantile(allp, np.linspace(0.5, 1.0, 201)))


def fit_thresholds(qs: list[Question], ps: list[np.ndarray]) -> tuple[float, float]:
    """(mogelijk, sterk) by the criteria in the module docstring."""
    grid = _grid(ps)
    best_m, best_val = float(grid[0]), -1.0
    for t in grid:
        s = summarise(qs, [shown(q, p, t) for q, p in zip(qs, ps)])
        a = s["recall@10"] if s["recall@10"] is not None else 0.0
        b = s["negatives_without_match"] if s["negatives_without_match"] is not None else 0.0
        val = (a + b) / 2
        if val > best_val + 1e-12:
            best_m, best_val = float(t), val
    y = np.concatenate([[1 if q.grades.get(e, 0) == 2 else 0 for e in q.ids] for q in qs])
    keep = np.concatenate([[q.grades.get(e, 0) != 1 for e in q.ids] for q in qs])
    p_all = np.concatenate(ps)
    y, p_all = y[keep], p_all[keep]
    best_s, best_f1 = best_m, -1.0
    for t in grid[grid >= best_m]:
        pred = p_all >= t
        tp = float((pred & (y == 1)).sum())
        f1 = 2 * tp / (pred.sum() + y.sum()) if (pred.sum() + y.sum()) else 0.0
        if f1 > best_f1 + 1e-12:
            best_s, best_f1 = float(t), f1
    return best_m, best_s


def fit_model(qs: list[Question], model_id: str) -> MatchModel:
    scaler, lr = fit_lr(qs)
    ps = [_predict(scaler, lr, q) for q in qs]
    t_m, t_s = fit_thresholds(qs, ps)
    X, y = _rows(qs)
    return MatchModel(mean=scaler.mean_, scale=scaler.scale_, coef=lr.coef_[0], intercept=float(lr.intercept_[0]),
                      sterk=t_s, mogelijk=t_m, model_id=model_id, data_checksum=data_checksum(),
                      info={"rows": int(len(y)), "positive_rows": int(y.sum()), "questions": len(qs),
                            "estimator": "sklearn LogisticRegression (C=1.0) on StandardScaler features",
                            "criteria": {"mogelijk": "max mean(Recall@10 positives, share of negatives without match)",
                                         "sterk": "max F1 against grade 2, at or above mogelijk"}})


def cross_validate(qs: list[Question], folds: int = 5) -> dict:
    """Grouped k-fold CV of the whole procedure (model and thresholds). Returns the out-of-fold
    decisions' metrics per set, calibration (Brier, reliability bins) and the thresholds."""
    from sklearn.model_selection import GroupKFold
    idx = np.arange(len(qs))
    oof_p: list[np.ndarray | None] = [None] * len(qs)
    oof_t: list[float] = [0.0] * len(qs)
    thresholds = []
    for train, test in GroupKFold(n_splits=folds).split(idx, groups=[q.id for q in qs]):
        tr = [qs[i] for i in train]
        scaler, lr = fit_lr(tr)
        t_m, t_s = fit_thresholds(tr, [_predict(scaler, lr, q) for q in tr])
        thresholds.append((t_m, t_s))
        for i in test:
            oof_p[i] = _predict(scaler, lr, qs[i])
            oof_t[i] = t_m
    out = {"folds": folds, "thresholds_per_fold": [[round(a, 4), round(b, 4)] for a, b in thresholds]}
    for name in sorted({q.set for q in qs}):
        sel = [i for i, q in enumerate(qs) if q.set == name]
        out[name] = summarise([qs[i] for i in sel], [shown(qs[i], oof_p[i], oof_t[i]) for i in sel])
    out["calibration"] = calibration(qs, oof_p)
    return out


def calibration(qs: list[Question], ps: list[np.ndarray], bins: int = 5) -> dict:
    y = np.concatenate([[1 if q.grades.get(e, 0) == 2 else 0 for e in q.ids] for q in qs])
    keep = np.concatenate([[q.grades.get(e, 0) != 1 for e in q.ids] for q in qs])
    p = np.concatenate(ps)[keep]
    y = y[keep]
    edges = np.quantile(p, np.linspace(0, 1, bins + 1))
    rows = []
    for a, b in zip(edges[:-1], edges[1:]):
        sel = (p >= a) & (p <= b)
        if sel.any():
            rows.append({"from": round(float(a), 3), "to": round(float(b), 3), "n": int(sel.sum()),
                         "mean_confidence": round(float(p[sel].mean()), 3), "share_grade2": round(float(y[sel].mean()), 3)})
    top = p >= np.quantile(p, 0.98)
    rows.append({"from": round(float(np.quantile(p, 0.98)), 3), "to": 1.0, "n": int(top.sum()),
                 "mean_confidence": round(float(p[top].mean()), 3), "share_grade2": round(float(y[top].mean()), 3)})
    return {"brier": round(float(np.mean((p - y) ** 2)), 4), "bins": rows}


def evaluate(qs: list[Question], model: MatchModel | None, *, beleid_as_context: bool = True) -> dict:
    """Metrics per set with a fitted model (None: decision off, every candidate shown)."""
    out = {}
    for name in sorted({q.set for q in qs}):
        sel = [q for q in qs if q.set == name]
        if model is None:
            ids = [shown(q, None, None, beleid_as_context=beleid_as_context) for q in sel]
        else:
            ids = [shown(q, model.confidence(q.X), model.mogelijk, beleid_as_context=beleid_as_context) for q in sel]
        out[name] = summarise(sel, ids)
    return out
