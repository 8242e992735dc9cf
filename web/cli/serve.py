"""`praktijkwijzer serve`: start the web application.

On start: an empty knowledge base is filled with the bundled sources, a missing or outdated
search index is built or brought up to date (both with a progress bar), then uvicorn runs.
"""
from __future__ import annotations

import sys

from web.cli.common import EXIT_FAILED, EXIT_INVALID, connect_db, console, db_location, progress, stepper


def prepare(args, con) -> bool:
    """Make sure the knowledge base and the index are ready. False (message printed) if not."""
    from index.encoder import load_encoder
    from index.store import IndexMismatch, index_dir_for, load, read_current, sync
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
    con = console()
    if not 0 < args.port < 65536:
        con.print(f"[bold red]Fout:[/] poort {args.port} bestaat niet; kies een getal tussen 1 en 65535.")
        return EXIT_INVALID
    if not _port_free(args.host, args.port):
        con.print(f"[bold red]Fout:[/] poort {args.port} op {args.host} is al in gebruik (draait Praktijkwijzer al?). "
                  "Kies een andere poort met --port, bijvoorbeeld --port 8001.")
        return EXIT_FAILED
    try:
        if not prepare(args, con):
            return EXIT_FAILED
    except SchemaTooNew as err:
        con.print(f"[bold red]Fout:[/] {err}")
        return EXIT_FAILED
    app = create_app(db_location(args), None, model=getattr(args, "model", None))
    with progress() as bar:
        task = bar.add_task("Zoekfunctie starten", total=1)
        app.state.services.searcher()            # load now, so the first visitor does not wait
        bar.update(task, completed=1)
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
