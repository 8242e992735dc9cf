"""The begrippenlijst (corpus/begrippen.yaml): the field's synonyms and jargon, editable by
curators. A question that contains one term of a concept is also searched on the other terms
(BM25 query expansion); the explanation names the terms that were added ("ook gezocht op").
The same file lists the words that make a question one about policy itself."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from index.analysis import STOP, stem, words
from kb.registry import CORPUS_DIR

BEGRIPPEN_PATH = CORPUS_DIR / "begrippen.yaml"


def _key(term: str) -> tuple[str, ...]:
    """A term as the stems of its content words ('zij-instromers' -> ('zijinstromer',))."""
    out = []
    for w in words(term.replace("'", "")):
        if "-" in w:
            out.append(stem(w.replace("-", "")))
        elif w not in STOP:
            out.append(stem(w))
    return tuple(out)


@dataclass(frozen=True)
class Expansion:
    found: str                    # the term of the list that the question contains
    added: tuple[str, ...]        # the other terms of its concept
    terms: tuple[str, ...]        # their BM25 terms (whole-word stems, no compound parts)
    stems: frozenset[str]         # their whole-word stems (for highlights and the explanation)


@dataclass(frozen=True)
class Begrippen:
    concepts: tuple[tuple[str, ...], ...]
    policy: frozenset[tuple[str, ...]]

    def expand(self, query_stems: set[str]) -> list[Expansion]:
        """Expansions for a question with these whole-word stems (hyphenated words also joined)."""
        out = []
        for terms in self.concepts:
            found = next((t for t in terms if _key(t) and set(_key(t)) <= query_stems), None)
            if found is None:
                continue
            added = tuple(t for t in terms if t != found and not set(_key(t)) <= query_stems)
            if not added:
                continue
            stems = tuple(dict.fromkeys(s for t in added for s in _key(t)))
            out.append(Expansion(found, added, stems, frozenset(stems)))
        return out

    def about_policy(self, query_stems: set[str]) -> bool:
        return any(k and set(k) <= query_stems for k in self.policy)


@lru_cache(maxsize=4)
def _load(path: str, mtime: float) -> Begrippen:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    concepts = tuple(tuple(str(t) for t in group) for group in data.get("begrippen") or [] if len(group) > 1)
    policy = frozenset(_key(str(w)) for w in data.get("beleidswoorden") or [])
    return Begrippen(concepts, policy)


def load_begrippen(path: Path = BEGRIPPEN_PATH) -> Begrippen:
    """The list as it is on disk now (a curator's edit is picked up by the next Searcher)."""
    try:
        return _load(str(path), Path(path).stat().st_mtime)
    except OSError:
        return Begrippen((), frozenset())
