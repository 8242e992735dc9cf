"""Hybrid search: a regional project leader's problem -> ranked, explained entries.

    dense (FAISS, multilingual sentence embeddings)  --\\
                                                         >-- reciprocal rank fusion per entry
    lexical (BM25 over Dutch stems, typo-tolerant)   --/        -> optional MMR diversity
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
from kb.store import get_document, list_entries

MAX_QUERY_CHARS = 1000
RRF_K = 60
DENSE_WEIGHT = 1.0
LEXICAL_WEIGHT = 1.0
CANDIDATES = 100


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
        self.refresh_entries()
        self.encoder.encode_queries(["opwarmen"])     # first call pays one-off start-up costs

    def refresh_entries(self) -> None:
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

    def swap_index(self, index: LoadedIndex) -> None:
        """Serve a newly built index (called after it is complete on disk)."""
        self.index = index
        self.refresh_entries()

    # ------------------------------------------------------------ retrieval

    def query_terms(self, q: str) -> tuple[list[str], dict[str, str]]:
        """Analysed query terms plus typo corrections {typed: corrected} from the index vocabulary."""
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

    def dense(self, q: str, allowed: np.ndarray, n: int = CANDIDATES) -> tuple[list[str], dict, dict]:
        """Entries ranked by their best chunk's cosine similarity; also best chunk per entry."""
        if not allowed.any():
            return [], {}, {}
        qv = np.asarray(self.encoder.encode_queries([q]), dtype=np.float32)
        k = int(min(len(allowed), max(n * 4, 50)))
        params = None
        if not allowed.all():
            sel = faiss.IDSelectorBatch(np.flatnonzero(allowed).astype(np.int64))
            params = faiss.SearchParametersHNSW(sel=sel) if self.index.manifest.index_type == "hnsw" \
                else faiss.SearchParameters(sel=sel)
        scores, ids = self.index.faiss_index.search(qv, k, params=params) if params else \
            self.index.faiss_index.search(qv, k)
        best: dict[str, float] = {}
        best_chunk: dict[str, int] = {}
        for s, i in zip(scores[0], ids[0]):
            if i < 0:
                continue
            eid = self._chunk_entry[i]
            if eid not in best:
                best[eid], best_chunk[eid] = float(s), int(i)
        ranked = sorted(best, key=lambda e: -best[e])[:n]
        return ranked, best, best_chunk

    def lexical(self, terms: list[str], allowed: np.ndarray, n: int = CANDIDATES) -> tuple[list[str], dict, dict]:
        if not terms or not allowed.any():
            return [], {}, {}
        scores = self.index.bm25.get_scores([t for t in terms if t in self._vocab_set]) \
            if any(t in self._vocab_set for t in terms) else np.zeros(len(allowed), np.float32)
        scores = np.where(allowed, scores, 0.0)
        best: dict[str, float] = {}
        best_chunk: dict[str, int] = {}
        for i in np.argsort(-scores)[: n * 4]:
            if scores[i] <= 0:
                break
            eid = self._chunk_entry[i]
            if eid not in best:
                best[eid], best_chunk[eid] = float(scores[i]), int(i)
        ranked = sorted(best, key=lambda e: -best[e])[:n]
        return ranked, best, best_chunk

    # ------------------------------------------------------------ the search

    def search(self, query: str, *, k: int = 10, filters: Filters | None = None, mode: str = "hybrid",
               diversity: float = 0.0, offset: int = 0) -> list[Result]:
        q = check_query(query)
        filters = filters or Filters()
        allowed = self._allowed(filters)
        terms, fixes = self.query_terms(q)
        d_rank, d_score, d_chunk = self.dense(q, allowed) if mode in ("hybrid", "dense") else ([], {}, {})
        l_rank, l_score, l_chunk = self.lexical(terms, allowed) if mode in ("hybrid", "lexical") else ([], {}, {})
        fused: dict[str, float] = {}
        for w, ranking in ((DENSE_WEIGHT, d_rank), (LEXICAL_WEIGHT, l_rank)):
            for r, eid in enumerate(ranking):
                fused[eid] = fused.get(eid, 0.0) + w / (RRF_K + r + 1)
        order = sorted(fused, key=lambda e: (-fused[e], e))
        if diversity > 0 and len(order) > 1:
            order = self._mmr(order, fused, diversity, offset + k)
        d_pos = {e: i + 1 for i, e in enumerate(d_rank)}
        l_pos = {e: i + 1 for i, e in enumerate(l_rank)}
        q_themes = set(classify(q, self.registry.themes, min_hits=1, limit=5))
        q_branches = set(classify(q, self.registry.branches, min_hits=1, limit=3))
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
                score=round(fused[eid], 6), regions=e.regions, themes=e.themes, actielijnen=e.actielijnen,
                branches=e.branches, explanation=expl, source=self.citations.get(e.id, {})))
        return results

    def _mmr(self, order: list[str], fused: dict, lam: float, k: int) -> list[str]:
        """Maximal marginal relevance over entry vectors: relevance vs. similarity to what is
        already chosen. `lam` = weight of diversity (0 = plain ranking)."""
        pool = order[: max(k * 3, 30)]
        vecs = {e: self.index.vectors[self._entry_chunk0[e]] for e in pool if e in self._entry_chunk0}
        top = fused[pool[0]]
        chosen: list[str] = []
        rest = list(pool)
        while rest and len(chosen) < k:
            def gain(e):
                rel = fused[e] / top
                if not chosen or e not in vecs:
                    return rel
                sim = max(float(vecs[e] @ vecs[c]) for c in chosen if c in vecs) if any(c in vecs for c in chosen) else 0
                return (1 - lam) * rel - lam * sim
            best = max(rest, key=gain)
            chosen.append(best)
            rest.remove(best)
        return chosen + [e for e in order if e not in chosen]

    def explain(self, e: Entry, q: str, stems: set, chunk_pos: int | None, d_rank, l_rank, d_sim,
                q_themes: set, q_branches: set, fixes: dict) -> dict:
        text = e.body
        if chunk_pos is not None:
            c = self.index.chunks[chunk_pos]
            text = c.text[len(e.title) + 2:] if c.kind == "passage" and c.text.startswith(e.title) else c.text
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
        if not c:
            return ""
        return f"{c['document_title']}, {c['heading']}"


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
