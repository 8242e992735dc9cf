"""Parsing of untrusted uploads in worker processes, each job with a time and a memory limit.

A server reads uploaded plans and curator imports (PDF, DOCX, HTML, ...) here, not in its own
process: a document that takes too much time or memory costs one worker, never the server.

    pool = ParsePool(Limits(seconds=60, memory_mb=1024, workers=2))
    parsed = pool.run(parse_plan, data, filename, name=filename)

A worker is a separate Python process (spawned: a fresh interpreter, no copy of the server's
threads or model). It loads the reading stack once (spaCy, the Dutch lexicon, pdfplumber,
python-docx), then limits its own address space with RLIMIT_AS to what it uses after loading
plus `memory_mb`, and serves jobs one at a time over a pipe. A job that runs longer than
`seconds` is stopped by killing its worker; a job over the memory limit fails inside its
worker (MemoryError) or kills it. Either way the caller gets a Dutch ParseLimitExceeded and a
fresh worker is started in its place. At most `workers` jobs run at the same time; a caller
waits at most `queue_seconds` for a free worker, then gets ParserBusy (Dutch). The calling
thread only waits on a pipe (no CPU, no GIL held), so the rest of the server keeps serving.

Only reading, layout and segmentation run in a worker (ingest.plans.parse_plan,
ingest.pipeline.parse_import); classification with the already loaded encoder stays with the
caller. `in_process` runs the same jobs without a worker (the CLI, tests).
"""
from __future__ import annotations

import atexit
import logging
import multiprocessing as mp
import os
import threading
import time
import traceback
from dataclasses import dataclass
from typing import Any, Callable

from ingest.errors import IngestError

log = logging.getLogger("praktijkwijzer.lezen")
START_SECONDS = 180.0        # a new worker loads spaCy and the lexicon; on a busy machine this takes a while


@dataclass(frozen=True)
class Limits:
    seconds: float = 60.0          # wall-clock time of one job
    memory_mb: int = 1024          # address space a job may add to a loaded worker
    workers: int = 2               # jobs at the same time (one process each)
    queue_seconds: float = 30.0    # how long a caller waits for a free worker

    @classmethod
    def from_env(cls) -> "Limits":
        """Defaults, overridden by PRAKTIJKWIJZER_PARSE_SECONDS, _PARSE_MB and _PARSE_WORKERS."""
        d = cls()
        return cls(seconds=_env_number("PRAKTIJKWIJZER_PARSE_SECONDS", d.seconds),
                   memory_mb=int(_env_number("PRAKTIJKWIJZER_PARSE_MB", d.memory_mb)),
                   workers=max(1, int(_env_number("PRAKTIJKWIJZER_PARSE_WORKERS", d.workers))),
                   queue_seconds=d.queue_seconds)


def _env_number(name: str, default: float) -> float:
    try:
        value = float(os.environ.get(name, ""))
    except ValueError:
        return default
    return value if value > 0 else default


class ParseLimitExceeded(IngestError):
    """A document needed more time or memory than a parse job may use."""


class ParserBusy(IngestError):
    """Every worker is busy and none became free in time; try again later."""


def _name(name: str | None) -> str:
    return f"'{name}'" if name else "het document"


def too_slow(name: str | None, seconds: float) -> ParseLimitExceeded:
    return ParseLimitExceeded(
        f"Het lezen van {_name(name)} duurde te lang (meer dan {seconds:g} seconden) en is afgebroken. Is het "
        "document erg groot of ingewikkeld opgemaakt? Splits het op, of sla het op als Word-document (.docx) "
        "of tekst (.txt), en probeer het opnieuw.", path=name)


def too_large(name: str | None, memory_mb: int) -> ParseLimitExceeded:
    return ParseLimitExceeded(
        f"Het lezen van {_name(name)} vroeg te veel geheugen (meer dan {memory_mb} MB) en is afgebroken. Splits "
        "het document op, of sla het op als Word-document (.docx) of tekst (.txt), en probeer het opnieuw.",
        path=name)


def in_process(fn: Callable, *args, name: str | None = None, **kwargs) -> Any:
    """Run a parse job in the calling process (no limits beyond the readers' own caps)."""
    return fn(*args, **kwargs)


# ---------------------------------------------------------------- the worker process

def _vm_bytes() -> int | None:
    """This process's current address-space size (Linux: VmSize in /proc/self/status)."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        return None
    return None


def warm_up() -> None:
    """Load what reading and segmenting need, so that jobs (and the memory limit) start from
    a loaded process."""
    import bs4  # noqa: F401
    import docx  # noqa: F401
    import pdfplumber  # noqa: F401

    from ingest.nlp import dutch_lexicon, get_nlp
    from ingest.registry import load_registry
    get_nlp()("Er is een tekort aan verpleegkundigen. Dat is een knelpunt.")
    dutch_lexicon()
    load_registry()


def _limit_memory(extra_bytes: int) -> None:
    import resource
    current = _vm_bytes()
    if current is None or extra_bytes <= 0:
        return
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    soft = current + extra_bytes
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    try:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
    except (ValueError, OSError):
        pass


def _serve(conn, memory_bytes: int) -> None:
    """The worker's loop: load, limit memory, then run jobs until the pipe closes."""
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")
    try:
        warm_up()
        _limit_memory(memory_bytes)
        conn.send(("ready", os.getpid()))
    except BaseException:          # could not start: the caller sees the pipe close; the operator the reason
        traceback.print_exc()
        return
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        fn, args, kwargs = job
        try:
            reply = ("ok", fn(*args, **kwargs))
        except IngestError as err:
            reply = ("ingest", (err.message, err.path))
        except MemoryError:
            reply = ("memory", None)
        except RecursionError:
            reply = ("error", "RecursionError")
        except Exception:
            reply = ("error", traceback.format_exc()[-3000:])
        try:
            conn.send(reply)
        except MemoryError:
            reply = None
            try:
                conn.send(("memory", None))
            except Exception:
                return
        except Exception:          # the result could not be pickled or sent
            try:
                conn.send(("error", traceback.format_exc()[-3000:]))
            except Exception:
                return
        if reply is not None and reply[0] == "memory":
            return                 # a worker that ran out of memory is not trusted with another job
        del job, fn, args, kwargs, reply


class _Worker:
    def __init__(self, ctx, memory_bytes: int):
        parent, child = ctx.Pipe()
        self.proc = ctx.Process(target=_serve, args=(child, memory_bytes), daemon=True,
                                name="praktijkwijzer-lezen")
        self.proc.start()
        child.close()
        self.conn = parent
        self.ready = False

    def wait_ready(self, timeout: float) -> bool:
        if self.ready:
            return True
        try:
            if self.conn.poll(timeout):
                msg = self.conn.recv()
                self.ready = msg[0] == "ready"
        except (EOFError, OSError):
            self.ready = False
        return self.ready

    def alive(self) -> bool:
        return self.proc.is_alive()

    def stop(self) -> None:
        try:
            self.conn.send(None)
        except (OSError, ValueError):
            pass
        self.kill(grace=2.0)

    def kill(self, grace: float = 0.0) -> None:
        if grace:
            self.proc.join(grace)
        if self.proc.is_alive():
            self.proc.kill()
        self.proc.join(5)
        try:
            self.conn.close()
        except OSError:
            pass


class ParsePool:
    """Worker processes for parse jobs (see the module's docstring). Thread-safe."""

    def __init__(self, limits: Limits | None = None):
        self.limits = limits or Limits.from_env()
        self._ctx = mp.get_context("spawn")
        self._idle: list[_Worker] = []
        self._lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(self.limits.workers)
        self._closed = False
        self._count = 0            # worker processes (idle and busy); never more than limits.workers
        self.stats = {"jobs": 0, "timeouts": 0, "memory": 0, "started": 0}

    def _new(self) -> _Worker:          # with self._lock held
        self.stats["started"] += 1
        self._count += 1
        return _Worker(self._ctx, self.limits.memory_mb * 1024 * 1024)

    def _gone(self, w: _Worker, *, stop: bool = False) -> None:
        w.stop() if stop else w.kill()
        with self._lock:
            self._count -= 1

    def start(self, n: int = 1) -> None:
        """Start workers ahead of the first job, up to `n` in all (they load in the background;
        this returns at once). The plan form calls it, so a worker is ready by the time a user
        has chosen a file."""
        with self._lock:
            while self._count < min(n, self.limits.workers) and not self._closed:
                self._idle.append(self._new())

    def _take(self) -> _Worker:
        with self._lock:
            while self._idle:
                w = self._idle.pop()
                if w.alive():
                    return w
                self._count -= 1
                w.kill()
            return self._new()

    def _give_back(self, w: _Worker) -> None:
        with self._lock:
            if not self._closed:
                self._idle.append(w)
                return
        self._gone(w, stop=True)

    def _replace(self, w: _Worker) -> None:
        """Kill a worker that overran or broke, and start a fresh one in the background."""
        self._gone(w)
        with self._lock:
            if not self._closed:
                self._idle.append(self._new())

    def busy(self, name: str | None = None) -> ParserBusy:
        n = self.limits.workers
        return ParserBusy(f"Er {'wordt' if n == 1 else 'worden'} op dit moment al "
                          f"{'een document' if n == 1 else f'{n} documenten'} gelezen, meer kan niet tegelijk. "
                          "Probeer het over een minuut opnieuw.", path=name)

    def run(self, fn: Callable, *args, name: str | None = None, **kwargs) -> Any:
        """fn(*args, **kwargs) in a worker: its result, or the IngestError it raised (Dutch).
        Raises ParseLimitExceeded (time or memory), ParserBusy (no free worker in time)."""
        if self._closed:
            raise ParserBusy("Het lezen van documenten is gestopt omdat de server afsluit. Probeer het zo opnieuw.")
        if not self._slots.acquire(timeout=self.limits.queue_seconds):
            raise self.busy(name)
        try:
            return self._run(fn, args, kwargs, name)
        finally:
            self._slots.release()

    def _run(self, fn, args, kwargs, name):
        w = self._take()
        if not w.wait_ready(START_SECONDS):
            self._replace(w)
            raise ParserBusy("Het lezen van documenten kon niet worden gestart. Probeer het over een minuut "
                             "opnieuw; blijft dit zo, meld het dan aan de beheerder.", path=name)
        self.stats["jobs"] += 1
        try:
            w.conn.send((fn, args, kwargs))
        except (OSError, ValueError):
            self._replace(w)
            raise too_large(name, self.limits.memory_mb) from None
        deadline = time.monotonic() + self.limits.seconds
        try:
            done = w.conn.poll(max(0.0, deadline - time.monotonic()))
            status, value = w.conn.recv() if done else (None, None)
        except (EOFError, OSError):      # the worker died: killed by the memory limit (or a crash)
            self.stats["memory"] += 1
            self._replace(w)
            raise too_large(name, self.limits.memory_mb) from None
        if not done:
            self.stats["timeouts"] += 1
            self._replace(w)
            raise too_slow(name, self.limits.seconds)
        if status == "memory":
            self.stats["memory"] += 1
            self._replace(w)
            raise too_large(name, self.limits.memory_mb)
        self._give_back(w)
        if status == "ok":
            return value
        if status == "ingest":
            message, path = value
            raise IngestError(message, path=path)
        log.error("Onverwachte fout bij het lezen van %s in een werkproces:\n%s", name or "een document", value)
        what = f"Het bestand '{name}'" if name else "Het document"
        raise IngestError(f"{what} kan niet worden gelezen: er ging bij het lezen iets mis. Sla het op in een ander "
                          "formaat (.docx, .pdf of .txt) en probeer het opnieuw.", path=name)

    def close(self) -> None:
        """Stop every idle worker; jobs still running end with their worker."""
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for w in idle:
            self._gone(w, stop=True)


_shared: ParsePool | None = None
_shared_lock = threading.Lock()


def shared_pool() -> ParsePool:
    """The process's pool (created on first use, limits from the environment; closed at exit)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = ParsePool()
            atexit.register(_shared.close)
        return _shared
