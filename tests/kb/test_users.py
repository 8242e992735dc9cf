"""Accounts: argon2id hashes, roles, lockout after repeated failures, and the `users` CLI."""
from __future__ import annotations

import io
import json
import sqlite3
import sys
from datetime import datetime, timedelta, timezone

import pytest

from kb.db import connect
from kb.users import (LOCK_MINUTES, MAX_FAILURES, AuthError, account_events, authenticate, create_user, get_user,
                      list_users, set_active, set_password, set_role)
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
    assert authenticate(db, "ANNA", PW).id == u.id
    assert [e["action"] for e in account_events(db)] == ["login", "user_create"]


@pytest.mark.parametrize("name, password, role, message", [
    ("anna", "kort", "curator", "minstens 12 tekens"),
    ("anna", " " * 13, "curator", "niet alleen uit spaties"),
    ("a", PW, "curator", "2 tot 40 tekens"),
    ("anna smit", PW, "curator", "2 tot 40 tekens"),
    ("anna", PW, "admin", "Onbekende rol"),
    ("pieter", "pieter-is-de-beste!", "curator", "gebruikersnaam niet bevatten"),
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
        authenticate(db, "anna", PW + "x")
    with pytest.raises(AuthError) as unknown:
        authenticate(db, "niemand", PW)
    assert str(wrong.value) == str(unknown.value) == "Gebruikersnaam of wachtwoord is onjuist."


def test_lockout_after_repeated_failures_and_release_after_the_lock(db):
    create_user(db, "anna", PW, "curator", actor="test")
    t0 = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)
    for i in range(MAX_FAILURES - 1):
        with pytest.raises(AuthError, match="onjuist"):
            authenticate(db, "anna", "fout-wachtwoord-123", clock=lambda: t0)
    with pytest.raises(AuthError, match=f"{LOCK_MINUTES} minuten geblokkeerd"):
        authenticate(db, "anna", "fout-wachtwoord-123", clock=lambda: t0)
    # while locked, even the right password is refused
    with pytest.raises(AuthError, match="tijdelijk geblokkeerd"):
        authenticate(db, "anna", PW, clock=lambda: t0 + timedelta(minutes=LOCK_MINUTES - 1))
    assert get_user(db, "anna").locked_until
    later = t0 + timedelta(minutes=LOCK_MINUTES, seconds=1)
    assert authenticate(db, "anna", PW, clock=lambda: later).username == "anna"
    u = get_user(db, "anna")
    assert u.failed_logins == 0 and u.locked_until is None
    actions = [e["action"] for e in account_events(db)]
    assert actions[:3] == ["login", "user_locked", "login_failed"] and actions.count("login_failed") == MAX_FAILURES


def test_a_success_resets_the_failure_count(db):
    create_user(db, "anna", PW, "curator", actor="test")
    for _ in range(MAX_FAILURES - 1):
        with pytest.raises(AuthError):
            authenticate(db, "anna", "fout-wachtwoord-123")
    authenticate(db, "anna", PW)
    for _ in range(MAX_FAILURES - 1):           # a fresh count: no lock yet
        with pytest.raises(AuthError, match="onjuist"):
            authenticate(db, "anna", "fout-wachtwoord-123")


def test_disabled_accounts_cannot_log_in_and_the_last_beheerder_stays(db):
    create_user(db, "bea", PW, "beheerder", actor="test")
    create_user(db, "cor", PW, "curator", actor="bea")
    set_active(db, "cor", False, actor="bea")
    with pytest.raises(AuthError, match="uitgeschakeld"):
        authenticate(db, "cor", PW)
    with pytest.raises(AuthError, match="onjuist"):         # a wrong password reveals nothing more
        authenticate(db, "cor", PW + "x")
    with pytest.raises(AuthError, match="laatste actieve beheerder"):
        set_active(db, "bea", False, actor="bea")
    with pytest.raises(AuthError, match="laatste actieve beheerder"):
        set_role(db, "bea", "curator", actor="bea")
    set_active(db, "cor", True, actor="bea")
    set_password(db, "cor", "Een-nieuw-wachtwoord-9", actor="bea")
    assert authenticate(db, "cor", "Een-nieuw-wachtwoord-9").username == "cor"
    with pytest.raises(AuthError):
        authenticate(db, "cor", PW)


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
