"""The curator's workflow on entries: validated edits, new entries, status changes and
restoring an earlier version, each as a new version with an audit event (kb.entries).

    concept -> ter_review -> gepubliceerd -> gearchiveerd   (back to concept from ter_review
                                                             and from gearchiveerd)

Only published entries are public (kb.published). Publishing needs a second curator, and an
edit or restore of a published entry becomes a pending revision until one approves it
(kb.review). A save from an older state is refused, and saved again it merges the curator's
own changes into what is stored now (kb.threeway). The read models of the curation pages
(counts per status, the choices of the entry form) live here as well.
"""
from __future__ import annotations

import json
import sqlite3

from kb.card import validate_card
from kb.db import transaction
from kb.documents import (REDACTIE_PREFIX, add_editorial_document, document_exists, document_ids,
                          document_origin)
from kb.entries import (EntryNotFound, check_version, derive_fields, get_entry, save_entry, snapshot_entry,
                        unique_entry_id)
from kb.models import (AUDIENCES, CARD_FIELDS, CONTENT_FIELDS, ENTRY_TYPES, PRACTICE_LABELS, STATUSES, Entry,
                       slugify)
from kb.review import (check_four_eyes, concept_authors, conflict, edit_token, needs_revision, open_revision,
                       save_revision, token_snapshot, working_entry)
from kb.threeway import same, three_way

STATUS_LABELS = {"concept": "concept", "ter_review": "ter review", "gepubliceerd": "gepubliceerd",
                 "gearchiveerd": "gearchiveerd"}
# Allowed status changes and the audit action each one is recorded as.
TRANSITIONS: dict[str, dict[str, str]] = {
    "concept": {"ter_review": "submit"},
    "ter_review": {"gepubliceerd": "publish", "concept": "reopen"},
    "gepubliceerd": {"gearchiveerd": "archive"},
    "gearchiveerd": {"concept": "reopen"},
}
# Fields a curator edits in the form (status has its own buttons; sources are provenance;
# keywords and passages are derived from title and body).
EDITABLE_FIELDS = ("type", "title", "summary", "body", "label", "audience", "number", "results",
                   "actielijnen", "themes", "branches", "regions", "organisations") + CARD_FIELDS
LIST_FIELDS = ("results", "actielijnen", "themes", "branches", "regions", "organisations")
MAX_TITLE = 300
MAX_BODY = 100_000
# The reference data a list field must come from.
REFERENCE = {
    "actielijnen": ("SELECT id FROM taxonomy WHERE kind = 'actielijn'", "actielijn"),
    "themes": ("SELECT id FROM taxonomy WHERE kind = 'thema'", "thema"),
    "branches": ("SELECT id FROM taxonomy WHERE kind = 'branche'", "branche"),
    "regions": ("SELECT id FROM regions", "regio"),
    "organisations": ("SELECT id FROM organisations", "organisatie"),
}


class ValidationError(ValueError):
    """Invalid input for an entry: {field: Dutch message}."""

    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__(" ".join(errors.values()))


class TransitionError(ValueError):
    """A status change the workflow does not allow (Dutch message)."""


def _known(conn: sqlite3.Connection, field: str) -> set[str]:
    return {r[0] for r in conn.execute(REFERENCE[field][0])}


def validate_changes(conn: sqlite3.Connection, changes: dict, *, entry: Entry | None = None) -> dict:
    """Clean and check the edited fields; returns the cleaned values or raises ValidationError."""
    errors: dict[str, str] = {}
    out: dict = {}
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({f: f"Het veld '{f}' kan niet worden bewerkt." for f in sorted(unknown)})
    for f, v in changes.items():
        if f in LIST_FIELDS:
            if isinstance(v, str):
                v = [v]
            v = list(dict.fromkeys(str(x).strip() for x in (v or []) if str(x).strip()))
        elif isinstance(v, str):
            v = v.replace("\r\n", "\n").strip()
        out[f] = v
    typ = entry.type if entry else None
    if "type" in out:
        if out["type"] not in ENTRY_TYPES:
            errors["type"] = "Kies een geldig type: praktijk, advies, bouwsteen of beleid."
        elif entry is not None and entry.origin != "curator" and out["type"] != entry.type:
            errors["type"] = ("Het type van een ingelezen kennisitem komt uit het brondocument en kan "
                              "niet worden gewijzigd.")
        else:
            typ = out["type"]
    if "title" in out:
        if not out["title"]:
            errors["title"] = "Vul een titel in."
        elif len(out["title"]) > MAX_TITLE:
            errors["title"] = f"De titel is te lang ({len(out['title'])} tekens; hoogstens {MAX_TITLE})."
        elif "\n" in out["title"]:
            errors["title"] = "De titel moet op één regel staan."
    if "body" in out:
        if not out["body"]:
            errors["body"] = "Vul de tekst van het kennisitem in."
        elif len(out["body"]) > MAX_BODY:
            errors["body"] = f"De tekst is te lang ({len(out['body']):,} tekens; hoogstens {MAX_BODY:,}).".replace(",", ".")
    for f in ("label", "audience", "number", "summary"):
        if f in out and out[f] in ("", None):
            out[f] = "" if f == "summary" else None
    if out.get("label") is not None:
        if typ != "praktijk":
            errors["label"] = "Alleen een praktijk heeft een label (Koploper, Falend Vooruit of voorbeeld)."
        elif out["label"] not in PRACTICE_LABELS:
            errors["label"] = "Kies als label Koploper, Falend Vooruit of voorbeeld."
    if out.get("label") == "Koploper" and (entry is None or entry.label != "Koploper") \
            and not koploper_allowed(entry.koploper_check if entry else None) and "label" not in errors:
        errors["label"] = ("Een praktijk wordt Koploper na de Koploper-toets (minstens drie van de vier criteria). "
                           "Vul eerst de toets in onder Erkenning.")
    validate_card(out, typ, errors)
    if out.get("audience") is not None and out["audience"] not in AUDIENCES:
        errors["audience"] = "Kies als doelgroep regio of landelijk."
    for f, (_, what) in REFERENCE.items():
        if f in out:
            known = _known(conn, f)
            bad = [v for v in out[f] if v not in known]
            if bad:
                errors[f] = f"Onbekende {what}: {', '.join(bad)}."
    if "results" in out and any(len(r) > 1000 for r in out["results"]):
        errors["results"] = "Een resultaat mag hoogstens 1000 tekens lang zijn."
    if errors:
        raise ValidationError(errors)
    return out


def koploper_allowed(check: dict | None) -> bool:
    """May a curator give an entry the label Koploper? Only when its latest Koploper check
    (kb.assessments) concluded so, which needs at least three of the four criteria."""
    return bool(check and check.get("value") == "koploper")


def _apply(e: Entry, clean: dict, changed: list[str]) -> Entry:
    """A copy of `e` with the changed fields set (list fields keep their stored order)."""
    new = Entry(**{f: getattr(e, f) for f in e.__dataclass_fields__})
    for f in changed:
        old, value = getattr(e, f), clean[f]
        if f in LIST_FIELDS and f != "results":     # keep the stored order (first theme = main theme)
            value = [x for x in old if x in value] + [x for x in value if x not in old]
        setattr(new, f, value)
    if new.type != "praktijk":
        new.label = None
    if {"title", "body"} & set(changed):
        derive_fields(new)
    new.edited_fields = sorted(set(e.edited_fields) | ({f for f in changed if f in CONTENT_FIELDS}))
    return new


def edit_entry(conn: sqlite3.Connection, entry_id: str, changes: dict, *, actor: str, expected_version,
               against: str | None = None, resolutions: dict | None = None) -> dict:
    """Apply a curator's edit. Changed content fields are recorded in `edited_fields`, so that
    ingesting the source again keeps them. A published entry (or one with an open revision) is
    not changed: the edit goes into its pending revision (kb.review). Returns the field diff
    (empty: nothing changed).

    `expected_version` is the edit token the form started from (kb.review.edit_token; a plain
    version number for an entry without revision). When the entry was saved since, the edit is
    refused with VersionConflict, which lists the fields both curators changed. Saved again with
    `against` = the token that conflict reported, only the fields this curator changed are
    applied (the other curator's changes stay); fields both changed need a choice in
    `resolutions` ({field: 'mijn' | 'hun'}), else VersionConflict again.
    Raises VersionConflict, ValidationError or EntryNotFound."""
    with transaction(conn):
        e, rev = working_entry(conn, entry_id)
        if e is None:
            raise EntryNotFound(entry_id)
        stored = get_entry(conn, entry_id) if rev else e
        clean = validate_changes(conn, changes, entry=e)
        current, expected = edit_token(stored, rev), str(expected_version).strip()
        if expected != current:
            base = token_snapshot(conn, entry_id, expected)
            if base is None:
                raise conflict(conn, entry_id, expected, current)
            plan = three_way({f: getattr(base, f) for f in clean}, {f: getattr(e, f) for f in clean}, clean,
                             resolutions if against == current else None)
            if against != current or plan.conflicts:
                raise conflict(conn, entry_id, expected, current, conflicts=plan.conflicts,
                               theirs_only=plan.theirs_only, mine=plan.mine)
            clean = plan.values
        changed = [f for f, v in clean.items() if not same(f, getattr(e, f), v)]
        if not changed:
            return {}
        new = _apply(e, clean, changed)
        if needs_revision(stored, rev):
            return save_revision(conn, stored, rev, new, actor=actor, kind="edit")
        return save_entry(conn, new, actor=actor, action="edit", expected_version=stored.version)


def create_entry(conn: sqlite3.Connection, values: dict, *, actor: str, action: str = "create",
                 details: dict | None = None) -> Entry:
    """A curator's new entry: origin 'curator', status 'concept', id from the title (made unique).
    Its text as first written becomes its source document (kb.documents.add_editorial_document)."""
    values = dict(values)
    values.setdefault("type", "praktijk")
    with transaction(conn):
        clean = validate_changes(conn, values)
        missing = {f: m for f, m in (("title", "Vul een titel in."), ("body", "Vul de tekst van het kennisitem in."))
                   if not clean.get(f)}
        if missing:
            raise ValidationError(missing)
        e = Entry(id=unique_entry_id(conn, slugify(clean["title"])), type=clean["type"], title=clean["title"],
                  body=clean["body"])
        for f, v in clean.items():
            setattr(e, f, v)
        if e.type == "praktijk" and not e.label:
            e.label = "voorbeeld"
        e.status, e.origin = "concept", "curator"
        if document_exists(conn, REDACTIE_PREFIX + e.id):
            raise ValidationError({"title": "Er bestaat al een bron met deze id; kies een andere titel."})
        e.sources = [add_editorial_document(conn, e, actor)]
        derive_fields(e)
        save_entry(conn, e, actor=actor, action=action, expected_version=0, details=details)
        return get_entry(conn, e.id)


def set_status(conn: sqlite3.Connection, entry_id: str, status: str, *, actor: str,
               expected_version: int | None = None, reason: str | None = None) -> dict:
    """Move an entry through the workflow concept -> ter_review -> gepubliceerd -> gearchiveerd
    (and back to concept from ter_review or gearchiveerd). A new version with an audit event.
    Publishing needs someone who is not an author of the concept (kb.review.check_four_eyes;
    a beheerder may publish their own work with `reason`): else ReviewError."""
    with transaction(conn):
        e = get_entry(conn, entry_id)
        if e is None:
            raise EntryNotFound(entry_id)
        check_version(conn, entry_id, e, expected_version)
        action = TRANSITIONS.get(e.status, {}).get(status)
        if action is None:
            allowed = " of ".join(STATUS_LABELS[s] for s in TRANSITIONS.get(e.status, {}))
            raise TransitionError(
                f"Een kennisitem met status '{STATUS_LABELS.get(e.status, e.status)}' kan niet naar "
                f"'{STATUS_LABELS.get(status, status)}'" + (f"; wel naar {allowed}." if allowed else "."))
        details = check_four_eyes(conn, actor, concept_authors(conn, entry_id), reason) if action == "publish" else None
        e.status = status
        e.edited_fields = sorted(set(e.edited_fields) | {"status"})
        return save_entry(conn, e, actor=actor, action=action, expected_version=e.version, details=details)


def restore_version(conn: sqlite3.Connection, entry_id: str, version: int, *, actor: str,
                    expected_version: int) -> dict:
    """Bring back the content of an earlier version as a new version. The status stays as it
    is (status changes go through the workflow); restored fields count as curator edits. Of a
    published entry the restore is a pending revision (kb.review)."""
    with transaction(conn):
        e = get_entry(conn, entry_id)
        if e is None:
            raise EntryNotFound(entry_id)
        rev = open_revision(conn, entry_id)
        if str(expected_version).strip() != edit_token(e, rev):
            raise conflict(conn, entry_id, str(expected_version), edit_token(e, rev))
        row = conn.execute("SELECT data FROM entry_versions WHERE entry_id = ? AND version = ?",
                           (entry_id, int(version))).fetchone()
        if row is None:
            raise ValidationError({"version": f"Versie {version} van dit kennisitem bestaat niet."})
        old = snapshot_entry(json.loads(row[0]))
        restored = Entry(**{**{f: getattr(e, f) for f in e.__dataclass_fields__},
                            **{f: getattr(old, f) for f in (*EDITABLE_FIELDS, "keywords", "chunks", "sources")}})
        if restored.origin != "curator":
            restored.type = e.type
        for f in REFERENCE:                     # only values that still exist in the reference data
            known = _known(conn, f)
            setattr(restored, f, [v for v in getattr(restored, f) if v in known])
        known_docs = document_ids(conn)
        restored.sources = [s for s in restored.sources if s.document_id in known_docs]
        changed = {f for f in CONTENT_FIELDS if getattr(restored, f) != getattr(e, f)}
        restored.edited_fields = sorted(set(e.edited_fields) | changed)
        if needs_revision(e, rev):
            return save_revision(conn, e, rev, restored, actor=actor, kind="restore",
                                 details={"restored_version": int(version)})
        return save_entry(conn, restored, actor=actor, action="restore", expected_version=e.version,
                          details={"restored_version": int(version)})


def keep_curator_work(conn: sqlite3.Connection, old: Entry, new: Entry) -> Entry:
    """What a curator added to an entry that ingesting its source again must not drop: sources
    from a curator's import or text (document origin 'upload' or 'redactie'). kb.loader calls
    this for every re-ingested entry (curator-edited fields are kept by kb.loader itself)."""
    have = {(s.document_id, s.heading, s.start, s.end) for s in new.sources}
    kept = [s for s in old.sources if (s.document_id, s.heading, s.start, s.end) not in have
            and document_origin(conn, s.document_id) in ("upload", "redactie")]
    if kept:
        new.sources = list(new.sources) + kept
    return new


# ---------------------------------------------------------------- read models of the curation pages

def status_counts(conn: sqlite3.Connection) -> dict[str, int]:
    """Entries per status (every status, zero included), in workflow order."""
    counts = {s: 0 for s in STATUSES}
    for r in conn.execute("SELECT status, count(*) FROM entries GROUP BY status"):
        counts[r[0]] = r[1]
    return counts


def form_choices(conn: sqlite3.Connection) -> dict:
    """The options of the entry form, from the reference data in the database."""
    tax: dict[str, list] = {"actielijn": [], "thema": [], "branche": []}
    for r in conn.execute("SELECT kind, id, label FROM taxonomy ORDER BY kind, ord"):
        tax[r["kind"]].append((r["id"], r["label"]))
    regions = [(r["id"], r["name"] if r["number"] is None else f"{r['name']} ({r['number']})")
               for r in conn.execute("SELECT id, name, number FROM regions ORDER BY number IS NULL, number")]
    orgs = [(r["id"], r["name"]) for r in conn.execute("SELECT id, name FROM organisations ORDER BY name COLLATE NOCASE")]
    return {"actielijnen": tax["actielijn"], "themes": tax["thema"], "branches": tax["branche"], "regions": regions,
            "organisations": orgs, "types": ENTRY_TYPES, "labels": PRACTICE_LABELS, "audiences": AUDIENCES}
