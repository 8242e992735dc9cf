"""Logging in and out of the curation pages (CSRF-protected forms, throttled per client)."""
from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from kb.users import AuthError, authenticate
from web import auth
from web.curation_views import in_worker, redirect, render, safe_next
from web.deps import ConnDep

router = APIRouter(prefix="/beheer", include_in_schema=False, route_class=auth.GuardedRoute)


@router.get("/inloggen", response_class=HTMLResponse, name="beheer_inloggen")
def inloggen(request: Request, volgende: str | None = None):
    if auth.current_user(request):
        return redirect(safe_next(volgende))
    return render(request, "beheer/inloggen.html", {"volgende": safe_next(volgende), "username": ""})


@router.post("/inloggen", response_class=HTMLResponse)
async def inloggen_post(request: Request, conn: ConnDep):
    form = await request.form()
    auth.check_csrf(request, form.get(auth.CSRF_FIELD))
    username = str(form.get("gebruikersnaam") or "")[:100]
    password = str(form.get("wachtwoord") or "")
    target = safe_next(str(form.get("volgende") or ""))
    throttle, key = auth.throttle(request), auth.client_key(request)
    wait = throttle.blocked_for(key)
    if wait:
        return render(request, "beheer/inloggen.html", {
            "volgende": target, "username": username,
            "error": f"Te veel mislukte pogingen vanaf dit adres. Probeer het over {max(1, wait // 60)} "
                     f"minuten opnieuw."}, 429)
    try:
        user = await in_worker(authenticate, conn, username, password)
    except AuthError as err:
        throttle.failure(key)
        return render(request, "beheer/inloggen.html", {"volgende": target, "username": username,
                                                         "error": str(err)}, 401)
    throttle.success(key)
    response = redirect(target)
    auth.login_session(request, response, user)
    return response


@router.post("/uitloggen")
async def uitloggen(request: Request):
    form = await request.form()
    auth.check_csrf(request, form.get(auth.CSRF_FIELD))
    response = redirect("/")
    auth.logout_session(request, response)
    return response
