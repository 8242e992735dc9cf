"""`praktijkwijzer bench`: retrieval quality on the Dutch dev set, latency, index build time,
memory, and a scale run of the vector index on synthetic data. Not part of the tests."""
from __future__ import annotations

import json
import os
import resource
import sys
import time
from pathlib import Path

import faiss
import numpy as np

from search import bench_decision, bench_plans, gap_clustering
from search.benchdata import BENCH_DIR, load_devset, metrics, percentiles, resolve  # noqa: F401 (re-exported)


def evaluate(searcher, devset: list[dict], mode: str) -> dict:
    from search.engine import Filters
    rows = []
    for q in devset:
        ranked = [r.id for r in searcher.search(q["query"], k=10, mode=mode, filters=Filters(status=None))]
        rows.append(metrics(ranked, q["relevant"]) | {"query": q["id"]})
    agg = {k: round(float(np.mean([r[k] for r in rows])), 3) for k in ("recall@5", "recall@10", "mrr", "ndcg@10")}
    return agg | {"per_query": rows}


def latency(searcher, queries: list[str], repeat: int = 3) -> dict:
    """End to end per query, as a user's new question: encoding included (caches cleared);
    the search a user gets (Searcher.find: ranking, match decision, the page explained)."""
    for q in queries[:5]:
        searcher.find(q)                                     # warm-up
    ms = []
    for _ in range(repeat):
        for q in queries:
            searcher.clear_caches()
            t = time.perf_counter()
            searcher.find(q)
            ms.append((time.perf_counter() - t) * 1000)
    return percentiles(ms) | {"n": len(ms)}


def scale_run(dim: int, sizes=(10_000, 100_000), n_queries: int = 200, seed: int = 7) -> list[dict]:
    """FAISS latency and ANN recall@10 vs exact search on synthetic, clustered unit vectors."""
    from index.store import HNSW_EF_SEARCH, HNSW_M
    rng = np.random.default_rng(seed)
    out = []
    for n in sizes:
        centers = rng.normal(size=(max(n // 100, 10), dim)).astype(np.float32)
        x = centers[rng.integers(0, len(centers), n)] + 0.6 * rng.normal(size=(n, dim)).astype(np.float32)
        x /= np.linalg.norm(x, axis=1, keepdims=True)
        q = x[rng.integers(0, n, n_queries)] + 0.3 * rng.normal(size=(n_queries, dim)).astype(np.float32)
        q /= np.linalg.norm(q, axis=1, keepdims=True)
        flat = faiss.IndexFlatIP(dim)
        flat.add(x)
        t = time.perf_counter()
        hnsw = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
        hnsw.hnsw.efConstruction = 80
        threads = faiss.omp_get_max_threads()
        faiss.omp_set_num_threads(os.cpu_count() or 1)      # building may use every core
        hnsw.add(x)
        faiss.omp_set_num_threads(threads)                   # searching: one query at a time
        build_s = time.perf_counter() - t
        hnsw.hnsw.efSearch = HNSW_EF_SEARCH
        exact_ms, ann_ms, hits = [], [], 0
        for i in range(n_queries):
            t = time.perf_counter()
            _, ie = flat.search(q[i:i + 1], 10)
            exact_ms.append((time.perf_counter() - t) * 1000)
            t = time.perf_counter()
            _, ia = hnsw.search(q[i:i + 1], 10)
            ann_ms.append((time.perf_counter() - t) * 1000)
            hits += len(set(ie[0]) & set(ia[0]))
        out.append({"vectors": n, "exact": percentiles(exact_ms), "hnsw": percentiles(ann_ms),
                    "ann_recall@10": round(hits / (10 * n_queries), 4), "hnsw_build_s": round(build_s, 1)})
    return out


class EmptyKnowledgeBase(RuntimeError):
    """Nothing to measure (Dutch message)."""


def collect(conn, index_root: Path, *, model: str | None = None, skip_scale: bool = False) -> dict:
    """Build a fresh index of `conn` into `index_root` and measure quality and speed."""
    from index.encoder import load_encoder
    from index.store import build, load
    from search.engine import Searcher
    if not conn.execute("SELECT count(*) FROM entries").fetchone()[0]:
        raise EmptyKnowledgeBase("De kennisbank is leeg. Voer eerst 'praktijkwijzer ingest' uit.")
    report: dict = {}
    t = time.perf_counter()
    encoder = load_encoder(model)
    report["model"] = {"id": encoder.model_id, "dim": encoder.dim, "load_s": round(time.perf_counter() - t, 2)}
    t = time.perf_counter()
    manifest = build(conn, encoder, index_root)
    report["index_build"] = {"seconds": round(time.perf_counter() - t, 1), "vectors": manifest.n_vectors,
                             "entries": manifest.n_entries}
    searcher = Searcher(conn, load(index_root, expected_model=encoder.model_id, conn=conn), encoder)
    devset = load_devset(conn)
    report["devset"] = {"queries": len(devset)}
    report["quality"] = {mode: evaluate(searcher, devset, mode) for mode in ("lexical", "dense", "hybrid")}
    report["latency_hybrid"] = latency(searcher, [q["query"] for q in devset])
    if (BENCH_DIR / "plan_pairs.yaml").exists():
        report["plans"] = bench_plans.run(conn, searcher)
    if (BENCH_DIR / "negatives.yaml").exists() and (BENCH_DIR / "holdout.yaml").exists():
        report["decision"] = bench_decision.run(conn, searcher)
        report["gap_clustering"] = gap_clustering.bench(searcher)
    if not skip_scale:
        report["scale"] = scale_run(encoder.dim)
    return report


def finish(report: dict, *, as_json: bool) -> None:
    """Add peak memory and print the report (a table, or JSON without per-query rows)."""
    report["peak_memory_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    if as_json:
        slim = json.loads(json.dumps(report))
        for m in slim["quality"].values():
            m.pop("per_query")
        sys.stdout.write(json.dumps(slim, ensure_ascii=False, indent=2) + "\n")
        return
    from rich.console import Console
    _print(Console(highlight=False), report)


def _print(con, r: dict) -> None:
    from rich.table import Table
    con.print(f"Model: {r['model']['id']} (dim {r['model']['dim']}, laden {r['model']['load_s']} s)")
    ib = r["index_build"]
    con.print(f"Index opbouwen: {ib['seconds']} s voor {ib['entries']} kennisitems / {ib['vectors']} vectoren")
    t = Table(title=f"Kwaliteit op de dev-set ({r['devset']['queries']} vragen)", title_justify="left")
    for col in ("methode", "Recall@5", "Recall@10", "MRR", "nDCG@10"):
        t.add_column(col, justify="right" if col != "methode" else "left")
    names = {"lexical": "alleen lexicaal (BM25)", "dense": "alleen semantisch (FAISS)", "hybrid": "hybride"}
    for mode, m in r["quality"].items():
        t.add_row(names[mode], f"{m['recall@5']:.3f}", f"{m['recall@10']:.3f}", f"{m['mrr']:.3f}", f"{m['ndcg@10']:.3f}")
    con.print(t)
    lat = r["latency_hybrid"]
    con.print(f"Zoeklatentie hybride (warm, incl. encoderen): p50 {lat['p50_ms']} ms, p95 {lat['p95_ms']} ms "
              f"over {lat['n']} zoekvragen")
    if r.get("plans"):
        p = r["plans"]
        con.print(f"Planmatching: Recall@10 per knelpunt {p['recall@10']:.3f} ({p['pairs']} paren); "
                  f"plan met {p['bottlenecks']} knelpunten matchen: p50 {p['match_p50_ms']} ms, "
                  f"p95 {p['match_p95_ms']} ms")
    if r.get("web"):
        w = r["web"]
        con.print(f"Zoekpagina (server, GET /?q=..., {w['queries']} nieuwe vragen): p50 {w['p50_ms']} ms, "
                  f"p95 {w['p95_ms']} ms; herhaald (uit de cache): p95 {w['repeat']['p95_ms']} ms")
    if r.get("decision"):
        for line in bench_decision.lines(r["decision"]):
            con.print(line)
    for line in gap_clustering.lines(r["gap_clustering"]) if r.get("gap_clustering") else []:
        con.print(line)
    for s in r.get("scale", []):
        con.print(f"Schaal {s['vectors']:>7} vectoren: exact p50 {s['exact']['p50_ms']} / p95 {s['exact']['p95_ms']} ms; "
                  f"HNSW p50 {s['hnsw']['p50_ms']} / p95 {s['hnsw']['p95_ms']} ms; ANN recall@10 {s['ann_recall@10']}; "
                  f"HNSW bouwen {s['hnsw_build_s']} s")
    con.print(f"Piekgeheugen: {r['peak_memory_mb']} MB")
