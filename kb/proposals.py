"""Importing a document for curation: upload -> proposals -> a curator's decision per proposal.

    upload(conn, data, filename, ...)   read the bytes, split them into proposed entries by their
                                        layout headings (ingest.pipeline.parse_import, in a parse
                                        worker when the caller runs one), score each draft against
                                        the knowledge base with the `find_duplicates` function it
                                        is given (search.duplicates), store the batch and its
                                        proposals. No entry is created or changed.
    accept(conn, proposal_id, ...)      a new entry, status 'concept' (never published here)
    merge(conn, proposal_id, ...)       the proposal's new sentences, results, regions, ... and its
                                        source added to the existing entry (nothing twice); status
                                        unchanged; into a published entry as a pending revision
    reject(conn, proposal_id, ...)      recorded, nothing else

The uploaded document enters the `documents` table only when a proposal is taken over (its
entries cite it). Such documents are not segmented again by `praktijkwijzer ingest`
(kb.documents.list_documents leaves them out): for them, curators decide. For the same
reason `praktijkwijzer ingest` refuses a file whose content was imported here
(`ingest_refusal`): it would bypass the near-duplicate check.
"""
from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import asdict, dataclass, field
from typing import Callable

from ingest.errors import IngestError
from ingest.model import Draft, Source, slugify
from ingest.pipeline import parse_import
from ingest.readers import RawDocument
from ingest.worker import in_process
from ingest.registry import Registry
from kb.audit import audit, now
from kb.db import transaction
from kb.entries import EntryNotFound, check_version, derive_fields, get_entry, save_entry, unique_entry_id
from kb.merging import merge_results, merge_text
from kb.models import CONTENT_FIELDS, Entry
from kb.review import needs_revision, save_revision, working_entry
from kb.registry import organisation_gazetteer, upsert_organisation

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
PROPOSAL_STATUSES = ("pending", "accepted", "merged", "rejected")
PROPOSAL_LABELS = {"pending": "open", "accepted": "overgenomen", "merged": "samengevoegd", "rejected": "afgewezen"}


@dataclass
class Match:
    """The entry most like a proposal, with the scores that say how alike."""
    entry_id: str
    semantic: float          # cosine similarity of the texts' embeddings
    lexical: float           # 0..1 word overlap (tf-idf cosine of stemmed words)
    title: float             # 0..1 title similarity
    score: float             # combined
    is_duplicate: bool       # score >= the calibrated threshold


DuplicateFinder = Callable[[list[Draft]], list["Match | None"]]


class ProposalError(Exception):
    """A curation step that cannot be done; `str(err)` is Dutch."""


class AlreadyImported(ProposalError):
    """The same content was read before. `str(err)` is the web's message; `reason` only says
    where it was read before (a front end adds how to read it again anyway)."""

    def __init__(self, message: str, *, batch_id: int | None = None, document_id: str | None = None,
                 reason: str | None = None):
        super().__init__(message)
        self.batch_id, self.document_id, self.reason = batch_id, document_id, reason or message


@dataclass
class Proposal:
    id: int
    batch_id: int
    ord: int
    draft: Draft
    duplicate_of: str | None
    semantic_score: float | None
    lexical_score: float | None
    title_score: float | None
    score: float | None
    is_duplicate: bool
    status: str
    entry_id: str | None
    decided_by: str | None
    decided_at: str | None


@dataclass
class Batch:
    id: int
    filename: str
    format: str
    sha256: str
    document_id: str
    title: str
    text: str
    uploaded_by: str
    created_at: str
    organisations: list = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    proposals: list[Proposal] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        out = {s: 0 for s in PROPOSAL_STATUSES}
        for p in self.proposals:
            out[p.status] += 1
        out["duplicates"] = sum(p.is_duplicate for p in self.proposals)
        return out


# ---------------------------------------------------------------- reading back

def draft_from_json(raw: str) -> Draft:
    d = json.loads(raw)
    d["sources"] = [Source(**s) for s in d.get("sources", [])]
    return Draft(**d)


def _proposal(r: sqlite3.Row) -> Proposal:
    return Proposal(id=r["id"], batch_id=r["batch_id"], ord=r["ord"], draft=draft_from_json(r["draft"]),
                    duplicate_of=r["duplicate_of"], semantic_score=r["semantic_score"],
                    lexical_score=r["lexical_score"], title_score=r["title_score"],
                    score=r["score"], is_duplicate=bool(r["is_duplicate"]), status=r["status"],
                    entry_id=r["entry_id"], decided_by=r["decided_by"], decided_at=r["decided_at"])


def get_batch(conn: sqlite3.Connection, batch_id: int, *, with_proposals: bool = True) -> Batch | None:
    r = conn.execute("SELECT * FROM import_batches WHERE id = ?", (int(batch_id),)).fetchone()
    if r is None:
        return None
    b = Batch(id=r["id"], filename=r["filename"], format=r["format"], sha256=r["sha256"],
              document_id=r["document_id"], title=r["title"], text=r["text"], uploaded_by=r["uploaded_by"],
              created_at=r["created_at"], organisations=json.loads(r["organisations"]),
              warnings=json.loads(r["warnings"]))
    if with_proposals:
        b.proposals = [_proposal(p) for p in conn.execute(
            "SELECT * FROM proposals WHERE batch_id = ? ORDER BY ord", (b.id,))]
    return b


def list_batches(conn: sqlite3.Connection) -> list[Batch]:
    return [get_batch(conn, r[0]) for r in conn.execute("SELECT id FROM import_batches ORDER BY id DESC")]


def pending_count(conn: sqlite3.Connection) -> int:
    """Proposals that still wait for a curator's decision."""
    return conn.execute("SELECT count(*) FROM proposals WHERE status = 'pending'").fetchone()[0]


def get_proposal(conn: sqlite3.Connection, proposal_id: int) -> Proposal | None:
    r = conn.execute("SELECT * FROM proposals WHERE id = ?", (int(proposal_id),)).fetchone()
    return _proposal(r) if r else None


# ---------------------------------------------------------------- upload

def previous_import(conn: sqlite3.Connection, sha256: str) -> str | None:
    """A Dutch sentence naming where these exact bytes were read before, or None."""
    doc = conn.execute("SELECT id, title, ingested_at FROM documents WHERE sha256 = ? ORDER BY id",
                       (sha256,)).fetchone()
    if doc:
        return (f"Dit bestand staat al in de kennisbank als document '{doc['title']}' "
                f"(ingelezen op {doc['ingested_at'][:10]}).")
    b = conn.execute("SELECT id, filename, uploaded_by, created_at FROM import_batches WHERE sha256 = ? "
                     "ORDER BY id DESC", (sha256,)).fetchone()
    if b:
        return (f"Dit bestand is al eerder geüpload als '{b['filename']}' door {b['uploaded_by']} "
                f"op {b['created_at'][:10]} (import {b['id']}).")
    return None


def import_of(conn: sqlite3.Connection, sha256: str, text: str | None = None) -> sqlite3.Row | None:
    """The latest import batch of this content: the same bytes, or the same extracted text
    (the same document saved again)."""
    b = conn.execute("SELECT id, filename, uploaded_by, created_at FROM import_batches WHERE sha256 = ? "
                     "ORDER BY id DESC", (sha256,)).fetchone()
    if b is None and text:
        b = conn.execute("SELECT id, filename, uploaded_by, created_at FROM import_batches WHERE text = ? "
                         "ORDER BY id DESC", (text,)).fetchone()
    return b


def ingest_refusal(conn: sqlite3.Connection, raw: RawDocument, document_id: str) -> str | None:
    """Why `praktijkwijzer ingest` must not read this file as a source, in Dutch, or None.

    A file whose content a curator imported on the web is decided on per proposal there (with
    the near-duplicate check); ingesting it as a source would skip that check and create
    concepts beside the entries taken over, revive rejected proposals and re-point sources.
    A document that already is a source of the knowledge base (same id, same content) is not
    refused: ingesting it again changes nothing."""
    if conn.execute("SELECT 1 FROM documents WHERE id = ? AND sha256 = ?", (document_id, raw.sha256)).fetchone():
        return None
    b = import_of(conn, raw.sha256, raw.text)
    if b is None:
        return None
    return (f"Het bestand '{raw.path.name}' is al op de website geïmporteerd als '{b['filename']}' door "
            f"{b['uploaded_by']} op {b['created_at'][:10]} (import {b['id']}). Curatoren beslissen per voorstel "
            f"op /beheer/import/{b['id']}; 'praktijkwijzer ingest' leest het niet nog eens in, zodat er geen "
            "dubbele kennisitems ontstaan. Een nieuwe versie van dit document leest u in met "
            "'praktijkwijzer import PAD'.")


_AGAIN = " Er zijn geen nieuwe voorstellen gemaakt; kies 'Toch inlezen' om het bestand opnieuw te beoordelen."


def upload(conn: sqlite3.Connection, data: bytes, filename: str, *, actor: str, find_duplicates: DuplicateFinder,
           registry: Registry | None = None, force: bool = False, max_bytes: int = MAX_UPLOAD_BYTES,
           run: Callable = in_process) -> Batch:
    """Read an uploaded document and store its proposals. Raises IngestError (unreadable, too
    large, unsupported, over a parse limit; Dutch) or AlreadyImported (same bytes or same text
    as before, unless `force`). `run` runs the parsing (ingest.pipeline.parse_import): a
    server passes its parse pool (ingest.worker.ParsePool.run, time and memory limits); the
    default runs it here."""
    filename = (filename or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    if not filename:
        raise IngestError("Kies een bestand om te uploaden.")
    sha = hashlib.sha256(data).hexdigest()
    seen = previous_import(conn, sha)
    if seen and not force:
        b = conn.execute("SELECT id FROM import_batches WHERE sha256 = ? ORDER BY id DESC", (sha,)).fetchone()
        raise AlreadyImported(seen + _AGAIN, batch_id=b[0] if b else None, reason=seen)
    parsed = run(parse_import, data, filename, organisation_gazetteer(conn), registry=registry, max_bytes=max_bytes,
                 name=filename)
    raw, doc_id, title, built = parsed.raw, parsed.doc_id, parsed.title, parsed.built
    same_text = None if force else import_of(conn, "", raw.text)
    if same_text is not None:
        reason = (f"Dit document is al eerder geüpload (met precies dezelfde tekst) als '{same_text['filename']}' "
                  f"door {same_text['uploaded_by']} op {same_text['created_at'][:10]} (import {same_text['id']}).")
        raise AlreadyImported(reason + _AGAIN, batch_id=same_text["id"], reason=reason)
    if not built.drafts:
        raise IngestError(f"In '{filename}' is geen onderdeel herkend dat een kennisitem kan worden "
                          "(geen koppen met tekst eronder).")
    matches = find_duplicates(built.drafts)
    organisations = [{"name": n, "regions": r} for n, r, _ in built.organisations]
    with transaction(conn):
        cur = conn.execute(
            "INSERT INTO import_batches (filename, format, sha256, document_id, title, text, organisations, "
            "warnings, uploaded_by, created_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
            (filename, raw.format, raw.sha256, doc_id, title, raw.text,
             json.dumps(organisations, ensure_ascii=False), json.dumps(raw.warnings + built.warnings, ensure_ascii=False),
             actor, now()))
        batch_id = cur.lastrowid
        for i, (d, m) in enumerate(zip(built.drafts, matches)):
            d.status = "concept"
            conn.execute(
                "INSERT INTO proposals (batch_id, ord, draft, duplicate_of, semantic_score, lexical_score, title_score, "
                "score, is_duplicate) VALUES (?,?,?,?,?,?,?,?,?)",
                (batch_id, i, json.dumps(asdict(d), ensure_ascii=False), m.entry_id if m else None,
                 m.semantic if m else None, m.lexical if m else None, m.title if m else None, m.score if m else None,
                 int(bool(m and m.is_duplicate))))
        audit(conn, actor, "import_upload", "import", str(batch_id),
              {"filename": filename, "sha256": raw.sha256, "proposals": len(built.drafts),
               "duplicates": sum(bool(m and m.is_duplicate) for m in matches), "forced": bool(seen)})
    return get_batch(conn, batch_id)


# ---------------------------------------------------------------- decisions

def _pending(conn: sqlite3.Connection, proposal_id: int) -> tuple[Proposal, Batch]:
    p = get_proposal(conn, proposal_id)
    if p is None:
        raise ProposalError(f"Voorstel {proposal_id} bestaat niet.")
    if p.status != "pending":
        raise ProposalError(f"Over dit voorstel is al beslist: {PROPOSAL_LABELS[p.status]} door {p.decided_by} "
                            f"op {(p.decided_at or '')[:10]}.")
    return p, get_batch(conn, p.batch_id, with_proposals=False)


def _decide(conn: sqlite3.Connection, p: Proposal, status: str, actor: str, entry_id: str | None) -> None:
    cur = conn.execute("UPDATE proposals SET status = ?, entry_id = ?, decided_by = ?, decided_at = ? "
                       "WHERE id = ? AND status = 'pending'", (status, entry_id, actor, now(), p.id))
    if cur.rowcount != 1:
        raise ProposalError("Over dit voorstel is in de tussentijd al beslist.")


def _ensure_document(conn: sqlite3.Connection, b: Batch) -> None:
    if conn.execute("SELECT 1 FROM documents WHERE id = ?", (b.document_id,)).fetchone():
        return
    conn.execute("INSERT INTO documents (id, path, title, publisher, date, licence, format, encoding, sha256, text, "
                 "ingested_at) VALUES (?,?,?,NULL,NULL,NULL,?,NULL,?,?,?)",
                 (b.document_id, f"upload/{b.filename}", b.title, b.format, b.sha256, b.text, now()))


def _known_references(conn: sqlite3.Connection, d: Draft, b: Batch) -> None:
    """Keep taxonomy, regions and organisations the database knows; add the document's own
    organisations (e.g. an evaluation's respondents) when the draft names them."""
    new_orgs = {slugify(o["name"]): o for o in b.organisations}
    for oid in d.organisations:
        if oid in new_orgs and not conn.execute("SELECT 1 FROM organisations WHERE id = ?", (oid,)).fetchone():
            upsert_organisation(conn, new_orgs[oid]["name"], source=b.document_id, regions=new_orgs[oid]["regions"])
    for f, sql in (("actielijnen", "SELECT id FROM taxonomy WHERE kind = 'actielijn'"),
                   ("themes", "SELECT id FROM taxonomy WHERE kind = 'thema'"),
                   ("branches", "SELECT id FROM taxonomy WHERE kind = 'branche'"),
                   ("regions", "SELECT id FROM regions"), ("organisations", "SELECT id FROM organisations")):
        known = {r[0] for r in conn.execute(sql)}
        setattr(d, f, [v for v in getattr(d, f) if v in known])


def accept(conn: sqlite3.Connection, proposal_id: int, *, actor: str) -> Entry:
    """Take a proposal over as a new entry with status 'concept'."""
    with transaction(conn):
        p, b = _pending(conn, proposal_id)
        _ensure_document(conn, b)
        d = p.draft
        _known_references(conn, d, b)
        e = Entry.from_draft(d)
        e.id = unique_entry_id(conn, d.id)
        e.status, e.origin, e.edited_fields = "concept", "curator", []
        save_entry(conn, e, actor=actor, action="accept", expected_version=0,
                   details={"proposal": p.id, "import": b.id, "filename": b.filename})
        _decide(conn, p, "accepted", actor, e.id)
        return get_entry(conn, e.id)


def merged_entry(existing: Entry, d: Draft) -> Entry:
    """The existing entry with what the proposal adds: the sentences of its text that the entry
    does not say yet and the results it does not state yet (kb.merging: nothing twice), and its
    taxonomy, regions, organisations and source."""
    e = Entry(**{f: getattr(existing, f) for f in existing.__dataclass_fields__})
    e.body = merge_text(e.body, d.body)
    e.results = merge_results(existing.results, d.results)
    for f in ("actielijnen", "themes", "branches", "regions", "organisations"):
        setattr(e, f, list(dict.fromkeys(getattr(existing, f) + getattr(d, f))))
    if not e.summary and d.summary:
        e.summary = d.summary
    known = {(s.document_id, s.heading, s.start, s.end) for s in e.sources}
    e.sources = e.sources + [s for s in d.sources if (s.document_id, s.heading, s.start, s.end) not in known]
    return e


def merge(conn: sqlite3.Connection, proposal_id: int, *, actor: str, entry_id: str | None = None,
          expected_version: int | None = None) -> Entry:
    """Merge a proposal into an existing entry (default: its near-duplicate); the entry's status
    does not change. Into a published entry the merge is a pending revision (kb.review) that
    another curator approves; otherwise a new version. Returns the entry as curators now edit it
    (the revision's proposal, or the new version)."""
    with transaction(conn):
        p, b = _pending(conn, proposal_id)
        target = entry_id or p.duplicate_of
        if not target:
            raise ProposalError("Dit voorstel lijkt op geen bestaand kennisitem; kies een kennisitem om het mee "
                                "samen te voegen, of neem het over als nieuw kennisitem.")
        existing = get_entry(conn, target)
        if existing is None:
            raise EntryNotFound(target)
        check_version(conn, target, existing, expected_version)
        _ensure_document(conn, b)
        d = p.draft
        _known_references(conn, d, b)
        working, rev = working_entry(conn, target)
        e = merged_entry(working, d)
        if e.body != working.body:
            derive_fields(e)
        changed = {f for f in CONTENT_FIELDS if getattr(e, f) != getattr(working, f)}
        e.edited_fields = sorted(set(working.edited_fields) | changed)
        details = {"proposal": p.id, "import": b.id, "filename": b.filename}
        if needs_revision(existing, rev):
            save_revision(conn, existing, rev, e, actor=actor, kind="merge", details=details)
        else:
            save_entry(conn, e, actor=actor, action="merge", expected_version=existing.version, details=details)
        _decide(conn, p, "merged", actor, target)
        return working_entry(conn, target)[0]


def reject(conn: sqlite3.Connection, proposal_id: int, *, actor: str) -> Proposal:
    with transaction(conn):
        p, b = _pending(conn, proposal_id)
        _decide(conn, p, "rejected", actor, None)
        audit(conn, actor, "reject", "proposal", str(p.id),
              {"import": b.id, "title": p.draft.title, "duplicate_of": p.duplicate_of})
    return get_proposal(conn, proposal_id)
