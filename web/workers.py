"""Several server processes on one socket: `praktijkwijzer serve --werkers N`.

A search is mostly Python work (ranking, the match decision, explaining, rendering) that holds
the interpreter lock, so one process serves one search at a time whatever the number of cores.
With N worker processes on one listening socket, concurrent visitors get up to N cores.

* `worker_count()`: --werkers, else PRAKTIJKWIJZER_WORKERS, else one per usable core (at most
  MAX_DEFAULT_WORKERS), fewer when the memory available would not hold them (each worker loads
  the language model and the index: about WORKER_MEMORY_MB).
* `bind()`: the listening socket, created in this (parent) process and inherited by the workers.
  It is made with its protocol (IPPROTO_TCP) so that asyncio sets TCP_NODELAY on every accepted
  connection: without it, Nagle's algorithm and delayed ACKs add ~40 ms to each answer
  (measured: a lone search 84 ms instead of 39 ms).
* `serve_workers()`: uvicorn's own supervisor (uvicorn.supervisors.Multiprocess) with
  `worker_app` as the app factory: every worker loads the app, the model and the Searcher before
  it serves. The supervisor waits until every worker is ready before it reports that the site
  runs, replaces a worker that died (said in Dutch), restarts them one by one on SIGHUP, and on
  SIGTERM or Ctrl+C (also while they load) stops the workers, each with the graceful period of
  --stoptijd, killing one that does not stop in time.

Every worker follows what the others change (web.services: a new index generation, withdrawn
entries); sessions, login throttling and the /api/match budget live in SQLite, shared by all.
"""
from __future__ import annotations

import logging
import os
import socket
import sys
import time
from typing import Callable

from uvicorn.config import STARTUP_FAILURE
from uvicorn.supervisors.multiprocess import Multiprocess, Process

from web.server import config

MAX_DEFAULT_WORKERS = 4
WORKER_MEMORY_MB = 1200          # a worker's resident memory with the bundled model (measured ~1 GB)
READY_TIMEOUT = 600              # seconds a worker may take to load (a slow disk, a large model)
HEALTHCHECK_SECONDS = 30         # a worker that does not answer a ping this long is replaced
ENV_DB = "PRAKTIJKWIJZER_DB"
ENV_MODEL = "PRAKTIJKWIJZER_MODEL"


def _available_mb() -> int | None:
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) // 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def worker_count(requested: int | None = None) -> int:
    """How many worker processes to run. Raises ValueError (Dutch) for a wrong setting."""
    if requested is None:
        raw = os.environ.get("PRAKTIJKWIJZER_WORKERS", "").strip()
        if raw:
            if not raw.isdigit():
                raise ValueError(f"PRAKTIJKWIJZER_WORKERS moet een geheel getal zijn (0 = één per kern), niet '{raw}'.")
            requested = int(raw) or None
    if requested is not None:
        if not 1 <= requested <= 64:
            raise ValueError("Het aantal werkprocessen moet tussen 1 en 64 liggen.")
        return requested
    n = min(_cores(), MAX_DEFAULT_WORKERS)
    available = _available_mb()
    if available is not None:
        n = min(n, max(1, available // WORKER_MEMORY_MB))
    return max(1, n)


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on (host, port) that worker processes inherit. Raises OSError."""
    family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM,
                                                         proto=socket.IPPROTO_TCP, flags=socket.AI_PASSIVE)[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(2048)
        sock.set_inheritable(True)
    except OSError:
        sock.close()
        raise
    return sock


def worker_app():
    """The app factory each worker process runs (uvicorn `factory=True`): the app on the database
    of PRAKTIJKWIJZER_DB with the Searcher and the gap map loaded, so the first visitor does not wait. A worker
    that cannot start says why in Dutch and exits with uvicorn's start-up failure code (the
    supervisor then stops instead of starting it again and again)."""
    import threading

    from tqdm import tqdm

    from web.app import create_app
    from web.lacunes import keep_warm
    from web.server import apply_serving_threads
    # sentence-transformers' (silent) progress bars would create a multiprocessing lock: a named
    # semaphore that a worker stopped by SIGTERM leaves behind. A thread lock serves them as well.
    tqdm.set_lock(threading.RLock())
    from web.services import ServiceUnavailable
    try:
        app = create_app(os.environ.get(ENV_DB), None, model=os.environ.get(ENV_MODEL) or None)
        try:
            app.state.services.searcher()
        except ServiceUnavailable as err:
            # e.g. a worker that replaces a crashed one while the knowledge base has just changed and
            # its new index generation is still being written: serve anyway (searches answer 503
            # and load the Searcher as soon as the index fits); stopping would take the whole site down
            print(f"Let op: {err}", file=sys.stderr, flush=True)
        apply_serving_threads()
        keep_warm(app.state.services)
    except Exception as err:        # noqa: BLE001 - any failure: a Dutch line, not a restart loop
        print(f"Fout: een werkproces kon niet starten: {err}", file=sys.stderr, flush=True)
        sys.exit(STARTUP_FAILURE)
    return app


class Supervisor(Multiprocess):
    """uvicorn's Multiprocess that reports readiness, says in Dutch when it replaces a worker and
    does not wait forever for a worker to stop."""

    def __init__(self, cfg, sockets, *, on_ready: Callable[[], None], say: Callable[[str], None], stop_seconds: int):
        super().__init__(cfg, sockets)
        self.on_ready, self.say, self.stop_seconds = on_ready, say, stop_seconds
        self.failed = False

    def init_processes(self) -> None:
        super().init_processes()
        if self._wait_until_ready(self.processes):
            self.on_ready()

    def _wait_until_ready(self, processes) -> bool:
        """Wait for `processes` to serve, handling SIGINT/SIGTERM meanwhile (a stop while the
        workers load is a stop, not a failure). False when stopping or a worker did not start."""
        deadline = time.monotonic() + READY_TIMEOUT
        for process in processes:
            while not process.is_ready(timeout=1):
                self.handle_signals()
                if self.should_exit.is_set():
                    return False
                if not process.process.is_alive() or time.monotonic() > deadline:
                    self.failed = True
                    self.say("Een werkproces startte niet (zie de melding hierboven); Praktijkwijzer stopt.")
                    self.should_exit.set()
                    return False
                time.sleep(0.1)
        return True

    def handle_hup(self) -> None:
        """SIGHUP: start every worker again, one at a time, each new one serving before its
        predecessor stops (uvicorn's restart_all, with the time a worker needs to load the model)."""
        self.say("Werkprocessen worden opnieuw gestart (SIGHUP) ...")
        for i, old in enumerate(self.processes):
            if self.should_exit.is_set():
                return
            new = Process(self.config, self.sockets)
            new.start()
            if not new.wait_until_ready(READY_TIMEOUT, self.should_exit):
                new.kill()
                new.join()
                if not self.should_exit.is_set():
                    self.say(f"Een nieuw werkproces startte niet; werkproces {old.pid} blijft draaien.")
                return
            old.terminate()
            old.join()
            self.processes[i] = new
        self.say("Werkprocessen opnieuw gestart.")

    def keep_subprocess_alive(self) -> None:
        before = {p.pid for p in self.processes}
        super().keep_subprocess_alive()
        if self.should_exit.is_set() and not self.failed and any(p.exitcode == STARTUP_FAILURE for p in self.processes):
            self.failed = True
            self.say("Een nieuw werkproces kon niet starten; Praktijkwijzer stopt.")
            return
        for pid in before - {p.pid for p in self.processes}:
            self.say(f"Werkproces {pid} stopte onverwacht of reageerde niet meer; er is een nieuw gestart.")

    def join_all(self) -> None:
        for process in self.processes:
            process.process.join(self.stop_seconds + 15)
            if process.process.exitcode is None:         # still busy after the graceful period
                process.kill()
                process.process.join()


def serve_workers(sock: socket.socket, workers: int, *, db: str, model: str | None, access_log: bool,
                  graceful_seconds: int, on_ready: Callable[[], None], say: Callable[[str], None]) -> bool:
    """Run `workers` worker processes on `sock` until stopped. False when a worker could not start."""
    os.environ[ENV_DB] = db                 # inherited by the workers (spawned, not forked)
    # no joblib process pools inside a worker (scikit-learn would create named semaphores that a
    # worker stopped by SIGTERM leaves for the resource tracker to clean up, with a warning)
    os.environ.setdefault("JOBLIB_MULTIPROCESSING", "0")
    if model:
        os.environ[ENV_MODEL] = model
    cfg = config("web.workers:worker_app", access_log=access_log, graceful_seconds=graceful_seconds)
    cfg.factory = True
    cfg.workers = workers
    cfg.timeout_worker_healthcheck = HEALTHCHECK_SECONDS
    # the supervisor's own (English) log lines: Supervisor says what matters in Dutch
    logging.getLogger("uvicorn.error").addFilter(lambda record: "supervisors" not in record.pathname)
    supervisor = Supervisor(cfg, [sock], on_ready=on_ready, say=say, stop_seconds=graceful_seconds)
    supervisor.run()
    return not supervisor.failed
