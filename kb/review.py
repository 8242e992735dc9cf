"""Four-eyes review and revisions of published entries.

What the public sees changes only after a second person looked at it:

* a concept is published (ter_review -> gepubliceerd, kb.curation.set_status) only by a curator
  who is not one of its authors: everyone who created, edited, merged into or restored it since
  it was last published (the submitter when nobody changed it);
* an edit, a merge or a restore of a published entry does not change the entry: it becomes a
  pending *revision* (one open revision per entry, shared by every curator who works on it,
  each save a numbered state in revision_versions). The public (search, entry page, API,
  source pages) keeps reading the published entry. Approving the revision, again by someone
  who did not author it, applies its changes as a new version of the entry;
* a beheerder may publish or approve their own work with a reason (at least 10 characters);
  the audit event keeps the reason and the authors.

Edit tokens: a form carries the state it started from, "12" (entry version 12) or "12.3.4"
(version 12 with state 4 of open revision 3), so that a later save can be checked and merged
against it (kb.threeway).
"""
from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field

from kb.audit import audit, now
from kb.db import transaction
from kb.entries import (EntryNotFound, VersionConflict, derive_fields, entry_version, field_diff, get_entry,
                        save_entry, snapshot_data, snapshot_entry)
from kb.models import ASSESSMENT_FIELDS, CONTENT_FIELDS, Entry
from kb.threeway import same
from kb.users import get_user

PUBLISHED = "gepubliceerd"
# Actions whose actor counts as an author of a concept's content.
AUTHOR_ACTIONS = ("create", "edit", "accept", "merge", "restore")
SYSTEM_ACTORS = ("ingest",)
# What a revision may change: the content, not the workflow status.
REVISION_FIELDS = tuple(f for f in CONTENT_FIELDS if f != "status")
MIN_REASON = 10
KIND_LABELS = {"edit": "bewerking", "merge": "samenvoeging met een import", "restore": "herstel van een oude versie"}


class ReviewError(ValueError):
    """A review step that the four-eyes rule or the revision's state does not allow (Dutch)."""


@dataclass
class Revision:
    id: int
    entry_id: str
    base_version: int
    kind: str
    status: str
    seq: int
    authors: list[str]
    details: dict
    created_by: str
    created_at: str
    updated_at: str
    decided_by: str | None
    decided_at: str | None
    reason: str | None
    published_version: int | None
    entry: Entry = field(repr=False, default=None)     # the proposed entry, latest state

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)


# ---------------------------------------------------------------- reading

def _revision(conn: sqlite3.Connection, r: sqlite3.Row) -> Revision:
    data = conn.execute("SELECT data FROM revision_versions WHERE revision_id = ? AND seq = ?",
                        (r["id"], r["seq"])).fetchone()[0]
    return Revision(id=r["id"], entry_id=r["entry_id"], base_version=r["base_version"], kind=r["kind"],
                    status=r["status"], seq=r["seq"], authors=json.loads(r["authors"]), details=json.loads(r["details"]),
                    created_by=r["created_by"], created_at=r["created_at"], updated_at=r["updated_at"],
                    decided_by=r["decided_by"], decided_at=r["decided_at"], reason=r["reason"],
                    published_version=r["published_version"], entry=snapshot_entry(json.loads(data)))


def open_revision(conn: sqlite3.Connection, entry_id: str) -> Revision | None:
    r = conn.execute("SELECT * FROM entry_revisions WHERE entry_id = ? AND status = 'open'", (entry_id,)).fetchone()
    return _revision(conn, r) if r else None


def revisions_of(conn: sqlite3.Connection, entry_id: str) -> list[Revision]:
    """Every revision of an entry, newest first."""
    return [_revision(conn, r) for r in conn.execute(
        "SELECT * FROM entry_revisions WHERE entry_id = ? ORDER BY id DESC", (entry_id,))]


def _with_entry_state(proposed: Entry, e: Entry) -> Entry:
    """A revision's proposed entry with what is not part of a revision (version, status, origin,
    recognition) taken from the stored entry."""
    for f in ("version", "created_at", "updated_at", "status", "origin", *ASSESSMENT_FIELDS):
        setattr(proposed, f, getattr(e, f))
    return proposed


def working_entry(conn: sqlite3.Connection, entry_id: str) -> tuple[Entry | None, Revision | None]:
    """What curators edit: the open revision's proposed entry if there is one, else the entry."""
    e = get_entry(conn, entry_id)
    if e is None:
        return None, None
    rev = open_revision(conn, entry_id)
    if rev is None:
        return e, None
    return _with_entry_state(rev.entry, e), rev


def edit_token(e: Entry, rev: Revision | None) -> str:
    return f"{e.version}.{rev.id}.{rev.seq}" if rev else str(e.version)


def parse_token(value) -> tuple[int, int | None, int | None] | None:
    """'12' -> (12, None, None); '12.3.4' -> (12, 3, 4); anything else -> None."""
    parts = str(value if value is not None else "").strip().split(".")
    try:
        nums = [int(p) for p in parts]
    except ValueError:
        return None
    if len(nums) == 1:
        return nums[0], None, None
    if len(nums) == 3:
        return nums[0], nums[1], nums[2]
    return None


def token_label(token: str) -> str:
    """'12' -> '12'; '12.3.4' -> '12 met wijziging ter review (stand 4)'."""
    t = parse_token(token)
    if t is None or t[1] is None:
        return str(token)
    return f"{t[0]} met wijziging ter review (stand {t[2]})"


def token_snapshot(conn: sqlite3.Connection, entry_id: str, token: str) -> Entry | None:
    """The entry as it was at an edit token (the base of a three-way merge)."""
    t = parse_token(token)
    if t is None:
        return None
    if t[1] is None:
        v = entry_version(conn, entry_id, t[0])
        return snapshot_entry(v["data"]) if v else None
    r = conn.execute("SELECT v.data FROM revision_versions v JOIN entry_revisions r ON r.id = v.revision_id "
                     "WHERE r.entry_id = ? AND v.revision_id = ? AND v.seq = ?", (entry_id, t[1], t[2])).fetchone()
    return snapshot_entry(json.loads(r[0])) if r else None


def token_actor(conn: sqlite3.Connection, entry_id: str, token: str) -> str | None:
    """Who saved the state an edit token names."""
    t = parse_token(token)
    if t is None:
        return None
    if t[1] is None:
        v = entry_version(conn, entry_id, t[0])
        return v["actor"] if v else None
    r = conn.execute("SELECT actor FROM revision_versions WHERE revision_id = ? AND seq = ?", (t[1], t[2])).fetchone()
    return r[0] if r else None


def conflict(conn: sqlite3.Connection, entry_id: str, expected: str, current: str, **kw) -> VersionConflict:
    return VersionConflict(entry_id, token_label(expected), token_label(current),
                           token_actor(conn, entry_id, current), **kw)


# ---------------------------------------------------------------- four eyes

def is_beheerder(conn: sqlite3.Connection, username: str) -> bool:
    u = get_user(conn, username)
    return bool(u and u.active and u.is_beheerder)


def concept_authors(conn: sqlite3.Connection, entry_id: str) -> list[str]:
    """Who wrote what would be published: the actors of content changes since the entry was last
    published (people only); when nobody changed it, whoever submitted it for review."""
    last = conn.execute("SELECT coalesce(max(id), 0) FROM audit_events WHERE entity = 'entry' AND entity_id = ? "
                        "AND action IN ('publish', 'approve')", (entry_id,)).fetchone()[0]
    rows = conn.execute("SELECT actor, action FROM audit_events WHERE entity = 'entry' AND entity_id = ? AND id > ? "
                        "ORDER BY id", (entry_id, last)).fetchall()
    authors = [r[0] for r in rows if r[1] in AUTHOR_ACTIONS and r[0] not in SYSTEM_ACTORS]
    if not authors:
        authors = [r[0] for r in rows if r[1] == "submit"]
    return list(dict.fromkeys(authors))


def may_publish(conn: sqlite3.Connection, actor: str, authors: list[str]) -> str:
    """'ja' (someone else's work), 'reden' (own work, a beheerder: only with a reason) or 'nee'."""
    if actor not in authors:
        return "ja"
    return "reden" if is_beheerder(conn, actor) else "nee"


def check_four_eyes(conn: sqlite3.Connection, actor: str, authors: list[str], reason: str | None) -> dict:
    """Raise ReviewError unless `actor` may publish the work of `authors`; returns the details
    for the audit event (authors, and a beheerder's override with its reason)."""
    details: dict = {"authors": authors}
    verdict = may_publish(conn, actor, authors)
    if verdict == "ja":
        return details
    if verdict == "nee":
        raise ReviewError("U kunt uw eigen werk niet publiceren: een andere curator beoordeelt het en publiceert. "
                          f"Auteurs: {', '.join(authors)}.")
    reason = (reason or "").strip()
    if len(reason) < MIN_REASON:
        raise ReviewError("U publiceert uw eigen werk. Als beheerder mag dat alleen met een reden (minstens "
                          f"{MIN_REASON} tekens); die komt in het auditlog.")
    return details | {"override": True, "reason": reason[:1000]}


# ---------------------------------------------------------------- saving a revision

def needs_revision(e: Entry, rev: Revision | None) -> bool:
    """Changes to a published entry (or one with an open revision) go into a revision."""
    return rev is not None or e.status == PUBLISHED


def _same_content(a: Entry, b: Entry) -> bool:
    return all(same(f, getattr(a, f), getattr(b, f)) for f in REVISION_FIELDS) and a.sources == b.sources


def save_revision(conn: sqlite3.Connection, e: Entry, rev: Revision | None, proposed: Entry, *, actor: str,
                  kind: str, details: dict | None = None) -> dict:
    """Store `proposed` as the new state of the entry's open revision (created when there is
    none). Returns the field diff against the previous working state (empty: nothing changed).
    A revision that comes back to the published content is withdrawn."""
    with transaction(conn):
        before = _with_entry_state(rev.entry, e) if rev else e
        proposed = _with_entry_state(proposed, e)
        diff = {k: v for k, v in field_diff(before, proposed).items() if k != "status"}
        if not diff:
            return {}
        ts = now()
        if rev is not None and _same_content(proposed, e):
            conn.execute("UPDATE entry_revisions SET status = 'withdrawn', decided_by = ?, decided_at = ?, reason = ?, "
                         "updated_at = ? WHERE id = ?", (actor, ts, "gelijk aan de gepubliceerde versie", ts, rev.id))
            audit(conn, actor, "withdraw", "entry", e.id, {"revision": rev.id, "changes": diff})
            return diff
        data = json.dumps(snapshot_data(proposed), ensure_ascii=False)
        extra = dict(rev.details if rev else {})
        for k, v in (details or {}).items():
            extra.setdefault(k, [])
            extra[k] = extra[k] + [v]
        if rev is None:
            cur = conn.execute(
                "INSERT INTO entry_revisions (entry_id, base_version, kind, status, seq, authors, details, created_by, "
                "created_at, updated_at) VALUES (?,?,?,'open',1,?,?,?,?,?)",
                (e.id, e.version, kind, json.dumps([actor]), json.dumps(extra, ensure_ascii=False), actor, ts, ts))
            rev_id, seq = cur.lastrowid, 1
        else:
            rev_id, seq = rev.id, rev.seq + 1
            authors = list(dict.fromkeys(rev.authors + [actor]))
            conn.execute("UPDATE entry_revisions SET seq = ?, authors = ?, details = ?, updated_at = ? WHERE id = ?",
                         (seq, json.dumps(authors), json.dumps(extra, ensure_ascii=False), ts, rev_id))
        conn.execute("INSERT INTO revision_versions (revision_id, seq, data, actor, created_at) VALUES (?,?,?,?,?)",
                     (rev_id, seq, data, actor, ts))
        audit(conn, actor, "revise", "entry", e.id, {**(details or {}), "revision": rev_id, "seq": seq, "kind": kind,
                                                     "changes": {k: v for k, v in diff.items() if k != "chunks"}})
        return diff


# ---------------------------------------------------------------- approving and rejecting

def last_published(conn: sqlite3.Connection, entry_id: str) -> Entry | None:
    """The entry as it was last published (from its versions), or None if it never was."""
    for r in conn.execute("SELECT data FROM entry_versions WHERE entry_id = ? ORDER BY version DESC", (entry_id,)):
        data = json.loads(r[0])
        if data.get("status") == PUBLISHED:
            return snapshot_entry(data)
    return None


def apply_revision(conn: sqlite3.Connection, current: Entry, rev: Revision) -> Entry:
    """The entry after approving `rev`: the fields the revision changed (against the version it
    started from) take its values; what changed meanwhile elsewhere (re-ingestion) is kept."""
    base_v = entry_version(conn, current.id, rev.base_version)
    base = snapshot_entry(base_v["data"]) if base_v else current
    proposed = rev.entry
    new = Entry(**{f: getattr(current, f) for f in current.__dataclass_fields__})
    changed = [f for f in REVISION_FIELDS if not same(f, getattr(base, f), getattr(proposed, f))]
    for f in changed:
        setattr(new, f, getattr(proposed, f))
    added = [s for s in proposed.sources if s not in base.sources and s not in current.sources]
    new.sources = list(current.sources) + added
    if {"title", "body"} & set(changed):
        if new.title == proposed.title and new.body == proposed.body:
            new.keywords, new.chunks = list(proposed.keywords), list(proposed.chunks)
        else:
            derive_fields(new)
    content = {f for f in changed if f in CONTENT_FIELDS} | ({"sources"} if added else set())
    new.edited_fields = sorted(set(current.edited_fields) | (content - {"sources"}))
    return new


def approve_revision(conn: sqlite3.Connection, entry_id: str, *, actor: str, revision_id: int, seq: int,
                     reason: str | None = None) -> dict:
    """Apply an open revision as a new version of the entry (what the public sees from now on).
    `revision_id` and `seq` name the state the reviewer saw; a later change is refused."""
    with transaction(conn):
        e = get_entry(conn, entry_id)
        if e is None:
            raise EntryNotFound(entry_id)
        rev = open_revision(conn, entry_id)
        if rev is None or rev.id != int(revision_id):
            raise ReviewError("Deze wijziging staat niet meer open: iemand heeft haar intussen goedgekeurd, "
                              "afgewezen of ingetrokken.")
        if rev.seq != int(seq):
            raise ReviewError(f"De wijziging is aangepast terwijl u haar bekeek (nu stand {rev.seq}, u zag stand {seq}). "
                              "Bekijk de verschillen opnieuw voordat u goedkeurt.")
        details = check_four_eyes(conn, actor, rev.authors, reason)
        new = apply_revision(conn, e, rev)
        diff = save_entry(conn, new, actor=actor, action="approve", expected_version=e.version,
                          details=details | {"revision": rev.id, "seq": rev.seq, "kind": rev.kind})
        ts = now()
        conn.execute("UPDATE entry_revisions SET status = 'approved', decided_by = ?, decided_at = ?, reason = ?, "
                     "published_version = ?, updated_at = ? WHERE id = ?",
                     (actor, ts, details.get("reason"), get_entry(conn, entry_id).version, ts, rev.id))
        return diff


def reject_revision(conn: sqlite3.Connection, entry_id: str, *, actor: str, revision_id: int,
                    reason: str = "") -> Revision:
    """Close an open revision without applying it: 'withdrawn' when one of its authors does it,
    'rejected' (with the reason for its authors) when a reviewer does."""
    with transaction(conn):
        rev = open_revision(conn, entry_id)
        if rev is None or rev.id != int(revision_id):
            raise ReviewError("Deze wijziging staat niet meer open.")
        status = "withdrawn" if actor in rev.authors else "rejected"
        reason = (reason or "").strip()[:1000]
        ts = now()
        conn.execute("UPDATE entry_revisions SET status = ?, decided_by = ?, decided_at = ?, reason = ?, updated_at = ? "
                     "WHERE id = ?", (status, actor, ts, reason or None, ts, rev.id))
        audit(conn, actor, "withdraw" if status == "withdrawn" else "reject_revision", "entry", entry_id,
              {"revision": rev.id, "seq": rev.seq, "reason": reason, "authors": rev.authors})
        return _revision(conn, conn.execute("SELECT * FROM entry_revisions WHERE id = ?", (rev.id,)).fetchone())


# ---------------------------------------------------------------- what reviewers see

@dataclass
class ReviewView:
    kind: str                      # 'revision' (of a published entry) or 'concept' (ter review)
    entry: Entry                   # as stored now
    published: Entry | None        # what the public sees (or last saw); None: never published
    proposed: Entry                # what would be published
    diff: dict                     # field -> [published, proposed]; only fields that differ
    authors: list[str]
    revision: Revision | None = None


def _visible_diff(old: Entry | None, new: Entry) -> dict:
    diff = field_diff(old, new)
    return {k: v for k, v in diff.items() if k != "status" and (v[0] not in (None, "", []) or v[1] not in ("", []))}


def review_view(conn: sqlite3.Connection, entry_id: str) -> ReviewView | None:
    """The review screen of an entry: its open revision, or the concept that is ter review."""
    e = get_entry(conn, entry_id)
    if e is None:
        return None
    rev = open_revision(conn, entry_id)
    if rev is not None:
        proposed = apply_revision(conn, e, rev)
        return ReviewView("revision", e, e, proposed, _visible_diff(e, proposed), rev.authors, rev)
    if e.status == "ter_review":
        published = last_published(conn, entry_id)
        return ReviewView("concept", e, published, e, _visible_diff(published, e), concept_authors(conn, entry_id))
    return None


def review_queue(conn: sqlite3.Connection) -> list[dict]:
    """What waits for a second curator, oldest first: concepts ter review and open revisions
    ({entry_id, title, kind, authors, since})."""
    out = []
    for r in conn.execute("SELECT id, title, updated_at FROM entries WHERE status = 'ter_review'"):
        out.append({"entry_id": r["id"], "title": r["title"], "kind": "concept",
                    "authors": concept_authors(conn, r["id"]), "since": r["updated_at"]})
    for r in conn.execute("SELECT r.entry_id, e.title, r.authors, r.updated_at, r.kind FROM entry_revisions r "
                          "JOIN entries e ON e.id = r.entry_id WHERE r.status = 'open'"):
        out.append({"entry_id": r["entry_id"], "title": r["title"], "kind": "revision",
                    "revision_kind": KIND_LABELS.get(r["kind"], r["kind"]), "authors": json.loads(r["authors"]),
                    "since": r["updated_at"]})
    return sorted(out, key=lambda x: (x["since"], x["entry_id"]))
