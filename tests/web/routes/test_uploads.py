"""Uploads through the website: plans as PDF, DOCX and HTML give the same bottlenecks; a curator
import splits a document into proposals by its headings, with the near-duplicate check; a
document over a parse limit gives a Dutch error (no 500) while the server keeps serving."""
from __future__ import annotations

import html
import re
import threading
import time

import pytest
from fastapi.testclient import TestClient

from ingest.evaluate import DOCUMENTS_DIR, manifest
from kb.db import connect
from tests.web.html_check import check_accessible
from tests.ingest.heavy_documents import heavy_pdf

ZHZ = next(d for d in manifest() if d["bestand"] == "zhz-raat.pdf")["knelpunten"]
MIME = {"pdf": "application/pdf", "html": "text/html",
        "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}


def bottlenecks_of(page: str) -> list[str]:
    return [html.unescape(a) for a in re.findall(r'<textarea[^>]*name="knelpunt"[^>]*>(.*?)</textarea>', page, re.S) if a]


@pytest.mark.parametrize("fmt", ["pdf", "docx", "html"])
def test_a_plan_as_pdf_docx_or_html_gives_the_same_bottlenecks(client, fmt):
    name = f"zhz-raat.{fmt}"
    r = client.post("/plan-toetsen", files={"bestand": (name, (DOCUMENTS_DIR / name).read_bytes(), MIME[fmt])})
    assert r.status_code == 200, r.text[:800]
    check_accessible(r.text)
    assert f"Uit <strong>{name}</strong>" in r.text
    assert bottlenecks_of(r.text) == ZHZ                  # all six, in order; no title, caption, table cell or success
    assert '<option value="zuid-holland-zuid" selected>' in r.text or "Aanbevolen praktijken per knelpunt" in r.text


def test_a_plan_over_the_memory_limit_gives_a_dutch_error_and_search_goes_on(client, web_app, parse_pool):
    done: dict[str, float] = {}
    result = {}

    def upload():
        result["r"] = client.post("/plan-toetsen", files={"bestand": ("zwaar.pdf", heavy_pdf(), "application/pdf")})
        done["upload"] = time.monotonic()

    jobs = parse_pool.stats["jobs"]
    t = threading.Thread(target=upload)
    t.start()
    deadline = time.monotonic() + 60
    while parse_pool.stats["jobs"] == jobs and time.monotonic() < deadline:        # the worker has the document
        time.sleep(0.02)
    s = client.get("/api/search", params={"q": "te weinig stageplekken in de wijkverpleging", "k": 3})
    done["search"] = time.monotonic()
    t.join(180)
    assert s.status_code == 200 and s.json()["results"]
    assert done["search"] < done["upload"], "search waited for the upload"
    r = result["r"]
    assert r.status_code == 422, r.text[:500]
    check_accessible(r.text)
    assert "Het lezen van &#39;zwaar.pdf&#39; vroeg te veel geheugen (meer dan 256 MB) en is afgebroken" in r.text
    assert 'aria-invalid="true"' in r.text                 # the file field is marked


# ---------------------------------------------------------------- curator import

PW = "Curatoren-werk-2024!"


def curator(app) -> TestClient:
    from kb.users import create_user
    create_user(connect(app.state.services.db_path), "cora", PW, "curator", actor="test")
    c = TestClient(app)
    page = c.get("/beheer/inloggen").text
    r = c.post("/beheer/inloggen", data={"gebruikersnaam": "cora", "wachtwoord": PW, "csrf_token": _token(page)},
               follow_redirects=False)
    assert r.status_code == 303, r.text[:500]
    return c


def _token(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def _import(c: TestClient, name: str, mime: str):
    page = c.get("/beheer/import").text
    return c.post("/beheer/import", data={"csrf_token": _token(page)},
                  files={"bestand": (name, (DOCUMENTS_DIR / name).read_bytes(), mime)}, follow_redirects=False)


def test_curator_import_splits_by_headings_and_flags_the_known_practice(writable_app):
    from kb import proposals as P
    c = curator(writable_app)
    conn = connect(writable_app.state.services.db_path)
    entries_before = conn.execute("SELECT count(*) FROM entries").fetchone()[0]
    r = _import(c, "goede-praktijken-nhn.pdf", MIME["pdf"])
    assert r.status_code == 303, r.text[:500]
    batch = P.list_batches(conn)[0]
    assert [p.draft.title for p in batch.proposals] == ["Zelfroosteren in de wijkverpleging",
                                                         "Leerwerkhuis voor statushouders in Alkmaar"]
    page = c.get(r.headers["location"]).text
    check_accessible(page)
    assert "Zelfroosteren in de wijkverpleging" in page and "Leerwerkhuis voor statushouders in Alkmaar" in page

    r = _import(c, "nieuwsbrief-voorjaar-2025.docx", MIME["docx"])
    assert r.status_code == 303, r.text[:500]
    news = P.list_batches(conn)[0]
    known, new = news.proposals
    assert known.draft.title == "Van carrièreswitcher tot begeleider bij Pluryn"
    assert known.is_duplicate and known.duplicate_of == "carriereswitchers-van-pluryn"
    assert new.draft.title == "Statushouders aan de slag in de thuiszorg in Emmen" and not new.is_duplicate
    page = c.get(r.headers["location"]).text
    assert page.count("Mogelijk dubbel") == 1
    assert conn.execute("SELECT count(*) FROM entries").fetchone()[0] == entries_before     # nothing taken over yet

    # a document over the parse worker's memory limit: a Dutch error on the form, no batch
    page = c.get("/beheer/import").text
    r = c.post("/beheer/import", data={"csrf_token": _token(page)},
               files={"bestand": ("zwaar.pdf", heavy_pdf(), MIME["pdf"])})
    assert r.status_code == 422, r.text[:500]
    assert "Het lezen van &#39;zwaar.pdf&#39; vroeg te veel geheugen" in r.text
    assert len(P.list_batches(conn)) == 2
