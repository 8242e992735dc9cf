"""The knowledge base itself: schema, migrations, registry, versions and audit log."""
from __future__ import annotations

import sqlite3

import pytest

from kb.db import SCHEMA_VERSION, SchemaTooNew, connect
from kb.models import Entry, Source, slugify
from kb.registry import load_registry, sync_registry
from kb.audit import audit_events
from kb.entries import entry_versions, get_entry, save_entry


def test_fresh_database_settings_and_migrations(tmp_path):
    conn = connect(tmp_path / "kb.db")
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    conn.close()
    conn = connect(tmp_path / "kb.db")        # migrating again is a no-op
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_workers_that_open_a_fresh_database_at_once_migrate_it_once(tmp_path):
    """Server workers start together: each connects and migrates; none may fail."""
    import threading
    start, errors = threading.Barrier(6), []

    def open_it():
        start.wait()
        try:
            connect(tmp_path / "kb.db").close()
        except Exception as err:                # noqa: BLE001 - collected for the assertion
            errors.append(repr(err))
    threads = [threading.Thread(target=open_it) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    conn = connect(tmp_path / "kb.db")
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    conn.close()


def test_newer_schema_is_refused_in_dutch(tmp_path):
    p = tmp_path / "kb.db"
    c = sqlite3.connect(p)
    c.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    c.close()
    with pytest.raises(SchemaTooNew, match="nieuwer dan deze versie"):
        connect(p)


def test_region_registry_resolves_aliases():
    r = load_registry()
    assert len(r.regions) == 28
    assert r.resolve_region("Zuid-Holland-Zuid") == ["drechtsteden"]
    assert r.resolve_region("zuid holland zuid") == ["drechtsteden"]
    assert r.resolve_region("Regio Zwolle") == ["ijsselvecht"]
    assert r.resolve_region("Rotterdam-Rijnmond") == ["rijnmond"]
    assert r.resolve_region("Groot-Amsterdam") == ["amsterdam"]
    assert r.resolve_region("Kennemerland, Amstelland en Meerlanden") == ["amstelland-kennemerland-meerlanden"]
    assert r.resolve_region("Stedendriehoek en Noord-Veluwe") == ["noordwest-veluwe-en-stedendriehoek"]
    assert sorted(r.resolve_region("Limburg")) == ["noord-en-midden-limburg", "zuid-limburg"]
    assert len(r.resolve_region("Noord-Brabant")) == 4
    assert sorted(r.resolve_region("Groningen, Friesland en Drenthe")) == ["drenthe", "friesland", "groningen"]
    assert r.resolve_region("Landelijk") == ["landelijk"]
    assert r.resolve_region("21") == ["drechtsteden"]
    assert r.resolve_region("Atlantis") == []


def _entry(**kw) -> Entry:
    base = dict(id="test-item", type="praktijk", title="Proef", body="Een proeftekst.", label="voorbeeld",
                sources=[Source("doc", "kop", 0, 10)])
    base.update(kw)
    return Entry(**base)


def test_every_change_is_a_version_with_an_audited_field_diff(tmp_path):
    conn = connect(tmp_path / "kb.db")
    sync_registry(conn)
    conn.execute("INSERT INTO documents (id, path, title, format, sha256, text, ingested_at) "
                 "VALUES ('doc', 'x', 'Doc', 'text', 'h', 'tekst', 'nu')")
    save_entry(conn, _entry(themes=["stages"], regions=["drechtsteden"]), actor="ingest")
    assert save_entry(conn, _entry(themes=["stages"], regions=["drechtsteden"]), actor="ingest") == {}
    diff = save_entry(conn, _entry(body="Een betere tekst.", themes=["stages"], regions=["drechtsteden"]),
                      actor="curator")
    assert diff == {"body": ["Een proeftekst.", "Een betere tekst."]}
    e = get_entry(conn, "test-item")
    assert e.version == 2 and e.themes == ["stages"] and e.regions == ["drechtsteden"]
    versions = entry_versions(conn, "test-item")
    assert [v["version"] for v in versions] == [1, 2]
    assert versions[0]["data"]["body"] == "Een proeftekst."
    events = audit_events(conn, "test-item")
    assert events[0]["actor"] == "curator" and events[0]["details"]["changes"]["body"][1] == "Een betere tekst."


def test_constraints_reject_bad_rows(tmp_path):
    conn = connect(tmp_path / "kb.db")
    sync_registry(conn)
    conn.execute("INSERT INTO documents (id, path, title, format, sha256, text, ingested_at) "
                 "VALUES ('doc', 'x', 'Doc', 'text', 'h', 'tekst', 'nu')")
    save_entry(conn, _entry(id="ok-item"), actor="x")                  # a valid entry is accepted
    with pytest.raises(sqlite3.IntegrityError):
        save_entry(conn, _entry(regions=["atlantis"]), actor="x")     # unknown region
    with pytest.raises(sqlite3.IntegrityError):
        save_entry(conn, _entry(body="   "), actor="x")               # empty body
    assert get_entry(conn, "test-item") is None                        # nothing half-written


def test_slugify_is_stable_and_readable():
    assert slugify("Carrièreswitchers van Pluryn") == "carriereswitchers-van-pluryn"
    assert slugify("“In aanraking met alle facetten van de zorg”") == "in-aanraking-met-alle-facetten-van-de-zorg"


def test_a_connection_in_a_transaction_is_not_joined_from_another_thread(tmp_path):
    import threading

    from kb.db import connect, transaction
    conn = connect(tmp_path / "t.db")
    conn.execute("CREATE TABLE t (x INTEGER)")
    errors = []
    with transaction(conn):
        conn.execute("INSERT INTO t VALUES (1)")

        def other():
            try:
                with transaction(conn):
                    conn.execute("INSERT INTO t VALUES (2)")
            except RuntimeError as err:
                errors.append(str(err))
        t = threading.Thread(target=other)
        t.start()
        t.join()
    assert errors and "andere thread" in errors[0]
    assert [r[0] for r in conn.execute("SELECT x FROM t")] == [1]
