"""Regions whose plan resembles a plan that is not stored (the 'Plan toetsen' page): the
same profile and similarity as search.plans.similar_regions, compared with the plan that
represents each region (kb.plans.region_plans)."""
from __future__ import annotations

import sqlite3

from kb.plans import Plan, region_plans
from search.engine import Searcher
from search.plans import profile, shared, similarity


def similar_to_plan(searcher: Searcher, conn: sqlite3.Connection, plan: Plan, *, k: int = 5) -> list[dict]:
    """Up to `k` regions, most similar first: {region, name, score, plan, shared}. The plan's
    own region (if any) is left out."""
    if not plan.bottlenecks:
        return []
    names = searcher.registry.labels("regio")
    me = profile(searcher, plan)
    out = []
    for rid, p in region_plans(conn).items():
        if rid == plan.region_id:
            continue
        other = profile(searcher, p)
        out.append({"region": rid, "name": names.get(rid, rid), "score": similarity(me, other),
                    "plan": p.id, "shared": shared(me, other, searcher.registry)})
    out.sort(key=lambda r: (-r["score"], r["region"]))
    return out[:k]
