"""CLI commands for regional plans and regions: plan add/match/list/knelpunt, regions [similar]."""
from __future__ import annotations

import sys
from pathlib import Path

from web.cli.common import (CliError, EXIT_INVALID, check_ranges, connect_db, console, id_column, invalid_value,
                            print_json, region_option, registry)
from web.cli.embedding import sentence_embedding
from web.params import MATCH_K, SIMILAR_K


def _read_plan_file(path: str, model: str | None = None):
    from ingest.errors import IngestError
    from ingest.plans import finish_plan, parse_plan
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError:
        raise CliError(f"Het bestand '{path}' bestaat niet of kan niet worden gelezen.", status=404,
                       code=EXIT_INVALID) from None
    try:
        parsed = parse_plan(data, p.name)          # an unreadable file fails before the model is loaded
        return finish_plan(parsed, registry=registry(),
                           embedding=sentence_embedding(model) if parsed.candidates else None)
    except IngestError as err:
        raise CliError(str(err), status=422, code=EXIT_INVALID) from None


def _plan_of(draft, region: str | None):
    """The plan of a file (kb.plan_input: more than the cap is refused, never cut off)."""
    from kb.plan_input import PlanInputError, uploaded_plan
    try:
        return uploaded_plan(draft, region)
    except PlanInputError as err:
        raise invalid_value("bestand", str(err)) from None


def cmd_plan_add(args) -> int:
    from kb.plans import save_plan
    region = region_option(args.regio)
    draft = _read_plan_file(args.pad, getattr(args, "model", None))
    plan = _plan_of(draft, region)
    if draft.region:
        named = registry().resolve_region(draft.region)
        if named and region not in named:
            print(f"Let op: het plan noemt regio '{draft.region}', maar wordt opgeslagen bij '{region}'.",
                  file=sys.stderr)
    conn = connect_db(args)
    plan = save_plan(conn, plan)
    con = console()
    con.print(f"Plan [bold]{plan.title}[/] opgeslagen als '{plan.id}' met {len(plan.bottlenecks)} knelpunten:")
    for b in plan.bottlenecks:
        con.print(f"  [{b.id}] {b.text}  [dim](gewicht {b.weight:g}; {', '.join(b.themes) or 'geen thema'})[/]")
    return 0


def cmd_plan_list(args) -> int:
    from kb.plans import list_plans
    region = region_option(args.regio) if args.regio else None
    conn = connect_db(args)
    plans = list_plans(conn, region)
    if args.json:
        print_json([{"id": p.id, "title": p.title, "region": p.region_id, "example": p.example,
                     "bottlenecks": len(p.bottlenecks)} for p in plans])
        return 0
    con = console()
    if not plans:
        con.print("Er zijn nog geen plannen. Voeg er een toe met 'praktijkwijzer plan add REGIO PAD'.")
    for p in plans:
        con.print(f"{p.id}: {p.title} ({p.region_id}; {len(p.bottlenecks)} knelpunten{'; voorbeeld' if p.example else ''})")
    return 0


def cmd_plan_match(args) -> int:
    from kb.plans import region_plan
    from kb.regions import find_region
    from search.plans import match_plan
    from web.cli.search import load_search
    from web.serialize import match_response
    check_ranges(k=(args.k, MATCH_K))
    conn = connect_db(args)
    if Path(args.doel).exists():
        draft = _read_plan_file(args.doel, getattr(args, "model", None))
        plan = _plan_of(draft, find_region(registry(), draft.region))
    else:
        region = region_option(args.doel, field="doel")
        plan = region_plan(conn, region)
        if plan is None:
            raise CliError(f"Voor regio '{region}' is nog geen plan bekend. Voeg er een toe met "
                           f"'praktijkwijzer plan add {args.doel} PAD'.", status=404)
    searcher = load_search(args)
    view = match_response(match_plan(searcher, plan, k=args.k), region=plan.region_id, plan=plan)
    if args.json:
        print_json(view | {"plan": view["plan"] | {"region": plan.region_id}})
        return 0
    _print_match(console(), plan, view)
    return 0


def _helps(r: dict) -> str:
    return ", ".join(f"K{a['bottleneck'] + 1}" + (f" ({a['match_label'].lower()})" if a["match_label"] else "")
                     for a in r["addresses"])


def _print_match(con, plan, view: dict) -> None:
    """A plan match as text: coverage, each bottleneck with its gap, then what helps where."""
    con.print(f"[bold]{plan.title}[/] — {len(plan.bottlenecks)} knelpunten")
    if view["decided"]:
        con.print(f"Dekking: de kennisbank heeft iets passends voor {view['coverage_text']}.")
    else:
        con.print("[dim]Geen beslismodel voor dit taalmodel: de dichtstbijzijnde items, zonder oordeel of ze passen; "
                  "lacunes kunnen niet worden herkend.[/]")
    for b in view["bottlenecks"]:
        con.print(f"  {b['label']}. {b['text']} [dim](gewicht {b['weight']:g})[/]")
        if b["error"]:
            con.print(f"      [dim]{b['error']}[/]")
        elif b["gap"] and view["decided"]:
            con.print("      [bold red]Geen passende praktijk in de kennisbank.[/]")
            if b["nearest"]:
                con.print("      [dim]Niet passend, wel het dichtstbij: "
                          + "; ".join(f"{x['title']} ({x['id']})" for x in b["nearest"]) + "[/]")
    con.print("\n[bold]Aanbevolen praktijken[/]")
    if not view["recommendations"]:
        con.print("Geen praktijk in de kennisbank past bij deze knelpunten.")
    for r in view["recommendations"]:
        tag = " [green](al in uw regio)[/]" if r["in_region"] else ""
        con.print(f"{r['rank']}. [bold]{r['title']}[/]{tag} [dim]({r['type_label']}; helpt bij {_helps(r)})[/]")
        con.print(f"   {r['addresses'][0]['sentence']}")
    for title, items in (("Adviezen van de Commissie Werken in de Zorg", view["advice"]),
                         ("Bouwstenen", view["bouwstenen"]), ("Let op (Falend Vooruit)", view["pitfalls"])):
        if items:
            con.print(f"\n[bold]{title}[/]")
            for r in items:
                con.print(f"- {r['title']} [dim](helpt bij {_helps(r)})[/]")


def _bottleneck_id(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise invalid_value("plan", f"'{value}' is geen knelpuntnummer. Zoek het nummer op met "
                                    "'praktijkwijzer plan add' of 'plan list --json'.") from None


def cmd_plan_bottleneck(args) -> int:
    from ingest.plans import classify_bottleneck
    from kb.plan_input import MAX_WEIGHT
    from kb.plans import Bottleneck, PlanError, add_bottleneck, remove_bottleneck, update_bottleneck
    check_ranges(gewicht=(args.gewicht, {"gt": 0, "le": MAX_WEIGHT}))
    conn = connect_db(args)
    try:
        if args.actie == "toevoegen":
            if not (args.tekst or "").strip():
                raise invalid_value("tekst", "Geef de tekst van het knelpunt met --tekst.")
            cls = classify_bottleneck(args.tekst, registry())
            bid = add_bottleneck(conn, args.plan, Bottleneck(text=args.tekst, weight=args.gewicht or 1.0, **cls))
            print(f"Knelpunt {bid} toegevoegd.")
        elif args.actie == "wijzigen":
            bid = _bottleneck_id(args.plan)
            cls = classify_bottleneck(args.tekst, registry()) if args.tekst else None
            update_bottleneck(conn, bid, text=args.tekst, weight=args.gewicht, classification=cls)
            print(f"Knelpunt {bid} gewijzigd.")
        else:
            bid = _bottleneck_id(args.plan)
            remove_bottleneck(conn, bid)
            print(f"Knelpunt {bid} verwijderd.")
    except PlanError as err:
        raise CliError(str(err)) from None
    return 0


def cmd_regions(args) -> int:
    from kb.region_rows import region_rows
    if args.actie == "similar":
        return cmd_regions_similar(args)
    conn = connect_db(args)
    rows = region_rows(conn, registry())
    if args.json:
        print_json(rows)
        return 0
    from rich.table import Table
    t = Table(title="De 28 arbeidsmarktregio's zorg en welzijn", title_justify="left")
    t.add_column("Nr")
    t.add_column("Regio")
    id_column(t, "Id")
    t.add_column("Werkgeversorganisatie")
    id_column(t, "Plan")
    for r in rows:
        t.add_row(str(r["number"]), r["full_name"], r["id"], ", ".join(r["employers"]),
                  r["plan"]["id"] if r["plan"] else "—")
    console().print(t)
    return 0


def cmd_regions_similar(args) -> int:
    from search.plans import similar_regions
    from web.cli.search import load_search
    if not args.regio:
        raise invalid_value("regio", "Geef een regio op: praktijkwijzer regions similar REGIO")
    check_ranges(k=(args.k, SIMILAR_K))
    region = region_option(args.regio)
    searcher = load_search(args)
    res = similar_regions(searcher, searcher.conn, region, k=args.k)
    if args.json:
        print_json(res)
        return 0
    con = console()
    names = searcher.registry.labels("regio")
    if not res["has_plan"]:
        con.print(f"Van {names[region]} is nog geen plan bekend; vergelijken kan pas als de knelpunten bekend zijn.")
        return 0
    con.print(f"[bold]Regio's die lijken op {names[region]}[/]")
    for r in res["similar"]:
        themes = ", ".join(t["label"] for t in r["shared"]["themes"]) or "geen gedeeld thema"
        con.print(f"- {r['name']}: {r['score']:.2f} — gedeeld: {themes}")
        if r["shared"]["statements"]:
            s = r["shared"]["statements"][0]
            con.print(f"    [dim]«{s['statement']}» ~ «{s['other']}»[/]")
    if res["without_plan"]:
        con.print(f"\n[dim]Zonder plan (niet vergeleken): {', '.join(names[r] for r in res['without_plan'])}[/]")
    return 0


def register(sub) -> None:
    p = sub.add_parser("plan", help="regionale plannen: toevoegen, knelpunten beheren, matchen")
    ps = p.add_subparsers(dest="plan_opdracht", metavar="PLANOPDRACHT", required=True)
    s = ps.add_parser("add", help="een plan (PDF, DOCX, Markdown, tekst, HTML, YAML/JSON) aan een regio koppelen")
    s.add_argument("regio", metavar="REGIO")
    s.add_argument("pad", metavar="PAD")
    s.add_argument("--model", help="map van een ander sentence-transformers-model")
    s.set_defaults(func=cmd_plan_add)
    s = ps.add_parser("match", help="aanbevelingen voor de knelpunten van een regio of een planbestand")
    s.add_argument("doel", metavar="REGIO|PAD")
    s.add_argument("--k", type=int, default=10,
                   help=f"aantal aanbevolen praktijken ({MATCH_K['ge']} tot {MATCH_K['le']}; standaard 10)")
    s.add_argument("--json", action="store_true", help="uitvoer als JSON")
    s.add_argument("--model", help="map van een ander sentence-transformers-model")
    s.set_defaults(func=cmd_plan_match)
    s = ps.add_parser("list", help="plannen tonen")
    s.add_argument("--regio", help="alleen plannen van deze regio")
    s.add_argument("--json", action="store_true", help="uitvoer als JSON")
    s.set_defaults(func=cmd_plan_list)
    s = ps.add_parser("knelpunt", help="een knelpunt toevoegen, wijzigen of verwijderen")
    s.add_argument("actie", choices=["toevoegen", "wijzigen", "verwijderen"])
    s.add_argument("plan", metavar="PLAN|KNELPUNT-ID", help="plan-id bij toevoegen, anders het knelpuntnummer")
    s.add_argument("--tekst", help="tekst van het knelpunt")
    s.add_argument("--gewicht", type=float, help="gewicht (groter dan 0, hoogstens 100; standaard 1)")
    s.set_defaults(func=cmd_plan_bottleneck)

    r = sub.add_parser("regions", help="de 28 regio's; 'regions similar REGIO' voor vergelijkbare regio's")
    r.add_argument("actie", nargs="?", choices=["similar"], help="similar: vergelijkbare regio's")
    r.add_argument("regio", nargs="?", metavar="REGIO")
    r.add_argument("--k", type=int, default=5,
                   help=f"aantal vergelijkbare regio's ({SIMILAR_K['ge']} tot {SIMILAR_K['le']}; standaard 5)")
    r.add_argument("--json", action="store_true", help="uitvoer als JSON")
    r.add_argument("--model", help="map van een ander sentence-transformers-model")
    r.set_defaults(func=cmd_regions)
