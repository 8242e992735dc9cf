"""The knowledge base's data model: plain dataclasses mirrored by the SQLite tables.

An `Entry` is an ingestion `Draft` (content, taxonomy, provenance) plus what the knowledge
base adds: origin, the fields a curator edited, version and timestamps."""
from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field, fields

from ingest.model import Draft, Source, fold, slugify  # noqa: F401  (re-exported: the data model's parts)

ENTRY_TYPES = ("praktijk", "advies", "bouwsteen", "beleid")
TYPE_LABELS = {"praktijk": "Praktijk", "advies": "Advies", "bouwsteen": "Bouwsteen", "beleid": "Beleid"}
PRACTICE_LABELS = ("Koploper", "Falend Vooruit", "voorbeeld")
STATUSES = ("concept", "ter_review", "gepubliceerd", "gearchiveerd")
AUDIENCES = {"regio": "Zorgorganisaties en regionale partijen", "landelijk": "VWS en landelijke partijen"}

# The kinds users tell apart (the "soort" of an entry): the type, and for practices the label.
KINDS = ("koploper", "falend-vooruit", "voorbeeld", "advies", "bouwsteen", "beleid")
KIND_LABELS = {"koploper": "Koploper", "falend-vooruit": "Falend Vooruit", "voorbeeld": "Voorbeeldpraktijk",
               "advies": "Advies", "bouwsteen": "Bouwsteen", "beleid": "Beleid"}
# The filter values that select each kind.
KIND_FILTERS = {
    "koploper": {"type": "praktijk", "label": "Koploper"},
    "falend-vooruit": {"type": "praktijk", "label": "Falend Vooruit"},
    "voorbeeld": {"type": "praktijk", "label": "voorbeeld"},
    "advies": {"type": "advies"},
    "bouwsteen": {"type": "bouwsteen"},
    "beleid": {"type": "beleid"},
}


def kind_of(type_: str, label: str | None) -> str:
    """The kind of an entry: 'koploper', 'falend-vooruit', 'voorbeeld' (practices, by label),
    or its type ('advies', 'bouwsteen', 'beleid')."""
    if type_ == "praktijk":
        lab = (label or "voorbeeld").lower()
        return {"koploper": "koploper", "falend vooruit": "falend-vooruit"}.get(lab, "voorbeeld")
    return type_


# Fields that describe an entry's content. A curator's edit to one of these is kept
# when the source document is ingested again.
CONTENT_FIELDS = (
    "type", "title", "summary", "body", "label", "audience", "number", "results",
    "actielijnen", "themes", "branches", "regions", "organisations", "status",
)


@dataclass
class Entry(Draft):
    """A stored entry: an ingested (or curator-written) draft plus its life in the knowledge base."""
    origin: str = "ingest"
    edited_fields: list[str] = field(default_factory=list)
    version: int = 1
    created_at: str = ""
    updated_at: str = ""

    @classmethod
    def from_draft(cls, d: Draft) -> "Entry":
        return cls(**{f.name: getattr(d, f.name) for f in fields(Draft)})

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
