"""Accounts of curators and beheerders: argon2id password hashes, roles and login throttling.

There is no default account and no default password: the first beheerder is created on the
command line (`praktijkwijzer users add NAAM --rol beheerder`). After MAX_FAILURES failed
logins in a row an account is locked for LOCK_MINUTES; a successful login resets the count.
Messages are Dutch (they are shown to users as they are); a failed login never tells whether
the username exists.
"""
from __future__ import annotations

import json
import re
import secrets
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from kb.db import transaction
from kb.audit import now

ROLES = ("curator", "beheerder")
ROLE_LABELS = {"curator": "Curator", "beheerder": "Beheerder"}
MIN_PASSWORD = 12
MAX_PASSWORD = 1024            # argon2 hashes anything, but there is no reason to accept megabytes
MAX_FAILURES = 5
LOCK_MINUTES = 5
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,39}$")
GENERIC_FAILURE = "Gebruikersnaam of wachtwoord is onjuist."


class AuthError(Exception):
    """Login or account management failed; `str(err)` is a Dutch sentence for the user."""


@dataclass
class User:
    id: int
    username: str
    role: str
    active: bool
    created_at: str
    failed_logins: int = 0
    locked_until: str | None = None

    @property
    def is_beheerder(self) -> bool:
        return self.role == "beheerder"


@lru_cache(maxsize=1)
def hasher() -> PasswordHasher:
    """argon2id with the library's current recommended parameters (RFC 9106 low-memory profile)."""
    return PasswordHasher()


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """A hash of a random secret, verified for unknown usernames so that timing reveals nothing."""
    return hasher().hash(secrets.token_urlsafe(32))


def account_event(conn: sqlite3.Connection, actor: str, action: str, username: str,
                  details: dict | None = None) -> None:
    """Audit of account management and lockouts (kept apart from the knowledge base's audit log,
    because accounts are not part of a backup)."""
    conn.execute("INSERT INTO account_events (at, actor, action, username, details) VALUES (?,?,?,?,?)",
                 (now(), actor, action, username, json.dumps(details or {}, ensure_ascii=False)))


def account_events(conn: sqlite3.Connection, limit: int = 200) -> list[dict]:
    return [dict(r) | {"details": json.loads(r["details"])} for r in conn.execute(
        "SELECT * FROM account_events ORDER BY id DESC LIMIT ?", (limit,))]


def _user(row: sqlite3.Row) -> User:
    return User(id=row["id"], username=row["username"], role=row["role"], active=bool(row["active"]),
                created_at=row["created_at"], failed_logins=row["failed_logins"], locked_until=row["locked_until"])


def normalize_username(name: str) -> str:
    return (name or "").strip().lower()


def check_username(name: str) -> str:
    n = normalize_username(name)
    if not USERNAME.match(n):
        raise AuthError("Een gebruikersnaam heeft 2 tot 40 tekens: letters, cijfers, punt, streepje of "
                        "liggend streepje, en begint met een letter of cijfer.")
    return n


def check_password(password: str, username: str = "") -> None:
    if password is None or len(password) < MIN_PASSWORD:
        raise AuthError(f"Een wachtwoord moet minstens {MIN_PASSWORD} tekens lang zijn.")
    if len(password) > MAX_PASSWORD:
        raise AuthError(f"Een wachtwoord mag hoogstens {MAX_PASSWORD} tekens lang zijn.")
    if not password.strip():
        raise AuthError("Een wachtwoord mag niet alleen uit spaties bestaan.")
    if username and len(username) >= 4 and username.lower() in password.lower():
        raise AuthError("Het wachtwoord mag de gebruikersnaam niet bevatten.")


def check_role(role: str) -> str:
    if role not in ROLES:
        raise AuthError(f"Onbekende rol '{role}'. Kies curator of beheerder.")
    return role


def get_user(conn: sqlite3.Connection, username: str) -> User | None:
    row = conn.execute("SELECT * FROM users WHERE username = ?", (normalize_username(username),)).fetchone()
    return _user(row) if row else None


def list_users(conn: sqlite3.Connection) -> list[User]:
    return [_user(r) for r in conn.execute("SELECT * FROM users ORDER BY username")]


def create_user(conn: sqlite3.Connection, username: str, password: str, role: str, *, actor: str) -> User:
    name = check_username(username)
    check_role(role)
    check_password(password, name)
    pw_hash = hasher().hash(password)
    with transaction(conn):
        if get_user(conn, name):
            raise AuthError(f"Er bestaat al een gebruiker '{name}'.")
        conn.execute("INSERT INTO users (username, password_hash, role, active, created_at) VALUES (?,?,?,1,?)",
                     (name, pw_hash, role, now()))
        account_event(conn, actor, "user_create", name, {"role": role})
    return get_user(conn, name)


def _active_beheerders(conn: sqlite3.Connection) -> int:
    return conn.execute("SELECT count(*) FROM users WHERE role = 'beheerder' AND active = 1").fetchone()[0]


def set_active(conn: sqlite3.Connection, username: str, active: bool, *, actor: str) -> User:
    """Disable (or enable again) an account. The last active beheerder cannot be disabled."""
    with transaction(conn):
        u = get_user(conn, username)
        if u is None:
            raise AuthError(f"Gebruiker '{normalize_username(username)}' bestaat niet.")
        if u.active == active:
            return u
        if not active and u.role == "beheerder" and _active_beheerders(conn) <= 1:
            raise AuthError("Dit is de laatste actieve beheerder; maak eerst een andere beheerder aan.")
        conn.execute("UPDATE users SET active = ?, failed_logins = 0, locked_until = NULL WHERE id = ?",
                     (int(active), u.id))
        account_event(conn, actor, "user_enable" if active else "user_disable", u.username)
    return get_user(conn, username)


def set_role(conn: sqlite3.Connection, username: str, role: str, *, actor: str) -> User:
    check_role(role)
    with transaction(conn):
        u = get_user(conn, username)
        if u is None:
            raise AuthError(f"Gebruiker '{normalize_username(username)}' bestaat niet.")
        if u.role == role:
            return u
        if u.role == "beheerder" and u.active and _active_beheerders(conn) <= 1:
            raise AuthError("Dit is de laatste actieve beheerder; maak eerst een andere beheerder aan.")
        conn.execute("UPDATE users SET role = ? WHERE id = ?", (role, u.id))
        account_event(conn, actor, "user_role", u.username, {"changes": {"role": [u.role, role]}})
    return get_user(conn, username)


def set_password(conn: sqlite3.Connection, username: str, password: str, *, actor: str) -> User:
    name = normalize_username(username)
    check_password(password, name)
    pw_hash = hasher().hash(password)
    with transaction(conn):
        u = get_user(conn, name)
        if u is None:
            raise AuthError(f"Gebruiker '{name}' bestaat niet.")
        conn.execute("UPDATE users SET password_hash = ?, failed_logins = 0, locked_until = NULL WHERE id = ?",
                     (pw_hash, u.id))
        account_event(conn, actor, "user_password", u.username)
    return get_user(conn, name)


def _parse(ts: str) -> datetime:
    return datetime.strptime(ts, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)


def _minutes(delta: timedelta) -> str:
    m = max(1, -(-int(delta.total_seconds()) // 60))
    return "1 minuut" if m == 1 else f"{m} minuten"


def authenticate(conn: sqlite3.Connection, username: str, password: str, *,
                 clock: callable = lambda: datetime.now(timezone.utc)) -> User:
    """The user for these credentials, or AuthError (Dutch). Counts failures and locks the
    account for LOCK_MINUTES after MAX_FAILURES failures in a row."""
    name = normalize_username(username)
    password = password or ""
    row = conn.execute("SELECT * FROM users WHERE username = ?", (name,)).fetchone() if name else None
    if row is None or len(password) > MAX_PASSWORD:
        try:
            hasher().verify(_dummy_hash(), password[:MAX_PASSWORD])
        except VerificationError:
            pass
        raise AuthError(GENERIC_FAILURE)
    u = _user(row)
    t = clock()
    if u.locked_until and _parse(u.locked_until) > t:
        raise AuthError(f"Te veel mislukte pogingen. Dit account is tijdelijk geblokkeerd; probeer het over "
                        f"{_minutes(_parse(u.locked_until) - t)} opnieuw.")
    try:
        hasher().verify(row["password_hash"], password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        with transaction(conn):
            account_event(conn, u.username, "login_failed", u.username)
            failures = conn.execute("SELECT failed_logins FROM users WHERE id = ?", (u.id,)).fetchone()[0] + 1
            locked = None
            if failures >= MAX_FAILURES:
                locked = (t + timedelta(minutes=LOCK_MINUTES)).strftime("%Y-%m-%dT%H:%M:%SZ")
                failures = 0
                account_event(conn, "systeem", "user_locked", u.username, {"minutes": LOCK_MINUTES})
            conn.execute("UPDATE users SET failed_logins = ?, locked_until = ? WHERE id = ?", (failures, locked, u.id))
        if locked:
            raise AuthError(f"Te veel mislukte pogingen. Dit account is {LOCK_MINUTES} minuten geblokkeerd.")
        raise AuthError(GENERIC_FAILURE)
    if not u.active:
        raise AuthError("Dit account is uitgeschakeld. Neem contact op met een beheerder.")
    updates: dict = {}
    if u.failed_logins or u.locked_until:
        updates.update(failed_logins=0, locked_until=None)
    if hasher().check_needs_rehash(row["password_hash"]):
        updates["password_hash"] = hasher().hash(password)
    with transaction(conn):
        if updates:
            sets = ", ".join(f"{k} = ?" for k in updates)
            conn.execute(f"UPDATE users SET {sets} WHERE id = ?", [*updates.values(), u.id])
        account_event(conn, u.username, "login", u.username)
    return get_user(conn, name)


def user_by_id(conn: sqlite3.Connection, user_id: int) -> User | None:
    row = conn.execute("SELECT * FROM users WHERE id = ?", (user_id,)).fetchone()
    return _user(row) if row else None
