"""Backup and restore through the CLI: `praktijkwijzer export` -> `import-backup` into an empty
knowledge base -> `export` again gives a byte-identical file; non-empty targets are refused;
errors are Dutch."""
from __future__ import annotations

import io
import json
import sys

from kb.backup import export
from kb.db import connect
from kb.entries import entry_versions, get_entry
from kb.users import create_user, list_users
from tests.conftest import PLURYN
from web.cli import main


def run(capsys, *args) -> tuple[int, str, str]:
    try:
        code = main(list(args))
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 2
    out = capsys.readouterr()
    return code, out.out, out.err


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
