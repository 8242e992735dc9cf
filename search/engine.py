"""Hybrid search: a regional project leader's problem -> ranked, explained entries.

    dense (FAISS, multilingual sentence embeddings)  --\\
                                                         >-- fusion of z-scored scores per entry
    lexical (BM25 over Dutch stems and compound      --/     + boost for shared themes/branches
             parts, typo-tolerant)                            -> optional MMR diversity
                                                              -> explanation per result
"""
from __future__ import annotations

import re
import sqlite3
import time
import unicodedata
from dataclasses import asdict, dataclass, field

import faiss
import numpy as np
from rapidfuzz import fuzz, process

from index.analysis import analyze, word_spans
from index.store import LoadedIndex
from ingest.nlp import classify
from kb.models import Entry
from kb.registry import Registry, load_registry
from kb.documents import get_document
from kb.entries import list_entries

MAX_QUERY_CHARS = 1000
CANDIDATES = 100          # entries taken from each retriever before fusion
# Fusion, tuned on corpus/bench/devset.yaml (see README, "Benchmark"): z-scored dense and
# lexical scores, the entry's own vector counting beside its best passage, and a boost for
# each theme/branch the question and the entry share.
DENSE_WEIGHT = 0.8
LEXICAL_WEIGHT = 0.2
ENTRY_VECTOR_WEIGHT = 1.0
THEME_BOOST = 1.2
BRANCH_BOOST = 0.3


class QueryError(ValueError):
    """A query that cannot be searched; the message is Dutch and meant for the user."""


@dataclass
class Filters:
    type: str | None = None
    label: str | None = None
    actielijn: str | None = None
    thema: str | None = None
    branche: str | None = None
    regio: str | None = None
    status: str | None = "gepubliceerd"

    def accepts(self, e: Entry) -> bool:
        return ((not self.type or e.type == self.type)
                and (not self.label or (e.label or "").lower() == self.label.lower())
                and (not self.actielijn or self.actielijn in e.actielijnen)
                and (not self.thema or self.thema in e.themes)
                and (not self.branche or self.branche in e.branches)
                and (not self.regio or self.regio in e.regions)
                and (not self.status or e.status == self.status))


@dataclass
class Result:
    id: str
    type: str
    label: str | None
    title: str
    summary: str
    score: float
    relevance: float            # 0..1 within this result list (1 = best)
    regions: list[str]
    themes: list[str]
    actielijnen: list[str]
    branches: list[str]
    explanation: dict
    source: dict

    def to_dict(self) -> dict:
        return asdict(self)


def normalize_query(query: str) -> str:
    if query is None:
        query = ""
    query = unicodedata.normalize("NFC", str(query))
    query = "".join(ch for ch in query if ch.isprintable() or ch in "\n\t")
    return re.sub(r"\s+", " ", query).strip()


def check_query(query: str) -> str:
    q = normalize_query(query)
    if not q:
        raise QueryError("Vul een knelpunt of zoekvraag in, bijvoorbeeld: te weinig stageplekken in de wijkverpleging.")
    if len(q) > MAX_QUERY_CHARS:
        raise QueryError(
            f"Uw zoekvraag is te lang ({len(q):,} tekens; de grens is {MAX_QUERY_CHARS:,}). ".replace(",", ".")
            + "Beschrijf één knelpunt, of gebruik 'Plan toetsen' voor een heel plan.")
    if not re.search(r"\w", q):
        raise QueryError("De zoekvraag bevat geen woorden. Beschrijf uw knelpunt in een paar woorden.")
    return q


_SENT = re.compile(r"(?<=[.!?])\s+(?=[A-Z“‘\"(0-9])|\n+")


def split_sentences(text: str) -> list[str]:
    return [s.strip().lstrip("• ").strip() for s in _SENT.split(text) if s.strip()]


@dataclass
class Searcher:
    conn: sqlite3.Connection
    index: LoadedIndex
    encoder: object
    registry: Registry = field(default_factory=load_registry)
    entries: dict[str, Entry] = field(default_factory=dict)
    citations: dict[str, dict] = field(default_factory=dict)

    def __post_init__(self):
        # One query at a time: FAISS's OpenMP threads only add overhead here (measured: plan
        # matching 4x slower with 2 threads on a busy 2-core machine).
        faiss.omp_set_num_threads(1)
        self.refresh_entries()
        self.encoder.encode_queries(["opwarmen"])     # first call pays one-off start-up costs

    def refresh_entries(self) -> None:
        self.__dict__.pop("_termcache", None)         # typo corrections depend on the vocabulary
        self.entries = {e.id: e for e in list_entries(self.conn)}
        titles: dict[str, str] = {}
        self.citations = {}
        for e in self.entries.values():
            srcs = []
            for s in e.sources:
                if s.document_id not in titles:
                    doc = get_document(self.conn, s.document_id)
                    titles[s.document_id] = doc.title if doc else s.document_id
                srcs.append({"document": s.document_id, "document_title": titles[s.document_id],
                             "heading": s.heading, "start": s.start, "end": s.end})
            self.citations[e.id] = {**(srcs[0] if srcs else {}), "all": srcs}
        self._chunk_entry = np.array([c.entry_id for c in self.index.chunks], dtype=object)
        self._entry_chunk0 = {}
        for pos, c in enumerate(self.index.chunks):
            if c.kind == "entry":
                self._entry_chunk0[c.entry_id] = pos
        self._vocab = list(self.index.bm25.vocab_dict.keys())
        self._vocab_set = set(self._vocab)

    def encode_query(self, q: str) -> np.ndarray:
        """The query's vector; the last few are kept, because plan matching and paging search
        the same text several times (with other filters or offsets)."""
        cache = self.__dict__.setdefault("_qcache", {})
        if q not in cache:
            if len(cache) >= 256:
                cache.pop(next(iter(cache)))
            cache[q] = np.asarray(self.encoder.encode_queries([q]), dtype=np.float32)[0]
        return cache[q]

    def clear_caches(self) -> None:
        """Forget cached query vectors, terms and themes (for measuring cold queries)."""
        for name in ("_qcache", "_taxcache", "_termcache"):
            self.__dict__.pop(name, None)

    # ------------------------------------------------------------ retrieval

    def query_taxonomy(self, q: str) -> tuple[set[str], set[str]]:
        """Themes and branches the query is about (by their keywords)."""
        cache = self.__dict__.setdefault("_taxcache", {})
        if q not in cache:
            if len(cache) >= 256:
                cache.pop(next(iter(cache)))
            cache[q] = (set(classify(q, self.registry.themes, min_hits=1, limit=5)),
                        set(classify(q, self.registry.branches, min_hits=1, limit=3)))
        return cache[q]

    def query_terms(self, q: str) -> tuple[list[str], dict[str, str]]:
        """Analysed query terms plus typo corrections {typed: corrected} from the index vocabulary."""
        cache = self.__dict__.setdefault("_termcache", {})
        if q not in cache:
            if len(cache) >= 256:
                cache.pop(next(iter(cache)))
            cache[q] = self._query_terms(q)
        terms, fixes = cache[q]
        return list(terms), dict(fixes)

    def _query_terms(self, q: str) -> tuple[list[str], dict[str, str]]:
        terms = analyze(q)
        fixes: dict[str, str] = {}
        extra: list[str] = []
        for t in terms:
            if t in self._vocab_set or len(t) < 5:
                continue
            match = process.extractOne(t, self._vocab, scorer=fuzz.ratio, score_cutoff=84)
            if match:
                fixes[t] = match[0]
                extra.append(match[0])
        return terms + extra, fixes

    def _allowed(self, filters: Filters) -> np.ndarray:
        ok = np.array([bool(self.entries.get(eid)) and filters.accepts(self.entries[eid])
                       for eid in self._chunk_entry], dtype=bool)
        return ok

    def dense(self, qv: np.ndarray, allowed: np.ndarray, n: int = CANDIDATES) -> dict[str, tuple[float, int]]:
        """Candidate entries from FAISS -> {entry: (score, best chunk)}; score = best chunk's
        cosine + ENTRY_VECTOR_WEIGHT x the entry vector's cosine."""
        return {eid: self._dense_score(eid, qv) for eid in self._dense_candidates(qv, allowed, n)}

    def _dense_candidates(self, qv: np.ndarray, allowed: np.ndarray, n: int) -> list[str]:
        """The first `n` allowed entries by their nearest chunk (one FAISS query)."""
        if not allowed.any():
            return []
        k = int(min(len(allowed), max(n * 4, 50)))
        if allowed.all():
            _, ids = self.index.faiss_index.search(qv[None, :], k)
        elif self.index.manifest.index_type == "flat":
            # exact search over a small index: score all, keep the allowed (cheaper than a selector)
            _, ids = self.index.faiss_index.search(qv[None, :], len(allowed))
            ids = ids[:, allowed[ids[0]]][:, :k]
        else:
            sel = faiss.IDSelectorBatch(np.flatnonzero(allowed).astype(np.int64))
            _, ids = self.index.faiss_index.search(qv[None, :], k, params=faiss.SearchParametersHNSW(sel=sel))
        cands: list[str] = []
        for i in ids[0]:
            if i >= 0 and self._chunk_entry[i] not in cands:
                cands.append(self._chunk_entry[i])
                if len(cands) == n:
                    break
        return cands

    def candidates(self, query: str, *, filters: Filters | None = None, mode: str = "hybrid") -> list[str]:
        """The entries a search fuses for this query and filters, unscored: what a result
        count or facet counts count. Raises QueryError like `search`."""
        q = check_query(query)
        allowed = self._allowed(filters or Filters())
        dense = self._dense_candidates(self.encode_query(q), allowed, CANDIDATES) if mode != "lexical" else []
        lex = self.lexical(self.query_terms(q)[0], allowed)[0] if mode != "dense" else {}
        return list(dict.fromkeys(dense + list(lex)))

    def _dense_score(self, eid: str, qv: np.ndarray) -> tuple[float, int]:
        positions = self.index.by_entry.get(eid, [])
        if not positions:
            return (0.0, -1)
        sims = self.index.vectors[positions] @ qv
        best = int(np.argmax(sims))
        own = float(sims[positions.index(self._entry_chunk0[eid])]) if eid in self._entry_chunk0 else 0.0
        return (float(sims[best]) + ENTRY_VECTOR_WEIGHT * own, positions[best])

    def lexical(self, terms: list[str], allowed: np.ndarray, n: int = CANDIDATES
                ) -> tuple[dict[str, tuple[float, int]], np.ndarray | None]:
        """BM25 over chunks -> ({entry: (best chunk score, best chunk)} for the top entries,
        the scores of all chunks)."""
        known = [t for t in terms if t in self._vocab_set]
        if not known or not allowed.any():
            return {}, None
        scores = np.where(allowed, self.index.bm25.get_scores(known), 0.0)
        out: dict[str, tuple[float, int]] = {}
        for i in np.argsort(-scores):
            if scores[i] <= 0 or len(out) == n:
                break
            eid = self._chunk_entry[i]
            if eid not in out:
                out[eid] = (float(scores[i]), int(i))
        return out, scores

    # ------------------------------------------------------------ the search

    def search(self, query: str, *, k: int = 10, filters: Filters | None = None, mode: str = "hybrid",
               diversity: float = 0.0, offset: int = 0) -> list[Result]:
        q = check_query(query)
        filters = filters or Filters()
        allowed = self._allowed(filters)
        terms, fixes = self.query_terms(q)
        for typed, fix in list(fixes.items()):
            # a correction must come from what this search may show (never from an unpublished draft)
            if not (self.index.bm25.get_scores([fix])[allowed] > 0).any():
                del fixes[typed]
                terms.remove(fix)
        qv = self.encode_query(q) if mode != "lexical" else None
        dense = self.dense(qv, allowed) if mode in ("hybrid", "dense") else {}
        lex, bm25 = self.lexical(terms, allowed) if mode in ("hybrid", "lexical") else ({}, None)
        q_themes, q_branches = self.query_taxonomy(q)
        cands = list(dict.fromkeys(list(dense) + list(lex)))
        if mode == "hybrid":
            for eid in cands:           # every candidate gets both scores, so they can be fused
                if eid not in dense:
                    dense[eid] = self._dense_score(eid, qv)
                if eid not in lex:
                    positions = self.index.by_entry.get(eid, [])
                    bm = bm25[positions] if bm25 is not None and positions else np.zeros(1)
                    lex[eid] = (float(bm.max()), positions[int(np.argmax(bm))] if positions else -1)
            dz, lz = _zscores(dense, cands), _zscores(lex, cands)
            fused = {e: DENSE_WEIGHT * dz[e] + LEXICAL_WEIGHT * lz[e]
                     + THEME_BOOST * len(q_themes & set(self.entries[e].themes))
                     + BRANCH_BOOST * len(q_branches & set(self.entries[e].branches)) for e in cands}
        else:
            fused = {e: (dense or lex)[e][0] for e in cands}
        order = sorted(fused, key=lambda e: (-fused[e], e))
        if diversity > 0 and len(order) > 1:
            order = self._mmr(order, fused, diversity, offset + k)
        d_rank = sorted(dense, key=lambda e: -dense[e][0])
        l_rank = [e for e in sorted(lex, key=lambda e: -lex[e][0]) if lex[e][0] > 0]
        d_score = {e: v[0] for e, v in dense.items()}
        d_chunk = {e: v[1] for e, v in dense.items()}
        l_chunk = {e: v[1] for e, v in lex.items() if v[0] > 0}
        lo = min(fused.values()) if fused else 0.0
        span = (fused[order[0]] - lo) if order and fused[order[0]] > lo else 1.0
        d_pos = {e: i + 1 for i, e in enumerate(d_rank)}
        l_pos = {e: i + 1 for i, e in enumerate(l_rank)}
        stems = set(terms) | set(fixes.values())
        results = []
        for eid in order[offset:offset + k]:
            e = self.entries[eid]
            chunk_pos = d_chunk.get(eid) if eid in d_chunk else l_chunk.get(eid)
            if eid in l_chunk and (eid not in d_chunk or (l_pos.get(eid, 999) < d_pos.get(eid, 999))):
                chunk_pos = l_chunk[eid]
            expl = self.explain(e, q, stems, chunk_pos, d_pos.get(eid), l_pos.get(eid), d_score.get(eid),
                                q_themes, q_branches, fixes)
            results.append(Result(
                id=e.id, type=e.type, label=e.label, title=e.title, summary=e.summary,
                score=round(fused[eid], 6), relevance=round((fused[eid] - lo) / span, 4), regions=e.regions, themes=e.themes, actielijnen=e.actielijnen,
                branches=e.branches, explanation=expl, source=self.citations.get(e.id, {})))
        return results

    def _mmr(self, order: list[str], fused: dict, lam: float, k: int) -> list[str]:
        """Maximal marginal relevance over entry vectors: relevance vs. similarity to what is
        already chosen. `lam` = weight of diversity (0 = plain ranking). Both are rescaled to
        0..1 within the candidate pool: this model's cosines all lie close together."""
        pool = [e for e in order[: max(k * 3, 30)] if e in self._entry_chunk0]
        if len(pool) < 2:
            return order
        vecs = self.index.vectors[[self._entry_chunk0[e] for e in pool]]
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
        return picked + [e for e in order if e not in set(picked)]

    def explain(self, e: Entry, q: str, stems: set, chunk_pos: int | None, d_rank, l_rank, d_sim,
                q_themes: set, q_branches: set, fixes: dict) -> dict:
        text = e.body
        positions = self.index.by_entry.get(e.id, [])
        if chunk_pos is not None and chunk_pos in positions:
            i = positions.index(chunk_pos)          # 0 = the entry itself, then its passages
            if 0 < i <= len(e.chunks):
                text = e.chunks[i - 1]
        best, best_hits, spans = None, -1, []
        for s in split_sentences(text)[:40]:
            if s.strip() == e.title.strip():
                continue
            hits = [(a, b) for a, b, st in word_spans(s) if st in stems]
            n = len({s[a:b].lower() for a, b in hits})
            if n > best_hits:
                best, best_hits, spans = s, n, hits
        best = best or e.summary or e.title
        spans = sorted(set(spans))
        matched = sorted({best[a:b] for a, b in spans}, key=str.lower)
        themes = [t for t in e.themes if t in q_themes]
        branches = [b for b in e.branches if b in q_branches]
        labels = self.registry.labels("thema") | self.registry.labels("branche")
        reasons = []
        if d_rank:
            reasons.append(f"past qua betekenis bij uw vraag (nr. {d_rank})")
        if l_rank:
            reasons.append(f"bevat uw zoekwoorden (nr. {l_rank}" + (f": {', '.join(matched[:5])})" if matched else ")"))
        if themes or branches:
            reasons.append("zelfde thema: " + ", ".join(labels.get(t, t) for t in themes + branches))
        if fixes:
            reasons.append("gezocht met spellingsvariant: " + ", ".join(fixes.values()))
        return {
            "sentence": best,
            "highlights": [list(s) for s in spans],
            "matched_terms": matched,
            "dense_rank": d_rank,
            "lexical_rank": l_rank,
            "dense_similarity": round(d_sim, 4) if d_sim is not None else None,
            "taxonomy_overlap": {"themes": themes, "branches": branches},
            "reason": "Gevonden omdat het " + "; ".join(reasons) + "." if reasons else "",
            "citation": self.cite(e.id),
        }

    def cite(self, entry_id: str) -> str:
        c = self.citations.get(entry_id) or {}
        if not c.get("document_title"):         # an entry without sources
            return ""
        return f"{c['document_title']}, {c['heading']}"


def _zscores(scores: dict[str, tuple[float, int]], keys: list[str]) -> dict[str, float]:
    if len(keys) < 2:
        return {k: 0.0 for k in keys}
    v = np.array([scores[k][0] for k in keys], dtype=np.float64)
    sd = v.std() or 1.0
    return {k: float((x - v.mean()) / sd) for k, x in zip(keys, v)}


def highlight(sentence: str, spans: list, start: str = "«", end: str = "»") -> str:
    out, pos = [], 0
    for a, b in sorted(spans):
        if a < pos:
            continue
        out += [sentence[pos:a], start, sentence[a:b], end]
        pos = b
    out.append(sentence[pos:])
    return "".join(out)


def timed(fn, *a, **kw):
    t = time.perf_counter()
    r = fn(*a, **kw)
    return r, (time.perf_counter() - t) * 1000
