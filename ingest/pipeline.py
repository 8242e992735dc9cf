"""Ingestion: documents -> knowledge-base entries, idempotent and all-or-nothing.

    ingest(conn, paths) reads every file first; if any cannot be read, nothing is written.
    Then, in one transaction, documents are stored, every stored document is segmented
    again, the drafts are enriched (places, organisations, branches, results, passages) and
    applied: unchanged entries keep their version, changed ones are updated under the same
    id, curators' edits are kept, and entries no source yields any more are archived.
"""
from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

import yaml

from ingest.errors import IngestError
from ingest.nlp import classify, keywords, make_gazetteer, quantified_results, region_gazetteer, sentences
from ingest.readers import SUPPORTED_SUFFIXES, RawDocument, read_document
from ingest.segment import Segmented, segment
from kb.db import transaction
from kb.models import Document, Entry, slugify
from kb.registry import CORPUS_DIR, Registry, load_registry, organisation_gazetteer, sync_registry, upsert_organisation
from kb.store import ApplyResult, apply_ingested, list_documents, upsert_document

SOURCES_DIR = CORPUS_DIR / "sources"
PASSAGE_CHARS = 500          # passages (for sentence-level matches) of about this size
Progress = Callable[[str, int, int], None]   # (step description, done, total)


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


def default_paths() -> list[Path]:
    return sorted(p for p in SOURCES_DIR.iterdir()
                  if p.suffix.lower() in SUPPORTED_SUFFIXES and p.name.upper() not in ("SOURCES.MD", "README.MD"))


def expand(paths: Iterable[str | Path]) -> list[Path]:
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out += sorted(q for q in p.rglob("*") if q.suffix.lower() in SUPPORTED_SUFFIXES
                          and q.name.upper() not in ("SOURCES.MD", "README.MD"))
        else:
            out.append(p)
    return out


def document_id(path: Path) -> str:
    return slugify(path.stem, max_words=20)


def _metadata() -> dict:
    f = CORPUS_DIR / "documents.yaml"
    return yaml.safe_load(f.read_text(encoding="utf-8"))["documents"] if f.exists() else {}


def to_document(raw: RawDocument) -> Document:
    meta = _metadata().get(raw.path.name, {})
    return Document(id=document_id(raw.path), path=_display_path(raw.path), format=raw.format,
                    sha256=raw.sha256, text=raw.text, encoding=raw.encoding,
                    title=meta.get("title") or raw.title or raw.path.stem,
                    publisher=meta.get("publisher"), date=meta.get("date"), licence=meta.get("licence"))


def _display_path(p: Path) -> str:
    try:
        return str(p.resolve().relative_to(CORPUS_DIR.parent))
    except ValueError:
        return str(p.resolve())


def ingest(conn: sqlite3.Connection, paths: Iterable[str | Path] | None = None, *,
           progress: Progress | None = None, registry: Registry | None = None) -> IngestReport:
    registry = registry or load_registry()
    report = IngestReport()
    files = expand(paths) if paths else default_paths()
    step = progress or (lambda *_: None)
    raws: list[RawDocument] = []
    for i, path in enumerate(files):
        step(f"Lezen: {path.name}", i, len(files))
        try:
            raw = read_document(path)
        except IngestError as err:
            report.errors.append(str(err))
            continue
        report.warnings += [f"{path.name}: {w}" for w in raw.warnings]
        raws.append(raw)
    if not files:
        report.errors.append("Er zijn geen documenten gevonden om in te lezen.")
    if report.errors:
        return report          # all or nothing: the knowledge base stays as it was
    with transaction(conn):
        sync_registry(conn, registry)
        for raw in raws:
            doc = to_document(raw)
            report.documents[doc.id] = upsert_document(conn, doc)
        drafts = build_entries(conn, registry, report, step)
        report.applied = apply_ingested(conn, drafts)
        if not paths:
            from ingest.plans import load_example_plans
            step("Voorbeeldplannen", 0, 1)
            report.plans, plan_warnings = load_example_plans(conn, registry)
            report.warnings += plan_warnings
    for e in drafts:
        report.per_type[e.type] = report.per_type.get(e.type, 0) + 1
    step("Klaar", 1, 1)
    return report


def build_entries(conn: sqlite3.Connection, registry: Registry, report: IngestReport,
                  step: Progress) -> list[Entry]:
    """Segment every stored document and enrich the drafts."""
    docs = list_documents(conn)
    segmented: list[Segmented] = []
    for i, doc in enumerate(docs):
        step(f"Segmenteren: {doc.title}", i, len(docs))
        seg = segment(doc.id, doc.text, registry)
        report.kinds[doc.id] = seg.kind
        report.per_document[doc.id] = len(seg.entries)
        report.warnings += [f"{doc.id}: {w}" for w in seg.warnings]
        for name, region_text in seg.organisations:
            upsert_organisation(conn, name, source=doc.id, regions=[
                r for r in registry.resolve_region(region_text.removeprefix("Regio ")) if r != "landelijk"])
        if not seg.entries:
            report.warnings.append(f"{doc.title}: geen onderdelen herkend die een kennisitem kunnen worden.")
        segmented.append(seg)
    drafts = merge_drafts([e for seg in segmented for e in seg.entries])
    places = region_gazetteer(registry)
    orgs = make_gazetteer({alias: [oid] for alias, oid in organisation_gazetteer(conn).items()})
    for i, e in enumerate(drafts):
        if i % 10 == 0:
            step("Verrijken (regio's, organisaties, thema's)", i, len(drafts))
        enrich(e, registry, places, orgs)
    return drafts


def merge_drafts(drafts: list[Entry]) -> list[Entry]:
    """One entry per id: the bouwstenen of the report and of the web page become one entry
    citing both; other id clashes get a numeric suffix."""
    out: dict[str, Entry] = {}
    for d in drafts:
        if d.id in out and d.type == "bouwsteen" and out[d.id].type == "bouwsteen":
            first = out[d.id]
            longer, shorter = (first, d) if len(first.body) >= len(d.body) else (d, first)
            longer.sources = first.sources + d.sources
            longer.summary = shorter.summary or longer.summary
            out[d.id] = longer
            continue
        base, n = d.id, 2
        while d.id in out:
            d.id = f"{base}-{n}"
            n += 1
        out[d.id] = d
    return list(out.values())


def enrich(e: Entry, registry: Registry, places, orgs) -> None:
    text = f"{e.title}\n{e.summary}\n{e.body}"
    order = {r["id"]: r["number"] for r in registry.regions}
    e.regions = sorted((r for r in places.find(text) if r in order), key=order.get)
    e.organisations = sorted(orgs.find(text))
    e.branches = classify(text, registry.branches, min_hits=1, limit=3)
    extra = classify(text, registry.themes, min_hits=2, limit=2)
    e.themes = list(dict.fromkeys(e.themes + extra))[:3]
    if not e.actielijnen and e.type != "bouwsteen":
        e.actielijnen = classify(text, registry.actielijnen, min_hits=2, limit=1)
    if e.type == "praktijk":
        e.label = e.label if e.label and e.label != "voorbeeld" else (
            "Koploper" if re.search(r"\bkoploper", text, re.I) else "voorbeeld")
        e.results = quantified_results(e.body)
    sents = sentences(e.body)
    if not e.summary:
        e.summary = _summary(sents)
    e.keywords = keywords(f"{e.title}\n{e.body}")
    e.chunks = passages(sents) if len(e.body) > PASSAGE_CHARS else []


def _summary(sents: list[str], limit: int = 300) -> str:
    out = ""
    for s in sents:
        s = s.lstrip("• ")
        if out and len(out) + len(s) > limit:
            break
        out = f"{out} {s}".strip()
    return out


def passages(sents: list[str], size: int = PASSAGE_CHARS) -> list[str]:
    """Consecutive sentences grouped into passages of about `size` characters."""
    out, cur = [], ""
    for s in sents:
        if cur and len(cur) + len(s) > size:
            out.append(cur)
            cur = ""
        cur = f"{cur} {s}".strip()
    if cur:
        out.append(cur)
    return out
