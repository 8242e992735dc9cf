"""A user's question: checked once, then analysed once per Searcher.

`check_query` turns raw input into a searchable string or raises QueryError with a Dutch
message. `Vocabulary` knows which words and stems the index contains; `analyse_query`
turns a checked query into a `Query`: its BM25 terms, its whole-word stems (what may be
highlighted), spelling corrections and the themes/branches it is about.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from index.analysis import STOP, analyze, stem, words
from ingest.nlp import classify

MAX_QUERY_CHARS = 1000


class QueryError(ValueError):
    """A query that cannot be searched; the message is Dutch and meant for the user."""


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


@dataclass(frozen=True)
class Query:
    """One analysed question. `terms` feed BM25; `stems` are the whole query words' stems
    (plus corrections and expansions): only these are highlighted and named as matched."""
    text: str
    terms: tuple[str, ...]
    stems: frozenset[str]
    fixes: dict[str, str] = field(default_factory=dict)        # typed word -> corrected term (stem)
    themes: frozenset[str] = frozenset()
    branches: frozenset[str] = frozenset()


@dataclass
class Vocabulary:
    """The stems the lexical index knows, for typo correction."""
    stems: set[str]
    ordered: list[str]

    @classmethod
    def of(cls, bm25) -> "Vocabulary":
        ordered = list(bm25.vocab_dict.keys())
        return cls(set(ordered), ordered)

    def corrections(self, terms: list[str]) -> dict[str, str]:
        """Typo corrections {typed term: index term} for terms of at least five letters the
        index does not know (rapidfuzz ratio >= 84 against the index vocabulary)."""
        fixes: dict[str, str] = {}
        for t in terms:
            if t in self.stems or len(t) < 5:
                continue
            match = process.extractOne(t, self.ordered, scorer=fuzz.ratio, score_cutoff=84)
            if match:
                fixes[t] = match[0]
        return fixes


def whole_word_stems(text: str) -> set[str]:
    """Stems of the content words of `text` as written (hyphenated words also joined), not
    of their compound parts: 'werkdruk' gives 'werkdruk', never 'werk'."""
    out = set()
    for w in words(text):
        parts = [p for p in w.split("-") if p]
        if len(parts) > 1:
            out |= {stem(p) for p in parts if p not in STOP and len(p) > 1}
            out.add(stem("".join(parts)))
        elif w not in STOP and len(w) > 1:
            out.add(stem(w))
    return out


def analyse_query(q: str, vocab: Vocabulary, registry) -> Query:
    terms = analyze(q)
    fixes = vocab.corrections(terms)
    themes = frozenset(classify(q, registry.themes, min_hits=1, limit=5))
    branches = frozenset(classify(q, registry.branches, min_hits=1, limit=3))
    return Query(text=q, terms=tuple(terms + list(fixes.values())), stems=frozenset(terms) | frozenset(fixes.values()),
                 fixes=fixes, themes=themes, branches=branches)
