"""Accounts in the web: server-side sessions that end (logout with a copied cookie, password
change, disabling, "log out everywhere"), login throttling with back-off (429 + Retry-After,
the same answer and timing for every name, a success does not buy more guesses), the
trusted-proxy setting, and the beheerder's user management with confirmation and audit."""
from __future__ import annotations

import re
import statistics
import time
from urllib.parse import unquote

import pytest
from fastapi.testclient import TestClient

from kb import throttle
from kb.db import connect
from kb.users import account_events, create_user, get_user, list_sessions
from tests.web.html_check import check_accessible

PW = {"cora": "Curatoren-werk-2024!", "carl": "Tweede-curator-99!", "bea": "Beheer-van-Zeeland-7",
      "bob": "Tweede-beheerder-55"}


@pytest.fixture
def app(kb_copy, tmp_path):
    """An app on a private copy of the knowledge base with four accounts (no search needed)."""
    from web.app import create_app
    conn = connect(kb_copy)
    for name, role in (("cora", "curator"), ("carl", "curator"), ("bea", "beheerder"), ("bob", "beheerder")):
        create_user(conn, name, PW[name], role, actor="test")
    conn.close()
    return create_app(kb_copy, tmp_path / "index")


def token(html: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert m, "no CSRF token in the form"
    return m.group(1)


def flash(r) -> str:
    return unquote(re.search(r"melding=([^&]+)", r.headers["location"]).group(1))


def attempt(c: TestClient, username: str, password: str, **kw):
    tok = token(c.get("/beheer/inloggen").text)
    return c.post("/beheer/inloggen", data={"gebruikersnaam": username, "wachtwoord": password, "csrf_token": tok},
                  follow_redirects=False, **kw)


def login(app, username: str, **kw) -> TestClient:
    c = TestClient(app, **kw)
    r = attempt(c, username, PW[username])
    assert r.status_code == 303, r.text
    return c


def db(app):
    return connect(app.state.services.db_path)


# ---------------------------------------------------------------- sessions end

def test_a_cookie_copied_before_logout_stops_working(app):
    cora = login(app, "cora")
    r = cora.get("/beheer/gebruikers")                     # a curator: logged in, but no user management
    assert r.status_code == 403
    cookie = cora.cookies.get("pw_sessie")
    thief = TestClient(app, cookies={"pw_sessie": cookie})
    assert thief.get("/beheer/account").status_code == 200            # the copy works while the session lives
    page = cora.get("/beheer/account").text
    r = cora.post("/beheer/uitloggen", data={"csrf_token": token(page)}, follow_redirects=False)
    assert r.status_code == 303 and 'pw_sessie=""' in r.headers["set-cookie"]
    # the copy is refused everywhere, also for a POST with the CSRF token of the ended session
    assert thief.get("/beheer/account", follow_redirects=False).status_code == 303
    r = thief.post("/beheer/account/overal-uitloggen", data={"csrf_token": token(page)}, follow_redirects=False)
    assert r.status_code == 401
    assert list_sessions(db(app), "cora") == []
    assert any(e["action"] == "logout" for e in account_events(db(app), username="cora"))


def test_login_cookie_is_safe_and_there_is_no_open_redirect(app, monkeypatch):
    c = TestClient(app)
    page = c.get("/beheer/inloggen")
    assert "pw_sessie" in page.headers["set-cookie"]         # pre-session with the CSRF token
    pre = c.cookies.get("pw_sessie")
    r = c.post("/beheer/inloggen", data={"gebruikersnaam": "cora", "wachtwoord": PW["cora"], "csrf_token": token(page.text),
                                         "volgende": "https://kwaadaardig.example/"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/beheer"
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "path=/" in cookie and "secure" not in cookie
    assert c.cookies.get("pw_sessie") != pre                            # a new cookie: no session fixation
    # the CSRF token of the login page does not carry over into the session
    r = c.post("/beheer/account/overal-uitloggen", data={"csrf_token": token(page.text)})
    assert r.status_code == 403
    monkeypatch.setenv("PRAKTIJKWIJZER_SECURE_COOKIES", "1")
    assert "secure" in TestClient(app).get("/beheer/inloggen").headers["set-cookie"].lower()


def test_idle_sessions_end(app):
    from kb.users import SESSION_IDLE_MINUTES
    cora = login(app, "cora")
    assert cora.get("/beheer/account").status_code == 200
    conn = db(app)
    with conn:              # the session's last request was longer ago than the idle timeout
        conn.execute("UPDATE sessions SET last_seen = last_seen - ?", (SESSION_IDLE_MINUTES * 60 + 5,))
    assert cora.get("/beheer/account", follow_redirects=False).status_code == 303
    assert list_sessions(conn, "cora") == []


def test_own_password_change_ends_the_other_sessions(app):
    here, elsewhere = login(app, "carl"), login(app, "carl")
    page = here.get("/beheer/account")
    assert page.status_code == 200 and len(list_sessions(db(app), "carl")) == 2
    check_accessible(page.text)
    r = here.post("/beheer/account", data={"csrf_token": token(page.text), "huidig": "fout-wachtwoord-1",
                                           "wachtwoord": "Nieuw-wachtwoord-2025", "wachtwoord2": "Nieuw-wachtwoord-2025"})
    assert r.status_code == 422 and "huidige wachtwoord is niet juist" in r.text
    check_accessible(r.text)
    r = here.post("/beheer/account", data={"csrf_token": token(page.text), "huidig": PW["carl"],
                                           "wachtwoord": "kort", "wachtwoord2": "kort"})
    assert r.status_code == 422 and "minstens 12 tekens" in r.text
    assert elsewhere.get("/beheer/account").status_code == 200       # nothing changed yet
    r = here.post("/beheer/account", data={"csrf_token": token(page.text), "huidig": PW["carl"],
                                           "wachtwoord": "Nieuw-wachtwoord-2025", "wachtwoord2": "Nieuw-wachtwoord-2025"},
                  follow_redirects=False)
    assert r.status_code == 303 and "gewijzigd" in flash(r)
    assert here.get("/beheer/account").status_code == 200
    assert elsewhere.get("/beheer/account", follow_redirects=False).status_code == 303
    assert attempt(TestClient(app), "carl", PW["carl"]).status_code == 401
    assert attempt(TestClient(app), "carl", "Nieuw-wachtwoord-2025").status_code == 303


# ---------------------------------------------------------------- throttling

def test_a_successful_login_does_not_reset_the_address_count(app):
    c = TestClient(app)
    for i in range(throttle.CLIENT_FREE):              # free failures from this address, each a different name
        r = attempt(c, f"gok{i}", "een-fout-wachtwoord")
        assert r.status_code == 401 and "Gebruikersnaam of wachtwoord is onjuist." in r.text
    assert attempt(c, "cora", PW["cora"]).status_code == 303        # one's own account still works ...
    r = attempt(c, "gok-nog-een", "een-fout-wachtwoord")              # ... but buys no further guesses
    assert r.status_code == 401
    r = attempt(c, "carl", PW["carl"])
    assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1
    assert "Te veel mislukte pogingen" in r.text and "seconde" in r.text
    check_accessible(r.text)
    # another address is not slowed down (guessing cannot lock an account's owner out)
    other = TestClient(app, client=("192.0.2.7", 50000))
    assert attempt(other, "carl", PW["carl"]).status_code == 303


def test_the_answer_is_the_same_for_known_unknown_and_throttled_names(app):
    def timed(c, name):
        t = time.perf_counter()
        r = attempt(c, name, "niet-het-wachtwoord")
        return r, time.perf_counter() - t

    known, unknown = TestClient(app, client=("192.0.2.1", 1)), TestClient(app, client=("192.0.2.2", 1))
    answers = {}
    for name, c in (("cora", known), ("niemand-bekend", unknown)):
        runs = [timed(c, name) for _ in range(throttle.ACCOUNT_FREE)]
        assert {r.status_code for r, _ in runs} == {401}
        answers[name] = ({re.search(r'id="inlog-fout">([^<]+)<', r.text).group(1) for r, _ in runs},
                         statistics.median(t for _, t in runs))
    assert answers["cora"][0] == answers["niemand-bekend"][0] == {"Gebruikersnaam of wachtwoord is onjuist."}
    conn = db(app)                            # now both (address, name) pairs must wait a minute or more
    for client, name in (("192.0.2.1", "cora"), ("192.0.2.2", "niemand-bekend")):
        for _ in range(6):
            throttle.record_failure(conn, client, name, now=time.time())
    throttled = [timed(c, n) for c, n in ((known, "cora"), (unknown, "niemand-bekend")) for _ in range(2)]
    assert {r.status_code for r, _ in throttled} == {429}
    assert len({re.sub(r"\d+", "N", r.text.split('id="inlog-fout">')[1].split("<")[0]) for r, _ in throttled}) == 1
    # every attempt runs one argon2 verification: a throttled or unknown name answers as slowly as a known one
    base = answers["cora"][1]
    assert answers["niemand-bekend"][1] > 0.5 * base
    assert statistics.median(t for _, t in throttled) > 0.5 * base


def test_forwarded_addresses_count_only_behind_a_trusted_proxy(app, monkeypatch):
    from web.forwarded import ProxySettingError, client_address
    scope = {"client": ("10.0.0.5", 1), "headers": [(b"x-forwarded-for", b"203.0.113.9, 10.0.0.7")]}
    assert client_address(scope) == "10.0.0.5"                 # header ignored by default
    monkeypatch.setenv("PRAKTIJKWIJZER_TRUSTED_PROXIES", "10.0.0.0/24")
    assert client_address(scope) == "203.0.113.9"              # both hops trusted: the first untrusted one
    assert client_address({"client": ("198.51.100.1", 1), "headers": scope["headers"]}) == "198.51.100.1"
    assert client_address({"client": ("10.0.0.5", 1), "headers": [(b"x-forwarded-for", b"onzin, 10.0.0.7")]}) \
        == "10.0.0.7"
    monkeypatch.setenv("PRAKTIJKWIJZER_TRUSTED_PROXIES", "10.0.0.0/24 localhost")
    with pytest.raises(ProxySettingError, match="localhost"):
        client_address(scope)

    # through the app: failures from one forwarded address do not slow down another
    monkeypatch.setenv("PRAKTIJKWIJZER_TRUSTED_PROXIES", "10.0.0.5")
    proxy = TestClient(app, client=("10.0.0.5", 1))
    attacker = {"X-Forwarded-For": "203.0.113.66"}
    for _ in range(throttle.ACCOUNT_FREE + 1):
        attempt(proxy, "cora", "fout-wachtwoord-x", headers=attacker)
    assert attempt(proxy, "cora", PW["cora"], headers=attacker).status_code == 429
    assert attempt(proxy, "cora", PW["cora"], headers={"X-Forwarded-For": "203.0.113.67"}).status_code == 303


# ---------------------------------------------------------------- beheerder's user management

def test_beheerder_manages_accounts_with_confirmation_and_audit(app):
    bea, cora = login(app, "bea"), login(app, "cora")
    page = bea.get("/beheer/gebruikers")
    assert page.status_code == 200 and "cora" in page.text and "Inlogpogingen" in page.text
    check_accessible(page.text)
    detail = bea.get("/beheer/gebruikers/cora")
    check_accessible(detail.text)
    tok = token(detail.text)
    assert bea.get("/beheer/gebruikers/niemand").status_code == 404

    # without the CSRF token nothing happens
    for action in ("rol", "wachtwoord", "wachttijd", "uitloggen", "actief"):
        r = bea.post(f"/beheer/gebruikers/cora/{action}", data={"rol": "beheerder", "bevestigd": "ja", "actief": "nee"})
        assert r.status_code == 403, action
    assert get_user(db(app), "cora").role == "curator" and cora.get("/beheer/account").status_code == 200

    # role: takes effect at once for the live session
    r = bea.post("/beheer/gebruikers/cora/rol", data={"csrf_token": tok, "rol": "beheerder"}, follow_redirects=False)
    assert r.status_code == 303 and "beheerder" in flash(r)
    assert cora.get("/beheer/gebruikers").status_code == 200
    bea.post("/beheer/gebruikers/cora/rol", data={"csrf_token": tok, "rol": "curator"})
    assert cora.get("/beheer/gebruikers").status_code == 403

    # log out everywhere: first a confirmation page, then every copy of cora's cookie is dead
    r = bea.post("/beheer/gebruikers/cora/uitloggen", data={"csrf_token": tok})
    assert r.status_code == 200 and "Overal uitloggen" in r.text and 'name="bevestigd" value="ja"' in r.text
    check_accessible(r.text)
    assert cora.get("/beheer/account").status_code == 200
    r = bea.post("/beheer/gebruikers/cora/uitloggen", data={"csrf_token": tok, "bevestigd": "ja"},
                 follow_redirects=False)
    assert r.status_code == 303 and "1 sessie beëindigd" in flash(r)
    assert cora.get("/beheer/account", follow_redirects=False).status_code == 303

    # reset password: shown once, the old one stops working, sessions end
    cora = login(app, "cora")
    r = bea.post("/beheer/gebruikers/cora/wachtwoord", data={"csrf_token": tok})
    assert r.status_code == 200 and "nieuw-wachtwoord" not in r.text
    r = bea.post("/beheer/gebruikers/cora/wachtwoord", data={"csrf_token": tok, "bevestigd": "ja"})
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
    new_pw = re.search(r'id="nieuw-wachtwoord">([^<]+)<', r.text).group(1)
    check_accessible(r.text)
    assert new_pw not in bea.get("/beheer/gebruikers/cora").text                 # shown once
    assert cora.get("/beheer/account", follow_redirects=False).status_code == 303
    assert attempt(TestClient(app), "cora", PW["cora"]).status_code == 401
    assert attempt(TestClient(app), "cora", new_pw).status_code == 303

    # lift the login back-off of an account
    guesser = TestClient(app, client=("198.51.100.4", 1))
    for _ in range(throttle.ACCOUNT_FREE + 1):
        attempt(guesser, "carl", "fout-wachtwoord-y")
    assert attempt(guesser, "carl", PW["carl"]).status_code == 429
    for _ in range(6):      # a long back-off, so that a loaded machine cannot outlast it before the page
        throttle.record_failure(db(app), "198.51.100.4", "carl", now=time.time())
    assert "moet wachten tot" in bea.get("/beheer/gebruikers").text
    r = bea.post("/beheer/gebruikers/carl/wachttijd", data={"csrf_token": tok}, follow_redirects=False)
    assert r.status_code == 303 and "opgeheven" in flash(r)
    assert attempt(guesser, "carl", PW["carl"]).status_code == 303

    # disable (confirmed) and enable; not one's own account
    r = bea.post("/beheer/gebruikers/carl/actief", data={"csrf_token": tok, "actief": "nee"})
    assert r.status_code == 200 and "uitschakelen" in r.text.lower() and get_user(db(app), "carl").active
    r = bea.post("/beheer/gebruikers/carl/actief", data={"csrf_token": tok, "actief": "nee", "bevestigd": "ja"},
                 follow_redirects=False)
    assert r.status_code == 303 and not get_user(db(app), "carl").active
    assert guesser.get("/beheer/account", follow_redirects=False).status_code == 303
    r = attempt(TestClient(app), "carl", PW["carl"])
    assert r.status_code == 401 and "uitgeschakeld" in r.text
    bea.post("/beheer/gebruikers/carl/actief", data={"csrf_token": tok, "actief": "ja"})
    assert get_user(db(app), "carl").active
    r = bea.post("/beheer/gebruikers/bea/actief", data={"csrf_token": tok, "actief": "nee", "bevestigd": "ja"},
                 follow_redirects=False)
    assert "eigen account" in flash(r) and get_user(db(app), "bea").active

    # every action is in the audit log with the beheerder as actor
    done = {(e["action"], e["username"]) for e in account_events(db(app)) if e["actor"] == "bea"}
    assert {("user_role", "cora"), ("sessions_ended", "cora"), ("user_password", "cora"),
            ("throttle_lifted", "carl"), ("user_disable", "carl"), ("user_enable", "carl")} <= done
    history = bea.get("/beheer/gebruikers/carl").text
    assert "uitgeschakeld" in history and "wachttijd voor inloggen opgeheven" in history
