"""CLI commands for regional plans and regions: plan add/match/list/show/knelpunt, regions."""
from __future__ import annotations

import sys
from pathlib import Path

from web.cli import _connect, _console, _print_json


def _region(value: str) -> str:
    from kb.registry import load_registry
    ids = [r for r in load_registry().resolve_region(value) if r != "landelijk"]
    if len(ids) != 1:
        raise SystemExit(f"Onbekende of meervoudige regio: {value!r}. "
                         "Zie 'praktijkwijzer regions' voor de 28 regio's en hun namen.")
    return ids[0]


def _read_plan_file(path: str):
    from ingest.errors import IngestError
    from ingest.plans import read_plan
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError:
        raise SystemExit(f"Fout: het bestand '{path}' bestaat niet of kan niet worden gelezen.")
    try:
        return read_plan(data, p.name)
    except IngestError as err:
        raise SystemExit(f"Fout: {err}")


def cmd_plan_add(args) -> int:
    from kb.plans import to_plan
    from kb.plans import save_plan
    region = _region(args.regio)
    draft = _read_plan_file(args.pad)
    if draft.region:
        from kb.registry import load_registry
        named = load_registry().resolve_region(draft.region)
        if named and region not in named:
            print(f"Let op: het plan noemt regio '{draft.region}', maar wordt opgeslagen bij '{region}'.",
                  file=sys.stderr)
    conn = _connect(args)
    plan = save_plan(conn, to_plan(draft, region))
    con = _console()
    con.print(f"Plan [bold]{plan.title}[/] opgeslagen als '{plan.id}' met {len(plan.bottlenecks)} knelpunten:")
    for b in plan.bottlenecks:
        con.print(f"  [{b.id}] {b.text}  [dim](gewicht {b.weight:g}; {', '.join(b.themes) or 'geen thema'})[/]")
    return 0


def cmd_plan_list(args) -> int:
    from kb.plans import list_plans
    conn = _connect(args)
    plans = list_plans(conn, _region(args.regio) if args.regio else None)
    if args.json:
        _print_json([{"id": p.id, "title": p.title, "region": p.region_id, "example": p.example,
                      "bottlenecks": len(p.bottlenecks)} for p in plans])
        return 0
    con = _console()
    if not plans:
        con.print("Er zijn nog geen plannen. Voeg er een toe met 'praktijkwijzer plan add REGIO PAD'.")
    for p in plans:
        con.print(f"{p.id}: {p.title} ({p.region_id}; {len(p.bottlenecks)} knelpunten{'; voorbeeld' if p.example else ''})")
    return 0


def cmd_plan_match(args) -> int:
    from index.store import IndexMismatch
    from kb.plans import region_plan
    from search.plans import match_plan
    from web.cli_search import load_search
    conn = _connect(args)
    if Path(args.doel).exists():
        from kb.plans import to_plan
        draft = _read_plan_file(args.doel)
        region = None
        if draft.region:
            ids = [r for r in __import__("kb.registry", fromlist=["x"]).load_registry().resolve_region(draft.region)
                   if r != "landelijk"]
            region = ids[0] if len(ids) == 1 else None
        plan = to_plan(draft, region)
    else:
        region = _region(args.doel)
        plan = region_plan(conn, region)
        if plan is None:
            print(f"Voor regio '{region}' is nog geen plan bekend. Voeg er een toe met "
                  f"'praktijkwijzer plan add {args.doel} PAD'.", file=sys.stderr)
            return 1
    try:
        searcher = load_search(args)
    except IndexMismatch as err:
        print(f"Fout: {err}", file=sys.stderr)
        return 2
    result = match_plan(searcher, plan, k=args.k)
    if args.json:
        _print_json(result.to_dict() | {"plan": {"id": plan.id, "title": plan.title, "region": plan.region_id}})
        return 0
    con = _console()
    con.print(f"[bold]{plan.title}[/] — {len(plan.bottlenecks)} knelpunten; dekking top 10: {result.coverage:.0%}")
    for b in result.bottlenecks:
        con.print(f"  K{b['index'] + 1}. {b['text']} [dim](gewicht {b['weight']:g})[/]")
    con.print("\n[bold]Aanbevolen praktijken[/]")
    for i, r in enumerate(result.recommendations, 1):
        ks = ", ".join(f"K{a['bottleneck'] + 1}" for a in r.addresses)
        tag = " [green](al in uw regio)[/]" if r.in_region else ""
        con.print(f"{i}. [bold]{r.title}[/]{tag} [dim]({r.label or r.type}; helpt bij {ks})[/]")
        con.print(f"   {r.addresses[0]['sentence']}")
    for title, items in (("Adviezen van de Commissie Werken in de Zorg", result.advice),
                         ("Bouwstenen", result.bouwstenen), ("Let op (Falend Vooruit)", result.pitfalls)):
        if items:
            con.print(f"\n[bold]{title}[/]")
            for r in items:
                ks = ", ".join(f"K{a['bottleneck'] + 1}" for a in r.addresses)
                con.print(f"- {r.title} [dim](helpt bij {ks})[/]")
    return 0


def cmd_plan_bottleneck(args) -> int:
    from ingest.plans import classify_bottleneck
    from kb.plans import Bottleneck, PlanError, add_bottleneck, remove_bottleneck, update_bottleneck
    from kb.registry import load_registry
    conn = _connect(args)
    try:
        if args.actie == "toevoegen":
            cls = classify_bottleneck(args.tekst, load_registry())
            bid = add_bottleneck(conn, args.plan, Bottleneck(text=args.tekst, weight=args.gewicht or 1.0, **cls))
            print(f"Knelpunt {bid} toegevoegd.")
        elif args.actie == "wijzigen":
            cls = classify_bottleneck(args.tekst, load_registry()) if args.tekst else None
            update_bottleneck(conn, int(args.plan), text=args.tekst, weight=args.gewicht, classification=cls)
            print(f"Knelpunt {args.plan} gewijzigd.")
        else:
            remove_bottleneck(conn, int(args.plan))
            print(f"Knelpunt {args.plan} verwijderd.")
    except (PlanError, ValueError) as err:
        print(f"Fout: {err}", file=sys.stderr)
        return 1
    return 0


def cmd_regions(args) -> int:
    from kb.plans import list_plans
    from kb.registry import load_registry
    reg = load_registry()
    if args.actie == "similar":
        return cmd_regions_similar(args)
    conn = _connect(args)
    plans = {}
    for p in list_plans(conn):
        plans.setdefault(p.region_id, p)
    employers = {}
    for emp in reg.employers:
        for r in emp["regions"]:
            employers.setdefault(r, []).append(emp["name"])
    rows = [{"id": r["id"], "number": r["number"], "name": r["name"], "full_name": r.get("full_name", r["name"]),
             "employers": employers.get(r["id"], []), "plan": plans[r["id"]].id if r["id"] in plans else None}
            for r in reg.regions]
    if args.json:
        _print_json(rows)
        return 0
    from rich.table import Table
    t = Table(title="De 28 arbeidsmarktregio's zorg en welzijn", title_justify="left")
    for col in ("Nr", "Regio", "Id", "Werkgeversorganisatie", "Plan"):
        t.add_column(col)
    for r in rows:
        t.add_row(str(r["number"]), r["full_name"], r["id"], ", ".join(r["employers"]), r["plan"] or "—")
    _console().print(t)
    return 0


def cmd_regions_similar(args) -> int:
    from index.store import IndexMismatch
    from search.plans import similar_regions
    from web.cli_search import load_search
    if not args.regio:
        raise SystemExit("Geef een regio op: praktijkwijzer regions similar REGIO")
    region = _region(args.regio)
    try:
        searcher = load_search(args)
    except IndexMismatch as err:
        print(f"Fout: {err}", file=sys.stderr)
        return 2
    res = similar_regions(searcher, searcher.conn, region, k=args.k)
    if args.json:
        _print_json(res)
        return 0
    con = _console()
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
    s.set_defaults(func=cmd_plan_add)
    s = ps.add_parser("match", help="aanbevelingen voor de knelpunten van een regio of een planbestand")
    s.add_argument("doel", metavar="REGIO|PAD")
    s.add_argument("--k", type=int, default=10, help="aantal aanbevolen praktijken (standaard 10)")
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
    s.add_argument("--gewicht", type=float, help="gewicht (standaard 1; hoger = belangrijker)")
    s.set_defaults(func=cmd_plan_bottleneck)

    r = sub.add_parser("regions", help="de 28 regio's; 'regions similar REGIO' voor vergelijkbare regio's")
    r.add_argument("actie", nargs="?", choices=["similar"], help="similar: vergelijkbare regio's")
    r.add_argument("regio", nargs="?", metavar="REGIO")
    r.add_argument("--k", type=int, default=5, help="aantal vergelijkbare regio's (standaard 5)")
    r.add_argument("--json", action="store_true", help="uitvoer als JSON")
    r.add_argument("--model", help="map van een ander sentence-transformers-model")
    r.set_defaults(func=cmd_regions)
