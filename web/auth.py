"""Logging in for curators and beheerders: server-side sessions, CSRF tokens, the login route's
answers.

* A session lives in the database (kb.users: create_session / session_user / end_session).
  The browser holds its random token in a cookie signed with itsdangerous (HttpOnly,
  SameSite=Lax, Secure when the site runs on https or PRAKTIJKWIJZER_SECURE_COOKIES=1).
  Every request looks the token up (`current_user`), so logout, a password change, disabling
  an account and a beheerder's "log out everywhere" end the session for every copy of the
  cookie at once; a session also ends after kb.users.SESSION_IDLE_MINUTES without requests
  and kb.users.SESSION_MAX_HOURS after login.
* The signing key comes from PRAKTIJKWIJZER_SECRET, or is generated once and kept next to the
  database (`<db>.secret`, mode 0600). There is no key in the code.
* Every POST carries a CSRF token in the form field `csrf_token`: for a session it is derived
  from the session token (HMAC with the signing key), so it changes at every login and dies
  with the session; anonymous visitors of the login page get a pre-session cookie holding one.
* Login throttling (per client address and per (address, name), with exponential back-off)
  is kb.throttle's, called through kb.users.login; the client address is web.forwarded's.

Route protection: the dependencies `current_user`, `require_curator`, `require_beheerder`
and (for POST) `curator_post` / `beheerder_post`, which also check the CSRF token. They raise
LoginRequired / Forbidden; the router's route class (`GuardedRoute`) turns those into a 401
JSON answer (API, JSON clients), a redirect to the login page (HTML GET), or a 401/403 page.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import threading
from pathlib import Path
from typing import Callable
from urllib.parse import quote

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from itsdangerous import BadSignature, URLSafeTimedSerializer

from kb.users import SESSION_MAX_HOURS, User, session_user
from web.forwarded import client_address
from web.errors import html_error

SESSION_COOKIE = "pw_sessie"
SESSION_HOURS = SESSION_MAX_HOURS
CSRF_FIELD = "csrf_token"
LOGIN_PATH = "/beheer/inloggen"
_SALT = "praktijkwijzer-sessie-v2"


class LoginRequired(Exception):
    def __init__(self, message: str = "U moet eerst inloggen als curator of beheerder."):
        super().__init__(message)


class Forbidden(Exception):
    def __init__(self, message: str = "U heeft geen toegang tot deze pagina."):
        super().__init__(message)


class CsrfError(Forbidden):
    def __init__(self):
        super().__init__("Het formulier is verlopen of niet door deze site verstuurd (ongeldig "
                         "beveiligingstoken). Laad de pagina opnieuw en probeer het nog eens; er is niets opgeslagen.")


# ---------------------------------------------------------------- the signing key

_KEYS: dict[str, str] = {}
_KEYS_LOCK = threading.Lock()


def secret_key(db_path: Path) -> str:
    """PRAKTIJKWIJZER_SECRET, else a random key kept in `<db>.secret` (created on first use)."""
    env = os.environ.get("PRAKTIJKWIJZER_SECRET")
    if env:
        if len(env) < 32:
            raise RuntimeError("PRAKTIJKWIJZER_SECRET is te kort: gebruik minstens 32 tekens.")
        return env
    path = Path(db_path).with_suffix(".secret")
    key = str(path.resolve())
    with _KEYS_LOCK:
        if key in _KEYS:
            return _KEYS[key]
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                pass                      # another process was first
            else:
                with os.fdopen(fd, "w", encoding="utf-8") as fh:
                    fh.write(secrets.token_urlsafe(48))
                    fh.flush()
                    os.fsync(fh.fileno())
        value = path.read_text(encoding="utf-8").strip()
        if len(value) < 32:
            raise RuntimeError(f"Het sleutelbestand {path} is leeg of te kort; verwijder het, dan wordt een nieuw gemaakt.")
        _KEYS[key] = value
        return value


def _secret(request: Request) -> str:
    return secret_key(request.app.state.services.db_path)


def _serializer(request: Request) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(_secret(request), salt=_SALT)


def secure_cookies(request: Request) -> bool:
    env = os.environ.get("PRAKTIJKWIJZER_SECURE_COOKIES", "").strip().lower()
    if env in ("1", "ja", "true", "yes"):
        return True
    if env in ("0", "nee", "false", "no"):
        return False
    return request.url.scheme == "https"


# ---------------------------------------------------------------- reading the session

def session_data(request: Request) -> dict:
    """The verified cookie contents ({} when absent, tampered with or older than SESSION_HOURS):
    {"s": session token} after login, {"c": CSRF token} before."""
    cached = getattr(request.state, "pw_session", None)
    if cached is not None:
        return cached
    data: dict = {}
    raw = request.cookies.get(SESSION_COOKIE)
    if raw:
        try:
            loaded = _serializer(request).loads(raw, max_age=SESSION_HOURS * 3600)
            data = {k: v for k, v in loaded.items() if k in ("s", "c") and isinstance(v, str)} \
                if isinstance(loaded, dict) else {}
        except (BadSignature, ValueError, TypeError, UnicodeError):
            data = {}
    request.state.pw_session = data
    return data


def session_token(request: Request) -> str | None:
    """The server-side session token this request carries (valid or not), or None."""
    return session_data(request).get("s")


def current_user(request: Request) -> User | None:
    """The logged-in, active user of this request, or None (looked up in the database on every
    request: an ended session is refused at once)."""
    if hasattr(request.state, "pw_user"):
        return request.state.pw_user
    token = session_token(request)
    user = session_user(request.app.state.services.conn(), token) if token else None
    request.state.pw_user = user
    return user


def _derived_csrf(request: Request, token: str) -> str:
    mac = hmac.new(_secret(request).encode(), b"csrf\n" + token.encode("ascii", "replace"), hashlib.sha256)
    return base64.urlsafe_b64encode(mac.digest()[:24]).decode("ascii")


def csrf_token(request: Request) -> str:
    """The CSRF token of this session (derived from its token) or pre-session (created if there
    is none yet)."""
    data = session_data(request)
    if data.get("s"):
        return _derived_csrf(request, data["s"])
    token = data.get("c")
    if not token:
        token = secrets.token_urlsafe(32)
        request.state.pw_session = {"c": token}
        request.state.pw_new_cookie = True
    return token


def apply_cookie(request: Request, response: Response) -> Response:
    """Set the (pre-)session cookie on a response when this request created or changed it."""
    if getattr(request.state, "pw_new_cookie", False):
        value = _serializer(request).dumps(request.state.pw_session)
        response.set_cookie(SESSION_COOKIE, value, max_age=SESSION_HOURS * 3600, path="/", httponly=True,
                            samesite="lax", secure=secure_cookies(request))
    return response


def start_session(request: Request, response: Response, user: User, token: str) -> None:
    """Put a new server-side session (kb.users.create_session's token) in the cookie. A new
    token means a new CSRF token: no session fixation."""
    request.state.pw_session = {"s": token}
    request.state.pw_user = user
    request.state.pw_new_cookie = True
    apply_cookie(request, response)


def logout_session(request: Request, response: Response) -> None:
    """Remove the cookie (the caller ends the session itself with kb.users.end_session)."""
    request.state.pw_new_cookie = False
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=secure_cookies(request))


# ---------------------------------------------------------------- checks

def check_csrf(request: Request, submitted) -> None:
    data = session_data(request)
    expected = _derived_csrf(request, data["s"]) if data.get("s") else data.get("c")
    if not expected or not isinstance(submitted, str) or not submitted.isascii() \
            or not hmac.compare_digest(expected, submitted):
        raise CsrfError()


def require_curator(request: Request) -> User:
    """Dependency: a logged-in curator or beheerder."""
    user = current_user(request)
    if user is None:
        raise LoginRequired()
    return user


def require_beheerder(request: Request) -> User:
    user = require_curator(request)
    if not user.is_beheerder:
        raise Forbidden("Alleen een beheerder mag gebruikers beheren.")
    return user


async def _post(request: Request, check: Callable[[Request], User]) -> User:
    user = await run_in_threadpool(check, request)          # a database look-up
    form = await request.form()
    request.state.form = form
    check_csrf(request, form.get(CSRF_FIELD))
    return user


async def curator_post(request: Request) -> User:
    """Dependency for POST routes: a logged-in curator or beheerder and a valid CSRF token.
    The parsed form is left in `request.state.form`."""
    return await _post(request, require_curator)


async def beheerder_post(request: Request) -> User:
    return await _post(request, require_beheerder)


def client_key(request: Request) -> str:
    """The client address (web.forwarded: behind a trusted proxy, the forwarded one)."""
    return client_address(request)


# ---------------------------------------------------------------- turning the exceptions into answers

def wants_json(request: Request) -> bool:
    if request.url.path.startswith("/api/") or "/api/" in request.url.path:
        return True
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def login_url(request: Request) -> str:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return f"{LOGIN_PATH}?volgende={quote(target, safe='')}"


def denied_response(request: Request, exc: Exception) -> Response:
    status = 401 if isinstance(exc, LoginRequired) else 403
    if wants_json(request):
        headers = {"WWW-Authenticate": 'Cookie realm="Praktijkwijzer beheer"'} if status == 401 else None
        return JSONResponse({"status": status, "detail": str(exc), "errors": []}, status_code=status, headers=headers)
    if status == 401 and request.method in ("GET", "HEAD"):
        return RedirectResponse(login_url(request), status_code=303)
    if status == 401:
        return html_error(request, 401, f"{exc} Uw sessie is misschien verlopen. Log in via {LOGIN_PATH} en "
                                        "probeer het opnieuw; er is niets opgeslagen.", title="Inloggen nodig")
    return html_error(request, 403, str(exc), title="Geen toegang")


class GuardedRoute(APIRoute):
    """Routes whose dependencies may raise LoginRequired or Forbidden, and whose responses get
    the (pre-)session cookie when the request created one."""

    def get_route_handler(self):
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            try:
                response = await handler(request)
            except (LoginRequired, Forbidden) as exc:
                response = denied_response(request, exc)
            response.headers.setdefault("Cache-Control", "no-store")
            return apply_cookie(request, response)
        return guarded
