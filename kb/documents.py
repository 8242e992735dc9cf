"""Documents: the source texts entries cite (provenance spans index into `Document.text`).

A document has one of three origins (`document_origin`):

    'bron'      an ingested source document (corpus or `praktijkwijzer ingest`)
    'upload'    imported by a curator (kb.proposals); only the passages that published
                entries cite are public (kb.published)
    'redactie'  the first text of an entry a curator wrote (`add_editorial_document`); not
                public as a document, the entry itself is
"""
from __future__ import annotations

import hashlib
import sqlite3

from kb.audit import now
from kb.models import Document, Entry, Source

REDACTIE_PREFIX = "redactie-"        # id prefix of the documents that hold a curator's first text


def upsert_document(conn: sqlite3.Connection, doc: Document) -> str:
    """Insert or update a document. Returns 'created', 'updated' or 'unchanged'."""
    row = conn.execute("SELECT sha256, title FROM documents WHERE id = ?", (doc.id,)).fetchone()
    if row and row["sha256"] == doc.sha256:
        return "unchanged"
    doc.ingested_at = now()
    values = (doc.path, doc.title, doc.publisher, doc.date, doc.licence, doc.format,
              doc.encoding, doc.sha256, doc.text, doc.ingested_at, doc.id)
    if row:
        conn.execute(
            "UPDATE documents SET path=?, title=?, publisher=?, date=?, licence=?, format=?, "
            "encoding=?, sha256=?, text=?, ingested_at=? WHERE id=?", values)
        return "updated"
    conn.execute(
        "INSERT INTO documents (path, title, publisher, date, licence, format, encoding, sha256, "
        "text, ingested_at, id) VALUES (?,?,?,?,?,?,?,?,?,?,?)", values)
    return "created"


def get_document(conn: sqlite3.Connection, doc_id: str) -> Document | None:
    row = conn.execute("SELECT * FROM documents WHERE id = ?", (doc_id,)).fetchone()
    return Document(**dict(row)) if row else None


def document_exists(conn: sqlite3.Connection, doc_id: str) -> bool:
    return conn.execute("SELECT 1 FROM documents WHERE id = ?", (doc_id,)).fetchone() is not None


def document_ids(conn: sqlite3.Connection) -> set[str]:
    return {r[0] for r in conn.execute("SELECT id FROM documents")}


def list_documents(conn: sqlite3.Connection, *, include_uploads: bool = False) -> list[Document]:
    """Stored documents. Documents that came in through curation (an upload, kb.proposals, or the
    text of an entry a curator wrote) are left out unless asked for: ingestion must not segment
    them again, since for those a curator decides what becomes an entry."""
    sql = "SELECT * FROM documents WHERE 1=1"
    if not include_uploads:
        for table in ("import_batches", "curator_documents"):
            if has_table(conn, table):
                sql += f" AND id NOT IN (SELECT document_id FROM {table})"
    return [Document(**dict(r)) for r in conn.execute(sql + " ORDER BY id")]


def document_origin(conn: sqlite3.Connection, doc_id: str) -> str:
    """'bron' (an ingested source document), 'upload' (imported by a curator: only the passages
    that published entries cite are public) or 'redactie' (the first text of an entry a curator
    wrote: not public as a document; the entry itself is)."""
    if has_table(conn, "curator_documents") and conn.execute(
            "SELECT 1 FROM curator_documents WHERE document_id = ?", (doc_id,)).fetchone():
        return "redactie"
    if has_table(conn, "import_batches") and conn.execute(
            "SELECT 1 FROM import_batches WHERE document_id = ?", (doc_id,)).fetchone():
        return "upload"
    return "bron"


def has_table(conn: sqlite3.Connection, name: str) -> bool:
    return conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)).fetchone() is not None


def add_editorial_document(conn: sqlite3.Connection, e: Entry, author: str) -> Source:
    """Provenance for an entry a curator writes: its first text, stored as a document of the
    Actie Leer Netwerk's editors (cited like any source; not segmented by ingestion).
    Returns the source that cites the whole text."""
    text = "\n\n".join(p for p in (e.title, e.summary, e.body) if p)
    doc_id = REDACTIE_PREFIX + e.id
    ts = now()
    conn.execute("INSERT INTO documents (id, path, title, publisher, date, licence, format, encoding, sha256, text, "
                 "ingested_at) VALUES (?,?,?,?,?,NULL,'text','utf-8',?,?,?)",
                 (doc_id, f"redactie/{e.id}", f"Bijdrage van de redactie: {e.title}",
                  "Actie Leer Netwerk (redactie)", ts[:10], hashlib.sha256(text.encode("utf-8")).hexdigest(),
                  text, ts))
    conn.execute("INSERT INTO curator_documents (document_id, entry_id, author, created_at) VALUES (?,?,?,?)",
                 (doc_id, e.id, author, ts))
    return Source(doc_id, e.title, 0, len(text))
