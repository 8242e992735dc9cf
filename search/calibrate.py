"""Fitting and measuring the match decision (search/decision.py) on the labelled sets.

Labels (corpus/bench/README.md): grade 2 = a direct answer (target 1), not listed = not
relevant (target 0); grade-1 pairs (related, context) are left out of the pair fit and never
count as errors. A question is answerable when it has a grade-2 answer (negatives and gap
bottlenecks are not).

Estimators: scikit-learn's LogisticRegression (C=1) on standardised features, one for the
gate (one row per question, target: answerable) and one for the pair probability (one row
per candidate of a question's hybrid ranking). The thresholds are fitted by criteria applied
by code, on what a user would see (answers in ranking order; `beleid` is context unless the
question is about policy):

* gate and mogelijk, jointly: the pair that maximises the mean over all questions of a
  per-question F2 score: for a question with an answer, F2 of the first 10 shown matches
  (precision over judged matches: grade 2 counts as right, grade 1 is neutral, anything else
  wrong; recall of its grade-2 answers), 0 when nothing is shown; for a question without an
  answer 1 when nothing is shown, else 0. F2 weighs recall twice as much as precision: a
  project leader should rather see one doubtful practice than miss the one that fits;
* sterk: at or above mogelijk, the threshold that maximises the same mean with F0.5 (precision
  counts double) for the list of "sterk" matches.

The first decision (kept as a baseline, `ONE_STAGE`) had no gate, only BASE_FEATURES, and
one threshold maximising the mean of Recall@10 on the positive questions and the share of
questions without an answer that get no match; its `sterk` maximised F1 over all pairs.

Cross-validation is grouped by question (GroupKFold, 5 folds; the gap bottlenecks that share
a topic form one group): in each fold the models AND the thresholds are fitted on the
training questions only, then applied to the held-out ones. The holdout set
(corpus/bench/holdout.yaml) is never used for fitting.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from search.benchdata import data_checksum
from search.decision import BASE_FEATURES, PAIR_FEATURES, QUERY_FEATURES, Logistic, MatchModel, signals
from search.selection import Filters

TOP = 10                      # the first page of matches: what Recall@10, MRR and the F scores read


@dataclass(frozen=True)
class Method:
    name: str
    two_stage: bool               # gate + pair model on PAIR_FEATURES; else pair model on BASE_FEATURES
    criterion: str                # "f-beta" (two-stage criteria) | "recall+negatives" (the first decision)


TWO_STAGE = Method("twee fasen", True, "f-beta")
ONE_STAGE = Method("één fase (eerste beslissing)", False, "recall+negatives")


@dataclass
class Question:
    id: str
    set: str
    negative: bool
    group: str
    ids: list[str]               # the ranking, best first
    types: list[str]
    base: np.ndarray             # candidates x BASE_FEATURES
    query: np.ndarray            # QUERY_FEATURES
    pair: np.ndarray             # candidates x PAIR_FEATURES
    grades: dict[str, int]
    about_policy: bool
    kind: str | None = None

    def X(self, method: Method) -> np.ndarray:
        return self.pair if method.two_stage else self.base

    @property
    def grade(self) -> np.ndarray:
        return np.array([self.grades.get(e, 0) for e in self.ids], dtype=np.int64)


def collect(searcher, labelled: list[dict]) -> list[Question]:
    """Rank every labelled question (all statuses, like the dev set) and compute its signals.
    Call with the searcher's decision switched off (the signals do not depend on it)."""
    out = []
    for q in labelled:
        r = searcher.ranking(q["query"], filters=Filters(status=None))
        s = signals(r.candidates, r.query, r.stats, searcher.words)
        out.append(Question(q["id"], q["set"], q["negative"], q.get("group") or q["id"], r.ids,
                            [searcher.entries[i].type for i in r.ids], s.base, s.query, s.pair, q["grades"],
                            r.query.about_policy, q.get("kind")))
    return out


# ---------------------------------------------------------------- fitting

def _lr(X: np.ndarray, y: np.ndarray) -> Logistic:
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler
    scaler = StandardScaler().fit(X)
    return Logistic.of(scaler, LogisticRegression(max_iter=5000).fit(scaler.transform(X), y))


def fit_pair(qs: list[Question], method: Method) -> Logistic:
    X, y = [], []
    for q in qs:
        keep = q.grade != 1
        X.append(q.X(method)[keep])
        y.append((q.grade[keep] == 2).astype(int))
    return _lr(np.vstack(X), np.concatenate(y))


def fit_gate(qs: list[Question]) -> Logistic:
    return _lr(np.array([q.query for q in qs]), np.array([0 if q.negative else 1 for q in qs]))


def eligible(q: Question, beleid_as_context: bool = True) -> np.ndarray:
    """Candidates that can be results: answers, and beleid when it is not context."""
    return np.array([not (beleid_as_context and t == "beleid" and not q.about_policy) for t in q.types], dtype=bool)


def _shown_masks(q: Question, p: np.ndarray, grid: np.ndarray, beleid_as_context: bool) -> np.ndarray:
    """len(grid) x candidates: what is shown at each threshold of `grid`."""
    return (p[None, :] >= grid[:, None]) & eligible(q, beleid_as_context)[None, :]


def question_scores(q: Question, shown: np.ndarray, criterion: str, beta: float) -> tuple[np.ndarray, np.ndarray]:
    """Per row of `shown` (thresholds x candidates): the criterion's per-question score, and
    Recall@10 (for the first decision's criterion; 0 for a question without an answer)."""
    n = shown.sum(1)
    if q.negative:
        return (n == 0).astype(float), np.zeros(len(shown))
    g = q.grade
    top = shown & (np.cumsum(shown, axis=1) <= TOP)
    tp = (top & (g == 2)).sum(1).astype(float)
    judged = (top & (g != 1)).sum(1).astype(float)
    rel = max(int((g == 2).sum()), 1)
    rec = tp / rel
    if criterion == "recall+negatives":
        return rec, rec
    prec = np.divide(tp, judged, out=np.zeros_like(tp), where=judged > 0)
    b2 = beta * beta
    den = b2 * prec + rec
    return np.divide((1 + b2) * prec * rec, den, out=np.zeros_like(tp), where=den > 0), rec


def _grid(ps: list[np.ndarray], qs: list[Question], beleid_as_context: bool) -> np.ndarray:
    vals = np.concatenate([p[eligible(q, beleid_as_context)] for q, p in zip(qs, ps)] or [np.zeros(1)])
    return np.unique(np.quantile(vals, np.linspace(0.5, 1.0, 251)))


def fit_thresholds(qs: list[Question], ps: list[np.ndarray], gs: list[float], method: Method, *,
                   beleid_as_context: bool = True) -> tuple[float, float, float]:
    """(gate, mogelijk, sterk) by the criteria in the module docstring."""
    grid = _grid(ps, qs, beleid_as_context)
    masks = [_shown_masks(q, p, grid, beleid_as_context) for q, p in zip(qs, ps)]
    neg = np.array([q.negative for q in qs])
    if method.criterion == "recall+negatives":
        rec = np.array([question_scores(q, m, method.criterion, 1.0)[1] for q, m in zip(qs, masks)])
        empty = np.array([m.sum(1) == 0 for m in masks])
        pos_mean = rec[~neg].mean(0) if (~neg).any() else np.zeros(len(grid))
        neg_mean = empty[neg].mean(0) if neg.any() else np.zeros(len(grid))
        j = int(np.argmax((pos_mean + neg_mean) / 2))
        t_gate, t_m = 0.0, float(grid[j])
        return t_gate, t_m, _sterk_f1(qs, ps, grid[grid >= t_m], t_m)
    F2 = np.array([question_scores(q, m, "f-beta", 2.0)[0] for q, m in zip(qs, masks)])        # questions x grid
    g = np.array(gs)
    gate_grid = np.unique(np.r_[0.0, np.quantile(g, np.linspace(0, 1, 81))]) if method.two_stage else np.zeros(1)
    nothing = neg.astype(float)[:, None]                  # the score of a question the gate stops
    best = (-1.0, 0.0, float(grid[0]))
    for tg in gate_grid:
        val = np.where((g >= tg)[:, None], F2, nothing).mean(0)
        j = int(np.argmax(val))
        if val[j] > best[0] + 1e-12:
            best = (float(val[j]), float(tg), float(grid[j]))
    _, t_gate, t_m = best
    upper = grid[grid >= t_m]
    F05 = np.array([question_scores(q, _shown_masks(q, p, upper, beleid_as_context), "f-beta", 0.5)[0]
                    for q, p in zip(qs, ps)])
    F05 = np.where((g >= t_gate)[:, None], F05, nothing)
    t_s = float(upper[int(np.argmax(F05.mean(0)))])
    return t_gate, t_m, t_s


def _sterk_f1(qs, ps, grid, t_m) -> float:
    y = np.concatenate([(q.grade == 2)[q.grade != 1] for q in qs])
    p = np.concatenate([p[q.grade != 1] for q, p in zip(qs, ps)])
    best, best_f1 = t_m, -1.0
    for t in grid:
        pred = p >= t
        f1 = 2 * float((pred & y).sum()) / (pred.sum() + y.sum()) if (pred.sum() + y.sum()) else 0.0
        if f1 > best_f1 + 1e-12:
            best, best_f1 = float(t), f1
    return best


def fit_model(qs: list[Question], model_id: str, method: Method = TWO_STAGE, *,
              beleid_as_context: bool = True) -> MatchModel:
    pair = fit_pair(qs, method)
    gate = fit_gate(qs) if method.two_stage else None
    ps = [pair(q.X(method)) for q in qs]
    gs = [float(gate(q.query)[0]) if gate else 1.0 for q in qs]
    t_g, t_m, t_s = fit_thresholds(qs, ps, gs, method, beleid_as_context=beleid_as_context)
    rows = sum(int((q.grade != 1).sum()) for q in qs)
    pos = sum(int((q.grade == 2).sum()) for q in qs)
    criteria = ({"gate+mogelijk": "max mean per-question F2 (grade 2 right, grade 1 neutral; a question without "
                                  "an answer scores 1 when nothing is shown)",
                 "sterk": "max mean per-question F0.5 of the sterk list, at or above mogelijk"}
                if method.criterion == "f-beta" else
                {"mogelijk": "max mean(Recall@10 positives, share of questions without an answer without match)",
                 "sterk": "max F1 against grade 2, at or above mogelijk"})
    return MatchModel(pair_model=pair, gate_model=gate, gate=t_g, mogelijk=t_m, sterk=t_s, model_id=model_id,
                      data_checksum=data_checksum(), pair_features=PAIR_FEATURES if method.two_stage else BASE_FEATURES,
                      info={"method": method.name, "questions": len(qs), "answerable": sum(not q.negative for q in qs),
                            "rows": rows, "positive_rows": pos,
                            "estimator": "sklearn LogisticRegression (C=1.0) on StandardScaler features",
                            "criteria": criteria})


# ---------------------------------------------------------------- applying and measuring

def shown(q: Question, p: np.ndarray | None, t: float | None, *, gate_ok: bool = True,
          beleid_as_context: bool = True) -> list[str]:
    """What a user sees as results, in ranking order: answers (beleid too if the question is
    about policy); with a threshold only the matches, and nothing when the gate says no."""
    if not gate_ok:
        return []
    ok = eligible(q, beleid_as_context)
    return [e for i, e in enumerate(q.ids) if ok[i] and (t is None or p[i] >= t)]


def apply(model: MatchModel, q: Question, *, beleid_as_context: bool = True) -> list[str]:
    p = model.pair_model(q.pair if model.pair_features == PAIR_FEATURES else q.base)
    g = float(model.gate_model(q.query)[0]) if model.gate_model else 1.0
    return shown(q, p, model.mogelijk, gate_ok=g >= model.gate, beleid_as_context=beleid_as_context)


def question_metrics(q: Question, ids: list[str]) -> dict:
    rel = [e for e, g in q.grades.items() if g == 2]
    top = ids[:TOP]
    types = dict(zip(q.ids, q.types))
    out = {"matched": bool(ids), "n": len(ids), "beleid_top5": [1.0 if types[e] == "beleid" else 0.0 for e in ids[:5]]}
    if rel:
        out["recall@10"] = len(set(rel) & set(top)) / len(rel)
        out["mrr"] = next((1 / (i + 1) for i, e in enumerate(top) if e in rel), 0.0)
        if top:
            out["precision"] = float(np.mean([q.grades.get(e, 0) >= 1 for e in top]))
    return out


def _mean(xs) -> float | None:
    return round(float(np.mean(xs)), 3) if len(xs) else None


def summarise(qs: list[Question], shown_ids: list[list[str]]) -> dict:
    """Recall@10, MRR, precision (share of the first 10 matches with grade >= 1), matches per
    question with an answer, and the share of questions without an answer that get none."""
    pos = [(q, s) for q, s in zip(qs, shown_ids) if not q.negative]
    neg = [(q, s) for q, s in zip(qs, shown_ids) if q.negative]
    m = [question_metrics(q, s) for q, s in pos]
    slots = [x for r in m for x in r["beleid_top5"]]
    return {"positives": len(pos), "negatives": len(neg),
            "recall@10": _mean([r["recall@10"] for r in m]), "mrr": _mean([r["mrr"] for r in m]),
            "positives_with_match": _mean([r["matched"] for r in m]),
            "precision": _mean([r["precision"] for r in m if "precision" in r]),
            "matches_per_question": _mean([r["n"] for r in m]),
            "negatives_without_match": _mean([not s for _, s in neg]),
            "beleid_share_top5": round(float(np.mean(slots)), 3) if slots else 0.0}


def per_set(qs: list[Question], shown_ids: list[list[str]]) -> dict:
    return {name: summarise([q for q in qs if q.set == name], [s for q, s in zip(qs, shown_ids) if q.set == name])
            for name in sorted({q.set for q in qs})}


def cross_validate(qs: list[Question], method: Method = TWO_STAGE, folds: int = 5, *,
                   beleid_as_context: bool = True) -> dict:
    """Grouped k-fold CV of the whole procedure (models and thresholds). Returns the
    out-of-fold decisions' metrics per set, calibration of the pair probability, the gate's
    AUC and the thresholds per fold."""
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import GroupKFold
    idx = np.arange(len(qs))
    oof_p: list[np.ndarray] = [np.zeros(0)] * len(qs)
    oof_g = np.ones(len(qs))
    shown_ids: list[list[str]] = [[] for _ in qs]
    thresholds = []
    for train, test in GroupKFold(n_splits=folds).split(idx, groups=[q.group for q in qs]):
        m = fit_model([qs[i] for i in train], "", method, beleid_as_context=beleid_as_context)
        thresholds.append([round(m.gate, 4), round(m.mogelijk, 4), round(m.sterk, 4)])
        for i in test:
            oof_p[i] = m.pair_model(qs[i].X(method))
            oof_g[i] = float(m.gate_model(qs[i].query)[0]) if m.gate_model else 1.0
            shown_ids[i] = shown(qs[i], oof_p[i], m.mogelijk, gate_ok=oof_g[i] >= m.gate,
                                 beleid_as_context=beleid_as_context)
    out = per_set(qs, shown_ids) | {"folds": folds, "thresholds_per_fold": thresholds,
                                    "calibration": calibration(qs, oof_p)}
    y = [0 if q.negative else 1 for q in qs]
    if method.two_stage and 0 < sum(y) < len(y):
        out["gate_auc"] = round(float(roc_auc_score(y, oof_g)), 3)
    out["gaps"] = gap_kinds(qs, shown_ids)
    return out


def gap_kinds(qs: list[Question], shown_ids: list[list[str]]) -> dict:
    """Share of questions without an answer that get no match, per kind."""
    out: dict[str, list[bool]] = {}
    for q, s in zip(qs, shown_ids):
        if q.negative:
            out.setdefault(q.kind or ("kennislacune" if q.set == "plans" else "?"), []).append(not s)
    return {k: {"n": len(v), "without_match": _mean(v)} for k, v in sorted(out.items())}


def calibration(qs: list[Question], ps: list[np.ndarray], bins: int = 5) -> dict:
    """Brier score and reliability of the pair probability on judged pairs (grade 1 left out):
    quantile bins and the top 2%, each with its mean confidence and its share of grade 2."""
    keep = [q.grade != 1 for q in qs]
    y = np.concatenate([(q.grade == 2)[k] for q, k in zip(qs, keep)]).astype(float)
    p = np.concatenate([p[k] for p, k in zip(ps, keep)])
    edges = np.quantile(p, np.linspace(0, 1, bins + 1))
    rows = []
    for a, b in zip(edges[:-1], edges[1:]):
        sel = (p >= a) & (p <= b)
        if sel.any():
            rows.append({"from": round(float(a), 3), "to": round(float(b), 3), "n": int(sel.sum()),
                         "mean_confidence": round(float(p[sel].mean()), 3), "share_grade2": round(float(y[sel].mean()), 3)})
    for share in (0.98, 0.995):
        top = p >= np.quantile(p, share)
        rows.append({"from": round(float(np.quantile(p, share)), 3), "to": 1.0, "n": int(top.sum()),
                     "mean_confidence": round(float(p[top].mean()), 3), "share_grade2": round(float(y[top].mean()), 3)})
    return {"brier": round(float(np.mean((p - y) ** 2)), 4), "bins": rows}


def evaluate(qs: list[Question], model: MatchModel | None, *, beleid_as_context: bool = True) -> dict:
    """Metrics per set with a fitted model (None: decision off, every candidate shown)."""
    if model is None:
        return per_set(qs, [shown(q, None, None, beleid_as_context=beleid_as_context) for q in qs])
    ids = [apply(model, q, beleid_as_context=beleid_as_context) for q in qs]
    return per_set(qs, ids) | {"gaps": gap_kinds(qs, ids)}


__all__ = ["ONE_STAGE", "QUERY_FEATURES", "TWO_STAGE", "Method", "Question", "collect", "cross_validate", "evaluate",
           "fit_model", "summarise"]
