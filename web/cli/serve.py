"""`praktijkwijzer serve`: start the web application.

On start: an empty knowledge base is filled with the bundled sources; whatever an interrupted
index writer left behind is cleaned up (index.store.recover_index); a missing or outdated
search index is built or brought up to date (both with a progress bar); then uvicorn runs with
web.server's settings (Dutch protocol errors). On SIGTERM or Ctrl+C requests in flight get
--stoptijd seconds; then the process ends, also when a worker thread is still busy.
"""
from __future__ import annotations

import os
import sys
import threading

from web.cli.common import (EXIT_FAILED, EXIT_INVALID, connect_db, console, db_location, progress, report, stepper,
                            unexpected)

RECOVERY_WAIT = 60          # seconds to wait for another index writer at start-up


def prepare(args, con) -> bool:
    """Make sure the knowledge base and the index are ready. False (message printed) if not."""
    from index.encoder import load_encoder
    from index.store import IndexMismatch, index_dir_for, load, read_current, recover_index, sync
    from kb.loader import ingest
    from kb.stats import entry_count
    conn = connect_db(args, create=True)
    if not entry_count(conn):
        con.print("De kennisbank is leeg: de meegeleverde bronnen worden ingelezen (eenmalig).")
        from web.cli.embedding import sentence_embedding
        embedding = sentence_embedding(getattr(args, "model", None))     # for the example plans' bottlenecks
        with progress() as bar:
            report = ingest(conn, None, progress=stepper(bar, bar.add_task("Inlezen", total=1), echo=True),
                            embedding=embedding)
        if not report.ok:
            for err in report.errors:
                con.print(f"[bold red]Fout:[/] {err}")
            return False
        con.print(f"Ingelezen: {entry_count(conn)} kennisitems uit {len(report.documents)} documenten"
                  + (f", {report.plans} voorbeeldplannen." if report.plans else "."))
    root = index_dir_for(db_location(args))
    if root.is_dir():
        recovery = recover_index(root, lock_timeout=RECOVERY_WAIT)
        if recovery:
            con.print(f"Zoekindex: wat een afgebroken schrijfopdracht achterliet is opgeruimd{_recovered(recovery)}.")
    with progress() as bar:
        task = bar.add_task("Taalmodel laden", total=1)
        try:
            encoder = load_encoder(getattr(args, "model", None))
        except ValueError as err:
            con.print(f"[bold red]Fout:[/] {err}")
            return False
        bar.update(task, completed=1)
    ok = False
    if read_current(root):
        try:
            load(root, expected_model=encoder.model_id, conn=conn)
            ok = True
        except IndexMismatch as err:
            con.print(f"De zoekindex wordt bijgewerkt: {err}")
    else:
        con.print("Er is nog geen zoekindex; die wordt nu opgebouwd (eenmalig, ongeveer een minuut).")
    if not ok:
        with progress() as bar:
            manifest, changes = sync(conn, encoder, root,
                                     progress=stepper(bar, bar.add_task("Zoekindex opbouwen", total=1), echo=True))
        con.print(f"Zoekindex klaar: {manifest.n_entries} kennisitems, {manifest.n_vectors} vectoren.")
    conn.close()
    return True


def _running(args, con, workers: int = 1) -> None:
    host = f"[{args.host}]" if ":" in args.host else args.host
    processes = f" met {workers} werkprocessen" if workers > 1 else ""
    con.print(f"Praktijkwijzer draait{processes} op [bold]http://{host}:{args.port}[/] "
              f"(API: http://{host}:{args.port}/docs). Stoppen: Ctrl+C.")
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        con.print("[yellow]Let op:[/] de webapplicatie is nu ook vanaf andere computers bereikbaar.")
    sys.stdout.flush()


def _prepare_in_child(args) -> None:
    from kb.db import SchemaTooNew
    con = console()
    try:
        ok = prepare(args, con)
    except SchemaTooNew as err:
        con.print(f"[bold red]Fout:[/] {err}")
        ok = False
    except KeyboardInterrupt:           # Ctrl+C while preparing: the parent says that it stopped
        ok = False
    except Exception as exc:            # as main() does: a Dutch message, a traceback only with --debug
        if getattr(args, "debug", False):
            import traceback
            traceback.print_exc()
        report(unexpected(exc, debug=getattr(args, "debug", False)), False)
        ok = False
    sys.stdout.flush()
    sys.exit(0 if ok else EXIT_FAILED)


def _serve_workers(args, con, workers: int) -> int:
    """Serve with `workers` processes on one socket (web.workers)."""
    from web.workers import bind, serve_workers
    try:
        sock = bind(args.host, args.port)
    except OSError as err:
        con.print(f"[bold red]Fout:[/] poort {args.port} op {args.host} kan niet worden gebruikt ({err.strerror or err}). "
                  "Kies een andere poort met --port.")
        return EXIT_FAILED
    con.print(f"Zoekfunctie starten in {workers} werkprocessen (elk laadt het taalmodel) ...")
    sys.stdout.flush()
    try:
        ok = serve_workers(sock, workers, db=str(db_location(args)), model=getattr(args, "model", None),
                           access_log=args.log, graceful_seconds=args.stoptijd,
                           on_ready=lambda: _running(args, con, workers),
                           say=lambda text: (con.print(text), sys.stdout.flush()))
    finally:
        sock.close()
    con.print("Praktijkwijzer is gestopt." if ok else "Praktijkwijzer is gestopt: een werkproces kon niet starten.")
    sys.stdout.flush()
    return 0 if ok else EXIT_FAILED


def _recovered(recovery) -> str:
    parts = []
    if recovery.removed:
        n = len(recovery.removed)
        parts.append(f"{n} {'onvolledig bestand of map' if n == 1 else 'onvolledige bestanden of mappen'} verwijderd")
    if recovery.repointed:
        parts.append(f"de actieve generatie is nu {recovery.repointed[1] or 'geen'}")
    return f" ({'; '.join(parts)})" if parts else ""


def _port_free(host: str, port: int) -> bool:
    import socket
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def cmd_serve(args) -> int:
    from kb.db import SchemaTooNew
    from web.forwarded import trusted_proxies
    from web.server import apply_serving_threads, run, serving_threads
    from web.workers import worker_count
    con = console()
    if not 0 <= args.stoptijd <= 3600:
        con.print("[bold red]Fout:[/] --stoptijd moet tussen 0 en 3600 seconden liggen.")
        return EXIT_INVALID
    try:
        trusted_proxies()
        serving_threads()
        workers = worker_count(args.werkers)
    except ValueError as err:           # ProxySettingError too
        con.print(f"[bold red]Fout:[/] {err}")
        return EXIT_INVALID
    if not 0 < args.port < 65536:
        con.print(f"[bold red]Fout:[/] poort {args.port} bestaat niet; kies een getal tussen 1 en 65535.")
        return EXIT_INVALID
    if not _port_free(args.host, args.port):
        con.print(f"[bold red]Fout:[/] poort {args.port} op {args.host} is al in gebruik (draait Praktijkwijzer al?). "
                  "Kies een andere poort met --port, bijvoorbeeld --port 8001.")
        return EXIT_FAILED
    if workers > 1:
        # prepared in a process of its own: the model it may load is not kept in this one,
        # which only supervises the workers
        import multiprocessing
        child = multiprocessing.get_context("spawn").Process(target=_prepare_in_child, args=(args,))
        child.start()
        child.join()
        if child.exitcode != 0:
            return EXIT_FAILED
        return _serve_workers(args, con, workers)
    try:
        if not prepare(args, con):
            return EXIT_FAILED
    except SchemaTooNew as err:
        con.print(f"[bold red]Fout:[/] {err}")
        return EXIT_FAILED
    from web.app import create_app
    from web.lacunes import keep_warm
    app = create_app(db_location(args), None, model=getattr(args, "model", None))
    with progress() as bar:
        task = bar.add_task("Zoekfunctie starten", total=1)
        app.state.services.searcher()            # load now, so the first visitor does not wait
        keep_warm(app.state.services)            # the gap map too, now and after each new generation
        bar.update(task, completed=1)
    apply_serving_threads()
    _running(args, con)
    run(app, args.host, args.port, access_log=args.log, graceful_seconds=args.stoptijd)
    con.print("Praktijkwijzer is gestopt.")
    sys.stdout.flush()
    sys.stderr.flush()
    if any(t.is_alive() and not t.daemon for t in threading.enumerate() if t is not threading.main_thread()):
        # a worker thread still runs a request that was cancelled at shutdown (CPU-bound work cannot
        # be interrupted): do not wait for it. Every write is a committed SQLite transaction or an
        # atomic index swap, so ending here loses nothing that was acknowledged.
        os._exit(0)
    return 0


def register(sub) -> None:
    s = sub.add_parser("serve", help="de webapplicatie starten (leest zo nodig eerst de bronnen in en bouwt de index)")
    s.add_argument("--host", default="127.0.0.1", help="adres om op te luisteren (standaard 127.0.0.1: alleen deze computer)")
    s.add_argument("--port", type=int, default=8000, help="poort (standaard 8000)")
    s.add_argument("--model", help="map van een ander sentence-transformers-model")
    s.add_argument("--log", action="store_true", help="elke aanvraag in de terminal tonen")
    s.add_argument("--werkers", type=int, metavar="AANTAL",
                   help="aantal serverprocessen (standaard één per processorkern, hoogstens 4, minder bij weinig "
                        "geheugen; ook via PRAKTIJKWIJZER_WORKERS). Meer processen beantwoorden meer bezoekers tegelijk; "
                        "elk laadt het taalmodel (ongeveer 1 GB)")
    s.add_argument("--stoptijd", type=int, default=10, metavar="SECONDEN",
                   help="bij stoppen (Ctrl+C, SIGTERM) krijgen lopende aanvragen zo lang om af te ronden (standaard 10)")
    s.set_defaults(func=cmd_serve)
