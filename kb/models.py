"""The knowledge base's data model: plain dataclasses mirrored by the SQLite tables.

An `Entry` is an ingestion `Draft` (content, taxonomy, provenance) plus what the knowledge
base adds: origin, the fields a curator edited, version and timestamps, the practice card
(structured fields a curator confirms, `CARD_FIELDS`) and the recognition level
(`erkenning`, with the latest assessments; kb.assessments)."""
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


# The practice card: fixed fields like those of other practice databases (problem, approach,
# costs, conditions, lessons, contact, duration, status, last review). Filled by curators, from
# suggestions that cite the entry's own sentences (kb.card); empty until someone fills them.
CARD_FIELDS = (
    "probleem", "aanpak", "kosten", "randvoorwaarden", "lessen", "wat_ging_mis", "wat_leerden_we",
    "contact", "looptijd", "praktijkstatus", "laatst_beoordeeld",
)
PRACTICE_STATES = {"lopend": "lopend", "afgerond": "afgerond", "gestopt": "gestopt"}
# Recognition levels (after the Databank Effectieve Interventies); every entry starts unassessed.
ERKENNING_LEVELS = {"niet_beoordeeld": "niet beoordeeld", "goed_beschreven": "goed beschreven",
                    "goed_onderbouwd": "goed onderbouwd", "effectief": "effectief"}
UNASSESSED = "niet_beoordeeld"

# Fields that describe an entry's content. A curator's edit to one of these is kept
# when the source document is ingested again.
CONTENT_FIELDS = (
    "type", "title", "summary", "body", "label", "audience", "number", "results",
    "actielijnen", "themes", "branches", "regions", "organisations", "status",
) + CARD_FIELDS


@dataclass
class Entry(Draft):
    """A stored entry: an ingested (or curator-written) draft plus its life in the knowledge base."""
    origin: str = "ingest"
    edited_fields: list[str] = field(default_factory=list)
    version: int = 1
    created_at: str = ""
    updated_at: str = ""
    # the practice card (text; laatst_beoordeeld an ISO date, praktijkstatus a PRACTICE_STATES key)
    probleem: str = ""
    aanpak: str = ""
    kosten: str = ""
    randvoorwaarden: str = ""
    lessen: str = ""
    wat_ging_mis: str = ""
    wat_leerden_we: str = ""
    contact: str = ""
    looptijd: str = ""
    praktijkstatus: str = ""
    laatst_beoordeeld: str = ""
    # recognition: the current level and the latest assessments (not versioned content: each
    # assessment is its own record, kb.assessments)
    erkenning: str = UNASSESSED
    erkenning_info: dict | None = None
    koploper_check: dict | None = None

    @classmethod
    def from_draft(cls, d: Draft) -> "Entry":
        return cls(**{f.name: getattr(d, f.name) for f in fields(Draft)})

    def card(self) -> dict[str, str]:
        """The filled fields of the practice card."""
        return {k: getattr(self, k) for k in CARD_FIELDS if getattr(self, k)}

    def content_hash(self) -> str:
        data = {k: getattr(self, k) for k in CONTENT_FIELDS if k not in CARD_FIELDS}
        if self.card():                     # an empty card leaves the hash of older entries as it was
            data["card"] = self.card()
        data["sources"] = [asdict(s) for s in self.sources]
        data["chunks"] = self.chunks
        data["keywords"] = self.keywords
        raw = json.dumps(data, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(raw.encode("utf-8")).hexdigest()

    def to_dict(self) -> dict:
        d = asdict(self)
        for k in ("chunks",) + ASSESSMENT_FIELDS:
            d.pop(k)
        return d


# Entry attributes that are read from the assessments, not saved with a version.
ASSESSMENT_FIELDS = ("erkenning", "erkenning_info", "koploper_check")


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
