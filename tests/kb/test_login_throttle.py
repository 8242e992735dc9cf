"""Login throttling: exponential back-off per (client address, account) and per client address,
no lockout of an account's owner from elsewhere, no reset by one's own login, the same answer
for unknown and existing names, always one real argon2 verification, state kept in SQLite."""
from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from kb import throttle
from kb.db import connect
from kb.users import (GENERIC_FAILURE, AuthError, LoginThrottled, account_events, create_user, lift_throttle, login,
                      throttle_status)

PW = {"anna": "Zorg-in-de-wijk-2024", "bob": "Werken-in-de-zorg-25"}
A, B = "198.51.100.7", "203.0.113.9"          # two client addresses


class Clock:
    def __init__(self, t: float = 1_800_000_000.0):
        self.t = t

    def __call__(self) -> float:
        return self.t


@pytest.fixture(scope="module")
def path(tmp_path_factory):
    p = tmp_path_factory.mktemp("throttle") / "kb.db"
    conn = connect(p)
    for name, pw in PW.items():
        create_user(conn, name, pw, "curator", actor="test")
    conn.close()
    return p


@pytest.fixture
def db(path):
    conn = connect(path)
    conn.execute("DELETE FROM login_throttle")
    yield conn
    conn.close()


@pytest.fixture
def verifications(monkeypatch):
    """Every argon2 verification that really runs (the library's own, counted on the way)."""
    calls: list[str] = []
    real = PasswordHasher.verify

    def counting(self, hash, password):
        calls.append(hash)
        return real(self, hash, password)
    monkeypatch.setattr(PasswordHasher, "verify", counting)
    return calls


def fail(db, name, client, clock, n=1):
    """`n` failed logins through the throttle's own bookkeeping (no hashing: fast)."""
    for _ in range(n):
        throttle.record_failure(db, client, name, now=clock())


def test_the_back_off_doubles_per_failure_up_to_a_maximum():
    free = throttle.ACCOUNT_FREE
    waits = [throttle.delay(n, free) for n in range(1, free + 6)]
    assert waits[:free] == [0.0] * free
    assert waits[free:] == [throttle.BASE_DELAY * 2 ** i for i in range(5)]
    assert throttle.delay(10_000, free) == throttle.MAX_DELAY


def test_wrong_passwords_slow_down_that_address_for_that_account_only(db, verifications):
    clock = Clock()
    for _ in range(throttle.ACCOUNT_FREE):                  # free failures: no wait
        with pytest.raises(AuthError) as err:
            login(db, "anna", "fout-wachtwoord-123", client=A, clock=clock)
        assert str(err.value) == GENERIC_FAILURE and not isinstance(err.value, LoginThrottled)
    with pytest.raises(AuthError, match="onjuist"):          # this one starts the back-off
        login(db, "anna", "fout-wachtwoord-123", client=A, clock=clock)
    fail(db, "anna", A, clock, n=2)                          # five wrong passwords in all
    with pytest.raises(LoginThrottled) as err:               # even the right password waits here
        login(db, "anna", PW["anna"], client=A, clock=clock)
    wait = throttle.BASE_DELAY * 4
    assert err.value.retry_after == wait and f"over {wait:.0f} seconden opnieuw" in str(err.value)
    # ... but the owner at another address logs in at once (no lockout, no denial of service)
    assert login(db, "anna", PW["anna"], client=B, clock=clock).username == "anna"
    # an attempt while waiting is not counted; after the wait the right password works
    clock.t += wait
    assert login(db, "anna", PW["anna"], client=A, clock=clock).username == "anna"
    assert len(verifications) == throttle.ACCOUNT_FREE + 4   # one verification per attempt, always
    events = [e["action"] for e in account_events(db, limit=8)]
    assert events[:2] == ["login", "login"] and "login_failed" in events


def test_too_many_failures_from_one_address_over_all_names_slow_that_address_down(db):
    clock = Clock()
    for i in range(throttle.CLIENT_FREE + 1):               # one guess per name: no name reaches its limit
        fail(db, f"gok{i}", A, clock)
    with pytest.raises(LoginThrottled):
        login(db, "bob", PW["bob"], client=A, clock=clock)
    assert login(db, "bob", PW["bob"], client=B, clock=clock).username == "bob"
    # IPv6: an address counts with its /64 network (a machine can rotate through a whole /64)
    for i in range(throttle.CLIENT_FREE + 1):
        fail(db, f"gok{i}", f"2001:db8:1:2::{i + 1:x}", clock)
    with pytest.raises(LoginThrottled):
        login(db, "bob", PW["bob"], client="2001:db8:1:2:ffff::1", clock=clock)
    assert login(db, "bob", PW["bob"], client="2001:db8:1:3::1", clock=clock).username == "bob"


def test_a_successful_login_does_not_reset_the_count_for_other_accounts(db):
    clock = Clock()
    fail(db, "anna", A, clock, n=throttle.ACCOUNT_FREE)       # the guesser's free failures at anna
    assert login(db, "bob", PW["bob"], client=A, clock=clock).username == "bob"   # its own account
    with pytest.raises(AuthError, match="onjuist"):
        login(db, "anna", "nog-een-gok-1234", client=A, clock=clock)
    assert throttle.wait_seconds(db, A, "anna", now=clock()) == throttle.BASE_DELAY   # still counting
    # nor the address's count over all accounts
    fail(db, "carla", A, clock, n=throttle.CLIENT_FREE - throttle.ACCOUNT_FREE - 1)
    assert login(db, "bob", PW["bob"], client=B, clock=clock)
    clock.t += throttle.MAX_DELAY
    assert login(db, "bob", PW["bob"], client=A, clock=clock).username == "bob"
    with pytest.raises(AuthError):
        login(db, "dirk", "weer-een-gok-123", client=A, clock=clock)
    assert throttle.wait_seconds(db, A, "wie-dan-ook", now=clock()) > 0
    # a success does reset its own (address, account) record
    fail(db, "bob", A, clock, n=throttle.ACCOUNT_FREE)
    clock.t += throttle.MAX_DELAY
    login(db, "bob", PW["bob"], client=A, clock=clock)
    row = db.execute("SELECT count(*) FROM login_throttle WHERE account = ?",
                     (throttle.account_digest("bob"),)).fetchone()[0]
    assert row == 0


def test_unknown_and_existing_throttled_names_get_the_same_answer_and_the_same_work(db, verifications):
    clock = Clock()
    answers = {}
    for name, client in (("anna", A), ("niemand", B)):        # identical histories, one name exists
        fail(db, name, client, clock, n=throttle.ACCOUNT_FREE + 1)
        with pytest.raises(LoginThrottled) as err:
            login(db, name, "wat-dan-ook-12345", client=client, clock=clock)
        answers[name] = (str(err.value), err.value.retry_after)
    assert answers["anna"] == answers["niemand"]
    assert "anna" not in answers["anna"][0] and "account" not in answers["anna"][0]
    # one real argon2id verification in each case: never an early answer from the throttle
    assert len(verifications) == 2 and all(h.startswith("$argon2id$") for h in verifications)


@pytest.mark.parametrize("name, password", [
    ("niemand", "een-wachtwoord-12"),            # unknown name
    ("anna", "een-wachtwoord-12"),               # wrong password
    ("anna", "x" * 5000),                        # too long to hash: still one verification
    ("", ""),                                    # nothing typed
    ("a\ud800b", "surrogaat-in-naam"),           # not valid UTF-8
    ("anna", "wachtwoord-\udfff-12"),
])
def test_every_failed_login_runs_exactly_one_verification(db, verifications, name, password):
    with pytest.raises(AuthError) as err:
        login(db, name, password, client=A)
    assert str(err.value) == GENERIC_FAILURE and len(verifications) == 1
    assert verifications[0].startswith("$argon2id$")


def test_the_state_is_in_sqlite_shared_and_kept_across_restarts_and_pruned(db, path):
    clock = Clock()
    fail(db, "anna", A, clock, n=throttle.ACCOUNT_FREE + 1)
    other = connect(path)                                        # another worker, or after a restart
    assert throttle.wait_seconds(other, A, "anna", now=clock()) == throttle.BASE_DELAY
    stored = repr([tuple(r) for r in other.execute("SELECT * FROM login_throttle")])
    assert "anna" not in stored and A not in stored              # only digests of what was typed
    other.close()
    clock.t += throttle.RESET_AFTER + 1                          # a day without failures: forgotten
    assert throttle.wait_seconds(db, A, "anna", now=clock()) == 0
    fail(db, "bob", B, clock)                                    # the next failure prunes old records
    assert db.execute("SELECT count(*) FROM login_throttle WHERE account = ?",
                      (throttle.account_digest("anna"),)).fetchone()[0] == 0


def test_a_beheerder_lifts_the_back_off_of_an_account(db):
    clock = Clock()
    fail(db, "anna", A, clock, n=throttle.ACCOUNT_FREE + 2)
    fail(db, "anna", B, clock, n=throttle.ACCOUNT_FREE + 1)
    status = throttle_status(db, "anna", clock=clock)
    assert status["addresses"] == 2 and status["failures"] == 2 * throttle.ACCOUNT_FREE + 3
    assert status["blocked_until"].endswith("Z")
    assert lift_throttle(db, "anna", actor="bea") == 2
    assert throttle_status(db, "anna", clock=clock)["blocked_until"] is None
    assert login(db, "anna", PW["anna"], client=A, clock=clock).username == "anna"
    assert [e for e in account_events(db, limit=5) if e["action"] == "throttle_lifted"][0]["actor"] == "bea"
    # the address-wide count is lifted separately (e.g. an office behind one address)
    fail(db, "x", A, clock, n=throttle.CLIENT_FREE + 1)
    assert throttle.lift(db, client=A) == 1 and throttle.wait_seconds(db, A, "y", now=clock()) == 0
    with pytest.raises(AuthError, match="bestaat niet"):
        lift_throttle(db, "niemand", actor="bea")


@pytest.mark.parametrize("address, key", [
    ("192.0.2.1", "192.0.2.1"), (" 192.0.2.1 ", "192.0.2.1"), ("::ffff:192.0.2.1", "192.0.2.1"),
    ("2001:DB8::1", "2001:db8::/64"), ("[2001:db8::1]", "2001:db8::/64"), ("", "onbekend"), (None, "onbekend"),
    ("testclient", "testclient"),
])
def test_client_keys(address, key):
    assert throttle.client_key(address) == key
