"""Login throttling: exponential back-off per (client address, account) and per client address.

Two records count failed logins, whatever the account name is and whether it exists:

* per (client address, typed username): the first ACCOUNT_FREE failures are free, then every
  further failure makes that pair wait BASE_DELAY, 2 x, 4 x ... seconds, at most MAX_DELAY;
* per client address over all usernames: the same after CLIENT_FREE failures.

A login from another address is never slowed down by these failures (guessing someone's
password cannot lock its owner out), and a successful login resets only its own (address,
account) record, never the address's overall count (logging in with one's own account does
not buy more guesses at other accounts). IPv6 addresses count per /64 network (one machine
usually has a whole /64 to rotate through). A record is forgotten RESET_AFTER seconds after its
last failure. The state is kept in SQLite (table login_throttle, migration 5): it survives a
restart and is shared by every server worker. Keys are SHA-256 digests, so no typed username
(which is sometimes a password typed in the wrong field) is stored.
"""
from __future__ import annotations

import hashlib
import ipaddress
import sqlite3

from kb.db import transaction

ACCOUNT_FREE = 3             # failures per (address, account) before the first wait
CLIENT_FREE = 10             # failures per address, over all accounts, before the first wait
BASE_DELAY = 2.0             # seconds: the first wait; it doubles with every further failure
MAX_DELAY = 900.0            # seconds: the longest wait (15 minutes)
RESET_AFTER = 24 * 3600      # seconds without failures after which a record is forgotten
MAX_ROWS = 100_000           # bound on the table under a distributed attack (oldest go first)


def client_key(address: str | None) -> str:
    """The unit that is throttled: an IPv4 address, an IPv6 /64 network, or the given string."""
    raw = (address or "").strip()
    try:
        ip = ipaddress.ip_address(raw.strip("[]"))
    except ValueError:
        return raw.lower()[:200].encode("utf-8", "replace").decode("utf-8") or "onbekend"
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def _digest(*parts: str) -> str:
    return hashlib.sha256("\n".join(parts).encode("utf-8", "surrogatepass")).hexdigest()


def account_digest(username: str) -> str:
    return _digest("account", username)


def _records(client: str, username: str) -> list[tuple[str, str, str | None, int]]:
    """(scope, key, account digest, free failures) of the two records a login attempt touches."""
    c = client_key(client)
    return [("account", _digest("account", c, username), account_digest(username), ACCOUNT_FREE),
            ("client", _digest("client", c), None, CLIENT_FREE)]


def delay(failures: int, free: int) -> float:
    """Seconds to wait after `failures` failures of which `free` cost nothing."""
    if failures <= free:
        return 0.0
    return min(MAX_DELAY, BASE_DELAY * 2.0 ** min(failures - free - 1, 40))


def wait_seconds(conn: sqlite3.Connection, client: str, username: str, *, now: float) -> float:
    """How long this (client, username) must still wait before its next attempt (0: now)."""
    wait = 0.0
    for scope, key, _, _ in _records(client, username):
        row = conn.execute("SELECT blocked_until, last_failure FROM login_throttle WHERE scope = ? AND key = ?",
                           (scope, key)).fetchone()
        if row and row[1] >= now - RESET_AFTER:
            wait = max(wait, row[0] - now)
    return max(0.0, wait)


def record_failure(conn: sqlite3.Connection, client: str, username: str, *, now: float) -> float:
    """Count a failed login in both records; returns the wait it causes (0: none yet)."""
    wait = 0.0
    with transaction(conn):
        for scope, key, account, free in _records(client, username):
            conn.execute(
                "INSERT INTO login_throttle (scope, key, account, failures, last_failure, blocked_until) "
                "VALUES (?, ?, ?, 1, ?, ?) ON CONFLICT (scope, key) DO UPDATE SET "
                "failures = CASE WHEN last_failure < ? THEN 1 ELSE failures + 1 END, "
                "last_failure = excluded.last_failure",
                (scope, key, account, now, now, now - RESET_AFTER))
            failures = conn.execute("SELECT failures FROM login_throttle WHERE scope = ? AND key = ?",
                                    (scope, key)).fetchone()[0]
            d = delay(failures, free)
            conn.execute("UPDATE login_throttle SET blocked_until = ? WHERE scope = ? AND key = ?",
                         (now + d, scope, key))
            wait = max(wait, d)
        prune(conn, now=now)
    return wait


def record_success(conn: sqlite3.Connection, client: str, username: str) -> None:
    """A successful login resets its own (address, account) record only."""
    scope, key, _, _ = _records(client, username)[0]
    with transaction(conn):
        conn.execute("DELETE FROM login_throttle WHERE scope = ? AND key = ?", (scope, key))


def prune(conn: sqlite3.Connection, *, now: float) -> None:
    with transaction(conn):
        conn.execute("DELETE FROM login_throttle WHERE last_failure < ?", (now - RESET_AFTER,))
        excess = conn.execute("SELECT count(*) FROM login_throttle").fetchone()[0] - MAX_ROWS
        if excess > 0:
            conn.execute("DELETE FROM login_throttle WHERE rowid IN (SELECT rowid FROM login_throttle "
                         "ORDER BY last_failure LIMIT ?)", (excess,))


def lift(conn: sqlite3.Connection, *, username: str | None = None, client: str | None = None) -> int:
    """Forget the failures of an account (from every address) and/or of a client address.
    Returns the number of records removed."""
    n = 0
    with transaction(conn):
        if username is not None:
            n += conn.execute("DELETE FROM login_throttle WHERE account = ?", (account_digest(username),)).rowcount
        if client is not None:
            c = client_key(client)
            n += conn.execute("DELETE FROM login_throttle WHERE scope = 'client' AND key = ?",
                              (_digest("client", c),)).rowcount
    return n


def account_status(conn: sqlite3.Connection, username: str, *, now: float) -> dict:
    """For a beheerder: from how many addresses this account had recent failures, how many in
    all, and until when (unix time) the longest wait lasts (None: no wait now)."""
    rows = conn.execute("SELECT failures, blocked_until FROM login_throttle WHERE account = ? AND last_failure >= ?",
                        (account_digest(username), now - RESET_AFTER)).fetchall()
    until = max((r[1] for r in rows if r[1] > now), default=None)
    return {"addresses": len(rows), "failures": sum(r[0] for r in rows), "blocked_until": until}
