"""Dutch text analysis for the lexical index: lowercasing, accent folding, stop words,
Snowball stemming, and compound-friendly tokens.

    'Zij-instromers vinden geen stageplaatsen' ->
        zij instromer zijinstromer vind stageplek stag plek

Hyphenated words yield their parts and the joined form, so 'zij-instromers' and
'zijinstromers' meet; adjacent words also yield their joined form ('stage plaatsen' ->
'stageplaats'), and 'plaats' compounds normalise to 'plek' (stageplaats = stageplek).
Compounds also yield their parts (ingest.nlp.decompound, against a Dutch lexicon), so that
'minuut' finds 'minutenregistratie' and 'thuiszorgteam' finds 'thuiszorg'.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import Stemmer
from spacy.lang.nl.stop_words import STOP_WORDS

from ingest.nlp import decompound

_STEMMER = Stemmer.Stemmer("dutch")
_WORD = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
STOP = {w for w in (unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode() for s in STOP_WORDS)}
STOP |= {"bijvoorbeeld", "gaan", "komen", "hoe", "wat", "waar", "onze", "ons", "we", "wij", "jullie"}
_VARIANTS = [(re.compile(r"^(sta|stage|leerwerk|opleiding|opleidings|werk|leer)plaats"), r"\1plek")]


def fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if not unicodedata.combining(c)).lower()


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    s = _STEMMER.stemWord(word)
    for pattern, repl in _VARIANTS:
        s = pattern.sub(repl, s)
    return s


def words(text: str) -> list[str]:
    """Lowercase, accent-folded words (hyphenated compounds kept whole)."""
    return _WORD.findall(fold(text))


@lru_cache(maxsize=65536)
def part_stems(word: str) -> tuple[str, ...]:
    """Stems of the parts of a compound and of their parts ('thuiszorgteam' -> thuis,
    zorgteam, zorg, team); () for a simple word."""
    out: list[str] = []
    for p in decompound(word):
        if p not in STOP:
            out.append(stem(p))
        out += [stem(q) for q in decompound(p) if q not in STOP]
    return tuple(dict.fromkeys(s for s in out if s != stem(word)))


def analyze(text: str, *, joins: bool = True) -> list[str]:
    """Index/query terms of a text (see module docstring)."""
    terms: list[str] = []
    prev: str | None = None
    for w in words(text):
        parts = w.split("-")
        if len(parts) > 1:
            for p in parts:
                if p not in STOP and len(p) > 1:
                    terms.append(stem(p))
                    terms += part_stems(p)
            terms.append(stem("".join(parts)))
            prev = None
            continue
        if w in STOP or len(w) < 2:
            prev = None
            continue
        terms.append(stem(w))
        terms += part_stems(w)
        if joins and prev and len(prev) >= 4 and len(w) >= 4:
            terms.append(stem(prev + w))
        prev = w
    return terms


@lru_cache(maxsize=16384)
def word_spans(text: str) -> tuple[tuple[int, int, str], ...]:
    """(start, end, stem) of every word in the original text, for highlighting matches."""
    out = []
    for m in re.finditer(r"[^\W_]+(?:-[^\W_]+)*", text):
        w = fold(m.group(0))
        stems = {stem(p) for p in w.split("-") if p} | {stem(w.replace("-", ""))}
        stems |= {s for p in w.split("-") for s in part_stems(p)}
        for s in stems:
            out.append((m.start(), m.end(), s))
    return tuple(out)
