"""Honest plan matching: a region's bottlenecks -> what the knowledge base really offers.

Every bottleneck is ranked once (all bottlenecks encoded in one call) and gets its own
matches: the candidates the calibrated match decision (search/decision.py) calls "sterk" or
"mogelijk". A bottleneck without a matching practice, advice or bouwsteen is a knowledge gap:
it is reported as such, with its nearest items labelled as not fitting. Recommendations are
chosen greedily by weight x confidence with diminishing returns per already covered
bottleneck, and each one "helps" exactly the bottlenecks it matches. Advice, bouwstenen and
Falend Vooruit lessons (pitfalls) use the same decision. "Al in uw regio" only for a practice
that itself names the plan's region. Only the chosen recommendations are explained.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

from kb.plans import Plan
from search.engine import Citation, Filters, QueryError, Ranking, Searcher

DECAY = 0.35               # value of covering an already covered bottleneck again
FALLBACK = 15              # without a fitted model: the first candidates per bottleneck (no decision)
NEAREST = 3                # nearest items shown for a gap bottleneck


@dataclass
class Recommendation:
    id: str
    type: str
    label: str | None
    title: str
    summary: str
    score: float                   # sum over the bottlenecks it matches of weight x confidence
    addresses: list[dict]          # [{bottleneck, text, relevance, confidence, match, sentence, highlights, reason}]
    explanation: dict
    in_region: bool
    regions: list[str]
    themes: list[str]
    source: Citation
    erkenning: str | None = None   # a practice's recognition level (kb.assessments)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["source"] = self.source.to_dict()
        return d


@dataclass
class MatchResult:
    bottlenecks: list[dict]                       # each with `matches` (entry ids), `gap`, `nearest`
    recommendations: list[Recommendation]
    advice: list[Recommendation]
    bouwstenen: list[Recommendation]
    pitfalls: list[Recommendation]
    coverage: float                               # weighted share of bottlenecks with at least one match
    uncovered: list[int] = field(default_factory=list)     # indexes of the gap bottlenecks
    decided: bool = True                          # False: no fitted match model (no gaps can be told)

    def to_dict(self) -> dict:
        return {"bottlenecks": self.bottlenecks, "coverage": self.coverage, "uncovered": self.uncovered,
                "decided": self.decided,
                "recommendations": [r.to_dict() for r in self.recommendations],
                "advice": [r.to_dict() for r in self.advice], "bouwstenen": [r.to_dict() for r in self.bouwstenen],
                "pitfalls": [r.to_dict() for r in self.pitfalls]}


def group_of(e) -> str | None:
    if e.type == "praktijk":
        return "pitfall" if (e.label or "").lower() == "falend vooruit" else "praktijk"
    return e.type if e.type in ("advies", "bouwsteen") else None       # beleid: context, never matched here


def _greedy(cands: dict[str, dict[int, float]], weights: list[float], k: int) -> list[str]:
    covered = [0] * len(weights)
    chosen: list[str] = []
    pool = dict(cands)
    while pool and len(chosen) < k:
        def gain(eid):
            return sum(weights[b] * conf * (DECAY ** covered[b]) for b, conf in pool[eid].items())
        best = max(sorted(pool), key=gain)
        chosen.append(best)
        for b in pool.pop(best):
            covered[b] += 1
    return chosen


def match_plan(searcher: Searcher, plan: Plan, *, k: int = 10, extra: int = 5) -> MatchResult:
    bottlenecks = plan.bottlenecks
    weights = [b.weight for b in bottlenecks]
    rankings = searcher.rankings([b.text for b in bottlenecks], filters=Filters())
    decided = all(r.decided for r in rankings if isinstance(r, Ranking)) and any(
        isinstance(r, Ranking) for r in rankings)
    by_group: dict[str, dict[str, dict[int, float]]] = {}
    matches: list[list[str]] = []
    nearest: list[list[str]] = []
    for bi, r in enumerate(rankings):
        mine, near = [], []
        if isinstance(r, Ranking):
            for pos, c in enumerate(r.candidates):
                group = group_of(searcher.entries[c.id])
                if group is None:
                    continue
                ok = c.match is not None if decided else pos < FALLBACK
                if ok:
                    conf = c.confidence if decided else c.relevance
                    by_group.setdefault(group, {}).setdefault(c.id, {})[bi] = conf
                    if group != "pitfall":
                        mine.append(c.id)
                elif group != "pitfall" and len(near) < NEAREST:
                    near.append(c.id)
        matches.append(mine)
        nearest.append(near if not mine else [])
    region = plan.region_id

    def build(group: str, n: int) -> list[Recommendation]:
        cands = by_group.get(group, {})
        out = []
        for eid in _greedy(cands, weights, n):
            e = searcher.entries[eid]
            addresses, first = [], None
            for bi, conf in sorted(cands[eid].items(), key=lambda kv: (-kv[1], kv[0])):
                ranking = rankings[bi]
                c = ranking.by_id[eid]
                ex = searcher.explain(ranking, c)
                first = first or ex
                addresses.append({"bottleneck": bi, "text": bottlenecks[bi].text, "relevance": round(conf, 3),
                                  "confidence": c.confidence, "match": c.match, "sentence": ex.sentence,
                                  "highlights": ex.highlights, "reason": ex.reason})
            score = sum(weights[a["bottleneck"]] * a["relevance"] for a in addresses)
            in_region = bool(region and e.type == "praktijk" and region in e.regions)
            expl = first.to_dict()
            expl["summary"] = (f"Helpt bij {len(addresses)} van uw {len(bottlenecks)} knelpunten"
                               + (" — al in uw regio" if in_region else "") + ".")
            out.append(Recommendation(id=e.id, type=e.type, label=e.label, title=e.title, summary=e.summary,
                                      score=round(score, 4), addresses=addresses, explanation=expl,
                                      in_region=in_region, regions=e.regions, themes=e.themes,
                                      source=searcher.citation(e.id), erkenning=getattr(e, "erkenning", None)))
        return out

    gaps = [i for i, m in enumerate(matches) if not m]
    total_w = sum(weights) or 1.0
    coverage = sum(w for i, w in enumerate(weights) if matches[i]) / total_w if bottlenecks else 0.0
    titles = {eid: searcher.entries[eid].title for near in nearest for eid in near}
    return MatchResult(
        bottlenecks=[{"index": i, "text": b.text, "weight": b.weight, "themes": b.themes,
                      "actielijnen": b.actielijnen, "branches": b.branches, "id": b.id,
                      "matches": matches[i], "gap": not matches[i],
                      "nearest": [{"id": x, "title": titles[x], "fits": False} for x in nearest[i]],
                      "error": str(rankings[i]) if isinstance(rankings[i], QueryError) else None}
                     for i, b in enumerate(bottlenecks)],
        recommendations=build("praktijk", k), advice=build("advies", extra), bouwstenen=build("bouwsteen", 3),
        pitfalls=build("pitfall", extra), coverage=round(coverage, 3), uncovered=gaps, decided=decided)
