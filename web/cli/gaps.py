"""CLI command of the knowledge-gap map: `praktijkwijzer lacunes [--json]` (search.gaps)."""
from __future__ import annotations

from web.cli.common import connect_db, console, print_json, region_option, registry


def cmd_lacunes(args) -> int:
    from search.gaps import gap_map
    from web.cli.search import load_search
    from web.lacunes import gaps_payload
    searcher = load_search(args)
    reg = registry()
    labels = {"thema": reg.labels("thema"), "branche": reg.labels("branche"), "regio": reg.labels("regio")}
    gm = gap_map(searcher, connect_db(args))
    if args.thema or args.regio:
        gm = gm.filtered(thema=args.thema, regio=region_option(args.regio) if args.regio else None)
    if args.json:
        print_json(gaps_payload(gm, labels))
        return 0
    con = console()
    if not gm.decided:
        con.print("Er is geen beslismodel voor dit taalmodel; welke knelpunten zonder passende praktijk zijn, is niet "
                  "te bepalen. Voer 'praktijkwijzer bench' uit.")
        return 0
    con.print(f"{len(gm.gaps)} kennislacunes: {gm.gap_bottlenecks} van de {gm.bottlenecks} knelpunten uit de plannen "
              f"van {len(gm.regions)} regio's hebben geen passende praktijk, advies of bouwsteen "
              f"({gm.published} gepubliceerde kennisitems).")
    if gm.without_plan:
        con.print(f"Nog geen plan bekend (niet meegeteld): {len(gm.without_plan)} regio's.")
    for n, g in enumerate(gm.gaps, 1):
        con.print(f"\n{n}. {g.label}  [gewicht {g.weight:.1f}; {len(g.regions)} regio's]", markup=False)
        for b in g.bottlenecks:
            con.print(f"   - {b.region_name} (K{b.index + 1}): {b.text}", markup=False)
        if g.nearest:
            con.print("   Dichtstbij, maar past niet: " + "; ".join(x["title"] for x in g.nearest), markup=False)
    if not gm.gaps:
        con.print("Geen kennislacunes" + (" met deze filters." if args.thema or args.regio else
                                          ": elk knelpunt heeft een passende praktijk, advies of bouwsteen."))
    return 0


def register(sub) -> None:
    s = sub.add_parser("lacunes", help="kennislacunes: knelpunten uit de plannen zonder passende praktijk")
    s.add_argument("--json", action="store_true", help="uitvoer als JSON")
    s.add_argument("--thema", help="alleen lacunes met dit thema (id uit de taxonomie)")
    s.add_argument("--regio", help="alleen lacunes van deze regio (id)")
    s.add_argument("--model", help="map van een ander sentence-transformers-model")
    s.set_defaults(func=cmd_lacunes)
