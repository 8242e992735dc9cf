"""Logging in and out of the curation pages, and a curator's own account.

    GET/POST /beheer/inloggen     log in (CSRF-protected; throttled per address and name, 429 + Retry-After)
    POST     /beheer/uitloggen    log out: the server-side session ends (every copy of the cookie)
    GET/POST /beheer/account      change one's own password (other sessions end), see one's sessions
    POST     /beheer/account/overal-uitloggen   end one's other sessions
"""
from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse

from kb.throttle import MAX_DELAY
from kb.users import (MIN_PASSWORD, SESSION_IDLE_MINUTES, SESSION_MAX_HOURS, AuthError, LoginThrottled, create_session, end_all_sessions, end_session,
                      list_sessions, login, set_password)
from web import auth
from web.curation_views import flash, flash_url, in_worker, redirect, render, safe_next
from web.deps import ConnDep, CuratorDep, CuratorPostDep

router = APIRouter(prefix="/beheer", include_in_schema=False, route_class=auth.GuardedRoute)


def _login_page(request: Request, target: str, username: str = "", error: str | None = None, status: int = 200):
    return render(request, "beheer/inloggen.html", {"volgende": target, "username": username, "error": error,
                                                     "max_wait_minutes": int(MAX_DELAY // 60)}, status)


@router.get("/inloggen", response_class=HTMLResponse, name="beheer_inloggen")
async def inloggen(request: Request, volgende: str | None = None):
    if await run_in_threadpool(auth.current_user, request):
        return redirect(safe_next(volgende))
    return _login_page(request, safe_next(volgende))


@router.post("/inloggen", response_class=HTMLResponse)
async def inloggen_post(request: Request, conn: ConnDep):
    form = await request.form()
    auth.check_csrf(request, form.get(auth.CSRF_FIELD))
    username = str(form.get("gebruikersnaam") or "")[:100]
    password = str(form.get("wachtwoord") or "")
    target = safe_next(str(form.get("volgende") or ""))
    client = auth.client_key(request)
    try:            # one argon2 verification in every case: as slow for unknown and throttled names
        user = await in_worker(login, conn, username, password, client=client)
    except LoginThrottled as err:
        response = _login_page(request, target, username, str(err), 429)
        response.headers["Retry-After"] = str(err.retry_after)
        return response
    except AuthError as err:
        return _login_page(request, target, username, str(err), 401)
    token = await in_worker(create_session, conn, user, client=client,
                            user_agent=request.headers.get("user-agent", ""))
    response = redirect(target)
    auth.start_session(request, response, user, token)
    return response


@router.post("/uitloggen")
async def uitloggen(request: Request, conn: ConnDep):
    form = await request.form()
    auth.check_csrf(request, form.get(auth.CSRF_FIELD))
    await in_worker(end_session, conn, auth.session_token(request))
    response = redirect("/")
    auth.logout_session(request, response)
    return response


# ---------------------------------------------------------------- one's own account

def _account_page(request: Request, conn, user, *, error: str | None = None, status: int = 200):
    return render(request, "beheer/account.html", {
        "section": "account", "sessions": list_sessions(conn, user.username), "error": error,
        "flash": flash(request), "min_password": MIN_PASSWORD, "idle_minutes": SESSION_IDLE_MINUTES,
        "max_hours": SESSION_MAX_HOURS}, status)


@router.get("/account", response_class=HTMLResponse, name="beheer_account")
def account(request: Request, user: CuratorDep, conn: ConnDep):
    return _account_page(request, conn, user)


@router.post("/account", response_class=HTMLResponse)
async def account_post(request: Request, user: CuratorPostDep, conn: ConnDep):
    form = request.state.form
    current, pw1, pw2 = (str(form.get(k) or "") for k in ("huidig", "wachtwoord", "wachtwoord2"))
    client = auth.client_key(request)
    error = None
    try:            # the current password is checked like a login (throttled the same way)
        await in_worker(login, conn, user.username, current, client=client, event="password_check")
    except LoginThrottled as err:
        response = await run_in_threadpool(_account_page, request, conn, user, error=str(err), status=429)
        response.headers["Retry-After"] = str(err.retry_after)
        return response
    except AuthError:
        error = "Uw huidige wachtwoord is niet juist. Er is niets gewijzigd."
    if error is None and pw1 != pw2:
        error = "De twee nieuwe wachtwoorden zijn niet gelijk. Er is niets gewijzigd."
    if error is None:
        try:
            await in_worker(set_password, conn, user.username, pw1, actor=user.username,
                            keep_session=auth.session_token(request))
        except AuthError as err:
            error = str(err)
    if error:
        return await run_in_threadpool(_account_page, request, conn, user, error=error, status=422)
    return redirect(flash_url(request, "/beheer/account", "Uw wachtwoord is gewijzigd. Uw andere sessies zijn "
                                                          "beëindigd; hier blijft u ingelogd."))


@router.post("/account/overal-uitloggen", response_class=HTMLResponse)
async def account_overal_uitloggen(request: Request, user: CuratorPostDep, conn: ConnDep):
    n = await in_worker(end_all_sessions, conn, user.username, actor=user.username,
                        keep=auth.session_token(request))
    text = ("U had geen andere sessies." if n == 0 else
            f"{n} andere {'sessie is' if n == 1 else 'sessies zijn'} beëindigd; hier blijft u ingelogd.")
    return redirect(flash_url(request, "/beheer/account", text))
