"""Accounts: argon2id hashes, roles, disabling, and the `users` CLI. Sessions: test_sessions.py;
login throttling: test_login_throttle.py."""
from __future__ import annotations

import io
import json
import sqlite3
import sys
import time

import pytest

from kb import throttle
from kb.db import connect
from kb.users import (AuthError, account_events, create_session, create_user, get_user, list_users, login,
                      session_user, set_active, set_password, set_role, throttle_status)
from web.cli import main

PW = "Zorg-in-de-wijk-2024"


@pytest.fixture
def db(tmp_path):
    conn = connect(tmp_path / "kb.db")
    yield conn
    conn.close()


def test_a_fresh_database_has_no_accounts_and_hashes_are_argon2id(db):
    assert list_users(db) == []                       # no default account, no default password
    u = create_user(db, "  Anna ", PW, "curator", actor="test")
    assert u.username == "anna" and u.role == "curator" and u.active
    stored = db.execute("SELECT password_hash FROM users").fetchone()[0]
    assert stored.startswith("$argon2id$") and PW not in stored
    assert login(db, "ANNA", PW, client="10.0.0.1").id == u.id
    assert [e["action"] for e in account_events(db)] == ["login", "user_create"]


@pytest.mark.parametrize("name, password, role, message", [
    ("anna", "kort", "curator", "minstens 12 tekens"),
    ("anna", " " * 13, "curator", "niet alleen uit spaties"),
    ("a", PW, "curator", "2 tot 40 tekens"),
    ("anna smit", PW, "curator", "2 tot 40 tekens"),
    ("anna", PW, "admin", "Onbekende rol"),
    ("pieter", "pieter-is-de-beste!", "curator", "gebruikersnaam niet bevatten"),
    ("anna", "wachtwoord-\ud800-met-surrogaat", "curator", "ongeldig teken"),
])
def test_invalid_accounts_are_refused_in_dutch(db, name, password, role, message):
    with pytest.raises(AuthError, match=message):
        create_user(db, name, password, role, actor="test")
    assert list_users(db) == []


def test_duplicate_usernames_are_refused(db):
    create_user(db, "anna", PW, "curator", actor="test")
    with pytest.raises(AuthError, match="bestaat al"):
        create_user(db, "Anna", PW + "x", "beheerder", actor="test")


def test_wrong_password_and_unknown_user_give_the_same_message(db):
    create_user(db, "anna", PW, "curator", actor="test")
    with pytest.raises(AuthError) as wrong:
        login(db, "anna", PW + "x", client="10.0.0.1")
    with pytest.raises(AuthError) as unknown:
        login(db, "niemand", PW, client="10.0.0.2")
    assert str(wrong.value) == str(unknown.value) == "Gebruikersnaam of wachtwoord is onjuist."


def test_disabled_accounts_cannot_log_in_and_the_last_beheerder_stays(db):
    create_user(db, "bea", PW, "beheerder", actor="test")
    create_user(db, "cor", PW, "curator", actor="bea")
    set_active(db, "cor", False, actor="bea")
    with pytest.raises(AuthError, match="uitgeschakeld"):
        login(db, "cor", PW, client="10.0.0.1")
    with pytest.raises(AuthError, match="onjuist"):         # a wrong password reveals nothing more
        login(db, "cor", PW + "x", client="10.0.0.1")
    with pytest.raises(AuthError, match="laatste actieve beheerder"):
        set_active(db, "bea", False, actor="bea")
    with pytest.raises(AuthError, match="laatste actieve beheerder"):
        set_role(db, "bea", "curator", actor="bea")
    set_active(db, "cor", True, actor="bea")
    set_password(db, "cor", "Een-nieuw-wachtwoord-9", actor="bea")
    assert login(db, "cor", "Een-nieuw-wachtwoord-9", client="10.0.0.1").username == "cor"
    with pytest.raises(AuthError):
        login(db, "cor", PW, client="10.0.0.1")


def test_roles_change_with_an_audit_event_and_at_once_for_a_live_session(db):
    create_user(db, "bea", PW, "beheerder", actor="test")
    cor = create_user(db, "cor", PW, "curator", actor="bea")
    token = create_session(db, cor, client="10.0.0.1")
    set_role(db, "cor", "beheerder", actor="bea")
    assert session_user(db, token).is_beheerder
    ev = account_events(db)[0]
    assert ev["action"] == "user_role" and ev["actor"] == "bea" and ev["details"] == {
        "changes": {"role": ["curator", "beheerder"]}}
    with pytest.raises(AuthError, match="Onbekende rol"):
        set_role(db, "cor", "baas", actor="bea")


def run(capsys, monkeypatch, *args, stdin: str | None = None):
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    try:
        code = main(list(args))
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 2
        if isinstance(exc.code, str):
            print(exc.code, file=sys.stderr)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_users_cli(tmp_path, capsys, monkeypatch):
    db = str(tmp_path / "kb.db")
    connect(db).close()                  # an empty knowledge base: read commands never create one
    code, out, _ = run(capsys, monkeypatch, "--db", db, "users", "list")
    assert code == 0 and "nog geen gebruikers" in out and "--rol beheerder" in out
    code, out, err = run(capsys, monkeypatch, "--db", db, "users", "add", "bea", "--rol", "beheerder",
                         "--wachtwoord-stdin", stdin=PW + "\n")
    assert code == 0, err
    assert "bea" in out and "beheerder" in out
    code, _, err = run(capsys, monkeypatch, "--db", db, "users", "add", "cor", "--rol", "curator",
                       "--wachtwoord-stdin", stdin="kort\n")
    assert code == 1 and "minstens 12 tekens" in err
    # without a terminal and without --wachtwoord-stdin: a clear Dutch refusal, nothing created
    code, _, err = run(capsys, monkeypatch, "--db", db, "users", "add", "cor", "--rol", "curator", stdin="")
    assert code != 0 and "--wachtwoord-stdin" in err
    code, _, err = run(capsys, monkeypatch, "--db", db, "users", "add", "cor", "--rol", "baas")
    assert code == 2 and "ongeldige keuze" in err
    code, _, _ = run(capsys, monkeypatch, "--db", db, "users", "add", "cor", "--rol", "curator",
                     "--wachtwoord-stdin", stdin=PW + "\n")
    assert code == 0
    code, _, err = run(capsys, monkeypatch, "--db", db, "users", "disable", "bea")
    assert code == 1 and "laatste actieve beheerder" in err
    code, out, _ = run(capsys, monkeypatch, "--db", db, "users", "disable", "cor")
    assert code == 0 and "uitgeschakeld" in out
    code, out, _ = run(capsys, monkeypatch, "--db", db, "users", "list", "--json")
    rows = {r["username"]: r for r in json.loads(out)}
    assert rows["bea"]["role"] == "beheerder" and rows["bea"]["active"]
    assert rows["cor"]["active"] is False and "password_hash" not in rows["cor"]
    code, _, err = run(capsys, monkeypatch, "--db", db, "users", "disable", "niemand")
    assert code == 1 and "bestaat niet" in err
    c = sqlite3.connect(db)
    assert all(h.startswith("$argon2id$") for (h,) in c.execute("SELECT password_hash FROM users"))
    c.close()
    # `users wachtwoord` sets a new password, lifts the login back-off and ends every session
    conn = connect(db)
    token = create_session(conn, get_user(conn, "bea"), client="10.0.0.1")
    for _ in range(throttle.ACCOUNT_FREE + 1):
        throttle.record_failure(conn, "10.0.0.9", "bea", now=time.time())
    assert throttle_status(conn, "bea")["blocked_until"]
    code, out, err = run(capsys, monkeypatch, "--db", db, "users", "wachtwoord", "bea", "--wachtwoord-stdin",
                         stdin="Een-ander-wachtwoord-7\n")
    assert code == 0 and "wachttijd voor inloggen is opgeheven" in out, err
    assert session_user(conn, token) is None and throttle_status(conn, "bea")["blocked_until"] is None
    assert login(conn, "bea", "Een-ander-wachtwoord-7", client="10.0.0.9").username == "bea"
    conn.close()
