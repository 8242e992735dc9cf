"""Labelled data of `praktijkwijzer bench` (corpus/bench/) and the metrics computed on it."""
from __future__ import annotations

import math

import numpy as np
import yaml

from kb.registry import CORPUS_DIR
from kb.store import list_entries

BENCH_DIR = CORPUS_DIR / "bench"


def resolve(conn, refs: list[dict]) -> list[str]:
    """Entry ids for {type, title} references (bouwstenen may be referred to as 'Bouwsteen IV')."""
    entries = list_entries(conn)
    out = []
    for ref in refs:
        title, typ = ref["title"].strip(), ref.get("type")
        cands = [e for e in entries if (not typ or e.type == typ)]
        hit = next((e for e in cands if e.title == title), None)
        if hit is None and typ == "bouwsteen":
            num = title.split()[-1].rstrip(":")
            hit = next((e for e in cands if e.number == num or e.title.startswith(title + ":")), None)
        if hit is None:
            hit = next((e for e in cands if e.title.startswith(title) or title.startswith(e.title)), None)
        if hit is None:
            raise ValueError(f"Dev-set verwijst naar onbekend kennisitem: {ref}")
        out.append(hit.id)
    return out


def load_devset(conn, name: str = "devset.yaml") -> list[dict]:
    data = yaml.safe_load((BENCH_DIR / name).read_text(encoding="utf-8"))
    return [{"id": q["id"], "query": q["query"], "relevant": resolve(conn, q["relevant"])} for q in data["queries"]]


def metrics(ranked: list[str], relevant: list[str]) -> dict:
    rel = set(relevant)
    r5 = len(rel & set(ranked[:5])) / len(rel)
    r10 = len(rel & set(ranked[:10])) / len(rel)
    rr = next((1 / (i + 1) for i, e in enumerate(ranked[:10]) if e in rel), 0.0)
    dcg = sum(1 / math.log2(i + 2) for i, e in enumerate(ranked[:10]) if e in rel)
    idcg = sum(1 / math.log2(i + 2) for i in range(min(len(rel), 10)))
    return {"recall@5": r5, "recall@10": r10, "mrr": rr, "ndcg@10": dcg / idcg}


def percentiles(ms: list[float]) -> dict:
    return {"p50_ms": round(float(np.percentile(ms, 50)), 1), "p95_ms": round(float(np.percentile(ms, 95)), 1)}
