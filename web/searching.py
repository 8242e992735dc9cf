"""One search as the web shows it: a page of explained results, the total, and facet counts.

The Searcher returns the requested page (with explanations). The total and the facet counts
come from the candidate set the Searcher fuses (dense top-N and lexical top-N entries that
pass the filters), computed without explaining every candidate, so a page stays fast.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from search.engine import Filters, Result, check_query
from web.present import KINDS, kind_of

MAX_DOWNLOAD = 500          # results in a CSV/JSON download of a search
FACET_FIELDS = ("soort", "actielijn", "thema", "branche", "regio")
FACET_TITLES = {"soort": "Soort", "actielijn": "Actielijn", "thema": "Thema", "branche": "Branche", "regio": "Regio"}
FACET_PLURALS = {"soort": "soorten", "actielijn": "actielijnen", "thema": "thema's", "branche": "branches",
                 "regio": "regio's"}


class FilterError(ValueError):
    """An unknown filter value; `field` names the parameter, the message is Dutch."""

    def __init__(self, field_name: str, message: str):
        super().__init__(message)
        self.field = field_name


@dataclass
class FilterParams:
    """The filters a user can set (validated against the registry)."""
    type: str | None = None
    label: str | None = None
    actielijn: str | None = None
    thema: str | None = None
    branche: str | None = None
    regio: str | None = None

    def filters(self) -> Filters:
        # Public pages and the API only ever show published entries.
        return Filters(type=self.type, label=self.label, actielijn=self.actielijn, thema=self.thema,
                       branche=self.branche, regio=self.regio, status="gepubliceerd")

    def params(self) -> dict:
        return {k: v for k, v in vars(self).items() if v}

    def key(self) -> tuple:
        return tuple(vars(self).values())

    @property
    def active(self) -> bool:
        return any(vars(self).values())


def _empty(v):
    v = (v or "").strip() if isinstance(v, str) or v is None else v
    return v or None


def validate_filters(registry, *, type=None, label=None, actielijn=None, thema=None, branche=None,
                     regio=None) -> FilterParams:
    """Check filter values; raise FilterError with a Dutch message for an unknown one."""
    type, label, actielijn, thema, branche, regio = map(_empty, (type, label, actielijn, thema, branche, regio))
    if type and type not in ("praktijk", "advies", "bouwsteen", "beleid"):
        raise FilterError("type", f"Onbekende soort '{type}'. Kies uit: praktijk, advies, bouwsteen of beleid.")
    if label:
        canon = {"koploper": "Koploper", "falend vooruit": "Falend Vooruit", "falend-vooruit": "Falend Vooruit",
                 "voorbeeld": "voorbeeld"}.get(label.lower())
        if not canon:
            raise FilterError("label", f"Onbekend label '{label}'. Kies uit: Koploper, Falend Vooruit of voorbeeld.")
        label = canon
        if type and type != "praktijk":
            raise FilterError("label", "Een label (Koploper, Falend Vooruit, voorbeeld) hoort alleen bij praktijken.")
        type = "praktijk"
    for name, value, kind in (("actielijn", actielijn, "actielijn"), ("thema", thema, "thema"),
                              ("branche", branche, "branche")):
        if value and value not in registry.labels(kind):
            options = ", ".join(sorted(registry.labels(kind)))
            raise FilterError(name, f"Onbekende {name} '{value}'. Kies uit: {options}.")
    if regio:
        ids = [r for r in registry.resolve_region(regio)]
        if len(ids) != 1:
            raise FilterError("regio", f"Onbekende regio '{regio}'. Gebruik de naam, het nummer (1–28) of "
                                       "de id van een van de 28 regio's.")
        regio = ids[0]
    return FilterParams(type=type, label=label, actielijn=actielijn, thema=thema, branche=branche, regio=regio)


@dataclass
class FacetValue:
    value: str
    label: str
    count: int
    params: dict          # the filter parameters that select this value
    active: bool = False


@dataclass
class Facet:
    name: str
    title: str
    values: list[FacetValue]
    active: FacetValue | None = None
    clear: tuple = ()     # parameter names that remove this facet's filter

    @property
    def plural(self) -> str:
        return FACET_PLURALS.get(self.name, self.title.lower())


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


def candidate_ids(searcher, query: str, filters: Filters) -> list[str]:
    """The entries a search fuses for this query and filters (what `total` counts)."""
    return searcher.candidates(check_query(query), filters=filters)


def facets(searcher, registry, ids: list[str], fp: FilterParams) -> list[Facet]:
    entries = [searcher.entries[i] for i in ids if i in searcher.entries]
    region_names = registry.labels("regio") | {"landelijk": "Landelijk"}
    out: list[Facet] = []

    def build(name: str, counts: dict[str, int], labels: dict[str, str], params_of, order=None, active_value=None,
              clear=()):
        values = []
        keys = order or sorted(counts, key=lambda k: (-counts[k], labels.get(k, k).lower()))
        for key in keys:
            if counts.get(key):
                values.append(FacetValue(key, labels.get(key, key), counts[key], params_of(key),
                                         active=(key == active_value)))
        active = next((v for v in values if v.active), None)
        if active_value and active is None:
            active = FacetValue(active_value, labels.get(active_value, active_value), 0, params_of(active_value), True)
        out.append(Facet(name, FACET_TITLES[name], values, active, clear))

    kinds: dict[str, int] = {}
    for e in entries:
        k = kind_of(e.type, e.label)
        kinds[k] = kinds.get(k, 0) + 1
    kind_params = {k: p for k, _, p in KINDS}
    active_kind = None
    if fp.type:
        active_kind = kind_of(fp.type, fp.label) if (fp.type != "praktijk" or fp.label) else None
    if fp.type == "praktijk" and not fp.label:      # all practices: sum of the three labels
        kinds = {"praktijk": sum(v for k, v in kinds.items() if k in ("koploper", "falend-vooruit", "voorbeeld"))}
        build("soort", kinds, {"praktijk": "Praktijk (alle)"}, lambda k: {"type": "praktijk"},
              active_value="praktijk", clear=("type", "label"))
    else:
        build("soort", kinds, {k: lab for k, lab, _ in KINDS}, lambda k: kind_params.get(k, {"type": k}),
              order=[k for k, _, _ in KINDS], active_value=active_kind, clear=("type", "label"))

    for name, attr, kind in (("actielijn", "actielijnen", "actielijn"), ("thema", "themes", "thema"),
                             ("branche", "branches", "branche")):
        counts: dict[str, int] = {}
        for e in entries:
            for v in getattr(e, attr):
                counts[v] = counts.get(v, 0) + 1
        order = list(registry.labels(kind)) if kind == "actielijn" else None
        build(name, counts, registry.labels(kind), lambda v, n=name: {n: v}, order=order,
              active_value=getattr(fp, name), clear=(name,))
    counts = {}
    for e in entries:
        for v in e.regions:
            counts[v] = counts.get(v, 0) + 1
    build("regio", counts, region_names, lambda v: {"regio": v}, active_value=fp.regio, clear=("regio",))
    return out


def run_search(services, query: str, fp: FilterParams, *, offset: int = 0, limit: int = 10,
               with_facets: bool = True) -> SearchOutcome:
    """Search for one page. Raises search.engine.QueryError (Dutch) for an unusable query."""
    q = check_query(query)
    filters = fp.filters()
    with services.locked() as searcher:
        ids = services.cached(("cands", q, fp.key()), lambda: candidate_ids(searcher, q, filters), owner=searcher)
        results = services.cached(("page", q, fp.key(), offset, limit),
                                  lambda: searcher.search(q, k=limit, offset=offset, filters=filters),
                                  owner=searcher)
        fc = facets(searcher, services.registry(), ids, fp) if with_facets else []
    total = len(ids)
    if len(results) < limit and (results or offset == 0):   # the engine decides where the list ends
        total = offset + len(results)
    return SearchOutcome(query=q, filters=fp, results=results, total=total, offset=offset, limit=limit, facets=fc)


def all_results(services, query: str, fp: FilterParams, *, limit: int = MAX_DOWNLOAD) -> list[Result]:
    """Every result of a search (for downloads), best first."""
    q = check_query(query)
    with services.locked() as searcher:
        return searcher.search(q, k=limit, filters=fp.filters())
