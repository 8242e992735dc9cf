"""Server-side sessions: a copied cookie stops working after logout, a password change, disabling
the account or "log out everywhere"; idle timeout and maximum lifetime; only a hash is stored."""
from __future__ import annotations

import hashlib
import time

import pytest

from kb.db import connect
from kb.users import (SESSION_IDLE_MINUTES, SESSION_MAX_HOURS, SESSION_TOUCH_SECONDS, AuthError, account_events,
                      create_session, create_user, end_all_sessions, end_session, list_sessions, reset_password,
                      session_user, set_active, set_password)

PW = "Zorg-in-de-wijk-2024"


class Clock:
    """A controllable time source (unix seconds), so that timeouts are tested without waiting."""

    def __init__(self, t: float = 1_800_000_000.0):
        self.t = t

    def __call__(self) -> float:
        return self.t


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    """One database with two accounts for the module (hashing passwords is slow on purpose)."""
    conn = connect(tmp_path_factory.mktemp("sessies") / "kb.db")
    create_user(conn, "bea", PW, "beheerder", actor="test")
    create_user(conn, "cor", PW, "curator", actor="bea")
    yield conn
    conn.close()


@pytest.fixture(autouse=True)
def no_sessions(db):
    db.execute("DELETE FROM sessions")
    set_active(db, "cor", True, actor="test")


def user(db, name):
    from kb.users import get_user
    return get_user(db, name)


def test_logout_ends_the_session_for_every_copy_of_the_cookie(db):
    token = create_session(db, user(db, "cor"), client="192.0.2.7", user_agent="Firefox")
    copied = str(token)                                   # what an attacker copied before logout
    assert session_user(db, token).username == "cor"
    other = create_session(db, user(db, "cor"))           # the same account on another device
    assert end_session(db, token) is True
    assert session_user(db, copied) is None and session_user(db, token) is None
    assert end_session(db, token) is False                # ending twice is harmless
    assert session_user(db, other).username == "cor"      # other sessions are not affected
    assert account_events(db)[0]["action"] == "logout"


def test_only_a_hash_of_the_token_is_stored(db):
    token = create_session(db, user(db, "cor"), client="2001:db8::17", user_agent="x" * 1000)
    rows = db.execute("SELECT * FROM sessions").fetchall()
    assert len(rows) == 1 and rows[0]["token_hash"] == hashlib.sha256(token.encode()).hexdigest()
    assert token not in repr([tuple(r) for r in rows])
    assert rows[0]["client"] == "2001:db8::/64" and len(rows[0]["user_agent"]) == 300
    assert len(token) >= 43                               # 256 random bits
    odd = create_session(db, user(db, "cor"), client="\udc80", user_agent="Mozilla \ud800")   # not UTF-8
    assert session_user(db, odd).username == "cor"


@pytest.mark.parametrize("token", [None, "", "kort", "x" * 10_000, "é" * 43, "a b" * 20, "' OR 1=1 --" * 4])
def test_garbage_tokens_are_no_session(db, token):
    assert session_user(db, token) is None and end_session(db, token) is False


def test_a_password_change_ends_every_other_session(db):
    keep = create_session(db, user(db, "cor"))
    others = [create_session(db, user(db, "cor")) for _ in range(2)]
    bea = create_session(db, user(db, "bea"))
    set_password(db, "cor", "Een-nieuw-wachtwoord-9", actor="cor", keep_session=keep)
    assert session_user(db, keep).username == "cor"                  # the one who changed it stays in
    assert all(session_user(db, t) is None for t in others)
    assert session_user(db, bea).username == "bea"
    ev = account_events(db)[0]
    assert ev["action"] == "sessions_ended" and ev["details"] == {"count": 2, "reason": "user_password"}
    # a beheerder's reset ends all of them, the kept one included, and returns a new password once
    new = reset_password(db, "cor", actor="bea")
    assert session_user(db, keep) is None and len(new) >= 20
    set_password(db, "cor", PW, actor="test")


def test_disabling_an_account_ends_its_sessions_and_enabling_does_not_revive_them(db):
    token = create_session(db, user(db, "cor"))
    set_active(db, "cor", False, actor="bea")
    assert session_user(db, token) is None
    set_active(db, "cor", True, actor="bea")
    assert session_user(db, token) is None


def test_a_disabled_account_is_refused_even_if_a_session_row_survived(db):
    token = create_session(db, user(db, "cor"))
    db.execute("UPDATE users SET active = 0 WHERE username = 'cor'")     # e.g. by another tool
    assert session_user(db, token) is None
    assert db.execute("SELECT count(*) FROM sessions").fetchone()[0] == 0


def test_log_out_everywhere(db):
    tokens = [create_session(db, user(db, "cor"), client=f"10.0.0.{i}") for i in range(3)]
    bea = create_session(db, user(db, "bea"))
    assert len(list_sessions(db, "cor")) == 3
    assert end_all_sessions(db, "cor", actor="bea") == 3
    assert all(session_user(db, t) is None for t in tokens) and list_sessions(db, "cor") == []
    assert session_user(db, bea).username == "bea"
    ev = account_events(db)[0]
    assert (ev["action"], ev["actor"], ev["username"]) == ("sessions_ended", "bea", "cor")
    with pytest.raises(AuthError, match="bestaat niet"):
        end_all_sessions(db, "niemand", actor="bea")


def test_idle_timeout_activity_and_maximum_lifetime(db):
    clock = Clock()
    token = create_session(db, user(db, "cor"), clock=clock)
    idle = SESSION_IDLE_MINUTES * 60
    for _ in range(3):                                    # activity keeps the session alive...
        clock.t += idle - 1
        assert session_user(db, token, clock=clock).username == "cor"
    clock.t += idle                                        # ...idleness ends it
    assert session_user(db, token, clock=clock) is None
    assert db.execute("SELECT count(*) FROM sessions").fetchone()[0] == 0

    clock = Clock()
    token = create_session(db, user(db, "cor"), clock=clock)
    while clock.t + idle / 2 < Clock().t + SESSION_MAX_HOURS * 3600:
        clock.t += idle / 2
        assert session_user(db, token, clock=clock) is not None
    clock.t = Clock().t + SESSION_MAX_HOURS * 3600         # however active: ends after the maximum
    assert session_user(db, token, clock=clock) is None


def test_last_seen_is_written_at_most_once_a_minute(db):
    clock = Clock()
    token = create_session(db, user(db, "cor"), clock=clock)

    def last_seen():
        return db.execute("SELECT last_seen FROM sessions").fetchone()[0]
    clock.t += SESSION_TOUCH_SECONDS - 1
    session_user(db, token, clock=clock)
    assert last_seen() == Clock().t
    clock.t += 1
    session_user(db, token, clock=clock)
    assert last_seen() == clock.t


def test_expired_sessions_are_removed_when_a_new_one_starts(db):
    clock = Clock()
    for _ in range(3):
        create_session(db, user(db, "cor"), clock=clock)
    clock.t += SESSION_IDLE_MINUTES * 60
    create_session(db, user(db, "bea"), clock=clock)
    assert db.execute("SELECT count(*) FROM sessions").fetchone()[0] == 1


def test_sessions_are_shared_by_connections_and_survive_a_restart(db, tmp_path):
    path = db.execute("PRAGMA database_list").fetchone()[2]
    token = create_session(db, user(db, "cor"), clock=time.time)
    other = connect(path)                                 # another worker, or after a restart
    assert session_user(other, token).username == "cor"
    end_session(other, token)
    other.close()
    assert session_user(db, token) is None
