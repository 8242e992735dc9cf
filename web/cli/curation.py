"""CLI commands for curation: accounts (users), backup (export) and restore (import-backup)."""
from __future__ import annotations

import getpass
import os
import sys
import tempfile
from pathlib import Path

from web.cli.common import CliError, connect_db, console, id_column, print_json

CLI_ACTOR = "opdrachtregel"
# Dutch names of the record kinds of a backup (kb.backup), for the summary after `export`.
RECORD_LABELS = {"taxonomy": "taxonomiewaarden", "region": "regio's", "region_alias": "regionamen",
                 "organisation": "organisaties", "organisation_alias": "organisatienamen",
                 "organisation_region": "koppelingen organisatie-regio", "document": "documenten",
                 "curator_document": "redactieteksten", "entry": "kennisitems", "plan": "plannen",
                 "bottleneck": "knelpunten", "audit_event": "auditregels", "import_batch": "imports",
                 "proposal": "importvoorstellen"}


def backup_summary(counts: dict[str, int]) -> str:
    """'115 kennisitems, 5 documenten, ...' in the backup's record order."""
    return ", ".join(f"{n} {RECORD_LABELS.get(k, k)}" for k, n in counts.items())


def _actor() -> str:
    user = os.environ.get("USER") or os.environ.get("USERNAME")
    return f"{CLI_ACTOR} ({user})" if user else CLI_ACTOR


# ---------------------------------------------------------------- users

def _read_password(args) -> str | None:
    if args.wachtwoord_stdin:
        line = sys.stdin.readline()
        return line[:-1] if line.endswith("\n") else line
    if not sys.stdin.isatty():
        raise CliError("Er is geen terminal om het wachtwoord in te typen. Geef het wachtwoord via "
                         "standaardinvoer met --wachtwoord-stdin.")
    first = getpass.getpass("Wachtwoord: ")
    second = getpass.getpass("Herhaal het wachtwoord: ")
    if first != second:
        raise CliError("De twee wachtwoorden zijn niet gelijk. Er is niets gewijzigd.")
    return first


def cmd_users_add(args) -> int:
    from kb.users import AuthError, MIN_PASSWORD, check_password, check_role, check_username, create_user
    try:
        name = check_username(args.naam)
        check_role(args.rol)
        password = _read_password(args)
        check_password(password, name)
        # the first beheerder may be created before the first `serve`: this may create the database
        user = create_user(connect_db(args, create=True), name, password, args.rol, actor=_actor())
    except AuthError as err:
        raise CliError(str(err)) from None
    console().print(f"Gebruiker [bold]{user.username}[/] aangemaakt met rol {user.role}. "
                     f"(Wachtwoorden hebben minstens {MIN_PASSWORD} tekens.)")
    return 0


def _throttle_text(st: dict) -> str:
    if st["blocked_until"]:
        return f"wacht tot {st['blocked_until'].replace('T', ' ').replace('Z', '')} UTC ({st['failures']} mislukt)"
    return f"{st['failures']} mislukt, geen wachttijd" if st["failures"] else ""


def cmd_users_list(args) -> int:
    from kb.users import ROLE_LABELS, list_sessions, list_users, throttle_status
    conn = connect_db(args)
    users = list_users(conn)
    rows = [(u, throttle_status(conn, u.username), len(list_sessions(conn, u.username))) for u in users]
    if args.json:
        print_json([{"username": u.username, "role": u.role, "active": u.active, "created_at": u.created_at,
                     "login_throttle": st, "sessions": n} for u, st, n in rows])
        return 0
    con = console()
    if not users:
        con.print("Er zijn nog geen gebruikers. Maak de eerste beheerder aan met "
                  "[bold]praktijkwijzer users add NAAM --rol beheerder[/].")
        return 0
    from rich.table import Table
    t = Table(title=f"{len(users)} gebruikers", title_justify="left")
    id_column(t, "Gebruikersnaam")
    for col in ("Rol", "Actief", "Aangemaakt", "Inlogpogingen (24 uur)", "Sessies"):
        t.add_column(col)
    for u, st, n in rows:
        t.add_row(u.username, ROLE_LABELS[u.role], "ja" if u.active else "nee", u.created_at, _throttle_text(st),
                  str(n))
    con.print(t)
    return 0


def _set_active(args, active: bool) -> int:
    from kb.users import AuthError, set_active
    conn = connect_db(args)
    try:
        u = set_active(conn, args.naam, active, actor=_actor())
    except AuthError as err:
        raise CliError(str(err))
    console().print(f"Gebruiker [bold]{u.username}[/] is {'weer actief' if active else 'uitgeschakeld'}.")
    return 0


def cmd_users_disable(args) -> int:
    return _set_active(args, False)


def cmd_users_enable(args) -> int:
    return _set_active(args, True)


def cmd_users_password(args) -> int:
    from kb.users import AuthError, check_password, get_user, set_password
    conn = connect_db(args)
    try:
        if get_user(conn, args.naam) is None:
            raise CliError(f"Gebruiker '{args.naam}' bestaat niet.")
        password = _read_password(args)
        check_password(password, args.naam)
        u = set_password(conn, args.naam, password, actor=_actor())
    except AuthError as err:
        raise CliError(str(err))
    console().print(f"Het wachtwoord van [bold]{u.username}[/] is gewijzigd; alle sessies zijn beëindigd en een "
                    "wachttijd voor inloggen is opgeheven.")
    return 0


def cmd_users_logout(args) -> int:
    from kb.users import AuthError, end_all_sessions
    conn = connect_db(args)
    try:
        n = end_all_sessions(conn, args.naam, actor=_actor())
    except AuthError as err:
        raise CliError(str(err))
    console().print(f"{n} {'sessie' if n == 1 else 'sessies'} van [bold]{args.naam.strip().lower()}[/] beëindigd.")
    return 0


def cmd_users_lift(args) -> int:
    from kb.users import AuthError, lift_throttle
    conn = connect_db(args)
    try:
        n = lift_throttle(conn, args.naam, actor=_actor())
    except AuthError as err:
        raise CliError(str(err))
    console().print("De wachttijd voor inloggen is opgeheven." if n else
                    "Er was geen wachttijd voor dit account; er is niets gewijzigd.")
    return 0


# ---------------------------------------------------------------- backup

def cmd_export(args) -> int:
    from kb.backup import export
    conn = connect_db(args)
    if not args.pad or args.pad == "-":
        counts = export(conn, sys.stdout)
        sys.stdout.flush()
    else:
        target = Path(args.pad)
        if target.is_dir():
            raise CliError(f"'{target}' is een map; geef een bestandsnaam, bijvoorbeeld {target / 'backup.jsonl'}.")
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
                counts = export(conn, fh)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    print(f"Back-up geschreven{'' if not args.pad or args.pad == '-' else ' naar ' + args.pad}: "
          f"{backup_summary(counts)}.", file=sys.stderr)
    return 0


def cmd_import_backup(args) -> int:
    from kb.backup import BackupError, import_backup
    conn = connect_db(args, create=True)
    try:
        if args.pad == "-":
            counts = import_backup(conn, sys.stdin)
        else:
            with open(args.pad, encoding="utf-8", newline="") as fh:
                counts = import_backup(conn, fh)
    except FileNotFoundError:
        raise CliError(f"Het bestand '{args.pad}' bestaat niet.")
    except UnicodeDecodeError:
        raise CliError(f"Het bestand '{args.pad}' is geen UTF-8-tekst en dus geen back-up van Praktijkwijzer.")
    except (OSError, BackupError) as err:
        raise CliError(str(err))
    con = console()
    con.print(f"Back-up hersteld: {counts.get('entry', 0)} kennisitems, {counts.get('document', 0)} documenten, "
              f"{counts.get('plan', 0)} plannen, {counts.get('audit_event', 0)} auditregels.")
    con.print("Bouw nu de zoekindex met [bold]praktijkwijzer reindex[/]. Accounts zitten niet in een back-up: "
              "maak ze aan met [bold]praktijkwijzer users add[/].")
    return 0


# ---------------------------------------------------------------- parser

def register(sub) -> None:
    s = sub.add_parser("users", help="accounts van curatoren en beheerders beheren")
    us = s.add_subparsers(dest="users_opdracht", metavar="OPDRACHT", title="opdrachten")
    s.set_defaults(func=lambda args: (s.print_help(), 0)[1])

    a = us.add_parser("add", help="een gebruiker aanmaken (het wachtwoord wordt gevraagd)")
    a.add_argument("naam", metavar="NAAM", help="gebruikersnaam (letters, cijfers, . _ -)")
    a.add_argument("--rol", required=True, choices=["curator", "beheerder"],
                   help="curator (kennisitems beheren) of beheerder (ook gebruikers beheren)")
    a.add_argument("--wachtwoord-stdin", action="store_true",
                   help="het wachtwoord van standaardinvoer lezen (eerste regel), voor scripts")
    a.set_defaults(func=cmd_users_add)

    a = us.add_parser("list", help="alle gebruikers tonen")
    a.add_argument("--json", action="store_true", help="uitvoer als JSON")
    a.set_defaults(func=cmd_users_list)

    a = us.add_parser("disable", help="een gebruiker uitschakelen (kan niet meer inloggen)")
    a.add_argument("naam", metavar="NAAM", help="gebruikersnaam")
    a.set_defaults(func=cmd_users_disable)

    a = us.add_parser("enable", help="een uitgeschakelde gebruiker weer toelaten")
    a.add_argument("naam", metavar="NAAM", help="gebruikersnaam")
    a.set_defaults(func=cmd_users_enable)

    a = us.add_parser("wachtwoord", help="een nieuw wachtwoord instellen (beëindigt alle sessies, heft een wachttijd op)")
    a.add_argument("naam", metavar="NAAM", help="gebruikersnaam")
    a.add_argument("--wachtwoord-stdin", action="store_true", help="het wachtwoord van standaardinvoer lezen")
    a.set_defaults(func=cmd_users_password)

    a = us.add_parser("uitloggen", help="alle sessies van een gebruiker beëindigen (overal uitloggen)")
    a.add_argument("naam", metavar="NAAM", help="gebruikersnaam")
    a.set_defaults(func=cmd_users_logout)

    a = us.add_parser("wachttijd-opheffen", help="de wachttijd na mislukte inlogpogingen opheffen")
    a.add_argument("naam", metavar="NAAM", help="gebruikersnaam")
    a.set_defaults(func=cmd_users_lift)

    s = sub.add_parser("export", help="back-up van de hele kennisbank als JSON Lines (zonder accounts)")
    s.add_argument("pad", nargs="?", metavar="PAD", help="doelbestand (standaard: standaarduitvoer)")
    s.set_defaults(func=cmd_export)

    s = sub.add_parser("import-backup", help="een back-up herstellen in een lege kennisbank")
    s.add_argument("pad", metavar="PAD", help="back-upbestand van 'praktijkwijzer export' ('-': standaardinvoer)")
    s.set_defaults(func=cmd_import_backup)
