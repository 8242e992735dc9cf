"""Backup and restore: `praktijkwijzer export` -> `import-backup` into an empty knowledge base ->
`export` again gives a byte-identical file; damaged backups and non-empty targets are refused."""
from __future__ import annotations

import io
import json
import sys

import pytest

from kb import proposals as P
from kb.backup import BackupError, export, import_backup
from kb.db import connect
from kb.curation import create_entry, edit_entry, set_status
from kb.entries import entry_versions, get_entry
from kb.users import create_user, list_users
from web.cli import main

PLURYN = "carriereswitchers-van-pluryn"


def run(capsys, *args) -> tuple[int, str, str]:
    try:
        code = main(list(args))
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 2
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def curated(kb_copy):
    """The corpus knowledge base after some curation: edits, status changes, a curator's
    entry, an import with decisions, and an account (which a backup leaves out)."""
    conn = connect(kb_copy)
    e = get_entry(conn, PLURYN)
    edit_entry(conn, PLURYN, {"title": "Carrièreswitchers bij Pluryn", "body": e.body + "\nÉén extra zin — met “aanhalingstekens”."},
               actor="anna", expected_version=e.version)
    set_status(conn, PLURYN, "gearchiveerd", actor="anna")
    n = create_entry(conn, {"title": "Nieuwe praktijk", "body": "Tekst. " * 120, "regions": ["zeeland"]}, actor="bob")
    set_status(conn, n.id, "ter_review", actor="bob")
    batch = P.upload(conn, "# Notitie\n\n## Een voorstel uit Zeeland\n\nDit is de tekst van het voorstel, lang genoeg "
                           "om een kennisitem te worden.\n".encode(), "notitie.md", actor="anna",
                     find_duplicates=lambda drafts: [P.Match(PLURYN, 0.5, 0.25, 0.125, 0.3, False)] * len(drafts))
    P.accept(conn, batch.proposals[0].id, actor="anna")
    create_user(conn, "anna", "Zeeland-regio-2024!", "beheerder", actor="test")
    conn.close()
    return kb_copy


def test_round_trip_through_the_cli_is_byte_identical(curated, tmp_path, capsys):
    first, second = tmp_path / "eerste.jsonl", tmp_path / "tweede.jsonl"
    code, _, err = run(capsys, "--db", str(curated), "export", str(first))
    assert code == 0 and "Back-up geschreven" in err
    target = tmp_path / "leeg.db"
    # an account created first does not make the knowledge base "non-empty"
    conn = connect(target)
    create_user(conn, "bea", "Twente-leerhuis-77", "beheerder", actor="test")
    conn.close()
    code, out, err = run(capsys, "--db", str(target), "import-backup", str(first))
    assert code == 0, err
    assert "Back-up hersteld" in out and "reindex" in out
    code, _, _ = run(capsys, "--db", str(target), "export", str(second))
    assert code == 0
    assert first.read_bytes() == second.read_bytes()

    # what is in it: entries with all versions and provenance, documents with text, no accounts
    records = [json.loads(line) for line in first.read_text(encoding="utf-8").splitlines()]
    assert records[0]["kind"] == "header" and records[-1]["kind"] == "footer"
    kinds = {r["kind"] for r in records}
    assert {"taxonomy", "region", "organisation", "document", "entry", "plan", "bottleneck", "audit_event",
            "import_batch", "proposal"} <= kinds
    assert "user" not in kinds and "Zeeland-regio-2024!" not in first.read_text() and "argon2" not in first.read_text()
    pluryn = next(r for r in records if r["kind"] == "entry" and r["row"]["id"] == PLURYN)
    assert [v["version"] for v in pluryn["versions"]] == [1, 2, 3]
    assert pluryn["versions"][1]["actor"] == "anna" and pluryn["row"]["status"] == "gearchiveerd"
    assert pluryn["sources"][0]["document_id"] == "vws-actieprogramma-werken-in-de-zorg-2018"
    doc = next(r for r in records if r["kind"] == "document")
    assert doc["row"]["text"] and len(doc["row"]["sha256"]) == 64

    # the restored database holds the same entries, versions and timestamps; accounts stay local
    a, b = connect(curated), connect(target)
    for eid in (PLURYN, "nieuwe-praktijk", "zorgwacht"):
        ea, eb = get_entry(a, eid), get_entry(b, eid)
        assert ea == eb
        assert entry_versions(a, eid) == entry_versions(b, eid)
    assert [u.username for u in list_users(b)] == ["bea"]
    a.close()
    b.close()


def test_export_to_stdout_equals_export_to_a_file(curated, tmp_path, capsys):
    code, out, _ = run(capsys, "--db", str(curated), "export")
    assert code == 0
    code, _, _ = run(capsys, "--db", str(curated), "export", str(tmp_path / "b.jsonl"))
    assert out.encode("utf-8") == (tmp_path / "b.jsonl").read_bytes()


def test_restore_is_refused_into_a_non_empty_knowledge_base(curated, kb_path, tmp_path, capsys, fingerprint):
    backup = tmp_path / "b.jsonl"
    run(capsys, "--db", str(curated), "export", str(backup))
    before = fingerprint(kb_path)
    code, _, err = run(capsys, "--db", str(kb_path), "import-backup", str(backup))
    assert code == 1 and "De kennisbank is niet leeg" in err
    assert fingerprint(kb_path) == before


@pytest.mark.parametrize("damage, message", [
    (lambda lines: lines[:-1], "onvolledig: het einde ontbreekt"),
    (lambda lines: lines[:40], "onvolledig: het einde ontbreekt"),
    (lambda lines: [x.replace("Pluryn", "Plurijn") for x in lines], "controlesom"),
    (lambda lines: [lines[0], "{kapot", *lines[1:]], "geen geldige JSON"),
    (lambda lines: ['{"kind": "header", "format": "iets anders"}', *lines[1:]], "geen back-up van Praktijkwijzer"),
    (lambda lines: [], "leeg"),
])
def test_damaged_backups_are_refused_and_nothing_is_written(curated, tmp_path, capsys, damage, message):
    buf = io.StringIO()
    export(connect(curated), buf)
    lines = damage(buf.getvalue().splitlines())
    target = connect(tmp_path / "leeg.db")
    with pytest.raises(BackupError, match=message):
        import_backup(target, [line + "\n" for line in lines])
    assert target.execute("SELECT count(*) FROM entries").fetchone()[0] == 0
    assert target.execute("SELECT count(*) FROM taxonomy").fetchone()[0] == 0


def test_import_backup_cli_errors_are_dutch(tmp_path, capsys):
    code, _, err = run(capsys, "--db", str(tmp_path / "x.db"), "import-backup", str(tmp_path / "bestaat-niet.jsonl"))
    assert code == 1 and "bestaat niet" in err
    bad = tmp_path / "binair.jsonl"
    bad.write_bytes(b"\xff\xfe\x00\x01")
    code, _, err = run(capsys, "--db", str(tmp_path / "x.db"), "import-backup", str(bad))
    assert code == 1 and "geen UTF-8-tekst" in err


def test_restore_from_stdin(curated, tmp_path, capsys, monkeypatch):
    buf = io.StringIO()
    export(connect(curated), buf)
    monkeypatch.setattr(sys, "stdin", io.StringIO(buf.getvalue()))
    code, out, _ = run(capsys, "--db", str(tmp_path / "nieuw.db"), "import-backup", "-")
    assert code == 0 and "Back-up hersteld" in out
    again = io.StringIO()
    export(connect(tmp_path / "nieuw.db"), again)
    assert again.getvalue() == buf.getvalue()
