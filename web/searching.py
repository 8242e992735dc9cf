"""The one place where the web asks search for results: `search_page` returns a page of
explained results, the total and the facet counts for (query, filters, offset, limit).
Pages, the JSON API and downloads all call it. (`related_for`: an entry's related entries.)

Today the total and the facets come from the candidate set the Searcher fuses
(`Searcher.candidates`) and the page from `Searcher.search`; both are cached per live
Searcher generation (Services.cached).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from search.engine import Result, check_query
from search.facets import Facet, facets
from search.filters import FilterParams
from search.related import Related, related_entries
from web.services import ServiceUnavailable

PER_PAGE = 10               # results per page of the search page
MAX_DOWNLOAD = 500          # results in a CSV/JSON download of a search


@dataclass
class SearchOutcome:
    query: str
    filters: FilterParams
    results: list[Result]
    total: int
    offset: int
    limit: int
    facets: list[Facet] = field(default_factory=list)

    @property
    def page(self) -> int:
        return self.offset // self.limit + 1 if self.limit else 1

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.limit)) if self.limit else 1


def search_page(services, query: str, fp: FilterParams, *, offset: int = 0, limit: int = 10,
                with_facets: bool = True) -> SearchOutcome:
    """One page of results with total and facets. Raises search.engine.QueryError (Dutch) for
    an unusable query and web.services.ServiceUnavailable without a usable index."""
    q = check_query(query)
    filters = fp.filters()
    with services.locked() as searcher:
        services.encode_together(searcher, q)       # batched with concurrent searches
        ids = services.cached(("cands", q, fp.key()), lambda: searcher.candidates(q, filters=filters),
                              owner=searcher)
        results = services.cached(("page", q, fp.key(), offset, limit),
                                  lambda: searcher.search(q, k=limit, offset=offset, filters=filters),
                                  owner=searcher)
        fc = facets([searcher.entries[i] for i in ids if i in searcher.entries], services.registry(), fp) \
            if with_facets else []
        for r in results:                   # result cards show a practice's recognition level (kb.assessments)
            r.__dict__.setdefault("erkenning", getattr(searcher.entries.get(r.id), "erkenning", None))
    total = len(ids)
    if len(results) < limit and (results or offset == 0):   # the engine decides where the list ends
        total = offset + len(results)
    return SearchOutcome(query=q, filters=fp, results=results, total=total, offset=offset, limit=limit, facets=fc)


def all_results(services, query: str, fp: FilterParams) -> SearchOutcome:
    """Every result of a search, best first, up to MAX_DOWNLOAD (downloads)."""
    return search_page(services, query, fp, limit=MAX_DOWNLOAD, with_facets=False)


def related_for(services, entry_id: str, k: int = 5) -> list[Related]:
    """The entries nearest to an entry (search.related); [] while the index is unavailable,
    so an entry page still works."""
    try:
        with services.locked() as searcher:
            return related_entries(searcher, entry_id, k=k)
    except ServiceUnavailable:
        return []
