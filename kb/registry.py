"""The reference data in the database: taxonomy (actielijnen, themes, branches), the 28
regions with their aliases, and organisations. Read from corpus/ by ingest.registry and
synchronised into SQLite here."""
from __future__ import annotations

import json
import sqlite3

from ingest.model import slugify
from ingest.registry import CORPUS_DIR, NATIONAL, Registry, load_registry  # noqa: F401  (re-exported)
from kb.db import transaction


def sync_registry(conn: sqlite3.Connection, registry: Registry | None = None) -> None:
    """Write taxonomy, regions and known organisations into the database (idempotent)."""
    r = registry or load_registry()
    with transaction(conn):
        for kind, items in (("actielijn", r.actielijnen), ("thema", r.themes), ("branche", r.branches)):
            for i, item in enumerate(items):
                data = {k: v for k, v in item.items() if k not in ("id", "label")}
                conn.execute(
                    "INSERT INTO taxonomy (id, kind, label, ord, data) VALUES (?,?,?,?,?) "
                    "ON CONFLICT(kind, id) DO UPDATE SET label=excluded.label, ord=excluded.ord, data=excluded.data",
                    (item["id"], kind, item["label"], i, json.dumps(data, ensure_ascii=False)))
        for reg in r.regions:
            conn.execute(
                "INSERT INTO regions (id, number, name, full_name, scope) VALUES (?,?,?,?, 'regio') "
                "ON CONFLICT(id) DO UPDATE SET number=excluded.number, name=excluded.name, full_name=excluded.full_name",
                (reg["id"], reg["number"], reg["name"], reg.get("full_name", reg["name"])))
        nat = r.national
        conn.execute("INSERT INTO regions (id, number, name, full_name, scope) VALUES (?, NULL, ?, ?, 'landelijk') "
                     "ON CONFLICT(id) DO NOTHING", (nat["id"], nat["name"], nat["name"]))
        conn.execute("DELETE FROM region_aliases")
        conn.executemany("INSERT OR IGNORE INTO region_aliases VALUES (?,?)",
                         [(a, rid) for a, ids in r.region_aliases().items() for rid in ids])
        for emp in r.employers:
            upsert_organisation(conn, emp["name"], kind="werkgeversorganisatie", source="regio-register",
                                aliases=emp.get("aliases", []), regions=emp["regions"])
        for org in r.organisations:
            upsert_organisation(conn, org["name"], kind=org.get("kind", "organisatie"),
                                source=org.get("source", "corpus"), aliases=org.get("aliases", []),
                                regions=org.get("regions", []))


def upsert_organisation(conn: sqlite3.Connection, name: str, *, kind: str = "organisatie",
                        source: str | None = None, aliases: list[str] = (), regions: list[str] = ()) -> str:
    oid = slugify(name)
    conn.execute("INSERT INTO organisations (id, name, kind, source) VALUES (?,?,?,?) "
                 "ON CONFLICT(id) DO UPDATE SET name=excluded.name, kind=excluded.kind",
                 (oid, name, kind, source))
    conn.executemany("INSERT OR IGNORE INTO organisation_aliases VALUES (?,?)",
                     [(a, oid) for a in [name, *aliases]])
    conn.executemany("INSERT OR IGNORE INTO organisation_regions VALUES (?,?)", [(oid, reg) for reg in regions])
    return oid


def organisation_gazetteer(conn: sqlite3.Connection) -> dict[str, str]:
    """alias -> organisation id, for all organisations in the database."""
    return {r[0]: r[1] for r in conn.execute("SELECT alias, organisation_id FROM organisation_aliases")}
