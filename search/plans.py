"""Plan matching and similar regions.

match_plan: retrieve per bottleneck, then choose recommendations greedily by
relevance x coverage x bottleneck weight with diminishing returns per bottleneck, so the
list covers the plan's bottlenecks and keeps variety. Advice, bouwstenen and Falend Vooruit
lessons (pitfalls) that apply are listed beside it.

similar_regions: a region profile is the weighted centroid of its bottleneck embeddings
plus its theme distribution; similarity is the mean of both cosines (symmetric).
"""
from __future__ import annotations

import math
import sqlite3
from dataclasses import asdict, dataclass, field

import numpy as np

from kb.plans import Bottleneck, Plan, list_plans
from kb.registry import Registry, load_registry
from search.engine import Citation, Filters, QueryError, Ranking, Searcher

PER_BOTTLENECK = 15        # candidates retrieved per bottleneck
DECAY = 0.35               # value of covering an already covered bottleneck again


@dataclass
class Recommendation:
    id: str
    type: str
    label: str | None
    title: str
    summary: str
    score: float
    addresses: list[dict]          # [{bottleneck, text, relevance, sentence, reason}]
    explanation: dict
    in_region: bool
    regions: list[str]
    themes: list[str]
    source: Citation

    def to_dict(self) -> dict:
        d = asdict(self)
        d["source"] = self.source.to_dict() if hasattr(self.source, "to_dict") else dict(self.source)
        return d


@dataclass
class MatchResult:
    bottlenecks: list[dict]
    recommendations: list[Recommendation]
    advice: list[Recommendation]
    bouwstenen: list[Recommendation]
    pitfalls: list[Recommendation]
    coverage: float                               # share of bottlenecks covered by the top 10
    uncovered: list[int] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"bottlenecks": self.bottlenecks, "coverage": self.coverage, "uncovered": self.uncovered,
                "recommendations": [r.to_dict() for r in self.recommendations],
                "advice": [r.to_dict() for r in self.advice], "bouwstenen": [r.to_dict() for r in self.bouwstenen],
                "pitfalls": [r.to_dict() for r in self.pitfalls]}


GROUPS = {                 # recommendation group -> (filters, candidates per bottleneck)
    "praktijk": (Filters(type="praktijk"), PER_BOTTLENECK),
    "advies": (Filters(type="advies"), 5),
    "bouwsteen": (Filters(type="bouwsteen"), 3),
    "pitfall": (Filters(type="praktijk", label="Falend Vooruit"), 5),
}


def _per_bottleneck(searcher: Searcher, bottlenecks: list[Bottleneck], filters: Filters, k: int
                    ) -> list[dict[str, tuple[float, Ranking]]]:
    """For each bottleneck: {entry id: (relevance 0..1, its ranking)} of its first k candidates.
    All bottlenecks are encoded in one call; nothing is explained yet."""
    out = []
    for r in searcher.rankings([b.text for b in bottlenecks], filters=filters):
        out.append({} if isinstance(r, QueryError) else {c.id: (c.relevance, r) for c in r.candidates[:k]})
    return out


def _greedy(cands: dict[str, dict[int, float]], weights: list[float], k: int) -> list[str]:
    covered = [0] * len(weights)
    chosen: list[str] = []
    pool = dict(cands)
    while pool and len(chosen) < k:
        def gain(eid):
            return sum(weights[b] * rel * (DECAY ** covered[b]) for b, rel in pool[eid].items())
        best = max(sorted(pool), key=gain)
        chosen.append(best)
        for b in pool.pop(best):
            covered[b] += 1
    return chosen


def match_plan(searcher: Searcher, plan: Plan, *, k: int = 10, extra: int = 5) -> MatchResult:
    bottlenecks = plan.bottlenecks
    weights = [b.weight for b in bottlenecks]
    by_type: dict[str, dict[str, dict[int, float]]] = {}
    results: dict[str, dict[int, Ranking]] = {}
    for group, (filters, n) in GROUPS.items():
        for bi, per in enumerate(_per_bottleneck(searcher, bottlenecks, filters, n)):
            for eid, (rel, res) in per.items():
                if group == "praktijk" and (searcher.entries[eid].label or "").lower() == "falend vooruit":
                    continue                      # lessons from failures are listed as pitfalls
                by_type.setdefault(group, {}).setdefault(eid, {})[bi] = rel
                results.setdefault(eid, {})[bi] = res
    region = plan.region_id

    def build(group: str, n: int) -> list[Recommendation]:
        cands = by_type.get(group, {})
        out = []
        for eid in _greedy(cands, weights, n):
            e = searcher.entries[eid]
            addresses = []
            explained = {}
            for bi, rel in sorted(cands[eid].items(), key=lambda kv: -kv[1]):
                ranking = results[eid][bi]
                ex = explained[bi] = searcher.explain(ranking, ranking.by_id[eid])
                addresses.append({"bottleneck": bi, "text": bottlenecks[bi].text, "relevance": round(rel, 3),
                                  "sentence": ex.sentence, "highlights": ex.highlights, "reason": ex.reason})
            score = sum(weights[a["bottleneck"]] * a["relevance"] for a in addresses)
            in_region = bool(region and region in e.regions)
            expl = explained[addresses[0]["bottleneck"]].to_dict()
            expl["summary"] = (f"Helpt bij {len(addresses)} van uw {len(bottlenecks)} knelpunten"
                               + (" — al in uw regio" if in_region else "") + ".")
            out.append(Recommendation(id=e.id, type=e.type, label=e.label, title=e.title, summary=e.summary,
                                      score=round(score, 4), addresses=addresses, explanation=expl,
                                      in_region=in_region, regions=e.regions, themes=e.themes,
                                      source=searcher.citation(e.id)))
        return out

    recs = build("praktijk", k)
    covered = {a["bottleneck"] for r in recs[:10] for a in r.addresses}
    uncovered = [i for i in range(len(bottlenecks)) if i not in covered]
    return MatchResult(
        bottlenecks=[{"index": i, "text": b.text, "weight": b.weight, "themes": b.themes,
                      "actielijnen": b.actielijnen, "branches": b.branches, "id": b.id}
                     for i, b in enumerate(bottlenecks)],
        recommendations=recs, advice=build("advies", extra), bouwstenen=build("bouwsteen", 3),
        pitfalls=build("pitfall", extra),
        coverage=round(len(covered) / len(bottlenecks), 3) if bottlenecks else 0.0, uncovered=uncovered)


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
    return searcher.encode_queries(list(texts))


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
    plans = {}
    for p in list_plans(conn):
        if p.region_id and p.region_id not in plans and p.bottlenecks:
            plans[p.region_id] = p
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
