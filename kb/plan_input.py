"""Plans from what a user gives: bottlenecks typed one per line (web form, API, CLI) or an
uploaded plan file (already read by ingest.plans.read_plan). One cap for both:

    at most MAX_BOTTLENECKS bottlenecks per plan; a longer list is refused with the same
    Dutch message (nothing is cut off silently), so the user chooses which ones count.

Each bottleneck is classified (actielijn, themes, branches) exactly once: typed text here,
an uploaded file's statements by read_plan, whose classification the plan keeps.
"""
from __future__ import annotations

import sqlite3
from dataclasses import replace

from ingest.model import slugify
from ingest.plans import Bottleneck, PlanDraft, classify_bottleneck
from ingest.registry import Registry, load_registry
from kb.plans import MAX_BOTTLENECKS, Plan, PlanError, save_plan, to_plan

MAX_BOTTLENECK_CHARS = 1000
MAX_WEIGHT = 100.0
TRANSIENT_ID = "ingevoerd"        # id of a plan that is matched but not stored


class PlanInputError(ValueError):
    """Bottlenecks that cannot be matched as given; `str(err)` is Dutch, `field` names the input."""

    def __init__(self, message: str, field: str = "knelpunten"):
        super().__init__(message)
        self.field = field


def bottleneck_lines(text: str | None) -> list[str]:
    """Bottlenecks typed one per line (bullets and blank lines are dropped)."""
    out = []
    for line in (text or "").replace("\r\n", "\n").split("\n"):
        line = line.strip().lstrip("-*•·").strip()
        if line:
            out.append(line)
    return out


def parse_weights(values: list[str], n: int) -> tuple[list[float], str | None]:
    """Weights for `n` bottlenecks from form values ('' = 1; a decimal comma is fine).
    Returns the weights and a Dutch error for the first invalid value (which then counts as 1)."""
    out, error = [], None
    for i in range(n):
        raw = (values[i] if i < len(values) else "").strip().replace(",", ".")
        if not raw:
            out.append(1.0)
            continue
        try:
            w = float(raw)
        except ValueError:
            w = 0
        if not (0 < w <= MAX_WEIGHT):
            error = error or (f"Gewicht '{values[i]}' is ongeldig: gebruik een getal groter dan 0 en "
                              f"hoogstens {MAX_WEIGHT:g}.")
            w = 1.0
        out.append(w)
    return out, error


def too_many(n: int, source: str | None = None) -> str:
    """The one message for a plan over the cap (typed or uploaded)."""
    given = f"Uit '{source}' zijn {n} knelpunten gehaald" if source else f"U gaf {n} knelpunten"
    return f"{given}; de grens is {MAX_BOTTLENECKS}. Kies de belangrijkste knelpunten."


def check_bottlenecks(texts: list[str]) -> None:
    """Typed bottlenecks: at least one, at most MAX_BOTTLENECKS, each at most
    MAX_BOTTLENECK_CHARS characters. Raises PlanInputError (Dutch)."""
    if not texts:
        raise PlanInputError("Vul minstens één knelpunt in (één per regel), of upload een plan.")
    if len(texts) > MAX_BOTTLENECKS:
        raise PlanInputError(too_many(len(texts)))
    long = [i + 1 for i, t in enumerate(texts) if len(t) > MAX_BOTTLENECK_CHARS]
    if long:
        raise PlanInputError(f"Knelpunt {', '.join(map(str, long))} is te lang (meer dan {MAX_BOTTLENECK_CHARS} "
                             "tekens). Beschrijf elk knelpunt in een of twee zinnen.")


def typed_plan(texts: list[str], weights: list[float] | None = None, *, region: str | None = None,
               title: str = "Ingevoerde knelpunten", registry: Registry | None = None) -> Plan:
    """A plan (not stored) from typed bottlenecks, each classified once. Raises PlanInputError."""
    texts = [" ".join(str(t).split()) for t in texts]
    pairs = [(t, weights[i] if weights and i < len(weights) else 1.0) for i, t in enumerate(texts) if t]
    check_bottlenecks([t for t, _ in pairs])
    registry = registry or load_registry()
    bottlenecks = [Bottleneck(text=t, weight=w, origin="user", **classify_bottleneck(t, registry)) for t, w in pairs]
    return Plan(id=TRANSIENT_ID, title=title, region_id=region, bottlenecks=bottlenecks)


def uploaded_plan(draft: PlanDraft, region: str | None, *, plan_id: str | None = None) -> Plan:
    """A plan from a read plan file, keeping the classification read_plan made. Raises
    PlanInputError (field 'bestand') when the file holds more than MAX_BOTTLENECKS bottlenecks."""
    if len(draft.bottlenecks) > MAX_BOTTLENECKS:
        raise PlanInputError(too_many(len(draft.bottlenecks), draft.source or draft.title), field="bestand")
    return to_plan(draft, region, plan_id)


def store_plan(conn: sqlite3.Connection, plan: Plan, region: str | None, *, title: str | None = None,
               actor: str = "web", registry: Registry | None = None) -> Plan:
    """Store a plan for a region on a user's explicit request (the plan given is not changed).
    Raises PlanError (Dutch) when no region is chosen or the plan cannot be stored."""
    if not region:
        raise PlanError("Kies een regio om het plan op te slaan. Het plan is niet opgeslagen.")
    name = (registry or load_registry()).labels("regio").get(region, region)
    title = (title or "").strip()[:200] or plan.title or f"Plan {name}"
    plan_id = plan.id if plan.id not in (TRANSIENT_ID, "", None) else slugify(f"{region} {title}", max_words=14)
    return save_plan(conn, replace(plan, id=plan_id, region_id=region, title=title), actor=actor)
