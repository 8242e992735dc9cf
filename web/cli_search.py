"""CLI commands of the search stage: search, reindex, bench."""
from __future__ import annotations

import json
import sys
from pathlib import Path

from web.cli import _connect, _console, _print_json, _progress, _region_arg


def _step(progress, task):
    def step(desc, done, total):
        progress.update(task, description=desc, completed=done, total=max(total, 1))
    return step


def load_search(args, *, build_if_missing: bool = False):
    """Encoder + index + searcher for the configured database and model."""
    from index.encoder import load_encoder
    from index.store import index_dir_for, load, read_current, sync
    from search.engine import Searcher
    conn = _connect(args)
    root = index_dir_for(args.db)
    with _progress() as progress:
        task = progress.add_task("Taalmodel laden", total=1)
        encoder = load_encoder(getattr(args, "model", None))
        if build_if_missing and not read_current(root):
            sync(conn, encoder, root, progress=_step(progress, task))
        index = load(root, expected_model=encoder.model_id, conn=conn)
    return Searcher(conn, index, encoder)


def _filters(args):
    from search.engine import Filters
    return Filters(type=args.type, label=args.label, actielijn=args.actielijn, thema=args.thema,
                   branche=args.branche, regio=_region_arg(args.regio),
                   status=None if args.status == "alle" else args.status)


def cmd_search(args) -> int:
    from index.store import IndexMismatch
    from search.engine import QueryError, highlight
    try:
        searcher = load_search(args)
    except IndexMismatch as err:
        print(f"Fout: {err}", file=sys.stderr)
        return 2
    filters = _filters(args)
    if args.batch:
        try:
            lines = Path(args.batch).read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as err:
            print(f"Fout: het bestand {args.batch} kan niet worden gelezen ({err}).", file=sys.stderr)
            return 2
        for line in lines:
            if not line.strip():
                continue
            try:
                res = [r.to_dict() for r in searcher.search(line, k=args.k, filters=filters, diversity=args.diversiteit)]
                out = {"query": line, "results": res}
            except QueryError as err:
                out = {"query": line, "results": [], "error": str(err)}
            sys.stdout.write(json.dumps(out, ensure_ascii=False) + "\n")
        return 0
    try:
        results = searcher.search(args.vraag, k=args.k, filters=filters, diversity=args.diversiteit)
    except QueryError as err:
        print(f"Fout: {err}", file=sys.stderr)
        return 2
    if args.json:
        _print_json([r.to_dict() for r in results])
        return 0
    con = _console()
    if not results:
        con.print("Geen resultaten. Probeer andere woorden of minder filters.")
        return 0
    for i, r in enumerate(results, 1):
        kind = r.label if r.type == "praktijk" and r.label else r.type
        con.print(f"[bold]{i}. {r.title}[/]  [dim]({kind}; {r.id})[/]")
        con.print("   " + highlight(r.explanation["sentence"], r.explanation["highlights"], "[bold yellow]", "[/]"))
        con.print(f"   [dim]{r.explanation['reason']}[/]")
        if r.regions:
            con.print(f"   [dim]Regio: {', '.join(searcher.registry.labels('regio').get(x, x) for x in r.regions)}[/]")
        con.print(f"   [dim]Bron: {r.explanation['citation']}[/]")
    return 0


def cmd_reindex(args) -> int:
    from index.encoder import load_encoder
    from index.store import build, index_dir_for, load
    conn = _connect(args)
    root = index_dir_for(args.db)
    con = _console()
    n = conn.execute("SELECT count(*) FROM entries").fetchone()[0]
    if not n:
        con.print("De kennisbank is leeg. Voer eerst [bold]praktijkwijzer ingest[/] uit.")
        return 1
    with _progress() as progress:
        task = progress.add_task("Taalmodel laden", total=1)
        encoder = load_encoder(getattr(args, "model", None))
        manifest = build(conn, encoder, root, progress=_step(progress, task))
    load(root, expected_model=encoder.model_id, conn=conn)      # verify what was written
    con.print(f"Zoekindex opnieuw opgebouwd en gecontroleerd: {manifest.n_entries} kennisitems, "
              f"{manifest.n_vectors} vectoren ({manifest.index_type}), model {manifest.model_id}, "
              f"{manifest.build_seconds:.1f} s.")
    return 0


def cmd_bench(args) -> int:
    import tempfile

    from kb.db import db_path
    from search.bench import EmptyKnowledgeBase, collect, finish
    from web import bench_web
    conn = _connect(args)
    with tempfile.TemporaryDirectory() as tmp:
        try:
            report = collect(conn, Path(tmp), model=getattr(args, "model", None), skip_scale=args.skip_scale)
        except EmptyKnowledgeBase as err:
            _console().print(str(err))
            return 1
        if not getattr(args, "model", None):        # the web app serves the configured model
            report["web"] = bench_web.run(db_path(args.db), Path(tmp))
    finish(report, as_json=args.json)
    return 0


def add_filter_args(s) -> None:
    s.add_argument("--type", choices=["praktijk", "advies", "bouwsteen", "beleid"], help="soort kennisitem")
    s.add_argument("--label", help="Koploper, Falend Vooruit of voorbeeld")
    s.add_argument("--actielijn", choices=["meer-kiezen", "beter-leren", "anders-werken"], help="actielijn")
    s.add_argument("--thema", help="thema-id, bijvoorbeeld stages")
    s.add_argument("--branche", help="branche-id, bijvoorbeeld ggz")
    s.add_argument("--regio", help="regio (naam, alias of nummer)")
    s.add_argument("--status", default="gepubliceerd",
                   choices=["gepubliceerd", "concept", "ter_review", "gearchiveerd", "alle"],
                   help="status (standaard: gepubliceerd)")


def register(sub) -> None:
    s = sub.add_parser("search", help="zoeken op een knelpunt of vraag")
    s.add_argument("vraag", nargs="?", metavar="VRAAG", help='bijvoorbeeld "te weinig stageplekken in de wijk"')
    s.add_argument("--batch", metavar="BESTAND", help="één vraag per regel; uitvoer: één JSON-regel per vraag")
    s.add_argument("--k", type=int, default=10, help="aantal resultaten (standaard 10)")
    s.add_argument("--json", action="store_true", help="uitvoer als JSON")
    s.add_argument("--diversiteit", type=float, default=0.0,
                   help="0 tot 1: hoe sterk bijna-gelijke resultaten worden gespreid (standaard 0)")
    s.add_argument("--model", help="map van een ander sentence-transformers-model")
    add_filter_args(s)
    s.set_defaults(func=cmd_search)

    s = sub.add_parser("reindex", help="zoekindex volledig opnieuw opbouwen uit de database en controleren")
    s.add_argument("--model", help="map van een ander sentence-transformers-model")
    s.set_defaults(func=cmd_reindex)

    s = sub.add_parser("bench", help="kwaliteit en snelheid meten (dev-set, latentie, schaal)")
    s.add_argument("--skip-scale", action="store_true", help="de schaalmeting (10k/100k vectoren) overslaan")
    s.add_argument("--json", action="store_true", help="uitvoer als JSON")
    s.add_argument("--model", help="map van een ander sentence-transformers-model")
    s.set_defaults(func=cmd_bench)
