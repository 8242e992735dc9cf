"""`praktijkwijzer import` (a curator import on the command line), `ingest` of a file imported
before, and plan files as PDF, DOCX and HTML in `plan add` / `plan match`."""
from __future__ import annotations

import json
import sys

import pytest

from ingest.evaluate import DOCUMENTS_DIR, manifest
from kb.db import connect
from web.cli import main

ZHZ = next(d for d in manifest() if d["bestand"] == "zhz-raat.pdf")["knelpunten"]


def run(capsys, *args) -> tuple[int, str, str]:
    try:
        code = main(list(args))
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 2
        if isinstance(exc.code, str):
            print(exc.code, file=sys.stderr)
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def db(kb_copy, index_root, monkeypatch):
    """A private knowledge base with the session's index (which fits it: same entries)."""
    monkeypatch.setenv("PRAKTIJKWIJZER_INDEX", str(index_root))
    monkeypatch.setenv("COLUMNS", "120")
    return str(kb_copy)


def _counts(db: str) -> tuple[int, int]:
    c = connect(db)
    try:
        return (c.execute("SELECT count(*) FROM entries").fetchone()[0],
                c.execute("SELECT count(*) FROM entries WHERE status = 'gepubliceerd'").fetchone()[0])
    finally:
        c.close()


def test_import_a_pdf_with_two_practices_and_a_newsletter_with_a_known_one(capsys, db):
    before = _counts(db)
    code, out, err = run(capsys, "--db", db, "import", str(DOCUMENTS_DIR / "goede-praktijken-nhn.pdf"), "--json",
                         "--door", "cora")
    assert code == 0, err
    res = json.loads(out)
    assert set(res) == {"batch", "proposals"} and isinstance(res["batch"], int)
    assert [p["title"] for p in res["proposals"]] == ["Zelfroosteren in de wijkverpleging",
                                                      "Leerwerkhuis voor statushouders in Alkmaar"]
    for p in res["proposals"]:
        assert set(p) == {"title", "type", "nearest", "duplicate"} and p["type"] == "praktijk"
        assert set(p["nearest"]) == {"id", "title", "score"} and 0 < p["nearest"]["score"] < 0.57 and not p["duplicate"]

    code, out, err = run(capsys, "--db", db, "import", str(DOCUMENTS_DIR / "nieuwsbrief-voorjaar-2025.docx"), "--json")
    assert code == 0, err
    known, new = json.loads(out)["proposals"]
    assert known["title"] == "Van carrièreswitcher tot begeleider bij Pluryn" and known["duplicate"]
    assert known["nearest"]["id"] == "carriereswitchers-van-pluryn"
    assert known["nearest"]["title"] == "Carrièreswitchers van Pluryn" and known["nearest"]["score"] >= 0.57
    assert new["title"] == "Statushouders aan de slag in de thuiszorg in Emmen" and not new["duplicate"]
    assert _counts(db) == before                                   # nothing created, nothing published

    # a person gets a Dutch table; the same file again is refused unless asked for
    code, out, err = run(capsys, "--db", db, "import", str(DOCUMENTS_DIR / "nieuwsbrief-voorjaar-2025.html"))
    assert code == 0, err
    assert "Dubbel?" in out and "Carrièreswitchers van Pluryn" in out and "carriereswitchers-van-pluryn" in out
    flat = " ".join(out.split())
    assert "1 van de 2 voorstellen lijkt op een bestaand kennisitem: mogelijk dubbel" in flat
    assert "Er is niets gepubliceerd of gewijzigd" in flat
    code, out, err = run(capsys, "--db", db, "import", str(DOCUMENTS_DIR / "goede-praktijken-nhn.pdf"))
    flat = " ".join(err.split())
    assert code == 1 and "al eerder geüpload als 'goede-praktijken-nhn.pdf' door cora" in flat and "--toch" in flat
    code, out, _ = run(capsys, "--db", db, "import", str(DOCUMENTS_DIR / "goede-praktijken-nhn.pdf"), "--json")
    assert code == 1 and json.loads(out)["status"] == 409
    code, out, err = run(capsys, "--db", db, "import", str(DOCUMENTS_DIR / "goede-praktijken-nhn.pdf"), "--toch",
                         "--json")
    assert code == 0 and len(json.loads(out)["proposals"]) == 2


def test_import_errors_are_dutch_with_the_usual_exit_codes(capsys, db, tmp_path):
    code, _, err = run(capsys, "--db", db, "import", str(tmp_path / "bestaat-niet.pdf"))
    assert code == 2 and "bestaat niet" in err
    bad = tmp_path / "kapot.docx"
    bad.write_bytes(b"PK\x03\x04 geen echt document")
    code, out, _ = run(capsys, "--db", db, "import", str(bad), "--json")
    body = json.loads(out)
    assert code == 2 and body["status"] == 422 and "kapot.docx" in body["detail"] and "Traceback" not in out


def test_ingest_refuses_a_file_that_was_imported(capsys, db, fingerprint):
    path = DOCUMENTS_DIR / "nieuwsbrief-voorjaar-2025.md"
    code, out, err = run(capsys, "--db", db, "import", str(path), "--json", "--door", "cora")
    assert code == 0, err
    batch = json.loads(out)["batch"]
    before = fingerprint(db)
    code, out, err = run(capsys, "--db", db, "ingest", "--zonder-index", str(path))
    flat = " ".join(out.split())
    assert code == 1
    assert "al op de website geïmporteerd als 'nieuwsbrief-voorjaar-2025.md' door cora" in flat
    assert f"/beheer/import/{batch}" in flat and "niet gewijzigd" in flat
    assert fingerprint(db) == before


def test_plan_files_as_pdf_docx_and_html_give_the_same_bottlenecks(capsys, db):
    got = {}
    for fmt in ("pdf", "docx", "html"):
        code, out, err = run(capsys, "--db", db, "plan", "match", str(DOCUMENTS_DIR / f"zhz-raat.{fmt}"), "--json",
                             "--k", "3")
        assert code == 0, err
        got[fmt] = [b["text"] for b in json.loads(out)["bottlenecks"]]
    assert got["pdf"] == got["docx"] == got["html"] == ZHZ
    code, out, err = run(capsys, "--db", db, "plan", "add", "ZHZ", str(DOCUMENTS_DIR / "zhz-raat.docx"))
    assert code == 0, err
    flat = " ".join(out.split())
    assert "met 6 knelpunten" in flat and ZHZ[0] in flat
