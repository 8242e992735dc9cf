"""How gap bottlenecks are grouped by meaning on the knowledge-gap map: agglomerative
clustering (scikit-learn) of their centred sentence vectors with a FITTED distance threshold.

Centring: sentence vectors of a small model all point roughly the same way (two unrelated
bottlenecks still have cosine similarity ~0.9), so the mean vector of all labelled plan
bottlenecks (corpus/bench/plan_pairs.yaml, gaps or not; it uses no label) is subtracted
before the cosine distances are taken. The mean is stored with the fit, so adding a plan
never regroups the others. `praktijkwijzer bench` reports the figures without centring too.

The threshold is fitted on the hand labels of corpus/bench/plan_pairs.yaml: every bottleneck
there with `gap: true` has a `topic`, and the same topic in several regions is one gap. The
criterion is pairwise F1: a pair of bottlenecks counts as "together" when the clustering puts
them in one group and as "truly together" when they share a topic. Cutting the tree of the
labelled bottlenecks gives one clustering per interval between two successive merge
distances; the fitted threshold is the middle of the widest interval whose clustering has the
best F1 (the largest margin on both sides). The linkage (average, complete, single) is the
one with the best cross-validated F1 (ties: the first listed).

Cross-validation holds out three of the nine topics at a time (all 84 combinations): the
threshold is fitted on the pairs among the other topics' bottlenecks and scored on every pair
that involves a held-out bottleneck. Clustering uses no labels, so all labelled bottlenecks
are clustered together, as on the real map.

The fit is stored in corpus/gap_clustering.json with the checksum of the labels and the id of
the language model (distances depend on it). `praktijkwijzer bench` re-fits and reports it
(`python -m search.gap_clustering --schrijf` writes it). For another language model, or
changed labels, the same fit is done when the map is first built: never a hand-set number.
"""
from __future__ import annotations

import argparse
import hashlib
import itertools
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import yaml
from sklearn.cluster import AgglomerativeClustering
from sklearn.metrics import adjusted_rand_score

from kb.registry import CORPUS_DIR

CLUSTERING_PATH = CORPUS_DIR / "gap_clustering.json"
LABELS_PATH = CORPUS_DIR / "bench" / "plan_pairs.yaml"
LINKAGES = ("average", "complete", "single")
HELD_OUT_TOPICS = 3
CRITERION = ("paarsgewijze F1 op de topics van de kennislacunes in corpus/bench/plan_pairs.yaml; "
             "drempel in het midden van het breedste interval met de beste F1")


@dataclass
class GapClustering:
    threshold: float               # cosine distance: bottlenecks closer than this (by linkage) form one gap
    linkage: str
    model_id: str
    labels_checksum: str
    center: np.ndarray | None = None   # subtracted from every vector before the distances
    fitted_now: bool = False       # True: fitted when loaded (no stored fit for this model and these labels)
    info: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        d = asdict(self)
        d.pop("fitted_now")
        d["threshold"] = round(self.threshold, 6)
        d["center"] = [round(float(x), 6) for x in self.center] if self.center is not None else None
        return d

    def distances(self, vectors: np.ndarray) -> np.ndarray:
        v = np.asarray(vectors, dtype=np.float64)
        return distances(v - self.center if self.center is not None else v)

    def cluster(self, vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(group labels, distance matrix) of these vectors."""
        d = self.distances(vectors)
        return cluster(d, self.threshold, self.linkage), d


# ---------------------------------------------------------------- labelled data

def labelled_bottlenecks(path: Path = LABELS_PATH) -> list[dict]:
    """Every labelled plan bottleneck: [{id, text, topic, plan}], in file order; `topic` is
    None unless the bottleneck is a labelled gap."""
    pairs = yaml.safe_load(Path(path).read_text(encoding="utf-8"))["pairs"]
    return [{"id": p["id"], "text": p["knelpunt"], "topic": p.get("topic") if p.get("gap") else None,
             "plan": p["plan"]} for p in pairs]


def labelled_gaps(path: Path = LABELS_PATH) -> list[dict]:
    """The labelled gap bottlenecks (those with a topic)."""
    return [x for x in labelled_bottlenecks(path) if x["topic"]]


def labels_checksum(items: list[dict]) -> str:
    """Checksum of exactly what the fit reads: each bottleneck's id, text and topic."""
    rows = sorted((x["id"], x["text"], x["topic"] or "") for x in items)
    return hashlib.sha256(json.dumps(rows, ensure_ascii=False).encode("utf-8")).hexdigest()


# ---------------------------------------------------------------- clustering

def distances(vectors: np.ndarray) -> np.ndarray:
    """Cosine distances between L2-normalised vectors (0 on the diagonal, never negative)."""
    v = np.asarray(vectors, dtype=np.float64)
    v = v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)
    d = np.clip(1.0 - v @ v.T, 0.0, 2.0)
    np.fill_diagonal(d, 0.0)
    return (d + d.T) / 2


def cluster(dist: np.ndarray, threshold: float, linkage: str) -> np.ndarray:
    """Group labels (0..k-1) of agglomerative clustering with a distance threshold."""
    n = len(dist)
    if n == 0:
        return np.zeros(0, dtype=int)
    if n == 1:
        return np.zeros(1, dtype=int)
    model = AgglomerativeClustering(n_clusters=None, distance_threshold=threshold, metric="precomputed",
                                    linkage=linkage)
    return model.fit_predict(dist)


def merge_distances(dist: np.ndarray, linkage: str) -> np.ndarray:
    """The distances at which the full tree merges (ascending)."""
    model = AgglomerativeClustering(n_clusters=None, distance_threshold=0.0, metric="precomputed",
                                    linkage=linkage, compute_full_tree=True, compute_distances=True)
    model.fit(dist)
    return np.sort(model.distances_)


def _cuts(dist: np.ndarray, linkage: str) -> list[tuple[float, float, np.ndarray]]:
    """Every distinct way to cut the tree: (low, high, labels) for thresholds in (low, high]."""
    merges = np.unique(merge_distances(dist, linkage))
    bounds = [0.0, *merges.tolist(), float(merges[-1]) + 0.1 if len(merges) else 0.1]
    return [(low, high, cluster(dist, (low + high) / 2, linkage))
            for low, high in zip(bounds, bounds[1:]) if high > low]


def pair_counts(labels: np.ndarray, topics: list[str], keep=None) -> tuple[int, int, int]:
    """(true positives, false positives, false negatives) over pairs i<j with keep(i, j)."""
    tp = fp = fn = 0
    for i, j in itertools.combinations(range(len(topics)), 2):
        if keep is not None and not keep(i, j):
            continue
        together, truly = labels[i] == labels[j], topics[i] == topics[j]
        tp += together and truly
        fp += together and not truly
        fn += truly and not together
    return tp, fp, fn


def f1(tp: int, fp: int, fn: int) -> float:
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def _best(cuts, topics, keep=None) -> tuple[float, float]:
    """(threshold, F1): the middle of the widest cut interval with the best pairwise F1."""
    scored = [(f1(*pair_counts(labels, topics, keep)), high - low, (low + high) / 2) for low, high, labels in cuts]
    best = max(s for s, _, _ in scored)
    _, _, t = max((s for s in scored if s[0] >= best - 1e-12), key=lambda s: s[1])
    return t, best


def _labels_at(cuts, t: float) -> np.ndarray:
    return next(labels for low, high, labels in cuts if low < t <= high)


def cross_validate(dist: np.ndarray, topics: list[str], linkage: str, held_out: int = HELD_OUT_TOPICS) -> dict:
    """Leave-`held_out`-topics-out over all combinations: pooled pairwise precision, recall and
    F1 on the pairs involving a held-out bottleneck; mean ARI on the held-out bottlenecks."""
    cuts = _cuts(dist, linkage)
    names = sorted(set(topics))
    tp = fp = fn = 0
    aris, thresholds = [], []
    for out in itertools.combinations(names, max(min(held_out, len(names) - 1), 1)):
        test = {i for i, t in enumerate(topics) if t in out}
        t, _ = _best(cuts, topics, keep=lambda i, j: i not in test and j not in test)
        labels = _labels_at(cuts, t)
        a, b, c = pair_counts(labels, topics, keep=lambda i, j: i in test or j in test)
        tp, fp, fn = tp + a, fp + b, fn + c
        idx = sorted(test)
        aris.append(adjusted_rand_score([topics[i] for i in idx], labels[idx]))
        thresholds.append(t)
    return {"splits": len(thresholds), "precision": round(tp / (tp + fp), 3) if tp + fp else 0.0,
            "recall": round(tp / (tp + fn), 3) if tp + fn else 0.0, "f1": round(f1(tp, fp, fn), 3),
            "ari": round(float(np.mean(aris)), 3) if aris else 0.0,
            "threshold_min": round(min(thresholds), 4), "threshold_max": round(max(thresholds), 4)}


def fit(vectors: np.ndarray, items: list[dict], model_id: str, *, centre: bool = True) -> tuple[GapClustering, dict]:
    """The stored fit (linkage by cross-validated F1, threshold on all labels) and the report.
    `vectors` and `items`: every labelled bottleneck (labelled_bottlenecks); the centre is their
    mean, the threshold is fitted on those with a topic."""
    vectors = np.asarray(vectors, dtype=np.float64)
    center = vectors.mean(axis=0) if centre else None
    gaps = [i for i, x in enumerate(items) if x["topic"]]
    all_items, items = items, [items[i] for i in gaps]
    topics = [x["topic"] for x in items]
    dist = distances(vectors[gaps] - center if center is not None else vectors[gaps])
    cv = {link: cross_validate(dist, topics, link) for link in LINKAGES}
    linkage = max(LINKAGES, key=lambda link: (cv[link]["f1"], -LINKAGES.index(link)))
    cuts = _cuts(dist, linkage)
    threshold, best = _best(cuts, topics)
    labels = _labels_at(cuts, threshold)
    tp, fp, fn = pair_counts(labels, topics)
    info = {"criterion": CRITERION, "bottlenecks": len(items), "topics": len(set(topics)),
            "fit": {"f1": round(best, 3), "precision": round(tp / (tp + fp), 3) if tp + fp else 0.0,
                    "recall": round(tp / (tp + fn), 3) if tp + fn else 0.0,
                    "ari": round(float(adjusted_rand_score(topics, labels)), 3), "gaps": int(len(set(labels)))},
            "cv": cv[linkage]}
    model = GapClustering(threshold=float(threshold), linkage=linkage, model_id=model_id,
                          labels_checksum=labels_checksum(all_items), center=center, info=info)
    return model, {"cv_per_linkage": cv}


# ---------------------------------------------------------------- stored fit

def load_stored(model_id: str, checksum: str, path: Path = CLUSTERING_PATH) -> GapClustering | None:
    """The stored fit when it was made with this language model and these labels."""
    try:
        d = json.loads(Path(path).read_text(encoding="utf-8"))
        m = GapClustering(threshold=float(d["threshold"]), linkage=d["linkage"], model_id=d["model_id"],
                          labels_checksum=d["labels_checksum"], info=d.get("info", {}),
                          center=np.array(d["center"], dtype=np.float64) if d.get("center") else None)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if m.model_id != model_id or m.labels_checksum != checksum or m.linkage not in LINKAGES:
        return None
    return m


def save(model: GapClustering, path: Path = CLUSTERING_PATH) -> None:
    tmp = Path(str(path) + ".tmp")
    tmp.write_text(json.dumps(model.to_json(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    tmp.replace(path)


def clustering_for(encode, model_id: str, path: Path = CLUSTERING_PATH) -> GapClustering:
    """The fit to use with this language model: the stored one, or (another model, changed
    labels) the same fit made now. `encode(texts)` returns the texts' vectors."""
    items = labelled_bottlenecks()
    found = load_stored(model_id, labels_checksum(items), path)
    if found is not None:
        return found
    model, _ = fit(encode([x["text"] for x in items]), items, model_id)
    model.fitted_now = True
    return model


# ---------------------------------------------------------------- the bench

def bench(searcher, *, write: bool = False) -> dict:
    """Re-fit on the labels and report it with the mechanisms on and off: without centring
    (re-fitted), no grouping (every gap bottleneck its own gap) and grouping by the
    bottleneck's first theme instead of meaning."""
    from ingest.plans import classify_bottleneck
    every = labelled_bottlenecks()
    vectors = searcher.encode_queries([x["text"] for x in every])
    model, extra = fit(vectors, every, searcher.encoder.model_id)
    raw, _ = fit(vectors, every, searcher.encoder.model_id, centre=False)
    stored = load_stored(model.model_id, model.labels_checksum)
    items = [x for x in every if x["topic"]]
    topics = [x["topic"] for x in items]
    singles = np.arange(len(items))
    themes = [(classify_bottleneck(x["text"], searcher.registry).get("themes") or ["-"])[0] for x in items]
    by_theme = np.array([sorted(set(themes)).index(t) for t in themes])

    def scores(labels):
        tp, fp, fn = pair_counts(labels, topics)
        return {"f1": round(f1(tp, fp, fn), 3), "ari": round(float(adjusted_rand_score(topics, labels)), 3),
                "gaps": int(len(set(labels.tolist())))}
    if write:
        save(model)
    return {"model": model.to_json(), "stored_matches": stored is not None and
            abs(stored.threshold - model.threshold) < 1e-6 and stored.linkage == model.linkage,
            "cv_per_linkage": extra["cv_per_linkage"], "off_no_grouping": scores(singles),
            "off_centring": {"linkage": raw.linkage, "threshold": round(raw.threshold, 4), "cv": raw.info["cv"]},
            "off_by_theme": scores(by_theme), "written": write}


def lines(r: dict) -> list[str]:
    """The bench report in Dutch (one line per figure)."""
    m, info = r["model"], r["model"]["info"]
    cv = info["cv"]
    out = [f"Kennislacunes groeperen ({info['bottlenecks']} gelabelde lacune-knelpunten, {info['topics']} "
           f"onderwerpen): koppeling {m['linkage']}, drempel (cosinusafstand) {m['threshold']:.4f}"
           + ("" if r["stored_matches"] else " — wijkt af van corpus/gap_clustering.json; schrijf met "
              "'python -m search.gap_clustering --schrijf'"),
           f"  kruisvalidatie ({cv['splits']}× drie onderwerpen apart): paar-F1 {cv['f1']:.3f} (precisie "
           f"{cv['precision']:.3f}, recall {cv['recall']:.3f}), ARI {cv['ari']:.3f}; drempel per deel "
           f"{cv['threshold_min']:.4f}–{cv['threshold_max']:.4f}",
           f"  op alle labels: paar-F1 {info['fit']['f1']:.3f}, ARI {info['fit']['ari']:.3f}, "
           f"{info['fit']['gaps']} lacunes voor {info['topics']} onderwerpen"]
    for link, c in r["cv_per_linkage"].items():
        out.append(f"  koppeling {link}: paar-F1 {c['f1']:.3f}, ARI {c['ari']:.3f} (kruisvalidatie)")
    c = r["off_centring"]["cv"]
    out.append(f"  zonder centreren (opnieuw gefit, koppeling {r['off_centring']['linkage']}): paar-F1 {c['f1']:.3f}, "
               f"ARI {c['ari']:.3f} (kruisvalidatie)")
    a, b = r["off_no_grouping"], r["off_by_theme"]
    out.append(f"  zonder groeperen: paar-F1 {a['f1']:.3f} ({a['gaps']} lacunes); groeperen op eerste thema "
               f"in plaats van betekenis: paar-F1 {b['f1']:.3f}, ARI {b['ari']:.3f} ({b['gaps']} lacunes)")
    return out


def main(argv: list[str] | None = None) -> int:
    from index.encoder import load_encoder
    from index.store import index_dir_for, load
    from kb.db import connect
    from kb.paths import database_path
    from search.engine import Searcher
    p = argparse.ArgumentParser(description="De drempel van de kennislacunes opnieuw fitten en rapporteren.")
    p.add_argument("--db", help="pad naar de database")
    p.add_argument("--schrijf", action="store_true", help="het resultaat opslaan in corpus/gap_clustering.json")
    args = p.parse_args(argv)
    db = database_path(args.db)
    conn = connect(db)
    encoder = load_encoder()
    searcher = Searcher(conn, load(index_dir_for(db), expected_model=encoder.model_id, conn=conn), encoder)
    for line in lines(bench(searcher, write=args.schrijf)):
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
