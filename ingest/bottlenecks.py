"""Bottleneck statements from a document's blocks, read the way a person reads a plan.

1. Sections come from the headings (any numbering: '3. Knelpunten', '2.2 Opgave en
   uitdagingen', 'Hoofdstuk 2 Analyse'); the document title is never a section. A section's
   kind comes from its own heading, else from its parent's:
       problem     Knelpunten, Problemen, Probleemanalyse (first choice) or Opgave,
                   Uitdagingen, Analyse, Tekorten, Krapte, Situatie (second choice);
       skip        Ambities, Doelen, Acties, Aanpak, Maatregelen, Wat gaat goed, Resultaten,
                   Bijlagen, Financiering, ...;
       neutral     everything else.
2. When the document has problem sections, only those of the first choice present are
   read; otherwise (a plan in prose) every section that is not skipped.
3. Paragraphs and list items are split into sentences (spaCy); tables and captions are
   never read. Every sentence goes through the sentence classifier (ingest.sentences):
   only problem statements are kept, so a success ('het verzuim is licht gedaald'), an
   action ('we gaan ... opzetten'), an ambition ('In 2026 willen wij ...') or background
   ('vacatures worden centraal gepubliceerd') is not a bottleneck, in a Knelpunten section
   or in prose.
4. Measured and left off: a section prior. The classifier is trained with balanced classes
   (implied prior for 'knelpunt' 1/6); under a heading such as 'Knelpunten' a reader expects
   a problem as much as anything else (prior 1/2), which would multiply the odds of
   'knelpunt' there by (1/2 : 1/2) / (1/6 : 5/6) = 5. On the test documents that found one
   more bottleneck but also let a success through ('... heeft het aantal ligdagen
   verlaagd'), so SECTION_PRIOR is 1 (off); ingest/evaluate.py reports both (factor 5 and 1).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.document import Block
from ingest.errors import IngestError
from ingest.model import fold

MAX_SENTENCES = 5_000         # candidate sentences of one document (classified in one batch)
MAX_BOTTLENECKS = 200         # bottlenecks one plan may have
MIN_CHARS, MAX_CHARS = 12, 600
SECTION_PRIOR = 1.0           # odds multiplier for 'knelpunt' in a problem section: off (see 4. above)
SECTION_PRIOR_DERIVED = 5.0   # the derived value, measured by ingest/evaluate.py

_PROBLEM_1 = re.compile(r"knelpunt|\bproblem|\bprobleem|probleemanalyse|problematiek")
_PROBLEM_2 = re.compile(r"opgave|uitdaging|analyse|tekort|krapte|situatie|vraagstuk|zorgpunt|risico"
                        )
_SKIP = re.compile(r"ambitie|\bdoel|actie|maatregel|aanpak|oplossing|afspra|resultat|vervolg|planning|begroting|"
                   r"financ|bijlage|wat gaat goed|succes|kansen|sterke punten|vooruitblik|wat gaan we doen|"
                   r"wat we gaan doen|colofon|bronnen|verantwoording|aanbeveling|monitoring|organisatie van|"
                   r"inhoud|inhoudsopgave|begrippen|afkortingen")


@dataclass
class Statement:
    text: str
    start: int
    end: int
    block: int            # order of the block it came from
    section: str          # heading path, ' > '-joined ('' when none)
    probability: float    # the classifier's probability of 'knelpunt' (with the section's prior)


Candidate = tuple[str, int, int, int, str, str]     # (sentence, start, end, block order, section path, kind)


def section_kind(heading: str) -> str:
    """'problem1' | 'problem2' | 'skip' | 'neutral' for a heading text (numbering ignored)."""
    h = fold(heading)
    if _PROBLEM_1.search(h):
        return "problem1"
    if _SKIP.search(h):
        return "skip"
    if _PROBLEM_2.search(h):
        return "problem2"
    return "neutral"


def sections(blocks: list[Block]) -> list[tuple[str, str]]:
    """Per block: (kind of the section it stands in, heading path). Headings get the kind of
    the section they open; the title is no section."""
    stack: list[tuple[int, str, str]] = []          # (level, heading, effective kind)
    out = []
    for b in blocks:
        if b.kind == "heading" and b.role != "title":
            while stack and stack[-1][0] >= b.level:
                stack.pop()
            own = section_kind(b.title)
            parent = stack[-1][2] if stack else "neutral"
            stack.append((b.level, b.title, parent if own == "neutral" else own))
        path = " > ".join(h for _, h, _ in stack)
        out.append((stack[-1][2] if stack else "neutral", path))
    return out


def candidate_sentences(blocks: list[Block], text: str) -> list[Candidate]:
    """(sentence, start, end, block order, section path, section kind) of every sentence a person would
    consider: in the problem sections when there are any, else in all sections not skipped."""
    from ingest.nlp import analyse, chunks
    kinds = sections(blocks)
    present = {k for k, _ in kinds}
    wanted = {"problem1"} if "problem1" in present else {"problem2"} if "problem2" in present else {"neutral"}
    out = []
    for b, (kind, path) in zip(blocks, kinds):
        if kind not in wanted or b.kind not in ("paragraph", "item"):
            continue
        for sent in (s for piece in chunks(b.text) for s in analyse(piece).sents):
            s = sent.text.strip().lstrip("•-* ").strip()
            if not (MIN_CHARS <= len(s) <= MAX_CHARS) or not re.search(r"[A-Za-zÀ-ÿ]{3}", s):
                continue
            start, end = locate(text, s, b.start, b.end)
            out.append((s, start, end, b.order, path, kind))
            if len(out) > MAX_SENTENCES:
                raise IngestError(f"Het document bevat te veel zinnen om te beoordelen (meer dan {MAX_SENTENCES:,})."
                                  .replace(",", ".") + " Lever alleen het deel met de knelpunten aan.")
    return out


def extract(blocks: list[Block], text: str, classifier=None, *, embedding=None,
            section_prior: float = SECTION_PRIOR) -> list[Statement]:
    """The bottleneck statements of a document, in document order. `embedding`
    (ingest.sentences.Embedding) selects the classifier with sentence embeddings;
    `section_prior` is for measurement (see 4. above)."""
    return select(candidate_sentences(blocks, text), classifier, embedding=embedding, section_prior=section_prior)


def select(cands: list[Candidate], classifier=None, *, embedding=None,
           section_prior: float = SECTION_PRIOR) -> list[Statement]:
    """The candidates (`candidate_sentences`) the classifier takes for problem statements.
    Split from `extract` so that reading and segmentation (spaCy) can run in a parse worker
    and the classification, with the encoder already loaded, in the calling process."""
    from ingest.sentences import PROBLEM, load_classifier
    if not cands:
        return []
    classifier = classifier or load_classifier(embedding)
    probs = classifier.probabilities([c[0] for c in cands])
    out = []
    for (s, a, e, order, path, kind), p in zip(cands, probs):
        p = with_prior(p, PROBLEM, section_prior if kind.startswith("problem") else 1.0)
        if max(p, key=p.get) == PROBLEM:
            out.append(Statement(s, a, e, order, path, round(p[PROBLEM], 4)))
    if len(out) > MAX_BOTTLENECKS:
        raise IngestError(f"In dit document zijn {len(out)} knelpunten herkend; de grens is {MAX_BOTTLENECKS}. "
                          "Lever de belangrijkste knelpunten aan, bijvoorbeeld als lijst.")
    return out


def with_prior(p: dict[str, float], label: str, factor: float) -> dict[str, float]:
    """Class probabilities with the odds of `label` multiplied by `factor`, renormalised."""
    if factor == 1.0:
        return p
    q = dict(p)
    q[label] *= factor
    total = sum(q.values())
    return {k: v / total for k, v in q.items()}


def locate(text: str, sentence: str, lo: int, hi: int) -> tuple[int, int]:
    """The span of `sentence` in text[lo:hi], whitespace and line breaks ignored; the block's
    span when it cannot be found (e.g. inline markup in between)."""
    i = text.find(sentence, lo, hi)
    if i >= 0:
        return i, i + len(sentence)
    words = sentence.split()
    if not words or len(words) > 200:
        return lo, hi
    m = re.compile(r"\s+".join(re.escape(w) for w in words)).search(text, lo, hi)
    return (m.start(), m.end()) if m else (lo, hi)
