"""Curation pages for the Actie Leer Netwerk (Dutch, server-rendered, no JavaScript).

    /beheer/inloggen, /beheer/uitloggen     log in / out (CSRF-protected forms, throttled)
    /beheer                                 overview: counts per status, recent changes
    /beheer/items                           all entries, filtered by status, type and title
    /beheer/items/nieuw                     a new entry (status concept)
    /beheer/items/{id}                      edit every field; status buttons (workflow)
    /beheer/items/{id}/geschiedenis         versions and audit events with field diffs; restore
    /beheer/import                          upload a document -> proposals
    /beheer/import/{batch}                  each proposal beside its near-duplicate, with scores;
                                            accept, merge or reject
    /beheer/gebruikers                      accounts (beheerders only)

Anonymous visitors get a redirect to the login page (GET), 401 (POST, JSON); curators who
open user management get 403. Every POST needs the session's CSRF token. After each change
to an entry, `Services.refresh()` updates the search index incrementally and swaps in a new
Searcher, so public search shows the change as soon as the request returns.
"""
from __future__ import annotations

import difflib
import json
import logging
import re
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request
from fastapi import Path as FPath
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse
from markupsafe import Markup, escape
from starlette.datastructures import UploadFile

from ingest.errors import IngestError
from kb import proposals as P
from kb.models import AUDIENCES, ENTRY_TYPES, PRACTICE_LABELS, STATUSES, TYPE_LABELS
from kb.curation import EDITABLE_FIELDS, STATUS_LABELS, TRANSITIONS, TransitionError, ValidationError, create_entry, edit_entry, restore_version, set_status
from kb.entries import EntryNotFound, VersionConflict, entry_history, entry_version, entry_versions, get_entry, list_entries
from kb.users import ROLE_LABELS, AuthError, User, authenticate, create_user, list_users, set_active
from web import auth
from web.errors import html_error
from web.services import ServiceUnavailable
from web.templating import label, templates

log = logging.getLogger("praktijkwijzer.curation")
router = APIRouter(prefix="/beheer", include_in_schema=False, route_class=auth.GuardedRoute)

MAX_UPLOAD_BYTES = 5 * 1024 * 1024        # the app's body limit allows 5 MB plus form fields
PER_PAGE = 50
ACTION_LABELS = {
    "create": "aangemaakt", "update": "bijgewerkt (inlezen)", "edit": "bewerkt", "submit": "ter review aangeboden",
    "publish": "gepubliceerd", "archive": "gearchiveerd", "reopen": "terug naar concept", "restore": "versie hersteld",
    "accept": "overgenomen uit import", "merge": "samengevoegd met import", "reject": "voorstel afgewezen",
    "import_upload": "document geüpload",
}
TRANSITION_BUTTONS = {"ter_review": "Ter review aanbieden", "gepubliceerd": "Publiceren",
                      "gearchiveerd": "Archiveren", "concept": "Terug naar concept"}
FIELD_LABELS = {
    "type": "Soort", "title": "Titel", "summary": "Samenvatting", "body": "Tekst", "label": "Label",
    "audience": "Doelgroep", "number": "Nummer", "results": "Resultaten", "actielijnen": "Actielijnen",
    "themes": "Thema's", "branches": "Branches", "regions": "Regio's", "organisations": "Organisaties",
    "status": "Status", "sources": "Bronnen", "version": "Versie",
}


# ---------------------------------------------------------------- helpers

def _services(request: Request):
    return request.app.state.services


async def _in_worker(request: Request, fn, *args, **kwargs):
    """Run a database call in a worker thread on that thread's own connection (a connection
    is never shared between threads: transactions of two requests must not mix)."""
    services = _services(request)
    return await run_in_threadpool(lambda: fn(services.conn(), *args, **kwargs))


def render(request: Request, name: str, ctx: dict, status: int = 200) -> HTMLResponse:
    user = auth.current_user(request)
    base = {"user": user, "csrf": auth.csrf_token(request), "active": "beheer", "FIELD_LABELS": FIELD_LABELS,
            "STATUS_LABELS": STATUS_LABELS, "ACTION_LABELS": ACTION_LABELS, "ROLE_LABELS": ROLE_LABELS,
            "TYPE_LABELS": TYPE_LABELS, "show_diff": show_diff, "show_value": show_value}
    return templates.TemplateResponse(request, name, base | ctx, status_code=status)


_KINDS = {"actielijnen": "actielijn", "themes": "thema", "branches": "branche", "regions": "regio"}


def _value_text(field: str, v) -> str:
    if field in _KINDS:
        return label(_KINDS[field], v)
    if field == "status":
        return STATUS_LABELS.get(v, v)
    if isinstance(v, dict):          # a source
        return f"{v.get('document_id')}, {v.get('heading')} ({v.get('start')}–{v.get('end')})"
    return str(v)


def show_value(field: str, value) -> Markup:
    """A stored value as escaped text ('—' when empty)."""
    if value in (None, "", []):
        return Markup("<span class=\"hint\">leeg</span>")
    if isinstance(value, list):
        return Markup(", ").join(escape(_value_text(field, v)) for v in value)
    return escape(_value_text(field, value))


def show_diff(field: str, old, new) -> Markup:
    """A field diff for the history: removed and added list items, or a word diff of a text
    (<del>/<ins>, all text escaped)."""
    if old is None and field != "status":          # the entry was created: only the new value
        return show_value(field, new)
    if isinstance(old, list) or isinstance(new, list):
        old, new = old or [], new or []
        parts = [Markup("<del>%s</del>") % _value_text(field, v) for v in old if v not in new]
        parts += [Markup("<ins>%s</ins>") % _value_text(field, v) for v in new if v not in old]
        if not parts:
            return Markup("volgorde gewijzigd: ") + show_value(field, new)
        return Markup(" ").join(parts)
    if old is None or new is None or not isinstance(old, str) or not isinstance(new, str) or field == "status":
        return Markup("%s → %s") % (show_value(field, old), show_value(field, new))
    a, b = re.findall(r"\S+|\s+", old), re.findall(r"\S+|\s+", new)
    out: list[Markup] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            chunk = "".join(a[i1:i2])
            if len(chunk) > 160:          # long unchanged stretches: only their ends
                chunk = chunk[:70] + " … " + chunk[-70:]
            out.append(escape(chunk))
        if op in ("delete", "replace"):
            out.append(Markup("<del>%s</del>") % "".join(a[i1:i2]))
        if op in ("insert", "replace"):
            out.append(Markup("<ins>%s</ins>") % "".join(b[j1:j2]))
    return Markup("").join(out)


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _flash_url(request: Request, url: str, message: str, kind: str = "succes") -> str:
    """`url` with a notice for the next page, signed so that nobody can make /beheer show a
    message of their own through a link."""
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}melding={quote(message)}&soort={kind}&teken={_flash_sign(request, message, kind)}"


def _flash_sign(request: Request, message: str, kind: str) -> str:
    import hashlib
    import hmac
    key = auth.secret_key(_services(request).db_path).encode()
    return hmac.new(key, f"flash\0{kind}\0{message}".encode(), hashlib.sha256).hexdigest()[:32]


def _flash(request: Request) -> dict | None:
    import hmac
    msg = request.query_params.get("melding")
    if not msg:
        return None
    kind = request.query_params.get("soort", "succes")
    if kind not in ("succes", "info", "fout") or not hmac.compare_digest(
            _flash_sign(request, msg, kind), request.query_params.get("teken", "")):
        return None
    return {"text": msg[:500], "kind": kind}


def refresh_index(request: Request) -> str | None:
    """Bring the search index up to date; a Dutch warning when that failed (the change itself is saved)."""
    try:
        _services(request).refresh()
    except ServiceUnavailable as err:
        return f"De wijziging is opgeslagen, maar de zoekindex is nog niet bijgewerkt: {err}"
    except Exception:                        # encoder, disk, database: the change is saved all the same
        log.exception("refresh of the search index failed")
        return ("De wijziging is opgeslagen, maar de zoekindex kon niet worden bijgewerkt. "
                "Voer 'praktijkwijzer reindex' uit of probeer het later opnieuw.")
    return None


def _choices(conn) -> dict:
    tax: dict[str, list] = {"actielijn": [], "thema": [], "branche": []}
    for r in conn.execute("SELECT kind, id, label FROM taxonomy ORDER BY kind, ord"):
        tax[r["kind"]].append((r["id"], r["label"]))
    regions = [(r["id"], r["name"] if r["number"] is None else f"{r['name']} ({r['number']})")
               for r in conn.execute("SELECT id, name, number FROM regions ORDER BY number IS NULL, number")]
    orgs = [(r["id"], r["name"]) for r in conn.execute("SELECT id, name FROM organisations ORDER BY name COLLATE NOCASE")]
    return {"actielijnen": tax["actielijn"], "themes": tax["thema"], "branches": tax["branche"], "regions": regions,
            "organisations": orgs, "types": ENTRY_TYPES, "labels": PRACTICE_LABELS, "audiences": AUDIENCES}


def _form_values(form) -> dict:
    """The entry fields of a submitted form, as edit_entry expects them."""
    values: dict = {}
    for f in ("type", "title", "summary", "body", "label", "audience", "number"):
        if f in form:
            values[f] = str(form.get(f) or "")
    if "results" in form:
        values["results"] = [line for line in str(form.get("results") or "").splitlines() if line.strip()]
    for f in ("actielijnen", "themes", "branches", "regions", "organisations"):
        values[f] = [str(v) for v in form.getlist(f)]
    return values


def _entry_values(e) -> dict:
    return {f: getattr(e, f) for f in EDITABLE_FIELDS}


SQL_INT_MAX = 2**63 - 1


def _int(value, default: int | None = None) -> int | None:
    """A whole number that SQLite can hold, else `default`."""
    try:
        n = int(str(value).strip())
    except (TypeError, ValueError):
        return default
    return n if -SQL_INT_MAX <= n <= SQL_INT_MAX else default


def _safe_next(target: str | None) -> str:
    """Only local curation pages: no open redirect."""
    if target and target.startswith("/beheer") and not target.startswith("//") and "\\" not in target:
        return target
    return "/beheer"


# ---------------------------------------------------------------- login / logout

@router.get("/inloggen", response_class=HTMLResponse, name="beheer_inloggen")
def inloggen(request: Request, volgende: str | None = None):
    if auth.current_user(request):
        return redirect(_safe_next(volgende))
    return render(request, "beheer/inloggen.html", {"volgende": _safe_next(volgende), "username": ""})


@router.post("/inloggen", response_class=HTMLResponse)
async def inloggen_post(request: Request):
    form = await request.form()
    auth.check_csrf(request, form.get(auth.CSRF_FIELD))
    username = str(form.get("gebruikersnaam") or "")[:100]
    password = str(form.get("wachtwoord") or "")
    target = _safe_next(str(form.get("volgende") or ""))
    throttle, key = auth.throttle(request), auth.client_key(request)
    wait = throttle.blocked_for(key)
    if wait:
        return render(request, "beheer/inloggen.html", {
            "volgende": target, "username": username,
            "error": f"Te veel mislukte pogingen vanaf dit adres. Probeer het over {max(1, wait // 60)} "
                     f"minuten opnieuw."}, 429)
    conn = _services(request).conn()
    try:
        user = await _in_worker(request, authenticate, username, password)
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


# ---------------------------------------------------------------- overview and list

@router.get("", response_class=HTMLResponse, name="beheer")
def overzicht(request: Request, user: User = Depends(auth.require_curator)):
    conn = _services(request).conn()
    counts = {s: 0 for s in STATUSES}
    for r in conn.execute("SELECT status, count(*) FROM entries GROUP BY status"):
        counts[r[0]] = r[1]
    events = [dict(r) | {"details": json.loads(r["details"])} for r in conn.execute(
        "SELECT * FROM audit_events WHERE actor NOT IN ('ingest') ORDER BY id DESC LIMIT 15")]
    pending = conn.execute("SELECT count(*) FROM proposals WHERE status = 'pending'").fetchone()[0]
    return render(request, "beheer/overzicht.html", {"counts": counts, "events": events, "pending": pending,
                                                     "flash": _flash(request)})


@router.get("/items", response_class=HTMLResponse, name="beheer_items")
def items(request: Request, status: str | None = None, type: str | None = None, q: str | None = None,
          pagina: int = Query(1, ge=1, le=10_000), user: User = Depends(auth.require_curator)):
    conn = _services(request).conn()
    status = status if status in STATUSES else None
    type = type if type in ENTRY_TYPES else None
    entries = list_entries(conn, status=status, type=type)
    if q and q.strip():
        from ingest.model import fold
        needle = fold(q.strip())
        entries = [e for e in entries if needle in fold(e.title) or needle in e.id]
    entries.sort(key=lambda e: e.updated_at, reverse=True)
    total = len(entries)
    pages = max(1, -(-total // PER_PAGE))
    page = entries[(pagina - 1) * PER_PAGE: pagina * PER_PAGE]
    return render(request, "beheer/items.html", {
        "entries": page, "total": total, "pagina": pagina, "pages": pages, "status": status, "type": type,
        "q": q or "", "statuses": STATUSES, "types": ENTRY_TYPES, "flash": _flash(request)})


# ---------------------------------------------------------------- new entry

NEW_ENTRY = {"type": "praktijk", "label": "voorbeeld", "title": "", "summary": "", "body": "", "audience": None,
             "number": None, "results": [], "actielijnen": [], "themes": [], "branches": [], "regions": [],
             "organisations": []}


@router.get("/items/nieuw", response_class=HTMLResponse, name="beheer_nieuw")
def nieuw(request: Request, user: User = Depends(auth.require_curator)):
    conn = _services(request).conn()
    return render(request, "beheer/nieuw.html", {"values": dict(NEW_ENTRY), "choices": _choices(conn), "errors": {}})


@router.post("/items/nieuw", response_class=HTMLResponse)
async def nieuw_post(request: Request, user: User = Depends(auth.curator_post)):
    values = _form_values(request.state.form)
    conn = _services(request).conn()
    try:
        e = await _in_worker(request, create_entry, values, actor=user.username)
    except ValidationError as err:
        return render(request, "beheer/nieuw.html", {"values": NEW_ENTRY | values, "choices": _choices(conn),
                                                     "errors": err.errors}, 422)
    warning = await run_in_threadpool(refresh_index, request)
    return redirect(_flash_url(request, f"/beheer/items/{quote(e.id)}", warning or "Het kennisitem is aangemaakt als concept.",
                               "info" if warning else "succes"))


# ---------------------------------------------------------------- edit, status

def _edit_context(request: Request, e, values: dict | None = None, **extra) -> dict:
    conn = _services(request).conn()
    transitions = [(s, TRANSITION_BUTTONS[s]) for s in TRANSITIONS.get(e.status, {})]
    return {"e": e, "values": values or _entry_values(e), "choices": _choices(conn), "errors": {},
            "transitions": transitions, "flash": _flash(request), "version": e.version} | extra


def _entry_or_404(request: Request, entry_id: str):
    e = get_entry(_services(request).conn(), entry_id)
    if e is None:
        return None, html_error(request, 404, f"Kennisitem '{entry_id}' bestaat niet.", title="Kennisitem niet gevonden")
    return e, None


@router.get("/items/{entry_id}", response_class=HTMLResponse, name="beheer_item")
def item(request: Request, entry_id: str, user: User = Depends(auth.require_curator)):
    e, missing = _entry_or_404(request, entry_id)
    if missing:
        return missing
    return render(request, "beheer/item.html", _edit_context(request, e))


@router.post("/items/{entry_id}", response_class=HTMLResponse)
async def item_post(request: Request, entry_id: str, user: User = Depends(auth.curator_post)):
    form = request.state.form
    e, missing = _entry_or_404(request, entry_id)
    if missing:
        return missing
    values = _form_values(form)
    if e.origin != "curator":
        values.pop("type", None)
    expected = _int(form.get("versie"))
    if expected is None:
        return render(request, "beheer/item.html", _edit_context(
            request, e, _entry_values(e) | values, errors={"versie": "Het formulier mist het versienummer."}), 400)
    conn = _services(request).conn()
    try:
        diff = await _in_worker(request, edit_entry, entry_id, values, actor=user.username,
                                       expected_version=expected)
    except VersionConflict as err:
        current = get_entry(conn, entry_id)
        theirs = {f: getattr(current, f) for f in EDITABLE_FIELDS}
        mine = _entry_values(e) | values
        differs = [f for f in EDITABLE_FIELDS if f in values and _norm(mine.get(f)) != _norm(theirs.get(f))]
        # the form now carries the stored version: saving again deliberately keeps the user's input
        return render(request, "beheer/item.html", _edit_context(
            request, current, mine, conflict=str(err), conflict_fields=differs, version=current.version), 409)
    except ValidationError as err:
        return render(request, "beheer/item.html", _edit_context(request, e, _entry_values(e) | values,
                                                                 errors=err.errors, version=expected), 422)
    except EntryNotFound as err:
        return html_error(request, 404, str(err), title="Kennisitem niet gevonden")
    if not diff:
        return redirect(_flash_url(request, f"/beheer/items/{quote(entry_id)}", "Er was niets gewijzigd.", "info"))
    warning = await run_in_threadpool(refresh_index, request)
    names = ", ".join(FIELD_LABELS.get(f, f).lower() for f in diff if f not in ("chunks",))
    return redirect(_flash_url(request, f"/beheer/items/{quote(entry_id)}", warning or f"Opgeslagen als nieuwe versie ({names}).",
                               "info" if warning else "succes"))


def _norm(v):
    if isinstance(v, list):
        return sorted(v)
    return (v or "").strip() if isinstance(v, str) or v is None else v


@router.post("/items/{entry_id}/status", response_class=HTMLResponse)
async def status_post(request: Request, entry_id: str, user: User = Depends(auth.curator_post)):
    form = request.state.form
    e, missing = _entry_or_404(request, entry_id)
    if missing:
        return missing
    new = str(form.get("status") or "")
    conn = _services(request).conn()
    try:
        await _in_worker(request, set_status, entry_id, new, actor=user.username,
                         expected_version=_int(form.get("versie")))
    except VersionConflict as err:
        return render(request, "beheer/item.html", _edit_context(request, get_entry(conn, entry_id),
                                                                 conflict=str(err)), 409)
    except TransitionError as err:
        return render(request, "beheer/item.html", _edit_context(request, e, status_error=str(err)), 422)
    if new != "gepubliceerd":               # out of public results at once, whatever the refresh does
        _services(request).set_live_status(entry_id, new)
    warning = await run_in_threadpool(refresh_index, request)
    done = {"ter_review": "Het kennisitem staat nu ter review.",
            "gepubliceerd": "Het kennisitem is gepubliceerd en vindbaar in de zoekfunctie.",
            "gearchiveerd": "Het kennisitem is gearchiveerd en niet meer vindbaar.",
            "concept": "Het kennisitem is weer een concept."}[new]
    return redirect(_flash_url(request, f"/beheer/items/{quote(entry_id)}", warning or done, "info" if warning else "succes"))


# ---------------------------------------------------------------- history and restore

@router.get("/items/{entry_id}/geschiedenis", response_class=HTMLResponse, name="beheer_geschiedenis")
def geschiedenis(request: Request, entry_id: str, user: User = Depends(auth.require_curator)):
    e, missing = _entry_or_404(request, entry_id)
    if missing:
        return missing
    conn = _services(request).conn()
    versions = entry_versions(conn, entry_id)
    events = entry_history(conn, entry_id)
    return render(request, "beheer/geschiedenis.html", {
        "e": e, "versions": list(reversed(versions)), "events": events, "flash": _flash(request)})


@router.get("/items/{entry_id}/versies/{version}", response_class=HTMLResponse, name="beheer_versie")
def versie(request: Request, entry_id: str, version: int = FPath(ge=1, le=SQL_INT_MAX), user: User = Depends(auth.require_curator)):
    e, missing = _entry_or_404(request, entry_id)
    if missing:
        return missing
    v = entry_version(_services(request).conn(), entry_id, version)
    if v is None:
        return html_error(request, 404, f"Versie {version} van '{entry_id}' bestaat niet.", title="Versie niet gevonden")
    return render(request, "beheer/versie.html", {"e": e, "v": v})


@router.post("/items/{entry_id}/herstellen", response_class=HTMLResponse)
async def herstellen(request: Request, entry_id: str, user: User = Depends(auth.curator_post)):
    form = request.state.form
    e, missing = _entry_or_404(request, entry_id)
    if missing:
        return missing
    conn = _services(request).conn()
    version = _int(form.get("herstel_versie"))
    try:
        diff = await _in_worker(request, restore_version, entry_id, version if version is not None else -1,
                                       actor=user.username, expected_version=_int(form.get("versie"), -1))
    except VersionConflict as err:
        return redirect(_flash_url(request, f"/beheer/items/{quote(entry_id)}/geschiedenis", str(err), "fout"))
    except ValidationError as err:
        return redirect(_flash_url(request, f"/beheer/items/{quote(entry_id)}/geschiedenis", str(err), "fout"))
    if not diff:
        return redirect(_flash_url(request, f"/beheer/items/{quote(entry_id)}/geschiedenis",
                                   f"Versie {version} is gelijk aan de huidige inhoud; er is niets gewijzigd.", "info"))
    warning = await run_in_threadpool(refresh_index, request)
    return redirect(_flash_url(request, f"/beheer/items/{quote(entry_id)}/geschiedenis",
                               warning or f"Versie {version} is hersteld als nieuwe versie.",
                               "info" if warning else "succes"))


# ---------------------------------------------------------------- import

@router.get("/import", response_class=HTMLResponse, name="beheer_import")
def importeren(request: Request, user: User = Depends(auth.require_curator)):
    batches = P.list_batches(_services(request).conn())
    return render(request, "beheer/import.html", {"batches": batches, "flash": _flash(request),
                                                   "max_mb": MAX_UPLOAD_BYTES // 2**20})


def _finder(services):
    """The near-duplicate finder of the live Searcher (kept with it until the next swap)."""
    from search.duplicates import finder_for
    searcher = services.searcher()
    finder = searcher.__dict__.get("_duplicate_finder")
    if finder is None:
        finder = finder_for(searcher)
        searcher.__dict__["_duplicate_finder"] = finder
    return searcher, finder


def _upload(services, data: bytes, filename: str, actor: str, force: bool):
    searcher, finder = _finder(services)

    def find(drafts):
        with services.locked(searcher):
            return finder(drafts)
    return P.upload(services.conn(), data, filename, actor=actor, find_duplicates=find, force=force,
                    max_bytes=MAX_UPLOAD_BYTES)


@router.post("/import", response_class=HTMLResponse)
async def importeren_post(request: Request, user: User = Depends(auth.curator_post)):
    form = request.state.form
    services = _services(request)
    upload = form.get("bestand")
    ctx = {"batches": P.list_batches(services.conn()), "max_mb": MAX_UPLOAD_BYTES // 2**20}
    if not isinstance(upload, UploadFile) or not upload.filename:
        return render(request, "beheer/import.html", ctx | {"error": "Kies een bestand om te uploaden."}, 422)
    data = await upload.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        return render(request, "beheer/import.html", ctx | {
            "error": f"Het bestand '{upload.filename}' is te groot; de grens is {MAX_UPLOAD_BYTES // 2**20} MB."}, 413)
    force = form.get("toch") == "ja"
    try:
        batch = await run_in_threadpool(_upload, services, data, upload.filename, user.username, force)
    except P.AlreadyImported as err:
        return render(request, "beheer/import.html", ctx | {"error": str(err), "allow_force": True,
                                                           "previous": err.batch_id}, 409)
    except IngestError as err:
        return render(request, "beheer/import.html", ctx | {"error": str(err)}, 422)
    except ServiceUnavailable as err:
        return render(request, "beheer/import.html", ctx | {"error": str(err)}, 503)
    n = len(batch.proposals)
    d = batch.counts["duplicates"]
    msg = (f"{n} voorstel{'len' if n != 1 else ''} uit '{batch.filename}'; {d} lijk{'t' if d == 1 else 'en'} op "
           f"een bestaand kennisitem. Beoordeel ze hieronder: er is nog niets gepubliceerd.")
    return redirect(_flash_url(request, f"/beheer/import/{batch.id}", msg, "info" if d else "succes"))


@router.get("/import/{batch_id}", response_class=HTMLResponse, name="beheer_batch")
def batch(request: Request, batch_id: int = FPath(ge=1, le=SQL_INT_MAX), user: User = Depends(auth.require_curator)):
    conn = _services(request).conn()
    b = P.get_batch(conn, batch_id)
    if b is None:
        return html_error(request, 404, f"Import {batch_id} bestaat niet.", title="Import niet gevonden")
    targets = {p.duplicate_of: get_entry(conn, p.duplicate_of) for p in b.proposals if p.duplicate_of}
    from search.duplicates import THRESHOLD
    return render(request, "beheer/batch.html", {"batch": b, "targets": targets, "flash": _flash(request),
                                                  "labels": P.PROPOSAL_LABELS, "threshold": THRESHOLD})


@router.post("/voorstellen/{proposal_id}", response_class=HTMLResponse)
async def voorstel_post(request: Request, proposal_id: int = FPath(ge=1, le=SQL_INT_MAX), user: User = Depends(auth.curator_post)):
    form = request.state.form
    conn = _services(request).conn()
    p = P.get_proposal(conn, proposal_id)
    if p is None:
        return html_error(request, 404, f"Voorstel {proposal_id} bestaat niet.", title="Voorstel niet gevonden")
    back = f"/beheer/import/{p.batch_id}#voorstel-{p.id}"
    action = str(form.get("besluit") or "")
    try:
        if action == "overnemen":
            e = await _in_worker(request, P.accept, proposal_id, actor=user.username)
            msg = f"Overgenomen als nieuw kennisitem '{e.title}' (concept)."
        elif action == "samenvoegen":
            e = await _in_worker(request, P.merge, proposal_id, actor=user.username,
                                        expected_version=_int(form.get("versie")))
            msg = f"Samengevoegd met '{e.title}' (nieuwe versie {e.version}; status ongewijzigd)."
        elif action == "afwijzen":
            await _in_worker(request, P.reject, proposal_id, actor=user.username)
            return redirect(_flash_url(request, back.split("#")[0], "Voorstel afgewezen.", "succes") + f"#voorstel-{p.id}")
        else:
            return html_error(request, 400, "Kies overnemen, samenvoegen of afwijzen.", title="Onbekend besluit")
    except (P.ProposalError, VersionConflict, EntryNotFound) as err:
        return redirect(_flash_url(request, back.split("#")[0], str(err), "fout") + f"#voorstel-{p.id}")
    warning = await run_in_threadpool(refresh_index, request)
    return redirect(_flash_url(request, back.split("#")[0], warning or msg, "info" if warning else "succes") + f"#voorstel-{p.id}")


# ---------------------------------------------------------------- users (beheerders)

@router.get("/gebruikers", response_class=HTMLResponse, name="beheer_gebruikers")
def gebruikers(request: Request, user: User = Depends(auth.require_beheerder)):
    return render(request, "beheer/gebruikers.html", {"users": list_users(_services(request).conn()),
                                                      "flash": _flash(request), "values": {}})


@router.post("/gebruikers", response_class=HTMLResponse)
async def gebruikers_post(request: Request, user: User = Depends(auth.beheerder_post)):
    form = request.state.form
    conn = _services(request).conn()
    name = str(form.get("gebruikersnaam") or "")
    role = str(form.get("rol") or "")
    pw1, pw2 = str(form.get("wachtwoord") or ""), str(form.get("wachtwoord2") or "")
    values = {"gebruikersnaam": name, "rol": role}
    error = None
    if pw1 != pw2:
        error = "De twee wachtwoorden zijn niet gelijk."
    else:
        try:
            await _in_worker(request, create_user, name, pw1, role, actor=user.username)
        except AuthError as err:
            error = str(err)
    if error:
        return render(request, "beheer/gebruikers.html", {"users": list_users(conn), "values": values,
                                                          "error": error}, 422)
    return redirect(_flash_url(request, "/beheer/gebruikers", f"Gebruiker '{name.strip().lower()}' is aangemaakt."))


@router.post("/gebruikers/{username}/actief", response_class=HTMLResponse)
async def gebruiker_actief(request: Request, username: str, user: User = Depends(auth.beheerder_post)):
    active = request.state.form.get("actief") == "ja"
    try:
        u = await _in_worker(request, set_active, username, active, actor=user.username)
    except AuthError as err:
        return redirect(_flash_url(request, "/beheer/gebruikers", str(err), "fout"))
    return redirect(_flash_url(request, "/beheer/gebruikers",
                               f"Gebruiker '{u.username}' is {'weer actief' if active else 'uitgeschakeld'}."))


# ---------------------------------------------------------------- a small JSON view for scripts

@router.get("/api/items", name="beheer_api_items")
def api_items(request: Request, status: str | None = None, user: User = Depends(auth.require_curator)):
    """All entries with status and version (JSON), for curators' scripts."""
    status = status if status in STATUSES else None
    rows = [{"id": e.id, "title": e.title, "type": e.type, "status": e.status, "version": e.version,
             "updated_at": e.updated_at} for e in list_entries(_services(request).conn(), status=status)]
    return {"total": len(rows), "items": rows}
