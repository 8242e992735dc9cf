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
from ingest.nlp import classify, decompound, dutch_lexicon

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
    words: frozenset[str] = frozenset()           # whole-word stems of the question as typed
    expansions: tuple = ()                        # begrippen.Expansion, in the order of the list
    about_policy: bool = False                    # the question is about policy itself
    corrected: dict[str, str] = field(default_factory=dict)    # typed word -> real word of the index

    @property
    def highlight_stems(self) -> frozenset[str]:
        """Whole-word stems that may be highlighted: the question's own words, the corrected
        words and the terms added from the begrippenlijst (never compound parts)."""
        out = set(self.words) | {stem(w) for w in self.corrected.values()}
        for x in self.expansions:
            out |= x.stems
        return frozenset(out)


@dataclass
class Vocabulary:
    """The stems the lexical index knows, and the words its texts contain (for typo correction)."""
    stems: set[str]
    ordered: list[str]
    surface: list[str] = field(default_factory=list)     # words of the indexed texts, 5+ letters
    surface_set: set[str] = field(default_factory=set)

    @classmethod
    def of(cls, bm25, texts: list[str] = ()) -> "Vocabulary":
        ordered = list(bm25.vocab_dict.keys())
        surface = sorted({w for t in texts for w in words(t) if len(w) >= 5 and w.isalpha()})
        return cls(set(ordered), ordered, surface, set(surface))

    def real_word_corrections(self, text: str) -> dict[str, str]:
        """{typed word: word of the index} for each word of the question that is unknown to the
        index (neither it nor its stem occurs), is no Dutch word or compound of Dutch words
        (a correct word is never 'corrected'), and is close to a real word of the indexed
        texts (rapidfuzz ratio >= 84)."""
        fixes: dict[str, str] = {}
        lexicon = dutch_lexicon()
        for w in dict.fromkeys(words(text)):
            if len(w) < 5 or not w.isalpha() or w in STOP or w in self.surface_set or stem(w) in self.stems:
                continue
            if w in lexicon or decompound(w):
                continue
            match = process.extractOne(w, self.surface, scorer=fuzz.ratio, score_cutoff=84)
            if match:
                fixes[w] = match[0]
        return fixes

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


def analyse_query(q: str, vocab: Vocabulary, registry, *, begrippen=None, strict_spelling: bool = True) -> Query:
    """Analyse a checked query. strict_spelling: corrections only for unknown words, to real
    words of the index (False: the older rule, fuzzy-matching every unknown analysed term
    against index stems, kept for measuring). begrippen: a Begrippen list for expansion."""
    terms = analyze(q)
    own = whole_word_stems(q)
    corrected: dict[str, str] = {}
    if strict_spelling:
        corrected = vocab.real_word_corrections(q)
        fixes = {typed: stem(real) for typed, real in corrected.items()}
    else:
        fixes = vocab.corrections(terms)
    extra = list(fixes.values())
    expansions: tuple = ()
    about_policy = False
    if begrippen is not None:
        expansions = tuple(begrippen.expand(own | set(extra)))
        about_policy = begrippen.about_policy(own)
        for x in expansions:
            extra += [t for t in x.terms if t not in terms and t not in extra]
    themes = frozenset(classify(q, registry.themes, min_hits=1, limit=5))
    branches = frozenset(classify(q, registry.branches, min_hits=1, limit=3))
    return Query(text=q, terms=tuple(terms + extra), stems=frozenset(terms) | frozenset(extra),
                 fixes=fixes, themes=themes, branches=branches, words=frozenset(own), expansions=expansions,
                 about_policy=about_policy, corrected=corrected)
