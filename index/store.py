"""The search indexes on disk: FAISS vectors + BM25 lexical index, per generation.

    <index dir>/CURRENT                 name of the live generation (replaced atomically)
    <index dir>/.lock                   the writers' lock
    <index dir>/gen-000007-5f0c3a9e/    manifest.json (lists every other file with its size),
                                        vectors.npy, index.faiss, chunks.json, bm25/ (bm25s files)

Every writer (`build`, `sync`, and so `praktijkwijzer reindex`, `ingest` and the web's refresh
after a curator publishes) holds one exclusive lock for the whole write; a second writer waits
for it, and a `sync` decides what is left to do only once it holds the lock. A change never
touches the live generation: the new one is written to a temporary directory, fsynced, renamed
to a name no other generation has, and only then does CURRENT point to it. A crash at any
moment leaves the previous generation live and intact; readers keep serving it until the swap
and never take the lock. The next writer cleans up whatever an interrupted one left, and `load`
copes with every such state (index.generations describes them). A write that fails (a full
disk) removes its files again and raises IndexWriteError; the previous generation stays live.

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
from dataclasses import asdict, dataclass, field, fields
from functools import lru_cache
from pathlib import Path
from typing import Callable

import bm25s
import faiss
import numpy as np

from index.analysis import analyze
from index.generations import (IndexBusy, IndexUnavailable, IndexWriteError, Recovery,  # noqa: F401 (re-exported)
                               collect_garbage, complete_generations, fsync_dir, generations, live_generation,
                               new_generation_name, pointer_stamp, read_pointer, recover, set_pointer, write_failure,
                               writer_lock)
from kb.db import db_path
from kb.registry import load_registry
from kb.entries import entry_text, list_entries

FORMAT_VERSION = 2
ANN_THRESHOLD = 20_000          # above this many vectors: HNSW instead of exact search
HNSW_M = 32
HNSW_EF_SEARCH = 512        # for ANN recall@10 >= 0.95 at 100k vectors; `praktijkwijzer bench` re-measures it
                            # (last: recall@10 0.964, p95 5.2 ms on 2 cores; README, Benchmark)
Progress = Callable[[str, int, int], None]


class IndexMismatch(IndexUnavailable):
    """The index on disk is missing, damaged, or does not belong to this database or model
    (Dutch message asking for `praktijkwijzer reindex`)."""


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
    files: dict[str, int] = field(default_factory=dict)     # relative path -> size: what "complete" means


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


WRITE_STEP = "Index wegschrijven"
# The phases of a write, reported through `progress(WRITE_STEP, phase, WRITE_STEPS)`:
# 0 temporary directory made, 1 vectors and FAISS index written, 2 every file written and
# fsynced (complete, not yet renamed), 3 renamed to its generation name (not yet live),
# 4 the new pointer .CURRENT.tmp written (about to replace CURRENT), 5 live (older generations
# not yet removed), 6 done.
WRITE_STEPS = 6


def _fsync_tree(path: Path) -> None:
    for f in sorted(path.rglob("*")):
        if f.is_file():
            with open(f, "rb+") as fh:
                os.fsync(fh.fileno())
        elif f.is_dir():
            fsync_dir(f)
    fsync_dir(path)


def _write_generation(root: Path, manifest: Manifest, chunks: list[Chunk], vectors: np.ndarray,
                      entry_hashes: dict[str, str], step: Progress) -> str:
    """Write a complete generation next to the live one and make it live atomically. The
    caller holds the writers' lock. On any failure the new files are removed again."""
    previous = live_generation(root)
    name = new_generation_name(root)
    final = root / name
    tmp: Path | None = None
    try:
        tmp = Path(tempfile.mkdtemp(prefix=f".{name}.", dir=root))
        step(WRITE_STEP, 0, WRITE_STEPS)
        ids = np.arange(len(chunks), dtype=np.int64)
        index, kind = _faiss_index(vectors, ids, manifest.dim)
        manifest.index_type = kind
        np.save(tmp / "vectors.npy", vectors)
        faiss.write_index(index, str(tmp / "index.faiss"))
        step(WRITE_STEP, 1, WRITE_STEPS)
        with open(tmp / "chunks.json", "w", encoding="utf-8") as fh:
            json.dump({"chunks": [asdict(c) for c in chunks], "entry_hashes": entry_hashes}, fh, ensure_ascii=False)
        _bm25(chunks).save(str(tmp / "bm25"), show_progress=False)
        manifest.files = {f.relative_to(tmp).as_posix(): f.stat().st_size
                          for f in sorted(tmp.rglob("*")) if f.is_file()}
        with open(tmp / "manifest.json", "w", encoding="utf-8") as fh:      # last: it lists the others
            json.dump(asdict(manifest), fh, indent=2)
        _fsync_tree(tmp)
        step(WRITE_STEP, 2, WRITE_STEPS)
        os.rename(tmp, final)
        fsync_dir(root)
        step(WRITE_STEP, 3, WRITE_STEPS)
        set_pointer(root, name, before_swap=lambda: step(WRITE_STEP, 4, WRITE_STEPS))
        step(WRITE_STEP, 5, WRITE_STEPS)
    except BaseException as err:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
        if final.exists() and read_pointer(root) != name:
            shutil.rmtree(final, ignore_errors=True)
        if isinstance(err, (OSError, RuntimeError)) and not isinstance(err, IndexUnavailable):
            raise IndexWriteError(write_failure(root, err)) from err
        raise
    collect_garbage(root, keep={name, previous} - {None})
    step(WRITE_STEP, WRITE_STEPS, WRITE_STEPS)
    return name


def read_current(root: Path) -> str | None:
    """The live generation's name (CURRENT, or the newest complete generation if CURRENT is
    lost or damaged), or None when there is no usable index."""
    return live_generation(Path(root))


def recover_index(root: Path, *, lock_timeout: float | None = None) -> Recovery:
    """Clean up after interrupted writers now (every write does this first): takes the writers'
    lock. For start-up checks; readers never need it."""
    with writer_lock(Path(root), timeout=lock_timeout):
        return recover(Path(root))


def build(conn: sqlite3.Connection, encoder, root: Path, *, progress: Progress | None = None,
          batch_size: int = 16, lock_timeout: float | None = None) -> Manifest:
    """Rebuild everything from the database (`praktijkwijzer reindex`). Holds the writers' lock
    (waits at most `lock_timeout` seconds for another writer: IndexBusy)."""
    return _update(conn, encoder, root, progress=progress, batch_size=batch_size, reuse=False,
                   lock_timeout=lock_timeout)


def sync(conn: sqlite3.Connection, encoder, root: Path, *, progress: Progress | None = None,
         batch_size: int = 16, lock_timeout: float | None = None) -> tuple[Manifest, dict]:
    """Bring the index up to date with the database, encoding only changed entries.
    Returns the manifest and {'added': [...], 'updated': [...], 'removed': [...]}. What needs
    doing is decided after the writers' lock is acquired, so a sync that waited for another
    writer does only what is still left (often nothing)."""
    changes: dict = {}
    m = _update(conn, encoder, root, progress=progress, batch_size=batch_size, reuse=True, changes=changes,
                lock_timeout=lock_timeout)
    return m, changes


def _snapshot(conn: sqlite3.Connection) -> tuple[str, list]:
    """The checksum and the entries from one consistent read of the database."""
    own = not conn.in_transaction
    if own:
        conn.execute("BEGIN")
    try:
        return db_checksum(conn), indexed_entries(conn)
    finally:
        if own:
            conn.execute("ROLLBACK")


def _update(conn, encoder, root: Path, *, progress, batch_size, reuse: bool, changes: dict | None = None,
            lock_timeout: float | None = None) -> Manifest:
    step = progress or (lambda *_: None)
    root = Path(root)
    with writer_lock(root, timeout=lock_timeout, on_wait=lambda message: step(message, 0, 1)):
        try:
            recover(root)
            return _update_locked(conn, encoder, root, step=step, batch_size=batch_size, reuse=reuse,
                                  changes=changes)
        except OSError as err:            # clean-up or pointer writes (generation writes convert their own)
            raise IndexWriteError(write_failure(root, err)) from err


def _reusable(root: Path, model_id: str, checksum: str) -> LoadedIndex | None:
    """The generation to start from: one that matches the database exactly if there is one
    (e.g. a generation whose writer died just before making it live), else the live one."""
    for wanted in (checksum, None):
        try:
            return _load(root, model_id, wanted)
        except IndexMismatch:
            continue
    return None


def _update_locked(conn, encoder, root: Path, *, step: Progress, batch_size: int, reuse: bool,
                   changes: dict | None) -> Manifest:
    t0 = time.perf_counter()
    checksum, entries = _snapshot(conn)
    old = _reusable(root, encoder.model_id, checksum) if reuse else None
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
            pointed = read_pointer(root)
            if old.generation != pointed:           # adopt the matching generation
                set_pointer(root, old.generation)
                collect_garbage(root, keep={old.generation, pointed} - {None})
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
    manifest = Manifest(model_id=encoder.model_id, dim=encoder.dim, normalized=True, n_vectors=len(vectors),
                        n_entries=len(entries), entries_checksum=checksum, index_type="",
                        created_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
    manifest.build_seconds = round(time.perf_counter() - t0, 3)
    _write_generation(root, manifest, chunks, vectors, hashes, step)
    return manifest


# ---------------------------------------------------------------- loading

def load(root: Path, *, expected_model: str | None = None, conn: sqlite3.Connection | None = None) -> LoadedIndex:
    """Load the live generation. Refuses (IndexMismatch, Dutch message) an index that is
    missing, of another model, or built from other database contents than `conn` holds.

    Never takes the writers' lock and copes with whatever an interrupted writer left: with
    `conn`, a complete generation that matches the database is used when CURRENT's does not
    (a writer died between finishing it and making it live); when CURRENT names a missing or
    incomplete generation, the newest complete one is used."""
    return _load(Path(root), expected_model, db_checksum(conn) if conn is not None else None)


def _manifest(gen: Path) -> Manifest | None:
    try:
        data = json.loads((gen / "manifest.json").read_text(encoding="utf-8"))
        known = {f.name for f in fields(Manifest)}
        return Manifest(**{k: v for k, v in data.items() if k in known})
    except (OSError, ValueError, TypeError):
        return None


def _mismatch(m: Manifest | None, expected_model: str | None, checksum: str | None) -> IndexMismatch | None:
    if m is None or m.format_version != FORMAT_VERSION:
        return IndexMismatch("De zoekindex heeft een verouderd formaat. Voer 'praktijkwijzer reindex' uit.")
    if expected_model and m.model_id != expected_model:
        return IndexMismatch(
            f"De zoekindex is gemaakt met model '{m.model_id}', maar het ingestelde model is "
            f"'{expected_model}'. Voer 'praktijkwijzer reindex' uit.")
    if checksum is not None and checksum != m.entries_checksum:
        return IndexMismatch(
            "De zoekindex hoort niet bij de huidige inhoud van de kennisbank (er zijn items gewijzigd). "
            "Voer 'praktijkwijzer reindex' uit.")
    return None


def _choose(root: Path, expected_model: str | None, checksum: str | None) -> tuple[str, Manifest]:
    pointed = read_pointer(root)
    complete = complete_generations(root)
    if not complete:
        if pointed or generations(root):
            raise IndexMismatch(f"De zoekindex in {root} is onvolledig of beschadigd (een bijwerking is "
                                "afgebroken). Voer 'praktijkwijzer reindex' uit.")
        raise IndexMismatch(f"Er is nog geen zoekindex in {root}. Voer 'praktijkwijzer reindex' uit.")
    order = ([pointed] if pointed in complete else []) + [n for n in complete if n != pointed]
    if checksum is None:
        order = order[:1]              # nothing to check other generations against: the live one
    first: IndexMismatch | None = None
    for name in order:
        m = _manifest(root / name)
        problem = _mismatch(m, expected_model, checksum)
        if problem is None:
            return name, m
        first = first or problem
    raise first


def _load(root: Path, expected_model: str | None, checksum: str | None, attempts: int = 3) -> LoadedIndex:
    for attempt in range(attempts):
        name, m = _choose(root, expected_model, checksum)
        try:
            return _read_generation(root / name, name, m)
        except IndexMismatch:
            raise
        except (OSError, RuntimeError, ValueError, KeyError):
            # removed by a writer's clean-up while we read it (we hold no lock): choose again
            if attempt == attempts - 1:
                raise IndexMismatch(f"De zoekindex in {root} kon niet worden gelezen (onvolledig of beschadigd). "
                                    "Voer 'praktijkwijzer reindex' uit.") from None
    raise AssertionError("unreachable")


def _read_generation(gen: Path, name: str, m: Manifest) -> LoadedIndex:
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
