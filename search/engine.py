"""The search facade: a regional project leader's problem -> ranked, explained entries.

    Searcher.ranking(q, filters)      one Ranking per (query, filters, mode): every candidate with
                                      its signals, computed once and cached (total, facets and
                                      paging all read it)
    Searcher.page(ranking, offset, k) explains only the shown page -> [Result]
    Searcher.search(q, ...)           ranking + page (today's call)
    Searcher.search_many(qs, ...)     encodes all queries at once (plan matching)

The Searcher is safe to use from many threads: its caches are thread-safe LRUs keyed by
everything they depend on; encoding is serialised (the tokenizer is not re-entrant); no
per-query state is stored on the instance. Retrieval and fusion: search/ranking.py;
explanations: search/explain.py; filters and masks: search/selection.py.
"""
from __future__ import annotations

import sqlite3
from contextlib import contextmanager
import threading
import time
from dataclasses import dataclass, field, replace

import faiss
import numpy as np

from index.store import LoadedIndex
from kb.models import Entry
from kb.registry import Registry, load_registry
from kb.documents import get_document
from kb.entries import list_entries
from search.begrippen import load_begrippen
from search.cache import LRU
from search.decision import MatchModel, WordStats, load_model, signals
from search.explain import Citation, Explanation, SourceRef, explain, highlight
from search.query import (MAX_QUERY_CHARS, Query, QueryError, Vocabulary, analyse_query, check_query,
                          normalize_query, split_sentences)
from search.ranking import CANDIDATES, Candidate, IndexView, Ranking, fuse, mmr
from search.selection import EntryTable, Filters, Masks

ANSWER_TYPES = ("praktijk", "advies", "bouwsteen")     # `beleid` is context (see SearchPage)
NEAREST = 3                                            # "Misschien verwant" when nothing matches
CONTEXT = 3                                            # "Achtergrond uit het beleid"

__all__ = ["CANDIDATES", "MAX_QUERY_CHARS", "Citation", "Explanation", "Filters", "QueryError", "Ranking", "Result",
           "Searcher", "check_query", "highlight", "normalize_query", "split_sentences", "timed"]


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
    explanation: Explanation
    source: Citation
    match: str | None = None            # "sterk" | "mogelijk" | None (no match, or no fitted model)
    confidence: float | None = None     # calibrated probability (0-1) that it answers the question
    erkenning: str | None = None        # a practice's recognition level (kb.assessments)

    def to_dict(self) -> dict:
        return {"id": self.id, "type": self.type, "label": self.label, "title": self.title, "summary": self.summary,
                "score": self.score, "relevance": self.relevance, "match": self.match, "confidence": self.confidence,
                "erkenning": self.erkenning,
                "regions": list(self.regions), "themes": list(self.themes), "actielijnen": list(self.actielijnen),
                "branches": list(self.branches), "explanation": self.explanation.to_dict(),
                "source": self.source.to_dict()}


@dataclass(frozen=True)
class Mechanisms:
    """Switches for measuring each mechanism on and off (`praktijkwijzer bench`); all on in use."""
    decision: bool = True             # calibrated match decision (else every candidate is shown)
    beleid_as_context: bool = True    # beleid in its own block unless the question is about policy
    begrippen: bool = True            # query expansion from corpus/begrippen.yaml
    strict_spelling: bool = True      # corrections only for unknown words, to real words of the index


@dataclass
class SearchPage:
    """What a search shows: a page of matches, their total, the nearest non-matches when
    nothing matches, and policy context in its own block."""
    query: Query
    results: list[Result]          # this page of matches (with `alles`: of every candidate)
    total: int                     # number of matches (with `alles`: of candidates)
    offset: int
    limit: int
    ids: list[str]                 # the entries `total` counts (what facets count)
    nearest: list[Result]          # "Misschien verwant": up to 3 nearest answers when none matches
    context: list[Result]          # "Achtergrond uit het beleid": up to 3 matching policy paragraphs
    decided: bool                  # False: no fitted match model for this language model
    alles: bool = False

    def to_dict(self) -> dict:
        q = self.query
        return {"query": q.text, "total": self.total, "offset": self.offset, "limit": self.limit,
                "decided": self.decided, "alles": self.alles, "about_policy": q.about_policy,
                "corrections": dict(q.corrected),
                "also_searched": [t for x in q.expansions for t in x.added],
                "results": [r.to_dict() for r in self.results], "nearest": [r.to_dict() for r in self.nearest],
                "context": [r.to_dict() for r in self.context]}


BACKGROUND_CHARS = 1000  # text per model call for background work (~0.2 s on one core of this machine)


def _portions(texts: list[str], chars: int) -> list[list[str]]:
    """`texts` in consecutive portions of about `chars` characters (at least one text each)."""
    out: list[list[str]] = []
    size = chars
    for t in texts:
        if size + len(t) > chars and (not out or out[-1]):
            out.append([])
            size = 0
        out[-1].append(t)
        size += len(t)
    return out


class ModelGate:
    """One encoder call at a time, with a visitor's question first: a waiting `urgent` caller
    (a search) goes before any waiting background call (the next bottleneck of a plan), so a
    search waits for at most one background text instead of a whole plan (threading.Lock is
    not fair: the plan's thread would mostly take it straight back)."""

    def __init__(self):
        self._cond = threading.Condition()
        self._busy = False
        self._urgent = 0

    @contextmanager
    def hold(self, *, urgent: bool = True):
        with self._cond:
            self._urgent += urgent
            try:
                while self._busy or (not urgent and self._urgent):
                    self._cond.wait()
            finally:
                self._urgent -= urgent
            self._busy = True
        try:
            yield
        finally:
            with self._cond:
                self._busy = False
                self._cond.notify_all()


@dataclass
class Searcher:
    conn: sqlite3.Connection
    index: LoadedIndex
    encoder: object
    registry: Registry = field(default_factory=load_registry)
    entries: EntryTable = field(default_factory=EntryTable)
    citations: dict[str, Citation] = field(default_factory=dict)
    mechanisms: Mechanisms = field(default_factory=Mechanisms)
    match_model: MatchModel | None = None     # default: corpus/match_model.json for this language model

    def __post_init__(self):
        # One query at a time per thread: FAISS's OpenMP threads only add overhead here
        # (measured: plan matching 4x slower with 2 threads on a busy 2-core machine).
        faiss.omp_set_num_threads(1)
        self._model = ModelGate()
        self._analyse_lock = threading.Lock()   # spaCy (lemmas for the query's themes) is not thread-safe
        self._vectors = LRU(512)          # query text -> vector
        self._queries = LRU(512)          # query text -> analysed Query
        self._rankings = LRU(256)         # (query, filters, mode, entries version) -> Ranking
        self._bm25 = LRU(64)              # query terms -> BM25 scores of every chunk
        self.view = IndexView.of(self.index)
        self.vocab = Vocabulary.of(self.index.bm25, [c.text for c in self.index.chunks])
        if self.match_model is None:
            self.match_model = load_model(getattr(self.encoder, "model_id", ""))
        self.begrippen = load_begrippen()
        self.refresh_entries()
        self.encoder.encode_queries(["opwarmen"])     # first call pays one-off start-up costs

    def refresh_entries(self) -> None:
        """Read entries and their sources again (after a curator changed them)."""
        entries = EntryTable((e.id, e) for e in list_entries(self.conn))
        titles: dict[str, str] = {}
        citations: dict[str, Citation] = {}
        for e in entries.values():
            srcs = []
            for s in e.sources:
                if s.document_id not in titles:
                    doc = get_document(self.conn, s.document_id)
                    titles[s.document_id] = doc.title if doc else s.document_id
                srcs.append(SourceRef(s.document_id, titles[s.document_id], s.heading, s.start, s.end))
            first = srcs[0] if srcs else None
            citations[e.id] = (Citation(first.document, first.document_title, first.heading, first.start,
                                        first.end, tuple(srcs)) if first else Citation())
        self.masks = Masks(self.view.chunk_entry, entries)
        self.words = WordStats.of(entries)
        self.citations = citations
        self.entries = entries
        self.clear_caches()

    # ------------------------------------------------------------ encoding and caches

    def encode_queries(self, texts: list[str], *, background: bool = False) -> np.ndarray:
        """Vectors of `texts` (one encoder call for those not cached). The model encodes one call
        at a time; `background` work (a plan's bottlenecks, a gap map) is encoded in portions of
        about BACKGROUND_CHARS characters and lets a waiting visitor's question go first between its calls."""
        missing = list(dict.fromkeys(t for t in texts if t not in self._vectors))
        for part in (_portions(missing, BACKGROUND_CHARS) if background else [missing] if missing else []):
            with self._model.hold(urgent=not background):
                vecs = np.asarray(self.encoder.encode_queries(part), dtype=np.float32)
            for t, v in zip(part, vecs):
                v.setflags(write=False)
                self._vectors.put(t, v)
        out = [self._vectors.get(t) for t in texts]
        if any(v is None for v in out):            # evicted meanwhile by other threads: encode again
            with self._model.hold(urgent=not background):
                return np.asarray(self.encoder.encode_queries(list(texts)), dtype=np.float32)
        return np.stack(out) if out else np.zeros((0, self.index.vectors.shape[1]), dtype=np.float32)

    def encode_query(self, q: str) -> np.ndarray:
        return self.encode_queries([q])[0]

    def warm_up(self) -> None:
        """Load now what the first question would otherwise load (about 4 s on 2 cores): spaCy's
        Dutch pipeline and the word list that splits compounds. Both are kept per process."""
        from ingest.nlp import dutch_lexicon, get_nlp
        get_nlp()
        dutch_lexicon()

    def clear_caches(self) -> None:
        """Forget cached query vectors, analyses and rankings (for measuring cold queries)."""
        for cache in (self._vectors, self._queries, self._rankings, self._bm25):
            cache.clear()

    def query(self, q: str) -> Query:
        """The analysed query (terms, corrections, expansions, themes) of a checked query string."""
        m = self.mechanisms

        def compute():
            with self._analyse_lock:
                return analyse_query(q, self.vocab, self.registry, strict_spelling=m.strict_spelling,
                                     begrippen=self.begrippen if m.begrippen else None)
        return self._queries.get_or_compute((q, m.strict_spelling, m.begrippen), compute)

    def set_mechanisms(self, **switches) -> None:
        """Switch mechanisms on or off (for measuring); cached analyses and rankings are dropped."""
        self.mechanisms = replace(self.mechanisms, **switches)
        for cache in (self._queries, self._rankings):
            cache.clear()

    def query_taxonomy(self, q: str) -> tuple[set[str], set[str]]:
        """Themes and branches the query is about (by their keywords)."""
        a = self.query(check_query(q))
        return set(a.themes), set(a.branches)

    def _bm25_scores(self, terms: tuple[str, ...]) -> np.ndarray | None:
        found = self._bm25.get(terms)
        if found is None:
            found = self.view.bm25_scores(terms, self.vocab.stems)
            if found is not None:
                found.setflags(write=False)
            self._bm25.put(terms, found if found is not None else False)
        return found if found is not False else None

    # ------------------------------------------------------------ ranking

    def _visible(self, query: Query, allowed: np.ndarray) -> Query:
        """Drop spelling corrections that only unshown entries contain (a correction must
        come from what this search may show, never from an unpublished draft)."""
        drop = []
        for typed, fix in query.fixes.items():
            scores = self._bm25_scores((fix,))
            if scores is None or not (scores[allowed] > 0).any():
                drop.append(typed)
        if not drop:
            return query
        fixes = {t: f for t, f in query.fixes.items() if t not in drop}
        terms = list(query.terms)
        for t in drop:
            terms.remove(query.fixes[t])
        corrected = {t: w for t, w in query.corrected.items() if t not in drop}
        return replace(query, terms=tuple(terms), fixes=fixes, stems=frozenset(terms) | frozenset(fixes.values()),
                       corrected=corrected)

    def ranking(self, query: str, *, filters: Filters | None = None, mode: str = "hybrid",
                vector: np.ndarray | None = None) -> Ranking:
        """Every candidate for (query, filters, mode), best first; cached. Raises QueryError."""
        q = check_query(query)
        filters = filters or Filters()
        m = self.mechanisms
        key = (q, filters.key(), mode, self.entries.version, m)
        found = self._rankings.get(key)
        if found is not None:
            return found
        qv = None
        if mode != "lexical":
            qv = vector if vector is not None else self.encode_query(q)
        base_ranking = None
        base = Filters(status=filters.status)
        if mode == "hybrid" and filters.key() != base.key():
            # scores are normalised on the unfiltered pool and the match decision is taken
            # there: a filter only selects, it never changes an entry's score or confidence
            base_ranking = self.ranking(q, filters=base, mode=mode, vector=qv)
        allowed = self.masks.chunks(filters)
        analysed = self._visible(self.query(q), allowed)
        bm25 = self._bm25_scores(analysed.terms) if mode != "dense" else None
        ranking = fuse(self.view, self.entries, analysed, qv, allowed, bm25, mode,
                       base_ranking.stats if base_ranking is not None else None)
        ranking = self._decide(ranking) if base_ranking is None else self._decided_like(ranking, base_ranking)
        return self._rankings.put(key, ranking)

    def _decide(self, ranking: Ranking) -> Ranking:
        """Attach the calibrated match decision (search/decision.py) to every candidate of an
        unfiltered ranking: the gate and each candidate's confidence and match."""
        model = self.match_model
        if ranking.mode != "hybrid" or model is None or not self.mechanisms.decision:
            return ranking
        if not ranking.candidates:             # nothing to weigh: a decided "nothing matches"
            return replace(ranking, decided=True, answerable=0.0, by_id={})
        d = model.decide(signals(ranking.candidates, ranking.query, ranking.stats, self.words))
        cands = tuple(replace(c, confidence=round(float(p), 4), match=label)
                      for c, p, label in zip(ranking.candidates, d.confidence, d.labels))
        return replace(ranking, candidates=cands, decided=True, answerable=round(d.answerable, 4), by_id={})

    @staticmethod
    def _decided_like(ranking: Ranking, base: Ranking) -> Ranking:
        """A filtered ranking with the decision of its unfiltered one (same question)."""
        if not base.decided:
            return ranking
        cands = []
        for c in ranking.candidates:
            b = base.by_id.get(c.id)
            cands.append(replace(c, confidence=b.confidence if b else 0.0, match=b.match if b else None))
        return replace(ranking, candidates=tuple(cands), decided=True, answerable=base.answerable, by_id={})

    def rankings(self, queries: list[str], *, filters: Filters | None = None, mode: str = "hybrid"
                 ) -> list[Ranking | QueryError]:
        """One ranking per query, all queries encoded in one call; a query that cannot be
        searched gives its QueryError in its place."""
        checked: list[str | QueryError] = []
        for q in queries:
            try:
                checked.append(check_query(q))
            except QueryError as err:
                checked.append(err)
        texts = [q for q in checked if isinstance(q, str)]
        vecs = self.encode_queries(texts, background=len(texts) > 1) if texts and mode != "lexical" else None
        out: list[Ranking | QueryError] = []
        i = 0
        for q in checked:
            if isinstance(q, QueryError):
                out.append(q)
                continue
            out.append(self.ranking(q, filters=filters, mode=mode, vector=vecs[i] if vecs is not None else None))
            i += 1
        return out

    def candidates(self, query: str, *, filters: Filters | None = None, mode: str = "hybrid") -> list[str]:
        """The entries a search ranks for this query and filters, best first: what a result
        count or facet counts count. Raises QueryError like `search`."""
        return self.ranking(query, filters=filters, mode=mode).ids

    # ------------------------------------------------------------ pages of results

    def page(self, ranking: Ranking, *, offset: int = 0, k: int = 10, diversity: float = 0.0) -> list[Result]:
        """Explained results for one page of a ranking."""
        order = ranking.ids
        if diversity > 0 and len(order) > 1:
            order = mmr(self.view, order, {c.id: c.score for c in ranking.candidates}, diversity, offset + k)
        return [self.result(ranking, ranking.by_id[eid]) for eid in order[offset:offset + k]]

    def result(self, ranking: Ranking, c: Candidate) -> Result:
        e = self.entries[c.id]
        return Result(id=e.id, type=e.type, label=e.label, title=e.title, summary=e.summary, score=c.score,
                      relevance=c.relevance, regions=e.regions, themes=e.themes, actielijnen=e.actielijnen,
                      branches=e.branches, explanation=self.explain(ranking, c), source=self.citation(e.id),
                      match=c.match, confidence=c.confidence, erkenning=getattr(e, "erkenning", None))

    def explain(self, ranking: Ranking, c: Candidate) -> Explanation:
        e = self.entries[c.id]
        labels = self.registry.labels("thema") | self.registry.labels("branche")
        stems = self.words.stems.get(e.id) or frozenset()
        return explain(e, self.chunk_text(e, c.chunk), ranking.query, c.evidence(), stems, labels,
                       self.citation(e.id))

    def chunk_text(self, e: Entry, chunk: int | None) -> str:
        """The text of a matched chunk: a passage of the entry, or its body for the entry vector."""
        positions = self.index.by_entry.get(e.id, [])
        if chunk is not None and chunk in positions:
            i = positions.index(chunk)          # 0 = the entry itself, then its passages
            if 0 < i <= len(e.chunks):
                return e.chunks[i - 1]
        return e.body

    def citation(self, entry_id: str) -> Citation:
        return self.citations.get(entry_id) or Citation()

    def cite(self, entry_id: str) -> str:
        return self.citation(entry_id).text

    def search(self, query: str, *, k: int = 10, filters: Filters | None = None, mode: str = "hybrid",
               diversity: float = 0.0, offset: int = 0) -> list[Result]:
        return self.page(self.ranking(query, filters=filters, mode=mode), offset=offset, k=k, diversity=diversity)

    def find(self, query: str, *, filters: Filters | None = None, offset: int = 0, k: int = 10,
             alles: bool = False, diversity: float = 0.0) -> SearchPage:
        """A search as a user sees it (issue 10): matches only, answers before context.

        `total` counts matches; `ids` are the matched entries (for facet counts). Policy
        paragraphs (`beleid`) go to `context` unless the question is about policy itself or the
        user filters on beleid. When nothing matches, `nearest` holds up to three nearest
        answers (not matches). alles=True shows every candidate instead (the nearest anyway).
        Without a fitted model for this language model every candidate is shown (decided=False)."""
        filters = filters or Filters()
        r = self.ranking(query, filters=filters)
        as_context = (self.mechanisms.beleid_as_context and not r.query.about_policy and filters.type != "beleid")
        answers = [c for c in r.candidates if not (as_context and self.entries[c.id].type == "beleid")]
        context = [c for c in r.candidates if as_context and self.entries[c.id].type == "beleid"]
        if r.decided and not alles:
            shown = [c for c in answers if c.match]
            context = [c for c in context if c.match]
        else:
            shown = answers
        nearest = answers[:NEAREST] if (r.decided and not alles and not shown) else []
        order = [c.id for c in shown]
        if diversity > 0 and len(order) > 1:
            order = mmr(self.view, order, {c.id: c.score for c in shown}, diversity, offset + k)
        return SearchPage(query=r.query, results=[self.result(r, r.by_id[i]) for i in order[offset:offset + k]],
                          total=len(shown), offset=offset, limit=k, ids=[c.id for c in shown],
                          nearest=[self.result(r, c) for c in nearest],
                          context=[self.result(r, c) for c in context[:CONTEXT]], decided=r.decided, alles=alles)

    def search_many(self, queries: list[str], filters: Filters | None = None, k: int = 10, *,
                    mode: str = "hybrid") -> list[list[Result]]:
        """`search` for many queries at once (one encoder call); [] for an unusable query."""
        return [self.page(r, k=k) if isinstance(r, Ranking) else []
                for r in self.rankings(queries, filters=filters, mode=mode)]


def timed(fn, *a, **kw):
    t = time.perf_counter()
    r = fn(*a, **kw)
    return r, (time.perf_counter() - t) * 1000
