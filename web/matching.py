"""Where the web asks search for plan matches and similar regions (with caching), and how a
match is grouped for the pages.

Plan matching and region comparison encode every bottleneck and run several searches per
bottleneck, so their results are kept per live Searcher (Services.cached) and keyed by the
plan's content: a saved or edited plan is matched again, an unchanged one is not. A result
that is not cached is computed in the bounded pool for heavy work (Services.heavy), never in
the threads that serve searches.
"""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass

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
        searcher.encode_queries(texts[i:i + ENCODE_STEP])


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
    index: int
    text: str
    weight: float
    themes: list[str]
    items: list[tuple]        # [(Recommendation, address dict)], best first


def group_by_bottleneck(result: MatchResult, registry, *, per_group: int = 5) -> list[BottleneckGroup]:
    """The recommended practices per bottleneck: each recommendation under every bottleneck
    it addresses, ordered by how well it fits that bottleneck."""
    labels = registry.labels("thema")
    groups = []
    for b in result.bottlenecks:
        items = []
        for r in result.recommendations:
            for a in r.addresses:
                if a["bottleneck"] == b["index"]:
                    items.append((r, a))
        items.sort(key=lambda ra: (-ra[1]["relevance"], -ra[0].score))
        groups.append(BottleneckGroup(b["index"], b["text"], b["weight"],
                                      [labels.get(t, t) for t in b.get("themes", [])], items[:per_group]))
    return groups
