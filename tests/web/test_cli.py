"""The command line: Dutch help, machine-readable output, errors without tracebacks."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


from web.cli import main

ROOT = Path(__file__).resolve().parents[2]


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
    code, _, err = run(capsys, "entries", "--type", "onzin")
    assert code == 2 and "ongeldige keuze" in err


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
    assert "entries" in r.stdout


def test_search_cli_json_and_batch(capsys, kb_path, index_root, tmp_path, monkeypatch):
    monkeypatch.setenv("PRAKTIJKWIJZER_INDEX", str(index_root))
    code, out, _ = run(capsys, "--db", str(kb_path), "search", "te weinig stageplekken in de wijk", "--json", "--k", "5")
    assert code == 0
    res = json.loads(out)
    assert len(res) == 5 and {"id", "type", "label", "title", "score", "explanation", "source"} <= set(res[0])
    assert [r["score"] for r in res] == sorted((r["score"] for r in res), reverse=True)
    queries = tmp_path / "vragen.txt"
    queries.write_text("zij-instromers werven\n\nminder administratie voor wijkverpleegkundigen\n", encoding="utf-8")
    code, out, _ = run(capsys, "--db", str(kb_path), "search", "--batch", str(queries), "--json", "--k", "3")
    lines = [json.loads(ln) for ln in out.splitlines()]
    assert [ln["query"] for ln in lines] == ["zij-instromers werven", "minder administratie voor wijkverpleegkundigen"]
    assert all(len(ln["results"]) == 3 for ln in lines)
    code, _, err = run(capsys, "--db", str(kb_path), "search", "")
    assert code == 2 and "Vul een knelpunt" in err


def test_plan_and_regions_cli(capsys, kb_path, index_root, monkeypatch):
    monkeypatch.setenv("PRAKTIJKWIJZER_INDEX", str(index_root))
    code, out, _ = run(capsys, "--db", str(kb_path), "regions", "--json")
    regions = json.loads(out)
    assert code == 0 and len(regions) == 28
    with_plan = [r for r in regions if r["plan"]]
    assert len(with_plan) >= 8
    rid = with_plan[0]["id"]
    code, out, _ = run(capsys, "--db", str(kb_path), "plan", "match", rid, "--json")
    m = json.loads(out)
    assert code == 0 and m["bottlenecks"] and m["recommendations"]
    r = m["recommendations"][0]
    assert {"id", "type", "label", "title", "score", "addresses", "explanation"} <= set(r) and r["addresses"]
    code, out, _ = run(capsys, "--db", str(kb_path), "regions", "similar", rid, "--json")
    s = json.loads(out)
    assert code == 0 and s["similar"] and {"region", "score", "shared"} <= set(s["similar"][0])
    assert {"themes", "statements"} <= set(s["similar"][0]["shared"])
