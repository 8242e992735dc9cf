"""What ingestion produces: entry drafts with provenance, and the text helpers for ids.

Ingestion knows nothing of the database. A `Draft` carries what a source document says
about one entry (content, taxonomy, provenance spans); the knowledge base (kb/) turns
drafts into stored, versioned entries.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field


def fold(text: str) -> str:
    """Lowercase and strip accents: 'Cliënten' -> 'clienten'."""
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if not unicodedata.combining(c)).lower()


def slugify(text: str, max_words: int = 12) -> str:
    """A stable, readable id: 'Carrièreswitchers van Pluryn' -> 'carriereswitchers-van-pluryn'."""
    words = re.findall(r"[a-z0-9]+", fold(text))
    return "-".join(words[:max_words]) or "item"


@dataclass
class Source:
    """Provenance: where in which document an entry's text stands."""
    document_id: str
    heading: str
    start: int
    end: int


@dataclass
class Draft:
    """One entry as a source document yields it."""
    id: str
    type: str
    title: str
    body: str
    summary: str = ""
    label: str | None = None
    audience: str | None = None
    number: str | None = None
    actielijnen: list[str] = field(default_factory=list)
    themes: list[str] = field(default_factory=list)
    branches: list[str] = field(default_factory=list)
    regions: list[str] = field(default_factory=list)
    organisations: list[str] = field(default_factory=list)
    results: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    status: str = "gepubliceerd"
    sources: list[Source] = field(default_factory=list)
    chunks: list[str] = field(default_factory=list)   # passage-level texts (entry text is chunk 0)
