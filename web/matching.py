"""Where the web asks search for plan matches and similar regions (with caching), and how a
match view (web.serialize.match_response) is grouped per bottleneck for the pages.

Plan matching and region comparison encode every bottleneck, so their results are kept per
live Searcher (Services.cached) and keyed by the plan's content: a saved or edited plan is matched again, an unchanged one is not. A result
that is not cached is computed in the bounded pool for heavy work (Services.heavy), never in
the threads that serve searches.
"""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field

from kb.plans import Plan, plans_signature
from search.engine import QueryError, check_query
from search.plans import MatchResult, match_plan, similar_regions
from search.similar import similar_to_plan as _similar_to_plan


ENCODE_STEP = 4          # bottlenecks per model call while a plan is prepared


def _encode_in_steps(searcher, plan: Plan) -> None:
    """Encode the plan's bottlenecks a few at a time before matching (the Searcher caches the
    vectors), so that the model, which encodes one call at a time, is free for the searches of
    other visitors between the steps instead of being taken for seconds by a plan of 40 long
    bottlenecks."""
    texts = []
    for b in plan.bottlenecks:
        texts.append(b.text)
        try:
            texts.append(check_query(b.text))
        except QueryError:
            pass
    texts = list(dict.fromkeys(texts))
    for i in range(0, len(texts), ENCODE_STEP):
        searcher.encode_queries(texts[i:i + ENCODE_STEP], background=True)


def _plan_key(plan: Plan) -> tuple:
    return (plan.region_id, tuple((b.text, b.weight, tuple(b.themes), tuple(b.branches)) for b in plan.bottlenecks))


def match(services, plan: Plan, *, k: int = 10) -> MatchResult:
    """Recommendations for a plan (cached by its bottlenecks, weights and region)."""
    searcher = services.searcher()

    def compute():
        _encode_in_steps(searcher, plan)
        with services.locked(searcher):
            return match_plan(searcher, plan, k=k)
    return services.cached(("match", k, *_plan_key(plan)), lambda: services.heavy(compute), owner=searcher)


def similar(services, conn: sqlite3.Connection, region_id: str, *, k: int = 5) -> dict:
    """Regions whose bottlenecks resemble this region's (search.plans.similar_regions)."""
    searcher = services.searcher()

    def compute():
        with services.locked(searcher):
            return similar_regions(searcher, conn, region_id, k=k)
    return services.cached(("similar", region_id, k, plans_signature(conn)), lambda: services.heavy(compute),
                           owner=searcher)


def similar_to_plan(services, conn: sqlite3.Connection, plan: Plan, *, k: int = 5) -> list[dict]:
    """Regions whose plan resembles a plan that is not stored (search.similar)."""
    if not plan.bottlenecks:
        return []
    searcher = services.searcher()

    def compute():
        _encode_in_steps(searcher, plan)
        with services.locked(searcher):
            return _similar_to_plan(searcher, conn, plan, k=k)
    return services.cached(("similar-plan", k, *_plan_key(plan), plans_signature(conn)),
                           lambda: services.heavy(compute), owner=searcher)


@dataclass
class BottleneckGroup:
    """What the page shows under one bottleneck: its own matches only."""
    bottleneck: dict                  # web.serialize.bottleneck_view
    themes: list[str]                 # theme labels
    practices: list[tuple]            # [(recommendation view, address view)], best fit first
    also: list[tuple] = field(default_factory=list)   # advice and bouwstenen that match it, same shape
    more: int = 0                     # matching items not shown here (found by searching the bottleneck)

    @property
    def index(self) -> int:
        return self.bottleneck["index"]


def _addressing(recs: list[dict], index: int) -> list[tuple]:
    out = [(r, a) for r in recs for a in r["addresses"] if a["bottleneck"] == index]
    out.sort(key=lambda ra: (-(ra[1]["confidence"] if ra[1]["confidence"] is not None else ra[1]["relevance"]),
                             ra[0]["rank"]))
    return out


def group_by_bottleneck(view: dict, registry, *, per_group: int = 5) -> list[BottleneckGroup]:
    """Per bottleneck: the recommended practices that match it (best fit first), the advice
    and bouwstenen that match it, and how many further matches a search on it would show."""
    labels = registry.labels("thema")
    groups = []
    for b in view["bottlenecks"]:
        practices = _addressing(view["recommendations"], b["index"])[:per_group]
        also = _addressing(view["advice"] + view["bouwstenen"], b["index"])
        shown = {r["id"] for r, _ in practices + also}
        more = len([m for m in b["matches"] if m not in shown])
        groups.append(BottleneckGroup(b, [labels.get(t, t) for t in b.get("themes", [])], practices, also, more))
    return groups
