"""Dutch language processing with spaCy: sentences, lemmas, keywords, places, organisations,
taxonomy classification and quantified results.

Uses the full `nl_core_news_sm` pipeline when it is installed (better sentences, lemmas and
named entities). It is not on the package registry, so the default is spaCy's Dutch
language class with lookup lemmas (spacy-lookups-data) and a rule-based sentencizer.
"""
from __future__ import annotations

import gzip
import json
import os
import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import spacy
from spacy.matcher import PhraseMatcher

from ingest.model import fold
from ingest.registry import Registry

FULL_MODEL = "nl_core_news_sm"


@lru_cache(maxsize=1)
def get_nlp():
    """The Dutch pipeline: nl_core_news_sm when installed, else blank Dutch + lookups."""
    if os.environ.get("PRAKTIJKWIJZER_SPACY", FULL_MODEL) == FULL_MODEL and spacy.util.is_package(FULL_MODEL):
        nlp = spacy.load(FULL_MODEL, exclude=["parser"])
        nlp.add_pipe("sentencizer", first=True)
        return nlp
    nlp = spacy.blank("nl")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()
    return nlp


# One spaCy pipeline per process, shared by the threads of a server (search, plan classification,
# curators' saves): spaCy does not promise that one pipeline may run in two threads at once, so
# every call into it holds this lock (the work itself is CPU-bound under the GIL anyway).
NLP_LOCK = threading.RLock()


def analyse(text: str):
    """The spaCy Doc of `text` (at most CHUNK_CHARS characters), made under NLP_LOCK."""
    with NLP_LOCK:
        return get_nlp()(text)


def pipeline_name() -> str:
    nlp = get_nlp()
    return f"{nlp.meta.get('lang', 'nl')}_{nlp.meta.get('name', 'blank')}-{nlp.meta.get('version', '')}"


CHUNK_CHARS = 100_000      # spaCy refuses texts over nlp.max_length (1,000,000: error E088); we feed less


def chunks(text: str, size: int = CHUNK_CHARS) -> list[str]:
    """`text` in pieces of at most `size` characters, cut at whitespace where possible."""
    if len(text) <= size:
        return [text]
    out, i = [], 0
    while i < len(text):
        j = min(i + size, len(text))
        if j < len(text):
            k = text.rfind(" ", i + size // 2, j)
            j = k + 1 if k > 0 else j
        out.append(text[i:j])
        i = j
    return out


def sentences(text: str) -> list[str]:
    """Sentences of a text; list items and paragraphs never run into each other."""
    out: list[str] = []
    for block in re.split(r"\n+", text):
        block = block.strip()
        if not block:
            continue
        for piece in chunks(block):
            doc = analyse(piece)
            out += [s.text.strip() for s in doc.sents if s.text.strip()]
    return out


def lemmas(text: str) -> list[str]:
    """Accent-folded lowercase lemmas of content words (no stop words, punctuation, numbers)."""
    with NLP_LOCK:
        return [fold(t.lemma_ or t.text) for piece in chunks(text) for t in get_nlp()(piece)
                if t.is_alpha and not t.is_stop and len(t.text) > 2]


def keywords(text: str, n: int = 12) -> list[str]:
    """Most frequent content lemmas, ties broken by first occurrence."""
    counts: dict[str, int] = {}
    for lem in lemmas(text):
        counts[lem] = counts.get(lem, 0) + 1
    return [w for w, _ in sorted(counts.items(), key=lambda kv: -kv[1])[:n]]


# ---------------------------------------------------------------- compounds

COMPOUND_MIN_PART = 4
_LINKS = ("", "s", "en", "e")       # Dutch linking morphemes: ziekte-verzuim, arbeid-s-markt, minut-en-registratie


@lru_cache(maxsize=1)
def dutch_lexicon() -> frozenset[str]:
    """About 400,000 Dutch word forms and lemmas (accent-folded), from the lemma tables that
    spacy-lookups-data ships (inflected forms -> lemma, and lemmas per part of speech); used
    to split compounds."""
    import spacy_lookups_data
    data = Path(spacy_lookups_data.__file__).parent / "data"
    with gzip.open(data / "nl_lemma_lookup.json.gz", "rt", encoding="utf-8") as fh:
        words = {w for pair in json.load(fh).items() for w in pair}
    with gzip.open(data / "nl_lemma_index.json.gz", "rt", encoding="utf-8") as fh:
        words |= {w for lemmas_ in json.load(fh).values() for w in lemmas_}
    return frozenset(fold(w) for w in words if w.isalpha() and len(w) >= 3)


def is_word(w: str, lexicon: frozenset[str]) -> bool:
    """A lexicon word, also in plural or inflected form (-s, -e, -n, -en, -es)."""
    return (w in lexicon or (w[-1] in "sen" and w[:-1] in lexicon)
            or (w[-2:] in ("en", "es") and w[:-2] in lexicon))


@lru_cache(maxsize=65536)
def decompound(word: str) -> tuple[str, ...]:
    """The parts of a Dutch compound: 'minutenregistratie' -> ('minuten', 'registratie'),
    'onderbezetting' -> ('onder', 'bezetting'); () when `word` (folded, lowercase) is no
    compound of known words. Of all splits, the one whose shortest part is longest wins."""
    if len(word) < 2 * COMPOUND_MIN_PART or not word.isalpha():
        return ()
    lexicon = dutch_lexicon()
    best: tuple[str, ...] = ()
    for i in range(COMPOUND_MIN_PART, len(word) - COMPOUND_MIN_PART + 1):
        head = word[:i]
        if head not in lexicon:
            continue
        rest = word[i:]
        for link in _LINKS:
            tail = rest[len(link):]
            if not rest.startswith(link) or len(tail) < COMPOUND_MIN_PART:
                continue
            split = (head, tail) if is_word(tail, lexicon) else ((head, *decompound(tail)) if decompound(tail) else ())
            if split and (not best or (min(map(len, split)), -len(split)) > (min(map(len, best)), -len(best))):
                best = split
    return best


# ---------------------------------------------------------------- gazetteers

@dataclass
class Gazetteer:
    """Exact-case phrase matching of place and organisation names ('Leiden' the town, not
    'leiden' the verb)."""
    matcher: PhraseMatcher
    targets: dict[str, list[str]]   # match key -> ids

    def find(self, text: str) -> list[str]:
        found: list[str] = []
        with NLP_LOCK:
            for piece in chunks(text):
                doc = get_nlp().make_doc(piece)
                for match_id, _start, _end in self.matcher(doc):
                    for target in self.targets[get_nlp().vocab.strings[match_id]]:
                        if target not in found:
                            found.append(target)
        return found


def make_gazetteer(names: dict[str, list[str]]) -> Gazetteer:
    nlp = get_nlp()
    with NLP_LOCK:
        matcher = PhraseMatcher(nlp.vocab, attr="ORTH")
        targets: dict[str, list[str]] = {}
        for i, (name, ids) in enumerate(sorted(names.items())):
            key = f"G{i}"
            targets[key] = list(ids)
            matcher.add(key, [nlp.make_doc(name)])
    return Gazetteer(matcher, targets)


def region_gazetteer(registry: Registry) -> Gazetteer:
    return make_gazetteer(registry.region_aliases(places=True))


# ---------------------------------------------------------------- classification

@lru_cache(maxsize=4096)
def _folded(keywords: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(fold(k) for k in keywords)


def _stems(item: dict) -> tuple[str, ...]:
    return _folded(tuple(item.get("keywords", ())))


def classify(text: str, items: list[dict], *, min_hits: int = 1, limit: int = 3) -> list[str]:
    """Taxonomy values whose keyword stems occur in the text (accent-folded words and lemmas).

    Multi-word keywords match as phrases; single words of six letters or more match as word
    prefixes, so 'stageplek' also finds 'stageplekken'; shorter ones match whole words.
    Returns ids with at least `min_hits` distinct keyword hits, best first."""
    folded = fold(text)
    words = set(re.findall(r"[a-z0-9-]+", folded)) | set(lemmas(text))
    scores = []
    for item in items:
        hits = 0
        for stem in _stems(item):
            if " " in stem:
                hits += stem in folded
            elif len(stem) >= 6:
                hits += any(w.startswith(stem) for w in words)
            else:                      # short keywords ('regie', 'uren') only as whole words
                hits += stem in words
        if hits >= min_hits:
            scores.append((hits, item["id"]))
    scores.sort(key=lambda x: -x[0])
    return [i for _, i in scores[:limit]]


_RESULT_CUES = re.compile(
    r"aanmeld|inschrijv|deelnemer|plekken|plaatsen|vacature|procent|%|minder|meer dan|besparing|"
    r"bespaar|tijdwinst|afname|toename|gestegen|verhoogd|mensen gebruik|zij-instromers aangenomen|"
    r"reactie|ligdagen|valincident|fte|reistijd|reiskosten|arbeidskosten|cliënten ervaart|uitvalpercentage",
    re.I)


# A number on its own ("600", "75%", "1,5"), not part of a code such as "fwg-35" or "mbo4".
_NUMBER = re.compile(r"(?<![\w-])\d+(?:[.,]\d+)*\s*%?(?![\w-])")


def quantified_results(text: str) -> list[str]:
    """Sentences that state a measured result: a number together with a result word,
    e.g. 'De werving voor dit traject resulteerde in 600 aanmeldingen voor 50 plekken.'"""
    out = []
    for s in sentences(text):
        if _NUMBER.search(s) and _RESULT_CUES.search(s) and len(s) < 400:
            out.append(s.lstrip("• ").strip())
    return out
