"""Ingestion: files -> documents -> entry drafts. No database here.

    read_files(paths)        every file read and cleaned up front (all or nothing);
    document_meta(raw)       title, publisher, date, licence from corpus/documents.yaml;
    build_drafts(docs, ...)  every document segmented, the drafts merged (one bouwsteen per
                             number, citing both evaluation documents) and enriched with
                             places, organisations, branches, results and passages.

    build_import(raw, ...)   one uploaded document -> proposed entries, split by its layout
                             headings (curator import, `praktijkwijzer import`);
    parse_import(data, ...)  the same from the uploaded bytes, as a parse worker runs it.

kb.loader.ingest runs these and stores the result in one transaction.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

import yaml

from ingest.errors import IngestError
from ingest.model import Draft, slugify
from ingest.nlp import classify, keywords, make_gazetteer, quantified_results, region_gazetteer, sentences
from ingest.readers import MAX_BYTES, SUPPORTED_SUFFIXES, RawDocument, read_bytes, read_document
from ingest.registry import CORPUS_DIR, Registry, load_registry
from ingest.segment import segment

SOURCES_DIR = CORPUS_DIR / "sources"
PASSAGE_CHARS = 500          # passages (for sentence-level matches) of about this size
Progress = Callable[[str, int, int], None]   # (step description, done, total)
_SKIP_NAMES = ("SOURCES.MD", "README.MD")


def default_paths() -> list[Path]:
    return sorted(p for p in SOURCES_DIR.iterdir()
                  if p.suffix.lower() in SUPPORTED_SUFFIXES and p.name.upper() not in _SKIP_NAMES)


def expand(paths: Iterable[str | Path]) -> list[Path]:
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out += sorted(q for q in p.rglob("*") if q.suffix.lower() in SUPPORTED_SUFFIXES
                          and q.name.upper() not in _SKIP_NAMES)
        else:
            out.append(p)
    return out


def document_id(path: Path) -> str:
    return slugify(path.stem, max_words=20)


@dataclass
class ReadResult:
    documents: list[RawDocument] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)       # Dutch, one per unreadable file
    warnings: list[str] = field(default_factory=list)


def read_files(paths: Iterable[str | Path] | None = None, step: Progress | None = None) -> ReadResult:
    """Read every file (default: the bundled sources). Unreadable files become Dutch errors."""
    step = step or (lambda *_: None)
    files = expand(paths) if paths else default_paths()
    out = ReadResult()
    for i, path in enumerate(files):
        step(f"Lezen: {path.name}", i, len(files))
        try:
            raw = read_document(path)
        except IngestError as err:
            out.errors.append(str(err))
            continue
        out.warnings += [f"{path.name}: {w}" for w in raw.warnings]
        out.documents.append(raw)
    if not files:
        out.errors.append("Er zijn geen documenten gevonden om in te lezen.")
    return out


def _metadata() -> dict:
    f = CORPUS_DIR / "documents.yaml"
    return yaml.safe_load(f.read_text(encoding="utf-8"))["documents"] if f.exists() else {}


def document_meta(raw: RawDocument) -> dict:
    """id, path, title, publisher, date and licence of a document (corpus/documents.yaml
    describes the bundled sources; other documents get their own title or file name)."""
    meta = _metadata().get(raw.path.name, {})
    return {"id": document_id(raw.path), "path": _display_path(raw.path),
            "title": meta.get("title") or raw.title or raw.path.stem,
            "publisher": meta.get("publisher"), "date": meta.get("date"), "licence": meta.get("licence")}


def _display_path(p: Path) -> str:
    try:
        return str(p.resolve().relative_to(CORPUS_DIR.parent))
    except ValueError:
        return str(p.resolve())


@dataclass
class Built:
    drafts: list[Draft] = field(default_factory=list)
    kinds: dict[str, str] = field(default_factory=dict)            # doc id -> segmenter kind
    per_document: dict[str, int] = field(default_factory=dict)     # doc id -> drafts
    organisations: list[tuple[str, list[str], str]] = field(default_factory=list)  # (name, regions, doc id)
    warnings: list[str] = field(default_factory=list)


def build_drafts(documents: list[tuple[str, str, str]], registry: Registry,
                 known_organisations: dict[str, str] | None = None, step: Progress | None = None) -> Built:
    """Drafts for (doc id, title, text) documents. `known_organisations` maps alias -> id;
    organisations found in the documents (the evaluation's respondent table) are added."""
    step = step or (lambda *_: None)
    out = Built()
    drafts: list[Draft] = []
    for i, (doc_id, title, text) in enumerate(documents):
        step(f"Segmenteren: {title}", i, len(documents))
        seg = segment(doc_id, text, registry)
        drafts += _collect(out, registry, doc_id, title, seg)
    return _finish(out, drafts, registry, known_organisations, step)


def build_import(raw: RawDocument, doc_id: str, title: str, registry: Registry,
                 known_organisations: dict[str, str] | None = None, step: Progress | None = None) -> Built:
    """Proposed entries for one uploaded or imported document (curator import, `praktijkwijzer
    import`): a known source is segmented as in `build_drafts`; any other document is split
    into practices by its layout headings (ingest.practices), whatever its format, each
    titled by its heading."""
    from ingest.practices import practice_drafts
    from ingest.segment import Segmented, detect_kind
    step = step or (lambda *_: None)
    out = Built()
    step(f"Segmenteren: {title}", 0, 1)
    if detect_kind(raw.text) == "generic":
        seg = Segmented("generic", practice_drafts(doc_id, raw.blocks, raw.text, raw.title))
    else:
        seg = segment(doc_id, raw.text, registry)
    drafts = _collect(out, registry, doc_id, title, seg)
    return _finish(out, drafts, registry, known_organisations, step)


def import_document_id(sha256: str, filename: str) -> str:
    """The document id of an uploaded or imported file: its content hash and its name."""
    return f"upload-{sha256[:12]}-{slugify(Path(filename).stem, max_words=8)}"


@dataclass
class ParsedImport:
    """An uploaded document read and split into proposed entries (`parse_import`)."""
    raw: RawDocument
    doc_id: str
    title: str
    built: Built


def parse_import(data: bytes, filename: str, known_organisations: dict[str, str] | None = None, *,
                 registry: Registry | None = None, max_bytes: int = MAX_BYTES) -> ParsedImport:
    """Read an uploaded document (bytes) and split it into proposed entries with `build_import`.
    No database and no encoder: this is what a parse worker runs (ingest.worker) for a curator
    import; the caller checks the proposals for near-duplicates and stores them."""
    raw = read_bytes(data, filename, max_bytes=max_bytes)
    meta = document_meta(raw)
    doc_id = import_document_id(raw.sha256, raw.path.name)
    built = build_import(raw, doc_id, meta["title"], registry or load_registry(), known_organisations)
    return ParsedImport(raw, doc_id, meta["title"], built)


def _collect(out: Built, registry: Registry, doc_id: str, title: str, seg) -> list[Draft]:
    out.kinds[doc_id] = seg.kind
    out.per_document[doc_id] = len(seg.entries)
    out.warnings += [f"{doc_id}: {w}" for w in seg.warnings]
    for name, region_text in seg.organisations:
        regions = [r for r in registry.resolve_region(region_text.removeprefix("Regio ")) if r != "landelijk"]
        out.organisations.append((name, regions, doc_id))
    if not seg.entries:
        out.warnings.append(f"{title}: geen onderdelen herkend die een kennisitem kunnen worden.")
    return seg.entries


def _finish(out: Built, drafts: list[Draft], registry: Registry, known_organisations: dict[str, str] | None,
            step: Progress) -> Built:
    aliases = dict(known_organisations or {})
    for name, _regions, _doc in out.organisations:
        aliases.setdefault(name, slugify(name))
    out.drafts = merge_drafts(drafts)
    places = region_gazetteer(registry)
    orgs = make_gazetteer({alias: [oid] for alias, oid in aliases.items()})
    for i, d in enumerate(out.drafts):
        if i % 10 == 0:
            step("Verrijken (regio's, organisaties, thema's)", i, len(out.drafts))
        enrich(d, registry, places, orgs)
    return out


def merge_drafts(drafts: list[Draft]) -> list[Draft]:
    """One draft per id: the bouwstenen of the report and of the web page become one entry
    citing both; other id clashes get a numeric suffix."""
    out: dict[str, Draft] = {}
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


def enrich(e: Draft, registry: Registry, places, orgs) -> None:
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
