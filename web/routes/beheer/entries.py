"""Curating entries: overview (what waits for review, practices due for a new review), the list,
a new entry, editing every field (a published entry: into its pending revision), the workflow
buttons, the review screen with the diff (four eyes), archive confirmation, recognition and the
Koploper check, history with field diffs, restoring a version; /beheer/api/items for scripts."""
from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi import Path as FPath
from fastapi.responses import HTMLResponse

from kb.assessments import (KOPLOPER_CRITERIA, KOPLOPER_MIN, assess_erkenning, assess_koploper, assessment_history,
                            erkenning_counts)
from kb.audit import audit_events
from kb.card import review_due
from kb.curation import (TransitionError, ValidationError, create_entry, edit_entry, form_choices, restore_version,
                         set_status, status_counts)
from kb.entries import (EntryNotFound, VersionConflict, entry_history, entry_version, entry_versions, get_entry,
                        list_entries)
from kb.models import ENTRY_TYPES, STATUSES, fold
from kb.proposals import pending_count
from kb.review import (ReviewError, approve_revision, may_publish, open_revision, reject_revision, review_queue,
                       review_view, revisions_of)
from web import auth
from web.curation_views import (FIELD_LABELS, NEW_ENTRY, SQL_INT_MAX, done, edit_context, entry_or_404, entry_values,
                                entry_token, flash, flash_url, form_values, in_worker, redirect, render, resolutions,
                                to_int)
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
    return render(request, "beheer/overzicht.html", {
        "counts": status_counts(conn), "events": events, "pending": pending_count(conn), "flash": flash(request),
        "queue": review_queue(conn), "due": review_due(conn), "erkenning": erkenning_counts(conn)})


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


@router.post("/items/{entry_id}", response_class=HTMLResponse)
async def item_post(request: Request, entry_id: str, user: CuratorPostDep, conn: ConnDep):
    form = request.state.form
    e, missing = entry_or_404(request, conn, entry_id)
    if missing:
        return missing
    values = form_values(form)
    if e.origin != "curator":
        values.pop("type", None)
    expected = str(form.get("versie") or "").strip()
    if not expected:
        return render(request, "beheer/item.html", edit_context(
            request, conn, e, entry_values(e) | values, errors={"versie": "Het formulier mist het versienummer."}), 400)
    against = str(form.get("tegen") or "") or None
    try:
        diff = await in_worker(edit_entry, conn, entry_id, values, actor=user.username, expected_version=expected,
                               against=against, resolutions=resolutions(form))
    except VersionConflict as err:
        # the form keeps the user's input and the version they started from; saving again
        # applies only their own changes (and asks for the fields both changed)
        current = get_entry(conn, entry_id)
        ctx = edit_context(request, conn, current, values=None)
        mine = ctx["values"] | values
        return render(request, "beheer/item.html", ctx | {
            "values": mine, "conflict": str(err), "conflicts": err.conflicts, "theirs_only": err.theirs_only,
            "mine_changed": err.mine, "conflict_actor": err.actor, "version": expected, "against": ctx["version"]}, 409)
    except ValidationError as err:
        ctx = edit_context(request, conn, e)
        return render(request, "beheer/item.html", ctx | {"values": ctx["values"] | values, "errors": err.errors,
                                                          "version": expected, "against": against}, 422)
    except EntryNotFound as err:
        return html_error(request, 404, str(err), title="Kennisitem niet gevonden")
    here = f"/beheer/items/{quote(entry_id)}"
    if not diff:
        return redirect(flash_url(request, here, "Er was niets gewijzigd.", "info"))
    names = ", ".join(FIELD_LABELS.get(f, f).lower() for f in diff if f not in ("chunks",))
    rev = open_revision(conn, entry_id)
    if rev is not None:                     # the public entry did not change: no index refresh needed
        return redirect(flash_url(request, here, f"Uw wijziging ({names}) staat ter review. Het openbare kennisitem "
                                                 "verandert pas als een andere curator de wijziging goedkeurt."))
    if e.status == "gepubliceerd":          # the edit brought the revision back to the published text
        return redirect(flash_url(request, here, "De wijziging is gelijk aan de gepubliceerde versie; er staat geen "
                                                 "wijziging meer open.", "info"))
    return await done(request, here, f"Opgeslagen als nieuwe versie ({names}).")


@router.post("/items/{entry_id}/status", response_class=HTMLResponse)
async def status_post(request: Request, entry_id: str, user: CuratorPostDep, conn: ConnDep, services: ServicesDep):
    form = request.state.form
    e, missing = entry_or_404(request, conn, entry_id)
    if missing:
        return missing
    new = str(form.get("status") or "")
    reason = str(form.get("reden") or "")
    try:
        await in_worker(set_status, conn, entry_id, new, actor=user.username, expected_version=to_int(form.get("versie")),
                        reason=reason)
    except VersionConflict as err:
        return render(request, "beheer/item.html", edit_context(request, conn, get_entry(conn, entry_id),
                                                                conflict=str(err)), 409)
    except (TransitionError, ReviewError) as err:
        return render(request, "beheer/item.html", edit_context(request, conn, e, status_error=str(err)), 422)
    if new != "gepubliceerd":               # out of public results at once, whatever the refresh does
        services.set_live_status(entry_id, new)
    return await done(request, f"/beheer/items/{quote(entry_id)}", DONE_MESSAGES[new])


@router.get("/items/{entry_id}/archiveren", response_class=HTMLResponse, name="beheer_archiveren")
def archiveren(request: Request, entry_id: str, user: CuratorDep, conn: ConnDep):
    e, missing = entry_or_404(request, conn, entry_id)
    if missing:
        return missing
    return render(request, "beheer/archiveren.html", {"e": e, "revision": open_revision(conn, entry_id),
                                                       "allowed": e.status == "gepubliceerd"})


# ---------------------------------------------------------------- review (four eyes)

@router.get("/items/{entry_id}/beoordelen", response_class=HTMLResponse, name="beheer_beoordelen")
def beoordelen(request: Request, entry_id: str, user: CuratorDep, conn: ConnDep):
    e, missing = entry_or_404(request, conn, entry_id)
    if missing:
        return missing
    view = review_view(conn, entry_id)
    return render(request, "beheer/beoordelen.html", {
        "e": e, "view": view, "may": may_publish(conn, user.username, view.authors) if view else "ja",
        "flash": flash(request), "error": None})


@router.post("/items/{entry_id}/wijziging", response_class=HTMLResponse)
async def wijziging_post(request: Request, entry_id: str, user: CuratorPostDep, conn: ConnDep):
    form = request.state.form
    e, missing = entry_or_404(request, conn, entry_id)
    if missing:
        return missing
    action, reason = str(form.get("besluit") or ""), str(form.get("reden") or "")
    rev_id, seq = to_int(form.get("revisie"), -1), to_int(form.get("stand"), -1)
    here = f"/beheer/items/{quote(entry_id)}"
    try:
        if action == "goedkeuren":
            await in_worker(approve_revision, conn, entry_id, actor=user.username, revision_id=rev_id, seq=seq,
                            reason=reason)
            return await done(request, here, "De wijziging is goedgekeurd en gepubliceerd; de zoekfunctie toont de "
                                              "nieuwe versie.")
        if action in ("afwijzen", "intrekken"):
            rev = await in_worker(reject_revision, conn, entry_id, actor=user.username, revision_id=rev_id,
                                  reason=reason)
            word = "ingetrokken" if rev.status == "withdrawn" else "afgewezen"
            return redirect(flash_url(request, here, f"De wijziging is {word}; het openbare kennisitem is niet veranderd."))
    except (ReviewError, EntryNotFound) as err:
        view = review_view(conn, entry_id)
        return render(request, "beheer/beoordelen.html", {
            "e": e, "view": view, "may": may_publish(conn, user.username, view.authors) if view else "ja",
            "error": str(err), "reden": reason}, 422)
    return html_error(request, 400, "Kies goedkeuren, afwijzen of intrekken.", title="Onbekend besluit")


# ---------------------------------------------------------------- recognition and the Koploper check

def _erkenning_page(request, conn, e, status: int = 200, **extra):
    return render(request, "beheer/erkenning.html", {
        "e": e, "history": assessment_history(conn, e.id), "criteria": KOPLOPER_CRITERIA, "minimum": KOPLOPER_MIN,
        "errors": {}, "values": {}, "flash": flash(request)} | extra, status)


@router.get("/items/{entry_id}/erkenning", response_class=HTMLResponse, name="beheer_erkenning")
def erkenning(request: Request, entry_id: str, user: CuratorDep, conn: ConnDep):
    e, missing = entry_or_404(request, conn, entry_id)
    return missing or _erkenning_page(request, conn, e)


@router.post("/items/{entry_id}/erkenning", response_class=HTMLResponse)
async def erkenning_post(request: Request, entry_id: str, user: CuratorPostDep, conn: ConnDep):
    form = request.state.form
    e, missing = entry_or_404(request, conn, entry_id)
    if missing:
        return missing
    values = {k: str(form.get(k) or "") for k in ("erkenning", "reasoning", "assessed_on")}
    try:
        await in_worker(assess_erkenning, conn, entry_id, values["erkenning"], actor=user.username,
                        reasoning=values["reasoning"], assessed_on=values["assessed_on"])
    except ValidationError as err:
        return _erkenning_page(request, conn, e, 422, errors=err.errors, values=values, form="erkenning")
    return await done(request, f"/beheer/items/{quote(entry_id)}/erkenning", "De erkenning is vastgelegd.")


@router.post("/items/{entry_id}/koploper", response_class=HTMLResponse)
async def koploper_post(request: Request, entry_id: str, user: CuratorPostDep, conn: ConnDep):
    form = request.state.form
    e, missing = entry_or_404(request, conn, entry_id)
    if missing:
        return missing
    met = {c: form.get(f"criterium_{c}") == "ja" for c, _, _ in KOPLOPER_CRITERIA}
    notes = {c: str(form.get(f"toelichting_{c}") or "") for c, _, _ in KOPLOPER_CRITERIA}
    values = {"met": met, "notes": notes, "reasoning": str(form.get("k_reasoning") or ""),
              "assessed_on": str(form.get("k_assessed_on") or ""), "koploper": form.get("koploper") == "ja"}
    try:
        out = await in_worker(assess_koploper, conn, entry_id, met, actor=user.username, reasoning=values["reasoning"],
                              koploper=values["koploper"], assessed_on=values["assessed_on"], notes=notes)
    except (ValidationError, VersionConflict) as err:
        errors = getattr(err, "errors", None) or {"koploper": str(err)}
        return _erkenning_page(request, conn, e, 422, errors={f"k_{k}": v for k, v in errors.items()}, kvalues=values,
                               form="koploper")
    msg = f"De Koploper-toets is vastgelegd ({out['met']} van de {len(KOPLOPER_CRITERIA)} criteria)."
    if out["label"] == "revisie":
        msg += " Het label Koploper staat als wijziging ter review; een andere curator keurt het goed."
    elif out["label"] == "direct":
        msg += " Het kennisitem heeft nu het label Koploper."
    return await done(request, f"/beheer/items/{quote(entry_id)}/erkenning", msg)


# ---------------------------------------------------------------- history and restore

@router.get("/items/{entry_id}/geschiedenis", response_class=HTMLResponse, name="beheer_geschiedenis")
def geschiedenis(request: Request, entry_id: str, user: CuratorDep, conn: ConnDep):
    e, missing = entry_or_404(request, conn, entry_id)
    if missing:
        return missing
    return render(request, "beheer/geschiedenis.html", {
        "e": e, "versions": list(reversed(entry_versions(conn, entry_id))), "events": entry_history(conn, entry_id),
        "revisions": revisions_of(conn, entry_id), "token": entry_token(conn, e),
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
    return render(request, "beheer/versie.html", {"e": e, "v": v, "token": entry_token(conn, e)})


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
                               actor=user.username, expected_version=str(form.get("versie") or ""))
    except (VersionConflict, ValidationError) as err:
        return redirect(flash_url(request, back, str(err), "fout"))
    if not diff:
        return redirect(flash_url(request, back, f"Versie {version} is gelijk aan de huidige inhoud; er is niets "
                                                 "gewijzigd.", "info"))
    if open_revision(conn, entry_id) is not None:
        return redirect(flash_url(request, back, f"Het herstel van versie {version} staat als wijziging ter review; "
                                                 "het openbare kennisitem verandert pas na goedkeuring."))
    return await done(request, back, f"Versie {version} is hersteld als nieuwe versie.")


# ---------------------------------------------------------------- a small JSON view for scripts

@router.get("/api/items", name="beheer_api_items")
def api_items(user: CuratorDep, conn: ConnDep, status: str | None = None):
    """All entries with status and version (JSON), for curators' scripts."""
    status = status if status in STATUSES else None
    rows = [{"id": e.id, "title": e.title, "type": e.type, "status": e.status, "version": e.version,
             "erkenning": e.erkenning, "updated_at": e.updated_at} for e in list_entries(conn, status=status)]
    return {"total": len(rows), "items": rows}
