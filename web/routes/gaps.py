"""The knowledge-gap map (issue 14).

    /kennislacunes          the gaps ordered by weight, a regions x themes table, filters by
                            theme, branche and region; ?formaat=csv|json to download
    /api/lacunes            the same as JSON: {"gaps": [{id, label, bottlenecks: [{region,
                            text, ...}], regions, themes, weight, nearest: [...]}], ...}

What a gap is, how gaps are grouped and weighed: search.gaps (and the README).
"""
from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel

from web.auth import current_user
from web.deps import ConnDep, RegistryDep, ServicesDep
from web.errors import json_error
from web.lacunes import GAP_COLUMNS, concept_prefill, contact, gap_map, gap_rows, gaps_payload, heaviest_gaps
from web.present import query_string
from web.templating import env
from web.views import base_url, download, render

router = APIRouter()
FILTERS = ("thema", "branche", "regio")
env.globals["heaviest_gaps"] = heaviest_gaps      # beheer/_lacunes.html (the dashboard's include) calls it


class LacuneKnelpunt(BaseModel):
    region: str
    region_name: str
    plan: str
    index: int
    text: str
    weight: float
    themes: list[str]
    branches: list[str]


class Dichtstbij(BaseModel):
    id: str
    title: str
    type: str
    label: str | None = None
    type_label: str
    url: str
    fits: bool


class Lacune(BaseModel):
    id: str
    label: str
    url: str
    bottlenecks: list[LacuneKnelpunt]
    regions: list[str]
    region_names: list[str]
    themes: list[str]
    theme_labels: list[str]
    branches: list[str]
    weight: float
    nearest: list[Dichtstbij]


class Cel(BaseModel):
    region: str
    theme: str
    bottlenecks: int
    gaps: int


class LacunesResponse(BaseModel):
    gaps: list[Lacune]
    total: int
    decided: bool
    regions: list[str]
    without_plan: list[str]
    bottlenecks: int
    gap_bottlenecks: int
    overview: list[Cel]
    threshold: float | None
    linkage: str | None
    generation: str
    published: int
    filters: dict[str, str]


def _labels(registry) -> dict[str, dict[str, str]]:
    return {"thema": registry.labels("thema"), "branche": registry.labels("branche"),
            "regio": registry.labels("regio")}


def _valid(value: str | None, allowed: dict) -> str | None:
    """A filter value the registry knows, or None (an unknown value filters nothing and is said)."""
    value = (value or "").strip()
    return value if value in allowed else None


def _filtered(services, conn, registry, thema, branche, regio):
    labels = _labels(registry)
    wanted = {"thema": thema, "branche": branche, "regio": regio}
    chosen = {k: _valid(v, labels[k]) for k, v in wanted.items()}
    unknown = [f"{k} ‘{(v or '').strip()}’" for k, v in wanted.items() if (v or "").strip() and not chosen[k]]
    gm = gap_map(services, conn)
    return gm, gm.filtered(**chosen), chosen, unknown, labels


@router.get("/kennislacunes", response_class=HTMLResponse, name="kennislacunes", include_in_schema=False)
def kennislacunes(request: Request, services: ServicesDep, conn: ConnDep, registry: RegistryDep,
                  thema: str | None = Query(None, max_length=100), branche: str | None = Query(None, max_length=100),
                  regio: str | None = Query(None, max_length=100), formaat: Literal["csv", "json"] | None = None):
    full, gm, chosen, unknown, labels = _filtered(services, conn, registry, thema, branche, regio)
    if formaat:
        return download(gap_rows(gm, labels, base_url(request)), GAP_COLUMNS, gaps_payload(gm, labels), formaat,
                        "praktijkwijzer-kennislacunes")
    curator = current_user(request) is not None
    prefill = {g.id: "/beheer/items/nieuw?" + query_string(concept_prefill(g)) for g in gm.gaps} if curator else {}
    params = {k: v for k, v in chosen.items() if v}
    return render(request, "kennislacunes.html", {
        "active": "lacunes", "map": gm, "full": full, "chosen": chosen, "params": params, "unknown": unknown,
        "labels": labels, "contact": contact(), "prefill": prefill,
        "theme_options": [(t, labels["thema"].get(t, t)) for t in full.themes if t],
        "branche_options": [(b, labels["branche"][b]) for b in labels["branche"]
                            if any(b in g.branches for g in full.gaps)],
        "region_options": [(r, labels["regio"].get(r, r)) for r in full.regions],
        "dl_base": "/kennislacunes" + (("?" + query_string(params)) if params else "")})


@router.get("/api/lacunes", tags=["API"], response_model=LacunesResponse, summary="De kaart van kennislacunes",
            description="Knelpunten uit de regionale plannen waarvoor de gepubliceerde kennisbank geen passende "
                        "praktijk, advies of bouwsteen heeft, gegroepeerd op betekenis over de regio's heen. "
                        "Zwaarste lacune eerst. Filters: thema, branche, regio (ids uit de taxonomie).")
def api_lacunes(services: ServicesDep, conn: ConnDep, registry: RegistryDep,
                thema: str | None = Query(None, max_length=100), branche: str | None = Query(None, max_length=100),
                regio: str | None = Query(None, max_length=100)):
    _, gm, _, unknown, labels = _filtered(services, conn, registry, thema, branche, regio)
    if unknown:
        return json_error(422, "Onbekende filterwaarde: " + ", ".join(unknown) + ".")
    return gaps_payload(gm, labels)
