"""Regions, their plans and plan matching, as the web shows them (with caching).

Plan matching and region comparison encode every bottleneck and run several searches per
bottleneck, so their results are kept per live Searcher (Services.cached) and keyed by the
plan's content: a saved or edited plan is matched again, an unchanged one is not.
"""
from __future__ import annotations

from dataclasses import dataclass

from kb.plans import Plan, list_plans, region_plan
from search.plans import MatchResult, match_plan, plan_from_texts, profile, shared, similar_regions, similarity

MAX_BOTTLENECKS = 40
MAX_BOTTLENECK_CHARS = 1000


def employers_by_region(registry) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for emp in registry.employers:
        for r in emp["regions"]:
            out.setdefault(r, []).append(emp["name"])
    return out


def plans_by_region(conn) -> dict[str, Plan]:
    """The plan that represents each region: its most recently updated one."""
    out: dict[str, Plan] = {}
    for p in sorted(list_plans(conn), key=lambda p: p.updated_at, reverse=True):
        if p.region_id and p.region_id not in out:
            out[p.region_id] = p
    return out


def plan_themes(plan: Plan, registry, n: int = 3) -> list[str]:
    """The plan's main bottleneck themes (by weight), as labels."""
    labels = registry.labels("thema")
    weight: dict[str, float] = {}
    for b in plan.bottlenecks:
        for t in b.themes:
            weight[t] = weight.get(t, 0.0) + b.weight / max(len(b.themes), 1)
    return [labels.get(t, t) for t in sorted(weight, key=lambda t: (-weight[t], t))[:n]]


def region_rows(conn, registry) -> list[dict]:
    employers = employers_by_region(registry)
    plans = plans_by_region(conn)
    rows = []
    for r in registry.regions:
        p = plans.get(r["id"])
        rows.append({
            "id": r["id"], "number": r["number"], "name": r["name"], "full_name": r.get("full_name", r["name"]),
            "employers": employers.get(r["id"], []),
            "plan": ({"id": p.id, "title": p.title, "example": p.example, "bottlenecks": len(p.bottlenecks),
                      "updated_at": p.updated_at} if p else None),
            "themes": plan_themes(p, registry) if p else [],
        })
    return rows


def resolve_region(registry, value: str | None) -> str | None:
    """A region id from an id, name, alias or number; None when unknown or ambiguous."""
    if not value:
        return None
    ids = [r for r in registry.resolve_region(str(value)) if r != "landelijk"]
    return ids[0] if len(ids) == 1 else None


def region_info(registry, region_id: str) -> dict | None:
    for r in registry.regions:
        if r["id"] == region_id:
            return r
    return None


def _plan_key(plan: Plan) -> tuple:
    return (plan.region_id, tuple((b.text, b.weight) for b in plan.bottlenecks))


def match(services, plan: Plan, *, k: int = 10) -> MatchResult:
    """Recommendations for a plan (cached by its bottlenecks, weights and region)."""
    searcher = services.searcher()

    def compute():
        with services.locked(searcher):
            return match_plan(searcher, plan, k=k)
    return services.cached(("match", k, *_plan_key(plan)), compute, owner=searcher)


def _plans_signature(conn) -> tuple:
    row = conn.execute("SELECT count(*), max(updated_at) FROM plans").fetchone()
    return (row[0], row[1])


def similar(services, region_id: str, *, k: int = 5) -> dict:
    """Regions whose bottlenecks resemble this region's (search.plans.similar_regions)."""
    conn = services.conn()
    searcher = services.searcher()

    def compute():
        with services.locked(searcher):
            return similar_regions(searcher, conn, region_id, k=k)
    return services.cached(("similar", region_id, k, _plans_signature(conn)), compute, owner=searcher)


def similar_to_plan(services, plan: Plan, *, k: int = 5) -> list[dict]:
    """Regions whose stored plan resembles a plan that is not stored (the 'Plan toetsen' page)."""
    conn = services.conn()
    if not plan.bottlenecks:
        return []

    searcher = services.searcher()

    def compute():
        plans = plans_by_region(conn)
        with services.locked(searcher):
            names = searcher.registry.labels("regio")
            me = profile(searcher, plan)
            out = []
            for rid, p in plans.items():
                if rid == plan.region_id or not p.bottlenecks:
                    continue
                other = profile(searcher, p)
                out.append({"region": rid, "name": names.get(rid, rid), "score": similarity(me, other),
                            "plan": p.id, "shared": shared(me, other, searcher.registry)})
        out.sort(key=lambda r: (-r["score"], r["region"]))
        return out[:k]
    return services.cached(("similar-plan", k, *_plan_key(plan), _plans_signature(conn)), compute, owner=searcher)


def transient_plan(registry, texts: list[str], weights: list[float] | None = None, region: str | None = None,
                   title: str = "Ingevoerde knelpunten") -> Plan:
    return plan_from_texts(texts, registry, region=region, weights=weights, title=title)


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


def current_plan(conn, region_id: str) -> Plan | None:
    p = region_plan(conn, region_id)
    return p if p and p.bottlenecks else None
