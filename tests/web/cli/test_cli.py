"""The command line: Dutch help, machine-readable output, errors without tracebacks."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from web.cli import main

ROOT = Path(__file__).resolve().parents[3]


def run(capsys, *args) -> tuple[int, str, str]:
    try:
        code = main(list(args))
    except SystemExit as exc:            # argparse errors and our own Dutch exits
        code = exc.code if isinstance(exc.code, int) else 2
        if isinstance(exc.code, str):
            print(exc.code, file=sys.stderr)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_help_is_dutch(capsys):
    code, out, _ = run(capsys, "--help")
    assert code == 0
    assert "gebruik:" in out and "opdrachten" in out and "deze hulptekst tonen" in out
    for command in ("ingest", "entries", "show", "stats", "search", "reindex", "bench", "plan", "regions"):
        assert command in out
    code, _, err = run(capsys, "entries", "--status", "onzin")
    assert code == 2 and "ongeldige keuze" in err
    code, _, err = run(capsys, "entries", "--type", "onzin")            # the API's message for a filter
    assert code == 2 and "Onbekende soort 'onzin'" in err


def test_entries_json_for_scripts(capsys, kb_path):
    code, out, _ = run(capsys, "--db", str(kb_path), "entries", "--type", "praktijk", "--regio", "Zuid-Holland-Zuid", "--json")
    assert code == 0
    rows = json.loads(out)
    assert rows and {"id", "type", "label", "title", "actielijnen", "themes", "regions", "source"} <= set(rows[0])
    assert all(r["type"] == "praktijk" and "drechtsteden" in r["regions"] for r in rows)
    code, out, _ = run(capsys, "--db", str(kb_path), "entries", "--actielijn", "beter-leren", "--thema", "stages", "--json")
    assert all("beter-leren" in r["actielijnen"] and "stages" in r["themes"] for r in json.loads(out))


def test_show_and_stats(capsys, kb_path):
    code, out, _ = run(capsys, "--db", str(kb_path), "show", "carriereswitchers-van-pluryn", "--json")
    e = json.loads(out)
    assert code == 0 and e["title"] == "Carrièreswitchers van Pluryn" and e["body"] and e["results"]
    code, out, _ = run(capsys, "--db", str(kb_path), "show", "carriereswitchers-van-pluryn")
    assert "Bron" in out and "Werken in de Zorg" in out
    code, _, err = run(capsys, "--db", str(kb_path), "show", "bestaat-niet")
    assert code == 1 and "bestaat niet" in err
    code, out, _ = run(capsys, "--db", str(kb_path), "stats", "--json")
    st = json.loads(out)
    assert st["per_type"]["bouwsteen"] == 9 and st["regios"] == 28


def test_ingest_reports_dutch_error_for_a_corrupt_file(capsys, kb_copy, tmp_path):
    bad = tmp_path / "kapot.docx"
    bad.write_bytes(b"\x00\x01 geen docx " * 100)
    code, out, _ = run(capsys, "--db", str(kb_copy), "ingest", str(bad))
    assert code == 1 and "kapot.docx" in out and "niet gewijzigd" in out


def test_console_script_runs_offline(kb_path):
    exe = ROOT / ".venv" / "bin" / "praktijkwijzer"
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "web.cli"]
    r = subprocess.run(cmd + ["--db", str(kb_path), "stats"], capture_output=True, text=True, timeout=120,
                       env={"PATH": "/usr/bin:/bin", "HF_HUB_OFFLINE": "1"})
    assert r.returncode == 0, r.stderr
    assert "Kennisitems: " in r.stdout and "entries" not in r.stdout          # Dutch for people


def test_search_cli_json_and_batch(capsys, kb_path, index_root, tmp_path, monkeypatch):
    monkeypatch.setenv("PRAKTIJKWIJZER_INDEX", str(index_root))
    code, out, _ = run(capsys, "--db", str(kb_path), "search", "te weinig stageplekken in de wijk", "--json", "--k", "5",
                       "--alles")
    assert code == 0
    res = json.loads(out)
    assert len(res) == 5 and {"id", "type", "label", "title", "score", "explanation", "source", "match",
                              "confidence", "fits"} <= set(res[0])
    assert [r["score"] for r in res] == sorted((r["score"] for r in res), reverse=True)
    code, out, _ = run(capsys, "--db", str(kb_path), "search", "Pluryn carrièreswitchers omscholing zij-instromers",
                       "--json")
    res = json.loads(out)
    assert res and res[0]["id"] == "carriereswitchers-van-pluryn" and all(r["fits"] for r in res)
    code, out, _ = run(capsys, "--db", str(kb_path), "search", "xyzzy flurp blorg", "--json")
    assert code == 0 and json.loads(out) == []                      # nothing matches: an empty list
    code, out, _ = run(capsys, "--db", str(kb_path), "search", "xyzzy flurp blorg")
    words = " ".join(out.split())                                   # the console wraps long lines
    assert code == 0 and "De kennisbank heeft (nog) geen passende praktijk voor dit knelpunt." in words
    assert "Misschien verwant" in words and "Actie Leer Netwerk" in words and "--alles" in words
    assert 1 <= words.count("Geen match") <= 3
    queries = tmp_path / "vragen.txt"
    queries.write_text("zij-instromers werven\n\nminder administratie voor wijkverpleegkundigen\n", encoding="utf-8")
    code, out, _ = run(capsys, "--db", str(kb_path), "search", "--batch", str(queries), "--json", "--k", "3", "--alles")
    lines = [json.loads(ln) for ln in out.splitlines()]
    assert [ln["query"] for ln in lines] == ["zij-instromers werven", "minder administratie voor wijkverpleegkundigen"]
    assert all(len(ln["results"]) == 3 and ln["total"] >= 3 for ln in lines)
    code, _, err = run(capsys, "--db", str(kb_path), "search", "")
    assert code == 2 and "Vul een knelpunt" in err


def test_plan_and_regions_cli(capsys, kb_path, index_root, monkeypatch):
    monkeypatch.setenv("PRAKTIJKWIJZER_INDEX", str(index_root))
    code, out, _ = run(capsys, "--db", str(kb_path), "regions", "--json")
    regions = json.loads(out)
    assert code == 0 and len(regions) == 28
    with_plan = [r for r in regions if r["plan"]]
    assert len(with_plan) >= 8
    rid = "drechtsteden"
    assert rid in [r["id"] for r in with_plan]
    code, out, _ = run(capsys, "--db", str(kb_path), "plan", "match", rid, "--json")
    m = json.loads(out)
    assert code == 0 and m["bottlenecks"] and m["recommendations"] and m["plan"]["region"] == rid
    r = m["recommendations"][0]
    assert {"id", "type", "label", "title", "score", "addresses", "explanation"} <= set(r) and r["addresses"]
    for b in m["bottlenecks"]:                                      # each bottleneck: its own matches, or a gap
        assert {"matches", "gap", "nearest"} <= set(b) and b["gap"] == (not b["matches"])
    assert m["uncovered"] == [b["index"] for b in m["bottlenecks"] if b["gap"]]
    code, out, _ = run(capsys, "--db", str(kb_path), "plan", "match", rid)
    words = " ".join(out.split())                                   # the console wraps long lines
    assert code == 0 and f"Dekking: de kennisbank heeft iets passends voor {m['coverage_text']}." in words
    assert words.count("Geen passende praktijk in de kennisbank.") == len(m["uncovered"])
    code, out, _ = run(capsys, "--db", str(kb_path), "regions", "similar", rid, "--json")
    s = json.loads(out)
    assert code == 0 and s["similar"] and {"region", "score", "shared"} <= set(s["similar"][0])
    assert {"themes", "statements"} <= set(s["similar"][0]["shared"])


# ---------------------------------------------------------------- the database location

READ_COMMANDS = [["entries"], ["show", "carriereswitchers-van-pluryn"], ["stats"], ["search", "werkdruk"],
                 ["plan", "list"], ["plan", "match", "drechtsteden"], ["regions"], ["regions", "similar", "twente"],
                 ["export"], ["users", "list"], ["reindex"], ["bench"]]


@pytest.mark.parametrize("command", READ_COMMANDS, ids=lambda c: " ".join(c))
def test_a_read_command_never_creates_a_knowledge_base(capsys, tmp_path, command):
    db = tmp_path / "nergens" / "kb.db"
    code, out, err = run(capsys, "--db", str(db), *command)
    assert code == 1 and f"Er is geen kennisbank op {db}." in err and "praktijkwijzer ingest" in err, err
    assert not db.exists() and not db.parent.exists()


def test_a_missing_knowledge_base_with_json_is_a_json_error(capsys, tmp_path):
    db = tmp_path / "kb.db"
    code, out, err = run(capsys, "--db", str(db), "stats", "--json")
    body = json.loads(out)
    assert code == 1 and body == {"status": 404, "detail": body["detail"], "errors": []} and str(db) in body["detail"]
    assert not db.exists()


def test_the_default_database_does_not_depend_on_the_working_directory(capsys, tmp_path, monkeypatch):
    from kb.paths import database_path
    monkeypatch.delenv("PRAKTIJKWIJZER_DB", raising=False)
    monkeypatch.chdir(tmp_path)
    default = ROOT / "var" / "praktijkwijzer.db"
    assert database_path() == default and database_path(None) == default
    if not default.exists():                      # a fresh checkout: refused, and it says where it looked
        code, _, err = run(capsys, "stats")
        assert code == 1 and str(default) in err
    assert not (tmp_path / "var").exists()
    monkeypatch.setenv("PRAKTIJKWIJZER_DB", "elders/kb.db")
    assert database_path() == tmp_path / "elders" / "kb.db"
    assert database_path("mijn.db") == tmp_path / "mijn.db"


def test_users_add_may_create_the_database_for_the_first_beheerder(capsys, tmp_path, monkeypatch):
    import io
    db = tmp_path / "nieuw" / "kb.db"
    monkeypatch.setattr(sys, "stdin", io.StringIO("kort\n"))
    code, _, err = run(capsys, "--db", str(db), "users", "add", "bea", "--rol", "beheerder", "--wachtwoord-stdin")
    assert code == 1 and "minstens 12 tekens" in err and not db.exists()      # refused input creates nothing
    monkeypatch.setattr(sys, "stdin", io.StringIO("Een-lang-wachtwoord-2026\n"))
    code, out, _ = run(capsys, "--db", str(db), "users", "add", "bea", "--rol", "beheerder", "--wachtwoord-stdin")
    assert code == 0 and db.exists() and "bea" in out


# ---------------------------------------------------------------- the API's messages for invalid options

@pytest.mark.parametrize("command, url, params", [
    (["entries", "--thema", "onzin"], "/api/search", {"q": "werkdruk", "thema": "onzin"}),
    (["entries", "--type", "recept"], "/api/search", {"q": "werkdruk", "type": "recept"}),
    (["entries", "--regio", "Limburg"], "/api/search", {"q": "werkdruk", "regio": "Limburg"}),
    (["search", "werkdruk", "--regio", "Brabant"], "/api/search", {"q": "werkdruk", "regio": "Brabant"}),
    (["search", "werkdruk", "--k", "0"], "/api/search", {"q": "werkdruk", "k": 0}),
    (["search", "werkdruk", "--k", "500"], "/api/search", {"q": "werkdruk", "k": 500}),
    (["search", "   "], "/api/search", {"q": "   "}),
    (["regions", "similar", "twente", "--k", "28"], "/api/regions/twente/similar", {"k": 28}),
    (["plan", "match", "twente", "--k", "51"], None, None),
], ids=lambda v: " ".join(v) if isinstance(v, list) else None)
def test_invalid_options_give_the_api_message_and_exit_2(capsys, client, kb_path, command, url, params):
    if url is None:                                   # POST /api/match with k=51
        body = client.post("/api/match", json={"bottlenecks": ["werkdruk"], "k": 51}).json()
    else:
        body = client.get(url, params=params).json()
    assert body["status"] == 422
    code, out, err = run(capsys, "--db", str(kb_path), *command)
    assert code == 2 and err.strip() == f"Fout: {body['detail']}"
    code, out, err = run(capsys, "--db", str(kb_path), *command, "--json")
    got = json.loads(out)
    assert code == 2 and set(got) == {"status", "detail", "errors"} and got["status"] == 422
    assert got["detail"] == body["detail"]
    assert [(e["field"], e["msg"], e["type"]) for e in got["errors"]] == \
        [(e["field"], e["msg"], e["type"]) for e in body["errors"]]
    assert all(set(e) == {"loc", "field", "msg", "type"} for e in got["errors"])


# ---------------------------------------------------------------- Dutch output, whole ids

def test_stats_and_export_speak_dutch(capsys, kb_path, tmp_path):
    import re
    code, out, _ = run(capsys, "--db", str(kb_path), "stats")
    assert code == 0 and re.search(r"^Kennisitems: \d+$", out, re.M) and "Per status: gepubliceerd" in out
    assert not re.search(r"\b(entries|per_type|per_status|audit_events|passages|entries_met_regio)\b", out)
    code, _, err = run(capsys, "--db", str(kb_path), "export", str(tmp_path / "b.jsonl"))
    assert code == 0 and re.search(r"\d+ kennisitems", err) and re.search(r"\d+ documenten", err)
    assert not re.search(r"\b(entry|document|audit_event|taxonomy|region_alias|bottleneck)\b", err), err


def test_ids_in_tables_are_never_cut_off(capsys, kb_path, monkeypatch):
    code, out, _ = run(capsys, "--db", str(kb_path), "entries", "--json")
    ids = [e["id"] for e in json.loads(out)]
    monkeypatch.setenv("COLUMNS", "70")                     # a narrow terminal
    code, out, _ = run(capsys, "--db", str(kb_path), "entries")
    cells = "".join(line.split("│")[1].strip() for line in out.splitlines() if line.startswith("│"))
    assert code == 0 and "…" not in cells and all(i in cells for i in ids)
    code, out, _ = run(capsys, "--db", str(kb_path), "regions")
    cells = "".join(line.split("│")[3].strip() for line in out.splitlines() if line.startswith("│"))
    assert code == 0 and "…" not in cells
    assert "noord-en-midden-limburg" in cells and "noordwest-veluwe-en-stedendriehoek" in cells


def test_unexpected_failures_are_dutch_without_traceback_unless_debug(capsys, tmp_path):
    from web.cli import main
    bad = tmp_path / "kapot.db"
    bad.write_bytes(b"dit is geen database " * 100)
    code = main(["--db", str(bad), "stats"])
    err = capsys.readouterr().err
    assert code == 1 and err.startswith("Fout: De database kon niet worden gelezen") and "Traceback" not in err
    assert "--debug" in err
    code = main(["--db", str(bad), "--debug", "stats", "--json"])
    out = capsys.readouterr()
    assert code == 1 and "Traceback" in out.err and json.loads(out.out)["status"] == 500


def test_index_errors_keep_their_dutch_message():
    from index.generations import IndexBusy, IndexWriteError
    from web.cli.common import EXIT_FAILED, unexpected
    err = unexpected(IndexBusy("Een andere opdracht schrijft de zoekindex; probeer het later opnieuw."))
    assert err.detail.startswith("Een andere opdracht") and err.code == EXIT_FAILED
    assert unexpected(IndexWriteError("De schijf is vol.")).detail == "De schijf is vol."
    assert "schijf is vol" in unexpected(OSError(28, "No space left on device", "/var/x")).detail
