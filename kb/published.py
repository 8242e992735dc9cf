"""What the public sees: published entries, the documents they cite, and counts.

Only entries with status 'gepubliceerd' are public. A document is public when at least one
published entry cites it and it is not the first text of a curator's entry ('redactie',
kb.documents); of a document a curator imported ('upload') only the cited passages are
public. `public_document` is the one rule; `public_documents` lists what it admits.
"""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field, replace

from kb.documents import document_origin, get_document
from kb.entries import get_entry
from kb.models import Document, Entry, kind_of

PUBLISHED = "gepubliceerd"
OUTSIDE_NOTICE = "De gevraagde passage ligt buiten dit document; hieronder staat de volledige tekst."
UPLOAD_NOTICE = ("Van dit door de redactie ingelezen document zijn alleen de passages openbaar die "
                 "gepubliceerde kennisitems citeren.")


def published_entry(conn: sqlite3.Connection, entry_id: str) -> Entry | None:
    """The entry when it is published; None when it does not exist or is not public."""
    e = get_entry(conn, entry_id)
    return e if e is not None and e.status == PUBLISHED else None


def entry_citations(conn: sqlite3.Connection, e: Entry) -> list[dict]:
    """The entry's sources with their document titles: {document, document_title, heading, start, end}."""
    out, titles = [], {}
    for s in e.sources:
        if s.document_id not in titles:
            doc = get_document(conn, s.document_id)
            titles[s.document_id] = doc.title if doc else s.document_id
        out.append({"document": s.document_id, "document_title": titles[s.document_id], "heading": s.heading,
                    "start": s.start, "end": s.end})
    return out


def organisation_names(conn: sqlite3.Connection, ids: list[str]) -> list[str]:
    """Display names of organisations, in the order given (an unknown id stays as it is)."""
    if not ids:
        return []
    marks = ",".join("?" for _ in ids)
    names = {r[0]: r[1] for r in conn.execute(f"SELECT id, name FROM organisations WHERE id IN ({marks})", ids)}
    return [names.get(i, i) for i in ids]


def region_entries(conn: sqlite3.Connection, region_id: str) -> list[dict]:
    """Published entries that name the region: {id, title, type, label, number}."""
    return [dict(r) for r in conn.execute(
        "SELECT e.id, e.title, e.type, e.label, e.number FROM entries e JOIN entry_regions r ON r.entry_id = e.id "
        "WHERE r.region_id = ? AND e.status = ? ORDER BY e.type DESC, e.title", (region_id, PUBLISHED))]


def published_counts(conn: sqlite3.Connection) -> dict[str, int]:
    """Published entries per kind (kb.models.kind_of): {'koploper': 3, 'advies': 17, ...}."""
    out: dict[str, int] = {}
    for row in conn.execute("SELECT type, label, count(*) FROM entries WHERE status = ? GROUP BY type, label",
                            (PUBLISHED,)):
        key = kind_of(row[0], row[1])
        out[key] = out.get(key, 0) + row[2]
    return out


# ---------------------------------------------------------------- public documents

@dataclass
class DocumentView:
    """What the source page shows: the (public) text, the highlighted span in it, a notice."""
    document: Document
    text: str
    span: tuple[int, int] | None = None
    notice: str | None = None
    heading: str | None = None         # the cited heading, when an entry's passage is shown


@dataclass
class PublicDocument:
    document: Document
    origin: str                                        # 'bron' or 'upload'
    cited: list[tuple[int, int]]                       # spans that published entries cite
    entries: list[dict] = field(default_factory=list)  # those entries, by their first citation

    def view(self, start: int | None = None, end: int | None = None, entry: Entry | None = None) -> DocumentView:
        """The text to show, with the passage [start, end) highlighted when it lies in the
        document. Of an uploaded document only the cited passages are public: a span that no
        published entry cites is not shown, and the file name is left out."""
        doc, text = self.document, self.document.text
        span, notice = None, None
        if start is not None or end is not None:
            if start is not None and end is not None and 0 <= start < end <= len(text):
                span = (start, end)
            else:
                notice = OUTSIDE_NOTICE
        heading = None
        if entry is not None and span:
            heading = next((s.heading for s in entry.sources if s.document_id == doc.id
                            and (s.start, s.end) == span), None)
        if self.origin == "upload":
            if span and span not in self.cited:
                span = None
            passages = [text[a:b] for a, b in self.cited] if not span else [text[span[0]:span[1]]]
            text = "\n\n[…]\n\n".join(passages)
            span = (0, len(text)) if span else None
            doc = replace(doc, path="")
            notice = UPLOAD_NOTICE
        return DocumentView(doc, text, span, notice, heading if span else None)


def public_document(conn: sqlite3.Connection, document_id: str) -> PublicDocument | None:
    """The document as the public may see it, or None when it is not public (unknown, cited by
    no published entry, or the first text of a curator's entry)."""
    doc = get_document(conn, document_id)
    if doc is None:
        return None
    cited = sorted({(r[0], r[1]) for r in conn.execute(
        "SELECT s.start, s.end FROM entry_sources s JOIN entries e ON e.id = s.entry_id "
        "WHERE s.document_id = ? AND e.status = ?", (document_id, PUBLISHED))})
    origin = document_origin(conn, document_id)
    if not cited or origin == "redactie":
        return None
    entries = [dict(r) for r in conn.execute(
        "SELECT DISTINCT e.id, e.title, e.type, e.label, e.number, min(s.start) AS start, min(s.end) AS end "
        "FROM entries e JOIN entry_sources s ON s.entry_id = e.id "
        "WHERE s.document_id = ? AND e.status = ? GROUP BY e.id ORDER BY start", (document_id, PUBLISHED))]
    return PublicDocument(doc, origin, cited, entries)


def public_documents(conn: sqlite3.Connection) -> list[dict]:
    """Every public document with the number of published entries citing it, by date and title:
    {id, title, publisher, date, licence, path, n}."""
    rows = conn.execute(
        "SELECT d.id, d.title, d.publisher, d.date, d.licence, d.path, count(DISTINCT e.id) AS n "
        "FROM documents d JOIN entry_sources s ON s.document_id = d.id "
        "JOIN entries e ON e.id = s.entry_id AND e.status = ? GROUP BY d.id ORDER BY d.date, d.title", (PUBLISHED,))
    return [dict(r) for r in rows if document_origin(conn, r["id"]) != "redactie"]
