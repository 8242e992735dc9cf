"""Accounts of curators and beheerders (beheerders only).

    GET  /beheer/gebruikers                       all accounts: role, status, login back-off, sessions
    POST /beheer/gebruikers                       create an account
    GET  /beheer/gebruikers/{naam}                one account: its actions and its recent events
    POST /beheer/gebruikers/{naam}/rol            change the role
    POST /beheer/gebruikers/{naam}/wachtwoord     reset the password (a new one, shown once)    *
    POST /beheer/gebruikers/{naam}/wachttijd      lift the login back-off
    POST /beheer/gebruikers/{naam}/uitloggen      log the account out everywhere                *
    POST /beheer/gebruikers/{naam}/actief         disable (*) or enable the account

Every POST needs the CSRF token; the actions marked * (and disabling) first answer with a
confirmation page unless the form says `bevestigd=ja`. The rules and the audit events are
kb.users'; a beheerder cannot disable or demote their own account here.
"""
from __future__ import annotations

import time
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse

from kb.users import (MIN_PASSWORD, ROLES, AuthError, account_events, create_user, end_all_sessions, get_user,
                      lift_throttle, list_sessions, list_users, reset_password, set_active, set_role,
                      throttle_status)
from web import auth
from web.curation_views import flash, flash_url, in_worker, redirect, render
from web.deps import BeheerderDep, BeheerderPostDep, ConnDep
from web.errors import html_error

router = APIRouter(prefix="/beheer", include_in_schema=False, route_class=auth.GuardedRoute)

EVENT_LABELS = {
    "user_create": "account aangemaakt", "user_enable": "weer toegelaten", "user_disable": "uitgeschakeld",
    "user_role": "rol gewijzigd", "user_password": "wachtwoord gewijzigd of opnieuw ingesteld",
    "throttle_lifted": "wachttijd voor inloggen opgeheven", "sessions_ended": "sessies beëindigd",
    "login": "ingelogd", "logout": "uitgelogd", "login_failed": "mislukte inlogpoging",
    "password_check": "wachtwoord bevestigd (om het te wijzigen)",
}
CONFIRM = {
    "wachtwoord": ("Wachtwoord opnieuw instellen",
                   "{naam} krijgt een nieuw, willekeurig wachtwoord, dat u één keer te zien krijgt om persoonlijk "
                   "door te geven. Het oude wachtwoord werkt niet meer en alle sessies van {naam} eindigen.",
                   "Ja, nieuw wachtwoord instellen"),
    "uitloggen": ("Overal uitloggen",
                  "Alle sessies van {naam} eindigen meteen, op elke computer. Niet-opgeslagen invoer in een "
                  "formulier gaat voor {naam} verloren; {naam} kan daarna gewoon opnieuw inloggen.",
                  "Ja, overal uitloggen"),
    "uitschakelen": ("Account uitschakelen",
                     "{naam} kan niet meer inloggen en alle sessies van {naam} eindigen meteen. U kunt het account "
                     "later weer toelaten; de kennisitems en de geschiedenis blijven staan.",
                     "Ja, uitschakelen"),
}


def _rows(conn) -> list[dict]:
    now = time.time()
    return [{"user": u, "throttle": throttle_status(conn, u.username, clock=lambda: now),
             "sessions": len(list_sessions(conn, u.username, clock=lambda: now))} for u in list_users(conn)]


def _list_page(request: Request, conn, *, values: dict | None = None, error: str | None = None, status: int = 200):
    return render(request, "beheer/gebruikers.html", {
        "section": "gebruikers", "rows": _rows(conn), "flash": flash(request), "values": values or {},
        "error": error, "min_password": MIN_PASSWORD}, status)


@router.get("/gebruikers", response_class=HTMLResponse, name="beheer_gebruikers")
def gebruikers(request: Request, user: BeheerderDep, conn: ConnDep):
    return _list_page(request, conn)


@router.post("/gebruikers", response_class=HTMLResponse)
async def gebruikers_post(request: Request, user: BeheerderPostDep, conn: ConnDep):
    form = request.state.form
    name = str(form.get("gebruikersnaam") or "")
    role = str(form.get("rol") or "")
    pw1, pw2 = str(form.get("wachtwoord") or ""), str(form.get("wachtwoord2") or "")
    values = {"gebruikersnaam": name[:100], "rol": role}
    error = None
    if pw1 != pw2:
        error = "De twee wachtwoorden zijn niet gelijk."
    else:
        try:
            await in_worker(create_user, conn, name, pw1, role, actor=user.username)
        except AuthError as err:
            error = str(err)
    if error:
        return await run_in_threadpool(_list_page, request, conn, values=values, error=error, status=422)
    return redirect(flash_url(request, "/beheer/gebruikers", f"Gebruiker '{name.strip().lower()}' is aangemaakt."))


# ---------------------------------------------------------------- one account

def _detail(request: Request, conn, username: str, status: int = 200, **extra):
    target = get_user(conn, username)
    if target is None:
        return html_error(request, 404, f"Er is geen gebruiker '{username[:100]}'.", title="Gebruiker niet gevonden",
                          links=[("/beheer/gebruikers", "Naar alle gebruikers")])
    return render(request, "beheer/gebruiker.html", {
        "section": "gebruikers", "target": target, "throttle": throttle_status(conn, target.username),
        "sessions": list_sessions(conn, target.username), "flash": flash(request), "ROLES": ROLES,
        "events": account_events(conn, 30, username=target.username), "EVENT_LABELS": EVENT_LABELS} | extra, status)


@router.get("/gebruikers/{username}", response_class=HTMLResponse, name="beheer_gebruiker")
def gebruiker(request: Request, username: str, user: BeheerderDep, conn: ConnDep):
    return _detail(request, conn, username)


def _url(username: str) -> str:
    return f"/beheer/gebruikers/{quote(username, safe='')}"


def _confirmed(request: Request) -> bool:
    return request.state.form.get("bevestigd") == "ja"


def _confirm_page(request: Request, conn, username: str, action: str, path: str, fields: dict | None = None):
    target = get_user(conn, username)
    if target is None:
        return _detail(request, conn, username)
    title, text, button = CONFIRM[action]
    return render(request, "beheer/bevestigen.html", {
        "section": "gebruikers", "target": target, "title": title, "text": text.format(naam=target.username),
        "button": button, "action": path, "fields": fields or {}, "back": _url(target.username)})


async def _act(request: Request, conn, username: str, fn, message, *args, **kwargs):
    """Run a kb.users operation; back to the account page with its notice (or its Dutch error)."""
    try:
        result = await in_worker(fn, conn, username, *args, **kwargs)
    except AuthError as err:
        return redirect(flash_url(request, _url(username), str(err), "fout"))
    return redirect(flash_url(request, _url(username), message(result) if callable(message) else message))


def _self_refused(request: Request, user, username: str, what: str):
    if user.username == username.strip().lower():
        return redirect(flash_url(request, _url(user.username), f"U kunt uw eigen account hier niet {what}; "
                                                                 "vraag dat een andere beheerder.", "fout"))
    return None


@router.post("/gebruikers/{username}/rol", response_class=HTMLResponse)
async def gebruiker_rol(request: Request, username: str, user: BeheerderPostDep, conn: ConnDep):
    refused = _self_refused(request, user, username, "een andere rol geven")
    if refused:
        return refused
    role = str(request.state.form.get("rol") or "")
    return await _act(request, conn, username, set_role, lambda u: f"{u.username} is nu {u.role}.", role,
                      actor=user.username)


@router.post("/gebruikers/{username}/wachtwoord", response_class=HTMLResponse)
async def gebruiker_wachtwoord(request: Request, username: str, user: BeheerderPostDep, conn: ConnDep):
    if not _confirmed(request):
        return await run_in_threadpool(_confirm_page, request, conn, username, "wachtwoord",
                                       f"{_url(username)}/wachtwoord")
    try:
        password = await in_worker(reset_password, conn, username, actor=user.username)
    except AuthError as err:
        return redirect(flash_url(request, _url(username), str(err), "fout"))
    # shown once: this answer is not stored (Cache-Control: no-store) and the password is nowhere else
    return await run_in_threadpool(_detail, request, conn, username, new_password=password)


@router.post("/gebruikers/{username}/wachttijd", response_class=HTMLResponse)
async def gebruiker_wachttijd(request: Request, username: str, user: BeheerderPostDep, conn: ConnDep):
    return await _act(request, conn, username, lift_throttle,
                      lambda n: "De wachttijd voor inloggen is opgeheven." if n else
                      "Er was geen wachttijd voor dit account; er is niets gewijzigd.", actor=user.username)


@router.post("/gebruikers/{username}/uitloggen", response_class=HTMLResponse)
async def gebruiker_uitloggen(request: Request, username: str, user: BeheerderPostDep, conn: ConnDep):
    if not _confirmed(request):
        return await run_in_threadpool(_confirm_page, request, conn, username, "uitloggen",
                                       f"{_url(username)}/uitloggen")
    own = user.username == username.strip().lower()
    return await _act(request, conn, username, end_all_sessions,
                      lambda n: f"{n} {'sessie' if n == 1 else 'sessies'} beëindigd"
                                + ("; hier blijft u ingelogd." if own else "."),
                      actor=user.username, keep=auth.session_token(request) if own else None)


@router.post("/gebruikers/{username}/actief", response_class=HTMLResponse)
async def gebruiker_actief(request: Request, username: str, user: BeheerderPostDep, conn: ConnDep):
    active = request.state.form.get("actief") == "ja"
    if not active:
        refused = _self_refused(request, user, username, "uitschakelen")
        if refused:
            return refused
        if not _confirmed(request):
            return await run_in_threadpool(_confirm_page, request, conn, username, "uitschakelen",
                                           f"{_url(username)}/actief", {"actief": "nee"})
    return await _act(request, conn, username, set_active,
                      lambda u: f"Gebruiker '{u.username}' is {'weer actief' if active else 'uitgeschakeld'}.",
                      active, actor=user.username)
