"""Facet counts of a result list: how many of the matching entries have each kind
(Koploper, Falend Vooruit, ...), actielijn, theme, branch, region and (practices) recognition
level, with the filter
parameters that select each value. Counted over every entry of the result list (not only
the shown page), so choosing a value yields exactly that many results.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable

from kb.models import ERKENNING_LEVELS, KIND_FILTERS, KIND_LABELS, KINDS, Entry, kind_of
from kb.registry import NATIONAL, Registry
from search.filters import FilterParams

FACET_FIELDS = ("soort", "actielijn", "thema", "branche", "regio", "erkenning")
FACET_TITLES = {"soort": "Soort", "actielijn": "Actielijn", "thema": "Thema", "branche": "Branche", "regio": "Regio",
                "erkenning": "Erkenning (praktijken)"}
FACET_PLURALS = {"soort": "soorten", "actielijn": "actielijnen", "thema": "thema's", "branche": "branches",
                 "regio": "regio's", "erkenning": "erkenningen"}
PRACTICE_KINDS = ("koploper", "falend-vooruit", "voorbeeld")


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


def _facet(name: str, counts: dict[str, int], labels: dict[str, str], params_of: Callable[[str], dict],
           order: list[str] | None = None, active_value: str | None = None, clear: tuple = ()) -> Facet:
    values = []
    keys = order or sorted(counts, key=lambda k: (-counts[k], labels.get(k, k).lower()))
    for key in keys:
        if counts.get(key):
            values.append(FacetValue(key, labels.get(key, key), counts[key], params_of(key),
                                     active=(key == active_value)))
    active = next((v for v in values if v.active), None)
    if active_value and active is None:           # a chosen value with no results stays visible
        active = FacetValue(active_value, labels.get(active_value, active_value), 0, params_of(active_value), True)
    return Facet(name, FACET_TITLES[name], values, active, clear)


def _count(values: Iterable[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for v in values:
        counts[v] = counts.get(v, 0) + 1
    return counts


def facets(entries: list[Entry], registry: Registry, fp: FilterParams) -> list[Facet]:
    """The six facets (soort, actielijn, thema, branche, regio, erkenning) over `entries`, the
    matching entries of a search with filters `fp`."""
    out: list[Facet] = []
    kinds = _count(kind_of(e.type, e.label) for e in entries)
    if fp.type == "praktijk" and not fp.label:      # all practices: one value, the sum of the three labels
        total = {"praktijk": sum(n for k, n in kinds.items() if k in PRACTICE_KINDS)}
        out.append(_facet("soort", total, {"praktijk": "Praktijk (alle)"}, lambda k: {"type": "praktijk"},
                          active_value="praktijk", clear=("type", "label")))
    else:
        active_kind = kind_of(fp.type, fp.label) if fp.type else None
        out.append(_facet("soort", kinds, KIND_LABELS, lambda k: dict(KIND_FILTERS.get(k, {"type": k})),
                          order=list(KINDS), active_value=active_kind, clear=("type", "label")))
    for name, attr in (("actielijn", "actielijnen"), ("thema", "themes"), ("branche", "branches")):
        counts = _count(v for e in entries for v in getattr(e, attr))
        order = list(registry.labels(name)) if name == "actielijn" else None
        out.append(_facet(name, counts, registry.labels(name), lambda v, n=name: {n: v}, order=order,
                          active_value=getattr(fp, name), clear=(name,)))
    region_names = registry.labels("regio") | {NATIONAL: registry.national["name"]}
    counts = _count(v for e in entries for v in e.regions)
    out.append(_facet("regio", counts, region_names, lambda v: {"regio": v}, active_value=fp.regio,
                      clear=("regio",)))
    counts = _count(e.erkenning for e in entries if e.type == "praktijk")
    out.append(_facet("erkenning", counts, ERKENNING_LEVELS, lambda v: {"erkenning": v}, order=list(ERKENNING_LEVELS),
                      active_value=fp.erkenning, clear=("erkenning",)))
    return out
