"""Merging a proposal's text and results into an entry without saying anything twice.

A sentence is already there when its normalised form (accent-folded words, numbers as figures:
"1.200" = "1200", "2,5" = "2.5") occurs in the entry's normalised text. A result is already
there when it states the same figures and its words largely overlap an existing result's
("Meer dan 600 aanmeldingen voor 50 plekken" = "600 aanmeldingen voor 50 plekken", but not
"50 procent minder verzuim").
"""
from __future__ import annotations

import re

from ingest.model import fold

_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+(?=[\"“‘(]?[A-ZÀ-Ý0-9])")
MIN_WORD_OVERLAP = 0.5


def _figure(raw: str) -> str:
    """A number as written in Dutch -> a canonical figure: '1.200' -> '1200', '2,5' -> '2.5'."""
    if re.fullmatch(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?", raw):
        raw = raw.replace(".", "")
    raw = raw.replace(".", "") if "," in raw else raw
    raw = raw.replace(",", ".")
    try:
        value = float(raw)
    except ValueError:
        return raw
    return f"{value:g}" if value < 1e15 else raw


def figures(text: str) -> list[str]:
    """The figures a text states, sorted."""
    return sorted(_figure(m) for m in _NUMBER.findall(text or ""))


def normalise(text: str) -> str:
    """Words and figures only: accent-folded, lowercase, punctuation and white space gone."""
    text = _NUMBER.sub(lambda m: " n" + _figure(m.group()).replace(".", "_") + " ", fold(text or ""))
    return " ".join(re.findall(r"\w+", text))


def split_sentences(paragraph: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(paragraph.strip()) if s.strip()]


def paragraphs(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"\n+", text or "") if p.strip()]


def new_sentences(existing: str, addition: str) -> list[str]:
    """The paragraphs of `addition` with every sentence that `existing` (or an earlier part of
    `addition`) already says left out; paragraphs left empty disappear."""
    have = f" {normalise(existing)} "
    out = []
    for para in paragraphs(addition):
        kept = []
        for s in split_sentences(para):
            n = normalise(s)
            if not n or f" {n} " in have:
                continue
            kept.append(s)
            have += f"{n} "
        if kept:
            out.append(" ".join(kept))
    return out


def merge_text(existing: str, addition: str) -> str:
    extra = new_sentences(existing, addition)
    return existing.rstrip() + "\n" + "\n".join(extra) if extra else existing


def _words(text: str) -> set[str]:
    return {w for w in normalise(text).split() if len(w) > 2 and not re.fullmatch(r"n[\d_]+", w)}


def same_result(a: str, b: str) -> bool:
    """Do two result lines state the same result (same figures, largely the same words)?"""
    fa, fb = figures(a), figures(b)
    if fa != fb:
        return False
    wa, wb = _words(a), _words(b)
    if not fa:
        return normalise(a) == normalise(b) or (bool(wa) and bool(wb) and (wa <= wb or wb <= wa))
    if not wa or not wb:
        return True
    return len(wa & wb) / min(len(wa), len(wb)) >= MIN_WORD_OVERLAP


def merge_results(existing: list[str], addition: list[str]) -> list[str]:
    out = list(existing)
    for r in addition:
        if r.strip() and not any(same_result(r, x) for x in out):
            out.append(r)
    return out
