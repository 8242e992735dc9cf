"""Why a result was found: the sentence that matched, the words in it, the reason, the source.

`Explanation` and `Citation` are typed; until every front end reads their attributes they
also behave as read-only mappings (`e["sentence"]`, `e.get("reason")`, `dict(citation)`),
and `to_dict()` gives the JSON shape the API has always returned.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields

from index.analysis import word_spans
from kb.models import Entry
from search.query import split_sentences


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
    sentence: str
    highlights: list[list[int]]
    matched_terms: list[str]
    dense_rank: int | None
    lexical_rank: int | None
    dense_similarity: float | None
    taxonomy_overlap: dict
    reason: str
    citation: str


@dataclass(frozen=True)
class Evidence:
    """What the ranking knows about one candidate, for explaining it."""
    chunk: int | None            # the passage that matched best (index chunk position)
    dense_rank: int | None
    lexical_rank: int | None
    dense_score: float | None
    themes: list[str] = field(default_factory=list)
    branches: list[str] = field(default_factory=list)


def best_sentence(e: Entry, chunk_text: str, stems: set) -> tuple[str, list[tuple[int, int]]]:
    """The sentence of `chunk_text` with the most distinct query words, and their spans."""
    best, best_hits, spans = None, -1, []
    for s in split_sentences(chunk_text)[:40]:
        if s.strip() == e.title.strip():
            continue
        hits = [(a, b) for a, b, st in word_spans(s) if st in stems]
        n = len({s[a:b].lower() for a, b in hits})
        if n > best_hits:
            best, best_hits, spans = s, n, hits
    if best is None:
        return e.summary or e.title, []
    return best, sorted(set(spans))


def explain(e: Entry, chunk_text: str, stems: set, ev: Evidence, fixes: dict, labels: dict,
            citation: Citation) -> Explanation:
    sentence, spans = best_sentence(e, chunk_text, stems)
    if not sentence:
        sentence = e.summary or e.title
    matched = sorted({sentence[a:b] for a, b in spans}, key=str.lower)
    reasons = []
    if ev.dense_rank:
        reasons.append(f"past qua betekenis bij uw vraag (nr. {ev.dense_rank})")
    if ev.lexical_rank:
        reasons.append(f"bevat uw zoekwoorden (nr. {ev.lexical_rank}" + (f": {', '.join(matched[:5])})" if matched else ")"))
    if ev.themes or ev.branches:
        reasons.append("zelfde thema: " + ", ".join(labels.get(t, t) for t in ev.themes + ev.branches))
    if fixes:
        reasons.append("gezocht met spellingsvariant: " + ", ".join(fixes.values()))
    return Explanation(
        sentence=sentence, highlights=[list(s) for s in spans], matched_terms=matched,
        dense_rank=ev.dense_rank, lexical_rank=ev.lexical_rank,
        dense_similarity=round(ev.dense_score, 4) if ev.dense_score is not None else None,
        taxonomy_overlap={"themes": list(ev.themes), "branches": list(ev.branches)},
        reason="Gevonden omdat het " + "; ".join(reasons) + "." if reasons else "",
        citation=citation.text)


def highlight(sentence: str, spans: list, start: str = "«", end: str = "»") -> str:
    out, pos = [], 0
    for a, b in sorted(spans):
        if a < pos:
            continue
        out += [sentence[pos:a], start, sentence[a:b], end]
        pos = b
    out.append(sentence[pos:])
    return "".join(out)
