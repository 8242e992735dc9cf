"""`praktijkwijzer import PAD`: what *Document importeren* on the website does, on the command line.

The document is split into proposals by its layout headings (kb.proposals.upload), each
beside the existing entry it most resembles, with the score (search.duplicates); nothing is
published or changed: curators decide per proposal on /beheer/import/<batch>.

    --json   {"batch": <id>, "proposals": [{"title", "type", "nearest": {"id", "title", "score"} | null,
              "duplicate": true|false}, ...]}
"""
from __future__ import annotations

import getpass
from pathlib import Path

from web.cli.common import CliError, EXIT_FAILED, EXIT_INVALID, connect_db, console, print_json


def _actor(args) -> str:
    if args.door and args.door.strip():
        return args.door.strip()[:100]
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "opdrachtregel"


def _read(path: str, max_bytes: int) -> bytes:
    p = Path(path)
    try:
        if p.is_dir():
            raise CliError(f"'{path}' is een map; geef één bestand op.", status=422, code=EXIT_INVALID)
        size = p.stat().st_size
        if size > max_bytes:
            mb = f"{size / 2**20:.1f}".replace(".", ",")
            raise CliError(f"Het bestand '{p.name}' is te groot ({mb} MB); de grens is {max_bytes // 2**20} MB.",
                           status=413, code=EXIT_INVALID)
        return p.read_bytes()
    except OSError:
        raise CliError(f"Het bestand '{path}' bestaat niet of kan niet worden gelezen.", status=404,
                       code=EXIT_INVALID) from None


def proposal_rows(batch, titles: dict[str, str]) -> list[dict]:
    """The proposals of a batch as `--json` prints them."""
    return [{"title": p.draft.title, "type": p.draft.type,
             "nearest": ({"id": p.duplicate_of, "title": titles.get(p.duplicate_of, p.duplicate_of),
                          "score": p.score} if p.duplicate_of else None),
             "duplicate": p.is_duplicate} for p in batch.proposals]


def cmd_import(args) -> int:
    from ingest.errors import IngestError
    from kb import proposals as P
    from search.duplicates import finder_for
    from web.cli.search import load_search
    data = _read(args.pad, P.MAX_UPLOAD_BYTES)
    searcher = None

    def find(drafts):                 # the model and index are loaded only for a readable document
        nonlocal searcher
        searcher = load_search(args)
        return finder_for(searcher)(drafts)

    conn = connect_db(args)
    try:
        batch = P.upload(conn, data, Path(args.pad).name, actor=_actor(args), find_duplicates=find, force=args.toch)
    except P.AlreadyImported as err:
        raise CliError(f"{err.reason} Er zijn geen nieuwe voorstellen gemaakt; gebruik --toch om het bestand toch "
                       "opnieuw te laten beoordelen.", status=409, code=EXIT_FAILED) from None
    except IngestError as err:
        raise CliError(str(err), status=422, code=EXIT_INVALID) from None
    entries = searcher.entries if searcher is not None else {}
    titles = {eid: e.title for eid, e in entries.items()}
    rows = proposal_rows(batch, titles)
    if args.json:
        print_json({"batch": batch.id, "proposals": rows})
        return 0
    _table(batch, rows)
    return 0


def _score(x: float | None) -> str:
    return "—" if x is None else f"{x:.2f}".replace(".", ",")


def _table(batch, rows: list[dict]) -> None:
    from rich.table import Table

    from search.duplicates import THRESHOLD
    con = console()
    n, dup = len(rows), sum(r["duplicate"] for r in rows)
    t = Table(title=f"Import {batch.id}: {n} voorstel{'len' if n != 1 else ''} uit '{batch.filename}'",
              title_justify="left")
    t.add_column("Nr", justify="right")
    t.add_column("Voorstel")
    t.add_column("Lijkt het meest op", overflow="fold")
    t.add_column("Overeenkomst", justify="right")
    t.add_column("Dubbel?")
    for i, r in enumerate(rows, 1):
        near = r["nearest"]
        similar = f"{near['title']}\n[dim]{near['id']}[/]" if near else "—"
        t.add_row(str(i), f"{r['title']} [dim]({r['type']})[/]", similar, _score(near and near["score"]),
                  "[bold]ja[/]" if r["duplicate"] else "nee")
    con.print(t)
    con.print(f"{dup} van de {n} voorstellen lijk{'t' if dup == 1 else 'en'} op een bestaand kennisitem: mogelijk "
              f"dubbel (overeenkomst vanaf {_score(THRESHOLD)}). Er is niets gepubliceerd of gewijzigd: beoordeel de "
              f"voorstellen op /beheer/import/{batch.id} (overnemen als concept, samenvoegen of afwijzen).")
    for w in batch.warnings:
        con.print(f"[yellow]Let op:[/] {w}")


def register(sub) -> None:
    s = sub.add_parser("import", help="een document importeren als voorstellen voor curatoren (met controle op "
                                      "dubbele kennisitems; er wordt niets gepubliceerd)")
    s.add_argument("pad", metavar="PAD", help="het document (PDF, DOCX, HTML, Markdown of tekst)")
    s.add_argument("--json", action="store_true", help="uitvoer als JSON")
    s.add_argument("--toch", action="store_true", help="ook als dit bestand al eerder is ingelezen of geïmporteerd")
    s.add_argument("--door", metavar="NAAM", help="wie importeert (voor het auditlog; standaard uw gebruikersnaam)")
    s.add_argument("--model", help="map van een ander sentence-transformers-model")
    s.set_defaults(func=cmd_import)
