"""What the curation pages (web/routes/beheer/) share: rendering with the curator's context,
field labels and diffs for the history, signed notices ("flash") for the next page, the
search index refresh after a change, the context of the edit form (working version, edit
token, four-eyes state, card suggestions, a conflict's values), and small form helpers."""
from __future__ import annotations

import difflib
import hashlib
import hmac
import logging
import re
from urllib.parse import quote

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse
from markupsafe import Markup, escape

from kb.card import LABELS as CARD_LABELS
from kb.card import result_sources, suggestions
from kb.curation import EDITABLE_FIELDS, STATUS_LABELS, TRANSITIONS, form_choices
from kb.entries import get_entry
from kb.models import CARD_FIELDS, ERKENNING_LEVELS, PRACTICE_STATES, TYPE_LABELS
from kb.published import organisation_names
from kb.review import concept_authors, edit_token, may_publish, open_revision, working_entry
from kb.threeway import MINE, THEIRS
from kb.users import ROLE_LABELS
from web import auth
from web.errors import html_error
from web.services import ServiceUnavailable
from web.templating import label, templates

log = logging.getLogger("praktijkwijzer.curation")

SQL_INT_MAX = 2**63 - 1
ACTION_LABELS = {
    "create": "aangemaakt", "update": "bijgewerkt (inlezen)", "edit": "bewerkt", "submit": "ter review aangeboden",
    "publish": "gepubliceerd", "archive": "gearchiveerd", "reopen": "terug naar concept", "restore": "versie hersteld",
    "accept": "overgenomen uit import", "merge": "samengevoegd met import", "reject": "voorstel afgewezen",
    "import_upload": "document geüpload", "revise": "wijziging voorgesteld (ter review)",
    "approve": "wijziging goedgekeurd en gepubliceerd", "reject_revision": "wijziging afgewezen",
    "withdraw": "wijziging ingetrokken", "assess": "erkenning beoordeeld", "koploper_check": "Koploper-toets ingevuld",
}
TRANSITION_BUTTONS = {"ter_review": "Ter review aanbieden", "gepubliceerd": "Publiceren",
                      "gearchiveerd": "Archiveren", "concept": "Terug naar concept"}
FIELD_LABELS = {
    "type": "Soort", "title": "Titel", "summary": "Samenvatting", "body": "Tekst", "label": "Label",
    "audience": "Doelgroep", "number": "Nummer", "results": "Resultaten", "actielijnen": "Actielijnen",
    "themes": "Thema's", "branches": "Branches", "regions": "Regio's", "organisations": "Organisaties",
    "status": "Status", "sources": "Bronnen", "version": "Versie", "erkenning": "Erkenning",
    "reasoning": "Onderbouwing", "assessed_on": "Datum van de beoordeling", "koploper": "Koploper",
    "criteria": "Criteria", "versie": "Versie", "k_reasoning": "Oordeel en toelichting",
    "k_assessed_on": "Datum van de toets", "k_koploper": "Koploper", "k_criteria": "Criteria",
} | CARD_LABELS
NEW_ENTRY = {"type": "praktijk", "label": "voorbeeld", "title": "", "summary": "", "body": "", "audience": None,
             "number": None, "results": [], "actielijnen": [], "themes": [], "branches": [], "regions": [],
             "organisations": []} | {f: "" for f in CARD_FIELDS}


async def in_worker(fn, conn, *args, **kwargs):
    """Run a database call in a worker thread (on this request's own connection)."""
    return await run_in_threadpool(lambda: fn(conn, *args, **kwargs))


def render(request: Request, name: str, ctx: dict, status: int = 200) -> HTMLResponse:
    user = auth.current_user(request)
    base = {"user": user, "csrf": auth.csrf_token(request), "active": "beheer", "FIELD_LABELS": FIELD_LABELS,
            "STATUS_LABELS": STATUS_LABELS, "ACTION_LABELS": ACTION_LABELS, "ROLE_LABELS": ROLE_LABELS,
            "TYPE_LABELS": TYPE_LABELS, "show_diff": show_diff, "show_value": show_value,
            "ERKENNING_LEVELS": ERKENNING_LEVELS, "PRACTICE_STATES": PRACTICE_STATES, "CARD_LABELS": CARD_LABELS}
    return templates.TemplateResponse(request, name, base | ctx, status_code=status)


# ---------------------------------------------------------------- values and diffs

_KINDS = {"actielijnen": "actielijn", "themes": "thema", "branches": "branche", "regions": "regio"}


def _value_text(field: str, v) -> str:
    if field in _KINDS:
        return label(_KINDS[field], v)
    if field == "status":
        return STATUS_LABELS.get(v, v)
    if field == "erkenning":
        return ERKENNING_LEVELS.get(v, v)
    if isinstance(v, dict):          # a source
        return f"{v.get('document_id')}, {v.get('heading')} ({v.get('start')}–{v.get('end')})"
    return str(v)


def show_value(field: str, value) -> Markup:
    """A stored value as escaped text ('leeg' when empty)."""
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


# ---------------------------------------------------------------- redirects with a signed notice

def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def flash_url(request: Request, url: str, message: str, kind: str = "succes") -> str:
    """`url` with a notice for the next page, signed so that nobody can make /beheer show a
    message of their own through a link."""
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}melding={quote(message)}&soort={kind}&teken={_flash_sign(request, message, kind)}"


def _flash_sign(request: Request, message: str, kind: str) -> str:
    key = auth.secret_key(request.app.state.services.db_path).encode()
    return hmac.new(key, f"flash\0{kind}\0{message}".encode(), hashlib.sha256).hexdigest()[:32]


def flash(request: Request) -> dict | None:
    """The signed notice of this request's URL, if any."""
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
        request.app.state.services.refresh()
    except ServiceUnavailable as err:
        return f"De wijziging is opgeslagen, maar de zoekindex is nog niet bijgewerkt: {err}"
    except Exception:                        # encoder, disk, database: the change is saved all the same
        log.exception("refresh of the search index failed")
        return ("De wijziging is opgeslagen, maar de zoekindex kon niet worden bijgewerkt. "
                "Voer 'praktijkwijzer reindex' uit of probeer het later opnieuw.")
    return None


async def done(request: Request, url: str, message: str) -> RedirectResponse:
    """After a change: refresh the search index, then go to `url` with `message` (or the
    refresh's warning)."""
    warning = await run_in_threadpool(refresh_index, request)
    return redirect(flash_url(request, url, warning or message, "info" if warning else "succes"))


# ---------------------------------------------------------------- forms

def form_values(form) -> dict:
    """The entry fields of a submitted form, as edit_entry expects them."""
    values: dict = {}
    for f in ("type", "title", "summary", "body", "label", "audience", "number", *CARD_FIELDS):
        if f in form:
            values[f] = str(form.get(f) or "")
    if "results" in form:
        values["results"] = [line for line in str(form.get("results") or "").splitlines() if line.strip()]
    for f in ("actielijnen", "themes", "branches", "regions", "organisations"):
        values[f] = [str(v) for v in form.getlist(f)]
    return values


def entry_values(e) -> dict:
    return {f: getattr(e, f) for f in EDITABLE_FIELDS}


def to_int(value, default: int | None = None) -> int | None:
    """A whole number that SQLite can hold, else `default`."""
    try:
        n = int(str(value).strip())
    except (TypeError, ValueError):
        return default
    return n if -SQL_INT_MAX <= n <= SQL_INT_MAX else default


def safe_next(target: str | None) -> str:
    """Only local curation pages: no open redirect."""
    if target and target.startswith("/beheer") and not target.startswith("//") and "\\" not in target:
        return target
    return "/beheer"


def entry_token(conn, e) -> str:
    """The edit token of an entry as stored now (kb.review.edit_token)."""
    return edit_token(e, open_revision(conn, e.id))


def resolutions(form) -> dict:
    """A conflict form's choices per field: {field: 'mijn' | 'hun'}."""
    return {k[len("oplossing_"):]: str(v) for k, v in form.items()
            if k.startswith("oplossing_") and str(v) in (MINE, THEIRS)}


def edit_context(request: Request, conn, e, values: dict | None = None, **extra) -> dict:
    """The edit page of an entry: its working version (the open revision, if any), the edit
    token, the workflow buttons and what the current user may do in the four-eyes review, the
    practice card's suggestions, and the results with their source. `e` is the stored entry."""
    working, rev = working_entry(conn, e.id)
    working = working or e
    user = auth.current_user(request)
    transitions = [(s, TRANSITION_BUTTONS[s]) for s in TRANSITIONS.get(e.status, {})]
    authors = concept_authors(conn, e.id) if e.status == "ter_review" else []
    names = organisation_names(conn, working.organisations)
    suggested = suggestions(working, names)
    ctx = {"e": e, "working": working, "revision": rev, "values": values or entry_values(working),
           "choices": form_choices(conn), "errors": {}, "transitions": transitions, "flash": flash(request),
           "version": edit_token(e, rev), "authors": authors, "suggestions": suggested,
           "may_publish": may_publish(conn, user.username, authors) if user and authors else "ja",
           "may_approve": may_publish(conn, user.username, rev.authors) if user and rev else "ja",
           "result_sources": result_sources(conn, working), "against": None, "conflicts": {}}
    if request.query_params.get("voorstellen") == "1" and values is None:
        ctx["values"] = ctx["values"] | {f: s.value for f, s in suggested.items() if not ctx["values"].get(f)}
        ctx["filled"] = sorted(suggested)
    return ctx | extra


def entry_or_404(request: Request, conn, entry_id: str):
    """(entry, None) or (None, the 404 page)."""
    e = get_entry(conn, entry_id)
    if e is None:
        return None, html_error(request, 404, f"Kennisitem '{entry_id}' bestaat niet.", title="Kennisitem niet gevonden")
    return e, None
