"""`entries --erkenning` filters on the recognition level; `entries --json` and `show --json`
carry the recognition (with its latest assessment) and the practice card."""
from __future__ import annotations

import json
import sys

from kb.assessments import assess_erkenning
from kb.db import connect
from tests.conftest import PLURYN
from web.cli import main


def run(capsys, *args) -> tuple[int, str, str]:
    try:
        code = main(list(args))
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 2
        if isinstance(exc.code, str):
            print(exc.code, file=sys.stderr)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_entries_filter_on_erkenning_and_json_carries_it(capsys, curated):
    conn = connect(curated)
    assess_erkenning(conn, "zorgwacht", "goed onderbouwd", actor="anna", assessed_on="2025-04-02",
                     reasoning="Evaluatie door de gemeente: 80 procent aan het werk na een jaar.")
    conn.close()
    db = str(curated)
    code, out, _ = run(capsys, "--db", db, "entries", "--erkenning", "goed onderbouwd", "--json")
    rows = json.loads(out)
    assert code == 0 and [r["id"] for r in rows] == ["zorgwacht"]
    erk = rows[0]["erkenning"]
    assert erk["level"] == "goed_onderbouwd" and erk["label"] == "goed onderbouwd"
    assert erk["assessed_on"] == "2025-04-02" and erk["assessed_by"] == "anna" and erk["reasoning"].startswith("Evaluatie")
    assert erk["koploper_check"]["conclusion"] == "geen_koploper"
    assert erk["koploper_check"]["criteria"]["samenwerken"]["met"] is True
    # the table too, and every other entry is not assessed (never invented)
    code, out, _ = run(capsys, "--db", db, "entries", "--erkenning", "goed_onderbouwd")
    assert code == 0 and "zorgwacht" in out and "goed onderbouwd" in out and PLURYN not in out
    code, out, _ = run(capsys, "--db", db, "entries", "--erkenning", "niet beoordeeld", "--json")
    assert "zorgwacht" not in [r["id"] for r in json.loads(out)] and len(json.loads(out)) > 100
    code, out, err = run(capsys, "--db", db, "entries", "--erkenning", "bewezen")
    assert code == 2 and "Onbekende erkenning 'bewezen'" in err
    code, out, _ = run(capsys, "--db", db, "entries", "--erkenning", "bewezen", "--json")
    assert code == 2 and json.loads(out)["status"] == 422
    # show --json: the recognition and the practice card
    code, out, _ = run(capsys, "--db", db, "show", "nieuwe-praktijk", "--json")
    e = json.loads(out)
    assert e["erkenning"]["level"] == "niet_beoordeeld" and e["erkenning"]["assessed_on"] is None
    assert e["practice_card"] == {"laatst_beoordeeld": "2023-05-01", "probleem": "Te weinig “stageplekken”."}
    code, out, _ = run(capsys, "--db", db, "show", "zorgwacht")
    assert "Erkenning: goed onderbouwd (beoordeeld op 2025-04-02 door anna)" in out and "Praktijkkaart" in out
