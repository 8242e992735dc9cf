"""The plan report for the stuurgroep (issue 14): one printable page per plan.

    /regios/{regio}/rapport     the report of the plan that represents a region
    /plan-toetsen/rapport       the report of a plan check: ?knelpunt=...&gewicht=...&regio=...
                                (the same query parameters as GET /plan-toetsen)
    ?formaat=pdf                the same page as a PDF (WeasyPrint, see web.pdf)

Sections: the bottlenecks, the recommendations per bottleneck with their sentence and
citation, the knowledge gaps (with the regions that share them), 'Let op' lessons, advice,
bouwstenen and similar regions; dated, with the index generation and the number of published
entries it was made with. The print stylesheet (static/print.css) hides navigation, starts
each part on a new page and prints the addresses of sources.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Literal

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException

from kb.plan_input import PlanInputError, bottleneck_lines, check_bottlenecks, parse_weights, typed_plan
from kb.plans import region_plan
from kb.regions import RegionError, region_info, resolve_region
from search.gaps import gaps_like, published_count, region_gaps
from web.deps import ConnDep, RegistryDep, ServicesDep
from web.errors import html_error
from web.lacunes import dutch_date, gap_map
from web.matching import group_by_bottleneck, match, similar, similar_to_plan
from web.pdf import PdfBusy, PdfUnavailable, render_pdf, unavailable
from web.present import query_string
from web.serialize import match_response, similar_dict
from web.templating import templates
from web.views import base_url, render

router = APIRouter(include_in_schema=False)


def _context(request: Request, services, conn, registry, plan, region: str | None, *, similar_list, without_plan,
             pdf_href: str) -> dict:
    searcher = services.searcher()
    result = match_response(match(services, plan), region=region, plan=plan)
    gm = gap_map(services, conn)
    gap_idx = [b["index"] for b in result["bottlenecks"] if b["gap"] and not b.get("error")] if result["decided"] else []
    if region and region in gm.regions and plan.id == region_plan(conn, region).id:
        shared = {b.index: x for x in region_gaps(gm, region) for b in x["mine"]}
        elsewhere = {i: [o for o in shared[i]["others"]] if i in shared else [] for i in gap_idx}
    else:              # a checked plan: which gaps on the map (other regions) it would join
        found = gaps_like(searcher, gm, [result["bottlenecks"][i]["text"] for i in gap_idx])
        elsewhere = {i: [{"region": b.region, "region_name": b.region_name, "texts": [b.text]}
                         for g in gaps for b in g.bottlenecks if b.region != region]
                     for i, gaps in zip(gap_idx, found)}
    now = datetime.now(timezone.utc)
    return {"plan": plan, "result": result, "groups": group_by_bottleneck(result, registry),
            "region": region_info(registry, region) if region else None,
            "gaps": [{"bottleneck": result["bottlenecks"][i], "elsewhere": elsewhere.get(i, []),
                      "nearest": result["bottlenecks"][i].get("nearest") or []} for i in gap_idx],
            "similar": [similar_dict(s) for s in similar_list], "without_plan": without_plan, "made_on": dutch_date(now.date()),
            "made_at": now.strftime("%Y-%m-%d %H:%M UTC"), "generation": searcher.index.generation,
            "published": published_count(searcher), "site": base_url(request), "pdf_href": pdf_href,
            "pdf_unavailable": unavailable()}


async def _respond(request: Request, ctx: dict, formaat: str | None, filename: str):
    if formaat != "pdf":
        return render(request, "rapport.html", ctx)
    html = templates.get_template("rapport.html").render(ctx | {"request": request, "as_pdf": True})
    try:
        pdf = await run_in_threadpool(render_pdf, html, base_url(request) + "/")
    except PdfUnavailable as err:
        return html_error(request, 503, str(err), title="PDF niet beschikbaar")
    except PdfBusy as err:
        return html_error(request, 503, str(err), title="Even geduld")
    return Response(pdf, media_type="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{filename}.pdf"'})


@router.get("/regios/{region}/rapport", response_class=HTMLResponse, name="regio_rapport")
async def regio_rapport(request: Request, region: str, services: ServicesDep, conn: ConnDep, registry: RegistryDep,
                        formaat: Literal["pdf"] | None = None):
    try:
        rid = resolve_region(registry, region)
    except RegionError as err:
        return html_error(request, 404, str(err), title="Regio niet gevonden", links=[("/regios", "Alle regio's")])
    if rid != region:
        return RedirectResponse(f"/regios/{rid}/rapport" + (f"?{request.url.query}" if request.url.query else ""),
                                status_code=308)
    plan = await run_in_threadpool(region_plan, conn, rid)
    if plan is None:
        name = region_info(registry, rid)["name"]
        return html_error(request, 404, f"Voor {name} is nog geen plan bekend, dus er is geen rapport te maken.",
                          title="Geen plan", links=[(f"/plan-toetsen?regio={rid}", f"Toets de knelpunten van {name}")])

    def build():
        sim = similar(services, conn, rid)
        names = registry.labels("regio")
        return _context(request, services, conn, registry, plan, rid, similar_list=sim["similar"],
                        without_plan=[names.get(r, r) for r in sim["without_plan"]],
                        pdf_href=f"/regios/{rid}/rapport?formaat=pdf")
    ctx = await run_in_threadpool(build)
    return await _respond(request, ctx, formaat, f"praktijkwijzer-rapport-{rid}")


@router.get("/plan-toetsen/rapport", response_class=HTMLResponse, name="plan_rapport")
async def plan_rapport(request: Request, services: ServicesDep, conn: ConnDep, registry: RegistryDep,
                       knelpunt: list[str] = Query([]), knelpunten: str | None = None,
                       gewicht: list[str] = Query([]), regio: str | None = None,
                       formaat: Literal["pdf"] | None = None):
    texts = [t.strip() for t in knelpunt if t.strip()] + bottleneck_lines(knelpunten)
    try:
        region = resolve_region(registry, regio) if regio and regio.strip() else None
        check_bottlenecks(texts)
    except (RegionError, PlanInputError) as err:
        return html_error(request, 422, str(err), links=[("/plan-toetsen", "Naar Plan toetsen")])
    weights, error = parse_weights(gewicht, len(texts))
    if error:
        raise HTTPException(422, error)
    plan = await run_in_threadpool(typed_plan, texts, weights, region=region, registry=registry)
    params = {"knelpunt": texts, "gewicht": ["%g" % w for w in weights], "regio": region}

    def build():
        return _context(request, services, conn, registry, plan, region,
                        similar_list=similar_to_plan(services, conn, plan), without_plan=[],
                        pdf_href="/plan-toetsen/rapport?" + query_string(params, formaat="pdf"))
    ctx = await run_in_threadpool(build)
    ctx["back"] = "/plan-toetsen?" + query_string(params)
    return await _respond(request, ctx, formaat, "praktijkwijzer-rapport-plan")
