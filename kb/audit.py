"""The knowledge base's clock and audit log: every change to an entry, plan or proposal is
recorded as an audit event (who, when, what, with a JSON detail such as a field diff)."""
from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timezone


def now() -> str:
    """The current time as stored everywhere in the database (UTC, ISO 8601, seconds)."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def audit(conn: sqlite3.Connection, actor: str, action: str, entity: str,
          entity_id: str | None = None, details: dict | None = None) -> None:
    conn.execute(
        "INSERT INTO audit_events (at, actor, action, entity, entity_id, details) VALUES (?,?,?,?,?,?)",
        (now(), actor, action, entity, entity_id, json.dumps(details or {}, ensure_ascii=False)),
    )


def last_change(conn: sqlite3.Connection) -> int:
    """The id of the newest audit event (0 when there is none): it grows with every change to an
    entry, plan or proposal, whichever process made it, so a reader that remembers it can tell
    cheaply whether the knowledge base changed since."""
    return conn.execute("SELECT coalesce(max(id), 0) FROM audit_events").fetchone()[0]


def audit_events(conn: sqlite3.Connection, entity_id: str | None = None, limit: int = 100, *,
                 exclude_actors: tuple[str, ...] = ()) -> list[dict]:
    """Audit events, newest first (of one entity, or all), each with its details decoded."""
    sql = "SELECT * FROM audit_events WHERE 1=1"
    args: list = []
    if entity_id:
        sql += " AND entity_id = ?"
        args.append(entity_id)
    if exclude_actors:
        sql += f" AND actor NOT IN ({','.join('?' for _ in exclude_actors)})"
        args += list(exclude_actors)
    sql += " ORDER BY id DESC LIMIT ?"
    args.append(limit)
    return [dict(r) | {"details": json.loads(r["details"])} for r in conn.execute(sql, args)]
