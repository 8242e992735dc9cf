"""The knowledge-gap map: where the published knowledge base does not yet help the regions.

* **Which plans.** The plan that represents each region (kb.plans.region_plans, the rule of
  the region page and the region overview): a region that keeps an older plan beside a newer
  one counts once, with the plan everyone sees for it.
* **What a gap is.** A bottleneck of such a plan for which the calibrated match decision finds
  no practice, advice or bouwsteen in the published knowledge base (search.matching: the
  bottleneck's `gap`). A bottleneck that cannot be searched at all (`error`) is left out.
  Without a fitted match model there is no decision, so no gaps are told (`decided` False).
* **Grouping.** The gap bottlenecks of all regions are clustered by meaning (agglomerative
  clustering of their sentence vectors with the threshold fitted in search.gap_clustering);
  one group is one gap, whatever region it comes from.
* **Label.** The text of the gap's most central bottleneck (smallest mean distance to the
  others; ties: the shortest), cut at a word boundary after at most LABEL_CHARS characters:
  always the regions' own words, never invented.
* **Weight.** The sum over the gap's regions of the relative weight of that region's heaviest
  bottleneck in the gap: its weight divided by the mean weight of the bottlenecks in the
  region's plan. A bottleneck of average weight in one region adds 1; two regions with such a
  bottleneck give 2; a region that names the problem twice counts once (its heaviest).
* **Nearest.** The entries the match decision listed as nearest but not fitting for the gap's
  bottlenecks (most often listed first, then best position), at most NEAREST, each marked
  `fits: False`.
* **Overview.** Per region with a plan and per theme of the taxonomy: how many bottlenecks the
  plan has with that theme and how many of them are gaps.

The map is cached by the caller per index generation, entry table and plan set (`cache_key`).
"""
from __future__ import annotations

import hashlib
import sqlite3
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Callable

import numpy as np

from kb.plans import Plan, plans_signature, region_plans
from search.engine import Searcher
from search.gap_clustering import GapClustering, clustering_for
from search.matching import MatchResult, match_plan

LABEL_CHARS = 90
NEAREST = 3
NO_THEME = ""                   # overview column of bottlenecks without a theme


@dataclass
class GapBottleneck:
    region: str
    region_name: str
    plan: str
    index: int                  # position in its plan (K1 = 0)
    text: str
    weight: float
    themes: list[str]
    branches: list[str]

    def to_dict(self) -> dict:
        return {"region": self.region, "region_name": self.region_name, "plan": self.plan, "index": self.index,
                "text": self.text, "weight": self.weight, "themes": list(self.themes),
                "branches": list(self.branches)}


@dataclass
class Gap:
    id: str
    label: str
    bottlenecks: list[GapBottleneck]
    regions: list[str]          # region ids, in the order of the registry
    themes: list[str]           # most frequent first
    branches: list[str]
    weight: float
    nearest: list[dict]         # [{id, title, type, label, fits: False}]

    def to_dict(self) -> dict:
        return {"id": self.id, "label": self.label, "bottlenecks": [b.to_dict() for b in self.bottlenecks],
                "regions": list(self.regions), "themes": list(self.themes), "branches": list(self.branches),
                "weight": self.weight, "nearest": [dict(n) for n in self.nearest]}


@dataclass
class Cell:
    bottlenecks: int = 0
    gaps: int = 0


@dataclass
class GapMap:
    gaps: list[Gap]                               # heaviest first
    regions: list[str]                            # regions with a plan (registry order)
    without_plan: list[str]                       # regions without one (nothing guessed)
    themes: list[str]                             # overview columns: taxonomy order, NO_THEME last
    cells: dict[tuple[str, str], Cell]            # (region, theme) -> counts
    bottlenecks: int                              # bottlenecks of the plans counted
    gap_bottlenecks: int                          # of which without a fitting entry
    decided: bool                                 # False: no fitted match model, no gaps told
    clustering: GapClustering | None
    generation: str = ""                          # index generation the map was computed on
    published: int = 0                            # published entries it was computed against
    filters: dict = field(default_factory=dict)   # active filters ({thema, branche, regio})
    branche_counts: dict = field(default_factory=dict, repr=False)   # branche -> {(region, theme): bottlenecks}

    def to_dict(self) -> dict:
        c = self.clustering
        return {"gaps": [g.to_dict() for g in self.gaps], "total": len(self.gaps), "decided": self.decided,
                "regions": list(self.regions), "without_plan": list(self.without_plan),
                "bottlenecks": self.bottlenecks, "gap_bottlenecks": self.gap_bottlenecks,
                "overview": [{"region": r, "theme": t, "bottlenecks": self.cells[(r, t)].bottlenecks,
                              "gaps": self.cells[(r, t)].gaps} for r in self.regions for t in self.themes
                             if (r, t) in self.cells],
                "threshold": round(c.threshold, 6) if c else None, "linkage": c.linkage if c else None,
                "generation": self.generation, "published": self.published, "filters": dict(self.filters)}

    def for_region(self, region: str) -> list[Gap]:
        return [g for g in self.gaps if region in g.regions]

    def filtered(self, *, thema: str | None = None, branche: str | None = None, regio: str | None = None) -> "GapMap":
        """The gaps with this theme, branche or region, and the overview restricted alike (a
        row for the region, a column for the theme, counts of bottlenecks with the branche)."""
        if not (thema or branche or regio):
            return self
        gaps = [g for g in self.gaps if (not thema or thema in g.themes) and (not branche or branche in g.branches)
                and (not regio or regio in g.regions)]
        regions = [r for r in self.regions if not regio or r == regio]
        themes = [t for t in self.themes if not thema or t == thema]
        cells = {k: v for k, v in self.cells.items() if k[0] in regions and k[1] in themes}
        if branche:
            cells = {k: Cell() for k in cells}
            for g in self.gaps:            # gap bottlenecks with the branche
                for b in g.bottlenecks:
                    if branche in b.branches and b.region in regions:
                        for t in (b.themes or [NO_THEME]):
                            if (b.region, t) in cells:
                                cells[(b.region, t)].gaps += 1
            for (r, t), n in self.branche_counts.get(branche, {}).items():
                if (r, t) in cells:
                    cells[(r, t)].bottlenecks = n
        return replace(self, gaps=gaps, regions=regions, themes=themes, cells=cells,
                       filters={k: v for k, v in (("thema", thema), ("branche", branche), ("regio", regio)) if v})


# ---------------------------------------------------------------- building the map

def cache_key(searcher: Searcher, conn: sqlite3.Connection) -> tuple:
    """Changes when the index generation, the entry table (a status change) or any plan changes."""
    return (searcher.index.generation, searcher.entries.version, plans_signature(conn))


def published_count(searcher: Searcher) -> int:
    return sum(1 for e in searcher.entries.values() if e.status == "gepubliceerd")


def shorten(text: str, limit: int = LABEL_CHARS) -> str:
    """`text` cut at a word boundary after at most `limit` characters, with '…' when cut."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0].rstrip(",;:–-")
    return cut + " …"


def gap_id(members: list[GapBottleneck]) -> str:
    key = "\n".join(sorted(f"{b.region}\t{b.text}" for b in members))
    return "lacune-" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:10]


def gap_weight(members: list[GapBottleneck], mean_weight: dict[str, float]) -> float:
    """Sum over regions of (heaviest bottleneck of the region in the gap / mean bottleneck
    weight of the region's plan)."""
    heaviest: dict[str, float] = {}
    for b in members:
        heaviest[b.region] = max(heaviest.get(b.region, 0.0), b.weight)
    return round(sum(w / (mean_weight.get(r) or 1.0) for r, w in heaviest.items()), 3)


def _ranked(values: list[list[str]], order: list[str]) -> list[str]:
    """Values by how often they occur, then by their order in `order`."""
    counts = Counter(v for vs in values for v in dict.fromkeys(vs))
    pos = {v: i for i, v in enumerate(order)}
    return sorted(counts, key=lambda v: (-counts[v], pos.get(v, len(pos)), v))


def _nearest(searcher: Searcher, lists: list[list[dict]]) -> list[dict]:
    counts: Counter = Counter()
    first: dict[str, int] = {}
    for near in lists:
        for pos, n in enumerate(near):
            counts[n["id"]] += 1
            first[n["id"]] = min(first.get(n["id"], pos), pos)
    out = []
    for eid in sorted(counts, key=lambda x: (-counts[x], first[x], x))[:NEAREST]:
        e = searcher.entries.get(eid)
        if e is None:
            continue
        out.append({"id": eid, "title": e.title, "type": e.type, "label": e.label, "fits": False})
    return out


def _central(dist: np.ndarray, idx: list[int], members: list[GapBottleneck]) -> GapBottleneck:
    if len(idx) == 1:
        return members[0]
    sub = dist[np.ix_(idx, idx)]
    mean = sub.sum(axis=1) / (len(idx) - 1)
    best = min(range(len(idx)), key=lambda k: (round(float(mean[k]), 9), len(members[k].text), k))
    return members[best]


def gap_map(searcher: Searcher, conn: sqlite3.Connection, *, match: Callable[[Plan], MatchResult] | None = None,
            clustering: GapClustering | None = None) -> GapMap:
    """The map over the plans that represent the regions. `match(plan)` defaults to
    search.matching.match_plan (the web passes its cached version)."""
    match = match or (lambda p: match_plan(searcher, p))
    registry = searcher.registry
    names = registry.labels("regio")
    order = [r["id"] for r in sorted(registry.regions, key=lambda r: r["number"])]
    plans = region_plans(conn)
    regions = [r for r in order if r in plans]
    theme_order = list(registry.labels("thema"))
    cells: dict[tuple[str, str], Cell] = {}
    branche_counts: dict[str, Counter] = {}
    members: list[GapBottleneck] = []
    nearest: list[list[dict]] = []
    mean_weight: dict[str, float] = {}
    decided, total = True, 0
    for rid in regions:
        plan = plans[rid]
        result = match(plan)
        decided = decided and result.decided
        weights = [b.weight for b in plan.bottlenecks]
        mean_weight[rid] = (sum(weights) / len(weights)) if weights else 1.0
        for b in result.bottlenecks:
            if b.get("error"):
                continue
            total += 1
            is_gap = bool(b["gap"]) and result.decided
            for t in (b.get("themes") or [NO_THEME]):
                cell = cells.setdefault((rid, t), Cell())
                cell.bottlenecks += 1
                cell.gaps += is_gap
                for br in b.get("branches") or []:
                    branche_counts.setdefault(br, Counter())[(rid, t)] += 1
            if is_gap:
                members.append(GapBottleneck(region=rid, region_name=names.get(rid, rid), plan=plan.id,
                                             index=b["index"], text=b["text"], weight=float(b["weight"]),
                                             themes=list(b.get("themes") or []),
                                             branches=list(b.get("branches") or [])))
                nearest.append(list(b.get("nearest") or []))
    used = {t for (_, t) in cells}
    themes = [t for t in theme_order if t in used] + ([NO_THEME] if NO_THEME in used else [])
    gm = GapMap(gaps=[], regions=regions, without_plan=[r for r in order if r not in plans], themes=themes,
                cells=cells, bottlenecks=total, gap_bottlenecks=len(members), decided=decided, clustering=None,
                generation=searcher.index.generation, published=published_count(searcher),
                branche_counts={k: dict(v) for k, v in branche_counts.items()})
    if not members:
        return gm
    clustering = clustering or clustering_for(lambda t: searcher.encode_queries(t, background=True), searcher.encoder.model_id)
    gm.clustering = clustering
    labels, dist = clustering.cluster(searcher.encode_queries([b.text for b in members], background=True))
    branche_order = list(registry.labels("branche"))
    gaps = []
    for lab in sorted(set(labels.tolist())):
        idx = [i for i, x in enumerate(labels) if x == lab]
        group = [members[i] for i in idx]
        order_idx = sorted(range(len(group)), key=lambda k: (order.index(group[k].region), group[k].index))
        idx, group = [idx[k] for k in order_idx], [group[k] for k in order_idx]
        gaps.append(Gap(id=gap_id(group), label=shorten(_central(dist, idx, group).text), bottlenecks=group,
                        regions=list(dict.fromkeys(b.region for b in group)),
                        themes=_ranked([b.themes for b in group], theme_order),
                        branches=_ranked([b.branches for b in group], branche_order),
                        weight=gap_weight(group, mean_weight), nearest=_nearest(searcher, [nearest[i] for i in idx])))
    gaps.sort(key=lambda g: (-g.weight, -len(g.regions), g.label))
    gm.gaps = gaps
    return gm


def region_gaps(gm: GapMap, region: str) -> list[dict]:
    """A region's gaps for its page: [{gap, mine: [its bottlenecks], others: [{region,
    region_name, texts}]}], heaviest first."""
    out = []
    for g in gm.for_region(region):
        others: dict[str, dict] = {}
        for b in g.bottlenecks:
            if b.region != region:
                others.setdefault(b.region, {"region": b.region, "region_name": b.region_name, "texts": []})
                others[b.region]["texts"].append(b.text)
        out.append({"gap": g, "mine": [b for b in g.bottlenecks if b.region == region],
                    "others": list(others.values())})
    return out


def gaps_like(searcher: Searcher, gm: GapMap, texts: list[str]) -> list[list[Gap]]:
    """For each text (a bottleneck not on the map, e.g. of a plan being checked), the gaps it
    would join: its linkage distance to the gap's bottlenecks (average: the mean, complete: the
    largest, single: the smallest) is below the fitted threshold."""
    c = gm.clustering
    if c is None or not gm.gaps or not texts:
        return [[] for _ in texts]
    members = [b.text for g in gm.gaps for b in g.bottlenecks]
    dist = c.distances(searcher.encode_queries(list(texts) + members))[:len(texts), len(texts):]
    reduce = {"average": np.mean, "complete": np.max, "single": np.min}[c.linkage]
    out = []
    for row in dist:
        found, pos = [], 0
        for g in gm.gaps:
            n = len(g.bottlenecks)
            if float(reduce(row[pos:pos + n])) < c.threshold:
                found.append(g)
            pos += n
        out.append(found)
    return out
