"""Logging in for curators and beheerders: signed session cookies, CSRF tokens, throttling.

* The session is a cookie signed with itsdangerous (HttpOnly, SameSite=Lax, Secure when the
  site runs on https or PRAKTIJKWIJZER_SECURE_COOKIES=1), valid for SESSION_HOURS. It holds
  the user id, a CSRF token and a fingerprint of the password hash: changing a password or
  disabling an account ends every session at once (checked on every request).
* The signing key comes from PRAKTIJKWIJZER_SECRET, or is generated once and kept next to the
  database (`<db>.secret`, mode 0600). There is no key in the code.
* Every POST carries the session's CSRF token in the form field `csrf_token`; anonymous
  visitors of the login page get a pre-session cookie that holds one.
* Throttling: kb.users locks an account after repeated failures; in addition one client
  address gets at most IP_MAX_FAILURES failed logins per IP_WINDOW seconds.

Route protection: the dependencies `current_user`, `require_curator`, `require_beheerder`
and (for POST) `curator_post` / `beheerder_post`, which also check the CSRF token. They raise
LoginRequired / Forbidden; the router's route class (`GuardedRoute`) turns those into a 401
JSON answer (API, JSON clients), a redirect to the login page (HTML GET), or a 401/403 page.
"""
from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import threading
import time
from collections import deque
from pathlib import Path
from typing import Callable
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from itsdangerous import BadSignature, URLSafeTimedSerializer

from kb.credentials import password_hash
from kb.users import User, user_by_id
from web.errors import html_error

SESSION_COOKIE = "pw_sessie"
SESSION_HOURS = 8
CSRF_FIELD = "csrf_token"
IP_MAX_FAILURES = 20
IP_WINDOW = 600
LOGIN_PATH = "/beheer/inloggen"
_SALT = "praktijkwijzer-sessie-v1"


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


def _serializer(request: Request) -> URLSafeTimedSerializer:
    services = request.app.state.services
    return URLSafeTimedSerializer(secret_key(services.db_path), salt=_SALT)


def _fingerprint(password_hash: str) -> str:
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]


def secure_cookies(request: Request) -> bool:
    env = os.environ.get("PRAKTIJKWIJZER_SECURE_COOKIES", "").strip().lower()
    if env in ("1", "ja", "true", "yes"):
        return True
    if env in ("0", "nee", "false", "no"):
        return False
    return request.url.scheme == "https"


# ---------------------------------------------------------------- reading the session

def session_data(request: Request) -> dict:
    """The verified cookie contents ({} when absent, tampered with or expired)."""
    cached = getattr(request.state, "pw_session", None)
    if cached is not None:
        return cached
    data: dict = {}
    raw = request.cookies.get(SESSION_COOKIE)
    if raw:
        try:
            loaded = _serializer(request).loads(raw, max_age=SESSION_HOURS * 3600)
            data = loaded if isinstance(loaded, dict) else {}
        except (BadSignature, ValueError, TypeError):
            data = {}
    request.state.pw_session = data
    return data


def current_user(request: Request) -> User | None:
    """The logged-in, active user of this request, or None."""
    if hasattr(request.state, "pw_user"):
        return request.state.pw_user
    user = None
    data = session_data(request)
    if data.get("u"):
        conn = request.app.state.services.conn()
        u = user_by_id(conn, int(data["u"]))
        if u is not None and u.active:
            pw_hash = password_hash(conn, u.id)
            if pw_hash and hmac.compare_digest(_fingerprint(pw_hash), str(data.get("p", ""))):
                user = u
    request.state.pw_user = user
    return user


def csrf_token(request: Request) -> str:
    """The CSRF token of this session (or pre-session); created if there is none yet."""
    data = session_data(request)
    token = data.get("c")
    if not token:
        token = secrets.token_urlsafe(32)
        request.state.pw_session = {**data, "c": token}
        request.state.pw_new_cookie = True
    return token


def apply_cookie(request: Request, response: Response) -> Response:
    """Set the (pre-)session cookie on a response when this request created or changed it."""
    if getattr(request.state, "pw_new_cookie", False):
        value = _serializer(request).dumps(request.state.pw_session)
        response.set_cookie(SESSION_COOKIE, value, max_age=SESSION_HOURS * 3600, path="/", httponly=True,
                            samesite="lax", secure=secure_cookies(request))
    return response


def login_session(request: Request, response: Response, user: User) -> None:
    """A fresh session for `user` (new CSRF token: no session fixation)."""
    pw_hash = password_hash(request.app.state.services.conn(), user.id)
    data = {"u": user.id, "p": _fingerprint(pw_hash), "c": secrets.token_urlsafe(32), "t": int(time.time())}
    request.state.pw_session = data
    request.state.pw_user = user
    request.state.pw_new_cookie = True
    apply_cookie(request, response)


def logout_session(request: Request, response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=secure_cookies(request))


# ---------------------------------------------------------------- checks

def check_csrf(request: Request, submitted: str | None) -> None:
    expected = session_data(request).get("c")
    if not expected or not submitted or not hmac.compare_digest(str(expected), str(submitted)):
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
    user = check(request)
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


# ---------------------------------------------------------------- login throttling per client address

class Throttle:
    """At most `limit` failures per `window` seconds per key (client address)."""

    def __init__(self, limit: int = IP_MAX_FAILURES, window: int = IP_WINDOW):
        self.limit, self.window = limit, window
        self._failures: dict[str, deque] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque:
        q = self._failures.setdefault(key, deque())
        while q and q[0] <= now - self.window:
            q.popleft()
        return q

    def blocked_for(self, key: str) -> int:
        """Seconds until `key` may try again (0: now)."""
        now = time.monotonic()
        with self._lock:
            q = self._recent(key, now)
            return int(q[0] + self.window - now) + 1 if len(q) >= self.limit else 0

    def failure(self, key: str) -> None:
        with self._lock:
            self._recent(key, time.monotonic()).append(time.monotonic())
            if len(self._failures) > 10_000:        # bounded memory under a distributed attack
                self._failures = {k: v for k, v in self._failures.items() if v}

    def success(self, key: str) -> None:
        with self._lock:
            self._failures.pop(key, None)


def throttle(request: Request) -> Throttle:
    t = getattr(request.app.state, "login_throttle", None)
    if t is None:
        t = Throttle()
        request.app.state.login_throttle = t
    return t


def client_key(request: Request) -> str:
    return request.client.host if request.client else "onbekend"


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
