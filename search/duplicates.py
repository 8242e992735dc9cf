"""Near-duplicates: is a proposed entry already in the knowledge base?

Three signals per (proposal, entry) pair, all shown to the curator:

    semantic   cosine similarity between the proposal's embedding (the same text the index
               embeds for an entry: title, themes, summary, start of the body) and the entry's
               own vector from the loaded index (entries are not encoded again);
    lexical    word overlap: cosine of tf-idf vectors of stemmed words (index.analysis), so
               that the names, places and numbers a practice shares with its copy count;
    title      rapidfuzz similarity of the accent-folded titles (0..1).

score = 0.4 x semantic + 0.4 x lexical + 0.2 x title; a proposal is a near-duplicate of its
best-scoring entry when score >= THRESHOLD. Calibrated on the corpus (numbers in
tests/search/test_duplicates.py and the report): re-imported entries score 1.0; reworded
copies of practices 0.62-0.73; new practices about the same subjects (stages, cameras at
night, lateral entrants) at most 0.52. The semantic signal alone does not separate these
(reworded copies 0.91-0.97 against new material up to 0.90): the multilingual model rates
every pair of Dutch care texts as fairly similar.
"""
from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
from rapidfuzz import fuzz

from index.analysis import analyze
from index.store import LoadedIndex, chunk_texts
from ingest.model import Draft, fold
from kb.models import Entry
from kb.proposals import Match
from kb.entries import entry_text

SEMANTIC_WEIGHT = 0.4
LEXICAL_WEIGHT = 0.4
TITLE_WEIGHT = 0.2
THRESHOLD = 0.57
CANDIDATES = 8           # entries compared on all signals: the best by meaning, by words and by title


def title_similarity(a: str, b: str) -> float:
    """0..1: word-order-insensitive similarity of two titles (accents and case ignored)."""
    a, b = fold(a or "").strip(), fold(b or "").strip()
    if not a or not b:
        return 0.0
    return fuzz.token_sort_ratio(a, b, processor=None) / 100.0


def combined(semantic: float, lexical: float, title: float) -> float:
    return SEMANTIC_WEIGHT * semantic + LEXICAL_WEIGHT * lexical + TITLE_WEIGHT * title


class _Tfidf:
    """tf-idf vectors (log tf, smoothed idf, L2-normalised) of stemmed words, with an
    inverted index so that a query touches only the entries sharing a word with it."""

    def __init__(self, texts: list[str]):
        counts = [Counter(analyze(t)) for t in texts]
        df = Counter(t for c in counts for t in c)
        n = len(texts)
        self.idf = {t: math.log((n + 1) / (d + 1)) + 1.0 for t, d in df.items()}
        self.default_idf = math.log(n + 1) + 1.0
        self.postings: dict[str, list[tuple[int, float]]] = {}
        for i, c in enumerate(counts):
            for t, w in self._vector(c).items():
                self.postings.setdefault(t, []).append((i, w))

    def _vector(self, c: Counter) -> dict[str, float]:
        v = {t: (1.0 + math.log(k)) * self.idf.get(t, self.default_idf) for t, k in c.items()}
        norm = math.sqrt(sum(x * x for x in v.values())) or 1.0
        return {t: x / norm for t, x in v.items()}

    def similarities(self, text: str, n: int) -> np.ndarray:
        out = np.zeros(n, dtype=np.float64)
        for t, w in self._vector(Counter(analyze(text))).items():
            for i, x in self.postings.get(t, ()):
                out[i] += w * x
        return out


@dataclass
class DuplicateFinder:
    """Scores drafts against the entries of a loaded index. Callable: drafts -> [Match | None]."""
    index: LoadedIndex
    entries: dict[str, Entry]
    encoder: object
    threshold: float = THRESHOLD
    _ids: list[str] = field(default_factory=list, init=False)
    _vectors: np.ndarray | None = field(default=None, init=False)
    _tfidf: _Tfidf | None = field(default=None, init=False)

    def __post_init__(self):
        positions = {}
        for pos, c in enumerate(self.index.chunks):
            if c.kind == "entry" and c.entry_id in self.entries and c.entry_id not in positions:
                positions[c.entry_id] = pos
        self._ids = sorted(positions)
        self._vectors = (self.index.vectors[[positions[e] for e in self._ids]]
                         if self._ids else np.zeros((0, self.index.manifest.dim), np.float32))
        self._titles = [self.entries[e].title for e in self._ids]
        self._known_texts = {c.text: pos for pos, c in enumerate(self.index.chunks) if c.kind == "entry"}

    def _lexical(self) -> _Tfidf:
        if self._tfidf is None:
            self._tfidf = _Tfidf([entry_text(self.entries[e]) for e in self._ids])
        return self._tfidf

    def embed(self, drafts: list[Draft]) -> np.ndarray:
        """The drafts' entry-level vectors. A text the index already holds (an entry imported
        again unchanged) reuses its stored vector; only new texts are encoded."""
        texts = [chunk_texts(d)[0][1] for d in drafts]
        out = np.zeros((len(texts), self.index.manifest.dim), dtype=np.float32)
        todo = []
        for i, t in enumerate(texts):
            pos = self._known_texts.get(t)
            if pos is None:
                todo.append(i)
            else:
                out[i] = self.index.vectors[pos]
        if todo:
            out[todo] = np.asarray(self.encoder.encode_passages([texts[i] for i in todo], batch_size=16),
                                   dtype=np.float32)
        return out

    def __call__(self, drafts: list[Draft]) -> list[Match | None]:
        if not drafts:
            return []
        if not self._ids:
            return [None] * len(drafts)
        sims = self.embed(drafts) @ self._vectors.T          # normalised vectors: cosine
        tfidf = self._lexical()
        out: list[Match | None] = []
        for i, d in enumerate(drafts):
            lex = tfidf.similarities(entry_text(d), len(self._ids))
            tsim = np.array([title_similarity(d.title, t) for t in self._titles])
            cands = dict.fromkeys([*np.argsort(-sims[i])[:CANDIDATES].tolist(),
                                   *np.argsort(-lex)[:CANDIDATES].tolist(),
                                   *np.argsort(-tsim)[:CANDIDATES].tolist()])
            best = None
            for j in cands:
                s, x, t = float(sims[i, j]), float(min(lex[j], 1.0)), float(tsim[j])
                m = Match(self._ids[j], round(s, 4), round(x, 4), round(t, 4), round(combined(s, x, t), 4), False)
                if best is None or (m.score, m.semantic) > (best.score, best.semantic):
                    best = m
            best.is_duplicate = best.score >= self.threshold
            out.append(best)
        return out


def finder_for(searcher) -> DuplicateFinder:
    """A finder over what a Searcher serves: its index, entries and encoder."""
    return DuplicateFinder(searcher.index, searcher.entries, searcher.encoder)
