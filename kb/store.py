"""Reading and writing entries, documents and the audit log.

Every write of an entry creates a new version (a JSON snapshot in entry_versions) and an
audit event with a field diff, so the history of each entry can be read and restored.
"""
from __future__ import annotations

import json
import sqlite3
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone

from kb.db import transaction
from kb.models import CONTENT_FIELDS, Document, Entry, Source

TAXONOMY_FIELDS = {"actielijnen": "actielijn", "themes": "thema", "branches": "branche"}


def now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def audit(conn: sqlite3.Connection, actor: str, action: str, entity: str,
          entity_id: str | None = None, details: dict | None = None) -> None:
    conn.execute(
        "INSERT INTO audit_events (at, actor, action, entity, entity_id, details) VALUES (?,?,?,?,?,?)",
        (now(), actor, action, entity, entity_id, json.dumps(details or {}, ensure_ascii=False)),
    )


# ---------------------------------------------------------------- documents

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


def list_documents(conn: sqlite3.Connection) -> list[Document]:
    return [Document(**dict(r)) for r in conn.execute("SELECT * FROM documents ORDER BY id")]


# ---------------------------------------------------------------- entries

def _row_to_entry(conn: sqlite3.Connection, row: sqlite3.Row) -> Entry:
    eid = row["id"]
    e = Entry(
        id=eid, type=row["type"], title=row["title"], body=row["body"], summary=row["summary"],
        label=row["label"], audience=row["audience"], number=row["number"],
        results=json.loads(row["results"]), keywords=json.loads(row["keywords"]),
        status=row["status"], origin=row["origin"], edited_fields=json.loads(row["edited_fields"]),
        version=row["version"], created_at=row["created_at"], updated_at=row["updated_at"],
    )
    for fld, kind in TAXONOMY_FIELDS.items():
        setattr(e, fld, [r[0] for r in conn.execute(
            "SELECT t.value FROM entry_taxonomy t JOIN taxonomy x ON x.kind = t.kind AND x.id = t.value "
            "WHERE t.entry_id = ? AND t.kind = ? ORDER BY t.ord, x.ord", (eid, kind))])
    e.regions = [r[0] for r in conn.execute(
        "SELECT r.id FROM entry_regions er JOIN regions r ON r.id = er.region_id "
        "WHERE er.entry_id = ? ORDER BY r.number", (eid,))]
    e.organisations = [r[0] for r in conn.execute(
        "SELECT organisation_id FROM entry_organisations WHERE entry_id = ? ORDER BY organisation_id", (eid,))]
    e.sources = [Source(r["document_id"], r["heading"], r["start"], r["end"]) for r in conn.execute(
        "SELECT * FROM entry_sources WHERE entry_id = ? ORDER BY ord", (eid,))]
    e.chunks = [r[0] for r in conn.execute(
        "SELECT text FROM chunks WHERE entry_id = ? AND kind = 'passage' ORDER BY ord", (eid,))]
    return e


def get_entry(conn: sqlite3.Connection, entry_id: str) -> Entry | None:
    row = conn.execute("SELECT * FROM entries WHERE id = ?", (entry_id,)).fetchone()
    return _row_to_entry(conn, row) if row else None


def list_entries(conn: sqlite3.Connection, *, type: str | None = None, label: str | None = None,
                 actielijn: str | None = None, thema: str | None = None, branche: str | None = None,
                 regio: str | None = None, status: str | None = None) -> list[Entry]:
    sql = ["SELECT e.* FROM entries e WHERE 1=1"]
    args: list = []
    if type:
        sql.append("AND e.type = ?"); args.append(type)
    if label:
        sql.append("AND lower(e.label) = lower(?)"); args.append(label)
    if status:
        sql.append("AND e.status = ?"); args.append(status)
    for kind, value in (("actielijn", actielijn), ("thema", thema), ("branche", branche)):
        if value:
            sql.append("AND EXISTS (SELECT 1 FROM entry_taxonomy t WHERE t.entry_id = e.id "
                       "AND t.kind = ? AND t.value = ?)")
            args += [kind, value]
    if regio:
        sql.append("AND EXISTS (SELECT 1 FROM entry_regions r WHERE r.entry_id = e.id AND r.region_id = ?)")
        args.append(regio)
    sql.append("ORDER BY e.type, e.id")
    return [_row_to_entry(conn, r) for r in conn.execute(" ".join(sql), args)]


def entry_ids(conn: sqlite3.Connection) -> list[str]:
    return [r[0] for r in conn.execute("SELECT id FROM entries ORDER BY id")]


def _write_relations(conn: sqlite3.Connection, e: Entry) -> None:
    eid = e.id
    for table in ("entry_taxonomy", "entry_regions", "entry_organisations", "entry_sources", "chunks"):
        conn.execute(f"DELETE FROM {table} WHERE entry_id = ?", (eid,))
    for fld, kind in TAXONOMY_FIELDS.items():
        conn.executemany("INSERT OR IGNORE INTO entry_taxonomy (entry_id, kind, value, ord) VALUES (?,?,?,?)",
                         [(eid, kind, v, i) for i, v in enumerate(getattr(e, fld))])
    conn.executemany("INSERT OR IGNORE INTO entry_regions VALUES (?,?)", [(eid, r) for r in e.regions])
    conn.executemany("INSERT OR IGNORE INTO entry_organisations VALUES (?,?)",
                     [(eid, o) for o in e.organisations])
    conn.executemany(
        "INSERT INTO entry_sources (entry_id, ord, document_id, heading, start, end) VALUES (?,?,?,?,?,?)",
        [(eid, i, s.document_id, s.heading, s.start, s.end) for i, s in enumerate(e.sources)])
    texts = [("entry", entry_text(e))] + [("passage", c) for c in e.chunks]
    conn.executemany("INSERT INTO chunks (entry_id, ord, kind, text) VALUES (?,?,?,?)",
                     [(eid, i, kind, t) for i, (kind, t) in enumerate(texts)])


def entry_text(e: Entry) -> str:
    """The text that represents a whole entry (title, summary, body)."""
    parts = [e.title]
    if e.summary and not e.body.startswith(e.summary):
        parts.append(e.summary)
    parts.append(e.body)
    return "\n".join(parts)


def _snapshot(e: Entry) -> dict:
    d = e.to_dict()
    d["chunks"] = e.chunks
    for k in ("version", "created_at", "updated_at"):
        d.pop(k, None)
    return d


def field_diff(old: Entry | None, new: Entry) -> dict:
    """Fields that differ: {field: [old, new]}."""
    fields = CONTENT_FIELDS + ("sources",)
    diff = {}
    for f in fields:
        a = getattr(old, f) if old else None
        b = getattr(new, f)
        if f == "sources":
            a = [asdict(s) for s in a] if a else None
            b = [asdict(s) for s in b]
        if a != b:
            diff[f] = [a, b]
    return diff


def save_entry(conn: sqlite3.Connection, e: Entry, *, actor: str, action: str | None = None) -> dict:
    """Insert or update one entry as a new version. Returns the field diff (empty: nothing changed)."""
    with transaction(conn):
        old = get_entry(conn, e.id)
        if old and old.content_hash() == e.content_hash():
            return {}
        diff = field_diff(old, e)
        ts = now()
        e.version = (old.version + 1) if old else 1
        e.created_at = old.created_at if old else ts
        e.updated_at = ts
        values = dict(
            id=e.id, type=e.type, label=e.label, title=e.title, summary=e.summary, body=e.body,
            audience=e.audience, number=e.number, results=json.dumps(e.results, ensure_ascii=False),
            keywords=json.dumps(e.keywords, ensure_ascii=False), status=e.status, origin=e.origin,
            edited_fields=json.dumps(sorted(set(e.edited_fields))), version=e.version,
            content_hash=e.content_hash(), created_at=e.created_at, updated_at=e.updated_at,
        )
        cols = ", ".join(values)
        marks = ", ".join("?" for _ in values)
        updates = ", ".join(f"{c}=excluded.{c}" for c in values if c != "id")
        conn.execute(f"INSERT INTO entries ({cols}) VALUES ({marks}) "
                     f"ON CONFLICT(id) DO UPDATE SET {updates}", list(values.values()))
        _write_relations(conn, e)
        conn.execute("INSERT INTO entry_versions (entry_id, version, data, actor, created_at) VALUES (?,?,?,?,?)",
                     (e.id, e.version, json.dumps(_snapshot(e), ensure_ascii=False), actor, ts))
        action = action or ("create" if old is None else "update")
        audit(conn, actor, action, "entry", e.id,
              {"version": e.version, "changes": {k: v for k, v in diff.items() if k != "chunks"}})
        return diff


def entry_versions(conn: sqlite3.Connection, entry_id: str) -> list[dict]:
    return [dict(version=r["version"], actor=r["actor"], created_at=r["created_at"], data=json.loads(r["data"]))
            for r in conn.execute("SELECT * FROM entry_versions WHERE entry_id = ? ORDER BY version", (entry_id,))]


def audit_events(conn: sqlite3.Connection, entity_id: str | None = None, limit: int = 100) -> list[dict]:
    sql = "SELECT * FROM audit_events"
    args: list = []
    if entity_id:
        sql += " WHERE entity_id = ?"
        args.append(entity_id)
    sql += " ORDER BY id DESC LIMIT ?"
    args.append(limit)
    return [dict(r) | {"details": json.loads(r["details"])} for r in conn.execute(sql, args)]


# ---------------------------------------------------------------- ingestion results

@dataclass
class ApplyResult:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    archived: list[str] = field(default_factory=list)


def merge_curator_edits(old: Entry, new: Entry) -> Entry:
    """Keep what a curator changed: fields in old.edited_fields win over the ingested values."""
    for f in old.edited_fields:
        if f in CONTENT_FIELDS:
            setattr(new, f, getattr(old, f))
    new.edited_fields = list(old.edited_fields)
    if "status" not in old.edited_fields:
        new.status = old.status if old.status != "gearchiveerd" else new.status
    new.origin = old.origin
    return new


def apply_ingested(conn: sqlite3.Connection, drafts: list[Entry], *, actor: str = "ingest",
                   archive_missing: bool = True) -> ApplyResult:
    """Make the entries produced from the source documents the current state, in one transaction.

    Unchanged entries are left alone (same version); changed ones are updated in place under
    the same id; ingested entries that no source produces any more are archived, not deleted.
    """
    result = ApplyResult()
    with transaction(conn):
        seen = set()
        for d in drafts:
            seen.add(d.id)
            old = get_entry(conn, d.id)
            if old is not None:
                d = merge_curator_edits(old, d)
            diff = save_entry(conn, d, actor=actor)
            (result.created if old is None else result.updated if diff else result.unchanged).append(d.id)
        if archive_missing:
            rows = conn.execute("SELECT id FROM entries WHERE origin = 'ingest' AND status != 'gearchiveerd'")
            for (eid,) in rows.fetchall():
                if eid not in seen:
                    e = get_entry(conn, eid)
                    e.status = "gearchiveerd"
                    save_entry(conn, e, actor=actor, action="archive")
                    result.archived.append(eid)
    return result


def stats(conn: sqlite3.Connection) -> dict:
    one = lambda sql, *a: conn.execute(sql, a).fetchone()[0]  # noqa: E731
    by_type = {r[0]: r[1] for r in conn.execute("SELECT type, count(*) FROM entries GROUP BY type ORDER BY type")}
    by_status = {r[0]: r[1] for r in conn.execute("SELECT status, count(*) FROM entries GROUP BY status")}
    by_label = {r[0]: r[1] for r in conn.execute(
        "SELECT label, count(*) FROM entries WHERE type = 'praktijk' GROUP BY label")}
    return {
        "documenten": one("SELECT count(*) FROM documents"),
        "entries": one("SELECT count(*) FROM entries"),
        "per_type": by_type,
        "per_status": by_status,
        "per_label": by_label,
        "passages": one("SELECT count(*) FROM chunks WHERE kind = 'passage'"),
        "regios": one("SELECT count(*) FROM regions WHERE scope = 'regio'"),
        "entries_met_regio": one("SELECT count(DISTINCT entry_id) FROM entry_regions"),
        "organisaties": one("SELECT count(*) FROM organisations"),
        "audit_events": one("SELECT count(*) FROM audit_events"),
    }
