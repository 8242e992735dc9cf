"""The one place where the web asks search for results: `search_page` returns what a search
shows for (query, filters, offset, limit, alles): a page of matches, their total, the facet
counts over the matches, the nearest items when nothing matches ("Misschien verwant"), policy
context in its own block, and the notices (corrections, begrippenlijst). Pages, the JSON API
and downloads all call it. (`related_for`: an entry's related entries.)

Everything comes from one `Searcher.find` (search/engine.py): one ranking per (query, filters)
that total, facets and paging read; only the shown page is explained. The outcome is cached
per live Searcher generation (Services.cached). The Searcher is thread-safe: no lock here.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from search.engine import Result, check_query
from search.facets import Facet, facets
from search.filters import FilterParams
from search.related import Related, related_entries
from web.serialize import percent_text
from web.services import ServiceUnavailable

PER_PAGE = 10               # results per page of the search page
MAX_DOWNLOAD = 500          # results in a CSV/JSON download of a search


@dataclass
class SearchOutcome:
    query: str
    filters: FilterParams
    results: list[Result]
    total: int                   # matches (with `alles`: every candidate)
    offset: int
    limit: int
    facets: list[Facet] = field(default_factory=list)
    nearest: list[Result] = field(default_factory=list)     # "Misschien verwant": no match, nearest
    context: list[Result] = field(default_factory=list)     # "Achtergrond uit het beleid"
    decided: bool = True         # False: no fitted match decision for the loaded language model
    alles: bool = False
    about_policy: bool = False
    corrections: dict = field(default_factory=dict)         # typed word -> word of the index searched
    also_searched: list[str] = field(default_factory=list)  # terms added from the begrippenlijst
    decision: dict | None = None  # the fitted thresholds, for the legend: {sterk, mogelijk, questions}

    @property
    def page(self) -> int:
        return self.offset // self.limit + 1 if self.limit else 1

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.limit)) if self.limit else 1


def _decision(searcher) -> dict | None:
    model = searcher.match_model
    if model is None:
        return None
    return {"sterk": model.sterk, "mogelijk": model.mogelijk, "questions": model.info.get("questions"),
            "sterk_text": percent_text(model.sterk), "mogelijk_text": percent_text(model.mogelijk)}


def find_outcome(searcher, query: str, fp: FilterParams, *, filters=None, offset: int = 0, limit: int = PER_PAGE,
                 alles: bool = False, registry=None, diversity: float = 0.0) -> SearchOutcome:
    """`Searcher.find` as a SearchOutcome (facets only when a registry is given). `filters`
    (search.engine.Filters) defaults to fp's filters on published entries; the CLI passes its own
    status. Raises search.engine.QueryError."""
    page = searcher.find(query, filters=filters or fp.filters(), offset=offset, k=limit, alles=alles,
                         diversity=diversity)
    fc = facets([searcher.entries[i] for i in page.ids if i in searcher.entries], registry, fp) \
        if registry is not None else []
    pq = page.query
    decided = page.decided
    return SearchOutcome(
        query=pq.text, filters=fp, results=page.results, total=page.total, offset=offset, limit=limit, facets=fc,
        nearest=page.nearest, context=page.context, decided=decided, alles=alles,
        about_policy=pq.about_policy, corrections=dict(pq.corrected),
        also_searched=list(dict.fromkeys(t for x in pq.expansions for t in x.added)),
        decision=_decision(searcher) if decided else None)


def search_page(services, query: str, fp: FilterParams, *, offset: int = 0, limit: int = PER_PAGE,
                alles: bool = False, with_facets: bool = True) -> SearchOutcome:
    """One page of a search as a user sees it (cached per live Searcher). Raises
    search.engine.QueryError (Dutch) for an unusable query and web.services.ServiceUnavailable
    without a usable index."""
    q = check_query(query)
    searcher = services.searcher()

    def compute():
        with services.locked(searcher):
            services.encode_together(searcher, q)       # batched with concurrent searches
            return find_outcome(searcher, q, fp, offset=offset, limit=limit, alles=alles,
                                registry=services.registry() if with_facets else None)
    return services.cached(("find", q, fp.key(), offset, limit, alles, with_facets), compute, owner=searcher)


def all_results(services, query: str, fp: FilterParams, *, alles: bool = False) -> SearchOutcome:
    """Every result of a search, best first, up to MAX_DOWNLOAD (downloads)."""
    return search_page(services, query, fp, limit=MAX_DOWNLOAD, alles=alles, with_facets=False)


def related_for(services, entry_id: str, k: int = 5) -> list[Related]:
    """The entries nearest to an entry (search.related); [] while the index is unavailable,
    so an entry page still works."""
    try:
        return related_entries(services.searcher(), entry_id, k=k)
    except ServiceUnavailable:
        return []
