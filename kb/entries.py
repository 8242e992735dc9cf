"""Entries with their versions: reading, listing and saving.

Every write of an entry creates a new version (a JSON snapshot in entry_versions) and an
audit event with a field diff, so the history of each entry can be read and restored
(kb.curation holds the curator's workflow on top of this).
"""
from __future__ import annotations

import json
import sqlite3
from dataclasses import asdict
from dataclasses import fields as dc_fields

from kb.audit import audit, now
from kb.db import transaction
from kb.models import CARD_FIELDS, CONTENT_FIELDS, Entry, Source

TAXONOMY_FIELDS = {"actielijnen": "actielijn", "themes": "thema", "branches": "branche"}


class EntryNotFound(LookupError):
    def __init__(self, entry_id: str):
        self.entry_id = entry_id
        super().__init__(f"Kennisitem '{entry_id}' bestaat niet (meer).")


class VersionConflict(Exception):
    """Someone else saved the entry after the version the user started from (Dutch message).

    `current` is the stored version, or the edit token of the pending revision (kb.review);
    `conflicts` ({field: (base, theirs, mine)}) and `theirs_only` (fields only the other curator
    changed) are filled when the curator's own changes were compared with theirs (kb.threeway)."""

    def __init__(self, entry_id: str, expected, current, actor: str | None, *, what: str = "dit kennisitem",
                 conflicts: dict | None = None, theirs_only: list[str] | None = None, mine: list[str] | None = None):
        self.entry_id, self.expected, self.current, self.actor = entry_id, expected, current, actor
        self.conflicts = conflicts or {}
        self.theirs_only = theirs_only or []
        self.mine = mine or []
        who = f"Iemand anders ({actor})" if actor else "Iemand anders"
        super().__init__(
            f"{who} heeft {what} in de tussentijd opgeslagen als versie {current}; u begon bij "
            f"versie {expected}. Uw wijzigingen zijn niet opgeslagen.")


# ---------------------------------------------------------------- reading

def _row_to_entry(conn: sqlite3.Connection, row: sqlite3.Row) -> Entry:
    eid = row["id"]
    e = Entry(
        id=eid, type=row["type"], title=row["title"], body=row["body"], summary=row["summary"],
        label=row["label"], audience=row["audience"], number=row["number"],
        results=json.loads(row["results"]), keywords=json.loads(row["keywords"]),
        status=row["status"], origin=row["origin"], edited_fields=json.loads(row["edited_fields"]),
        version=row["version"], created_at=row["created_at"], updated_at=row["updated_at"],
    )
    keys = row.keys()
    if "card" in keys:
        for k, v in json.loads(row["card"]).items():
            if k in CARD_FIELDS:
                setattr(e, k, v)
        e.erkenning = row["erkenning"]
        e.erkenning_info, e.koploper_check = _latest_assessments(conn, eid)
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


def _latest_assessments(conn: sqlite3.Connection, eid: str) -> tuple[dict | None, dict | None]:
    """The latest recognition assessment and Koploper check of an entry (kb.assessments writes them)."""
    out: dict[str, dict] = {}
    for r in conn.execute("SELECT * FROM entry_assessments WHERE entry_id = ? ORDER BY id DESC", (eid,)):
        if r["kind"] not in out:
            out[r["kind"]] = {"value": r["value"], "criteria": json.loads(r["criteria"]), "reasoning": r["reasoning"],
                              "assessed_by": r["assessed_by"], "assessed_on": r["assessed_on"],
                              "recorded_at": r["recorded_at"]}
    return out.get("erkenning"), out.get("koploper")


def get_entry(conn: sqlite3.Connection, entry_id: str) -> Entry | None:
    row = conn.execute("SELECT * FROM entries WHERE id = ?", (entry_id,)).fetchone()
    return _row_to_entry(conn, row) if row else None


def list_entries(conn: sqlite3.Connection, *, type: str | None = None, label: str | None = None,
                 actielijn: str | None = None, thema: str | None = None, branche: str | None = None,
                 regio: str | None = None, status: str | None = None, erkenning: str | None = None) -> list[Entry]:
    sql = ["SELECT e.* FROM entries e WHERE 1=1"]
    args: list = []
    if erkenning:
        sql.append("AND e.erkenning = ?"); args.append(erkenning)
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


def entry_statuses(conn: sqlite3.Connection) -> dict[str, str]:
    """entry id -> its current workflow status."""
    return {r[0]: r[1] for r in conn.execute("SELECT id, status FROM entries")}


def entry_text(e: Entry) -> str:
    """The text that represents a whole entry (title, summary, body)."""
    parts = [e.title]
    if e.summary and not e.body.startswith(e.summary):
        parts.append(e.summary)
    parts.append(e.body)
    return "\n".join(parts)


def derive_fields(e: Entry) -> None:
    """Keywords and passages follow the title and body (as ingestion computes them)."""
    from ingest.nlp import keywords, sentences
    from ingest.pipeline import PASSAGE_CHARS, passages
    e.keywords = keywords(f"{e.title}\n{e.body}")
    e.chunks = passages(sentences(e.body)) if len(e.body) > PASSAGE_CHARS else []


def unique_entry_id(conn: sqlite3.Connection, base: str) -> str:
    eid, n = base, 2
    while conn.execute("SELECT 1 FROM entries WHERE id = ?", (eid,)).fetchone():
        eid = f"{base}-{n}"
        n += 1
    return eid


# ---------------------------------------------------------------- saving a version

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


def snapshot_data(e: Entry) -> dict:
    """The JSON snapshot of a version (entry_versions.data, revision_versions.data)."""
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


def check_version(conn: sqlite3.Connection, entry_id: str, old: Entry | None, expected: int | None) -> None:
    """Optimistic locking: raise VersionConflict unless the stored entry has version `expected`
    (0: it must not exist yet; None: no check)."""
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
        check_version(conn, e.id, old, expected_version)
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
            card=json.dumps(e.card(), ensure_ascii=False, sort_keys=True),
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
                     (e.id, e.version, json.dumps(snapshot_data(e), ensure_ascii=False), actor, ts))
        action = action or ("create" if old is None else "update")
        audit(conn, actor, action, "entry", e.id,
              {**(details or {}), "version": e.version,
               "changes": {k: v for k, v in diff.items() if k != "chunks"}})
        return diff


# ---------------------------------------------------------------- versions and history

def entry_versions(conn: sqlite3.Connection, entry_id: str) -> list[dict]:
    return [dict(version=r["version"], actor=r["actor"], created_at=r["created_at"], data=json.loads(r["data"]))
            for r in conn.execute("SELECT * FROM entry_versions WHERE entry_id = ? ORDER BY version", (entry_id,))]


def entry_version(conn: sqlite3.Connection, entry_id: str, version: int) -> dict | None:
    r = conn.execute("SELECT * FROM entry_versions WHERE entry_id = ? AND version = ?",
                     (entry_id, int(version))).fetchone()
    return dict(version=r["version"], actor=r["actor"], created_at=r["created_at"],
                data=json.loads(r["data"])) if r else None


def snapshot_entry(data: dict) -> Entry:
    """An Entry from a version snapshot (entry_versions.data)."""
    names = {f.name for f in dc_fields(Entry)}
    d = {k: v for k, v in data.items() if k in names}
    d["sources"] = [Source(**s) for s in d.get("sources", [])]
    return Entry(**d)


def entry_history(conn: sqlite3.Connection, entry_id: str) -> list[dict]:
    """The audit events of one entry, newest first, each with its version and field diff."""
    return [dict(r) | {"details": json.loads(r["details"])} for r in conn.execute(
        "SELECT * FROM audit_events WHERE entity = 'entry' AND entity_id = ? ORDER BY id DESC", (entry_id,))]
