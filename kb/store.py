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


def list_documents(conn: sqlite3.Connection, *, include_uploads: bool = False) -> list[Document]:
    """Stored documents. Documents that came in through curation (an upload, kb.proposals, or the
    text of an entry a curator wrote) are left out unless asked for: ingestion must not segment
    them again, since for those a curator decides what becomes an entry."""
    sql = "SELECT * FROM documents WHERE 1=1"
    if not include_uploads:
        for table in ("import_batches", "curator_documents"):
            if _has_table(conn, table):
                sql += f" AND id NOT IN (SELECT document_id FROM {table})"
    return [Document(**dict(r)) for r in conn.execute(sql + " ORDER BY id")]


REDACTIE_PREFIX = "redactie-"        # id prefix of the documents that hold a curator's first text


def document_origin(conn: sqlite3.Connection, doc_id: str) -> str:
    """'bron' (an ingested source document), 'upload' (imported by a curator: only the passages
    that published entries cite are public) or 'redactie' (the first text of an entry a curator
    wrote: not public as a document; the entry itself is)."""
    if _has_table(conn, "curator_documents") and conn.execute(
            "SELECT 1 FROM curator_documents WHERE document_id = ?", (doc_id,)).fetchone():
        return "redactie"
    if _has_table(conn, "import_batches") and conn.execute(
            "SELECT 1 FROM import_batches WHERE document_id = ?", (doc_id,)).fetchone():
        return "upload"
    return "bron"


def _has_table(conn: sqlite3.Connection, name: str) -> bool:
    return conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)).fetchone() is not None


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


class VersionConflict(Exception):
    """Someone else saved the entry after the version the user started from (Dutch message)."""

    def __init__(self, entry_id: str, expected: int, current: int, actor: str | None):
        self.entry_id, self.expected, self.current, self.actor = entry_id, expected, current, actor
        who = f"Iemand anders ({actor})" if actor else "Iemand anders"
        super().__init__(
            f"{who} heeft dit kennisitem in de tussentijd opgeslagen als versie {current}; u begon bij "
            f"versie {expected}. Uw wijzigingen zijn niet opgeslagen.")


def _check_version(conn: sqlite3.Connection, entry_id: str, old: Entry | None, expected: int | None) -> None:
    if expected is None:
        return
    current = old.version if old else 0
    if int(expected) != current:
        row = conn.execute("SELECT actor FROM entry_versions WHERE entry_id = ? AND version = ?",
                           (entry_id, current)).fetchone()
        raise VersionConflict(entry_id, int(expected), current, row[0] if row else None)


def save_entry(conn: sqlite3.Connection, e: Entry, *, actor: str, action: str | None = None,
               expected_version: int | None = None, details: dict | None = None) -> dict:
    """Insert or update one entry as a new version. Returns the field diff (empty: nothing changed).

    With `expected_version` (optimistic locking) the save only happens when the stored entry
    still has that version (0: it must not exist yet); otherwise VersionConflict is raised and
    nothing is written. The check runs inside the write transaction."""
    with transaction(conn):
        old = get_entry(conn, e.id)
        _check_version(conn, e.id, old, expected_version)
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
              {**(details or {}), "version": e.version,
               "changes": {k: v for k, v in diff.items() if k != "chunks"}})
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


# ---------------------------------------------------------------- curation: edit, status, restore

STATUS_LABELS = {"concept": "concept", "ter_review": "ter review", "gepubliceerd": "gepubliceerd",
                 "gearchiveerd": "gearchiveerd"}
# Allowed status changes and the audit action each one is recorded as.
TRANSITIONS: dict[str, dict[str, str]] = {
    "concept": {"ter_review": "submit"},
    "ter_review": {"gepubliceerd": "publish", "concept": "reopen"},
    "gepubliceerd": {"gearchiveerd": "archive"},
    "gearchiveerd": {"concept": "reopen"},
}
# Fields a curator edits in the form (status has its own buttons; sources are provenance;
# keywords and passages are derived from title and body).
EDITABLE_FIELDS = ("type", "title", "summary", "body", "label", "audience", "number", "results",
                   "actielijnen", "themes", "branches", "regions", "organisations")
LIST_FIELDS = ("results", "actielijnen", "themes", "branches", "regions", "organisations")
MAX_TITLE = 300
MAX_BODY = 100_000


class ValidationError(ValueError):
    """Invalid input for an entry: {field: Dutch message}."""

    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__(" ".join(errors.values()))


class EntryNotFound(LookupError):
    def __init__(self, entry_id: str):
        self.entry_id = entry_id
        super().__init__(f"Kennisitem '{entry_id}' bestaat niet (meer).")


class TransitionError(ValueError):
    """A status change the workflow does not allow (Dutch message)."""


def _known(conn: sqlite3.Connection, sql: str, *args) -> set[str]:
    return {r[0] for r in conn.execute(sql, args)}


def validate_changes(conn: sqlite3.Connection, changes: dict, *, entry: Entry | None = None) -> dict:
    """Clean and check the edited fields; returns the cleaned values or raises ValidationError."""
    from kb.models import AUDIENCES, ENTRY_TYPES, PRACTICE_LABELS
    errors: dict[str, str] = {}
    out: dict = {}
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({f: f"Het veld '{f}' kan niet worden bewerkt." for f in sorted(unknown)})
    for f, v in changes.items():
        if f in LIST_FIELDS:
            if isinstance(v, str):
                v = [v]
            v = list(dict.fromkeys(str(x).strip() for x in (v or []) if str(x).strip()))
        elif isinstance(v, str):
            v = v.replace("\r\n", "\n").strip()
        out[f] = v
    typ = entry.type if entry else None
    if "type" in out:
        if out["type"] not in ENTRY_TYPES:
            errors["type"] = "Kies een geldig type: praktijk, advies, bouwsteen of beleid."
        elif entry is not None and entry.origin != "curator" and out["type"] != entry.type:
            errors["type"] = ("Het type van een ingelezen kennisitem komt uit het brondocument en kan "
                              "niet worden gewijzigd.")
        else:
            typ = out["type"]
    if "title" in out:
        if not out["title"]:
            errors["title"] = "Vul een titel in."
        elif len(out["title"]) > MAX_TITLE:
            errors["title"] = f"De titel is te lang ({len(out['title'])} tekens; hoogstens {MAX_TITLE})."
        elif "\n" in out["title"]:
            errors["title"] = "De titel moet op één regel staan."
    if "body" in out:
        if not out["body"]:
            errors["body"] = "Vul de tekst van het kennisitem in."
        elif len(out["body"]) > MAX_BODY:
            errors["body"] = f"De tekst is te lang ({len(out['body']):,} tekens; hoogstens {MAX_BODY:,}).".replace(",", ".")
    for f in ("label", "audience", "number", "summary"):
        if f in out and out[f] in ("", None):
            out[f] = "" if f == "summary" else None
    if out.get("label") is not None:
        if typ != "praktijk":
            errors["label"] = "Alleen een praktijk heeft een label (Koploper, Falend Vooruit of voorbeeld)."
        elif out["label"] not in PRACTICE_LABELS:
            errors["label"] = "Kies als label Koploper, Falend Vooruit of voorbeeld."
    if out.get("audience") is not None and out["audience"] not in AUDIENCES:
        errors["audience"] = "Kies als doelgroep regio of landelijk."
    checks = {
        "actielijnen": ("SELECT id FROM taxonomy WHERE kind = 'actielijn'", "actielijn"),
        "themes": ("SELECT id FROM taxonomy WHERE kind = 'thema'", "thema"),
        "branches": ("SELECT id FROM taxonomy WHERE kind = 'branche'", "branche"),
        "regions": ("SELECT id FROM regions", "regio"),
        "organisations": ("SELECT id FROM organisations", "organisatie"),
    }
    for f, (sql, what) in checks.items():
        if f in out:
            bad = [v for v in out[f] if v not in _known(conn, sql)]
            if bad:
                errors[f] = f"Onbekende {what}: {', '.join(bad)}."
    if "results" in out and any(len(r) > 1000 for r in out["results"]):
        errors["results"] = "Een resultaat mag hoogstens 1000 tekens lang zijn."
    if errors:
        raise ValidationError(errors)
    return out


def _same(f: str, old, new) -> bool:
    """Does a submitted value equal the stored one? (Form round trips change line endings and
    surrounding white space, and checkboxes come back in the form's order.)"""
    if f in LIST_FIELDS:
        return list(old or []) == list(new) if f == "results" else set(old or []) == set(new)
    if isinstance(new, str) or new is None:
        norm = lambda v: (v or "").replace("\r\n", "\n").strip()  # noqa: E731
        return norm(old) == norm(new)
    return old == new


def _derive(e: Entry) -> None:
    """Keywords and passages follow the title and body (as ingestion computes them)."""
    from ingest.nlp import keywords, sentences
    from ingest.pipeline import PASSAGE_CHARS, passages
    e.keywords = keywords(f"{e.title}\n{e.body}")
    e.chunks = passages(sentences(e.body)) if len(e.body) > PASSAGE_CHARS else []


def edit_entry(conn: sqlite3.Connection, entry_id: str, changes: dict, *, actor: str,
               expected_version: int) -> dict:
    """Apply a curator's edit as a new version. Changed content fields are recorded in
    `edited_fields`, so that ingesting the source again keeps them. Returns the field diff
    (empty: nothing changed). Raises VersionConflict, ValidationError or EntryNotFound."""
    with transaction(conn):
        e = get_entry(conn, entry_id)
        if e is None:
            raise EntryNotFound(entry_id)
        _check_version(conn, entry_id, e, expected_version)
        clean = validate_changes(conn, changes, entry=e)
        changed = [f for f, v in clean.items() if not _same(f, getattr(e, f), v)]
        if not changed:
            return {}
        for f in changed:
            old, new = getattr(e, f), clean[f]
            if f in LIST_FIELDS and f != "results":     # keep the stored order (first theme = main theme)
                new = [x for x in old if x in new] + [x for x in new if x not in old]
            setattr(e, f, new)
        if e.type != "praktijk":
            e.label = None
        if {"title", "body"} & set(changed):
            _derive(e)
        e.edited_fields = sorted(set(e.edited_fields) | ({f for f in changed if f in CONTENT_FIELDS}))
        return save_entry(conn, e, actor=actor, action="edit", expected_version=expected_version)


def _curator_document(conn: sqlite3.Connection, e: Entry, author: str) -> Source:
    """Provenance for an entry a curator writes: its first text, stored as a document of the
    Actie Leer Netwerk's editors (cited like any source; not segmented by ingestion)."""
    import hashlib
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


def create_entry(conn: sqlite3.Connection, values: dict, *, actor: str, action: str = "create",
                 details: dict | None = None) -> Entry:
    """A curator's new entry: origin 'curator', status 'concept', id from the title (made unique).
    Its text as first written becomes its source document (see _curator_document)."""
    from kb.models import slugify
    values = dict(values)
    values.setdefault("type", "praktijk")
    with transaction(conn):
        clean = validate_changes(conn, values)
        missing = {f: m for f, m in (("title", "Vul een titel in."), ("body", "Vul de tekst van het kennisitem in."))
                   if not clean.get(f)}
        if missing:
            raise ValidationError(missing)
        e = Entry(id=unique_entry_id(conn, slugify(clean["title"])), type=clean["type"], title=clean["title"],
                  body=clean["body"])
        for f, v in clean.items():
            setattr(e, f, v)
        if e.type == "praktijk" and not e.label:
            e.label = "voorbeeld"
        e.status, e.origin = "concept", "curator"
        if conn.execute("SELECT 1 FROM documents WHERE id = ?", (REDACTIE_PREFIX + e.id,)).fetchone():
            raise ValidationError({"title": "Er bestaat al een bron met deze id; kies een andere titel."})
        e.sources = [_curator_document(conn, e, actor)]
        _derive(e)
        save_entry(conn, e, actor=actor, action=action, expected_version=0, details=details)
        return get_entry(conn, e.id)


def unique_entry_id(conn: sqlite3.Connection, base: str) -> str:
    eid, n = base, 2
    while conn.execute("SELECT 1 FROM entries WHERE id = ?", (eid,)).fetchone():
        eid = f"{base}-{n}"
        n += 1
    return eid


def set_status(conn: sqlite3.Connection, entry_id: str, status: str, *, actor: str,
               expected_version: int | None = None) -> dict:
    """Move an entry through the workflow concept -> ter_review -> gepubliceerd -> gearchiveerd
    (and back to concept from ter_review or gearchiveerd). A new version with an audit event."""
    with transaction(conn):
        e = get_entry(conn, entry_id)
        if e is None:
            raise EntryNotFound(entry_id)
        _check_version(conn, entry_id, e, expected_version)
        action = TRANSITIONS.get(e.status, {}).get(status)
        if action is None:
            allowed = " of ".join(STATUS_LABELS[s] for s in TRANSITIONS.get(e.status, {}))
            raise TransitionError(
                f"Een kennisitem met status '{STATUS_LABELS.get(e.status, e.status)}' kan niet naar "
                f"'{STATUS_LABELS.get(status, status)}'" + (f"; wel naar {allowed}." if allowed else "."))
        e.status = status
        e.edited_fields = sorted(set(e.edited_fields) | {"status"})
        return save_entry(conn, e, actor=actor, action=action, expected_version=e.version)


def restore_version(conn: sqlite3.Connection, entry_id: str, version: int, *, actor: str,
                    expected_version: int) -> dict:
    """Bring back the content of an earlier version as a new version. The status stays as it
    is (status changes go through the workflow); restored fields count as curator edits."""
    with transaction(conn):
        e = get_entry(conn, entry_id)
        if e is None:
            raise EntryNotFound(entry_id)
        _check_version(conn, entry_id, e, expected_version)
        row = conn.execute("SELECT data FROM entry_versions WHERE entry_id = ? AND version = ?",
                           (entry_id, int(version))).fetchone()
        if row is None:
            raise ValidationError({"version": f"Versie {version} van dit kennisitem bestaat niet."})
        old = snapshot_entry(json.loads(row[0]))
        restored = Entry(**{**{f: getattr(e, f) for f in e.__dataclass_fields__},
                            **{f: getattr(old, f) for f in (*EDITABLE_FIELDS, "keywords", "chunks", "sources")}})
        if restored.origin != "curator":
            restored.type = e.type
        # only values that still exist in the reference data
        for f, sql in (("actielijnen", "SELECT id FROM taxonomy WHERE kind = 'actielijn'"),
                       ("themes", "SELECT id FROM taxonomy WHERE kind = 'thema'"),
                       ("branches", "SELECT id FROM taxonomy WHERE kind = 'branche'"),
                       ("regions", "SELECT id FROM regions"), ("organisations", "SELECT id FROM organisations")):
            known = _known(conn, sql)
            setattr(restored, f, [v for v in getattr(restored, f) if v in known])
        known_docs = _known(conn, "SELECT id FROM documents")
        restored.sources = [s for s in restored.sources if s.document_id in known_docs]
        changed = {f for f in CONTENT_FIELDS if getattr(restored, f) != getattr(e, f)}
        restored.edited_fields = sorted(set(e.edited_fields) | changed)
        return save_entry(conn, restored, actor=actor, action="restore", expected_version=e.version,
                          details={"restored_version": int(version)})


def snapshot_entry(data: dict) -> Entry:
    """An Entry from a version snapshot (entry_versions.data)."""
    from dataclasses import fields as dc_fields
    names = {f.name for f in dc_fields(Entry)}
    d = {k: v for k, v in data.items() if k in names}
    d["sources"] = [Source(**s) for s in d.get("sources", [])]
    return Entry(**d)


def entry_version(conn: sqlite3.Connection, entry_id: str, version: int) -> dict | None:
    r = conn.execute("SELECT * FROM entry_versions WHERE entry_id = ? AND version = ?",
                     (entry_id, int(version))).fetchone()
    return dict(version=r["version"], actor=r["actor"], created_at=r["created_at"],
                data=json.loads(r["data"])) if r else None


def entry_history(conn: sqlite3.Connection, entry_id: str) -> list[dict]:
    """The audit events of one entry, newest first, each with its version and field diff."""
    return [dict(r) | {"details": json.loads(r["details"])} for r in conn.execute(
        "SELECT * FROM audit_events WHERE entity = 'entry' AND entity_id = ? ORDER BY id DESC", (entry_id,))]
