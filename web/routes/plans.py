"""Plan toetsen: paste bottlenecks or upload a plan, edit them, get recommendations.

    GET  /plan-toetsen                  the form; with ?knelpunt=...&knelpunt=... (or ?knelpunten=lines)
                                        the match itself (also ?formaat=csv|json)
    POST /plan-toetsen                  typed bottlenecks (knelpunt/gewicht rows or knelpunten lines) or an
                                        uploaded file (bestand); a logged-in curator may store the plan

Nothing is stored unless a logged-in curator asks for it (with a valid CSRF token). The plan
rules (cap, weights, one classification per bottleneck) are kb.plan_input's. An uploaded file
is read in a parse worker with a time and memory limit (web.parsing); its bottleneck sentences
are classified with the encoder's sentence embeddings.
"""
from __future__ import annotations

from typing import Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException

from ingest.errors import IngestError
from ingest.upload import MAX_UPLOAD_BYTES, check_plan_upload, upload_name
from kb.plan_input import (PlanInputError, bottleneck_lines, check_bottlenecks, parse_weights, store_plan, typed_plan,
                           uploaded_plan)
from kb.plans import MAX_BOTTLENECKS, PlanError
from kb.regions import RegionError, find_region, resolve_region
from web.auth import CsrfError, check_csrf, csrf_token, current_user
from web.deps import ConnDep, RegistryDep, ServicesDep
from web.matching import group_by_bottleneck, match, similar_to_plan
from web.parsing import ParserBusy, parse_pool, read_plan_upload
from web.present import gap_mailto
from web.serialize import MATCH_COLUMNS, match_response, match_rows, similar_dict
from web.views import base_url, download, render

router = APIRouter(include_in_schema=False)


def _plan_ctx(request: Request, registry) -> dict:
    user = current_user(request)          # only a logged-in curator may store a plan for a region
    return {"active": "plan", "regions": sorted(registry.regions, key=lambda r: r["number"]),
            "max_upload_mb": MAX_UPLOAD_BYTES // (1024 * 1024), "max_bottlenecks": MAX_BOTTLENECKS,
            "can_save": user is not None, "csrf": csrf_token(request) if user else None}


def _plan_result(request: Request, services, conn, registry, plan, region: str | None, *,
                 formaat: str | None = None, ctx: dict | None = None, status: int = 200):
    view = match_response(match(services, plan), region=region, stored=False)
    if formaat:
        return download(match_rows(view, base_url(request)), MATCH_COLUMNS, view, formaat, "praktijkwijzer-planmatch")
    gaps = [b["text"] for b in view["bottlenecks"] if b["gap"]]
    ctx = (ctx or {}) | _plan_ctx(request, registry) | {
        "plan": plan, "match": view, "groups": group_by_bottleneck(view, registry),
        "similar": [similar_dict(s) for s in similar_to_plan(services, conn, plan)], "region": region,
        "rows": [(b.text, b.weight) for b in plan.bottlenecks],
        "mailto": gap_mailto(gaps) if gaps else None, "report_url": _report_url(plan, region)}
    return render(request, "plan.html", ctx, status)


MAX_REPORT_URL = 8000     # longer links are cut by browsers and proxies: then the report is not offered


def _report_url(plan, region: str | None) -> str | None:
    """The print-ready report of this plan check (web.routes.report), as a GET link."""
    params = [p for b in plan.bottlenecks for p in (("knelpunt", b.text), ("gewicht", f"{b.weight:g}"))]
    url = "/plan-toetsen/rapport?" + urlencode(params + ([("regio", region)] if region else []))
    return url if len(url) <= MAX_REPORT_URL else None


def _typed_error(texts: list[str], weights_raw: list[str]) -> tuple[list[float], str | None]:
    weights, werror = parse_weights(weights_raw, len(texts))
    try:
        check_bottlenecks(texts)
    except PlanInputError as err:
        return weights, str(err)
    return weights, werror


@router.get("/plan-toetsen", response_class=HTMLResponse, name="plan")
def plan_form(request: Request, services: ServicesDep, conn: ConnDep, registry: RegistryDep,
              knelpunt: list[str] = Query([]), knelpunten: str | None = None, gewicht: list[str] = Query([]),
              regio: str | None = None, formaat: Literal["csv", "json"] | None = None):
    """The empty form; with ?knelpunt=...&knelpunt=... (or ?knelpunten=regels) the match itself."""
    texts = [t.strip() for t in knelpunt if t.strip()] + bottleneck_lines(knelpunten)
    try:
        region = resolve_region(registry, regio) if regio and regio.strip() else None
    except RegionError as err:
        if formaat:
            raise HTTPException(422, str(err))
        return render(request, "plan.html", _plan_ctx(request, registry) | {
            "error": str(err), "error_field": "regio", "region": None, "rows": [(t, 1.0) for t in texts]}, 422)
    if not texts:
        if formaat:
            raise HTTPException(422, "Geef knelpunten op (?knelpunt=...) om de aanbevelingen te downloaden.")
        parse_pool(request.app).start()       # a parse worker loads while the user chooses a file
        return render(request, "plan.html", _plan_ctx(request, registry) | {"region": region})
    weights, error = _typed_error(texts, gewicht)
    if error:
        if formaat:
            raise HTTPException(422, error)
        return render(request, "plan.html", _plan_ctx(request, registry) | {
            "error": error, "region": region, "rows": list(zip(texts, weights))}, 422)
    plan = typed_plan(texts, weights, region=region, registry=registry)
    return _plan_result(request, services, conn, registry, plan, region, formaat=formaat)


async def _read_form(request: Request):
    try:
        return await request.form(max_files=1, max_fields=400, max_part_size=512 * 1024)
    except HTTPException:
        raise HTTPException(400, "Het formulier kon niet worden gelezen: een veld is te groot of er zijn te veel "
                                 "velden. Stuur minder of kortere knelpunten.") from None


def _text(form, name: str) -> str:
    """A text field of a form ('' when missing, or when a file was sent in its place)."""
    value = form.get(name)
    return value if isinstance(value, str) else ""


def _may_save(request: Request, form) -> str | None:
    """None when this request may store a plan (a logged-in curator, valid CSRF token); else
    the Dutch reason why not."""
    if current_user(request) is None:
        return ("Alleen een ingelogde curator kan een plan bij een regio opslaan. "
                "Het plan is niet opgeslagen; de aanbevelingen staan hieronder.")
    try:
        check_csrf(request, form.get("csrf_token"))
    except CsrfError:
        return "Het formulier is verlopen of ongeldig. Het plan is niet opgeslagen; probeer het opnieuw."
    return None


def _save(request: Request, conn, registry, plan, region: str | None, title: str | None) -> tuple[str | None, str | None]:
    """Store the plan on the user's explicit request. Returns (message, error), both Dutch."""
    user = current_user(request)
    try:
        saved = store_plan(conn, plan, region, title=title, actor=user.username if user else "web", registry=registry)
    except PlanError as err:
        return None, str(err)
    return f"Het plan '{saved.title}' is opgeslagen bij {registry.labels('regio').get(region, region)}.", None


@router.post("/plan-toetsen", response_class=HTMLResponse, name="plan_post")
async def plan_post(request: Request, services: ServicesDep, conn: ConnDep, registry: RegistryDep):
    form = await _read_form(request)
    upload = form.get("bestand")
    region_raw = _text(form, "regio").strip()
    save = form.get("opslaan") in ("ja", "on", "1", "true")
    refused = _may_save(request, form) if save else None
    if refused:
        save = False
    title = _text(form, "titel").strip()
    formaat = form.get("formaat") if form.get("formaat") in ("csv", "json") else None
    ctx = _plan_ctx(request, registry) | {"region": None, "titel": title, "save_error": refused}
    try:
        region = resolve_region(registry, region_raw) if region_raw else None
    except RegionError as err:
        return render(request, "plan.html", ctx | {"error": str(err), "error_field": "regio"}, 422)
    ctx["region"] = region

    if isinstance(upload, UploadFile) and upload.filename:
        data = await upload.read(MAX_UPLOAD_BYTES + 1)
        name = upload_name(upload.filename)
        if len(data) > MAX_UPLOAD_BYTES:
            return render(request, "plan.html", ctx | {
                "error": f"Het bestand '{name}' is te groot. De grens is {MAX_UPLOAD_BYTES // 2**20} MB. "
                         "Upload alleen het plan, of plak de knelpunten in het tekstvak."}, 413)
        try:
            check_plan_upload(data, name)
            draft = await read_plan_upload(request.app, services, registry, data, name)
        except ParserBusy as err:
            return render(request, "plan.html", ctx | {"error": str(err), "error_field": "bestand"}, 503)
        except IngestError as err:
            return render(request, "plan.html", ctx | {"error": str(err), "error_field": "bestand"}, 422)
        if region is None:
            region = find_region(registry, draft.region)       # the plan names its region
        ctx |= {"region": region, "uploaded": name, "draft_title": draft.title}
        try:
            plan = uploaded_plan(draft, region)
        except PlanInputError as err:         # over the cap: nothing is cut off; the user chooses
            return render(request, "plan.html", ctx | {
                "error": str(err), "error_field": "bestand", "edit": True,
                "rows": [(b.text, b.weight) for b in draft.bottlenecks]}, 422)
        if save and not formaat:
            ctx["saved"], ctx["save_error"] = await run_in_threadpool(
                _save, request, conn, registry, plan, region, title or draft.title)
        return await run_in_threadpool(_plan_result, request, services, conn, registry, plan, region,
                                       formaat=formaat, ctx=ctx)

    texts = [t.strip() for t in form.getlist("knelpunt") if isinstance(t, str) and t.strip()]
    weights_raw = [str(w) for w, t in zip(form.getlist("gewicht"), form.getlist("knelpunt"))
                   if isinstance(t, str) and t.strip()]
    texts += bottleneck_lines(_text(form, "knelpunten"))
    weights, error = _typed_error(texts, weights_raw)
    if error:
        return render(request, "plan.html", ctx | {"error": error, "error_field": "knelpunten",
                                                   "rows": list(zip(texts, weights)),
                                                   "pasted": form.get("knelpunten") or ""}, 422)
    plan = await run_in_threadpool(typed_plan, texts, weights, region=region, registry=registry)
    if save and not formaat:
        ctx["saved"], ctx["save_error"] = await run_in_threadpool(
            _save, request, conn, registry, plan, region, title or "Ingevoerd plan")
    return await run_in_threadpool(_plan_result, request, services, conn, registry, plan, region, formaat=formaat,
                                   ctx=ctx)
