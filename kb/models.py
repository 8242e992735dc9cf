"""The knowledge base's data model: plain dataclasses mirrored by the SQLite tables."""
from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import asdict, dataclass, field

ENTRY_TYPES = ("praktijk", "advies", "bouwsteen", "beleid")
TYPE_LABELS = {"praktijk": "Praktijk", "advies": "Advies", "bouwsteen": "Bouwsteen", "beleid": "Beleid"}
PRACTICE_LABELS = ("Koploper", "Falend Vooruit", "voorbeeld")
STATUSES = ("concept", "ter_review", "gepubliceerd", "gearchiveerd")
AUDIENCES = {"regio": "Zorgorganisaties en regionale partijen", "landelijk": "VWS en landelijke partijen"}

# Fields that describe an entry's content. A curator's edit to one of these is kept
# when the source document is ingested again.
CONTENT_FIELDS = (
    "title", "summary", "body", "label", "audience", "number", "results",
    "actielijnen", "themes", "branches", "regions", "organisations", "status",
)


@dataclass
class Source:
    """Provenance: where in which document an entry's text stands."""
    document_id: str
    heading: str
    start: int
    end: int


@dataclass
class Entry:
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
    origin: str = "ingest"
    edited_fields: list[str] = field(default_factory=list)
    version: int = 1
    created_at: str = ""
    updated_at: str = ""

    def content_hash(self) -> str:
        data = {k: getattr(self, k) for k in CONTENT_FIELDS}
        data["sources"] = [asdict(s) for s in self.sources]
        data["chunks"] = self.chunks
        data["keywords"] = self.keywords
        raw = json.dumps(data, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(raw.encode("utf-8")).hexdigest()

    def to_dict(self) -> dict:
        d = asdict(self)
        d.pop("chunks")
        return d


@dataclass
class Document:
    id: str
    path: str
    title: str
    format: str
    sha256: str
    text: str
    publisher: str | None = None
    date: str | None = None
    licence: str | None = None
    encoding: str | None = None
    ingested_at: str = ""


def fold(text: str) -> str:
    """Lowercase and strip accents: 'Cliënten' -> 'clienten'."""
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if not unicodedata.combining(c)).lower()


def slugify(text: str, max_words: int = 12) -> str:
    """A stable, readable id: 'Carrièreswitchers van Pluryn' -> 'carriereswitchers-van-pluryn'."""
    words = re.findall(r"[a-z0-9]+", fold(text))
    return "-".join(words[:max_words]) or "item"
