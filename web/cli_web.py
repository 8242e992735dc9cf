"""`praktijkwijzer serve`: start the web application.

On start: an empty knowledge base is filled with the bundled sources, a missing or outdated
search index is built or brought up to date (both with a progress bar), then uvicorn runs.
"""
from __future__ import annotations

import sys

from web.cli import _connect, _console, _progress


def _step(progress, task):
    """A progress callback for the rich bar; without a terminal, each new step is printed once."""
    last = [None]

    def step(desc, done, total):
        progress.update(task, description=desc, completed=done, total=max(total, 1))
        if progress.disable and desc != last[0]:
            last[0] = desc
            print(f"  {desc} ...", file=sys.stderr, flush=True)
    return step


def _ingest_func():
    try:
        from kb.loader import ingest
    except ImportError:                      # before the loader existed
        from ingest.pipeline import ingest
    return ingest


def prepare(args, con) -> bool:
    """Make sure the knowledge base and the index are ready. False (message printed) if not."""
    from index.encoder import load_encoder
    from index.store import IndexMismatch, index_dir_for, load, read_current, sync
    conn = _connect(args)
    n = conn.execute("SELECT count(*) FROM entries").fetchone()[0]
    if not n:
        con.print("De kennisbank is leeg: de meegeleverde bronnen worden ingelezen (eenmalig).")
        with _progress() as progress:
            task = progress.add_task("Inlezen", total=1)
            report = _ingest_func()(conn, None, progress=_step(progress, task))
        if not report.ok:
            for err in report.errors:
                con.print(f"[bold red]Fout:[/] {err}")
            return False
        n = conn.execute("SELECT count(*) FROM entries").fetchone()[0]
        con.print(f"Ingelezen: {n} kennisitems uit {len(report.documents)} documenten"
                  + (f", {report.plans} voorbeeldplannen." if getattr(report, "plans", 0) else "."))
    root = index_dir_for(args.db)
    with _progress() as progress:
        task = progress.add_task("Taalmodel laden", total=1)
        try:
            encoder = load_encoder(getattr(args, "model", None))
        except ValueError as err:
            con.print(f"[bold red]Fout:[/] {err}")
            return False
        progress.update(task, completed=1)
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
        with _progress() as progress:
            task = progress.add_task("Zoekindex opbouwen", total=1)
            manifest, changes = sync(conn, encoder, root, progress=_step(progress, task))
        con.print(f"Zoekindex klaar: {manifest.n_entries} kennisitems, {manifest.n_vectors} vectoren.")
    conn.close()
    return True


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
    import uvicorn

    from kb.db import SchemaTooNew
    from web.app import create_app
    con = _console()
    if not 0 < args.port < 65536:
        con.print(f"[bold red]Fout:[/] poort {args.port} bestaat niet; kies een getal tussen 1 en 65535.")
        return 2
    if not _port_free(args.host, args.port):
        con.print(f"[bold red]Fout:[/] poort {args.port} op {args.host} is al in gebruik (draait Praktijkwijzer al?). "
                  "Kies een andere poort met --port, bijvoorbeeld --port 8001.")
        return 1
    try:
        if not prepare(args, con):
            return 1
    except SchemaTooNew as err:
        con.print(f"[bold red]Fout:[/] {err}")
        return 1
    app = create_app(args.db, None, model=getattr(args, "model", None))
    with _progress() as progress:
        task = progress.add_task("Zoekfunctie starten", total=1)
        app.state.services.searcher()            # load now, so the first visitor does not wait
        progress.update(task, completed=1)
    host = f"[{args.host}]" if ":" in args.host else args.host
    con.print(f"Praktijkwijzer draait op [bold]http://{host}:{args.port}[/] (API: http://{host}:{args.port}/docs). "
              "Stoppen: Ctrl+C.")
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        con.print("[yellow]Let op:[/] de webapplicatie is nu ook vanaf andere computers bereikbaar.")
    sys.stdout.flush()
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", access_log=args.log,
                server_header=False, proxy_headers=False)
    con.print("Praktijkwijzer is gestopt.")
    return 0


def register(sub) -> None:
    s = sub.add_parser("serve", help="de webapplicatie starten (leest zo nodig eerst de bronnen in en bouwt de index)")
    s.add_argument("--host", default="127.0.0.1", help="adres om op te luisteren (standaard 127.0.0.1: alleen deze computer)")
    s.add_argument("--port", type=int, default=8000, help="poort (standaard 8000)")
    s.add_argument("--model", help="map van een ander sentence-transformers-model")
    s.add_argument("--log", action="store_true", help="elke aanvraag in de terminal tonen")
    s.set_defaults(func=cmd_serve)
