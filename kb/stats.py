"""Counts over the knowledge base (the `stats` command, the search page's empty state)."""
from __future__ import annotations

import sqlite3


def stats(conn: sqlite3.Connection) -> dict:
    """Counts of documents, entries (per type, status and label), passages, regions,
    organisations and audit events. The keys are stable (scripts read `stats --json`)."""
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


def entry_count(conn: sqlite3.Connection) -> int:
    """All entries, whatever their status (0: the knowledge base is empty)."""
    return conn.execute("SELECT count(*) FROM entries").fetchone()[0]
