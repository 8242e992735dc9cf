"""Accounts of curators and beheerders: argon2id password hashes, roles, server-side sessions
and login throttling.

There is no default account and no default password: the first beheerder is created on the
command line (`praktijkwijzer users add NAAM --rol beheerder`). Messages are Dutch (they are
shown to users as they are).

Logging in (`login`): every attempt runs exactly one argon2 verification (against a dummy hash
for an unknown name) and the answer never depends on whether the name exists: a wrong password
and an unknown name give GENERIC_FAILURE; too many failures give the same "wait" message for
both, because kb.throttle counts failures per (client address, typed name) and per client
address with exponential back-off, not per existing account. There are no hard locks: failures
from one address never slow down the account's owner at another.

Sessions live in the database (table sessions): the cookie holds a random token, the database
only its SHA-256. `session_user` ends a session after SESSION_IDLE_MINUTES without requests or
SESSION_MAX_HOURS after login, and at once when the account is disabled; logout
(`end_session`), a password change or reset, and a beheerder's "log out everywhere"
(`end_all_sessions`) delete them, so a copied cookie stops working.
"""
from __future__ import annotations

import hashlib
import json
import re
import secrets
import sqlite3
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache
from typing import Callable

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from kb import throttle
from kb.db import transaction
from kb.audit import now

ROLES = ("curator", "beheerder")
ROLE_LABELS = {"curator": "Curator", "beheerder": "Beheerder"}
MIN_PASSWORD = 12
MAX_PASSWORD = 1024            # argon2 hashes anything, but there is no reason to accept megabytes
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,39}$")
GENERIC_FAILURE = "Gebruikersnaam of wachtwoord is onjuist."
SESSION_IDLE_MINUTES = 60      # a session without requests for this long ends
SESSION_MAX_HOURS = 8          # and every session ends this long after login
SESSION_TOUCH_SECONDS = 60     # last-seen is written at most once a minute per session
TOKEN = re.compile(r"^[A-Za-z0-9_-]{32,128}$")
Clock = Callable[[], float]


class AuthError(Exception):
    """Login or account management failed; `str(err)` is a Dutch sentence for the user."""


class LoginThrottled(AuthError):
    """Too many failed logins from this address (for this name, or overall): wait `retry_after`
    seconds. Raised alike for existing and unknown names."""

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


@dataclass
class User:
    id: int
    username: str
    role: str
    active: bool
    created_at: str

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


def account_events(conn: sqlite3.Connection, limit: int = 200, *, username: str | None = None) -> list[dict]:
    """The newest account events (of one account when `username` is given)."""
    where, args = ("WHERE username = ?", (normalize_username(username),)) if username is not None else ("", ())
    return [dict(r) | {"details": json.loads(r["details"])} for r in conn.execute(
        f"SELECT * FROM account_events {where} ORDER BY id DESC LIMIT ?", (*args, limit))]


def _user(row: sqlite3.Row) -> User:
    return User(id=row["id"], username=row["username"], role=row["role"], active=bool(row["active"]),
                created_at=row["created_at"])


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
    try:
        password.encode("utf-8")
    except UnicodeEncodeError:
        raise AuthError("Het wachtwoord bevat een ongeldig teken; typ het opnieuw.") from None
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
        conn.execute("UPDATE users SET active = ? WHERE id = ?", (int(active), u.id))
        account_event(conn, actor, "user_enable" if active else "user_disable", u.username)
        if not active:
            _end_sessions(conn, u, actor=actor, reason="user_disable")
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


def set_password(conn: sqlite3.Connection, username: str, password: str, *, actor: str,
                 keep_session: str | None = None) -> User:
    """A new password (the user's own change, a beheerder's reset, or `users wachtwoord`). Ends
    every session of the account except `keep_session` (the token of the user who changes their
    own password and stays logged in), and lifts the account's login throttles."""
    name = normalize_username(username)
    check_password(password, name)
    pw_hash = hasher().hash(password)
    with transaction(conn):
        u = get_user(conn, name)
        if u is None:
            raise AuthError(f"Gebruiker '{name}' bestaat niet.")
        conn.execute("UPDATE users SET password_hash = ? WHERE id = ?", (pw_hash, u.id))
        account_event(conn, actor, "user_password", u.username)
        _end_sessions(conn, u, actor=actor, reason="user_password", keep=keep_session)
        throttle.lift(conn, username=u.username)
    return get_user(conn, name)


def reset_password(conn: sqlite3.Connection, username: str, *, actor: str, password: str | None = None) -> str:
    """A beheerder resets someone's password: `password`, or a new random one (20 characters)
    that is returned once to pass on. Ends all the account's sessions and lifts its throttles."""
    pw = password if password is not None else secrets.token_urlsafe(15)
    set_password(conn, username, pw, actor=actor)
    return pw


def lift_throttle(conn: sqlite3.Connection, username: str, *, actor: str) -> int:
    """A beheerder lifts the login back-off of an account (from every address). Returns the
    number of throttle records removed."""
    with transaction(conn):
        u = get_user(conn, username)
        if u is None:
            raise AuthError(f"Gebruiker '{normalize_username(username)}' bestaat niet.")
        n = throttle.lift(conn, username=u.username)
        account_event(conn, actor, "throttle_lifted", u.username, {"records": n})
    return n


def throttle_status(conn: sqlite3.Connection, username: str, *, clock: Clock = time.time) -> dict:
    """Recent failed logins of an account: {'addresses', 'failures', 'blocked_until' (ISO or None)}."""
    st = throttle.account_status(conn, normalize_username(username), now=clock())
    if st["blocked_until"] is not None:
        st["blocked_until"] = _iso(st["blocked_until"])
    return st


# ---------------------------------------------------------------- logging in (throttled)

def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _duration(seconds: float) -> str:
    s = max(1, int(-(-seconds // 1)))
    if s < 60:
        return "1 seconde" if s == 1 else f"{s} seconden"
    m = -(-s // 60)
    return "1 minuut" if m == 1 else f"{m} minuten"


def throttled_message(seconds: float) -> str:
    return (f"Te veel mislukte pogingen om in te loggen vanaf dit adres. Probeer het over {_duration(seconds)} "
            "opnieuw. Wachtwoord vergeten? Vraag een beheerder om een nieuw wachtwoord.")


def _verify(pw_hash: str, password: str) -> bool:
    try:          # bytes: a lone surrogate (possible in form input) is hashed, not an error
        return hasher().verify(pw_hash, password.encode("utf-8", "surrogatepass"))
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def login(conn: sqlite3.Connection, username: str, password: str, *, client: str,
          clock: Clock = time.time, event: str = "login") -> User:
    """The active user for these credentials, or AuthError (Dutch): GENERIC_FAILURE for a wrong
    password or an unknown name, LoginThrottled while this address must wait (for this name or
    overall), "uitgeschakeld" only with the right password of a disabled account.

    `client` is the client address as the web determines it (behind a trusted proxy: the
    forwarded address). Always exactly one argon2 verification, also for unknown names, too long
    passwords and throttled attempts, so the answer takes as long in every case. An attempt
    while throttled is refused without being counted; a failure counts for (client, name) and
    for the client; a success resets only (client, name). `event` names the audit event of a
    success ("password_check" when a logged-in user confirms their password to change it)."""
    name = normalize_username(username)[:200].encode("utf-8", "replace").decode("utf-8")
    password = password or ""
    t = clock()
    wait = throttle.wait_seconds(conn, client, name, now=t)
    row = conn.execute("SELECT * FROM users WHERE username = ?", (name,)).fetchone() if name else None
    usable = row is not None and len(password) <= MAX_PASSWORD
    ok = _verify(row["password_hash"] if usable else _dummy_hash(), password[:MAX_PASSWORD]) and usable
    if wait > 0:
        raise LoginThrottled(throttled_message(wait), retry_after=int(-(-wait // 1)))
    if not ok:
        new_wait = throttle.record_failure(conn, client, name, now=t)
        if row is not None:
            with transaction(conn):
                account_event(conn, row["username"], "login_failed", row["username"],
                              {"adres": throttle.client_key(client)} | ({"wacht_s": new_wait} if new_wait else {}))
        raise AuthError(GENERIC_FAILURE)
    u = _user(row)
    if not u.active:
        raise AuthError("Dit account is uitgeschakeld. Neem contact op met een beheerder.")
    throttle.record_success(conn, client, name)
    with transaction(conn):
        if hasher().check_needs_rehash(row["password_hash"]):
            conn.execute("UPDATE users SET password_hash = ? WHERE id = ?", (hasher().hash(password), u.id))
        account_event(conn, u.username, event, u.username, {"adres": throttle.client_key(client)})
    return get_user(conn, name)


# ---------------------------------------------------------------- server-side sessions

def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def create_session(conn: sqlite3.Connection, user: User, *, client: str = "", user_agent: str = "",
                   clock: Clock = time.time) -> str:
    """Start a session for `user` (after `login`); returns the token for the cookie. Only its
    SHA-256 is stored. Expired sessions of everyone are removed on the way."""
    token = secrets.token_urlsafe(32)
    t = clock()
    with transaction(conn):
        conn.execute("DELETE FROM sessions WHERE expires <= ? OR last_seen <= ?",
                     (t, t - SESSION_IDLE_MINUTES * 60))
        conn.execute("INSERT INTO sessions (token_hash, user_id, created, last_seen, expires, client, user_agent) "
                     "VALUES (?, ?, ?, ?, ?, ?, ?)",
                     (_token_hash(token), user.id, t, t, t + SESSION_MAX_HOURS * 3600,
                      throttle.client_key(client) if client else "",
                      (user_agent or "")[:300].encode("utf-8", "replace").decode("utf-8")))
    return token


def session_user(conn: sqlite3.Connection, token: str | None, *, clock: Clock = time.time) -> User | None:
    """The active user of this session token, or None (unknown, ended, idle for longer than
    SESSION_IDLE_MINUTES, older than SESSION_MAX_HOURS, or the account is disabled). Records the
    request as activity (written at most once per SESSION_TOUCH_SECONDS)."""
    if not token or not TOKEN.match(token):
        return None
    h = _token_hash(token)
    row = conn.execute("SELECT s.last_seen, s.expires, u.* FROM sessions s JOIN users u ON u.id = s.user_id "
                       "WHERE s.token_hash = ?", (h,)).fetchone()
    if row is None:
        return None
    t = clock()
    if not row["active"] or t >= row["expires"] or t - row["last_seen"] >= SESSION_IDLE_MINUTES * 60:
        with transaction(conn):
            conn.execute("DELETE FROM sessions WHERE token_hash = ?", (h,))
        return None
    if t - row["last_seen"] >= SESSION_TOUCH_SECONDS:
        with transaction(conn):
            conn.execute("UPDATE sessions SET last_seen = ? WHERE token_hash = ?", (t, h))
    return _user(row)


def end_session(conn: sqlite3.Connection, token: str | None) -> bool:
    """Logout: the session ends for every copy of its cookie. False if there was none."""
    if not token or not TOKEN.match(token):
        return False
    with transaction(conn):
        row = conn.execute("SELECT u.username FROM sessions s JOIN users u ON u.id = s.user_id "
                           "WHERE s.token_hash = ?", (_token_hash(token),)).fetchone()
        if row is None:
            return False
        conn.execute("DELETE FROM sessions WHERE token_hash = ?", (_token_hash(token),))
        account_event(conn, row["username"], "logout", row["username"])
    return True


def _end_sessions(conn: sqlite3.Connection, u: User, *, actor: str, reason: str, keep: str | None = None) -> int:
    keep_hash = _token_hash(keep) if keep and TOKEN.match(keep) else ""
    n = conn.execute("DELETE FROM sessions WHERE user_id = ? AND token_hash != ?", (u.id, keep_hash)).rowcount
    if n:
        account_event(conn, actor, "sessions_ended", u.username, {"count": n, "reason": reason})
    return n


def end_all_sessions(conn: sqlite3.Connection, username: str, *, actor: str, keep: str | None = None) -> int:
    """"Log out everywhere": end every session of the account (except `keep`, a token). Returns
    how many ended."""
    with transaction(conn):
        u = get_user(conn, username)
        if u is None:
            raise AuthError(f"Gebruiker '{normalize_username(username)}' bestaat niet.")
        return _end_sessions(conn, u, actor=actor, reason="end_all", keep=keep)


def list_sessions(conn: sqlite3.Connection, username: str, *, clock: Clock = time.time) -> list[dict]:
    """The account's live sessions, newest first: created, last_seen (ISO), client, user_agent."""
    t = clock()
    rows = conn.execute("SELECT s.* FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.username = ? "
                        "AND s.expires > ? AND s.last_seen > ? ORDER BY s.created DESC",
                        (normalize_username(username), t, t - SESSION_IDLE_MINUTES * 60)).fetchall()
    return [{"created": _iso(r["created"]), "last_seen": _iso(r["last_seen"]), "client": r["client"],
             "user_agent": r["user_agent"]} for r in rows]
