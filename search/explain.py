"""Why a result was found: the sentence that matched, the words in it, the reason, the source.

`Explanation` and `Citation` are typed; until every front end reads their attributes they
also behave as read-only mappings (`e["sentence"]`, `e.get("reason")`, `dict(citation)`),
and `to_dict()` gives the JSON shape the API has always returned.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields

import re

from index.analysis import stem, words
from kb.models import Entry
from search.query import Query, split_sentences, whole_word_stems


class _MappingView(Mapping):
    """Read-only mapping access to a dataclass's fields (transitional compatibility)."""

    def __getitem__(self, key):
        if key in self._keys():
            return getattr(self, key)
        raise KeyError(key)

    def __iter__(self):
        return iter(self._keys())

    def __len__(self):
        return len(self._keys())

    def _keys(self) -> tuple[str, ...]:
        return tuple(f.name for f in fields(self))

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True, eq=True)
class SourceRef(_MappingView):
    document: str
    document_title: str
    heading: str
    start: int | None
    end: int | None


@dataclass(frozen=True, eq=True)
class Citation(_MappingView):
    """Where an entry comes from: its first source (flattened, as the API shows it) and all."""
    document: str | None = None
    document_title: str | None = None
    heading: str | None = None
    start: int | None = None
    end: int | None = None
    all: tuple[SourceRef, ...] = ()

    def _keys(self) -> tuple[str, ...]:
        if not self.all:                    # an entry without sources: {"all": []}
            return ("all",)
        return ("document", "document_title", "heading", "start", "end", "all")

    def to_dict(self) -> dict:
        return {k: ([s.to_dict() for s in self.all] if k == "all" else getattr(self, k)) for k in self._keys()}

    def __getitem__(self, key):
        if key == "all":
            return [s.to_dict() for s in self.all]
        return super().__getitem__(key)

    @property
    def text(self) -> str:
        """'Document title, heading' ('' for an entry without sources)."""
        return f"{self.document_title}, {self.heading}" if self.document_title else ""


@dataclass(frozen=True)
class Explanation(_MappingView):
    sentence: str                   # the sentence that matched best
    highlights: list[list[int]]     # [start, end) of whole query words in `sentence`
    matched_terms: list[str]        # the highlighted words as they stand in `sentence`
    reason: str                     # Dutch, for the user: why this entry was found
    citation: str                   # "Document, heading"
    words: list[str] = field(default_factory=list)          # the question's words the entry contains
    meaning_only: bool = False      # found by meaning alone: no word of the question in the entry
    also_searched: list[str] = field(default_factory=list)  # begrippenlijst terms the entry contains
    corrections: dict = field(default_factory=dict)         # typed word -> index word the entry contains
    taxonomy_overlap: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Evidence:
    """What the ranking knows about one candidate, for explaining it."""
    chunk: int | None            # the passage that matched best (index chunk position)
    themes: list[str] = field(default_factory=list)
    branches: list[str] = field(default_factory=list)


_WORD = re.compile(r"[^\W_]+(?:-[^\W_]+)*")


def word_hits(sentence: str, stems: frozenset[str]) -> list[tuple[int, int]]:
    """Spans of whole words of `sentence` whose own stem (not a compound part's) is in `stems`."""
    return [(m.start(), m.end()) for m in _WORD.finditer(sentence) if whole_word_stems(m.group(0)) & stems]


def best_sentence(e: Entry, chunk_text: str, stems: frozenset[str]) -> tuple[str, list[tuple[int, int]]]:
    """The sentence of `chunk_text` with the most distinct query words, and their spans."""
    best, best_hits, spans = None, -1, []
    for s in split_sentences(chunk_text)[:40]:
        if s.strip() == e.title.strip():
            continue
        hits = word_hits(s, stems)
        n = len({s[a:b].lower() for a, b in hits})
        if n > best_hits:
            best, best_hits, spans = s, n, hits
    if best is None:
        text = e.summary or e.title
        return text, word_hits(text, stems)
    return best, sorted(set(spans))


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " en " + items[-1]


def explain(e: Entry, chunk_text: str, q: Query, ev: Evidence, entry_stems: frozenset[str], labels: dict,
            citation: Citation) -> Explanation:
    stems = q.highlight_stems
    sentence, spans = best_sentence(e, chunk_text, stems)
    if not spans and stems & entry_stems:          # the words stand elsewhere in the entry: show them
        other, other_spans = best_sentence(e, e.body or "", stems)
        if other_spans:
            sentence, spans = other, other_spans
    matched = sorted({sentence[a:b] for a, b in spans}, key=str.lower)
    typed = [w for w in dict.fromkeys(words(q.text)) if whole_word_stems(w) & entry_stems & q.words]
    also = [t for x in q.expansions for t in x.added if set(x.stems) & entry_stems and _key_in(t, entry_stems)]
    fixes = {w: real for w, real in q.corrected.items() if stem(real) in entry_stems}
    themes = [labels.get(t, t) for t in ev.themes + ev.branches]
    reasons = []
    if typed:
        reasons.append("het uw zoekwoorden bevat: " + _join(typed))
    if fixes:
        reasons.append("het " + _join([f"‘{r}’" for r in fixes.values()]) + " bevat (u typte "
                       + _join([f"‘{w}’" for w in fixes]) + ")")
    if also:
        reasons.append("het woorden uit de begrippenlijst bevat (ook gezocht op: " + _join(also) + ")")
    meaning_only = not (typed or fixes or also)
    if meaning_only:
        reasons.append("het verwant in betekenis is aan uw vraag (het bevat geen woorden uit uw vraag)")
    if themes:
        reasons.append("het over hetzelfde thema gaat: " + _join(themes))
    return Explanation(
        sentence=sentence, highlights=[list(s) for s in spans], matched_terms=matched,
        reason="Gevonden omdat " + "; ".join(reasons) + ".", citation=citation.text, words=typed,
        meaning_only=meaning_only, also_searched=also, corrections=fixes,
        taxonomy_overlap={"themes": list(ev.themes), "branches": list(ev.branches)})


def _key_in(term: str, entry_stems: frozenset[str]) -> bool:
    st = whole_word_stems(term.replace("'", ""))
    return bool(st) and st <= entry_stems


def highlight(sentence: str, spans: list, start: str = "«", end: str = "»") -> str:
    out, pos = [], 0
    for a, b in sorted(spans):
        if a < pos:
            continue
        out += [sentence[pos:a], start, sentence[a:b], end]
        pos = b
    out.append(sentence[pos:])
    return "".join(out)
