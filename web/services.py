"""What the web application needs at run time: the database, the encoder, the live Searcher.

One `Services` object per app (app.state.services). Route handlers get it, a database
connection of their own and the registry through the typed dependencies of web.deps; they ask it for

* `open()`      a new SQLite connection (web.deps gives each request its own, closed afterwards);
* `conn()`      a SQLite connection for the current thread (opened once per thread), for code
                that runs outside a request's dependencies (login checks, the curation task);
* `searcher()`  the live Searcher, loaded lazily on first use;
* `locked()`    a context manager that serialises calls into the Searcher (see below);
* `cached()`    a small result cache tied to the live Searcher's generation;
* `encode_together()`  questions of concurrent searches encoded in one model call (QueryBatcher);
* `heavy()`     run plan matching and other heavy work in the bounded heavy pool.

This is the web's only runtime module: all SQL lives below web/ (kb, index, search).

`refresh()` brings the index up to date with the database (index.store.sync, only changed
entries are encoded again), builds a complete new Searcher on it and only then swaps the
reference, under a lock. Requests in flight keep the Searcher they started with. The
curation task calls it after every publish, edit or archive.

Heavy work (plan matching, comparing regions, parsing uploads) runs in a bounded pool of its
own (`heavy()`: HEAVY_WORKERS threads, at most HEAVY_QUEUE requests waiting, else `Busy`, a
503 with Retry-After), apart from the threads that serve searches, so a flood of plan matches
cannot take every request thread; the waiting requests keep their thread blocked, which the
queue bound keeps small.

Several server processes (`praktijkwijzer serve --werkers N`, web.workers) each have their own
Services and Searcher. `searcher()` therefore follows what other processes (and CLI commands)
did, at the cost of one stat() and one indexed SQL read per call:

* another process made a new index generation live (CURRENT changed, index.store.pointer_stamp):
  it is loaded in a background thread and swapped in like a refresh; requests meanwhile keep the
  Searcher they have (a generation that cannot be loaded, e.g. because the database moved on
  again, is retried when CURRENT or the knowledge base changes again, else after FOLLOW_RETRY
  seconds; a failure never reaches a request, which keeps the Searcher it has);
* the knowledge base changed (kb.audit.last_change grew): entries whose status is no longer
  `gepubliceerd` leave this process's public results at once, as `set_live_status` does for the
  process that made the change, before any new generation exists.

`locked()`: search.engine.Searcher is safe to share between threads (thread-safe LRU caches,
encoding serialised inside), so there is no global search lock: SEARCHER_THREAD_SAFE = True
and `locked()` only hands out the live Searcher. Setting it to False brings back one search at
a time per Searcher (the measurement with the mechanism off: README, "Belasting").
"""
from __future__ import annotations

import logging
import os
import queue as queue_mod
import sqlite3
import threading
import time
from collections import OrderedDict
from concurrent.futures import Future
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Iterator

from index.encoder import load_encoder
from index.store import IndexMismatch, db_checksum, load, pointer_stamp, read_current, sync
from kb.audit import last_change
from kb.db import connect
from kb.entries import entry_statuses
from kb.registry import Registry, load_registry
from search.duplicates import finder_for
from search.engine import Searcher


SEARCHER_THREAD_SAFE = os.environ.get("PRAKTIJKWIJZER_SEARCH_LOCK", "") != "1"   # 1: one search at a time
QUERY_BATCHING = os.environ.get("PRAKTIJKWIJZER_BATCH", "1") != "0"   # 0: every search encodes on its own
HEAVY_WORKERS = int(os.environ.get("PRAKTIJKWIJZER_HEAVY_WORKERS", "1"))  # threads for plan matching, uploads
HEAVY_QUEUE = 8                  # requests that may wait for them; more get 503 + Retry-After
HEAVY_RETRY_AFTER = 30           # seconds suggested to a request that found the queue full
HEAVY_NICE = int(os.environ.get("PRAKTIJKWIJZER_HEAVY_NICE", "10"))    # 0: heavy work at searches' priority
FOLLOW_RETRY = 300.0             # seconds before an unchanged generation that failed to load is tried again
PUBLIC = "gepubliceerd"

log = logging.getLogger(__name__)


class ServiceUnavailable(RuntimeError):
    """The search index cannot be used right now (Dutch message for the user)."""

    retry_after: int | None = None


class Busy(ServiceUnavailable):
    """Too much heavy work is waiting already: try again in `retry_after` seconds."""

    def __init__(self, retry_after: int = HEAVY_RETRY_AFTER):
        super().__init__("Het is op dit moment erg druk: er wachten al veel plannen op verwerking. Probeer het over "
                         f"{retry_after} seconden opnieuw; er is niets opgeslagen.")
        self.retry_after = retry_after


def lower_thread_priority(steps: int) -> None:
    """Make the calling thread `steps` nice levels kinder to the rest (Linux schedules threads
    one by one, so this is per thread). The operating system then gives a core to a search,
    in this or another server process, before it gives it to heavy work: with two worker
    processes on two cores, two plan matches would otherwise take both cores from searches.
    Lowering one's own priority needs no privileges; where it is not possible, nothing changes."""
    if steps <= 0:
        return
    try:
        tid = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, tid, min(19, os.getpriority(os.PRIO_PROCESS, tid) + steps))
    except (AttributeError, OSError):
        pass


class HeavyPool:
    """A fixed number of daemon threads for CPU-heavy work, with a bounded number of callers
    waiting. Daemon threads: a request that was cancelled at shutdown cannot keep the process
    alive. A heavy task that starts more heavy work runs it in its own thread (no deadlock)."""

    def __init__(self, workers: int = HEAVY_WORKERS, queue: int = HEAVY_QUEUE):
        self.workers = max(1, workers)
        self._slots = threading.BoundedSemaphore(self.workers + queue)
        self._tasks: "queue_mod.SimpleQueue" = queue_mod.SimpleQueue()
        self._local = threading.local()
        self._started = False
        self._start_lock = threading.Lock()

    def _start(self) -> None:
        with self._start_lock:
            if not self._started:
                for i in range(self.workers):
                    threading.Thread(target=self._work, name=f"praktijkwijzer-zwaar-{i}", daemon=True).start()
                self._started = True

    def _work(self) -> None:
        self._local.inside = True
        lower_thread_priority(HEAVY_NICE)
        while True:
            fn, fut = self._tasks.get()
            if fut.set_running_or_notify_cancel():
                try:
                    fut.set_result(fn())
                except BaseException as exc:          # handed to the waiting request
                    fut.set_exception(exc)

    def call(self, fn: Callable[[], Any]) -> Any:
        """Run `fn` in the pool and return its result (blocking). Raises Busy when full."""
        if getattr(self._local, "inside", False):
            return fn()
        if not self._slots.acquire(blocking=False):
            raise Busy()
        try:
            self._start()
            fut: Future = Future()
            self._tasks.put((fn, fut))
            return fut.result()
        finally:
            self._slots.release()


class QueryBatcher:
    """Encodes the questions of concurrent searches together, in one call of the model.

    The Searcher encodes one call at a time (its tokenizer is not re-entrant); a batch of four
    short questions costs about as much as one and a half single ones (measured on 2 cores:
    120 ms for four, 45 ms for one). A search first asks `prepare(searcher, q)`: the first
    caller becomes the leader and encodes every question waiting at that moment (at most
    MAX_BATCH), which fills the Searcher's vector cache; the others wait for their vector and
    then search without encoding. When the leader's batch is done it hands the lead to the
    oldest waiting caller. A lone search is never delayed: it leads a batch of one at once."""

    MAX_BATCH = 16
    WAIT_SECONDS = 30.0            # a follower that waits longer encodes by itself (never hangs)

    class _Ticket:
        __slots__ = ("q", "done", "lead")

        def __init__(self, q: str):
            self.q, self.done, self.lead = q, threading.Event(), False

    def __init__(self):
        self._lock = threading.Lock()
        self._pending: list = []
        self._busy = False
        self.batches = 0               # for measuring: encoder calls and questions encoded
        self.questions = 0

    def prepare(self, searcher, q: str) -> None:
        t = self._Ticket(q)
        with self._lock:
            self._pending.append(t)
            if not self._busy:
                self._busy = t.lead = True
        if not t.lead:
            t.done.wait(self.WAIT_SECONDS)
            with self._lock:
                if not t.lead:
                    if t in self._pending:        # timed out: leave the queue, the search encodes itself
                        self._pending.remove(t)
                    return
        with self._lock:
            batch = self._pending[:self.MAX_BATCH]
            del self._pending[:self.MAX_BATCH]
            if t not in batch:
                self._pending.remove(t)
                batch.append(t)
        try:
            searcher.encode_queries(list(dict.fromkeys(x.q for x in batch)))
            self.batches += 1
            self.questions += len(batch)
        except Exception:                 # each search then encodes, and reports, on its own
            pass
        finally:
            with self._lock:
                nxt = self._pending[0] if self._pending else None
                if nxt is not None:
                    nxt.lead = True
                else:
                    self._busy = False
            for x in batch:
                x.done.set()
            if nxt is not None:
                nxt.done.set()


@dataclass
class Services:
    db_path: Path
    index_root: Path
    model: str | None = None
    _encoder: Any = field(default=None, init=False, repr=False)
    _searcher: Any = field(default=None, init=False, repr=False)
    _swap_lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)
    _refresh_lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)
    _local: threading.local = field(default_factory=threading.local, init=False, repr=False)
    _cache: "OrderedDict[tuple, Any]" = field(default_factory=OrderedDict, init=False, repr=False)
    _cache_lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)
    generation: int = field(default=0, init=False)
    heavy_pool: HeavyPool = field(default_factory=HeavyPool, init=False, repr=False)
    followed: int = field(default=0, init=False)            # generations picked up from other processes
    _seen_pointer: Any = field(default=None, init=False, repr=False)     # CURRENT's stamp the live Searcher reflects
    _seen_change: int = field(default=-1, init=False, repr=False)        # last audit event applied to it
    _failed: tuple = field(default=(None, -1, 0.0), init=False, repr=False)  # (stamp, change, when) of a failed reload
    _epoch: int = field(default=0, init=False, repr=False)   # bumped by every change to the live entries
    _follow_lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)
    after_install: Callable[[], None] | None = field(default=None, init=False, repr=False)  # e.g. warm caches
    query_batcher: QueryBatcher = field(default_factory=QueryBatcher, init=False, repr=False)

    def __post_init__(self):
        self.db_path = Path(self.db_path)
        self.index_root = Path(self.index_root)

    # ------------------------------------------------------------ database

    def open(self) -> sqlite3.Connection:
        """A new connection to the database (the caller closes it)."""
        return connect(self.db_path)

    def conn(self) -> sqlite3.Connection:
        """This thread's connection (opened on first use, kept for the thread's life)."""
        c = getattr(self._local, "conn", None)
        if c is None:
            c = connect(self.db_path)
            self._local.conn = c
        return c

    def registry(self) -> Registry:
        return load_registry()

    # ------------------------------------------------------------ model and searcher

    def encoder(self):
        if self._encoder is None:
            self._encoder = load_encoder(self.model)
        return self._encoder

    def _build_searcher(self, conn: sqlite3.Connection):
        """A complete Searcher over the live index generation, verified against `conn`."""
        encoder = self.encoder()
        index = load(self.index_root, expected_model=encoder.model_id, conn=conn)
        searcher = Searcher(conn, index, encoder)
        return searcher

    def searcher(self):
        """The live Searcher; loaded on first use, then following what other processes change
        (see the module docstring). Raises ServiceUnavailable (Dutch)."""
        if self._searcher is None:
            with self._refresh_lock:
                if self._searcher is None:
                    conn = connect(self.db_path)
                    stamp, change = pointer_stamp(self.index_root), last_change(conn)
                    try:
                        s = self._build_searcher(conn)
                    except IndexMismatch as err:
                        conn.close()
                        raise ServiceUnavailable(
                            "De zoekfunctie is tijdelijk niet beschikbaar: de zoekindex past niet bij de "
                            f"kennisbank. De beheerder kan dit oplossen met 'praktijkwijzer reindex'. ({err})") from err
                    s.warm_up()                   # the first visitor does not wait for it
                    self._install(s, stamp, change)
            return self._searcher
        self._follow()
        return self._searcher

    def _install(self, searcher, stamp=None, change: int = -1) -> None:
        """Make `searcher` live. `stamp`: CURRENT's stamp read before its index was loaded;
        `change`: the last audit event read before its entries were."""
        with self._swap_lock:
            self.generation += 1
            searcher._web_lock = threading.Lock()     # travels with the Searcher it guards
            searcher._web_generation = self.generation
            self._searcher = searcher
            self._seen_pointer = stamp
            self._seen_change = change
        with self._cache_lock:
            self._cache.clear()
            self._epoch += 1
        if self.after_install is not None:
            self.after_install()

    # ------------------------------------------------------------ following other processes

    def _follow(self) -> None:
        live = self._searcher
        try:
            stamp = pointer_stamp(self.index_root)
            change = last_change(self.conn())
            if stamp != self._seen_pointer:
                name = read_current(self.index_root)
                if name is None or name == live.index.generation:
                    self._seen_pointer = stamp          # nothing new to load (or nothing loadable)
                elif self._failed[:2] != (stamp, change) or time.monotonic() >= self._failed[2] + FOLLOW_RETRY:
                    self._reload_in_background()
            if change != self._seen_change:
                self._withdraw_unpublished(live, change)
        except (OSError, sqlite3.Error) as err:        # a disk or database hiccup: keep serving what we have
            log.warning("Volgen van andere serverprocessen mislukt (wordt opnieuw geprobeerd): %s", err)

    def _withdraw_unpublished(self, live, change: int) -> None:
        """Entries that another process moved out of `gepubliceerd` leave public results now."""
        with self._follow_lock:
            if change == self._seen_change or live is not self._searcher:
                return
            statuses = entry_statuses(self.conn())      # read after `change`: nothing is missed
            for entry_id, status in statuses.items():
                e = live.entries.get(entry_id)
                if e is not None and status != PUBLIC and e.status != status:
                    self.set_live_status(entry_id, status)
            if live is self._searcher:
                self._seen_change = change

    def _reload_in_background(self) -> None:
        """Load the generation another process made live, in a thread of its own, and swap it in.
        Nothing to do when a refresh or reload already runs (it installs the newest one)."""
        if not self._refresh_lock.acquire(blocking=False):
            return

        def reload():
            stamp, change = None, -1
            try:
                stamp = pointer_stamp(self.index_root)
                if read_current(self.index_root) == self._searcher.index.generation:
                    self._seen_pointer = stamp      # a reload that just finished loaded it already
                    return
                conn = connect(self.db_path)
                change = last_change(conn)
                try:
                    searcher = self._build_searcher(conn)
                except BaseException:
                    conn.close()
                    raise
                self._install(searcher, stamp, change)
                self.followed += 1
            except Exception as err:        # noqa: BLE001 - IndexMismatch and anything else: try again later
                self._failed = (stamp, change, time.monotonic())
                log.warning("De indexgeneratie van een ander serverproces kon (nog) niet worden geladen: %s", err)
            finally:
                self._refresh_lock.release()
        try:
            threading.Thread(target=reload, name="praktijkwijzer-volgen", daemon=True).start()
        except BaseException:
            self._refresh_lock.release()
            raise

    def set_live_status(self, entry_id: str, status: str) -> None:
        """Apply a status change to the live Searcher at once, so an archived or withdrawn entry
        leaves public results immediately, even before (or if ever) the refresh succeeds."""
        s = self._searcher
        if s is None:
            return
        with s._web_lock:
            e = s.entries.get(entry_id)
            if e is not None:
                s.entries[entry_id] = replace(e, status=status)
        with self._cache_lock:
            self._cache.clear()
            self._epoch += 1

    @contextmanager
    def locked(self, searcher=None) -> Iterator[Any]:
        """`with services.locked() as s:` — the live Searcher; used by one thread at a time
        unless SEARCHER_THREAD_SAFE."""
        s = searcher or self.searcher()
        with (nullcontext() if SEARCHER_THREAD_SAFE else s._web_lock):
            yield s

    def encode_together(self, searcher, q: str) -> None:
        """Have `q` encoded together with the questions of concurrent searches (QueryBatcher),
        so the search that follows finds its vector cached. Off with PRAKTIJKWIJZER_BATCH=0."""
        if QUERY_BATCHING:
            self.query_batcher.prepare(searcher, q)

    def heavy(self, fn: Callable[[], Any]) -> Any:
        """Run CPU-heavy work (a plan match, an upload) in the bounded heavy pool and wait for
        its result. Raises Busy (503 + Retry-After) when too much is waiting already."""
        return self.heavy_pool.call(fn)

    def refresh(self, *, progress: Callable[[str, int, int], None] | None = None) -> dict:
        """Bring the index in line with the database and swap in a new Searcher atomically.

        Only changed entries are encoded again. The old Searcher keeps serving until the new
        one is complete; if the database changes while we build, we sync again (at most a few
        times). Returns the changes: {'added': [...], 'updated': [...], 'removed': [...]}."""
        with self._refresh_lock:
            total: dict[str, list[str]] = {"added": [], "updated": [], "removed": []}
            last_error: Exception | None = None
            for _ in range(5):
                conn = connect(self.db_path)
                change = last_change(conn)
                _, changes = sync(conn, self.encoder(), self.index_root, progress=progress)
                stamp = pointer_stamp(self.index_root)
                for k in total:
                    total[k] += [x for x in changes.get(k, []) if x not in total[k]]
                try:
                    searcher = self._build_searcher(conn)
                except IndexMismatch as err:      # the database changed during the sync
                    last_error = err
                    conn.close()
                    continue
                if db_checksum(conn) != searcher.index.manifest.entries_checksum:
                    last_error = IndexMismatch("De kennisbank veranderde tijdens het bijwerken.")
                    conn.close()
                    continue
                self._install(searcher, stamp, change)
                return total
            raise ServiceUnavailable(f"De zoekindex kon niet worden bijgewerkt: {last_error}")

    def duplicate_finder(self):
        """(live Searcher, its near-duplicate finder); the finder is kept with its Searcher
        until the next swap."""
        searcher = self.searcher()
        finder = searcher.__dict__.get("_duplicate_finder")
        if finder is None:
            finder = finder_for(searcher)
            searcher.__dict__["_duplicate_finder"] = finder
        return searcher, finder

    # ------------------------------------------------------------ small result cache

    def cached(self, key: tuple, compute: Callable[[], Any], *, owner=None, size: int = 256) -> Any:
        """Memoise an expensive result (a search page, a plan match) computed with the Searcher
        `owner` (default: the live one); the key includes that Searcher's generation, so a result
        of an old Searcher is never served after a refresh. Emptied when a Searcher is installed."""
        owner = owner or self.searcher()
        key = (getattr(owner, "_web_generation", self.generation), *key)
        with self._cache_lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
            epoch = self._epoch
        value = compute()
        with self._cache_lock:
            if self._epoch != epoch:        # entries changed meanwhile (a withdrawal): do not keep it
                return value
            self._cache[key] = value
            while len(self._cache) > size:
                self._cache.popitem(last=False)
        return value
