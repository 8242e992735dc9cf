"""Plan matching and similar regions.

match_plan (search/matching.py, re-exported here): honest per-bottleneck matches with the
calibrated decision, gaps, and recommendations that help exactly the bottlenecks they match.

similar_regions: a region profile is the weighted centroid of its bottleneck embeddings
plus its theme distribution; similarity is the mean of both cosines (symmetric).
"""
from __future__ import annotations

import math
import sqlite3
from dataclasses import dataclass

import numpy as np

from kb.plans import Bottleneck, Plan, region_plans
from kb.registry import Registry, load_registry
from search.engine import Searcher
from search.matching import MatchResult, Recommendation, match_plan

__all__ = ["MatchResult", "Recommendation", "match_plan", "plan_from_texts", "profile", "shared", "similar_regions",
           "similarity"]


# ---------------------------------------------------------------- similar regions

@dataclass
class Profile:
    region: str
    plan_id: str
    centroid: np.ndarray
    themes: dict[str, float]
    statements: list[Bottleneck]
    vectors: np.ndarray


def _encode(searcher: Searcher, texts: tuple[str, ...]) -> np.ndarray:
    """Bottleneck vectors (the Searcher caches them: region profiles are compared many times)."""
    return searcher.encode_queries(list(texts), background=True)


def profile(searcher: Searcher, plan: Plan) -> Profile:
    texts = tuple(b.text for b in plan.bottlenecks)
    vecs = _encode(searcher, texts)
    w = np.array([b.weight for b in plan.bottlenecks], dtype=np.float32)
    c = (vecs * w[:, None]).sum(axis=0)
    c /= np.linalg.norm(c) or 1.0
    themes: dict[str, float] = {}
    for b in plan.bottlenecks:
        for t in b.themes:
            themes[t] = themes.get(t, 0.0) + b.weight / max(len(b.themes), 1)
        for br in b.branches:
            key = "branche:" + br
            themes[key] = themes.get(key, 0.0) + b.weight / max(len(b.branches), 1)
    return Profile(plan.region_id, plan.id, c, themes, plan.bottlenecks, vecs)


def _cos_dict(a: dict[str, float], b: dict[str, float]) -> float:
    dot = sum(v * b.get(k, 0.0) for k, v in a.items())
    na = math.sqrt(sum(v * v for v in a.values()))
    nb = math.sqrt(sum(v * v for v in b.values()))
    return dot / (na * nb) if na and nb else 0.0


def similarity(a: Profile, b: Profile) -> float:
    dense = float(a.centroid @ b.centroid)
    return round(0.5 * max(dense, 0.0) + 0.5 * _cos_dict(a.themes, b.themes), 4)


def shared(a: Profile, b: Profile, registry: Registry, n_pairs: int = 3) -> dict:
    labels = registry.labels("thema") | {"branche:" + k: v for k, v in registry.labels("branche").items()}
    common = sorted(set(a.themes) & set(b.themes), key=lambda t: -(a.themes[t] * b.themes[t]))
    sims = a.vectors @ b.vectors.T
    pairs = []
    for i, j in sorted(np.ndindex(*sims.shape), key=lambda ij: -sims[ij])[:n_pairs]:
        pairs.append({"statement": a.statements[i].text, "other": b.statements[j].text,
                      "similarity": round(float(sims[i, j]), 3)})
    return {"themes": [{"id": t, "label": labels.get(t, t)} for t in common], "statements": pairs}


def similar_regions(searcher: Searcher, conn: sqlite3.Connection, region_id: str, *, k: int = 5) -> dict:
    """Regions whose bottlenecks resemble those of `region_id`, with what they share.
    Regions without a plan are listed separately, never guessed."""
    registry = searcher.registry
    names = registry.labels("regio")
    plans = region_plans(conn)          # the plan that represents each region (one rule, kb.plans)
    if region_id not in plans:
        return {"region": region_id, "has_plan": False, "similar": [],
                "without_plan": sorted(r for r in names if r not in plans)}
    me = profile(searcher, plans[region_id])
    out = []
    for rid, p in plans.items():
        if rid == region_id:
            continue
        other = profile(searcher, p)
        out.append({"region": rid, "name": names.get(rid, rid), "score": similarity(me, other),
                    "plan": p.id, "shared": shared(me, other, registry)})
    out.sort(key=lambda r: (-r["score"], r["region"]))
    return {"region": region_id, "has_plan": True, "similar": out[:k],
            "without_plan": sorted(r for r in names if r not in plans)}


def plan_from_texts(texts: list[str], registry: Registry | None = None, *, region: str | None = None,
                    weights: list[float] | None = None, title: str = "Ingevoerde knelpunten") -> Plan:
    """A transient plan from a list of bottleneck statements (web form, API, CLI)."""
    from ingest.plans import classify_bottleneck
    registry = registry or load_registry()
    bs = []
    for i, t in enumerate(texts):
        t = " ".join(str(t).split())
        if not t:
            continue
        cls = classify_bottleneck(t, registry)
        w = weights[i] if weights and i < len(weights) else 1.0
        bs.append(Bottleneck(text=t, weight=w, origin="user", **cls))
    return Plan(id="ingevoerd", title=title, region_id=region, bottlenecks=bs)
