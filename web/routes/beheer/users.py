"""Accounts of curators and beheerders (beheerders only): list, create, disable, enable."""
from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from kb.users import AuthError, create_user, list_users, set_active
from web import auth
from web.curation_views import flash, flash_url, in_worker, redirect, render
from web.deps import BeheerderDep, BeheerderPostDep, ConnDep

router = APIRouter(prefix="/beheer", include_in_schema=False, route_class=auth.GuardedRoute)


@router.get("/gebruikers", response_class=HTMLResponse, name="beheer_gebruikers")
def gebruikers(request: Request, user: BeheerderDep, conn: ConnDep):
    return render(request, "beheer/gebruikers.html", {"users": list_users(conn), "flash": flash(request),
                                                      "values": {}})


@router.post("/gebruikers", response_class=HTMLResponse)
async def gebruikers_post(request: Request, user: BeheerderPostDep, conn: ConnDep):
    form = request.state.form
    name = str(form.get("gebruikersnaam") or "")
    role = str(form.get("rol") or "")
    pw1, pw2 = str(form.get("wachtwoord") or ""), str(form.get("wachtwoord2") or "")
    values = {"gebruikersnaam": name, "rol": role}
    error = None
    if pw1 != pw2:
        error = "De twee wachtwoorden zijn niet gelijk."
    else:
        try:
            await in_worker(create_user, conn, name, pw1, role, actor=user.username)
        except AuthError as err:
            error = str(err)
    if error:
        return render(request, "beheer/gebruikers.html", {"users": list_users(conn), "values": values,
                                                          "error": error}, 422)
    return redirect(flash_url(request, "/beheer/gebruikers", f"Gebruiker '{name.strip().lower()}' is aangemaakt."))


@router.post("/gebruikers/{username}/actief", response_class=HTMLResponse)
async def gebruiker_actief(request: Request, username: str, user: BeheerderPostDep, conn: ConnDep):
    active = request.state.form.get("actief") == "ja"
    try:
        u = await in_worker(set_active, conn, username, active, actor=user.username)
    except AuthError as err:
        return redirect(flash_url(request, "/beheer/gebruikers", str(err), "fout"))
    return redirect(flash_url(request, "/beheer/gebruikers",
                              f"Gebruiker '{u.username}' is {'weer actief' if active else 'uitgeschakeld'}."))
