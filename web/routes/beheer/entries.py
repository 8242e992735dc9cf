"""Curating entries: overview, the list, a new entry, editing every field, the workflow
buttons, history with field diffs, restoring a version; /beheer/api/items for scripts."""
from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi import Path as FPath
from fastapi.responses import HTMLResponse

from kb.audit import audit_events
from kb.curation import (EDITABLE_FIELDS, TransitionError, ValidationError, create_entry, edit_entry, form_choices,
                         restore_version, set_status, status_counts)
from kb.entries import (EntryNotFound, VersionConflict, entry_history, entry_version, entry_versions, get_entry,
                        list_entries)
from kb.models import ENTRY_TYPES, STATUSES, fold
from kb.proposals import pending_count
from web import auth
from web.curation_views import (FIELD_LABELS, NEW_ENTRY, SQL_INT_MAX, done, edit_context, entry_or_404, entry_values,
                                flash, flash_url, form_values, in_worker, redirect, render, to_int)
from web.deps import ConnDep, CuratorDep, CuratorPostDep, ServicesDep
from web.errors import html_error

router = APIRouter(prefix="/beheer", include_in_schema=False, route_class=auth.GuardedRoute)

PER_PAGE = 50
DONE_MESSAGES = {"ter_review": "Het kennisitem staat nu ter review.",
                 "gepubliceerd": "Het kennisitem is gepubliceerd en vindbaar in de zoekfunctie.",
                 "gearchiveerd": "Het kennisitem is gearchiveerd en niet meer vindbaar.",
                 "concept": "Het kennisitem is weer een concept."}


# ---------------------------------------------------------------- overview and list

@router.get("", response_class=HTMLResponse, name="beheer")
def overzicht(request: Request, user: CuratorDep, conn: ConnDep):
    events = audit_events(conn, limit=15, exclude_actors=("ingest",))
    return render(request, "beheer/overzicht.html", {"counts": status_counts(conn), "events": events,
                                                     "pending": pending_count(conn), "flash": flash(request)})


@router.get("/items", response_class=HTMLResponse, name="beheer_items")
def items(request: Request, user: CuratorDep, conn: ConnDep, status: str | None = None, type: str | None = None,
          q: str | None = None, pagina: int = Query(1, ge=1, le=10_000)):
    status = status if status in STATUSES else None
    type = type if type in ENTRY_TYPES else None
    entries = list_entries(conn, status=status, type=type)
    if q and q.strip():
        needle = fold(q.strip())
        entries = [e for e in entries if needle in fold(e.title) or needle in e.id]
    entries.sort(key=lambda e: e.updated_at, reverse=True)
    total = len(entries)
    pages = max(1, -(-total // PER_PAGE))
    page = entries[(pagina - 1) * PER_PAGE: pagina * PER_PAGE]
    return render(request, "beheer/items.html", {
        "entries": page, "total": total, "pagina": pagina, "pages": pages, "status": status, "type": type,
        "q": q or "", "statuses": STATUSES, "types": ENTRY_TYPES, "flash": flash(request)})


# ---------------------------------------------------------------- new entry

@router.get("/items/nieuw", response_class=HTMLResponse, name="beheer_nieuw")
def nieuw(request: Request, user: CuratorDep, conn: ConnDep):
    return render(request, "beheer/nieuw.html", {"values": NEW_ENTRY | form_values(request.query_params), "choices": form_choices(conn),
                                                 "errors": {}})


@router.post("/items/nieuw", response_class=HTMLResponse)
async def nieuw_post(request: Request, user: CuratorPostDep, conn: ConnDep):
    values = form_values(request.state.form)
    try:
        e = await in_worker(create_entry, conn, values, actor=user.username)
    except ValidationError as err:
        return render(request, "beheer/nieuw.html", {"values": NEW_ENTRY | values, "choices": form_choices(conn),
                                                     "errors": err.errors}, 422)
    return await done(request, f"/beheer/items/{quote(e.id)}", "Het kennisitem is aangemaakt als concept.")


# ---------------------------------------------------------------- edit, status

@router.get("/items/{entry_id}", response_class=HTMLResponse, name="beheer_item")
def item(request: Request, entry_id: str, user: CuratorDep, conn: ConnDep):
    e, missing = entry_or_404(request, conn, entry_id)
    if missing:
        return missing
    return render(request, "beheer/item.html", edit_context(request, conn, e))


def _norm(v):
    if isinstance(v, list):
        return sorted(v)
    return (v or "").strip() if isinstance(v, str) or v is None else v


@router.post("/items/{entry_id}", response_class=HTMLResponse)
async def item_post(request: Request, entry_id: str, user: CuratorPostDep, conn: ConnDep):
    form = request.state.form
    e, missing = entry_or_404(request, conn, entry_id)
    if missing:
        return missing
    values = form_values(form)
    if e.origin != "curator":
        values.pop("type", None)
    expected = to_int(form.get("versie"))
    if expected is None:
        return render(request, "beheer/item.html", edit_context(
            request, conn, e, entry_values(e) | values, errors={"versie": "Het formulier mist het versienummer."}), 400)
    try:
        diff = await in_worker(edit_entry, conn, entry_id, values, actor=user.username, expected_version=expected)
    except VersionConflict as err:
        current = get_entry(conn, entry_id)
        theirs = {f: getattr(current, f) for f in EDITABLE_FIELDS}
        mine = entry_values(e) | values
        differs = [f for f in EDITABLE_FIELDS if f in values and _norm(mine.get(f)) != _norm(theirs.get(f))]
        # the form now carries the stored version: saving again deliberately keeps the user's input
        return render(request, "beheer/item.html", edit_context(
            request, conn, current, mine, conflict=str(err), conflict_fields=differs, version=current.version), 409)
    except ValidationError as err:
        return render(request, "beheer/item.html", edit_context(request, conn, e, entry_values(e) | values,
                                                                errors=err.errors, version=expected), 422)
    except EntryNotFound as err:
        return html_error(request, 404, str(err), title="Kennisitem niet gevonden")
    if not diff:
        return redirect(flash_url(request, f"/beheer/items/{quote(entry_id)}", "Er was niets gewijzigd.", "info"))
    names = ", ".join(FIELD_LABELS.get(f, f).lower() for f in diff if f not in ("chunks",))
    return await done(request, f"/beheer/items/{quote(entry_id)}", f"Opgeslagen als nieuwe versie ({names}).")


@router.post("/items/{entry_id}/status", response_class=HTMLResponse)
async def status_post(request: Request, entry_id: str, user: CuratorPostDep, conn: ConnDep, services: ServicesDep):
    form = request.state.form
    e, missing = entry_or_404(request, conn, entry_id)
    if missing:
        return missing
    new = str(form.get("status") or "")
    try:
        await in_worker(set_status, conn, entry_id, new, actor=user.username, expected_version=to_int(form.get("versie")))
    except VersionConflict as err:
        return render(request, "beheer/item.html", edit_context(request, conn, get_entry(conn, entry_id),
                                                                conflict=str(err)), 409)
    except TransitionError as err:
        return render(request, "beheer/item.html", edit_context(request, conn, e, status_error=str(err)), 422)
    if new != "gepubliceerd":               # out of public results at once, whatever the refresh does
        services.set_live_status(entry_id, new)
    return await done(request, f"/beheer/items/{quote(entry_id)}", DONE_MESSAGES[new])


# ---------------------------------------------------------------- history and restore

@router.get("/items/{entry_id}/geschiedenis", response_class=HTMLResponse, name="beheer_geschiedenis")
def geschiedenis(request: Request, entry_id: str, user: CuratorDep, conn: ConnDep):
    e, missing = entry_or_404(request, conn, entry_id)
    if missing:
        return missing
    return render(request, "beheer/geschiedenis.html", {
        "e": e, "versions": list(reversed(entry_versions(conn, entry_id))), "events": entry_history(conn, entry_id),
        "flash": flash(request)})


@router.get("/items/{entry_id}/versies/{version}", response_class=HTMLResponse, name="beheer_versie")
def versie(request: Request, entry_id: str, user: CuratorDep, conn: ConnDep,
           version: int = FPath(ge=1, le=SQL_INT_MAX)):
    e, missing = entry_or_404(request, conn, entry_id)
    if missing:
        return missing
    v = entry_version(conn, entry_id, version)
    if v is None:
        return html_error(request, 404, f"Versie {version} van '{entry_id}' bestaat niet.", title="Versie niet gevonden")
    return render(request, "beheer/versie.html", {"e": e, "v": v})


@router.post("/items/{entry_id}/herstellen", response_class=HTMLResponse)
async def herstellen(request: Request, entry_id: str, user: CuratorPostDep, conn: ConnDep):
    form = request.state.form
    e, missing = entry_or_404(request, conn, entry_id)
    if missing:
        return missing
    back = f"/beheer/items/{quote(entry_id)}/geschiedenis"
    version = to_int(form.get("herstel_versie"))
    try:
        diff = await in_worker(restore_version, conn, entry_id, version if version is not None else -1,
                               actor=user.username, expected_version=to_int(form.get("versie"), -1))
    except (VersionConflict, ValidationError) as err:
        return redirect(flash_url(request, back, str(err), "fout"))
    if not diff:
        return redirect(flash_url(request, back, f"Versie {version} is gelijk aan de huidige inhoud; er is niets "
                                                 "gewijzigd.", "info"))
    return await done(request, back, f"Versie {version} is hersteld als nieuwe versie.")


# ---------------------------------------------------------------- a small JSON view for scripts

@router.get("/api/items", name="beheer_api_items")
def api_items(user: CuratorDep, conn: ConnDep, status: str | None = None):
    """All entries with status and version (JSON), for curators' scripts."""
    status = status if status in STATUSES else None
    rows = [{"id": e.id, "title": e.title, "type": e.type, "status": e.status, "version": e.version,
             "updated_at": e.updated_at} for e in list_entries(conn, status=status)]
    return {"total": len(rows), "items": rows}
