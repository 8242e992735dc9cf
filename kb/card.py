"""The practice card: checking what curators fill in, suggestions from the entry's own text,
results with their source, and the two-yearly review reminder.

Suggestions are transparent rules, never invented content: a card field is suggested only when
sentences of the entry say it, recognised by cue words (`CUES`); each suggestion names the cue
and quotes the sentences. The curator confirms a suggestion by saving it; a field without
suggestion stays empty. Contact suggestions name organisations only (no personal data).
"""
from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from datetime import date, datetime, timezone

from ingest.model import fold
from kb.documents import get_document
from kb.merging import figures, normalise
from kb.models import CARD_FIELDS, PRACTICE_STATES, Entry

MAX_TEXT = 5000
MAX_SHORT = {"looptijd": 200, "contact": 500}
REVIEW_YEARS = 2
MAX_SENTENCES = 3
# Cue words per field, accent-folded. A cue matches a whole word (with a Dutch plural or
# inflection: -s, -e, -n, -en); a trailing '*' matches any word that starts with it.
CUES: dict[str, tuple[str, ...]] = {
    "probleem": ("probleem", "knelpunt", "tekort", "te weinig", "krapte", "uitdaging", "lastig", "moeilijk",
                 "kampt", "kampen", "vacature", "openstaande vacatures", "verloop", "hoge werkdruk",
                 "zorgvraag neemt toe", "personeelstekort*"),
    "aanpak": ("aanpak", "werkwijze", "methode", "ingezet", "opgezet", "ontwikkeld", "gestart", "traject",
               "programma", "combineert", "leren en werken", "begeleid*", "bieden", "biedt"),
    "kosten": ("kosten", "kost", "euro", "€", "subsidie*", "financier*", "gefinancierd", "budget", "investering*",
               "bekostig*", "sectorplan*", "vergoed", "vergoeding", "betaald"),
    "randvoorwaarden": ("randvoorwaarde*", "voorwaarde", "succesfactor*", "is nodig", "zijn nodig", "vereist",
                        "essentieel", "belangrijk is", "draagvlak", "cruciaal", "commitment"),
    "lessen": ("geleerd", "leerpunt*", "valkuil*", "achteraf", "lessen die", "les die", "belangrijkste les",
               "aanbeveling*", "tips"),
    "wat_ging_mis": ("mislukt*", "ging mis", "niet gelukt", "lukte niet", "gestopt", "faal*", "tegenvall*",
                     "niet van de grond"),
    "wat_leerden_we": ("geleerd", "leerpunt*", "achteraf", "volgende keer", "voortaan", "lessen die", "les die"),
    "looptijd": ("looptijd", "duurt", "sinds 19*", "sinds 20*", "gestart in", "loopt van", "loopt tot"),
}
STATE_CUES = {"lopend": ("loopt nog",), "afgerond": ("afgerond", "is afgelopen"),
              "gestopt": ("gestopt", "beeindigd", "stopgezet")}
LABELS = {
    "probleem": "Probleem", "aanpak": "Aanpak", "kosten": "Kosten en financiering", "randvoorwaarden": "Randvoorwaarden",
    "lessen": "Lessen", "wat_ging_mis": "Wat ging mis", "wat_leerden_we": "Wat leerden we",
    "contact": "Organisatie en contact", "looptijd": "Looptijd", "praktijkstatus": "Status van de praktijk",
    "laatst_beoordeeld": "Laatst beoordeeld",
}


def today() -> date:
    return datetime.now(timezone.utc).date()


# ---------------------------------------------------------------- validation

def parse_date(value: str) -> date | None:
    """'2025-03-01' or '1-3-2025' -> a date; None when it is not a date."""
    value = (value or "").strip()
    for fmt in ("%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y"):
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    return None


def validate_card(out: dict, entry_type: str | None, errors: dict) -> None:
    """Clean the card fields in `out` (in place) and add Dutch messages to `errors`."""
    for f in CARD_FIELDS:
        if f not in out:
            continue
        v = out[f] if isinstance(out[f], str) else ("" if out[f] is None else str(out[f]))
        v = v.replace("\r\n", "\n").strip()
        out[f] = v
        if not v:
            continue
        if entry_type is not None and entry_type != "praktijk":
            errors[f] = "De praktijkkaart hoort alleen bij praktijken."
        elif f == "praktijkstatus" and v not in PRACTICE_STATES:
            errors[f] = "Kies als status lopend, afgerond of gestopt."
        elif f == "laatst_beoordeeld":
            d = parse_date(v)
            if d is None:
                errors[f] = "Vul een datum in, bijvoorbeeld 2025-03-01."
            elif d > today():
                errors[f] = "De datum van de laatste beoordeling ligt in de toekomst."
            else:
                out[f] = d.isoformat()
        elif len(v) > MAX_SHORT.get(f, MAX_TEXT):
            errors[f] = f"Dit veld is te lang ({len(v)} tekens; hoogstens {MAX_SHORT.get(f, MAX_TEXT)})."


# ---------------------------------------------------------------- suggestions from the text

@dataclass
class Suggestion:
    field: str
    value: str
    cue: str                 # the words that recognised it
    sentences: list[str]     # the entry's own sentences it rests on


def _cue_pattern(cue: str) -> str:
    if cue.endswith("*"):
        return r"(?<!\w)" + re.escape(fold(cue[:-1]))
    return r"(?<!\w)" + re.escape(fold(cue)) + r"(?:s|e|n|en)?(?!\w)"


def _cue(sentence: str, cues: tuple[str, ...]) -> str | None:
    text = fold(sentence)
    for c in cues:
        if re.search(_cue_pattern(c), text):
            return c.rstrip("*").strip()
    return None


def suggestions(e: Entry, organisation_names: list[str] | None = None) -> dict[str, Suggestion]:
    """Card suggestions for the empty fields of a practice, from its own sentences."""
    if e.type != "praktijk":
        return {}
    from ingest.nlp import sentences
    sents = [s for s in sentences(e.body) if len(s) > 20]
    falend = (e.label or "").lower() == "falend vooruit"
    fields = ["probleem", "aanpak", "kosten", "randvoorwaarden", "looptijd"]
    fields += ["wat_ging_mis", "wat_leerden_we"] if falend else ["lessen"]
    out: dict[str, Suggestion] = {}
    used: set[str] = set()
    for f in fields:
        if getattr(e, f):
            continue
        hits, cue = [], None
        for s in sents:
            c = _cue(s, CUES[f])
            if c and s not in used:
                hits.append(s)
                cue = cue or c
            if len(hits) == MAX_SENTENCES:
                break
        if hits:
            if f != "aanpak":            # the approach may repeat what other fields quote
                used.update(hits)
            out[f] = Suggestion(f, " ".join(hits), cue, hits)
    if not e.praktijkstatus:
        found = {st: (s, c) for s in sents for st, cues in STATE_CUES.items() if (c := _cue(s, cues))}
        if len(found) == 1:
            st, (s, c) = next(iter(found.items()))
            out["praktijkstatus"] = Suggestion("praktijkstatus", st, c, [s])
    if not e.contact and organisation_names:
        out["contact"] = Suggestion("contact", ", ".join(organisation_names), "organisaties van dit kennisitem", [])
    return out


# ---------------------------------------------------------------- results with their source

def result_sources(conn: sqlite3.Connection, e: Entry) -> list[tuple[str, dict | None]]:
    """Each quantified result with the source passage that states it (its words or all its
    figures), or None when no cited passage does (a curator added it)."""
    passages = []
    for s in e.sources:
        doc = get_document(conn, s.document_id)
        if doc is not None:
            passages.append((normalise(doc.text[s.start:s.end]), figures(doc.text[s.start:s.end]),
                             {"document": s.document_id, "document_title": doc.title, "heading": s.heading,
                              "start": s.start, "end": s.end}))
    out = []
    for r in e.results:
        n, fig = normalise(r), figures(r)
        hit = next((c for text, figs, c in passages if n and n in text), None)
        if hit is None and fig:
            hit = next((c for _, figs, c in passages if all(x in figs for x in fig)), None)
        out.append((r, hit))
    return out


# ---------------------------------------------------------------- review reminder

def review_due(conn: sqlite3.Connection, on: date | None = None) -> dict:
    """Published practices whose card was last reviewed two years ago or longer
    ({"due": [{id, title, laatst_beoordeeld}], "never": number without a review date})."""
    on = on or today()
    try:
        limit = on.replace(year=on.year - REVIEW_YEARS)
    except ValueError:                       # 29 February
        limit = on.replace(year=on.year - REVIEW_YEARS, day=28)
    due, never = [], 0
    for r in conn.execute("SELECT id, title, json_extract(card, '$.laatst_beoordeeld') AS d FROM entries "
                          "WHERE type = 'praktijk' AND status = 'gepubliceerd' ORDER BY d, id"):
        if not r["d"]:
            never += 1
        elif r["d"] <= limit.isoformat():
            due.append({"id": r["id"], "title": r["title"], "laatst_beoordeeld": r["d"]})
    return {"due": due, "never": never, "limit": limit.isoformat()}
