"""Command line interface, the second front end: `praktijkwijzer <opdracht>`. All help and
messages are Dutch.

    entries.py    ingest, entries, show, stats
    imports.py    import (a document as proposals for curators, as on the website)
    search.py     search, reindex, bench (bench_web.py: the web page's latency)
    bench_load.py bench-web (load on a served app: concurrency, a flood of plan matches)
    plans.py      plan add/match/list/knelpunt, regions [similar]
    serve.py      serve (the web application)
    curation.py   users, export, import-backup
    gaps.py       lacunes (the knowledge-gap map)
    common.py     the database location, errors (CliError), option checks, output helpers
"""
from __future__ import annotations

import argparse
import os
import sys
import traceback

from web.cli import bench_load, curation, entries, gaps, imports, nl_argparse, plans, search, serve
from web.cli.common import CliError, report, unexpected

EPILOG = ("De database staat in var/praktijkwijzer.db in de map van Praktijkwijzer (niet in de map waar u de "
          "opdracht geeft), of waar --db of de omgevingsvariabele PRAKTIJKWIJZER_DB naar wijst. Alleen ingest, "
          "serve en import-backup maken een nieuwe database aan. Indexen staan ernaast en worden altijd uit de "
          "database opgebouwd.")
COMMANDS = (entries, imports, search, plans, serve, curation, gaps, bench_load)


def build_parser() -> argparse.ArgumentParser:
    nl_argparse.install()
    p = argparse.ArgumentParser(
        prog="praktijkwijzer",
        description="Praktijkwijzer: goede praktijken, adviezen en bouwstenen tegen personeelstekorten "
                    "in zorg en welzijn, doorzoekbaar en gekoppeld aan de knelpunten van uw regio.",
        epilog=EPILOG)
    p.add_argument("--db", help="pad naar de database (standaard: $PRAKTIJKWIJZER_DB of "
                                "var/praktijkwijzer.db in de map van Praktijkwijzer)")
    p.add_argument("--debug", action="store_true",
                   help="bij een onverwachte fout de volledige technische foutmelding (traceback) tonen")
    sub = p.add_subparsers(dest="opdracht", metavar="OPDRACHT", title="opdrachten")
    for module in COMMANDS:
        module.register(sub)
    return p


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
    except CliError as err:
        return report(err, getattr(args, "json", False))
    except KeyboardInterrupt:
        print("Afgebroken.", file=sys.stderr)
        return 130
    except Exception as exc:            # no traceback for users: a Dutch message (--debug shows it)
        if args.debug:
            traceback.print_exc()
        return report(unexpected(exc, debug=args.debug), getattr(args, "json", False))
