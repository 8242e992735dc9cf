"""The region pages.

    /regios            the 28 regions with employers' organisation, plan and main bottleneck themes
    /regios/{regio}    a region's bottlenecks, recommendations per bottleneck, advice, bouwstenen,
                       'Let op' lessons, similar regions; ?formaat=csv|json (&lijst=vergelijkbaar)

A region is named by id, number, name or alias (kb.regions); other spellings redirect to the
id. A name that covers several regions ("Limburg") lists them; nothing is guessed.
"""
from __future__ import annotations

from typing import Literal
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.exceptions import HTTPException

from kb.plans import region_plan
from kb.published import region_entries
from kb.region_rows import region_rows
from kb.regions import AmbiguousRegion, RegionError, employers_by_region, region_info, region_label, resolve_region
from web.deps import ConnDep, RegistryDep, ServicesDep
from web.errors import html_error
from web.lacunes import region_lacunes
from web.matching import group_by_bottleneck, match, similar
from web.present import gap_mailto
from web.serialize import MATCH_COLUMNS, SIMILAR_COLUMNS, match_response, match_rows, similar_dict, similar_rows
from web.views import base_url, download, render

router = APIRouter(include_in_schema=False)


@router.get("/regios", response_class=HTMLResponse, name="regios")
def regios(request: Request, conn: ConnDep, registry: RegistryDep):
    rows = region_rows(conn, registry)
    return render(request, "regios.html", {"active": "regios", "rows": rows,
                                           "with_plan": sum(1 for r in rows if r["plan"])})


def _region_error(request: Request, registry, region: str, err: RegionError):
    if isinstance(err, AmbiguousRegion):
        return html_error(request, 404, str(err), title="Kies één regio",
                          links=[(f"/regios/{quote(r)}", region_label(registry, r)) for r in err.candidates])
    return html_error(request, 404, f"Er is geen regio '{region}'. Kies een van de 28 regio's op de pagina "
                                    "Regio's.", title="Regio niet gevonden")


@router.get("/regios/{region}", response_class=HTMLResponse, name="regio")
def regio_page(request: Request, region: str, services: ServicesDep, conn: ConnDep, registry: RegistryDep,
               formaat: Literal["csv", "json"] | None = None,
               lijst: Literal["aanbevelingen", "vergelijkbaar"] = "aanbevelingen"):
    try:
        rid = resolve_region(registry, region)
    except RegionError as err:
        return _region_error(request, registry, region, err)
    if rid != region:
        target = f"/regios/{rid}" + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(target, status_code=308)
    info = region_info(registry, rid)
    plan = region_plan(conn, rid)
    employers = employers_by_region(registry).get(rid, [])
    if formaat:
        if plan is None:
            raise HTTPException(404, f"Voor {info['name']} is nog geen plan bekend; er is niets te downloaden.")
        if lijst == "vergelijkbaar":
            sim = similar(services, conn, rid)
            payload = {"region": rid, "has_plan": True, "total": len(sim["similar"]), "offset": 0,
                       "limit": len(sim["similar"]), "similar": [similar_dict(s) for s in sim["similar"]],
                       "without_plan": sim["without_plan"]}
            return download(similar_rows(payload["similar"], base_url(request)), SIMILAR_COLUMNS, payload, formaat,
                            f"praktijkwijzer-{rid}-vergelijkbare-regios")
        view = match_response(match(services, plan), region=rid, plan=plan)
        return download(match_rows(view, base_url(request)), MATCH_COLUMNS, view, formaat,
                        f"praktijkwijzer-{rid}-aanbevelingen")
    ctx = {"active": "regios", "region": info, "employers": employers, "plan": plan,
           "local": region_entries(conn, rid)}
    if plan is None:
        return render(request, "regio.html", ctx)
    view = match_response(match(services, plan), region=rid, plan=plan)
    sim = similar(services, conn, rid)
    names = registry.labels("regio")
    gaps = [b["text"] for b in view["bottlenecks"] if b["gap"]]
    ctx.update(match=view, groups=group_by_bottleneck(view, registry),
               similar=[similar_dict(s) for s in sim["similar"]],
               without_plan=[names.get(r, r) for r in sim["without_plan"]],
               mailto=gap_mailto(gaps) if gaps else None)
    ctx["lacunes"] = region_lacunes(services, conn, rid)
    return render(request, "regio.html", ctx)
