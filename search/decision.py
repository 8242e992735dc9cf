"""The calibrated match decision: does this entry answer this question?

From signals the ranking already has (dense similarity of the best passage and of the entry,
BM25, the share of the question's words the entry contains, title overlap, shared themes
and branches, and how on-topic the question is for the knowledge base as a whole) a
logistic regression gives the probability that a project leader would call the entry a
direct answer (grade 2 in corpus/bench). Two thresholds map it to "sterk" / "mogelijk" /
no match. Coefficients and thresholds are fitted by search/calibrate.py (run by
`praktijkwijzer bench`) and stored in corpus/match_model.json with the checksum of the
labelled data and the id of the language model they were fitted with. Nothing here is
hand-set: without a model file for the loaded language model there is no decision.
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
from search.ranking import Candidate, Stats

MODEL_PATH = CORPUS_DIR / "match_model.json"
FEATURES = ("passage_cos", "entry_cos", "dense_z", "lexical_z", "word_share", "title_share", "themes",
            "branches", "top_passage", "dense_gap", "query_known", "log_rank")


@dataclass
class WordStats:
    """Whole-word stems per entry and their document frequencies (for word-share features)."""
    stems: dict[str, frozenset[str]]
    titles: dict[str, frozenset[str]]
    df: Counter
    n: int

    @classmethod
    def of(cls, entries: dict[str, Entry]) -> "WordStats":
        stems, titles, df = {}, {}, Counter()
        for e in entries.values():
            s = frozenset(whole_word_stems(" ".join([e.title, e.summary or "", e.body or ""])))
            stems[e.id] = s
            titles[e.id] = frozenset(whole_word_stems(e.title))
            df.update(s)
        return cls(stems, titles, df, max(len(entries), 1))

    def idf(self, stem: str) -> float:
        return math.log((self.n + 1) / (self.df.get(stem, 0) + 1)) + 1.0


def features(cands: list[Candidate] | tuple[Candidate, ...], query_stems: frozenset[str], stats: Stats,
             words: WordStats) -> np.ndarray:
    """One row of FEATURES per candidate (hybrid rankings only)."""
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
    return np.array(rows, dtype=np.float64).reshape(len(rows), len(FEATURES))


@dataclass
class MatchModel:
    """Logistic regression on standardised FEATURES plus the two fitted thresholds."""
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    sterk: float
    mogelijk: float
    model_id: str
    data_checksum: str
    features: tuple[str, ...] = FEATURES
    info: dict = field(default_factory=dict)

    def confidence(self, X: np.ndarray) -> np.ndarray:
        if not len(X):
            return np.zeros(0)
        z = ((X - self.mean) / self.scale) @ self.coef + self.intercept
        return 1.0 / (1.0 + np.exp(-z))

    def decide(self, p: float) -> str | None:
        if p >= self.sterk:
            return "sterk"
        if p >= self.mogelijk:
            return "mogelijk"
        return None

    def to_json(self) -> dict:
        return {"model_id": self.model_id, "data_checksum": self.data_checksum, "features": list(self.features),
                "mean": [round(float(x), 8) for x in self.mean], "scale": [round(float(x), 8) for x in self.scale],
                "coef": [round(float(x), 8) for x in self.coef], "intercept": round(float(self.intercept), 8),
                "thresholds": {"sterk": round(self.sterk, 6), "mogelijk": round(self.mogelijk, 6)}, "info": self.info}

    @classmethod
    def from_json(cls, d: dict) -> "MatchModel":
        return cls(mean=np.array(d["mean"]), scale=np.array(d["scale"]), coef=np.array(d["coef"]),
                   intercept=float(d["intercept"]), sterk=float(d["thresholds"]["sterk"]),
                   mogelijk=float(d["thresholds"]["mogelijk"]), model_id=d["model_id"],
                   data_checksum=d["data_checksum"], features=tuple(d["features"]), info=d.get("info", {}))

    def save(self, path: Path = MODEL_PATH) -> None:
        tmp = Path(str(path) + ".tmp")
        tmp.write_text(json.dumps(self.to_json(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        tmp.replace(path)


def load_model(model_id: str, path: Path = MODEL_PATH) -> MatchModel | None:
    """The stored model if it was fitted with this language model and these FEATURES."""
    try:
        m = MatchModel.from_json(json.loads(Path(path).read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError):
        return None
    if m.model_id != model_id or m.features != FEATURES:
        return None
    return m
