"""The search indexes on disk: FAISS vectors + BM25 lexical index, per generation.

    <index dir>/CURRENT            name of the live generation (replaced atomically)
    <index dir>/gen-000007/        manifest.json, vectors.npy, ids.npy, index.faiss,
                                   chunks.json, bm25/ (bm25s files)

A change never touches the live generation: the new one is written to a temporary
directory, fsynced, renamed, and only then does CURRENT point to it. A crash at any moment
leaves the previous generation live and intact; readers keep serving it until the swap.
The database is the source of truth: `build` recreates everything from it, `sync` updates
only the entries whose content changed (vectors of unchanged chunks are reused).
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import tempfile
import time
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Callable

import bm25s
import faiss
import numpy as np

from index.analysis import analyze
from kb.db import db_path
from kb.registry import load_registry
from kb.entries import entry_text, list_entries

FORMAT_VERSION = 2
ANN_THRESHOLD = 20_000          # above this many vectors: HNSW instead of exact search
HNSW_M = 32
HNSW_EF_SEARCH = 512        # measured: ANN recall@10 0.96 at 100k vectors, p95 2.5 ms (praktijkwijzer bench)
Progress = Callable[[str, int, int], None]


class IndexMismatch(RuntimeError):
    """The index on disk does not belong to this database or model (Dutch message)."""


@dataclass
class Manifest:
    model_id: str
    dim: int
    normalized: bool
    n_vectors: int
    n_entries: int
    entries_checksum: str
    index_type: str
    format_version: int = FORMAT_VERSION
    created_at: str = ""
    build_seconds: float = 0.0


@dataclass
class Chunk:
    id: int
    entry_id: str
    kind: str          # entry / passage
    text: str


@dataclass
class LoadedIndex:
    manifest: Manifest
    faiss_index: faiss.Index
    chunks: list[Chunk]                      # position i <-> vector i
    entry_hashes: dict[str, str]             # entry id -> content hash it was built from
    bm25: bm25s.BM25
    vectors: np.ndarray
    generation: str
    by_entry: dict[str, list[int]] = field(default_factory=dict)   # entry id -> chunk positions

    def __post_init__(self):
        for pos, c in enumerate(self.chunks):
            self.by_entry.setdefault(c.entry_id, []).append(pos)


def index_dir_for(db: str | os.PathLike | None = None) -> Path:
    """Indexes live beside the database: var/praktijkwijzer.db -> var/praktijkwijzer.index/."""
    env = os.environ.get("PRAKTIJKWIJZER_INDEX")
    if env:
        return Path(env)
    p = db_path(db)
    return p.with_suffix(".index")


# ---------------------------------------------------------------- what to index

def indexed_entries(conn: sqlite3.Connection):
    """Every entry that is not archived; search filters on status at query time."""
    return [e for e in list_entries(conn) if e.status != "gearchiveerd"]


def db_checksum(conn: sqlite3.Connection) -> str:
    rows = conn.execute("SELECT id, content_hash FROM entries WHERE status != 'gearchiveerd' ORDER BY id")
    h = hashlib.sha256()
    for eid, ch in rows:
        h.update(f"{eid}\t{ch}\n".encode())
    return h.hexdigest()


ENTRY_CHARS = 1200     # the entry-level vector sees title, summary and the start of the body;
                       # passages cover the rest (the model reads at most 512 tokens anyway)


def chunk_texts(e) -> list[tuple[str, str]]:
    """(kind, text) to embed for an entry: the entry itself, then its passages. Each starts
    with the title and the entry's themes and branches, so that a passage is understood in
    context (measured: +2 points Recall@10 on the dev set)."""
    labels = _labels()
    context = ", ".join(labels.get(v, v) for v in e.themes + e.branches)
    head = f"{e.title} ({context})" if context else e.title
    out = [("entry", (head + "\n" + entry_text(e)[len(e.title):].lstrip("\n"))[:ENTRY_CHARS])]
    out += [("passage", f"{head}. {p}") for p in e.chunks]
    return out


@lru_cache(maxsize=1)
def _labels() -> dict[str, str]:
    reg = load_registry()
    return reg.labels("thema") | reg.labels("branche")


# ---------------------------------------------------------------- building

def _faiss_index(vectors: np.ndarray, ids: np.ndarray, dim: int) -> tuple[faiss.Index, str]:
    if len(vectors) > ANN_THRESHOLD:
        base = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
        base.hnsw.efConstruction = 80
        base.hnsw.efSearch = HNSW_EF_SEARCH
        kind = "hnsw"
    else:
        base = faiss.IndexFlatIP(dim)
        kind = "flat"
    index = faiss.IndexIDMap2(base)
    if len(vectors):
        index.add_with_ids(vectors, ids)
    return index, kind


def _bm25(chunks: list[Chunk]) -> bm25s.BM25:
    retriever = bm25s.BM25(method="lucene")
    corpus = [analyze(c.text) or ["_"] for c in chunks] or [["_"]]
    retriever.index(corpus, show_progress=False)
    return retriever


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_generation(root: Path, manifest: Manifest, chunks: list[Chunk], vectors: np.ndarray,
                      entry_hashes: dict[str, str]) -> str:
    """Write a complete generation next to the live one and make it live atomically."""
    root.mkdir(parents=True, exist_ok=True)
    current = read_current(root)
    n = int(current.split("-")[1]) + 1 if current else 1
    name = f"gen-{n:06d}"
    tmp = Path(tempfile.mkdtemp(prefix=f".{name}.", dir=root))
    ids = np.arange(len(chunks), dtype=np.int64)
    index, kind = _faiss_index(vectors, ids, manifest.dim)
    manifest.index_type = kind
    np.save(tmp / "vectors.npy", vectors)
    faiss.write_index(index, str(tmp / "index.faiss"))
    (tmp / "chunks.json").write_text(json.dumps(
        {"chunks": [asdict(c) for c in chunks], "entry_hashes": entry_hashes}, ensure_ascii=False), encoding="utf-8")
    _bm25(chunks).save(str(tmp / "bm25"), show_progress=False)
    (tmp / "manifest.json").write_text(json.dumps(asdict(manifest), indent=2), encoding="utf-8")
    for f in tmp.rglob("*"):
        if f.is_file():
            with open(f, "rb+") as fh:
                os.fsync(fh.fileno())
    _fsync_dir(tmp)
    os.rename(tmp, root / name)
    _fsync_dir(root)
    pointer = root / ".CURRENT.tmp"
    pointer.write_text(name, encoding="utf-8")
    with open(pointer, "rb+") as fh:
        os.fsync(fh.fileno())
    os.replace(pointer, root / "CURRENT")
    _fsync_dir(root)
    _collect_garbage(root, keep={name, current})
    return name


def _collect_garbage(root: Path, keep: set) -> None:
    for p in root.iterdir():
        if p.is_dir() and p.name not in keep and (p.name.startswith("gen-") or p.name.startswith(".gen-")):
            shutil.rmtree(p, ignore_errors=True)


def read_current(root: Path) -> str | None:
    f = root / "CURRENT"
    if not f.exists():
        return None
    name = f.read_text(encoding="utf-8").strip()
    return name if (root / name / "manifest.json").exists() else None


def build(conn: sqlite3.Connection, encoder, root: Path, *, progress: Progress | None = None,
          batch_size: int = 16) -> Manifest:
    """Rebuild everything from the database (`praktijkwijzer reindex`)."""
    return _update(conn, encoder, root, progress=progress, batch_size=batch_size, reuse=False)


def sync(conn: sqlite3.Connection, encoder, root: Path, *, progress: Progress | None = None,
         batch_size: int = 16) -> tuple[Manifest, dict]:
    """Bring the index up to date with the database, encoding only changed entries.
    Returns the manifest and {'added': [...], 'updated': [...], 'removed': [...]}."""
    changes: dict = {}
    m = _update(conn, encoder, root, progress=progress, batch_size=batch_size, reuse=True, changes=changes)
    return m, changes


def _update(conn, encoder, root: Path, *, progress, batch_size, reuse: bool, changes: dict | None = None) -> Manifest:
    step = progress or (lambda *_: None)
    t0 = time.perf_counter()
    checksum = db_checksum(conn)
    entries = indexed_entries(conn)
    old = None
    if reuse and read_current(root):
        try:
            old = load(root, expected_model=encoder.model_id)
        except IndexMismatch:
            old = None
    hashes = {e.id: e.content_hash() for e in entries}
    keep: dict[str, list[int]] = {}
    if old is not None:
        for eid, positions in old.by_entry.items():
            if old.entry_hashes.get(eid) == hashes.get(eid):
                keep[eid] = positions
    if changes is not None:
        before = set(old.entry_hashes) if old else set()
        changes["added"] = sorted(set(hashes) - before)
        changes["updated"] = sorted(e for e in hashes if e in before and e not in keep)
        changes["removed"] = sorted(before - set(hashes))
        if old is not None and not (changes["added"] or changes["updated"] or changes["removed"]) \
                and old.manifest.entries_checksum == checksum:
            return old.manifest
    chunks: list[Chunk] = []
    parts: list[np.ndarray] = []
    todo: list[tuple[int, str]] = []   # (position, text) to encode
    for e in entries:
        if e.id in keep:
            for pos in keep[e.id]:
                c = old.chunks[pos]
                chunks.append(Chunk(len(chunks), c.entry_id, c.kind, c.text))
                parts.append(old.vectors[pos:pos + 1])
            continue
        for kind, text in chunk_texts(e):
            todo.append((len(chunks), text))
            chunks.append(Chunk(len(chunks), e.id, kind, text))
            parts.append(None)
    if todo:
        todo.sort(key=lambda pt: len(pt[1]))        # similar lengths per batch: little padding
        for i in range(0, len(todo), batch_size):
            step("Vectoren berekenen", i, len(todo))
            batch = todo[i:i + batch_size]
            vecs = np.asarray(encoder.encode_passages([t for _, t in batch], batch_size=batch_size), dtype=np.float32)
            for (pos, _), vec in zip(batch, vecs):
                parts[pos] = vec[None, :]
        step("Vectoren berekenen", len(todo), len(todo))
    vectors = np.vstack(parts).astype(np.float32) if parts else np.zeros((0, encoder.dim), np.float32)
    step("Index wegschrijven", 0, 1)
    manifest = Manifest(model_id=encoder.model_id, dim=encoder.dim, normalized=True, n_vectors=len(vectors),
                        n_entries=len(entries), entries_checksum=checksum, index_type="",
                        created_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
    manifest.build_seconds = round(time.perf_counter() - t0, 3)
    _write_generation(root, manifest, chunks, vectors, hashes)
    step("Index wegschrijven", 1, 1)
    return manifest


# ---------------------------------------------------------------- loading

def load(root: Path, *, expected_model: str | None = None, conn: sqlite3.Connection | None = None) -> LoadedIndex:
    """Load the live generation. Refuses (IndexMismatch, Dutch message) an index that is
    missing, of another model, or built from other database contents than `conn` holds."""
    name = read_current(root)
    if not name:
        raise IndexMismatch(f"Er is nog geen zoekindex in {root}. Voer 'praktijkwijzer reindex' uit.")
    gen = root / name
    m = Manifest(**json.loads((gen / "manifest.json").read_text(encoding="utf-8")))
    if m.format_version != FORMAT_VERSION:
        raise IndexMismatch("De zoekindex heeft een verouderd formaat. Voer 'praktijkwijzer reindex' uit.")
    if expected_model and m.model_id != expected_model:
        raise IndexMismatch(
            f"De zoekindex is gemaakt met model '{m.model_id}', maar het ingestelde model is "
            f"'{expected_model}'. Voer 'praktijkwijzer reindex' uit.")
    if conn is not None and db_checksum(conn) != m.entries_checksum:
        raise IndexMismatch(
            "De zoekindex hoort niet bij de huidige inhoud van de kennisbank (er zijn items gewijzigd). "
            "Voer 'praktijkwijzer reindex' uit.")
    data = json.loads((gen / "chunks.json").read_text(encoding="utf-8"))
    chunks = [Chunk(**c) for c in data["chunks"]]
    index = faiss.read_index(str(gen / "index.faiss"))
    if isinstance(faiss.downcast_index(index.index), faiss.IndexHNSW):
        faiss.downcast_index(index.index).hnsw.efSearch = HNSW_EF_SEARCH
    vectors = np.load(gen / "vectors.npy")
    if index.ntotal != len(chunks) or len(vectors) != len(chunks) or m.n_vectors != len(chunks):
        raise IndexMismatch("De zoekindex is onvolledig. Voer 'praktijkwijzer reindex' uit.")
    bm25 = bm25s.BM25.load(str(gen / "bm25"))
    return LoadedIndex(m, index, chunks, data["entry_hashes"], bm25, vectors, name)
