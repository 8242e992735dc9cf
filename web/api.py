"""The JSON API (/api/...). Only published entries; errors are JSON with Dutch messages:
{"status": 404, "detail": "...", "errors": [{"loc": [...], "field": ..., "msg": ..., "type": ...}]}."""
from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException

from search.engine import QueryError
from web import regions as R
from web.pages import entry_sources, published_entry, related_for
from web.present import type_label
from web.schemas import (EntryOut, ErrorResponse, MatchRequest, MatchResponse, RegionsResponse, SearchResponse,
                         SimilarResponse)
from web.searching import FilterError, run_search, validate_filters
from web.serialize import entry_url, match_response, region_url, search_response, similar_dict

router = APIRouter(prefix="/api", tags=["API"])

ERRORS = {404: {"model": ErrorResponse, "description": "Niet gevonden"},
          422: {"model": ErrorResponse, "description": "Ongeldige invoer (Nederlandse melding)"},
          503: {"model": ErrorResponse, "description": "Zoekindex niet beschikbaar"}}


def _invalid(field: str, message: str, type_: str = "value_error") -> RequestValidationError:
    """A 422 in the same shape as FastAPI's own validation errors (translated by the handler)."""
    return RequestValidationError([{"loc": ("query", field), "msg": message, "type": "value_error",
                                    "ctx": {"error": message}}])


@router.get("/search", response_model=SearchResponse, responses=ERRORS, summary="Zoeken op een knelpunt of vraag")
def api_search(request: Request,
               q: str = Query(..., description="Het knelpunt of de vraag, bijvoorbeeld 'te weinig stageplekken'.",
                              max_length=10_000),
               type: str | None = Query(None, description="praktijk, advies, bouwsteen of beleid"),
               label: str | None = Query(None, description="Koploper, Falend Vooruit of voorbeeld (praktijken)"),
               actielijn: str | None = Query(None, description="meer-kiezen, beter-leren of anders-werken"),
               thema: str | None = Query(None, description="thema-id, bijvoorbeeld stages"),
               branche: str | None = Query(None, description="branche-id, bijvoorbeeld ggz"),
               regio: str | None = Query(None, description="regio: naam, nummer of id"),
               k: int | None = Query(None, ge=1, le=100, description="aantal resultaten (standaard 10)"),
               limit: int | None = Query(None, ge=1, le=100, description="zelfde als k"),
               offset: int | None = Query(None, ge=0, le=10_000, description="eerste resultaat (0 = het beste)"),
               page: int | None = Query(None, ge=1, le=10_000, description="pagina (alternatief voor offset)")):
    services = request.app.state.services
    try:
        fp = validate_filters(services.registry(), type=type, label=label, actielijn=actielijn, thema=thema,
                              branche=branche, regio=regio)
    except FilterError as err:
        raise _invalid(err.field, str(err))
    n = limit or k or 10
    start = offset if offset is not None else ((page - 1) * n if page else 0)
    try:
        outcome = run_search(services, q, fp, offset=start, limit=n)
    except QueryError as err:
        raise _invalid("q", str(err))
    return search_response(outcome)


@router.get("/entries/{entry_id}", response_model=EntryOut, responses=ERRORS, summary="Eén kennisitem met bron")
def api_entry(request: Request, entry_id: str):
    services = request.app.state.services
    conn = services.conn()
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
            "sources": entry_sources(conn, e), "related": related}


@router.get("/regions", response_model=RegionsResponse, summary="De 28 arbeidsmarktregio's zorg en welzijn")
def api_regions(request: Request, offset: int = Query(0, ge=0), limit: int = Query(100, ge=1, le=100)):
    services = request.app.state.services
    rows = R.region_rows(services.conn(), services.registry())
    page = [r | {"url": region_url(r["id"])} for r in rows[offset:offset + limit]]
    return {"total": len(rows), "offset": offset, "limit": limit, "regions": page}


def _region_or_404(services, region: str) -> str:
    rid = R.resolve_region(services.registry(), region)
    if rid is None:
        raise HTTPException(404, f"Er is geen regio '{region}'. Gebruik de naam, het nummer (1–28) of de id; "
                                 "zie /api/regions.")
    return rid


def _no_plan(services, rid: str) -> str:
    name = services.registry().labels("regio").get(rid, rid)
    return (f"Voor {name} is nog geen regionaal plan bekend. Praktijkwijzer doet geen aanbevelingen zonder "
            "knelpunten van de regio zelf.")


@router.get("/regions/{region}/recommendations", response_model=MatchResponse, responses=ERRORS,
            summary="Aanbevelingen voor de knelpunten in het plan van een regio")
def api_region_recommendations(request: Request, region: str):
    services = request.app.state.services
    rid = _region_or_404(services, region)
    plan = R.current_plan(services.conn(), rid)
    if plan is None:
        return match_response(None, region=rid, message=_no_plan(services, rid))
    return match_response(R.match(services, plan), region=rid, plan=plan)


@router.get("/regions/{region}/similar", response_model=SimilarResponse, responses=ERRORS,
            summary="Regio's met vergelijkbare knelpunten, en wat ze delen")
def api_region_similar(request: Request, region: str, k: int = Query(5, ge=1, le=27)):
    services = request.app.state.services
    rid = _region_or_404(services, region)
    sim = R.similar(services, rid, k=k)
    items = [similar_dict(s) for s in sim["similar"]]
    return {"region": rid, "has_plan": sim["has_plan"], "message": None if sim["has_plan"] else _no_plan(services, rid),
            "total": len(items), "offset": 0, "limit": k, "similar": items, "without_plan": sim["without_plan"]}


@router.post("/match", response_model=MatchResponse, responses=ERRORS,
             summary="Aanbevelingen voor een lijst knelpunten (zonder iets op te slaan)")
async def api_match(request: Request, body: MatchRequest):
    services = request.app.state.services
    registry = services.registry()
    region = None
    if body.region:
        region = R.resolve_region(registry, body.region)
        if region is None:
            raise RequestValidationError([{"loc": ("body", "region"), "type": "value_error",
                                           "msg": "", "ctx": {"error": f"Onbekende regio '{body.region}'."}}])
    texts = [b if isinstance(b, str) else b.text for b in body.bottlenecks]
    weights = [1.0 if isinstance(b, str) else b.weight for b in body.bottlenecks]
    if body.weights is not None:
        if len(body.weights) != len(texts):
            raise RequestValidationError([{"loc": ("body", "weights"), "type": "value_error", "msg": "",
                                           "ctx": {"error": f"Geef evenveel gewichten ({len(body.weights)}) als "
                                                            f"knelpunten ({len(texts)})."}}])
        weights = list(body.weights)
    def compute():          # in a worker thread: classifying and matching take a while
        plan = R.transient_plan(registry, texts, weights, region)
        return match_response(R.match(services, plan, k=body.k), region=region, stored=False)
    return await run_in_threadpool(compute)


