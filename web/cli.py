"""Command line interface: `praktijkwijzer <opdracht>`. All help and messages are Dutch."""
from __future__ import annotations

import argparse
import json
import os
import sys

from web import nl_argparse  # noqa: F401  (Dutch argparse messages)

EPILOG = ("De database staat in ./var/praktijkwijzer.db, of waar --db of de omgevingsvariabele "
          "PRAKTIJKWIJZER_DB naar wijst. Indexen staan ernaast en worden altijd uit de database opgebouwd.")


def _console():
    from rich.console import Console
    return Console(highlight=False)


def _progress():
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
    return Progress(TextColumn("{task.description:<48}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), transient=True, console=_console(), disable=not sys.stderr.isatty())


def _connect(args):
    from kb.db import connect
    return connect(args.db)


def _print_json(data) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


# ---------------------------------------------------------------- ingest / entries / show / stats

def cmd_ingest(args) -> int:
    from kb.loader import ingest
    conn = _connect(args)
    with _progress() as progress:
        task = progress.add_task("Inlezen", total=1)

        def step(desc, done, total):
            progress.update(task, description=desc, completed=done, total=max(total, 1))
        report = ingest(conn, args.paden or None, progress=step)
    con = _console()
    if not report.ok:
        for err in report.errors:
            con.print(f"[bold red]Fout:[/] {err}")
        con.print("De kennisbank is niet gewijzigd.")
        return 1
    from rich.table import Table
    t = Table(title="Ingelezen documenten", title_justify="left")
    t.add_column("Document"); t.add_column("Soort"); t.add_column("Status"); t.add_column("Items", justify="right")
    kinds = {"programme": "actieprogramma", "advice-letter": "adviesbrief", "evaluation-report": "evaluatierapport",
             "web-summary": "webpagina", "news": "nieuwsbericht", "generic": "overig document"}
    status = {"created": "nieuw", "updated": "gewijzigd", "unchanged": "ongewijzigd"}
    for doc_id, kind in report.kinds.items():
        t.add_row(doc_id, kinds.get(kind, kind), status.get(report.documents.get(doc_id, ""), "al aanwezig"),
                  str(report.per_document.get(doc_id, 0)))
    con.print(t)
    t2 = Table(title="Kennisitems per type", title_justify="left")
    t2.add_column("Type"); t2.add_column("Aantal", justify="right")
    for typ, n in sorted(report.per_type.items()):
        t2.add_row(typ, str(n))
    con.print(t2)
    a = report.applied
    con.print(f"Nieuw: {len(a.created)}  gewijzigd: {len(a.updated)}  ongewijzigd: {len(a.unchanged)}  "
              f"gearchiveerd: {len(a.archived)}")
    if report.plans:
        con.print(f"Voorbeeldplannen: {report.plans}")
    if report.warnings:
        con.print(f"[yellow]Waarschuwingen ({len(report.warnings)}):[/]")
        for w in report.warnings:
            con.print(f"  - {w}")
    return _sync_index(args, conn, con)


def _sync_index(args, conn, con) -> int:
    """Keep an existing search index in step with the knowledge base (changed items only)."""
    from index.store import index_dir_for, read_current
    root = index_dir_for(args.db)
    if getattr(args, "zonder_index", False) or not read_current(root):
        if not read_current(root):
            con.print("Er is nog geen zoekindex; bouw die met [bold]praktijkwijzer reindex[/].")
        return 0
    from index.encoder import load_encoder
    from index.store import sync
    with _progress() as progress:
        task = progress.add_task("Zoekindex bijwerken", total=1)

        def step(desc, done, total):
            progress.update(task, description=desc, completed=done, total=max(total, 1))
        _, changes = sync(conn, load_encoder(), root, progress=step)
    n = sum(len(v) for v in changes.values())
    con.print(f"Zoekindex bijgewerkt: {len(changes.get('added', []))} nieuw, {len(changes.get('updated', []))} "
              f"gewijzigd, {len(changes.get('removed', []))} verwijderd." if n else "Zoekindex was al actueel.")
    return 0


def entry_summary(e, registry=None) -> dict:
    src = e.sources[0] if e.sources else None
    return {
        "id": e.id, "type": e.type, "label": e.label, "title": e.title, "summary": e.summary,
        "status": e.status, "actielijnen": e.actielijnen, "themes": e.themes, "branches": e.branches,
        "regions": e.regions, "organisations": e.organisations, "audience": e.audience,
        "source": ({"document": src.document_id, "heading": src.heading, "start": src.start, "end": src.end}
                   if src else None),
        "sources": [{"document": s.document_id, "heading": s.heading, "start": s.start, "end": s.end}
                    for s in e.sources],
    }


def cmd_entries(args) -> int:
    from kb.entries import list_entries
    conn = _connect(args)
    entries = list_entries(conn, type=args.type, actielijn=args.actielijn, regio=_region_arg(args.regio),
                           thema=args.thema, branche=args.branche, label=args.label, status=args.status)
    if args.json:
        _print_json([entry_summary(e) for e in entries])
        return 0
    con = _console()
    if not entries:
        con.print("Geen kennisitems gevonden met deze filters. Tip: voer eerst [bold]praktijkwijzer ingest[/] uit.")
        return 0
    from rich.table import Table
    t = Table(title=f"{len(entries)} kennisitems", title_justify="left")
    for col in ("Id", "Type", "Label", "Titel", "Regio's"):
        t.add_column(col)
    for e in entries:
        t.add_row(e.id, e.type, e.label or "", e.title, ", ".join(e.regions))
    con.print(t)
    return 0


def _region_arg(value):
    if not value:
        return None
    from kb.registry import load_registry
    ids = load_registry().resolve_region(value)
    if not ids:
        raise SystemExit(f"Onbekende regio: {value!r}. Zie 'praktijkwijzer regions' voor de 28 regio's.")
    return ids[0]


def cmd_show(args) -> int:
    from kb.documents import get_document
    from kb.entries import get_entry
    conn = _connect(args)
    e = get_entry(conn, args.id)
    if e is None:
        print(f"Kennisitem '{args.id}' bestaat niet. Zoek ids met 'praktijkwijzer entries'.", file=sys.stderr)
        return 1
    if args.json:
        d = entry_summary(e) | {"body": e.body, "results": e.results, "keywords": e.keywords,
                                "number": e.number, "version": e.version, "passages": e.chunks}
        _print_json(d)
        return 0
    con = _console()
    con.print(f"[bold]{e.title}[/]  ({e.type}{', ' + e.label if e.label else ''}; {e.status})")
    con.print(f"id: {e.id}")
    for name, values in (("Actielijnen", e.actielijnen), ("Thema's", e.themes), ("Branches", e.branches),
                         ("Regio's", e.regions), ("Organisaties", e.organisations)):
        if values:
            con.print(f"{name}: {', '.join(values)}")
    if e.audience:
        con.print(f"Doelgroep: {e.audience}")
    con.print()
    con.print(e.body)
    if e.results:
        con.print("\n[bold]Resultaten[/]")
        for r in e.results:
            con.print(f"  - {r}")
    con.print("\n[bold]Bron[/]")
    for s in e.sources:
        doc = get_document(conn, s.document_id)
        con.print(f"  {doc.title if doc else s.document_id} — {s.heading} (tekens {s.start}–{s.end})")
    return 0


def cmd_stats(args) -> int:
    from kb.stats import stats
    conn = _connect(args)
    st = stats(conn)
    if args.json:
        _print_json(st)
        return 0
    con = _console()
    if not st["entries"]:
        con.print("De kennisbank is nog leeg. Voer [bold]praktijkwijzer ingest[/] uit.")
    for k, v in st.items():
        con.print(f"{k}: {v}")
    return 0


# ---------------------------------------------------------------- parser

def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="praktijkwijzer",
        description="Praktijkwijzer: goede praktijken, adviezen en bouwstenen tegen personeelstekorten "
                    "in zorg en welzijn, doorzoekbaar en gekoppeld aan de knelpunten van uw regio.",
        epilog=EPILOG)
    p.add_argument("--db", help="pad naar de database (standaard: $PRAKTIJKWIJZER_DB of ./var/praktijkwijzer.db)")
    sub = p.add_subparsers(dest="opdracht", metavar="OPDRACHT", title="opdrachten")

    s = sub.add_parser("ingest", help="documenten inlezen in de kennisbank (standaard: de meegeleverde bronnen)")
    s.add_argument("paden", nargs="*", metavar="PAD", help="bestanden of mappen (Markdown, tekst, PDF, DOCX, HTML)")
    s.add_argument("--zonder-index", action="store_true", help="de zoekindex niet bijwerken")
    s.set_defaults(func=cmd_ingest)

    s = sub.add_parser("entries", help="kennisitems tonen, met filters")
    s.add_argument("--type", choices=["praktijk", "advies", "bouwsteen", "beleid"], help="soort kennisitem")
    s.add_argument("--label", help="Koploper, Falend Vooruit of voorbeeld")
    s.add_argument("--actielijn", choices=["meer-kiezen", "beter-leren", "anders-werken"], help="actielijn")
    s.add_argument("--regio", help="regio (naam, alias of nummer)")
    s.add_argument("--thema", help="thema-id, bijvoorbeeld stages")
    s.add_argument("--branche", help="branche-id, bijvoorbeeld ggz")
    s.add_argument("--status", choices=["concept", "ter_review", "gepubliceerd", "gearchiveerd"], help="status")
    s.add_argument("--json", action="store_true", help="uitvoer als JSON (voor scripts)")
    s.set_defaults(func=cmd_entries)

    s = sub.add_parser("show", help="één kennisitem tonen met bron")
    s.add_argument("id", metavar="ID", help="id van het kennisitem")
    s.add_argument("--json", action="store_true", help="uitvoer als JSON")
    s.set_defaults(func=cmd_show)

    s = sub.add_parser("stats", help="aantallen in de kennisbank")
    s.add_argument("--json", action="store_true", help="uitvoer als JSON")
    s.set_defaults(func=cmd_stats)

    for register in _extensions():
        register(sub)
    return p


def _extensions():
    """Commands of later stages (search, plans, web) register themselves here."""
    out = []
    for mod in ("web.cli_search", "web.cli_plans", "web.cli_web", "web.cli_curation"):
        try:
            module = __import__(mod, fromlist=["register"])
        except ModuleNotFoundError as err:
            if err.name != mod:
                raise
            continue
        out.append(module.register)
    return out


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    try:
        return args.func(args) or 0
    except KeyboardInterrupt:
        print("Afgebroken.", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
