"""Shared fixtures: one knowledge base built from the bundled corpus per test session.

The fixture corpus is the real one (five documents, small): tests run against a real SQLite
file produced by the real ingestion pipeline. Tests that change data work on a copy."""
from __future__ import annotations

import os
import sqlite3

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


@pytest.fixture(scope="session")
def kb_path(tmp_path_factory):
    from kb.loader import ingest
    from kb.db import connect
    path = tmp_path_factory.mktemp("kb") / "praktijkwijzer.db"
    conn = connect(path)
    report = ingest(conn)
    assert report.ok, report.errors
    conn.close()
    return path


@pytest.fixture
def conn(kb_path):
    """Read-only use of the session knowledge base."""
    from kb.db import connect
    c = connect(kb_path)
    yield c
    c.close()


@pytest.fixture
def kb_copy(kb_path, tmp_path):
    """A private copy of the session knowledge base, for tests that write."""
    dst = tmp_path / "kopie.db"
    src = sqlite3.connect(kb_path)
    out = sqlite3.connect(dst)
    src.backup(out)
    src.close()
    out.close()
    return dst


def db_fingerprint(path) -> str:
    """A digest of every row of every table: equal digests mean an unchanged database."""
    import hashlib
    c = sqlite3.connect(path)
    h = hashlib.sha256()
    for (name,) in c.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name"):
        for row in c.execute(f"SELECT * FROM {name} ORDER BY 1, 2"):
            h.update(repr(row).encode())
    c.close()
    return h.hexdigest()


@pytest.fixture
def fingerprint():
    return db_fingerprint


@pytest.fixture(scope="session")
def encoder():
    """The real default model, loaded once per session (no network)."""
    from index.encoder import load_encoder
    return load_encoder()


@pytest.fixture(scope="session")
def index_root(kb_path, encoder, tmp_path_factory):
    """A real FAISS + BM25 index of the session knowledge base, built once."""
    from index.store import build
    from kb.db import connect
    root = tmp_path_factory.mktemp("index")
    conn = connect(kb_path)
    build(conn, encoder, root)
    conn.close()
    return root


@pytest.fixture(scope="session")
def searcher(kb_path, index_root, encoder):
    """A Searcher over the session knowledge base (read-only use)."""
    from index.store import load
    from kb.db import connect
    from search.engine import Searcher
    conn = connect(kb_path)
    return Searcher(conn, load(index_root, expected_model=encoder.model_id, conn=conn), encoder)


@pytest.fixture(scope="session")
def parse_pool():
    """The parse workers of the tests' apps (ingest.worker): one worker, 256 MB above its loaded
    size, so that a document over the memory limit is cheap to show. Started at once (it loads
    in the background)."""
    from ingest.worker import Limits, ParsePool
    pool = ParsePool(Limits(seconds=120, memory_mb=256, workers=1, queue_seconds=120))
    pool.start()
    yield pool
    pool.close()


PLURYN = "carriereswitchers-van-pluryn"


@pytest.fixture
def curated(kb_copy):
    """The corpus knowledge base after some curation: edits, status changes, a curator's
    entry with a practice card, an import with decisions, recognition assessments, an approved
    and an open revision, and an account (which a backup leaves out)."""
    from kb import proposals as P
    from kb.assessments import assess_erkenning, assess_koploper
    from kb.curation import create_entry, edit_entry, set_status
    from kb.db import connect
    from kb.entries import get_entry
    from kb.review import approve_revision, open_revision
    from kb.users import create_user
    conn = connect(kb_copy)
    e = get_entry(conn, PLURYN)
    set_status(conn, PLURYN, "gearchiveerd", actor="anna")
    edit_entry(conn, PLURYN, {"title": "Carrièreswitchers bij Pluryn", "body": e.body + "\nÉén extra zin — met “aanhalingstekens”."},
               actor="anna", expected_version=e.version + 1)
    n = create_entry(conn, {"title": "Nieuwe praktijk", "body": "Tekst. " * 120, "regions": ["zeeland"],
                            "probleem": "Te weinig “stageplekken”.", "laatst_beoordeeld": "2023-05-01"}, actor="bob")
    set_status(conn, n.id, "ter_review", actor="bob")
    batch = P.upload(conn, "# Notitie\n\n## Een voorstel uit Zeeland\n\nDit is de tekst van het voorstel, lang genoeg "
                           "om een kennisitem te worden.\n".encode(), "notitie.md", actor="anna",
                     find_duplicates=lambda drafts: [P.Match(PLURYN, 0.5, 0.25, 0.125, 0.3, False)] * len(drafts))
    P.accept(conn, batch.proposals[0].id, actor="anna")
    assess_erkenning(conn, "zorgwacht", "goed beschreven", actor="anna", reasoning="Doel, doelgroep en aanpak "
                     "staan beschreven; geen onderzoek.", assessed_on="2025-01-15")
    assess_koploper(conn, "zorgwacht", {"samenwerken": True, "vernieuwend": True, "bijdrage": True}, actor="bob",
                    reasoning="Gemeente, school en werkgevers werken samen.", koploper=False,
                    notes={"samenwerken": "gemeente Utrecht en zorgaanbieders"})
    z = get_entry(conn, "zorgwacht")
    edit_entry(conn, "zorgwacht", {"kosten": "Subsidie van de gemeente Utrecht.", "praktijkstatus": "lopend"},
               actor="anna", expected_version=z.version)
    rev = open_revision(conn, "zorgwacht")
    approve_revision(conn, "zorgwacht", actor="bob", revision_id=rev.id, seq=rev.seq)
    z = get_entry(conn, "zorgwacht")
    edit_entry(conn, "zorgwacht", {"summary": "Een nog open wijziging."}, actor="anna", expected_version=z.version)
    create_user(conn, "anna", "Zeeland-regio-2024!", "beheerder", actor="test")
    conn.close()
    return kb_copy
