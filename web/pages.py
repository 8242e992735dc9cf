"""The HTML pages (Dutch, server-rendered, no JavaScript needed).

    /                         Zoeken: one problem box, facets, explained results, pagination
    /items/{id}               a knowledge entry with its source and related entries
    /bronnen, /bronnen/{doc}  the source documents; a cited passage highlighted (#passage)
    /regios, /regios/{id}     the 28 regions; a region's bottlenecks, recommendations, similar regions
    /plan-toetsen             paste bottlenecks or upload a plan, edit them, get recommendations
    /over                     about this service

Every result list can be downloaded with the same query string plus ?formaat=csv or json.
"""
from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException

from kb.models import slugify
from kb.documents import get_document
from kb.entries import get_entry
from search.engine import MAX_QUERY_CHARS, QueryError
from web import regions as R
from web.errors import html_error
from web.present import to_csv, to_json
from web.searching import FilterError, all_results, run_search, validate_filters
from web.serialize import (MATCH_COLUMNS, SEARCH_COLUMNS, SIMILAR_COLUMNS, match_response, match_rows,
                           result_dict, search_rows, similar_dict, similar_rows, source_url)
from web.services import ServiceUnavailable
from web.templating import templates

router = APIRouter(include_in_schema=False)

PER_PAGE = 10
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
PLAN_SUFFIXES = {".pdf", ".docx", ".txt", ".text", ".md", ".markdown", ".html", ".htm", ".yaml", ".yml", ".json"}
EXAMPLES = [
    "Te weinig stageplekken in de wijkverpleging",
    "Zij-instromers haken af tijdens de opleiding",
    "Hoge werkdruk en verzuim in de ggz",
    "Agressie tegen medewerkers in de jeugdzorg",
    "Zorgprofessionals zijn te veel tijd kwijt aan administratie",
    "Herintreders terughalen naar de zorg",
]


def _services(request: Request):
    return request.app.state.services


def render(request: Request, name: str, ctx: dict, status: int = 200) -> HTMLResponse:
    return templates.TemplateResponse(request, name, ctx, status_code=status)


def download(data_rows, columns, payload, formaat: str, filename: str) -> Response:
    if formaat == "csv":
        return Response(to_csv(columns, data_rows), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{filename}.csv"'})
    return Response(to_json(payload), media_type="application/json",
                    headers={"Content-Disposition": f'attachment; filename="{filename}.json"'})


def _base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def _published_counts(conn) -> dict[str, int]:
    out = {}
    for row in conn.execute("SELECT type, lower(coalesce(label, '')) AS label, count(*) FROM entries "
                            "WHERE status = 'gepubliceerd' GROUP BY type, lower(coalesce(label, ''))"):
        key = row[0] if row[0] != "praktijk" else {"koploper": "koploper", "falend vooruit": "falend-vooruit"}.get(
            row[1], "voorbeeld")
        out[key] = out.get(key, 0) + row[2]
    return out


# ---------------------------------------------------------------- Zoeken

@router.get("/", response_class=HTMLResponse, name="zoeken")
def zoeken(request: Request, q: str | None = None, type: str | None = None, label: str | None = None,
           actielijn: str | None = None, thema: str | None = None, branche: str | None = None,
           regio: str | None = None, pagina: int = Query(1, ge=1, le=10_000),
           formaat: Literal["csv", "json"] | None = None):
    services = _services(request)
    registry = services.registry()
    raw = {"q": q, "type": type, "label": label, "actielijn": actielijn, "thema": thema, "branche": branche,
           "regio": regio}
    ctx = {"active": "zoeken", "q": q or "", "params": {k: v for k, v in raw.items() if v},
           "max_chars": MAX_QUERY_CHARS, "examples": EXAMPLES}
    try:
        fp = validate_filters(registry, type=type, label=label, actielijn=actielijn, thema=thema, branche=branche,
                              regio=regio)
    except FilterError as err:
        if formaat:
            raise HTTPException(422, str(err))
        return render(request, "zoeken.html", ctx | {"error": str(err), "error_field": err.field}, 422)
    ctx["filters"] = fp
    ctx["params"] = {k: v for k, v in ({"q": q} | fp.params()).items() if v}
    if not (q or "").strip():
        if formaat:
            raise HTTPException(422, "Vul een zoekvraag in om resultaten te downloaden.")
        ctx["counts"] = _published_counts(services.conn())
        return render(request, "zoeken.html", ctx)
    try:
        if formaat:
            results = all_results(services, q, fp)
            payload = {"query": q, "filters": fp.params(), "total": len(results), "offset": 0,
                       "limit": len(results), "results": [result_dict(r, i) for i, r in enumerate(results, 1)]}
            return download(search_rows(results, _base_url(request)), SEARCH_COLUMNS, payload, formaat,
                            "praktijkwijzer-zoekresultaten")
        outcome = run_search(services, q, fp, offset=(pagina - 1) * PER_PAGE, limit=PER_PAGE)
    except QueryError as err:
        if formaat:
            raise HTTPException(422, str(err))
        return render(request, "zoeken.html", ctx | {"error": str(err), "error_field": "q"}, 422)
    return render(request, "zoeken.html", ctx | {"outcome": outcome, "pagina": pagina})


# ---------------------------------------------------------------- entries and sources

def _organisation_names(conn, ids: list[str]) -> list[str]:
    if not ids:
        return []
    marks = ",".join("?" for _ in ids)
    names = {r[0]: r[1] for r in conn.execute(f"SELECT id, name FROM organisations WHERE id IN ({marks})", ids)}
    return [names.get(i, i) for i in ids]


def published_entry(conn, entry_id: str):
    e = get_entry(conn, entry_id)
    if e is None or e.status != "gepubliceerd":
        return None
    return e


def entry_sources(conn, e) -> list[dict]:
    out, titles = [], {}
    for s in e.sources:
        if s.document_id not in titles:
            doc = get_document(conn, s.document_id)
            titles[s.document_id] = doc.title if doc else s.document_id
        out.append({"document": s.document_id, "document_title": titles[s.document_id], "heading": s.heading,
                    "start": s.start, "end": s.end, "url": source_url(s.document_id, s.start, s.end, e.id)})
    return out


def related_for(services, entry_id: str, k: int = 5) -> list:
    from search.related import related_entries
    try:
        with services.locked() as searcher:
            return related_entries(searcher, entry_id, k=k)
    except ServiceUnavailable:
        return []


@router.get("/items/{entry_id}", response_class=HTMLResponse, name="item")
def item(request: Request, entry_id: str):
    services = _services(request)
    conn = services.conn()
    e = published_entry(conn, entry_id)
    if e is None:
        return html_error(request, 404, f"Er is geen gepubliceerd kennisitem met de id '{entry_id}'. "
                                        "Misschien is het verplaatst of gearchiveerd; zoek het opnieuw op.",
                          title="Kennisitem niet gevonden")
    return render(request, "item.html", {
        "active": "zoeken", "e": e, "sources": entry_sources(conn, e),
        "organisations": _organisation_names(conn, e.organisations), "related": related_for(services, e.id)})


def _public_documents(conn) -> list[dict]:
    from kb.documents import document_origin
    rows = conn.execute(
        "SELECT d.id, d.title, d.publisher, d.date, d.licence, d.path, count(DISTINCT e.id) AS n "
        "FROM documents d JOIN entry_sources s ON s.document_id = d.id "
        "JOIN entries e ON e.id = s.entry_id AND e.status = 'gepubliceerd' GROUP BY d.id ORDER BY d.date, d.title")
    return [dict(r) for r in rows if document_origin(conn, r["id"]) != "redactie"]


@router.get("/bronnen", response_class=HTMLResponse, name="bronnen")
def bronnen(request: Request):
    return render(request, "bronnen.html", {"active": "bronnen", "documents": _public_documents(_services(request).conn())})


@router.get("/bronnen/{document_id}", response_class=HTMLResponse, name="bron")
def bron(request: Request, document_id: str, van: int | None = Query(None, ge=0), tot: int | None = Query(None, ge=0),
         item: str | None = None):
    from kb.documents import document_origin
    conn = _services(request).conn()
    doc = get_document(conn, document_id)
    cited = sorted({(r[0], r[1]) for r in conn.execute(
        "SELECT s.start, s.end FROM entry_sources s JOIN entries e ON e.id = s.entry_id "
        "WHERE s.document_id = ? AND e.status = 'gepubliceerd'", (document_id,))})
    origin = document_origin(conn, document_id) if doc else None
    if doc is None or not cited or origin == "redactie":
        return html_error(request, 404, f"Er is geen openbare bron met de id '{document_id}'.", title="Bron niet gevonden")
    text = doc.text
    notice = None
    span = None
    if van is not None or tot is not None:
        if van is not None and tot is not None and 0 <= van < tot <= len(text):
            span = (van, tot)
        else:
            notice = "De gevraagde passage ligt buiten dit document; hieronder staat de volledige tekst."
    if origin == "upload":
        # An imported document: only what published entries cite is public, not the whole file.
        if span and span not in cited:
            span = None
        passages = [text[a:b] for a, b in cited]
        text = "\n\n[…]\n\n".join(passages if not span else [text[span[0]:span[1]]])
        span = (0, len(text)) if span else None
        doc.path = ""
        notice = ("Van dit door de redactie ingelezen document zijn alleen de passages openbaar die "
                  "gepubliceerde kennisitems citeren.")
    entry = published_entry(conn, item) if item else None
    entries = [dict(r) for r in conn.execute(
        "SELECT DISTINCT e.id, e.title, e.type, e.label, e.number, min(s.start) AS start, min(s.end) AS end "
        "FROM entries e JOIN entry_sources s ON s.entry_id = e.id "
        "WHERE s.document_id = ? AND e.status = 'gepubliceerd' GROUP BY e.id ORDER BY start", (document_id,))]
    parts = {"before": text[:span[0]], "passage": text[span[0]:span[1]], "after": text[span[1]:]} if span else None
    heading = None
    if entry and span:
        heading = next((s.heading for s in entry.sources if s.document_id == document_id
                        and (s.start, s.end) == span), None)
    return render(request, "bron.html", {"active": "bronnen", "doc": doc, "parts": parts, "text": text,
                                         "notice": notice, "entry": entry, "entries": entries, "heading": heading})


# ---------------------------------------------------------------- regions

@router.get("/regios", response_class=HTMLResponse, name="regios")
def regios(request: Request):
    services = _services(request)
    rows = R.region_rows(services.conn(), services.registry())
    return render(request, "regios.html", {"active": "regios", "rows": rows,
                                           "with_plan": sum(1 for r in rows if r["plan"])})


@router.get("/regios/{region}", response_class=HTMLResponse, name="regio")
def regio_page(request: Request, region: str, formaat: Literal["csv", "json"] | None = None,
               lijst: Literal["aanbevelingen", "vergelijkbaar"] = "aanbevelingen"):
    services = _services(request)
    registry = services.registry()
    rid = R.resolve_region(registry, region)
    if rid is None:
        return html_error(request, 404, f"Er is geen regio '{region}'. Kies een van de 28 regio's op de pagina "
                                        "Regio's.", title="Regio niet gevonden")
    if rid != region:
        target = f"/regios/{rid}" + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(target, status_code=308)
    conn = services.conn()
    info = R.region_info(registry, rid)
    plan = R.current_plan(conn, rid)
    employers = R.employers_by_region(registry).get(rid, [])
    if formaat:
        if plan is None:
            raise HTTPException(404, f"Voor {info['name']} is nog geen plan bekend; er is niets te downloaden.")
        if lijst == "vergelijkbaar":
            sim = R.similar(services, rid)
            payload = {"region": rid, "has_plan": True, "total": len(sim["similar"]), "offset": 0,
                       "limit": len(sim["similar"]), "similar": [similar_dict(s) for s in sim["similar"]],
                       "without_plan": sim["without_plan"]}
            return download(similar_rows(sim["similar"], _base_url(request)), SIMILAR_COLUMNS, payload, formaat,
                            f"praktijkwijzer-{rid}-vergelijkbare-regios")
        result = R.match(services, plan)
        return download(match_rows(result, _base_url(request)), MATCH_COLUMNS,
                        match_response(result, region=rid, plan=plan), formaat, f"praktijkwijzer-{rid}-aanbevelingen")
    ctx = {"active": "regios", "region": info, "employers": employers, "plan": plan}
    if plan is None:
        ctx["local"] = _region_entries(conn, rid)
        return render(request, "regio.html", ctx)
    result = R.match(services, plan)
    sim = R.similar(services, rid)
    names = registry.labels("regio")
    ctx.update(result=result, groups=R.group_by_bottleneck(result, registry), similar=sim["similar"],
               without_plan=[names.get(r, r) for r in sim["without_plan"]], local=_region_entries(conn, rid))
    return render(request, "regio.html", ctx)


def _region_entries(conn, rid: str) -> list[dict]:
    return [dict(r) for r in conn.execute(
        "SELECT e.id, e.title, e.type, e.label, e.number FROM entries e JOIN entry_regions r ON r.entry_id = e.id "
        "WHERE r.region_id = ? AND e.status = 'gepubliceerd' ORDER BY e.type DESC, e.title", (rid,))]


# ---------------------------------------------------------------- plan toetsen

def _split_lines(text: str | None) -> list[str]:
    out = []
    for line in (text or "").replace("\r\n", "\n").split("\n"):
        line = line.strip().lstrip("-*•·").strip()
        if line:
            out.append(line)
    return out


def _weights(values: list[str], n: int) -> tuple[list[float], str | None]:
    out, error = [], None
    for i in range(n):
        raw = (values[i] if i < len(values) else "").strip().replace(",", ".")
        if not raw:
            out.append(1.0)
            continue
        try:
            w = float(raw)
        except ValueError:
            w = 0
        if not (0 < w <= 100):
            error = f"Gewicht '{values[i]}' is ongeldig: gebruik een getal groter dan 0 en hoogstens 100."
            w = 1.0
        out.append(w)
    return out, error


def _check_bottlenecks(texts: list[str]) -> str | None:
    if not texts:
        return "Vul minstens één knelpunt in (één per regel), of upload een plan."
    if len(texts) > R.MAX_BOTTLENECKS:
        return (f"U gaf {len(texts)} knelpunten; de grens is {R.MAX_BOTTLENECKS}. "
                "Kies de belangrijkste knelpunten.")
    long = [i + 1 for i, t in enumerate(texts) if len(t) > R.MAX_BOTTLENECK_CHARS]
    if long:
        return (f"Knelpunt {', '.join(map(str, long))} is te lang (meer dan {R.MAX_BOTTLENECK_CHARS} tekens). "
                "Beschrijf elk knelpunt in een of twee zinnen.")
    return None


def _plan_ctx(services, request: Request) -> dict:
    from web.auth import csrf_token, current_user
    registry = services.registry()
    user = current_user(request)          # only a logged-in curator may store a plan for a region
    return {"active": "plan", "regions": sorted(registry.regions, key=lambda r: r["number"]),
            "max_upload_mb": MAX_UPLOAD_BYTES // (1024 * 1024), "max_bottlenecks": R.MAX_BOTTLENECKS,
            "can_save": user is not None, "csrf": csrf_token(request) if user else None}


def _plan_result(request: Request, services, texts: list[str], weights: list[float], region: str | None, *,
                 formaat: str | None = None, ctx: dict | None = None, status: int = 200):
    registry = services.registry()
    plan = R.transient_plan(registry, texts, weights, region)
    result = R.match(services, plan)
    if formaat:
        return download(match_rows(result, _base_url(request)), MATCH_COLUMNS,
                        match_response(result, region=region, stored=False), formaat, "praktijkwijzer-planmatch")
    similar = R.similar_to_plan(services, plan)
    ctx = (ctx or {}) | _plan_ctx(services, request) | {
        "plan": plan, "result": result, "groups": R.group_by_bottleneck(result, registry), "similar": similar,
        "region": region, "rows": [(b.text, b.weight) for b in plan.bottlenecks]}
    return render(request, "plan.html", ctx, status)


@router.get("/plan-toetsen", response_class=HTMLResponse, name="plan")
def plan_form(request: Request, knelpunt: list[str] = Query([]), knelpunten: str | None = None,
              gewicht: list[str] = Query([]), regio: str | None = None,
              formaat: Literal["csv", "json"] | None = None):
    """The empty form; with ?knelpunt=...&knelpunt=... (or ?knelpunten=regels) the match itself."""
    services = _services(request)
    texts = [t.strip() for t in knelpunt if t.strip()] + _split_lines(knelpunten)
    region = R.resolve_region(services.registry(), regio)
    if not texts:
        if formaat:
            raise HTTPException(422, "Geef knelpunten op (?knelpunt=...) om de aanbevelingen te downloaden.")
        return render(request, "plan.html", _plan_ctx(services, request) | {"region": region})
    error = _check_bottlenecks(texts)
    weights, werror = _weights(gewicht, len(texts))
    if error or werror:
        if formaat:
            raise HTTPException(422, error or werror)
        return render(request, "plan.html", _plan_ctx(services, request) | {
            "error": error or werror, "region": region, "rows": list(zip(texts, weights))}, 422)
    return _plan_result(request, services, texts, weights, region, formaat=formaat)


async def _read_form(request: Request):
    try:
        return await request.form(max_files=1, max_fields=400, max_part_size=512 * 1024)
    except HTTPException:
        raise HTTPException(400, "Het formulier kon niet worden gelezen: een veld is te groot of er zijn te veel "
                                 "velden. Stuur minder of kortere knelpunten.") from None


def _check_upload(data: bytes, filename: str) -> None:
    """Check an upload by its content (magic bytes), not only by its name. Raises IngestError (Dutch)."""
    from pathlib import Path

    from ingest.errors import IngestError
    from ingest.readers import detect_format
    suffix = Path(filename).suffix.lower()
    if suffix not in PLAN_SUFFIXES:
        raise IngestError(f"Het bestand '{filename}' heeft een soort die niet wordt ondersteund. Upload een PDF, "
                          "Word-document (.docx), tekst (.txt of .md), HTML-pagina of een YAML/JSON-lijst.")
    if not data.strip():
        raise IngestError(f"Het bestand '{filename}' is leeg.")
    if suffix in (".yaml", ".yml", ".json"):
        if b"\x00" in data[:4096] or data.startswith((b"%PDF-", b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
            raise IngestError(f"Het bestand '{filename}' is geen tekstbestand, dus geen geldige YAML of JSON.")
        return
    detect_format(data, filename)


def _text(form, name: str) -> str:
    """A text field of a form ('' when missing, or when a file was sent in its place)."""
    value = form.get(name)
    return value if isinstance(value, str) else ""


def _may_save(request: Request, form) -> str | None:
    """None when this request may store a plan (a logged-in curator, valid CSRF token); else
    the Dutch reason why not."""
    from web.auth import CsrfError, check_csrf, current_user
    user = current_user(request)
    if user is None:
        return ("Alleen een ingelogde curator kan een plan bij een regio opslaan. "
                "Het plan is niet opgeslagen; de aanbevelingen staan hieronder.")
    try:
        check_csrf(request, form.get("csrf_token"))
    except CsrfError:
        return "Het formulier is verlopen of ongeldig. Het plan is niet opgeslagen; probeer het opnieuw."
    return None


def _save(services, plan, region: str | None, title: str | None, actor: str = "web") -> tuple[str | None, str | None]:
    """Store a plan for a region on the user's explicit request. Returns (message, error)."""
    from kb.plans import PlanError, save_plan
    if not region:
        return None, "Kies een regio om het plan op te slaan. Het plan is niet opgeslagen."
    name = services.registry().labels("regio").get(region, region)
    plan.region_id = region
    plan.title = (title or "").strip()[:200] or plan.title or f"Plan {name}"
    if plan.id in ("ingevoerd", "", None):
        plan.id = slugify(f"{region} {plan.title}", max_words=14)
    try:
        saved = save_plan(services.conn(), plan, actor=actor)
    except PlanError as err:
        return None, str(err)
    return f"Het plan '{saved.title}' is opgeslagen bij {name}.", None


@router.post("/plan-toetsen", response_class=HTMLResponse, name="plan_post")
async def plan_post(request: Request):
    from ingest.errors import IngestError
    services = _services(request)
    registry = services.registry()
    form = await _read_form(request)
    upload = form.get("bestand")
    region_raw = _text(form, "regio").strip()
    region = R.resolve_region(registry, region_raw)
    save = form.get("opslaan") in ("ja", "on", "1", "true")
    refused = _may_save(request, form) if save else None
    if refused:
        save = False
    title = _text(form, "titel").strip()
    formaat = form.get("formaat") if form.get("formaat") in ("csv", "json") else None
    ctx = _plan_ctx(services, request) | {"region": region, "titel": title, "save_error": refused}
    if region_raw and region is None:
        return render(request, "plan.html", ctx | {"error": f"Onbekende regio '{region_raw}'."}, 422)

    if isinstance(upload, UploadFile) and upload.filename:
        data = await upload.read(MAX_UPLOAD_BYTES + 1)
        name = upload.filename.replace("\\", "/").rsplit("/", 1)[-1][:200]
        if len(data) > MAX_UPLOAD_BYTES:
            return render(request, "plan.html", ctx | {
                "error": f"Het bestand '{name}' is te groot. De grens is {MAX_UPLOAD_BYTES // 2**20} MB. "
                         "Upload alleen het plan, of plak de knelpunten in het tekstvak."}, 413)
        try:
            _check_upload(data, name)
            from ingest.plans import read_plan
            draft = await run_in_threadpool(read_plan, data, name, registry=registry)
        except IngestError as err:
            return render(request, "plan.html", ctx | {"error": str(err), "error_field": "bestand"}, 422)
        if region is None and draft.region:
            region = R.resolve_region(registry, draft.region)
        ctx |= {"region": region, "uploaded": name, "draft_title": draft.title}
        texts = [b.text for b in draft.bottlenecks][: R.MAX_BOTTLENECKS]
        weights = [b.weight for b in draft.bottlenecks][: R.MAX_BOTTLENECKS]
        if save and not formaat:
            from kb.plans import to_plan
            ctx["saved"], ctx["save_error"] = await run_in_threadpool(
                lambda: _save(services, to_plan(draft, region), region, title or draft.title, _actor(request)))
        return await run_in_threadpool(_plan_result, request, services, texts, weights, region, formaat=formaat,
                                       ctx=ctx)

    texts = [t.strip() for t in form.getlist("knelpunt") if isinstance(t, str) and t.strip()]
    weights_raw = [w for w, t in zip(form.getlist("gewicht"), form.getlist("knelpunt")) if isinstance(t, str)
                   and t.strip()]
    texts += _split_lines(form.get("knelpunten") if isinstance(form.get("knelpunten"), str) else "")
    error = _check_bottlenecks(texts)
    weights, werror = _weights([str(w) for w in weights_raw], len(texts))
    if error or werror:
        return render(request, "plan.html", ctx | {"error": error or werror, "error_field": "knelpunten",
                                                   "rows": list(zip(texts, weights)),
                                                   "pasted": form.get("knelpunten") or ""}, 422)
    if save and not formaat:
        def save_typed():
            plan = R.transient_plan(registry, texts, weights, region, title=title or "Ingevoerd plan")
            return _save(services, plan, region, title, _actor(request))
        ctx["saved"], ctx["save_error"] = await run_in_threadpool(save_typed)
    return await run_in_threadpool(_plan_result, request, services, texts, weights, region, formaat=formaat, ctx=ctx)


def _actor(request: Request) -> str:
    from web.auth import current_user
    user = current_user(request)
    return user.username if user else "web"


# ---------------------------------------------------------------- about

@router.get("/over", response_class=HTMLResponse, name="over")
def over(request: Request):
    return render(request, "over.html", {"active": "over"})
