"""CLI commands on the knowledge base itself: ingest, entries, show, stats."""
from __future__ import annotations

from web.cli.common import (CliError, EXIT_FAILED, add_filter_options, connect_db, console, filter_options, id_column,
                            invalid_value, print_json, progress, stepper)

DOCUMENT_KINDS = {"programme": "actieprogramma", "advice-letter": "adviesbrief", "evaluation-report": "evaluatierapport",
                  "web-summary": "webpagina", "news": "nieuwsbericht", "generic": "overig document"}
DOCUMENT_STATUS = {"created": "nieuw", "updated": "gewijzigd", "unchanged": "ongewijzigd"}
# Dutch names of the counts of `stats` (the --json keys stay as they are, for scripts).
STATS_LABELS = {"documenten": "Documenten", "entries": "Kennisitems", "per_type": "Per soort",
                "per_status": "Per status", "per_label": "Praktijken per label", "passages": "Passages",
                "regios": "Regio's", "entries_met_regio": "Kennisitems met een regio",
                "organisaties": "Organisaties", "audit_events": "Regels in het auditlog"}


# ---------------------------------------------------------------- ingest

def cmd_ingest(args) -> int:
    from rich.table import Table

    from kb.loader import ingest
    from web.cli.embedding import sentence_embedding
    conn = connect_db(args, create=True)
    # the example plans (read with the bundled corpus) use the encoder's sentence embeddings
    embedding = None if args.paden else sentence_embedding(getattr(args, "model", None))
    with progress() as bar:
        report = ingest(conn, args.paden or None, progress=stepper(bar, bar.add_task("Inlezen", total=1)),
                        embedding=embedding)
    con = console()
    if not report.ok:
        for err in report.errors:
            con.print(f"[bold red]Fout:[/] {err}")
        con.print("De kennisbank is niet gewijzigd.")
        return EXIT_FAILED
    t = Table(title="Ingelezen documenten", title_justify="left")
    id_column(t, "Document")
    t.add_column("Soort"); t.add_column("Status"); t.add_column("Items", justify="right")
    for doc_id, kind in report.kinds.items():
        t.add_row(doc_id, DOCUMENT_KINDS.get(kind, kind),
                  DOCUMENT_STATUS.get(report.documents.get(doc_id, ""), "al aanwezig"),
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
    from web.cli.common import db_location
    root = index_dir_for(db_location(args))
    if getattr(args, "zonder_index", False) or not read_current(root):
        if not read_current(root):
            con.print("Er is nog geen zoekindex; bouw die met [bold]praktijkwijzer reindex[/].")
        return 0
    from index.encoder import load_encoder
    from index.store import sync
    with progress() as bar:
        _, changes = sync(conn, load_encoder(), root, progress=stepper(bar, bar.add_task("Zoekindex bijwerken", total=1)))
    n = sum(len(v) for v in changes.values())
    con.print(f"Zoekindex bijgewerkt: {len(changes.get('added', []))} nieuw, {len(changes.get('updated', []))} "
              f"gewijzigd, {len(changes.get('removed', []))} verwijderd." if n else "Zoekindex was al actueel.")
    return 0


# ---------------------------------------------------------------- entries, show

def erkenning_dict(e) -> dict:
    """The recognition of an entry for scripts: level, its Dutch label and the latest assessment
    (date, who, reasoning; None while the entry is not assessed) and the Koploper check."""
    from kb.models import ERKENNING_LEVELS
    info = e.erkenning_info or {}
    check = e.koploper_check
    return {"level": e.erkenning, "label": ERKENNING_LEVELS.get(e.erkenning, e.erkenning),
            "assessed_on": info.get("assessed_on"), "assessed_by": info.get("assessed_by"),
            "reasoning": info.get("reasoning"),
            "koploper_check": ({"conclusion": check["value"], "assessed_on": check["assessed_on"],
                                "assessed_by": check["assessed_by"], "reasoning": check["reasoning"],
                                "criteria": check["criteria"]} if check else None)}


def entry_summary(e) -> dict:
    src = e.sources[0] if e.sources else None
    return {
        "id": e.id, "type": e.type, "label": e.label, "title": e.title, "summary": e.summary,
        "status": e.status, "erkenning": erkenning_dict(e),
        "actielijnen": e.actielijnen, "themes": e.themes, "branches": e.branches,
        "regions": e.regions, "organisations": e.organisations, "audience": e.audience,
        "source": ({"document": src.document_id, "heading": src.heading, "start": src.start, "end": src.end}
                   if src else None),
        "sources": [{"document": s.document_id, "heading": s.heading, "start": s.start, "end": s.end}
                    for s in e.sources],
    }


def cmd_entries(args) -> int:
    from kb.assessments import level_id
    from kb.entries import list_entries
    fp = filter_options(args)
    erkenning = None
    if args.erkenning:
        try:
            erkenning = level_id(args.erkenning)
        except ValueError as err:
            raise invalid_value("erkenning", str(err)) from None
    conn = connect_db(args)
    entries = list_entries(conn, type=fp.type, actielijn=fp.actielijn, regio=fp.regio, thema=fp.thema,
                           branche=fp.branche, label=fp.label, status=args.status, erkenning=erkenning)
    if args.json:
        print_json([entry_summary(e) for e in entries])
        return 0
    con = console()
    if not entries:
        con.print("Geen kennisitems gevonden met deze filters. Tip: voer eerst [bold]praktijkwijzer ingest[/] uit.")
        return 0
    from rich.table import Table
    t = Table(title=f"{len(entries)} kennisitems", title_justify="left")
    id_column(t, "Id")
    from kb.models import ERKENNING_LEVELS
    for col in ("Type", "Label", "Titel", "Regio's", "Erkenning"):
        t.add_column(col)
    for e in entries:
        t.add_row(e.id, e.type, e.label or "", e.title, ", ".join(e.regions),
                  ERKENNING_LEVELS.get(e.erkenning, e.erkenning) if e.type == "praktijk" else "")
    con.print(t)
    return 0


def cmd_show(args) -> int:
    from kb.documents import get_document
    from kb.entries import get_entry
    conn = connect_db(args)
    e = get_entry(conn, args.id)
    if e is None:
        raise CliError(f"Kennisitem '{args.id}' bestaat niet. Zoek ids met 'praktijkwijzer entries'.", status=404)
    if args.json:
        print_json(entry_summary(e) | {"body": e.body, "results": e.results, "keywords": e.keywords,
                                       "number": e.number, "version": e.version, "passages": e.chunks,
                                       "practice_card": e.card()})
        return 0
    con = console()
    con.print(f"[bold]{e.title}[/]  ({e.type}{', ' + e.label if e.label else ''}; {e.status})")
    con.print(f"id: {e.id}")
    if e.type == "praktijk":
        erk = erkenning_dict(e)
        con.print(f"Erkenning: {erk['label']}" + (f" (beoordeeld op {erk['assessed_on']} door {erk['assessed_by']})"
                                                  if erk["assessed_on"] else ""))
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
    if e.card():
        from kb.card import LABELS
        con.print("\n[bold]Praktijkkaart[/]")
        for k, v in e.card().items():
            con.print(f"  {LABELS.get(k, k)}: {v}")
    con.print("\n[bold]Bron[/]")
    for s in e.sources:
        doc = get_document(conn, s.document_id)
        con.print(f"  {doc.title if doc else s.document_id} — {s.heading} (tekens {s.start}–{s.end})")
    return 0


# ---------------------------------------------------------------- stats

def stats_lines(st: dict) -> list[str]:
    """`stats` for people: Dutch names, statuses and labels as users know them."""
    from kb.curation import STATUS_LABELS
    lines = []
    for key, value in st.items():
        name = STATS_LABELS.get(key, key)
        if isinstance(value, dict):
            names = STATUS_LABELS if key == "per_status" else {}
            parts = [f"{names.get(k, k) if k else 'zonder label'} {n}" for k, n in value.items()]
            lines.append(f"{name}: {', '.join(parts) if parts else 'geen'}")
        else:
            lines.append(f"{name}: {value}")
    return lines


def cmd_stats(args) -> int:
    from kb.stats import stats
    conn = connect_db(args)
    st = stats(conn)
    if args.json:
        print_json(st)
        return 0
    con = console()
    if not st["entries"]:
        con.print("De kennisbank is nog leeg. Voer [bold]praktijkwijzer ingest[/] uit.")
    for line in stats_lines(st):
        con.print(line)
    return 0


# ---------------------------------------------------------------- parser

def register(sub) -> None:
    s = sub.add_parser("ingest", help="documenten inlezen in de kennisbank (standaard: de meegeleverde bronnen)")
    s.add_argument("paden", nargs="*", metavar="PAD", help="bestanden of mappen (Markdown, tekst, PDF, DOCX, HTML)")
    s.add_argument("--zonder-index", action="store_true", help="de zoekindex niet bijwerken")
    s.set_defaults(func=cmd_ingest)

    s = sub.add_parser("entries", help="kennisitems tonen, met filters")
    add_filter_options(s)
    s.add_argument("--status", choices=["concept", "ter_review", "gepubliceerd", "gearchiveerd"], help="status")
    s.add_argument("--erkenning", metavar="NIVEAU",
                   help='erkenning: "niet beoordeeld", "goed beschreven", "goed onderbouwd" of "effectief"')
    s.add_argument("--json", action="store_true", help="uitvoer als JSON (voor scripts)")
    s.set_defaults(func=cmd_entries)

    s = sub.add_parser("show", help="één kennisitem tonen met bron")
    s.add_argument("id", metavar="ID", help="id van het kennisitem")
    s.add_argument("--json", action="store_true", help="uitvoer als JSON")
    s.set_defaults(func=cmd_show)

    s = sub.add_parser("stats", help="aantallen in de kennisbank")
    s.add_argument("--json", action="store_true", help="uitvoer als JSON")
    s.set_defaults(func=cmd_stats)
