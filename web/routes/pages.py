"""The public pages (Dutch, server-rendered, no JavaScript needed).

    /                         Zoeken: one problem box, matches with their confidence, facets,
                              pagination; when nothing matches an empty state with the nearest
                              items ("Misschien verwant") and what to do next; policy context
                              in its own block; ?alles=true shows the nearest items anyway
    /items/{id}               a knowledge entry with its source and related entries
    /bronnen, /bronnen/{doc}  the source documents; a cited passage highlighted (#passage)
    /over                     about this service

Every result list can be downloaded with the same query string plus ?formaat=csv or json.
"""
from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from starlette.exceptions import HTTPException

from kb.published import entry_citations, organisation_names, public_document, public_documents, \
    published_counts, published_entry
from search.engine import MAX_QUERY_CHARS, QueryError
from search.filters import FilterError, validate_filters
from web.deps import ConnDep, RegistryDep, ServicesDep
from web.errors import html_error
from web.searching import PER_PAGE, all_results, related_for, search_page
from web.present import gap_mailto
from web.serialize import SEARCH_COLUMNS, citations_out, search_response, search_rows
from web.views import base_url, download, render

router = APIRouter(include_in_schema=False)

EXAMPLES = [
    "Te weinig stageplekken in de wijkverpleging",
    "Zij-instromers haken af tijdens de opleiding",
    "Hoge werkdruk en verzuim in de ggz",
    "Agressie tegen medewerkers in de jeugdzorg",
    "Zorgprofessionals zijn te veel tijd kwijt aan administratie",
    "Herintreders terughalen naar de zorg",
]


# ---------------------------------------------------------------- Zoeken

@router.get("/", response_class=HTMLResponse, name="zoeken")
def zoeken(request: Request, services: ServicesDep, registry: RegistryDep, q: str | None = None,
           type: str | None = None, label: str | None = None, actielijn: str | None = None,
           thema: str | None = None, branche: str | None = None, regio: str | None = None,
           erkenning: str | None = None,
           pagina: int = Query(1, ge=1, le=10_000), alles: bool = False,
           formaat: Literal["csv", "json"] | None = None):
    raw = {"q": q, "type": type, "label": label, "actielijn": actielijn, "thema": thema, "branche": branche,
           "regio": regio, "erkenning": erkenning}
    ctx = {"active": "zoeken", "q": q or "", "params": {k: v for k, v in raw.items() if v},
           "max_chars": MAX_QUERY_CHARS, "examples": EXAMPLES}
    try:
        fp = validate_filters(registry, type=type, label=label, actielijn=actielijn, thema=thema, branche=branche,
                              regio=regio, erkenning=erkenning)
    except FilterError as err:
        if formaat:
            raise HTTPException(422, str(err))
        return render(request, "zoeken.html", ctx | {"error": str(err), "error_field": err.field}, 422)
    ctx["filters"] = fp
    ctx["params"] = {k: v for k, v in ({"q": q} | fp.params() | {"alles": "true" if alles else None}).items() if v}
    if not (q or "").strip():
        if formaat:
            raise HTTPException(422, "Vul een zoekvraag in om resultaten te downloaden.")
        conn = services.open()        # only this branch reads the database: no connection per search
        try:
            ctx["counts"] = published_counts(conn)
        finally:
            conn.close()
        return render(request, "zoeken.html", ctx)
    try:
        if formaat:
            view = search_response(all_results(services, q, fp, alles=alles))
            return download(search_rows(view["results"], base_url(request)), SEARCH_COLUMNS, view, formaat,
                            "praktijkwijzer-zoekresultaten")
        outcome = search_page(services, q, fp, offset=(pagina - 1) * PER_PAGE, limit=PER_PAGE, alles=alles)
    except QueryError as err:
        if formaat:
            raise HTTPException(422, str(err))
        return render(request, "zoeken.html", ctx | {"error": str(err), "error_field": "q"}, 422)
    return render(request, "zoeken.html", ctx | {"outcome": outcome, "view": search_response(outcome),
                                                 "pagina": pagina, "mailto": gap_mailto(outcome.query, fp.params())})


# ---------------------------------------------------------------- entries and sources

@router.get("/items/{entry_id}", response_class=HTMLResponse, name="item")
def item(request: Request, entry_id: str, services: ServicesDep, conn: ConnDep):
    e = published_entry(conn, entry_id)
    if e is None:
        return html_error(request, 404, f"Er is geen gepubliceerd kennisitem met de id '{entry_id}'. "
                                        "Misschien is het verplaatst of gearchiveerd; zoek het opnieuw op.",
                          title="Kennisitem niet gevonden")
    return render(request, "item.html", {
        "active": "zoeken", "e": e, "sources": citations_out(entry_citations(conn, e), e.id),
        "organisations": organisation_names(conn, e.organisations), "related": related_for(services, e.id)})


@router.get("/bronnen", response_class=HTMLResponse, name="bronnen")
def bronnen(request: Request, conn: ConnDep):
    return render(request, "bronnen.html", {"active": "bronnen", "documents": public_documents(conn)})


@router.get("/bronnen/{document_id}", response_class=HTMLResponse, name="bron")
def bron(request: Request, document_id: str, conn: ConnDep, van: int | None = Query(None, ge=0),
         tot: int | None = Query(None, ge=0), item: str | None = None):
    public = public_document(conn, document_id)
    if public is None:
        return html_error(request, 404, f"Er is geen openbare bron met de id '{document_id}'.", title="Bron niet gevonden")
    entry = published_entry(conn, item) if item else None
    view = public.view(van, tot, entry)
    span = view.span
    parts = ({"before": view.text[:span[0]], "passage": view.text[span[0]:span[1]], "after": view.text[span[1]:]}
             if span else None)
    return render(request, "bron.html", {"active": "bronnen", "doc": view.document, "parts": parts, "text": view.text,
                                         "notice": view.notice, "entry": entry, "entries": public.entries,
                                         "heading": view.heading})


# ---------------------------------------------------------------- about

@router.get("/over", response_class=HTMLResponse, name="over")
def over(request: Request):
    return render(request, "over.html", {"active": "over"})
