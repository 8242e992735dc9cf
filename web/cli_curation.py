"""CLI commands of the curation stage: accounts (users), backup (export) and restore (import-backup)."""
from __future__ import annotations

import getpass
import os
import sys
import tempfile
from pathlib import Path

from web.cli import _connect, _console, _print_json

CLI_ACTOR = "opdrachtregel"


def _err(message: str, code: int = 1) -> int:
    print(f"Fout: {message}", file=sys.stderr)
    return code


def _actor() -> str:
    user = os.environ.get("USER") or os.environ.get("USERNAME")
    return f"{CLI_ACTOR} ({user})" if user else CLI_ACTOR


# ---------------------------------------------------------------- users

def _read_password(args) -> str | None:
    if args.wachtwoord_stdin:
        line = sys.stdin.readline()
        return line[:-1] if line.endswith("\n") else line
    if not sys.stdin.isatty():
        raise SystemExit("Fout: er is geen terminal om het wachtwoord in te typen. Geef het wachtwoord via "
                         "standaardinvoer met --wachtwoord-stdin.")
    first = getpass.getpass("Wachtwoord: ")
    second = getpass.getpass("Herhaal het wachtwoord: ")
    if first != second:
        raise SystemExit("Fout: de twee wachtwoorden zijn niet gelijk. Er is niets gewijzigd.")
    return first


def cmd_users_add(args) -> int:
    from kb.users import AuthError, MIN_PASSWORD, check_password, check_role, check_username, create_user
    conn = _connect(args)
    try:
        name = check_username(args.naam)
        check_role(args.rol)
        password = _read_password(args)
        check_password(password, name)
        user = create_user(conn, name, password, args.rol, actor=_actor())
    except AuthError as err:
        return _err(str(err))
    _console().print(f"Gebruiker [bold]{user.username}[/] aangemaakt met rol {user.role}. "
                     f"(Wachtwoorden hebben minstens {MIN_PASSWORD} tekens.)")
    return 0


def cmd_users_list(args) -> int:
    from kb.users import ROLE_LABELS, list_users
    conn = _connect(args)
    users = list_users(conn)
    if args.json:
        _print_json([{"username": u.username, "role": u.role, "active": u.active, "created_at": u.created_at,
                      "locked_until": u.locked_until} for u in users])
        return 0
    con = _console()
    if not users:
        con.print("Er zijn nog geen gebruikers. Maak de eerste beheerder aan met "
                  "[bold]praktijkwijzer users add NAAM --rol beheerder[/].")
        return 0
    from rich.table import Table
    t = Table(title=f"{len(users)} gebruikers", title_justify="left")
    for col in ("Gebruikersnaam", "Rol", "Actief", "Aangemaakt", "Geblokkeerd tot"):
        t.add_column(col)
    for u in users:
        t.add_row(u.username, ROLE_LABELS[u.role], "ja" if u.active else "nee", u.created_at, u.locked_until or "")
    con.print(t)
    return 0


def _set_active(args, active: bool) -> int:
    from kb.users import AuthError, set_active
    conn = _connect(args)
    try:
        u = set_active(conn, args.naam, active, actor=_actor())
    except AuthError as err:
        return _err(str(err))
    _console().print(f"Gebruiker [bold]{u.username}[/] is {'weer actief' if active else 'uitgeschakeld'}.")
    return 0


def cmd_users_disable(args) -> int:
    return _set_active(args, False)


def cmd_users_enable(args) -> int:
    return _set_active(args, True)


def cmd_users_password(args) -> int:
    from kb.users import AuthError, check_password, get_user, set_password
    conn = _connect(args)
    try:
        if get_user(conn, args.naam) is None:
            return _err(f"Gebruiker '{args.naam}' bestaat niet.")
        password = _read_password(args)
        check_password(password, args.naam)
        u = set_password(conn, args.naam, password, actor=_actor())
    except AuthError as err:
        return _err(str(err))
    _console().print(f"Het wachtwoord van [bold]{u.username}[/] is gewijzigd; een blokkade is opgeheven.")
    return 0


# ---------------------------------------------------------------- backup

def cmd_export(args) -> int:
    from kb.backup import export
    conn = _connect(args)
    if not args.pad or args.pad == "-":
        counts = export(conn, sys.stdout)
        sys.stdout.flush()
    else:
        target = Path(args.pad)
        if target.is_dir():
            return _err(f"'{target}' is een map; geef een bestandsnaam, bijvoorbeeld {target / 'backup.jsonl'}.")
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
    summary = ", ".join(f"{n} {k}" for k, n in counts.items())
    print(f"Back-up geschreven{'' if not args.pad or args.pad == '-' else ' naar ' + args.pad}: {summary}.",
          file=sys.stderr)
    return 0


def cmd_import_backup(args) -> int:
    from kb.backup import BackupError, import_backup
    conn = _connect(args)
    try:
        if args.pad == "-":
            counts = import_backup(conn, sys.stdin)
        else:
            with open(args.pad, encoding="utf-8", newline="") as fh:
                counts = import_backup(conn, fh)
    except FileNotFoundError:
        return _err(f"Het bestand '{args.pad}' bestaat niet.")
    except UnicodeDecodeError:
        return _err(f"Het bestand '{args.pad}' is geen UTF-8-tekst en dus geen back-up van Praktijkwijzer.")
    except (OSError, BackupError) as err:
        return _err(str(err))
    con = _console()
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

    a = us.add_parser("wachtwoord", help="een nieuw wachtwoord instellen (heft ook een blokkade op)")
    a.add_argument("naam", metavar="NAAM", help="gebruikersnaam")
    a.add_argument("--wachtwoord-stdin", action="store_true", help="het wachtwoord van standaardinvoer lezen")
    a.set_defaults(func=cmd_users_password)

    s = sub.add_parser("export", help="back-up van de hele kennisbank als JSON Lines (zonder accounts)")
    s.add_argument("pad", nargs="?", metavar="PAD", help="doelbestand (standaard: standaarduitvoer)")
    s.set_defaults(func=cmd_export)

    s = sub.add_parser("import-backup", help="een back-up herstellen in een lege kennisbank")
    s.add_argument("pad", metavar="PAD", help="back-upbestand van 'praktijkwijzer export' ('-': standaardinvoer)")
    s.set_defaults(func=cmd_import_backup)
