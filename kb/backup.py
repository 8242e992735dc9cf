"""Backup and restore of the knowledge base as JSON Lines.

    export(conn, out)           one JSON object per line, deterministic: fixed record order,
                                rows sorted by primary key, keys sorted, fixed separators, no
                                timestamps of its own. The same database always gives the
                                same bytes.
    import_backup(conn, lines)  restores into an empty knowledge base, exactly (ids, versions,
                                timestamps), in one transaction; exporting again gives a
                                byte-identical file.

Records, in this order:

    header          format, format version, schema version
    taxonomy, region, region_alias, organisation, organisation_alias, organisation_region
                    the reference data, as the database holds it
    document        with its full text and sha256 (provenance spans index into the text)
    curator_document  which documents hold the first text of an entry a curator wrote
    entry           all fields, with provenance (sources), taxonomy, regions, organisations,
                    passages and every version (the full snapshots)
    plan, bottleneck, audit_event, import_batch, proposal
    assessment, revision, revision_version
                    recognition assessments, and revisions of published entries with every
                    state of each (schema 6)
    footer          record counts and a sha256 over all preceding lines (detects truncation)

Accounts (the users table) are deliberately not part of a backup: password hashes do not
belong in a file that is copied around. After a restore, create accounts again with
`praktijkwijzer users add`.
"""
from __future__ import annotations

import hashlib
import json
import sqlite3
from typing import IO, Iterable, Iterator

from kb.db import SCHEMA_VERSION, transaction

FORMAT = "praktijkwijzer-backup"
FORMAT_VERSION = 1

# (record kind, table) in dependency order; entries and their relations are handled apart.
TABLES_BEFORE = [("taxonomy", "taxonomy"), ("region", "regions"), ("region_alias", "region_aliases"),
                 ("organisation", "organisations"), ("organisation_alias", "organisation_aliases"),
                 ("organisation_region", "organisation_regions"), ("document", "documents"),
                 ("curator_document", "curator_documents")]
TABLES_AFTER = [("plan", "plans"), ("bottleneck", "bottlenecks"), ("audit_event", "audit_events"),
                ("import_batch", "import_batches"), ("proposal", "proposals"), ("assessment", "entry_assessments"),
                ("revision", "entry_revisions"), ("revision_version", "revision_versions")]
# Columns holding JSON text: written into the backup as JSON values, not as strings.
JSON_COLUMNS = {
    "taxonomy": {"data"}, "entries": {"results", "keywords", "edited_fields", "card"}, "entry_versions": {"data"},
    "audit_events": {"details"}, "plans": {"metadata"}, "bottlenecks": {"actielijnen", "themes", "branches"},
    "import_batches": {"organisations", "warnings"}, "proposals": {"draft"}, "entry_assessments": {"criteria"},
    "entry_revisions": {"authors", "details"}, "revision_versions": {"data"},
}
ENTRY_RELATIONS = {
    "sources": ("entry_sources", "ord"), "taxonomy": ("entry_taxonomy", "kind, ord, value"),
    "regions": ("entry_regions", "region_id"), "organisations": ("entry_organisations", "organisation_id"),
    "chunks": ("chunks", "ord"), "versions": ("entry_versions", "version"),
}
# Tables that must be empty before a restore (reference data may be present: it is replaced).
CONTENT_TABLES = ("documents", "entries", "plans", "audit_events", "import_batches")


class BackupError(Exception):
    """A backup that cannot be written or restored; `str(err)` is Dutch."""


def _dumps(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _columns(conn: sqlite3.Connection, table: str) -> list[str]:
    return [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]


def _order(conn: sqlite3.Connection, table: str) -> str:
    pk = sorted((r[5], r[1]) for r in conn.execute(f"PRAGMA table_info({table})") if r[5])
    return ", ".join(name for _, name in pk) or "rowid"


def _row(table: str, row: sqlite3.Row, drop: tuple = ()) -> dict:
    out = {}
    for k in row.keys():
        if k in drop:
            continue
        v = row[k]
        if k in JSON_COLUMNS.get(table, ()) and v is not None:
            v = json.loads(v)
        out[k] = v
    return out


def _rows(conn: sqlite3.Connection, table: str) -> Iterator[dict]:
    for r in conn.execute(f"SELECT * FROM {table} ORDER BY {_order(conn, table)}"):
        yield _row(table, r)


def records(conn: sqlite3.Connection) -> Iterator[dict]:
    """Every record of the backup, in order (without the footer)."""
    yield {"kind": "header", "format": FORMAT, "format_version": FORMAT_VERSION,
           "schema_version": conn.execute("PRAGMA user_version").fetchone()[0]}
    for kind, table in TABLES_BEFORE:
        for row in _rows(conn, table):
            yield {"kind": kind, "row": row}
    for r in conn.execute("SELECT * FROM entries ORDER BY id"):
        rec = {"kind": "entry", "row": _row("entries", r)}
        for key, (table, order) in ENTRY_RELATIONS.items():
            rec[key] = [_row(table, x, drop=("entry_id",)) for x in conn.execute(
                f"SELECT * FROM {table} WHERE entry_id = ? ORDER BY {order}", (r["id"],))]
        yield rec
    for kind, table in TABLES_AFTER:
        for row in _rows(conn, table):
            yield {"kind": kind, "row": row}


def export(conn: sqlite3.Connection, out: IO[str]) -> dict[str, int]:
    """Write the backup to a text stream. Returns the number of records per kind."""
    h = hashlib.sha256()
    counts: dict[str, int] = {}
    own = not conn.in_transaction
    if own:
        conn.execute("BEGIN")           # one consistent snapshot (WAL: writers are not blocked)
    try:
        for rec in records(conn):
            line = _dumps(rec) + "\n"
            h.update(line.encode("utf-8"))
            counts[rec["kind"]] = counts.get(rec["kind"], 0) + 1
            out.write(line)
    finally:
        if own:
            conn.execute("COMMIT")
    counts.pop("header", None)
    out.write(_dumps({"kind": "footer", "counts": dict(sorted(counts.items())), "sha256": h.hexdigest()}) + "\n")
    return counts


# ---------------------------------------------------------------- restore

def is_empty(conn: sqlite3.Connection) -> bool:
    return all(conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] == 0 for t in CONTENT_TABLES)


def _parse(lines: Iterable[str]) -> list[dict]:
    recs: list[dict] = []
    h = hashlib.sha256()
    footer = None
    for n, line in enumerate(lines, 1):
        if isinstance(line, bytes):
            line = line.decode("utf-8")
        if not line.strip():
            continue
        if footer is not None:
            raise BackupError(f"Regel {n} staat na het einde van de back-up; het bestand is beschadigd.")
        try:
            rec = json.loads(line)
        except json.JSONDecodeError:
            raise BackupError(f"Regel {n} van de back-up is geen geldige JSON; het bestand is beschadigd.") from None
        if not isinstance(rec, dict) or "kind" not in rec:
            raise BackupError(f"Regel {n} van de back-up is geen geldig record.")
        if n == 1 and (rec.get("kind") != "header" or rec.get("format") != FORMAT):
            raise BackupError("Dit bestand is geen back-up van Praktijkwijzer (de eerste regel klopt niet).")
        if rec["kind"] == "footer":
            footer = rec
            continue
        h.update(line.rstrip("\r\n").encode("utf-8") + b"\n")
        recs.append(rec)
    if not recs:
        raise BackupError("Het back-upbestand is leeg.")
    if footer is None:
        raise BackupError("De back-up is onvolledig: het einde ontbreekt (afgebroken kopie?). Er is niets hersteld.")
    if footer.get("sha256") != h.hexdigest():
        raise BackupError("De controlesom van de back-up klopt niet: het bestand is gewijzigd of beschadigd. "
                          "Er is niets hersteld.")
    header = recs[0]
    if header.get("format_version") != FORMAT_VERSION:
        raise BackupError(f"Deze back-up heeft formaatversie {header.get('format_version')}; deze versie van "
                          f"Praktijkwijzer leest versie {FORMAT_VERSION}.")
    if int(header.get("schema_version", 0)) > SCHEMA_VERSION:
        raise BackupError(f"Deze back-up komt van een nieuwere versie van Praktijkwijzer (schemaversie "
                          f"{header['schema_version']}, hier {SCHEMA_VERSION}). Werk Praktijkwijzer eerst bij.")
    return recs


def _insert(conn: sqlite3.Connection, table: str, row: dict, columns: dict[str, set]) -> None:
    unknown = set(row) - columns[table]
    if unknown:
        raise BackupError(f"De back-up bevat onbekende kolommen voor {table}: {', '.join(sorted(unknown))}.")
    values = []
    for k, v in row.items():
        if k in JSON_COLUMNS.get(table, ()) and v is not None:
            v = json.dumps(v, ensure_ascii=False)
        values.append(v)
    cols = ", ".join(row)
    marks = ", ".join("?" for _ in row)
    conn.execute(f"INSERT INTO {table} ({cols}) VALUES ({marks})", values)


def import_backup(conn: sqlite3.Connection, lines: Iterable[str]) -> dict[str, int]:
    """Restore a backup into an empty knowledge base, all or nothing. Returns counts per kind."""
    recs = _parse(lines)
    kinds = {k: t for k, t in TABLES_BEFORE + TABLES_AFTER}
    tables = set(kinds.values()) | {"entries"} | {t for t, _ in ENTRY_RELATIONS.values()}
    columns = {t: set(_columns(conn, t)) for t in tables}
    counts: dict[str, int] = {}
    try:
        with transaction(conn):
            if not is_empty(conn):
                raise BackupError("De kennisbank is niet leeg. Een back-up wordt alleen in een lege kennisbank "
                                  "hersteld; gebruik een nieuwe database (--db) of maak de huidige eerst leeg.")
            for table in ("organisation_regions", "organisation_aliases", "organisations", "region_aliases",
                          "regions", "taxonomy"):
                conn.execute(f"DELETE FROM {table}")         # reference data comes from the backup
            for rec in recs[1:]:
                kind = rec["kind"]
                if kind == "entry":
                    row = rec.get("row") or {}
                    _insert(conn, "entries", row, columns)
                    for key, (table, _) in ENTRY_RELATIONS.items():
                        for sub in rec.get(key, []):
                            _insert(conn, table, {"entry_id": row["id"], **sub}, columns)
                elif kind in kinds:
                    _insert(conn, kinds[kind], rec.get("row") or {}, columns)
                else:
                    raise BackupError(f"Onbekend soort record in de back-up: '{kind}'.")
                counts[kind] = counts.get(kind, 0) + 1
            problems = conn.execute("PRAGMA foreign_key_check").fetchall()
            if problems:
                raise BackupError(f"De back-up is niet consistent: {len(problems)} verwijzingen naar ontbrekende "
                                  f"gegevens (bijvoorbeeld in tabel {problems[0][0]}). Er is niets hersteld.")
    except sqlite3.IntegrityError as err:
        raise BackupError(f"De back-up kan niet worden hersteld: {err}. Er is niets hersteld.") from None
    return counts
