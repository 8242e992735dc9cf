"""Regional plans -> bottleneck statements.

A plan is a document (PDF, DOCX, Markdown, text, HTML) or a YAML/JSON list of bottlenecks.
From running text, a bottleneck is a sentence that contains a Dutch cue word (tekort,
knelpunt, uitval, uitstroom, verzuim, werkdruk, wachtlijst, vacature, stageplaats, ...),
found with spaCy sentence segmentation and lemmas; sentences under headings about
ambitions or actions are skipped, and when the plan has a section on bottlenecks
("Knelpunten", "Opgave", ...) only that section is read. Each statement keeps its span.
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ingest.clean import one_line, strip_markup
from ingest.errors import IngestError
from ingest.model import fold
from ingest.nlp import classify, get_nlp, lemmas
from ingest.readers import read_bytes
from ingest.registry import CORPUS_DIR, Registry, load_registry

CUES = ["tekort", "knelpunt", "uitval", "uitvall", "uitstroom", "uitstrom", "verzuim", "werkdruk", "wachtlijst",
        "wachttijd", "vacature", "stageplaats", "stageplek", "stageplaats", "agressie", "regeldruk", "administrat",
        "registratie", "krapte", "gebrek", "onvoldoende", "vervulbaar", "vergrijz", "krimp", "overbelast",
        "personeelstekort", "verloop", "vertrek", "afhak", "opvolger"]
CUE_PHRASES = ["te weinig", "te hoog", "te veel", "te laag", "moeilijk te vinden", "lukt niet", "niet genoeg"]
PROBLEM_HEADINGS = re.compile(r"knelpunt|opgave|probleem|uitdaging|tekort|situatie", re.I)
SKIP_HEADINGS = re.compile(r"ambitie|doel|actie|maatregel|aanpak|oplossing|afspra|resultaat|vervolg", re.I)
DATA_SUFFIXES = {".yaml", ".yml", ".json"}


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


# Separable verbs: "studenten vallen uit", "medewerkers stromen uit", "haken af".
SEPARABLE = re.compile(r"\b(?:val|valt|vallen|viel|vielen|stroom|stroomt|stromen|stroomde|stroomden)\b.*\buit\b"
                       r"|\b(?:haak|haakt|haken|haakte|haakten)\b.*\baf\b")


def is_bottleneck(sentence: str) -> bool:
    folded = fold(sentence)
    if any(p in folded for p in CUE_PHRASES) or SEPARABLE.search(folded):
        return True
    words = set(re.findall(r"[a-z]+", folded)) | set(lemmas(sentence))
    return any(cue in w for w in words for cue in CUES)


def classify_bottleneck(text: str, registry: Registry) -> dict:
    return {"actielijnen": classify(text, registry.actielijnen, min_hits=1, limit=1),
            "themes": classify(text, registry.themes, min_hits=1, limit=3),
            "branches": classify(text, registry.branches, min_hits=1, limit=2)}


def _front_matter(text: str) -> tuple[dict, int]:
    m = re.match(r"\A---\s*\n(.*?)\n---\s*\n", text, re.S)
    if not m:
        return {}, 0
    try:
        data = yaml.safe_load(m.group(1)) or {}
    except yaml.YAMLError:
        return {}, 0
    return (data if isinstance(data, dict) else {}), m.end()


def _is_heading(line: str, nxt: str | None) -> str | None:
    s = line.strip()
    m = re.match(r"^#{1,6}\s+(.+)$", s)
    if m:
        return strip_markup(m.group(1)).strip()
    if (nxt is not None and 0 < len(s) <= 60 and len(s.split()) <= 6 and s[0].isupper()
            and not re.search(r"[.!?:;,]$", s) and not s.startswith(("-", "•", "*"))):
        return s
    return None


def extract_statements(text: str, start: int = 0) -> list[tuple[str, int, int]]:
    """(statement, start, end) for every bottleneck sentence in running text."""
    lines, pos = [], 0
    for raw in text.split("\n"):
        lines.append((pos, raw))
        pos += len(raw) + 1
    sections: list[tuple[str | None, list[tuple[int, str]]]] = [(None, [])]
    for i, (off, raw) in enumerate(lines):
        if off < start:
            continue
        nxt = next((r for _, r in lines[i + 1:] if r.strip()), None)
        h = _is_heading(raw, nxt)
        if h is not None:
            sections.append((h, []))
        else:
            sections[-1][1].append((off, raw))
    if any(h and PROBLEM_HEADINGS.search(h) for h, _ in sections):
        sections = [(h, ls) for h, ls in sections if h and PROBLEM_HEADINGS.search(h)]
    out: list[tuple[str, int, int]] = []
    for h, ls in sections:
        if h and SKIP_HEADINGS.search(h) and not PROBLEM_HEADINGS.search(h):
            continue
        for block_start, block_end, block in _blocks(ls):
            clean = one_line(strip_markup(block)).lstrip("• ").strip()
            if not clean:
                continue
            for sent in get_nlp()(clean).sents:
                s = sent.text.strip()
                if len(s) < 12 or not is_bottleneck(s):
                    continue
                a = text.find(s[:25], block_start, block_end + 1)
                out.append((s, a if a >= 0 else block_start, (a + len(s)) if a >= 0 else block_end))
    return out


def _blocks(lines: list[tuple[int, str]]):
    """Paragraphs and list items as (start, end, text)."""
    cur: list[tuple[int, str]] = []

    def flush():
        if cur:
            yield cur[0][0], cur[-1][0] + len(cur[-1][1]), " ".join(r for _, r in cur)
    for off, raw in lines:
        s = raw.strip()
        if not s:
            yield from flush()
            cur = []
        elif re.match(r"^\s*(?:[-*•]|\d+[.)])\s+", raw):
            yield from flush()
            cur = [(off, raw)]
        else:
            cur.append((off, raw))
    yield from flush()


def _from_data(data, name: str) -> tuple[dict, list[Bottleneck]]:
    if isinstance(data, list):
        data = {"knelpunten": data}
    if not isinstance(data, dict):
        raise IngestError(f"'{name}' is geen lijst van knelpunten: verwacht een lijst of een object met 'knelpunten'.")
    items = data.get("knelpunten") or data.get("bottlenecks") or []
    out = []
    for item in items:
        if isinstance(item, str):
            text, weight = item, 1.0
        elif isinstance(item, dict):
            text = item.get("tekst") or item.get("text") or ""
            weight = item.get("gewicht", item.get("weight", 1.0))
        else:
            continue
        try:
            weight = float(weight)
        except (TypeError, ValueError):
            raise IngestError(f"In '{name}' heeft een knelpunt een ongeldig gewicht: {weight!r}.")
        if one_line(str(text)):
            out.append(Bottleneck(text=one_line(str(text)), weight=weight if weight > 0 else 1.0, origin="user"))
    return data, out


def read_plan(data: bytes, filename: str, *, registry: Registry | None = None) -> PlanDraft:
    """Parse a plan file's bytes; raises IngestError (Dutch) when nothing usable is found."""
    registry = registry or load_registry()
    suffix = Path(filename).suffix.lower()
    sha = hashlib.sha256(data).hexdigest()
    if suffix in DATA_SUFFIXES:
        try:
            parsed = json.loads(data.decode("utf-8-sig")) if suffix == ".json" else yaml.safe_load(data.decode("utf-8-sig"))
        except (ValueError, yaml.YAMLError, UnicodeDecodeError) as err:
            raise IngestError(f"'{filename}' is geen geldig {'JSON' if suffix == '.json' else 'YAML'}-bestand ({err}).")
        meta, bottlenecks = _from_data(parsed, filename)
        text = "\n".join(b.text for b in bottlenecks)
        fmt = suffix.lstrip(".")
    else:
        raw = read_bytes(data, filename)
        meta, body_start = _front_matter(raw.text)
        text, fmt = raw.text, raw.format
        bottlenecks = [Bottleneck(text=s, start=a, end=b) for s, a, b in extract_statements(text, body_start)]
        if not meta.get("titel") and raw.title:
            meta["titel"] = raw.title
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
    return PlanDraft(title=str(meta.get("titel") or meta.get("title") or Path(filename).stem),
                     region=str(region) if region else None, text=text, bottlenecks=unique,
                     example=bool(meta.get("voorbeeld") or meta.get("example")),
                     metadata={k: v for k, v in meta.items() if k not in ("knelpunten", "bottlenecks")},
                     format=fmt, sha256=sha, source=Path(filename).name)


PLANS_DIR = CORPUS_DIR / "plans"
PLAN_SUFFIXES = DATA_SUFFIXES | {".md", ".txt", ".pdf", ".docx", ".html"}


def example_plan_files(directory: Path = PLANS_DIR) -> list[Path]:
    """The bundled example plans (illustrative, marked 'voorbeeld')."""
    if not directory.exists():
        return []
    return [p for p in sorted(directory.iterdir())
            if p.name.lower() != "readme.md" and p.suffix.lower() in PLAN_SUFFIXES]
