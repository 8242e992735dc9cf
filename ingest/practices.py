"""A document of practices (a newsletter, a collection of good practices, a regional
report) split into proposed entries by its layout headings, for every format.

The document title is not a practice. The split level is the top heading level below the
title that has at least two headings (a single chapter heading such as 'Goede voorbeelden'
with practices below it splits at the level below); sub-headings ('Wat levert het op?')
stay inside their practice. Text before the first practice (an introduction), sections
such as 'Colofon', 'Inhoud' or 'Contact' and sections with almost no text are no practices.
A practice is titled by its heading without numbering ('1. Zelfroosteren in de wijk' ->
'Zelfroosteren in de wijk'); only a document without any heading becomes one proposal,
titled by the document title (or its first sentence when it has none).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.clean import clean_block, first_sentence
from ingest.document import Block, parse_text
from ingest.model import Draft, Source, fold, slugify

MIN_BODY = 40
_NOT_PRACTICE = re.compile(r"^(?:colofon|inhoud|inhoudsopgave|voorwoord|inleiding|agenda|contact|redactie|"
                           r"meer informatie|meer weten|in deze (?:nieuwsbrief|uitgave|editie)|aanmelden|"
                           r"bronnen|literatuur|bijlagen?\b|disclaimer|over (?:ons|deze))", re.I)


@dataclass
class Part:
    title: str
    heading: str          # heading path (provenance)
    body: str             # the section's text (markdown-like, sub-headings kept)
    start: int            # span of heading + body in the document text
    end: int


def split_level(blocks: list[Block]) -> int | None:
    heads = [b for b in blocks if b.kind == "heading" and b.role != "title"]
    if not heads:
        return None
    levels = sorted({b.level for b in heads})
    for lv in levels:
        n = sum(1 for b in heads if b.level == lv)
        if n >= 2:
            return lv
        deeper = [b for b in heads if b.level > lv]
        if not deeper:
            return lv
    return levels[0]


def split_parts(blocks: list[Block], text: str, title: str | None = None) -> list[Part]:
    """The practices of a document (blocks with spans into `text`)."""
    level = split_level(blocks)
    if level is None:
        body = text.strip()
        if not body:
            return []
        doc_title = title or next((b.text for b in blocks if b.role == "title"), None)
        t = doc_title or first_sentence(clean_block(body))
        return [Part(_short(t), "", body, 0, len(text.rstrip()))]
    parts: list[Part] = []
    parents: list[Block] = []
    heads = [i for i, b in enumerate(blocks) if b.kind == "heading" and b.role != "title" and b.level <= level]
    for n, i in enumerate(heads):
        h = blocks[i]
        while parents and parents[-1].level >= h.level:
            parents.pop()
        path = " > ".join([p.title for p in parents] + [h.title])
        parents.append(h)
        if h.level != level:
            continue
        stop = heads[n + 1] if n + 1 < len(heads) else len(blocks)
        inner = blocks[i + 1:stop]
        end = inner[-1].end if inner else h.end
        body = text[h.end:end].strip("\n")
        t = h.title.rstrip(":").strip()
        if _NOT_PRACTICE.match(fold(t)) or len(clean_block(body)) < MIN_BODY:
            continue
        parts.append(Part(_short(t), path, body, h.start, end))
    return parts


def _short(title: str, limit: int = 150) -> str:
    title = " ".join(title.split())
    if len(title) <= limit:
        return title
    cut = title[:limit].rsplit(" ", 1)[0]
    return cut.rstrip(",;:") + " ..."


def practice_drafts(doc_id: str, blocks: list[Block], text: str, title: str | None = None) -> list[Draft]:
    """Proposed practices (status 'concept', label 'voorbeeld') with provenance spans."""
    out = []
    for p in split_parts(blocks, text, title):
        body = clean_block(p.body)
        if len(body) < MIN_BODY:
            continue
        out.append(Draft(id=slugify(p.title), type="praktijk", title=p.title, body=body,
                         sources=[Source(doc_id, p.heading, p.start, p.end)], label="voorbeeld", status="concept"))
    return out


def text_blocks(text: str) -> list[Block]:
    """Blocks of a document text as stored: Markdown when it has '#' headings (the rendered
    text of PDF, DOCX and HTML has them), else plain text."""
    return parse_text(text, markdown=bool(re.search(r"^#{1,6} \S", text, re.M)))
