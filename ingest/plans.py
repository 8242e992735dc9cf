"""Regional plans -> bottleneck statements.

A plan is a document (PDF, DOCX, Markdown, text, HTML) or a YAML/JSON list of bottlenecks.
A document is read into blocks (ingest.readers, ingest.document) and its bottleneck
statements are found section-aware with the sentence classifier (ingest.bottlenecks): in the
plan's Knelpunten/Opgave/Analyse sections when it has them, else in its prose, never in its
title, tables or captions, and never a success, action, ambition or background sentence.
Each statement keeps its span in the document text. YAML and JSON are parsed without
aliases and with bounded nesting (ingest.structured); their shape and weights are checked.
Every failure is an IngestError with a Dutch message.
"""
from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from ingest.bottlenecks import MAX_BOTTLENECKS, Candidate, candidate_sentences, extract, select
from ingest.clean import one_line
from ingest.document import parse_text
from ingest.errors import IngestError
from ingest.model import fold
from ingest.nlp import classify
from ingest.readers import read_bytes
from ingest.registry import CORPUS_DIR, Registry, load_registry
from ingest.structured import load_json, load_yaml

DATA_SUFFIXES = {".yaml", ".yml", ".json"}
MIN_WEIGHT, MAX_WEIGHT = 0.0, 100.0       # a weight is a finite number with 0 < weight <= 100 (as in /api/match)
MAX_BOTTLENECK_CHARS = 1000               # one bottleneck statement in a YAML/JSON plan


@dataclass
class Bottleneck:
    """One bottleneck statement of a plan, classified to actielijn, themes and branches."""
    text: str
    weight: float = 1.0
    actielijnen: list[str] = field(default_factory=list)
    themes: list[str] = field(default_factory=list)
    branches: list[str] = field(default_factory=list)
    start: int | None = None          # span in the plan text, when extracted from running text
    end: int | None = None
    origin: str = "extracted"
    id: int | None = None             # set once stored in the knowledge base
    ord: int = 0


@dataclass
class PlanDraft:
    title: str
    region: str | None
    text: str
    bottlenecks: list[Bottleneck]
    example: bool = False
    metadata: dict = field(default_factory=dict)
    format: str = ""
    sha256: str = ""
    source: str = ""


def classify_bottleneck(text: str, registry: Registry) -> dict:
    return {"actielijnen": classify(text, registry.actielijnen, min_hits=1, limit=1),
            "themes": classify(text, registry.themes, min_hits=1, limit=3),
            "branches": classify(text, registry.branches, min_hits=1, limit=2)}


def _front_matter(text: str, name: str) -> dict:
    m = re.match(r"\A---\s*\n(.*?)\n---\s*\n", text[:200_000], re.S)
    if not m:
        return {}
    try:
        data = load_yaml(m.group(1), name)
    except IngestError:
        return {}
    return data if isinstance(data, dict) else {}


def extract_statements(text: str, start: int = 0, *, embedding=None) -> list[tuple[str, int, int]]:
    """(statement, start, end) for every bottleneck sentence of a Markdown or plain text."""
    blocks = parse_text(text, offset=start)
    return [(s.text, s.start, s.end) for s in extract(blocks, text, embedding=embedding)]


def _weight(value, name: str, n: int) -> float:
    if value is None:
        return 1.0
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise IngestError(f"In '{name}' heeft knelpunt {n} een ongeldig gewicht: gebruik een getal groter dan 0 en "
                          f"hoogstens {MAX_WEIGHT:g}.")
    try:
        w = float(str(value).replace(",", ".")) if isinstance(value, str) else float(value)
    except (ValueError, OverflowError):
        w = math.nan
    if not math.isfinite(w) or not (MIN_WEIGHT < w <= MAX_WEIGHT):
        raise IngestError(f"In '{name}' heeft knelpunt {n} een ongeldig gewicht ({str(value)[:20]}): gebruik een "
                          f"getal groter dan 0 en hoogstens {MAX_WEIGHT:g}.")
    return w


def _from_data(data, name: str) -> tuple[dict, list[Bottleneck]]:
    """A YAML/JSON plan: a list of bottlenecks, or an object with 'knelpunten' (or
    'bottlenecks'): each a text or an object {tekst|text, gewicht|weight}."""
    shape = (f"'{name}' heeft niet de vorm van een plan: verwacht een lijst van knelpunten, of een object met "
             "'knelpunten': [{tekst: ..., gewicht: 2}, ...].")
    if isinstance(data, list):
        data = {"knelpunten": data}
    if not isinstance(data, dict):
        raise IngestError(shape)
    items = data.get("knelpunten", data.get("bottlenecks"))
    if items is None:
        items = []
    if not isinstance(items, list):
        raise IngestError(shape)
    if len(items) > MAX_BOTTLENECKS:
        raise IngestError(f"'{name}' bevat {len(items)} knelpunten; de grens is {MAX_BOTTLENECKS}.")
    out = []
    for n, item in enumerate(items, 1):
        if isinstance(item, str):
            text, weight = item, None
        elif isinstance(item, dict):
            text = item.get("tekst", item.get("text", ""))
            weight = item.get("gewicht", item.get("weight"))
        else:
            raise IngestError(f"Knelpunt {n} in '{name}' is geen tekst: schrijf elk knelpunt als zin, of als "
                              "{tekst: ..., gewicht: ...}.")
        if not isinstance(text, (str, int, float)) or isinstance(text, bool):
            raise IngestError(f"Knelpunt {n} in '{name}' heeft geen tekst: gebruik 'tekst: ...'.")
        text = one_line(str(text))
        if len(text) > MAX_BOTTLENECK_CHARS:
            raise IngestError(f"Knelpunt {n} in '{name}' is te lang ({len(text)} tekens; hoogstens "
                              f"{MAX_BOTTLENECK_CHARS}).")
        w = _weight(weight, name, n)
        if text:
            out.append(Bottleneck(text=text, weight=w, origin="user"))
    meta = {k: v for k, v in data.items() if isinstance(k, str) and isinstance(v, (str, int, float, bool))}
    return meta, out


@dataclass
class ParsedPlan:
    """A plan file read and segmented, not yet classified (`parse_plan`; picklable, so a parse
    worker can hand it back). A document plan carries its candidate sentences; a YAML/JSON
    plan its bottlenecks as given."""
    filename: str
    format: str
    sha256: str
    text: str
    meta: dict
    bottlenecks: list[Bottleneck] | None = None          # YAML/JSON: as given
    candidates: list[Candidate] = field(default_factory=list)   # documents: sentences to classify


def parse_plan(data: bytes, filename: str) -> ParsedPlan:
    """Read, lay out and segment a plan file (no classification). Raises IngestError (Dutch).
    This is the part of `read_plan` that a parse worker runs (ingest.worker)."""
    suffix = Path(filename).suffix.lower()
    sha = hashlib.sha256(data).hexdigest()
    if suffix in DATA_SUFFIXES:
        kind = "JSON" if suffix == ".json" else "YAML"
        try:
            decoded = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise IngestError(f"'{filename}' is geen geldig {kind}-bestand: het is niet in UTF-8 opgeslagen.") from None
        parsed = load_json(decoded, filename) if suffix == ".json" else load_yaml(decoded, filename)
        meta, bottlenecks = _from_data(parsed, filename)
        return ParsedPlan(filename, suffix.lstrip("."), sha, "\n".join(b.text for b in bottlenecks), meta,
                          bottlenecks=bottlenecks)
    raw = read_bytes(data, filename)
    meta = _front_matter(raw.text, filename) if raw.format == "markdown" else {}
    if not meta.get("titel") and raw.title:
        meta["titel"] = raw.title
    return ParsedPlan(filename, raw.format, sha, raw.text, meta, candidates=candidate_sentences(raw.blocks, raw.text))


def finish_plan(parsed: ParsedPlan, *, registry: Registry | None = None, embedding=None) -> PlanDraft:
    """The plan of a parsed file: its bottleneck statements (the sentence classifier, with the
    encoder's embeddings when `embedding` is given), each classified to actielijn, themes and
    branches. Raises IngestError (Dutch) when nothing usable is found."""
    registry = registry or load_registry()
    filename, meta = parsed.filename, parsed.meta
    if parsed.bottlenecks is not None:
        bottlenecks = parsed.bottlenecks
    else:
        bottlenecks = [Bottleneck(text=s.text, start=s.start, end=s.end)
                       for s in select(parsed.candidates, embedding=embedding)]
    seen, unique = set(), []
    for b in bottlenecks:
        key = fold(b.text)
        if key not in seen:
            seen.add(key)
            unique.append(b)
    if not unique:
        raise IngestError(
            f"In '{filename}' is geen knelpunt herkend. Schrijf knelpunten als zinnen, bijvoorbeeld: "
            "'Er is een tekort aan stageplekken in de wijkverpleging.', of lever een lijst met knelpunten aan.")
    for b in unique:
        cls = classify_bottleneck(b.text, registry)
        b.actielijnen, b.themes, b.branches = cls["actielijnen"], cls["themes"], cls["branches"]
    region = meta.get("regio") or meta.get("region")
    title = meta.get("titel") or meta.get("title")
    return PlanDraft(title=str(title)[:300] if title else Path(filename).stem,
                     region=str(region)[:200] if region else None, text=parsed.text, bottlenecks=unique,
                     example=bool(meta.get("voorbeeld") or meta.get("example")),
                     metadata={k: v for k, v in meta.items() if k not in ("knelpunten", "bottlenecks")},
                     format=parsed.format, sha256=parsed.sha256, source=Path(filename).name)


def read_plan(data: bytes, filename: str, *, registry: Registry | None = None, embedding=None) -> PlanDraft:
    """Parse a plan file's bytes; raises IngestError (Dutch) when nothing usable is found.
    `embedding`: ingest.sentences.Embedding of the project's encoder, for the sentence
    classifier with embeddings (callers that have the encoder pass it; see ingest.sentences).
    In one process; a server runs `parse_plan` in a parse worker and `finish_plan` itself."""
    return finish_plan(parse_plan(data, filename), registry=registry, embedding=embedding)


PLANS_DIR = CORPUS_DIR / "plans"
PLAN_SUFFIXES = DATA_SUFFIXES | {".md", ".txt", ".pdf", ".docx", ".html"}


def example_plan_files(directory: Path = PLANS_DIR) -> list[Path]:
    """The bundled example plans (illustrative, marked 'voorbeeld')."""
    if not directory.exists():
        return []
    return [p for p in sorted(directory.iterdir())
            if p.name.lower() != "readme.md" and p.suffix.lower() in PLAN_SUFFIXES]
