"""The calibrated match decision: does the knowledge base answer this question, and which
entries are direct answers?

Two stages, both logistic regressions on signals the ranking already has:

1. the gate: P(answerable), the probability that the knowledge base holds a direct answer to
   the question at all, from QUERY_FEATURES (how well the best answers fit by meaning and by
   words, how many of the question's words the knowledge base knows, how much the best answer
   stands out, how on-topic the question is for the knowledge base as a whole, its length);
2. the pair probability: P(direct answer) for each candidate (grade 2 in corpus/bench: a
   project leader would take it to the regional table as a possible action), from
   PAIR_FEATURES (the candidate's own signals, the question's, and the candidate's relative
   to the best answer).

An entry is a match when the gate is at least `gate` and its pair probability at least
`mogelijk` ("sterk" from `sterk` up). The confidence shown to a user is the calibrated pair
probability: the estimated chance that the entry is a direct answer. Coefficients and
thresholds are fitted by search/calibrate.py (run by `praktijkwijzer bench`; the criteria are
stated there) and stored in corpus/match_model.json with the checksum of the labelled data and
the id of the language model they were fitted with. Nothing here is hand-set: without a model
file for the loaded language model there is no decision.

The decision is a function of (question, entry) only: it is computed on the unfiltered
candidate pool, so a filter selects results but never changes a confidence (search/engine.py).
"""
from __future__ import annotations

import json
import math
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from kb.models import Entry
from kb.registry import CORPUS_DIR
from search.query import whole_word_stems
from search.ranking import Stats

MODEL_PATH = CORPUS_DIR / "match_model.json"
ANSWER_TYPES = ("praktijk", "advies", "bouwsteen")      # `beleid` is context, never a direct answer
FORMAT = 2                                               # version of the model file

# The candidate's own signals (the first decision's features, kept for the one-stage baseline).
BASE_FEATURES = ("passage_cos", "entry_cos", "dense_z", "lexical_z", "word_share", "title_share", "themes",
                 "branches", "top_passage", "dense_gap", "query_known", "log_rank")
# The question's signals, over the answer candidates (praktijk, advies, bouwsteen) of the
# unfiltered pool.
QUERY_FEATURES = ("best_passage_cos", "best_entry_cos", "best_word_share", "query_known", "best_title_share",
                  "peak", "mean_entry_cos", "log_words")
# The candidate relative to the best answer.
RELATIVE_FEATURES = ("passage_vs_best", "entry_vs_best", "share_vs_best")
PAIR_FEATURES = BASE_FEATURES + QUERY_FEATURES + RELATIVE_FEATURES


@dataclass
class WordStats:
    """Whole-word stems per entry, their document frequencies (for word-share features) and
    which entries are answers (not `beleid`)."""
    stems: dict[str, frozenset[str]]
    titles: dict[str, frozenset[str]]
    df: Counter
    n: int
    answers: frozenset[str] = frozenset()

    @classmethod
    def of(cls, entries: dict[str, Entry]) -> "WordStats":
        stems, titles, df = {}, {}, Counter()
        for e in entries.values():
            s = frozenset(whole_word_stems(" ".join([e.title, e.summary or "", e.body or ""])))
            stems[e.id] = s
            titles[e.id] = frozenset(whole_word_stems(e.title))
            df.update(s)
        answers = frozenset(e.id for e in entries.values() if e.type in ANSWER_TYPES)
        return cls(stems, titles, df, max(len(entries), 1), answers)

    def idf(self, stem: str) -> float:
        return math.log((self.n + 1) / (self.df.get(stem, 0) + 1)) + 1.0


def base_features(cands, query_stems: frozenset[str], stats: Stats, words: WordStats) -> np.ndarray:
    """One row of BASE_FEATURES per candidate (hybrid rankings only)."""
    q = sorted(query_stems)
    weights = np.array([words.idf(s) for s in q]) if q else np.zeros(0)
    total = float(weights.sum()) or 1.0
    known = float(sum(w for s, w in zip(q, weights) if words.df.get(s))) / total if q else 0.0
    rows = []
    d_sd = stats.dense_sd or 1.0
    l_sd = stats.lexical_sd or 1.0
    for c in cands:
        es = words.stems.get(c.id, frozenset())
        ts = words.titles.get(c.id, frozenset())
        share = float(sum(w for s, w in zip(q, weights) if s in es)) / total if q else 0.0
        tshare = float(sum(w for s, w in zip(q, weights) if s in ts)) / total if q else 0.0
        dense = c.dense or 0.0
        rows.append([c.passage_cos or 0.0, c.entry_cos or 0.0, (dense - stats.dense_mean) / d_sd,
                     ((c.lexical or 0.0) - stats.lexical_mean) / l_sd, share, tshare, len(c.themes),
                     len(c.branches), stats.top_passage, stats.top_dense - dense, known, math.log(c.rank or 1)])
    return np.array(rows, dtype=np.float64).reshape(len(rows), len(BASE_FEATURES))


def query_features(cands, base: np.ndarray, n_words: int, words: WordStats) -> np.ndarray:
    """QUERY_FEATURES of one question from its unfiltered candidates and their BASE_FEATURES."""
    if not len(base):
        return np.zeros(len(QUERY_FEATURES))
    ans = np.array([c.id in words.answers for c in cands])
    a = base[ans] if ans.any() else base
    passages = np.sort(a[:, 0])[::-1]
    peak = float(passages[0] - passages[1:6].mean()) if len(passages) > 1 else 0.0
    return np.array([a[:, 0].max(), a[:, 1].max(), a[:, 4].max(), base[0, 10], a[:, 5].max(), peak,
                     base[:, 1].mean(), math.log(1 + n_words)], dtype=np.float64)


def pair_features(base: np.ndarray, qf: np.ndarray) -> np.ndarray:
    """PAIR_FEATURES: each candidate's BASE_FEATURES, the question's QUERY_FEATURES and the
    candidate's passage cosine, entry cosine and word share relative to the best answer's."""
    if not len(base):
        return np.zeros((0, len(PAIR_FEATURES)))
    rel = np.c_[base[:, 0] - qf[0], base[:, 1] - qf[1], base[:, 4] - qf[2]]
    return np.hstack([base, np.tile(qf, (len(base), 1)), rel])


@dataclass
class Signals:
    """Everything the decision reads about one unfiltered ranking."""
    base: np.ndarray        # candidates x BASE_FEATURES
    query: np.ndarray       # QUERY_FEATURES
    pair: np.ndarray        # candidates x PAIR_FEATURES


def signals(cands, query, stats: Stats, words: WordStats) -> Signals:
    """The decision's features of a ranking's candidates (`query` is the analysed search.query.Query)."""
    base = base_features(cands, query.highlight_stems, stats, words)
    qf = query_features(cands, base, len(query.words), words)
    return Signals(base, qf, pair_features(base, qf))


@dataclass
class Logistic:
    """A fitted logistic regression on standardised features."""
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float

    def __call__(self, X: np.ndarray) -> np.ndarray:
        X = np.atleast_2d(X)
        if not X.size:
            return np.zeros(0)
        z = ((X - self.mean) / self.scale) @ self.coef + self.intercept
        return 1.0 / (1.0 + np.exp(-z))

    @classmethod
    def of(cls, scaler, lr) -> "Logistic":
        return cls(np.asarray(scaler.mean_, dtype=np.float64), np.asarray(scaler.scale_, dtype=np.float64),
                   np.asarray(lr.coef_[0], dtype=np.float64), float(lr.intercept_[0]))

    def to_json(self, names) -> dict:
        return {"features": list(names), "mean": [round(float(x), 8) for x in self.mean],
                "scale": [round(float(x), 8) for x in self.scale], "coef": [round(float(x), 8) for x in self.coef],
                "intercept": round(float(self.intercept), 8)}

    @classmethod
    def from_json(cls, d: dict) -> "Logistic":
        return cls(np.array(d["mean"], dtype=np.float64), np.array(d["scale"], dtype=np.float64),
                   np.array(d["coef"], dtype=np.float64), float(d["intercept"]))


@dataclass
class Decision:
    """The decision on one question: the gate, each candidate's confidence and label."""
    answerable: float                   # P(the knowledge base holds a direct answer)
    confidence: np.ndarray              # per candidate: P(direct answer)
    labels: list[str | None]            # per candidate: "sterk" | "mogelijk" | None


@dataclass
class MatchModel:
    """The two-stage decision: gate and pair model with their fitted thresholds. Without a
    gate (`gate_model` None) it is a one-stage decision on `pair_model` alone (the first
    decision, kept for measuring against)."""
    pair_model: Logistic
    gate_model: Logistic | None
    gate: float
    mogelijk: float
    sterk: float
    model_id: str
    data_checksum: str
    pair_features: tuple[str, ...] = PAIR_FEATURES
    info: dict = field(default_factory=dict)

    def features_of(self, s: Signals) -> np.ndarray:
        return s.pair if self.pair_features == PAIR_FEATURES else s.base

    def answerable(self, s: Signals) -> float:
        return float(self.gate_model(s.query)[0]) if self.gate_model is not None else 1.0

    def decide(self, s: Signals) -> Decision:
        g = self.answerable(s)
        p = self.pair_model(self.features_of(s)) if len(s.base) else np.zeros(0)
        return Decision(g, p, [self.label(g, float(x)) for x in p])

    def label(self, answerable: float, p: float) -> str | None:
        if answerable < self.gate or p < self.mogelijk:
            return None
        return "sterk" if p >= self.sterk else "mogelijk"

    def to_json(self) -> dict:
        return {"format": FORMAT, "model_id": self.model_id, "data_checksum": self.data_checksum,
                "thresholds": {"gate": round(self.gate, 6), "mogelijk": round(self.mogelijk, 6),
                               "sterk": round(self.sterk, 6)},
                "gate_model": self.gate_model.to_json(QUERY_FEATURES) if self.gate_model else None,
                "pair_model": self.pair_model.to_json(self.pair_features), "info": self.info}

    @classmethod
    def from_json(cls, d: dict) -> "MatchModel":
        t = d["thresholds"]
        if d.get("gate_model") and tuple(d["gate_model"]["features"]) != QUERY_FEATURES:
            raise ValueError("gate features differ")
        return cls(pair_model=Logistic.from_json(d["pair_model"]),
                   gate_model=Logistic.from_json(d["gate_model"]) if d.get("gate_model") else None,
                   gate=float(t["gate"]), mogelijk=float(t["mogelijk"]), sterk=float(t["sterk"]),
                   model_id=d["model_id"], data_checksum=d["data_checksum"],
                   pair_features=tuple(d["pair_model"]["features"]), info=d.get("info", {}))

    def save(self, path: Path = MODEL_PATH) -> None:
        tmp = Path(str(path) + ".tmp")
        tmp.write_text(json.dumps(self.to_json(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        tmp.replace(path)


def load_model(model_id: str, path: Path = MODEL_PATH) -> MatchModel | None:
    """The stored model if it was fitted with this language model and these features."""
    try:
        d = json.loads(Path(path).read_text(encoding="utf-8"))
        if d.get("format") != FORMAT:
            return None
        m = MatchModel.from_json(d)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if m.model_id != model_id or m.pair_features not in (PAIR_FEATURES, BASE_FEATURES):
        return None
    return m


__all__ = ["ANSWER_TYPES", "BASE_FEATURES", "PAIR_FEATURES", "QUERY_FEATURES", "Decision", "Logistic",
           "MatchModel", "Signals", "WordStats", "load_model", "signals"]
