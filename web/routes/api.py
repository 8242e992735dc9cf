"""The JSON API (/api/...). Only published entries; errors are JSON with Dutch messages:
{"status": 404, "detail": "...", "errors": [{"loc": [...], "field": ..., "msg": ..., "type": ...}]}."""
from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException

from kb.plan_input import PlanInputError, typed_plan
from kb.plans import region_plan
from kb.published import entry_citations, published_entry
from kb.region_rows import region_rows
from kb.regions import AmbiguousRegion, RegionError, resolve_region
from search.engine import QueryError
from search.filters import FilterError, validate_filters
from web.budget import match_cost, retry_message
from web.forwarded import client_address
from web.deps import ConnDep, RegistryDep, ServicesDep
from web.jsonbody import StrictJSONRoute
from web.matching import match, similar
from web.messages import invalid
from web.params import K, OFFSET, PAGE, SIMILAR_K
from web.present import type_label
from web.schemas import (EntryOut, ErrorResponse, MatchRequest, MatchResponse, RegionsResponse, SearchResponse,
                         SimilarResponse)
from web.searching import related_for, search_page
from web.serialize import citations_out, entry_url, match_response, region_url, search_response, similar_dict

router = APIRouter(prefix="/api", tags=["API"], route_class=StrictJSONRoute)

ERRORS = {404: {"model": ErrorResponse, "description": "Niet gevonden"},
          422: {"model": ErrorResponse, "description": "Ongeldige invoer (Nederlandse melding)"},
          503: {"model": ErrorResponse, "description": "Zoekindex niet beschikbaar, of het is te druk (Retry-After)"}}
MATCH_ERRORS = ERRORS | {
    413: {"model": ErrorResponse, "description": "De JSON-inhoud is te groot"},
    429: {"model": ErrorResponse, "description": "Het budget van dit adres is op; opnieuw na Retry-After seconden"}}


def _invalid(field: str, message: str, where: str = "query") -> RequestValidationError:
    """A 422 in the same shape as FastAPI's own validation errors (translated by the handler)."""
    return RequestValidationError([invalid(field, message, where)])


@router.get("/search", response_model=SearchResponse, responses=ERRORS, summary="Zoeken op een knelpunt of vraag")
def api_search(services: ServicesDep, registry: RegistryDep,
               q: str = Query(..., description="Het knelpunt of de vraag, bijvoorbeeld 'te weinig stageplekken'.",
                              max_length=10_000),
               type: str | None = Query(None, description="praktijk, advies, bouwsteen of beleid"),
               label: str | None = Query(None, description="Koploper, Falend Vooruit of voorbeeld (praktijken)"),
               actielijn: str | None = Query(None, description="meer-kiezen, beter-leren of anders-werken"),
               thema: str | None = Query(None, description="thema-id, bijvoorbeeld stages"),
               branche: str | None = Query(None, description="branche-id, bijvoorbeeld ggz"),
               regio: str | None = Query(None, description="regio: naam, nummer of id (één regio)"),
               erkenning: str | None = Query(None, description="erkenning van praktijken: niet beoordeeld, goed "
                                                               "beschreven, goed onderbouwd of effectief"),
               k: int | None = Query(None, **K, description="aantal resultaten (standaard 10)"),
               limit: int | None = Query(None, **K, description="zelfde als k"),
               offset: int | None = Query(None, **OFFSET, description="eerste resultaat (0 = het beste)"),
               page: int | None = Query(None, **PAGE, description="pagina (alternatief voor offset)"),
               alles: bool = Query(False, description="true: toon ook de items die niet passen (gemarkeerd met "
                                                      "fits=false), het dichtstbij eerst")):
    try:
        fp = validate_filters(registry, type=type, label=label, actielijn=actielijn, thema=thema, branche=branche,
                              regio=regio, erkenning=erkenning)
    except FilterError as err:
        raise _invalid(err.field, str(err))
    n = limit or k or 10
    start = offset if offset is not None else ((page - 1) * n if page else 0)
    try:
        outcome = search_page(services, q, fp, offset=start, limit=n, alles=alles)
    except QueryError as err:
        raise _invalid("q", str(err))
    return search_response(outcome)


@router.get("/entries/{entry_id}", response_model=EntryOut, responses=ERRORS, summary="Eén kennisitem met bron")
def api_entry(entry_id: str, services: ServicesDep, conn: ConnDep):
    e = published_entry(conn, entry_id)
    if e is None:
        raise HTTPException(404, f"Er is geen gepubliceerd kennisitem met de id '{entry_id}'.")
    related = [r.to_dict() | {"type_label": type_label(r.type, r.label), "url": entry_url(r.id)}
               for r in related_for(services, e.id)]
    return {"id": e.id, "type": e.type, "label": e.label, "type_label": type_label(e.type, e.label, e.number),
            "title": e.title, "summary": e.summary, "body": e.body, "results": e.results,
            "actielijnen": e.actielijnen, "themes": e.themes, "branches": e.branches, "regions": e.regions,
            "organisations": e.organisations, "audience": e.audience, "number": e.number, "status": e.status,
            "version": e.version, "updated_at": e.updated_at, "url": entry_url(e.id),
            "sources": citations_out(entry_citations(conn, e), e.id), "related": related}


@router.get("/regions", response_model=RegionsResponse, summary="De 28 arbeidsmarktregio's zorg en welzijn")
def api_regions(conn: ConnDep, registry: RegistryDep, offset: int = Query(0, ge=0), limit: int = Query(100, ge=1, le=100)):
    rows = region_rows(conn, registry)
    page = [r | {"url": region_url(r["id"])} for r in rows[offset:offset + limit]]
    return {"total": len(rows), "offset": offset, "limit": limit, "regions": page}


def _region_or_404(registry, region: str) -> str:
    try:
        return resolve_region(registry, region)
    except AmbiguousRegion as err:
        raise HTTPException(404, f"{err} Zie /api/regions.")
    except RegionError:
        raise HTTPException(404, f"Er is geen regio '{region}'. Gebruik de naam, het nummer (1–28) of de id; "
                                 "zie /api/regions.")


def _no_plan(registry, rid: str) -> str:
    name = registry.labels("regio").get(rid, rid)
    return (f"Voor {name} is nog geen regionaal plan bekend. Praktijkwijzer doet geen aanbevelingen zonder "
            "knelpunten van de regio zelf.")


@router.get("/regions/{region}/recommendations", response_model=MatchResponse, responses=ERRORS,
            summary="Aanbevelingen voor de knelpunten in het plan van een regio")
def api_region_recommendations(region: str, services: ServicesDep, conn: ConnDep, registry: RegistryDep):
    rid = _region_or_404(registry, region)
    plan = region_plan(conn, rid)
    if plan is None:
        return match_response(None, region=rid, message=_no_plan(registry, rid))
    return match_response(match(services, plan), region=rid, plan=plan)


@router.get("/regions/{region}/similar", response_model=SimilarResponse, responses=ERRORS,
            summary="Regio's met vergelijkbare knelpunten, en wat ze delen")
def api_region_similar(region: str, services: ServicesDep, conn: ConnDep, registry: RegistryDep,
                       k: int = Query(5, **SIMILAR_K)):
    rid = _region_or_404(registry, region)
    sim = similar(services, conn, rid, k=k)
    items = [similar_dict(s) for s in sim["similar"]]
    return {"region": rid, "has_plan": sim["has_plan"], "message": None if sim["has_plan"] else _no_plan(registry, rid),
            "total": len(items), "offset": 0, "limit": k, "similar": items, "without_plan": sim["without_plan"]}


@router.post("/match", response_model=MatchResponse, responses=MATCH_ERRORS,
             summary="Aanbevelingen voor een lijst knelpunten (zonder iets op te slaan)",
             description="Elk adres heeft een budget: een aanvraag kost per knelpunt het aantal tekens plus 200. "
                         "Is het budget op, dan volgt 429 met Retry-After (seconden). Gewichten zijn eindige getallen "
                         "groter dan 0 en hoogstens 100.")
async def api_match(body: MatchRequest, request: Request, services: ServicesDep, registry: RegistryDep):
    region = None
    if body.region:
        try:
            region = resolve_region(registry, body.region)
        except RegionError as err:
            raise _invalid("region", str(err), "body")
    texts = [b if isinstance(b, str) else b.text for b in body.bottlenecks]
    weights = [1.0 if isinstance(b, str) else b.weight for b in body.bottlenecks]
    if body.weights is not None:
        if len(body.weights) != len(texts):
            raise _invalid("weights", f"Geef evenveel gewichten ({len(body.weights)}) als knelpunten ({len(texts)}).",
                           "body")
        weights = list(body.weights)

    # checked before any expensive step; off the event loop: a grant may wait for the write lock
    wait = await run_in_threadpool(request.app.state.match_budget.take, client_address(request), match_cost(texts))
    if wait > 0:
        raise HTTPException(429, retry_message(wait), headers={"Retry-After": str(max(1, -int(-wait // 1)))})

    def compute():          # in a worker thread: classifying and matching take a while
        plan = typed_plan(texts, weights, region=region, registry=registry)
        return match_response(match(services, plan, k=body.k), region=region, stored=False)
    try:
        return await run_in_threadpool(compute)
    except PlanInputError as err:
        raise _invalid("bottlenecks", str(err), "body")
