"""`praktijkwijzer bench-web`: load on a really served app (uvicorn in a subprocess, loopback).

    search scaling   GET /api/search with 1, 4 and 16 concurrent clients (keep-alive), each
                     request a question the server has not seen (no result cache): throughput
                     and p50/p95/p99 latency, client side
    flood            4 search clients while 2 clients send maximal POST /api/match requests
                     (40 bottlenecks of 1,000 characters, never the same) in a loop: search
                     p50/p95/p99 and what the flood got (200 / 429 budget / 503 busy)

The server runs with its default number of worker processes (web.workers: one per core). With
the comparison (default) the same is measured with a mechanism off: scaling and flood with one
server process (PRAKTIJKWIJZER_WORKERS=1), the flood with heavy work at the priority of searches
(PRAKTIJKWIJZER_HEAVY_NICE=0) and without the per-client budget (PRAKTIJKWIJZER_MATCH_BUDGET=0),
scaling and flood as the first design had it: one process with one global search lock
(PRAKTIJKWIJZER_WORKERS=1, PRAKTIJKWIJZER_SEARCH_LOCK=1), with the model on every core for each
request (PRAKTIJKWIJZER_SERVE_THREADS=0), and the scaling without encoding concurrent questions
together (PRAKTIJKWIJZER_BATCH=0). Targets on a 2-core machine: 4 clients >= 1.6 x the
throughput of 1; p95 at 16 clients <= 1 s; search p95 during the flood <= 1 s. The machine's
load average is reported beside the figures (other work on the machine changes them).
"""
from __future__ import annotations

import http.client
import itertools
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

from web.cli.bench_web import QUERIES, percentile
from web.cli.common import CliError, connect_db, console, db_location, print_json

SUFFIXES = ["in de regio", "bij kleine organisaties", "voor jongeren", "in de ouderenzorg", "in de ggz",
            "in de thuiszorg", "in de gehandicaptenzorg", "in ziekenhuizen", "in de jeugdzorg", "op het platteland",
            "in de grote stad", "voor herintreders", "voor zij-instromers", "bij wijkteams", "in het mbo",
            "in het hbo", "voor leidinggevenden", "voor oudere medewerkers", "in de nachtdienst", "in verpleeghuizen",
            "met weinig budget", "samen met het onderwijs", "in Zeeland", "in Drechtsteden", "in Twente",
            "in Groningen", "na de coronacrisis", "in het sociaal domein", "voor stagiairs", "bij huisartsen"]
TARGET_RATIO = 1.6
TARGET_P95_MS = 1000.0


def questions():
    """An endless supply of questions, each one new to the server (no result cache)."""
    for n in itertools.count():
        for s in SUFFIXES:
            for q in QUERIES:
                yield f"{q} {s}" if n == 0 else f"{q} {s} ({n})"


class Server:
    """`praktijkwijzer serve` in a subprocess on a free loopback port."""

    def __init__(self, db: Path, env: dict[str, str] | None = None, *, start_timeout: float = 600):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.lines: list[str] = []
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "web.cli", "--db", str(db), "serve", "--port", str(self.port), "--stoptijd", "3"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            env=dict(os.environ, PYTHONUNBUFFERED="1", **(env or {})))
        threading.Thread(target=lambda: self.lines.extend(self.proc.stdout), daemon=True).start()
        deadline = time.monotonic() + start_timeout
        while not any("Praktijkwijzer draait" in line for line in self.lines):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise CliError("De server voor de meting startte niet:\n" + "".join(self.lines[-20:]))
            time.sleep(0.2)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class Client:
    def __init__(self, port: int):
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)

    def request(self, method: str, path: str, body: bytes | None = None) -> tuple[int, float]:
        headers = {"content-type": "application/json"} if body is not None else {}
        t = time.perf_counter()
        try:
            self.conn.request(method, path, body=body, headers=headers)
            r = self.conn.getresponse()
            r.read()
            status = r.status
            if r.getheader("connection", "").lower() == "close":
                self.conn.close()
        except (OSError, http.client.HTTPException):
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=300)
            status = 0
        return status, (time.perf_counter() - t) * 1000


def _search_clients(port: int, n: int, seconds: float, supply, lock: threading.Lock, stop: threading.Event | None = None):
    latencies: list[float] = []
    errors = [0]
    end = time.monotonic() + seconds

    def work():
        c = Client(port)
        while time.monotonic() < end and not (stop and stop.is_set()):
            with lock:
                q = next(supply)
            status, ms = c.request("GET", "/api/search?" + urlencode({"q": q, "k": 10}))
            if status == 200:
                latencies.append(ms)
            else:
                errors[0] += 1
    threads = [threading.Thread(target=work, daemon=True) for _ in range(n)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - t0
    return {"clients": n, "requests": len(latencies), "errors": errors[0],
            "throughput_rps": round(len(latencies) / elapsed, 2), **_latency(latencies)}


def _latency(values: list[float]) -> dict:
    return {"p50_ms": round(percentile(values, 50), 1), "p95_ms": round(percentile(values, 95), 1),
            "p99_ms": round(percentile(values, 99), 1),
            "mean_ms": round(statistics.fmean(values), 1) if values else 0.0}


def scaling(port: int, seconds: float, supply, clients=(1, 4, 16)) -> dict:
    lock = threading.Lock()
    _search_clients(port, 2, min(5.0, seconds), supply, lock)           # warm-up
    rows = [_search_clients(port, n, seconds, supply, lock) for n in clients]
    base = rows[0]["throughput_rps"] or 1e-9
    for r in rows:
        r["ratio"] = round(r["throughput_rps"] / base, 2)
    return {"rows": rows}


def maximal_match_body(n: int) -> bytes:
    text = ("Te weinig verpleegkundigen en verzorgenden in de wijk en in verpleeghuizen, hoge werkdruk, verzuim en "
            "uitstroom van jonge medewerkers in het eerste jaar; stageplekken ontbreken en zij-instromers haken af. ")
    bottlenecks = [(f"Knelpunt {n}-{i}: " + text * 6)[:1000] for i in range(40)]
    return json.dumps({"bottlenecks": bottlenecks}).encode()


def flood(port: int, seconds: float, supply, search_clients: int = 4, flooders: int = 2) -> dict:
    stop = threading.Event()
    outcomes: dict[str, int] = {}
    counter = itertools.count()
    olock = threading.Lock()

    def flooder():
        c = Client(port)
        while not stop.is_set():
            status, _ = c.request("POST", "/api/match", maximal_match_body(next(counter)))
            with olock:
                outcomes[str(status)] = outcomes.get(str(status), 0) + 1
            if status in (429, 503):
                time.sleep(0.05)        # an attacker would not wait for Retry-After; only avoid a busy loop
    threads = [threading.Thread(target=flooder, daemon=True) for _ in range(flooders)]
    for t in threads:
        t.start()
    time.sleep(1.0)                     # the flood is under way
    result = _search_clients(port, search_clients, seconds, supply, threading.Lock())
    stop.set()
    for t in threads:
        t.join(120)
    return {"search": result, "flood": dict(sorted(outcomes.items())), "flooders": flooders}


def run(db: Path, *, seconds: float = 20.0, compare: bool = True, progress=print) -> dict:
    from web.workers import worker_count
    report: dict = {"cpus": os.cpu_count(), "workers": worker_count(), "seconds_per_phase": seconds,
                    "load_before": _load()}
    runs = [("standaard", {}, ("scaling", "flood"))]
    if compare:
        runs += [("één werkproces", {"PRAKTIJKWIJZER_WORKERS": "1"}, ("scaling", "flood")),
                 ("zonder voorrang", {"PRAKTIJKWIJZER_HEAVY_NICE": "0"}, ("flood",)),
                 ("zonder budget", {"PRAKTIJKWIJZER_MATCH_BUDGET": "0"}, ("flood",)),
                 ("met zoekslot", {"PRAKTIJKWIJZER_WORKERS": "1", "PRAKTIJKWIJZER_SEARCH_LOCK": "1"},
                  ("scaling", "flood")),
                 ("model op alle kernen", {"PRAKTIJKWIJZER_SERVE_THREADS": "0"}, ("scaling", "flood")),
                 ("zonder bundelen", {"PRAKTIJKWIJZER_BATCH": "0"}, ("scaling",))]
    for name, env, phases in runs:
        progress(f"Server starten ({name}) ...")
        server = Server(db, env)
        supply = questions()            # every question new to this server, across its phases
        try:
            out: dict = {"env": env}
            if "scaling" in phases:
                progress(f"  zoeken met 1, 4 en 16 gelijktijdige gebruikers ({name}) ...")
                out["scaling"] = scaling(server.port, seconds, supply)
            if "flood" in phases:
                progress(f"  zoeken terwijl 2 gebruikers maximale planmatches sturen ({name}) ...")
                out["flood"] = flood(server.port, seconds, supply)
        finally:
            server.stop()
        report[name] = out
    report["load_after"] = _load()
    std = report["standaard"]
    rows = {r["clients"]: r for r in std["scaling"]["rows"]}
    report["targets"] = {
        "ratio_4_vs_1": {"value": rows[4]["ratio"], "target": TARGET_RATIO, "met": rows[4]["ratio"] >= TARGET_RATIO},
        "p95_16_ms": {"value": rows[16]["p95_ms"], "target": TARGET_P95_MS, "met": rows[16]["p95_ms"] <= TARGET_P95_MS},
        "flood_search_p95_ms": {"value": std["flood"]["search"]["p95_ms"], "target": TARGET_P95_MS,
                                "met": std["flood"]["search"]["p95_ms"] <= TARGET_P95_MS}}
    return report


def _load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def show(report: dict) -> None:
    from rich.table import Table
    con = console()
    con.print(f"Belastingmeting: {report['cpus']} kernen, standaard {report['workers']} werkproces(sen), "
              f"{report['seconds_per_phase']:g} s per meting, "
              f"load average vooraf {report['load_before']}, achteraf {report['load_after']}.")
    for name in ("standaard", "één werkproces", "met zoekslot", "model op alle kernen", "zonder bundelen"):
        if name in report and "scaling" in report[name]:
            t = Table(title=f"Zoeken (GET /api/search, steeds een nieuwe vraag) — {name}", title_justify="left")
            for col in ("gebruikers", "aanvragen/s", "x 1 gebruiker", "p50 ms", "p95 ms", "p99 ms", "fouten"):
                t.add_column(col, justify="right")
            for r in report[name]["scaling"]["rows"]:
                t.add_row(str(r["clients"]), f"{r['throughput_rps']:.1f}", f"{r['ratio']:.2f}", f"{r['p50_ms']:.0f}",
                          f"{r['p95_ms']:.0f}", f"{r['p99_ms']:.0f}", str(r["errors"]))
            con.print(t)
    t = Table(title="Zoeken (4 gebruikers) terwijl 2 gebruikers maximale planmatches sturen", title_justify="left")
    for col in ("server", "aanvragen/s", "p50 ms", "p95 ms", "p99 ms", "planmatches: antwoorden"):
        t.add_column(col, justify="right")
    for name in ("standaard", "één werkproces", "zonder voorrang", "zonder budget", "met zoekslot",
                 "model op alle kernen"):
        if name in report and "flood" in report[name]:
            f = report[name]["flood"]
            s = f["search"]
            t.add_row(name, f"{s['throughput_rps']:.1f}", f"{s['p50_ms']:.0f}", f"{s['p95_ms']:.0f}",
                      f"{s['p99_ms']:.0f}", ", ".join(f"{k}: {v}" for k, v in f["flood"].items()))
    con.print(t)
    labels = {"ratio_4_vs_1": "4 gebruikers / 1 gebruiker (doorvoer)", "p95_16_ms": "p95 bij 16 gebruikers (ms)",
              "flood_search_p95_ms": "p95 zoeken tijdens planmatches (ms)"}
    for key, tgt in report["targets"].items():
        cmp = ">=" if key == "ratio_4_vs_1" else "<="
        con.print(f"  {labels[key]}: {tgt['value']} (doel {cmp} {tgt['target']:g}) "
                  f"{'[green]gehaald[/]' if tgt['met'] else '[red]niet gehaald[/]'}")


def cmd_bench_web(args) -> int:
    if not 2 <= args.duur <= 600:
        raise CliError("--duur moet tussen 2 en 600 seconden liggen.", status=422, code=2)
    connect_db(args).close()            # refuses a missing knowledge base in Dutch
    log = (lambda s: print(s, file=sys.stderr, flush=True))
    report = run(db_location(args), seconds=args.duur, compare=not args.zonder_vergelijking, progress=log)
    if args.json:
        print_json(report)
    else:
        show(report)
    return 0


def register(sub) -> None:
    s = sub.add_parser("bench-web", help="belastingmeting op een echte server: zoeken met 1, 4 en 16 gebruikers "
                                         "en zoeken tijdens een stroom maximale planmatches")
    s.add_argument("--duur", type=float, default=20.0, help="seconden per meting (standaard 20)")
    s.add_argument("--zonder-vergelijking", action="store_true",
                   help="alleen de standaardinstelling meten (niet ook met één werkproces, zonder budget enz.)")
    s.add_argument("--json", action="store_true", help="uitvoer als JSON")
    s.set_defaults(func=cmd_bench_web)
