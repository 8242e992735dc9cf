"""The reference data: taxonomy (actielijnen, themes, branches), the 28 regions with their
aliases, and organisations. Loaded from YAML in corpus/ into SQLite."""
from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from kb.db import transaction
from kb.models import slugify

CORPUS_DIR = Path(__file__).resolve().parent.parent / "corpus"
NATIONAL = "landelijk"


@dataclass
class Registry:
    actielijnen: list[dict]
    themes: list[dict]
    branches: list[dict]
    regions: list[dict]
    groups: list[dict]
    employers: list[dict]
    national: dict
    organisations: list[dict] = field(default_factory=list)

    def labels(self, kind: str) -> dict[str, str]:
        items = {"actielijn": self.actielijnen, "thema": self.themes, "branche": self.branches,
                 "regio": self.regions}[kind]
        return {i["id"]: i.get("label") or i["name"] for i in items}

    def region_aliases(self, places: bool = True) -> dict[str, list[str]]:
        """alias -> region ids (several for group names like 'Limburg'); with town names if `places`."""
        out: dict[str, list[str]] = {}
        for r in self.regions:
            for a in [r["name"], *r.get("aliases", []), *(r.get("places", []) if places else [])]:
                out.setdefault(a, [])
                if r["id"] not in out[a]:
                    out[a].append(r["id"])
        for g in self.groups:
            for a in [g["name"], *g.get("aliases", [])]:
                out.setdefault(a, [])
                out[a] += [x for x in g["regions"] if x not in out[a]]
        return out

    def resolve_region(self, name: str) -> list[str]:
        """A region name, alias, id or number -> region ids; [] when unknown."""
        from kb.models import fold
        key = fold(name.strip())
        if not key:
            return []
        if key == NATIONAL:
            return [NATIONAL]
        for r in self.regions:
            if key in (r["id"], str(r["number"]), fold(r["name"]), fold(r.get("full_name", ""))):
                return [r["id"]]
        for alias, ids in self.region_aliases().items():
            if fold(alias) == key:
                return list(ids)
        return []


@lru_cache(maxsize=4)
def load_registry(corpus_dir: Path = CORPUS_DIR) -> Registry:
    tax = yaml.safe_load((corpus_dir / "taxonomy.yaml").read_text(encoding="utf-8"))
    reg = yaml.safe_load((corpus_dir / "regions.yaml").read_text(encoding="utf-8"))
    orgs_file = corpus_dir / "organisations.yaml"
    orgs = yaml.safe_load(orgs_file.read_text(encoding="utf-8"))["organisations"] if orgs_file.exists() else []
    return Registry(
        actielijnen=tax["actielijnen"], themes=tax["themes"], branches=tax["branches"],
        regions=reg["regions"], groups=reg.get("groups", []), employers=reg.get("employers", []),
        national=reg["national"], organisations=orgs,
    )


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
