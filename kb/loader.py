"""Loading documents into the knowledge base: idempotent and all or nothing.

    ingest(conn, paths) reads every file first (ingest.pipeline); if any cannot be read,
    nothing is written. Then, in one transaction, the reference data is synchronised,
    documents are stored, every stored document is segmented again, and the drafts are
    applied (`apply_ingested`): unchanged entries keep their version, changed ones are
    updated under the same id, curators' edits are kept, and entries no source yields any
    more are archived.
"""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from ingest.errors import IngestError
from ingest.model import slugify
from ingest.pipeline import Progress, build_drafts, document_meta, read_files
from ingest.plans import example_plan_files, read_plan
from ingest.readers import RawDocument
from ingest.registry import Registry, load_registry
from kb.curation import keep_curator_work
from kb.db import transaction
from kb.documents import list_documents, upsert_document
from kb.entries import get_entry, save_entry
from kb.models import CONTENT_FIELDS, Document, Entry
from kb.plans import get_plan, save_plan, to_plan
from kb.proposals import ingest_refusal
from kb.regions import find_region
from kb.registry import organisation_gazetteer, sync_registry, upsert_organisation


@dataclass
class ApplyResult:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    archived: list[str] = field(default_factory=list)


@dataclass
class IngestReport:
    documents: dict[str, str] = field(default_factory=dict)       # doc id -> created/updated/unchanged
    kinds: dict[str, str] = field(default_factory=dict)           # doc id -> segmenter kind
    per_document: dict[str, int] = field(default_factory=dict)    # doc id -> entries
    applied: ApplyResult = field(default_factory=ApplyResult)
    per_type: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    plans: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


def to_document(raw: RawDocument) -> Document:
    return Document(**document_meta(raw), format=raw.format, sha256=raw.sha256, text=raw.text,
                    encoding=raw.encoding)


def ingest(conn: sqlite3.Connection, paths: Iterable[str | Path] | None = None, *,
           progress: Progress | None = None, registry: Registry | None = None, embedding=None) -> IngestReport:
    """Read `paths` (default: the bundled corpus and its example plans) into the knowledge base.
    A file whose content a curator imported on the web is refused (kb.proposals.ingest_refusal).
    `embedding` (ingest.sentences.Embedding of the project's encoder, injected by the CLI or
    the server) is used to find the bottlenecks of the example plans."""
    registry = registry or load_registry()
    step = progress or (lambda *_: None)
    report = IngestReport()
    read = read_files(paths, step)
    report.errors, report.warnings = read.errors, read.warnings
    report.errors += [why for raw in read.documents if (why := ingest_refusal(conn, raw, to_document(raw).id))]
    if report.errors:
        return report          # all or nothing: the knowledge base stays as it was
    with transaction(conn):
        sync_registry(conn, registry)
        for raw in read.documents:
            doc = to_document(raw)
            report.documents[doc.id] = upsert_document(conn, doc)
        docs = [(d.id, d.title, d.text) for d in list_documents(conn)]
        built = build_drafts(docs, registry, organisation_gazetteer(conn), step)
        for name, regions, doc_id in built.organisations:
            upsert_organisation(conn, name, source=doc_id, regions=regions)
        report.kinds, report.per_document = built.kinds, built.per_document
        report.warnings += built.warnings
        entries = [Entry.from_draft(d) for d in built.drafts]
        keep_clear_of_curated(conn, entries)
        report.applied = apply_ingested(conn, entries)
        if not paths:
            step("Voorbeeldplannen", 0, 1)
            report.plans, plan_warnings = load_example_plans(conn, registry, embedding=embedding)
            report.warnings += plan_warnings
    for d in built.drafts:
        report.per_type[d.type] = report.per_type.get(d.type, 0) + 1
    step("Klaar", 1, 1)
    return report


# ---------------------------------------------------------------- applying the drafts

def keep_clear_of_curated(conn: sqlite3.Connection, drafts: list[Entry]) -> None:
    """An ingested draft never takes over an entry that curation created (origin 'curator': a
    proposal taken over, or a curator's own entry): a draft whose id such an entry holds gets
    the first free suffix ('-2', '-3', ...), the same one on every run. So ingesting never
    re-points the sources of a curator's entry."""
    curated = {r[0] for r in conn.execute("SELECT id FROM entries WHERE origin = 'curator'")}
    taken = {d.id for d in drafts}
    for d in drafts:
        if d.id not in curated:
            continue
        base, n = d.id, 2
        while f"{base}-{n}" in curated or f"{base}-{n}" in taken:
            n += 1
        d.id = f"{base}-{n}"
        taken.add(d.id)


def merge_curator_edits(old: Entry, new: Entry) -> Entry:
    """Keep what a curator changed: fields in old.edited_fields win over the ingested values."""
    for f in old.edited_fields:
        if f in CONTENT_FIELDS:
            setattr(new, f, getattr(old, f))
    new.edited_fields = list(old.edited_fields)
    if "status" not in old.edited_fields:
        new.status = old.status if old.status != "gearchiveerd" else new.status
    new.origin = old.origin
    return new


def apply_ingested(conn: sqlite3.Connection, drafts: list[Entry], *, actor: str = "ingest",
                   archive_missing: bool = True) -> ApplyResult:
    """Make the entries produced from the source documents the current state, in one transaction.

    Unchanged entries are left alone (same version); changed ones are updated in place under
    the same id; ingested entries that no source produces any more are archived, not deleted.
    """
    result = ApplyResult()
    with transaction(conn):
        seen = set()
        for d in drafts:
            seen.add(d.id)
            old = get_entry(conn, d.id)
            if old is not None:
                d = keep_curator_work(conn, old, merge_curator_edits(old, d))
            diff = save_entry(conn, d, actor=actor)
            (result.created if old is None else result.updated if diff else result.unchanged).append(d.id)
        if archive_missing:
            rows = conn.execute("SELECT id FROM entries WHERE origin = 'ingest' AND status != 'gearchiveerd'")
            for (eid,) in rows.fetchall():
                if eid not in seen:
                    e = get_entry(conn, eid)
                    e.status = "gearchiveerd"
                    save_entry(conn, e, actor=actor, action="archive")
                    result.archived.append(eid)
    return result


# ---------------------------------------------------------------- the bundled example plans

def load_example_plans(conn: sqlite3.Connection, registry: Registry | None = None,
                       files: list[Path] | None = None, *, embedding=None) -> tuple[int, list[str]]:
    """Store the bundled example plans (idempotent). A stored plan is read again only when its
    file or the sentence classifier changed (the classifier's signature is kept in the plan's
    metadata as 'extractie'). `embedding`: see `ingest`.
    Returns (number of plans stored or kept, Dutch warnings)."""
    import hashlib

    from ingest.sentences import load_classifier
    registry = registry or load_registry()
    signature = load_classifier(embedding).signature
    count, warnings = 0, []
    for path in (example_plan_files() if files is None else files):
        data = path.read_bytes()
        plan_id = slugify(path.stem, max_words=14)
        old = get_plan(conn, plan_id)
        if old is not None and old.sha256 == hashlib.sha256(data).hexdigest() \
                and old.metadata.get("extractie") == signature:
            count += 1
            continue
        try:
            draft = read_plan(data, path.name, registry=registry, embedding=embedding)
        except IngestError as err:
            warnings.append(str(err))
            continue
        region = find_region(registry, draft.region)
        if region is None:
            warnings.append(f"{path.name}: regio '{draft.region}' niet herkend; plan overgeslagen.")
            continue
        draft.metadata["extractie"] = signature
        save_plan(conn, to_plan(draft, region, plan_id=plan_id), actor="ingest")
        count += 1
    return count, warnings
