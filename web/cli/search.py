"""CLI commands of search: search, reindex, bench."""
from __future__ import annotations

import json
import sys
from pathlib import Path

from web.cli.common import (CliError, EXIT_FAILED, EXIT_INVALID, add_filter_options, check_ranges, connect_db,
                            console, db_location, filter_options, invalid_value, print_json, progress, stepper)
from web.params import DIVERSITY, K


def load_search(args, *, build_if_missing: bool = False):
    """Encoder + index + searcher for the configured database and model. Raises CliError when
    the index does not fit the database (exit code 2)."""
    from index.encoder import load_encoder
    from index.store import IndexMismatch, index_dir_for, load, read_current, sync
    from search.engine import Searcher
    conn = connect_db(args)
    root = index_dir_for(db_location(args))
    with progress() as bar:
        task = bar.add_task("Taalmodel laden", total=1)
        encoder = load_encoder(getattr(args, "model", None))
        if build_if_missing and not read_current(root):
            sync(conn, encoder, root, progress=stepper(bar, task))
        try:
            index = load(root, expected_model=encoder.model_id, conn=conn)
        except IndexMismatch as err:
            raise CliError(str(err), status=503, code=EXIT_INVALID) from None
    return Searcher(conn, index, encoder)


def _find_view(searcher, query: str, fp, *, k: int, filters, alles: bool, diversity: float) -> dict:
    """One search in the API's shape (web.serialize.search_response, without facets)."""
    from web.searching import find_outcome
    from web.serialize import search_response
    return search_response(find_outcome(searcher, query, fp, filters=filters, limit=k, alles=alles,
                                        diversity=diversity))


def _print_item(con, names, v: dict, n: int | None = None) -> None:
    from search.engine import highlight
    head = f"{n}. " if n else "- "
    words = f" [bold]{v['match_label']}[/]" + (f", {v['confidence_label']}" if v["confidence_label"] else "") \
        if v["match_label"] else ""
    con.print(f"[bold]{head}{v['title']}[/]  [dim]({v['type_label']}; {v['id']})[/]{words}")
    ex = v["explanation"]
    con.print("   " + highlight(ex["sentence"], ex["highlights"], "[bold yellow]", "[/]"))
    con.print(f"   [dim]{ex['reason']}[/]")
    if v["regions"]:
        con.print(f"   [dim]Regio: {', '.join(names.get(x, x) for x in v['regions'])}[/]")
    con.print(f"   [dim]Bron: {ex['citation']}[/]")


def _print_page(con, names, view: dict) -> None:
    if view["corrections"]:
        con.print("[dim]Gezocht op " + ", ".join(f"‘{r}’ (u typte ‘{t}’)" for t, r in view["corrections"].items())
                  + ".[/]")
    if view["also_searched"]:
        con.print(f"[dim]Ook gezocht op: {', '.join(view['also_searched'])} (begrippenlijst).[/]")
    if view["about_policy"]:
        con.print("[dim]Uw vraag gaat over beleid: beleidsteksten tellen daarom mee als antwoord.[/]")
    if not view["decided"]:
        con.print("[dim]Geen beslismodel voor dit taalmodel: alle items op volgorde, zonder oordeel of ze passen.[/]")
    if view["results"]:
        what = "items, ook die niet passen" if view["alles"] else "passende resultaten"
        con.print(f"{view['total']} {what}:")
        for v in view["results"]:
            _print_item(con, names, v, v["rank"])
    else:
        con.print(view["message"] or "Geen resultaten. Probeer andere woorden of minder filters.")
        if view["nearest"]:
            con.print("\n[bold]Misschien verwant[/] (geen match: verwant, maar geen antwoord op uw vraag)")
            for v in view["nearest"]:
                _print_item(con, names, v)
        con.print("\nWat u kunt doen: beschrijf het knelpunt met andere woorden, zoek met minder filters, toets uw "
                  "hele plan ('praktijkwijzer plan match'), toon toch de dichtstbijzijnde items (--alles) of meld "
                  "het knelpunt bij het Actie Leer Netwerk.")
    d = view["decision"]
    if d and (view["results"] or view["nearest"]):
        con.print(f"\n[dim]Zekerheid: de geschatte kans dat een item een direct antwoord op uw vraag is. Sterke match "
                  f"vanaf ongeveer {d['sterk_text']}, mogelijke match vanaf ongeveer {d['mogelijk_text']}; daaronder "
                  "past het niet.[/]")
    if view["context"]:
        con.print("\n[bold]Achtergrond uit het beleid[/] (telt niet mee in het aantal resultaten)")
        for v in view["context"]:
            con.print(f"- {v['title']}  [dim]({v['id']})[/]")


def cmd_search(args) -> int:
    from search.engine import QueryError, check_query
    check_ranges(k=(args.k, K), diversiteit=(args.diversiteit, DIVERSITY))
    fp = filter_options(args)
    filters = fp.filters(status=None if args.status == "alle" else args.status)
    lines = None
    if args.batch:
        try:
            lines = Path(args.batch).read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as err:
            raise CliError(f"Het bestand {args.batch} kan niet worden gelezen ({err}).", code=EXIT_INVALID) from None
    else:
        try:
            check_query(args.vraag)
        except QueryError as err:
            raise invalid_value("q", str(err)) from None
    searcher = load_search(args)
    opts = {"k": args.k, "filters": filters, "alles": args.alles, "diversity": args.diversiteit}
    if lines is not None:
        for line in lines:
            if not line.strip():
                continue
            try:
                view = _find_view(searcher, line, fp, **opts)
                out = {"query": line, "total": view["total"], "results": view["results"]}
            except QueryError as err:
                out = {"query": line, "total": 0, "results": [], "error": str(err)}
            sys.stdout.write(json.dumps(out, ensure_ascii=False) + "\n")
        return 0
    try:
        view = _find_view(searcher, args.vraag, fp, **opts)
    except QueryError as err:
        raise invalid_value("q", str(err)) from None
    if args.json:
        print_json(view["results"])          # [] when nothing matches
        return 0
    _print_page(console(), searcher.registry.labels("regio"), view)
    return 0


def cmd_reindex(args) -> int:
    from index.encoder import load_encoder
    from index.store import build, index_dir_for, load
    from kb.stats import entry_count
    conn = connect_db(args)
    root = index_dir_for(db_location(args))
    con = console()
    if not entry_count(conn):
        con.print("De kennisbank is leeg. Voer eerst [bold]praktijkwijzer ingest[/] uit.")
        return EXIT_FAILED
    with progress() as bar:
        task = bar.add_task("Taalmodel laden", total=1)
        encoder = load_encoder(getattr(args, "model", None))
        manifest = build(conn, encoder, root, progress=stepper(bar, task))
    load(root, expected_model=encoder.model_id, conn=conn)      # verify what was written
    con.print(f"Zoekindex opnieuw opgebouwd en gecontroleerd: {manifest.n_entries} kennisitems, "
              f"{manifest.n_vectors} vectoren ({manifest.index_type}), model {manifest.model_id}, "
              f"{manifest.build_seconds:.1f} s.")
    return 0


def cmd_bench(args) -> int:
    import tempfile

    from search.bench import EmptyKnowledgeBase, collect, finish
    from web.cli import bench_docs, bench_web
    conn = connect_db(args)
    with tempfile.TemporaryDirectory() as tmp:
        try:
            report = collect(conn, Path(tmp), model=getattr(args, "model", None), skip_scale=args.skip_scale)
        except EmptyKnowledgeBase as err:
            raise CliError(str(err)) from None
        if not getattr(args, "model", None):        # the web app serves the configured model
            report["web"] = bench_web.run(db_location(args), Path(tmp))
    if not args.skip_docs:                           # documents: classifier CV, extraction (web/cli/bench_docs.py)
        report["documents"] = bench_docs.run(getattr(args, "model", None))
    finish(report, as_json=args.json)
    if report.get("documents") and not args.json:
        bench_docs.print_report(console(), report["documents"])
    return 0


def register(sub) -> None:
    s = sub.add_parser("search", help="zoeken op een knelpunt of vraag")
    s.add_argument("vraag", nargs="?", metavar="VRAAG", help='bijvoorbeeld "te weinig stageplekken in de wijk"')
    s.add_argument("--batch", metavar="BESTAND", help="één vraag per regel; uitvoer: één JSON-regel per vraag")
    s.add_argument("--k", type=int, default=10, help=f"aantal resultaten ({K['ge']} tot {K['le']}; standaard 10)")
    s.add_argument("--json", action="store_true", help="uitvoer als JSON: de lijst met resultaten ([] als niets past)")
    s.add_argument("--alles", action="store_true",
                   help="toon ook de items die niet passen (het dichtstbij eerst; bij elk staat of het past)")
    s.add_argument("--diversiteit", type=float, default=0.0,
                   help="0 tot 1: hoe sterk bijna-gelijke resultaten worden gespreid (standaard 0)")
    s.add_argument("--model", help="map van een ander sentence-transformers-model")
    add_filter_options(s)
    s.add_argument("--status", default="gepubliceerd",
                   choices=["gepubliceerd", "concept", "ter_review", "gearchiveerd", "alle"],
                   help="status (standaard: gepubliceerd)")
    s.set_defaults(func=cmd_search)

    s = sub.add_parser("reindex", help="zoekindex volledig opnieuw opbouwen uit de database en controleren")
    s.add_argument("--model", help="map van een ander sentence-transformers-model")
    s.set_defaults(func=cmd_reindex)

    s = sub.add_parser("bench", help="kwaliteit en snelheid meten (dev-set, latentie, schaal)")
    s.add_argument("--skip-scale", action="store_true", help="de schaalmeting (10k/100k vectoren) overslaan")
    s.add_argument("--skip-docs", action="store_true",
                   help="de documentmeting (knelpuntzinnen, knelpunten uit testplannen, PDF-lezers) overslaan")
    s.add_argument("--json", action="store_true", help="uitvoer als JSON")
    s.add_argument("--model", help="map van een ander sentence-transformers-model")
    s.set_defaults(func=cmd_bench)
