"""Plan-matching part of `praktijkwijzer bench`: per-bottleneck Recall@10 on labelled pairs
(corpus/bench/plan_pairs.yaml) and the time to match a 10-bottleneck plan."""
from __future__ import annotations

import time

import numpy as np
import yaml

from search.benchdata import BENCH_DIR, percentiles, resolve
from search.engine import Filters
from search.plans import match_plan, plan_from_texts


def run(conn, searcher, repeat: int = 5) -> dict:
    pairs = yaml.safe_load((BENCH_DIR / "plan_pairs.yaml").read_text(encoding="utf-8"))["pairs"]
    recalls = []
    for p in pairs:
        relevant = set(resolve(conn, p.get("relevant") or []))
        if not relevant:                  # a gap bottleneck: measured by the match decision (bench_decision)
            continue
        got = {r.id for r in searcher.search(p["knelpunt"], k=10, filters=Filters(status=None))}
        recalls.append(len(relevant & got) / len(relevant))
    plan = plan_from_texts([p["knelpunt"] for p in pairs[:10]], searcher.registry)
    match_plan(searcher, plan)                                   # warm
    ms = []
    for _ in range(repeat):
        searcher.clear_caches()                                  # bottlenecks encoded anew each time
        t = time.perf_counter()
        match_plan(searcher, plan)
        ms.append((time.perf_counter() - t) * 1000)
    lat = percentiles(ms)
    return {"pairs": len(recalls), "recall@10": round(float(np.mean(recalls)), 3), "bottlenecks": len(plan.bottlenecks),
            "match_p50_ms": lat["p50_ms"], "match_p95_ms": lat["p95_ms"]}
