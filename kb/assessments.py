"""Recognition of practices: the level (`erkenning`) and the Koploper check, each an assessment
with date, reasoning and who assessed it. Every assessment is kept (entry_assessments); the
entry carries the current level (entries.erkenning, for filters) and its latest assessments.

Levels follow the Databank Effectieve Interventies: niet beoordeeld (every entry starts there;
a level is never guessed), goed beschreven, goed onderbouwd, effectief.

The Koploper check: the Actie Leer Netwerk admits an initiative to its Koploper network when it
meets at least three of four criteria (actieleernetwerk.nl, "Ruim twintig potentiële
koploperinitiatieven", 26 March 2019). The bundled sources do not state the criteria; the first
(samenwerken) follows that page, the other three paraphrase what the same page asks of a
Koploper (a new initiative, a concrete contribution to the staff shortage, something others
can learn from). The Actie Leer Netwerk can reword them here.
"""
from __future__ import annotations

import json
import sqlite3

from kb.audit import audit, now
from kb.card import parse_date, today
from kb.curation import ValidationError, edit_entry
from kb.db import transaction
from kb.entries import EntryNotFound, get_entry
from kb.models import ERKENNING_LEVELS, fold
from kb.review import edit_token, working_entry

KOPLOPER_CRITERIA: tuple[tuple[str, str, str], ...] = (
    ("samenwerken", "Samenwerken",
     "Ten minste één zorg- of welzijnsorganisatie werkt samen met een andere zorg- of welzijnsorganisatie, "
     "een onderwijsinstelling of een (lokale) overheid."),
    ("vernieuwend", "Vernieuwend",
     "Het initiatief is nieuw in de regio of de branche: een andere manier van werken, leren of opleiden."),
    ("bijdrage", "Concrete bijdrage aan het personeelstekort",
     "Het initiatief levert aantoonbaar meer, beter opgeleide of langer blijvende medewerkers op, liefst in cijfers."),
    ("overdraagbaar", "Overdraagbaar",
     "Andere organisaties of regio's kunnen de aanpak overnemen; de initiatiefnemers delen hun kennis."),
)
KOPLOPER_MIN = 3
MIN_REASONING = 10


def level_id(value: str) -> str:
    """'goed onderbouwd', 'Goed-onderbouwd' or 'goed_onderbouwd' -> 'goed_onderbouwd'
    (ValueError with a Dutch message for anything else)."""
    key = "_".join(fold(value or "").replace("-", " ").replace("_", " ").split())
    if key in ERKENNING_LEVELS:
        return key
    raise ValueError(f"Onbekende erkenning '{value}'. Kies uit: {', '.join(ERKENNING_LEVELS.values())}.")


def _assessed_on(value: str | None, errors: dict) -> str:
    if not value:
        return today().isoformat()
    d = parse_date(value)
    if d is None:
        errors["assessed_on"] = "Vul de datum van de beoordeling in, bijvoorbeeld 2025-03-01."
        return ""
    if d > today():
        errors["assessed_on"] = "De datum van de beoordeling ligt in de toekomst."
    return d.isoformat()


def _practice(conn: sqlite3.Connection, entry_id: str):
    e = get_entry(conn, entry_id)
    if e is None:
        raise EntryNotFound(entry_id)
    if e.type != "praktijk":
        raise ValidationError({"erkenning": "Alleen praktijken krijgen een erkenning en een Koploper-toets."})
    return e


def _store(conn, entry_id, kind, value, criteria, reasoning, actor, assessed_on) -> None:
    conn.execute("INSERT INTO entry_assessments (entry_id, kind, value, criteria, reasoning, assessed_by, assessed_on, "
                 "recorded_at) VALUES (?,?,?,?,?,?,?,?)",
                 (entry_id, kind, value, json.dumps(criteria, ensure_ascii=False, sort_keys=True), reasoning, actor,
                  assessed_on, now()))


def assess_erkenning(conn: sqlite3.Connection, entry_id: str, level: str, *, actor: str, reasoning: str,
                     assessed_on: str | None = None) -> dict:
    """Record a recognition level for a practice (with reasoning, date and assessor)."""
    errors: dict[str, str] = {}
    try:
        level = level_id(level)
    except ValueError as err:
        errors["erkenning"] = str(err)
    reasoning = (reasoning or "").strip()
    if len(reasoning) < MIN_REASONING:
        errors["reasoning"] = f"Onderbouw de erkenning (minstens {MIN_REASONING} tekens): waarop rust het oordeel?"
    day = _assessed_on(assessed_on, errors)
    with transaction(conn):
        e = _practice(conn, entry_id)
        if errors:
            raise ValidationError(errors)
        _store(conn, entry_id, "erkenning", level, {}, reasoning, actor, day)
        conn.execute("UPDATE entries SET erkenning = ? WHERE id = ?", (level, entry_id))
        audit(conn, actor, "assess", "entry", entry_id,
              {"changes": {"erkenning": [e.erkenning, level]}, "reasoning": reasoning, "assessed_on": day})
        return {"erkenning": [e.erkenning, level]}


def assess_koploper(conn: sqlite3.Connection, entry_id: str, met: dict[str, bool], *, actor: str, reasoning: str,
                    koploper: bool, assessed_on: str | None = None, notes: dict[str, str] | None = None) -> dict:
    """Record the Koploper check of a practice: which of the four criteria it meets, and the
    conclusion. Koploper only with at least three criteria. When the conclusion is Koploper and
    the label is not yet, the label changes through the normal edit (a revision of a published
    entry, which another curator approves). Returns {"met": n, "label": None|"direct"|"revisie"}."""
    notes = notes or {}
    names = [c[0] for c in KOPLOPER_CRITERIA]
    errors: dict[str, str] = {}
    unknown = set(met) - set(names)
    if unknown:
        errors["criteria"] = f"Onbekende criteria: {', '.join(sorted(unknown))}."
    n = sum(bool(met.get(c)) for c in names)
    if koploper and n < KOPLOPER_MIN:
        errors["koploper"] = (f"Een praktijk is pas Koploper als ze aan minstens {KOPLOPER_MIN} van de "
                              f"{len(names)} criteria voldoet; nu {n}.")
    reasoning = (reasoning or "").strip()
    if len(reasoning) < MIN_REASONING:
        errors["reasoning"] = f"Licht het oordeel toe (minstens {MIN_REASONING} tekens)."
    day = _assessed_on(assessed_on, errors)
    with transaction(conn):
        e = _practice(conn, entry_id)
        if errors:
            raise ValidationError(errors)
        criteria = {c: {"met": bool(met.get(c)), "note": (notes.get(c) or "").strip()[:1000]} for c in names}
        value = "koploper" if koploper else "geen_koploper"
        _store(conn, entry_id, "koploper", value, criteria, reasoning, actor, day)
        audit(conn, actor, "koploper_check", "entry", entry_id,
              {"met": n, "conclusion": value, "reasoning": reasoning, "assessed_on": day})
        label = None
        working, rev = working_entry(conn, entry_id)
        if koploper and working.label != "Koploper":
            edit_entry(conn, entry_id, {"label": "Koploper"}, actor=actor, expected_version=edit_token(e, rev))
            label = "revisie" if e.status == "gepubliceerd" or rev else "direct"
        return {"met": n, "label": label}


def assessment_history(conn: sqlite3.Connection, entry_id: str) -> list[dict]:
    """Every assessment of an entry, newest first."""
    return [dict(r) | {"criteria": json.loads(r["criteria"])} for r in conn.execute(
        "SELECT * FROM entry_assessments WHERE entry_id = ? ORDER BY id DESC", (entry_id,))]


def erkenning_counts(conn: sqlite3.Connection) -> dict[str, int]:
    counts = {k: 0 for k in ERKENNING_LEVELS}
    for r in conn.execute("SELECT erkenning, count(*) FROM entries WHERE type = 'praktijk' GROUP BY erkenning"):
        counts[r[0]] = r[1]
    return counts

