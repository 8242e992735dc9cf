"""Retrieval and fusion: one query vector and one filter mask -> an ordered `Ranking`.

    dense (FAISS, multilingual sentence embeddings)  --\\
                                                         >-- fusion of z-scored scores per entry
    lexical (BM25 over Dutch stems and compound      --/     + boost for shared themes/branches
             parts, typo-tolerant)

Everything here is a pure function of its arguments (the loaded index, the entries, the
query): no state is kept between calls, so rankings can be computed from many threads.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import faiss
import numpy as np

from index.store import LoadedIndex
from kb.models import Entry
from search.explain import Evidence
from search.query import Query

CANDIDATES = 100          # entries taken from each retriever before fusion
# Fusion, tuned on corpus/bench/devset.yaml (see README, "Benchmark"): z-scored dense and
# lexical scores, the entry's own vector counting beside its best passage, and a boost for
# each theme/branch the question and the entry share.
DENSE_WEIGHT = 0.8
LEXICAL_WEIGHT = 0.2
ENTRY_VECTOR_WEIGHT = 1.0
THEME_BOOST = 1.2
BRANCH_BOOST = 0.3


@dataclass(frozen=True)
class Candidate:
    """One entry in a ranking, with the signals it was ranked on."""
    id: str
    score: float                     # fused score (comparable within one ranking only)
    relevance: float                 # 0..1 within this ranking (1 = best)
    dense: float | None              # best passage cosine + entry-vector cosine
    dense_chunk: int | None
    lexical: float | None            # BM25 of the best chunk
    lexical_chunk: int | None
    dense_rank: int | None           # 1-based rank among dense scores
    lexical_rank: int | None         # 1-based rank among positive BM25 scores
    themes: tuple[str, ...] = ()     # themes/branches the question and the entry share
    branches: tuple[str, ...] = ()
    passage_cos: float | None = None # cosine of the best chunk
    entry_cos: float | None = None   # cosine of the entry's own vector
    rank: int = 0                    # 1-based position in this ranking
    confidence: float | None = None  # calibrated probability that the entry answers the question
    match: str | None = None         # "sterk" | "mogelijk" | None (no match); None also without a model

    @property
    def chunk(self) -> int | None:
        """The passage to explain: the lexical one when words matched and ranked better."""
        if self.lexical_chunk is not None and (self.dense_chunk is None
                                               or (self.lexical_rank or 999) < (self.dense_rank or 999)):
            return self.lexical_chunk
        return self.dense_chunk

    def evidence(self) -> Evidence:
        return Evidence(chunk=self.chunk, themes=list(self.themes), branches=list(self.branches))


@dataclass(frozen=True)
class Stats:
    """Score distribution of a query's unfiltered candidate pool: z-scores (and so fused
    scores and confidences) of an entry do not depend on the filters a user sets."""
    dense_mean: float = 0.0
    dense_sd: float = 1.0
    lexical_mean: float = 0.0
    lexical_sd: float = 1.0
    top_dense: float = 0.0
    top_passage: float = 0.0
    pool: int = 0


@dataclass(frozen=True)
class Ranking:
    """Every candidate of one (query, filters, mode), best first. `total`, facet counts and
    paging all read this one object; only the page that is shown gets explained."""
    query: Query
    mode: str
    candidates: tuple[Candidate, ...]
    stats: Stats = Stats()
    decided: bool = False               # candidates carry a calibrated match decision
    answerable: float | None = None     # the decision's gate: P(the knowledge base answers the question)
    by_id: dict[str, Candidate] = field(default_factory=dict, compare=False)

    def __post_init__(self):
        if not self.by_id:
            object.__setattr__(self, "by_id", {c.id: c for c in self.candidates})

    @property
    def total(self) -> int:
        return len(self.candidates)

    @property
    def ids(self) -> list[str]:
        return [c.id for c in self.candidates]


@dataclass
class IndexView:
    """Per-index lookups a ranking needs (built once per Searcher)."""
    index: LoadedIndex
    chunk_entry: np.ndarray            # chunk position -> entry id (object array)
    entry_chunk0: dict[str, int]       # entry id -> position of its entry-level vector

    @classmethod
    def of(cls, index: LoadedIndex) -> "IndexView":
        chunk_entry = np.array([c.entry_id for c in index.chunks], dtype=object)
        chunk0 = {c.entry_id: pos for pos, c in enumerate(index.chunks) if c.kind == "entry"}
        return cls(index, chunk_entry, chunk0)

    # ------------------------------------------------------------ dense

    def dense_candidates(self, qv: np.ndarray, allowed: np.ndarray, n: int = CANDIDATES) -> list[str]:
        """The first `n` allowed entries by their nearest chunk (one FAISS query)."""
        if not allowed.any():
            return []
        idx = self.index
        k = int(min(len(allowed), max(n * 4, 50)))
        if allowed.all():
            _, ids = idx.faiss_index.search(qv[None, :], k)
        elif idx.manifest.index_type == "flat":
            # exact search over a small index: score all, keep the allowed (cheaper than a selector)
            _, ids = idx.faiss_index.search(qv[None, :], len(allowed))
            ids = ids[:, allowed[ids[0]]][:, :k]
        else:
            sel = faiss.IDSelectorBatch(np.flatnonzero(allowed).astype(np.int64))
            _, ids = idx.faiss_index.search(qv[None, :], k, params=faiss.SearchParametersHNSW(sel=sel))
        cands: list[str] = []
        seen: set[str] = set()
        for i in ids[0]:
            if i >= 0:
                eid = self.chunk_entry[i]
                if eid not in seen:
                    seen.add(eid)
                    cands.append(eid)
                    if len(cands) == n:
                        break
        return cands

    def dense_score(self, eid: str, qv: np.ndarray) -> tuple[float, int, float, float]:
        """(best chunk's cosine + ENTRY_VECTOR_WEIGHT x the entry vector's cosine, best chunk,
        best chunk's cosine, entry vector's cosine)."""
        positions = self.index.by_entry.get(eid, [])
        if not positions:
            return (0.0, -1, 0.0, 0.0)
        sims = self.index.vectors[positions] @ qv
        best = int(np.argmax(sims))
        own = float(sims[positions.index(self.entry_chunk0[eid])]) if eid in self.entry_chunk0 else 0.0
        return (float(sims[best]) + ENTRY_VECTOR_WEIGHT * own, positions[best], float(sims[best]), own)

    # ------------------------------------------------------------ lexical

    def bm25_scores(self, terms: list[str] | tuple[str, ...], vocab: set[str]) -> np.ndarray | None:
        known = [t for t in terms if t in vocab]
        if not known:
            return None
        return self.index.bm25.get_scores(known)

    def lexical(self, scores: np.ndarray | None, allowed: np.ndarray, n: int = CANDIDATES
                ) -> tuple[dict[str, tuple[float, int]], np.ndarray | None]:
        """BM25 over chunks -> ({entry: (best chunk score, best chunk)} for the top entries,
        the allowed chunks' scores)."""
        if scores is None or not allowed.any():
            return {}, None
        scores = np.where(allowed, scores, 0.0)
        out: dict[str, tuple[float, int]] = {}
        for i in np.argsort(-scores):
            if scores[i] <= 0 or len(out) == n:
                break
            eid = self.chunk_entry[i]
            if eid not in out:
                out[eid] = (float(scores[i]), int(i))
        return out, scores


def fuse(view: IndexView, entries: dict[str, Entry], query: Query, qv: np.ndarray | None,
         allowed: np.ndarray, bm25: np.ndarray | None, mode: str, stats: Stats | None = None) -> Ranking:
    """Retrieve and fuse: the whole ranking for one query (see module docstring). With
    `stats` (those of the unfiltered pool) scores are normalised like in that pool."""
    dense: dict[str, tuple] = {}
    if mode in ("hybrid", "dense"):
        dense = {eid: view.dense_score(eid, qv) for eid in view.dense_candidates(qv, allowed)}
    lex, lex_scores = view.lexical(bm25, allowed) if mode in ("hybrid", "lexical") else ({}, None)
    cands = list(dict.fromkeys(list(dense) + list(lex)))
    if mode == "hybrid":
        for eid in cands:           # every candidate gets both scores, so they can be fused
            if eid not in dense:
                dense[eid] = view.dense_score(eid, qv)
            if eid not in lex:
                positions = view.index.by_entry.get(eid, [])
                bm = lex_scores[positions] if lex_scores is not None and positions else np.zeros(1)
                lex[eid] = (float(bm.max()), positions[int(np.argmax(bm))] if positions else -1)
        if stats is None:
            stats = _stats(dense, lex, cands)
        dz = _z(dense, cands, stats.dense_mean, stats.dense_sd)
        lz = _z(lex, cands, stats.lexical_mean, stats.lexical_sd)
        fused = {e: DENSE_WEIGHT * dz[e] + LEXICAL_WEIGHT * lz[e]
                 + THEME_BOOST * len(query.themes & set(entries[e].themes))
                 + BRANCH_BOOST * len(query.branches & set(entries[e].branches)) for e in cands}
    else:
        fused = {e: (dense or lex)[e][0] for e in cands}
    order = sorted(fused, key=lambda e: (-fused[e], e))
    d_pos = {e: i + 1 for i, e in enumerate(sorted(dense, key=lambda e: -dense[e][0]))}
    l_pos = {e: i + 1 for i, e in enumerate(e for e in sorted(lex, key=lambda e: -lex[e][0]) if lex[e][0] > 0)}
    lo = min(fused.values()) if fused else 0.0
    span = (fused[order[0]] - lo) if order and fused[order[0]] > lo else 1.0
    out = []
    for eid in order:
        e = entries[eid]
        d, lx = dense.get(eid), lex.get(eid)
        lexical_ok = lx is not None and lx[0] > 0
        out.append(Candidate(
            id=eid, score=round(fused[eid], 6), relevance=round((fused[eid] - lo) / span, 4),
            dense=d[0] if d else None, dense_chunk=d[1] if d else None,
            lexical=lx[0] if lx else None, lexical_chunk=lx[1] if lexical_ok else None,
            dense_rank=d_pos.get(eid), lexical_rank=l_pos.get(eid),
            themes=tuple(t for t in e.themes if t in query.themes),
            branches=tuple(b for b in e.branches if b in query.branches),
            passage_cos=d[2] if d else None, entry_cos=d[3] if d else None, rank=len(out) + 1))
    return Ranking(query=query, mode=mode, candidates=tuple(out), stats=stats or Stats())


def _stats(dense: dict, lex: dict, keys: list[str]) -> Stats:
    if len(keys) < 2:
        return Stats(0.0, 0.0, 0.0, 0.0, max((dense[k][0] for k in keys), default=0.0),
                     max((dense[k][2] for k in keys), default=0.0), len(keys))
    d = np.array([dense[k][0] for k in keys], dtype=np.float64)
    lx = np.array([lex[k][0] for k in keys], dtype=np.float64)
    return Stats(float(d.mean()), float(d.std()), float(lx.mean()), float(lx.std()), float(d.max()),
                 float(max(dense[k][2] for k in keys)), len(keys))


def _z(scores: dict, keys: list[str], mean: float, sd: float) -> dict[str, float]:
    """z-scores against a pool's mean and sd (0 for a pool of fewer than two)."""
    if not sd:
        return {k: 0.0 for k in keys}
    return {k: float((scores[k][0] - mean) / sd) for k in keys}


def mmr(view: IndexView, order: list[str], fused: dict, lam: float, k: int) -> list[str]:
    """Maximal marginal relevance over entry vectors: relevance vs. similarity to what is
    already chosen. `lam` = weight of diversity (0 = plain ranking). Both are rescaled to
    0..1 within the candidate pool: this model's cosines all lie close together."""
    pool = [e for e in order[: max(k * 3, 30)] if e in view.entry_chunk0]
    if len(pool) < 2:
        return order
    vecs = view.index.vectors[[view.entry_chunk0[e] for e in pool]]
    sims = vecs @ vecs.T
    off = sims[~np.eye(len(pool), dtype=bool)]
    sims = (sims - off.min()) / ((off.max() - off.min()) or 1.0)
    rel = np.array([fused[e] for e in pool])
    rel = (rel - rel.min()) / ((rel.max() - rel.min()) or 1.0)
    chosen = [0]
    rest = list(range(1, len(pool)))
    while rest and len(chosen) < k:
        gains = [(1 - lam) * rel[i] - lam * sims[i, chosen].max() for i in rest]
        best = rest[int(np.argmax(gains))]
        chosen.append(best)
        rest.remove(best)
    picked = [pool[i] for i in chosen]
    picked_set = set(picked)
    return picked + [e for e in order if e not in picked_set]
