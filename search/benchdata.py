"""Labelled data of `praktijkwijzer bench` (corpus/bench/) and the metrics computed on it."""
from __future__ import annotations

import math

import numpy as np
import yaml

from kb.registry import CORPUS_DIR
from kb.entries import list_entries

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


# ---------------------------------------------------------------- graded sets (issue 10)

def _graded(conn, refs: list[dict]) -> dict[str, int]:
    """{entry id: grade} for graded refs; an ungraded ref counts as 2, or 1 for `beleid`
    (policy text is context for a project leader, never an answer)."""
    ids = resolve(conn, refs)
    return {eid: int(r.get("grade", 1 if r.get("type") == "beleid" else 2)) for eid, r in zip(ids, refs)}


def load_labelled(conn, name: str) -> list[dict]:
    """Every labelled question of one set as {id, query, set, grades {entry: 1|2}, negative,
    kind, group (for grouped cross-validation)}.

    name: 'devset' (positives), 'negatives', 'plans' (bottlenecks; gap ones are negative) or
    'holdout' (its positives and negatives: never fit on these)."""
    if name == "plans":
        data = yaml.safe_load((BENCH_DIR / "plan_pairs.yaml").read_text(encoding="utf-8"))["pairs"]
        return [{"id": p["id"], "query": p["knelpunt"], "set": name, "grades": _graded(conn, p.get("relevant") or []),
                 "negative": bool(p.get("gap")) or not any(r.get("grade", 2) == 2 for r in p.get("relevant") or []),
                 "plan": p.get("plan"), "context": _graded(conn, p.get("context") or []),
                 # gap bottlenecks with one topic (in two regions) are one group in cross-validation
                 "group": f"topic:{p['topic']}" if p.get("gap") and p.get("topic") else p["id"],
                 "kind": "kennislacune" if p.get("gap") else None} for p in data]
    files = {"devset": ("devset.yaml", ["queries"]), "negatives": ("negatives.yaml", ["queries"]),
             "holdout": ("holdout.yaml", ["queries", "negatives"])}
    fname, keys = files[name]
    data = yaml.safe_load((BENCH_DIR / fname).read_text(encoding="utf-8"))
    out = []
    for key in keys:
        for q in data.get(key) or []:
            grades = _graded(conn, q.get("relevant") or [])
            negative = name == "negatives" or key == "negatives" or not any(g == 2 for g in grades.values())
            out.append({"id": q["id"], "query": q["query"], "set": name, "grades": grades, "negative": negative,
                        "kind": q.get("kind"), "context": _graded(conn, q.get("context") or [])})
    return out


def fit_sets(conn) -> list[dict]:
    """The labelled questions the match model may be fitted on (never the holdout)."""
    return load_labelled(conn, "devset") + load_labelled(conn, "negatives") + load_labelled(conn, "plans")


def data_checksum(paths=("devset.yaml", "negatives.yaml", "plan_pairs.yaml")) -> str:
    import hashlib
    h = hashlib.sha256()
    for p in paths:
        h.update(p.encode() + b"\0" + (BENCH_DIR / p).read_bytes())
    return h.hexdigest()
