"""Token buckets for expensive anonymous requests (the budget of `POST /api/match`), kept in
SQLite (table request_budgets, migration 7). Every server process reads and writes the same
rows, so N worker processes give a client one budget, not N, and a restart forgets nothing.

A `Budget` has a name, a refill rate (units per second) and a burst (the most a bucket holds).
It counts per client: an IPv4 address or an IPv6 /64 network (kb.throttle.client_key, as the
login throttle does, so rotating through one's own /64 buys nothing). Only a SHA-256 digest of
(name, client) is stored, never an address. A client without a row has a full bucket.

`take` grants a cost (it is subtracted) or returns the seconds until it would fit; a refused
take changes nothing. A grant is one read-refill-grant-write in a write transaction (BEGIN
IMMEDIATE), so concurrent takes from threads or processes never lose an update. A refusal is
first decided on a plain read, which in WAL mode never waits for the write lock: later grants
by others can only lower the level that read saw, so a refusal on it is a correct refusal, and
a flood of refused requests stays cheap and does not queue behind writers.

Rows whose bucket is full again carry no information and are deleted whenever a new client
is written; if the table would still exceed MAX_ROWS (many clients at once), the rows closest
to full go first, so the table stays bounded and what is lost is the least spent budget.
Times are wall-clock unix seconds (the same in every process); the caller passes `now`.
"""
from __future__ import annotations

import hashlib
import math
import sqlite3
from dataclasses import dataclass

from kb.db import transaction
from kb.throttle import client_key

MAX_ROWS = 20_000            # buckets kept under a distributed flood (the closest to full go first)


@dataclass(frozen=True)
class Budget:
    name: str                # which budget ("match"): buckets of different budgets never mix
    rate: float              # units per second refilled; 0 or less: the budget is off
    burst: float             # the most a bucket holds (and the most one take can cost)

    @property
    def enabled(self) -> bool:
        return self.rate > 0


def bucket_key(budget: Budget, client: str | None) -> str:
    """The stored key: a digest of the budget's name and the client unit."""
    return hashlib.sha256(f"budget\n{budget.name}\n{client_key(client)}".encode("utf-8", "surrogatepass")).hexdigest()


def _level(budget: Budget, row, now: float) -> float:
    if row is None:
        return budget.burst
    return min(budget.burst, row[0] + max(0.0, now - row[1]) * budget.rate)


def _read(conn: sqlite3.Connection, key: str):
    return conn.execute("SELECT level, at FROM request_budgets WHERE key = ?", (key,)).fetchone()


def level(conn: sqlite3.Connection, budget: Budget, client: str | None, *, now: float) -> float:
    """The units this client may still spend now."""
    return _level(budget, _read(conn, bucket_key(budget, client)), now)


def take(conn: sqlite3.Connection, budget: Budget, client: str | None, cost: float, *, now: float,
         max_rows: int = MAX_ROWS) -> float:
    """Take `cost` units from the client's bucket: 0.0 when granted, else the seconds to wait
    until the cost would fit (nothing is taken then). A cost above the burst counts as the
    burst (the largest request fits a full bucket); the budget being off grants everything."""
    if not budget.enabled:
        return 0.0
    cost = min(float(cost), budget.burst) if math.isfinite(cost) else budget.burst
    if cost <= 0:
        return 0.0
    key = bucket_key(budget, client)
    have = _level(budget, _read(conn, key), now)            # no lock: a refusal needs none
    if have < cost:
        return (cost - have) / budget.rate
    with transaction(conn):
        row = _read(conn, key)
        have = _level(budget, row, now)
        if have < cost:                                     # others took it meanwhile
            return (cost - have) / budget.rate
        left = have - cost
        conn.execute("INSERT INTO request_budgets (key, level, at, full_at) VALUES (?, ?, ?, ?) "
                     "ON CONFLICT (key) DO UPDATE SET level = excluded.level, at = excluded.at, "
                     "full_at = excluded.full_at", (key, left, now, now + (budget.burst - left) / budget.rate))
        if row is None:
            prune(conn, now=now, max_rows=max_rows)
    return 0.0


def prune(conn: sqlite3.Connection, *, now: float, max_rows: int = MAX_ROWS) -> int:
    """Delete the buckets that are full again, then, above `max_rows`, those closest to full.
    Returns the number of rows deleted."""
    with transaction(conn):
        n = conn.execute("DELETE FROM request_budgets WHERE full_at <= ?", (now,)).rowcount
        excess = conn.execute("SELECT count(*) FROM request_budgets").fetchone()[0] - max_rows
        if excess > 0:
            n += conn.execute("DELETE FROM request_budgets WHERE key IN (SELECT key FROM request_budgets "
                              "ORDER BY full_at LIMIT ?)", (excess,)).rowcount
    return n
