"""The rows of the region overview: the /regios page, GET /api/regions and
`praktijkwijzer regions` show the same row per region (kb.regions resolves names; the
representative plan is kb.plans.region_plans)."""
from __future__ import annotations

import sqlite3

from ingest.registry import Registry
from kb.plans import Plan, region_plans
from kb.regions import employers_by_region


def plan_themes(plan: Plan, registry: Registry, n: int = 3) -> list[str]:
    """The plan's main bottleneck themes (by weight), as labels."""
    labels = registry.labels("thema")
    weight: dict[str, float] = {}
    for b in plan.bottlenecks:
        for t in b.themes:
            weight[t] = weight.get(t, 0.0) + b.weight / max(len(b.themes), 1)
    return [labels.get(t, t) for t in sorted(weight, key=lambda t: (-weight[t], t))[:n]]


def region_rows(conn: sqlite3.Connection, registry: Registry) -> list[dict]:
    """One row per region, by number: id, number, name, full name, employers' organisations,
    its representative plan (kb.plans.region_plan) and that plan's main themes."""
    employers = employers_by_region(registry)
    plans = region_plans(conn)
    rows = []
    for r in sorted(registry.regions, key=lambda r: r["number"]):
        p = plans.get(r["id"])
        rows.append({
            "id": r["id"], "number": r["number"], "name": r["name"], "full_name": r.get("full_name", r["name"]),
            "employers": employers.get(r["id"], []),
            "plan": ({"id": p.id, "title": p.title, "example": p.example, "bottlenecks": len(p.bottlenecks),
                      "updated_at": p.updated_at} if p else None),
            "themes": plan_themes(p, registry) if p else [],
        })
    return rows
