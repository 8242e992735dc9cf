"""What the CLI commands share: the database (one location rule, read commands never create
it), Dutch errors in the API's shape, option checks with the API's messages, rich output.

Errors: a command raises CliError; `main` prints it as `Fout: ...` on standard error, or,
with --json, as the API's error body on standard output, and exits with its code (2 for
invalid input, 1 otherwise).
"""
from __future__ import annotations

import json
import sqlite3
import sys
from pathlib import Path

from kb.paths import database_path
from kb.regions import RegionError, resolve_region
from kb.registry import Registry, load_registry
from web.messages import error_body, invalid, range_errors, summary, translate

EXIT_INVALID = 2           # invalid input (like argparse's own usage errors)
EXIT_FAILED = 1


class CliError(Exception):
    """A command that cannot be done; `detail` is Dutch. `status` and `errors` follow the API's
    error body; `code` is the exit code."""

    def __init__(self, detail: str, *, status: int = 400, errors: list[dict] | None = None,
                 code: int = EXIT_FAILED):
        super().__init__(detail)
        self.detail, self.status, self.errors, self.code = detail, status, errors or [], code

    def body(self) -> dict:
        return error_body(self.status, self.detail, self.errors)


def invalid_input(errors: list[dict]) -> CliError:
    """Invalid input (pydantic-style errors): the API's 422 message, exit code 2."""
    items = translate(errors)
    return CliError(summary(items), status=422, errors=items, code=EXIT_INVALID)


def invalid_value(field: str, message: str) -> CliError:
    return invalid_input([invalid(field, message, "opties")])


def check_ranges(**values: tuple) -> None:
    """check_ranges(k=(args.k, web.params.K), ...): refuse a number outside its bounds with the
    message the API gives for the same parameter."""
    errors = []
    for field, (value, bounds) in values.items():
        errors += range_errors(field, value, where="opties", **bounds)
    if errors:
        raise invalid_input(errors)


def unexpected(exc: Exception, *, debug: bool = False) -> CliError:
    """An exception that no command turned into a CliError, as a Dutch CliError: the index,
    database and disk errors whose text is already Dutch keep it; anything else is described
    without internals (the traceback is for --debug)."""
    import sqlite3

    from index.generations import IndexBusy, IndexUnavailable
    from kb.db import SchemaTooNew
    if isinstance(exc, IndexUnavailable):
        return CliError(str(exc), status=409 if isinstance(exc, IndexBusy) else 503,
                        code=EXIT_FAILED if isinstance(exc, IndexBusy) else EXIT_INVALID)
    if isinstance(exc, SchemaTooNew):
        return CliError(str(exc), status=409)
    hint = "" if debug else " Voer de opdracht opnieuw uit met --debug voor de technische details."
    if isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc):
        return CliError("De database is bezet door een ander proces (bijvoorbeeld een lopende inlees- of "
                        "herstelopdracht). Probeer het over een minuut opnieuw." + hint, status=503)
    if isinstance(exc, sqlite3.DatabaseError):
        return CliError(f"De database kon niet worden gelezen of geschreven ({type(exc).__name__}). Is het bestand "
                        "beschadigd of geen Praktijkwijzer-database? Zet zo nodig een back-up terug met "
                        "'praktijkwijzer import-backup'." + hint, status=500)
    if isinstance(exc, MemoryError):
        return CliError("Er was niet genoeg geheugen voor deze opdracht." + hint, status=500)
    if isinstance(exc, OSError):
        where = f" ({exc.filename})" if getattr(exc, "filename", None) else ""
        reason = {28: "de schijf is vol", 13: "geen toegang", 2: "het bestand of de map bestaat niet",
                  30: "het bestandssysteem is alleen-lezen"}.get(exc.errno, "een fout van het besturingssysteem")
        return CliError(f"Lezen of schrijven mislukte{where}: {reason}." + hint, status=500)
    return CliError(f"Er ging onverwacht iets mis ({type(exc).__name__})." + hint, status=500)


def report(err: CliError, as_json: bool) -> int:
    if as_json:
        sys.stdout.write(json.dumps(err.body(), ensure_ascii=False, indent=2) + "\n")
    else:
        print(f"Fout: {err.detail}", file=sys.stderr)
    return err.code


# ---------------------------------------------------------------- the database

def db_location(args) -> Path:
    return database_path(getattr(args, "db", None))


def connect_db(args, *, create: bool = False) -> sqlite3.Connection:
    """The knowledge base. Only commands that fill it (ingest, serve, import-backup) pass
    `create`; any other command refuses a missing database and says where it looked."""
    from kb.db import connect
    path = db_location(args)
    if not create and not path.is_file():
        raise CliError(f"Er is geen kennisbank op {path}. Maak er een met 'praktijkwijzer ingest', of wijs de "
                       "juiste aan met --db PAD of de omgevingsvariabele PRAKTIJKWIJZER_DB.", status=404)
    return connect(path)


# ---------------------------------------------------------------- registry, regions, filters

def registry() -> Registry:
    return load_registry()


def region_option(value: str, field: str = "regio") -> str:
    """A region given on the command line (kb.regions: ambiguous names are refused with the
    candidates listed). Raises CliError (exit code 2)."""
    try:
        return resolve_region(registry(), value)
    except RegionError as err:
        raise invalid_value(field, str(err)) from None


def filter_options(args):
    """The --type/--label/--actielijn/--thema/--branche/--regio options, validated like the
    API's filters (search.filters). Raises CliError (exit code 2) with the API's message."""
    from search.filters import FilterError, validate_filters
    try:
        return validate_filters(registry(), type=args.type, label=args.label, actielijn=args.actielijn,
                                thema=args.thema, branche=args.branche, regio=args.regio)
    except FilterError as err:
        raise invalid_value(err.field, str(err)) from None


def add_filter_options(s, *, region: bool = True) -> None:
    s.add_argument("--type", help="soort kennisitem: praktijk, advies, bouwsteen of beleid")
    s.add_argument("--label", help="Koploper, Falend Vooruit of voorbeeld")
    s.add_argument("--actielijn", help="actielijn: meer-kiezen, beter-leren of anders-werken")
    s.add_argument("--thema", help="thema-id, bijvoorbeeld stages")
    s.add_argument("--branche", help="branche-id, bijvoorbeeld ggz")
    if region:
        s.add_argument("--regio", help="regio (naam, alias of nummer; één regio)")


# ---------------------------------------------------------------- output

def console():
    from rich.console import Console
    return Console(highlight=False)


def progress():
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
    return Progress(TextColumn("{task.description:<48}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), transient=True, console=console(), disable=not sys.stderr.isatty())


def stepper(bar, task, *, echo: bool = False):
    """A progress callback for a rich bar; with `echo` and no terminal, each new step is printed once."""
    last = [None]

    def step(desc, done, total):
        bar.update(task, description=desc, completed=done, total=max(total, 1))
        if echo and bar.disable and desc != last[0]:
            last[0] = desc
            print(f"  {desc} ...", file=sys.stderr, flush=True)
    return step


def print_json(data) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def id_column(table, title: str = "Id") -> None:
    """A table column for ids: never cut off with an ellipsis; on a narrow terminal a long id
    continues on the next line (folded), whole."""
    table.add_column(title, overflow="fold")
