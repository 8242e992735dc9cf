"""Regional plans (RAAT or a list of bottlenecks) and their weighted bottleneck statements.

The plan that represents a region (its page, recommendations, similar regions, the region
overview and the `regions` command) is decided by one rule, `region_plan`: the region's most
recently updated plan that has bottlenecks (ties: the lowest plan id). kb.plan_input builds
plans from typed text and from uploaded files.
"""
from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field

from ingest.model import slugify
from ingest.plans import Bottleneck, PlanDraft
from kb.audit import audit, now
from kb.db import transaction

MAX_BOTTLENECKS = 40           # per plan: more cannot be matched within the time a page may take


@dataclass
class Plan:
    id: str
    title: str
    region_id: str | None
    bottlenecks: list[Bottleneck] = field(default_factory=list)
    example: bool = False
    source: str | None = None
    format: str | None = None
    sha256: str | None = None
    text: str = ""
    metadata: dict = field(default_factory=dict)
    created_at: str = ""
    updated_at: str = ""


class PlanError(ValueError):
    """A plan operation that cannot be done; the message is Dutch."""


def save_plan(conn: sqlite3.Connection, plan: Plan, *, actor: str = "cli") -> Plan:
    """Insert or replace a plan with its bottlenecks (one transaction)."""
    if not plan.bottlenecks:
        raise PlanError("Dit plan bevat geen herkenbare knelpunten; er is niets opgeslagen.")
    with transaction(conn):
        old = conn.execute("SELECT created_at FROM plans WHERE id = ?", (plan.id,)).fetchone()
        ts = now()
        plan.created_at = old["created_at"] if old else ts
        plan.updated_at = ts
        conn.execute(
            "INSERT INTO plans (id, region_id, title, example, source, format, sha256, text, metadata, created_at, "
            "updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT(id) DO UPDATE SET region_id=excluded.region_id, "
            "title=excluded.title, example=excluded.example, source=excluded.source, format=excluded.format, "
            "sha256=excluded.sha256, text=excluded.text, metadata=excluded.metadata, updated_at=excluded.updated_at",
            (plan.id, plan.region_id, plan.title, int(plan.example), plan.source, plan.format, plan.sha256,
             plan.text, json.dumps(plan.metadata, ensure_ascii=False), plan.created_at, plan.updated_at))
        conn.execute("DELETE FROM bottlenecks WHERE plan_id = ?", (plan.id,))
        for i, b in enumerate(plan.bottlenecks):
            _insert_bottleneck(conn, plan.id, i, b)
        audit(conn, actor, "plan-save", "plan", plan.id, {"bottlenecks": len(plan.bottlenecks),
                                                           "region": plan.region_id})
    return get_plan(conn, plan.id)


def _insert_bottleneck(conn, plan_id: str, ord_: int, b: Bottleneck) -> int:
    if not b.text.strip():
        raise PlanError("Een knelpunt mag niet leeg zijn.")
    if b.weight <= 0:
        raise PlanError("Het gewicht van een knelpunt moet groter zijn dan 0.")
    cur = conn.execute(
        "INSERT INTO bottlenecks (plan_id, ord, text, weight, actielijnen, themes, branches, start, end, origin) "
        "VALUES (?,?,?,?,?,?,?,?,?,?)",
        (plan_id, ord_, b.text.strip(), b.weight, json.dumps(b.actielijnen), json.dumps(b.themes),
         json.dumps(b.branches), b.start, b.end, b.origin))
    return cur.lastrowid


def _row_plan(conn, row) -> Plan:
    p = Plan(id=row["id"], title=row["title"], region_id=row["region_id"], example=bool(row["example"]),
             source=row["source"], format=row["format"], sha256=row["sha256"], text=row["text"],
             metadata=json.loads(row["metadata"]), created_at=row["created_at"], updated_at=row["updated_at"])
    p.bottlenecks = [Bottleneck(text=r["text"], weight=r["weight"], actielijnen=json.loads(r["actielijnen"]),
                                themes=json.loads(r["themes"]), branches=json.loads(r["branches"]),
                                start=r["start"], end=r["end"], origin=r["origin"], id=r["id"], ord=r["ord"])
                     for r in conn.execute("SELECT * FROM bottlenecks WHERE plan_id = ? ORDER BY ord", (p.id,))]
    return p


def get_plan(conn: sqlite3.Connection, plan_id: str) -> Plan | None:
    row = conn.execute("SELECT * FROM plans WHERE id = ?", (plan_id,)).fetchone()
    return _row_plan(conn, row) if row else None


def list_plans(conn: sqlite3.Connection, region_id: str | None = None) -> list[Plan]:
    if region_id:
        rows = conn.execute("SELECT * FROM plans WHERE region_id = ? ORDER BY updated_at DESC, id", (region_id,))
    else:
        rows = conn.execute("SELECT * FROM plans ORDER BY region_id, id")
    return [_row_plan(conn, r) for r in rows.fetchall()]


_REPRESENTATIVE = ("SELECT p.* FROM plans p WHERE p.region_id IS NOT NULL {where} AND EXISTS "
                   "(SELECT 1 FROM bottlenecks b WHERE b.plan_id = p.id) ORDER BY p.updated_at DESC, p.id")


def region_plan(conn: sqlite3.Connection, region_id: str) -> Plan | None:
    """The plan that represents a region: its most recently updated plan that has bottlenecks
    (ties: the lowest plan id). None when the region has no such plan (nothing is guessed)."""
    row = conn.execute(_REPRESENTATIVE.format(where="AND p.region_id = ?") + " LIMIT 1", (region_id,)).fetchone()
    return _row_plan(conn, row) if row else None


def region_plans(conn: sqlite3.Connection) -> dict[str, Plan]:
    """region id -> the plan that represents it (the rule of `region_plan`), for every region
    that has one."""
    out: dict[str, Plan] = {}
    for row in conn.execute(_REPRESENTATIVE.format(where="")).fetchall():
        if row["region_id"] not in out:
            out[row["region_id"]] = _row_plan(conn, row)
    return out


def plans_signature(conn: sqlite3.Connection) -> tuple:
    """Changes whenever a plan or one of its bottlenecks is saved, changed or deleted (each of
    those writes an audit event): a cache key for results computed over all plans."""
    row = conn.execute("SELECT (SELECT count(*) FROM plans), "
                       "(SELECT max(id) FROM audit_events WHERE entity = 'plan')").fetchone()
    return tuple(row)


def add_bottleneck(conn, plan_id: str, b: Bottleneck, *, actor: str = "cli") -> int:
    with transaction(conn):
        if not conn.execute("SELECT 1 FROM plans WHERE id = ?", (plan_id,)).fetchone():
            raise PlanError(f"Plan '{plan_id}' bestaat niet.")
        n = conn.execute("SELECT coalesce(max(ord), -1) + 1 FROM bottlenecks WHERE plan_id = ?", (plan_id,)).fetchone()[0]
        count = conn.execute("SELECT count(*) FROM bottlenecks WHERE plan_id = ?", (plan_id,)).fetchone()[0]
        if count >= MAX_BOTTLENECKS:
            raise PlanError(f"Plan '{plan_id}' heeft al {count} knelpunten; de grens is {MAX_BOTTLENECKS}. "
                            "Verwijder eerst een knelpunt.")
        b.origin = "user"
        bid = _insert_bottleneck(conn, plan_id, n, b)
        conn.execute("UPDATE plans SET updated_at = ? WHERE id = ?", (now(), plan_id))
        audit(conn, actor, "bottleneck-add", "plan", plan_id, {"bottleneck": bid, "text": b.text})
        return bid


def update_bottleneck(conn, bottleneck_id: int, *, text: str | None = None, weight: float | None = None,
                      classification: dict | None = None, actor: str = "cli") -> None:
    with transaction(conn):
        row = conn.execute("SELECT * FROM bottlenecks WHERE id = ?", (bottleneck_id,)).fetchone()
        if not row:
            raise PlanError(f"Knelpunt {bottleneck_id} bestaat niet.")
        if text is not None and not text.strip():
            raise PlanError("Een knelpunt mag niet leeg zijn.")
        if weight is not None and weight <= 0:
            raise PlanError("Het gewicht van een knelpunt moet groter zijn dan 0.")
        new_text = text.strip() if text is not None else row["text"]
        new_weight = weight if weight is not None else row["weight"]
        cls = classification or {}
        conn.execute("UPDATE bottlenecks SET text = ?, weight = ?, actielijnen = ?, themes = ?, branches = ?, "
                     "origin = CASE WHEN ? THEN 'user' ELSE origin END WHERE id = ?",
                     (new_text, new_weight, json.dumps(cls.get("actielijnen", json.loads(row["actielijnen"]))),
                      json.dumps(cls.get("themes", json.loads(row["themes"]))),
                      json.dumps(cls.get("branches", json.loads(row["branches"]))),
                      text is not None, bottleneck_id))
        audit(conn, actor, "bottleneck-edit", "plan", row["plan_id"],
              {"bottleneck": bottleneck_id, "text": [row["text"], new_text], "weight": [row["weight"], new_weight]})


def remove_bottleneck(conn, bottleneck_id: int, *, actor: str = "cli") -> None:
    with transaction(conn):
        row = conn.execute("SELECT plan_id, text FROM bottlenecks WHERE id = ?", (bottleneck_id,)).fetchone()
        if not row:
            raise PlanError(f"Knelpunt {bottleneck_id} bestaat niet.")
        conn.execute("DELETE FROM bottlenecks WHERE id = ?", (bottleneck_id,))
        audit(conn, actor, "bottleneck-remove", "plan", row["plan_id"], {"bottleneck": bottleneck_id, "text": row["text"]})


def delete_plan(conn, plan_id: str, *, actor: str = "cli") -> None:
    with transaction(conn):
        conn.execute("DELETE FROM plans WHERE id = ?", (plan_id,))
        audit(conn, actor, "plan-delete", "plan", plan_id, {})


def to_plan(draft: PlanDraft, region_id: str | None, plan_id: str | None = None) -> Plan:
    return Plan(id=plan_id or slugify(f"{region_id or 'plan'} {draft.title}", max_words=14), title=draft.title,
                region_id=region_id, bottlenecks=draft.bottlenecks, example=draft.example, source=draft.source,
                format=draft.format, sha256=draft.sha256, text=draft.text,
                metadata=json.loads(json.dumps(draft.metadata, default=str)))
