"""Structure-aware segmentation: a document's text -> entry drafts with provenance spans.

Each known kind of source has its own small segmenter; an unknown document is split on its
headings. Spans are character offsets into the document text as stored, so a citation can
always be shown in context. Drafts carry only what the structure says (title, body, type,
actielijn and theme of the section they sit in); enrichment (regions, organisations,
branches, results, chunks) happens in ingest.pipeline.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ingest.clean import clean_block, first_sentence, one_line, strip_markup
from ingest.model import Draft, Source, fold, slugify
from ingest.registry import Registry

ACTIELIJN_BY_CHAPTER = {"2": "meer-kiezen", "3": "beter-leren", "4": "anders-werken"}
ROMAN = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X"]


@dataclass
class Line:
    start: int
    end: int
    text: str


@dataclass
class Segmented:
    kind: str                       # programme / advice-letter / evaluation-report / web-summary / news / generic
    entries: list[Draft] = field(default_factory=list)
    organisations: list[tuple[str, str]] = field(default_factory=list)   # (name, region text)
    warnings: list[str] = field(default_factory=list)


def lines_of(text: str) -> list[Line]:
    out, pos = [], 0
    for raw in text.split("\n"):
        out.append(Line(pos, pos + len(raw), raw))
        pos += len(raw) + 1
    return out


_H = re.compile(r"^(#{1,6})\s+(.*?)\s*$")


def heading(line: Line) -> tuple[int, str] | None:
    m = _H.match(line.text)
    return (len(m.group(1)), m.group(2)) if m else None


def heading_title(raw: str) -> str:
    """'### **Maak werk van jezelf in de zorg!**' -> 'Maak werk van jezelf in de zorg!'."""
    t = one_line(strip_markup(raw)).strip()
    return t.rstrip(":").strip()


def _theme_for(registry: Registry, section: str | None = None, title: str | None = None) -> list[str]:
    for t in registry.themes:
        if section and section in t.get("sections", []):
            return [t["id"]]
        if title and fold(title) in [fold(h) for h in t.get("headings", [])]:
            return [t["id"]]
    return []


def actielijn_of_theme(registry: Registry, theme: str) -> list[str]:
    for t in registry.themes:
        if t["id"] == theme and t.get("sections"):
            return [ACTIELIJN_BY_CHAPTER[t["sections"][0][0]]]
    return []


def detect_kind(text: str) -> str:
    head = text[:4000]
    if re.search(r"^# Bijlage 2", text, re.M) and "Goede voorbeelden" in text and re.search(r"Actieprogramma", head):
        return "programme"
    if "Adviezen aan" in text and re.search(r"commissie Werken in de Zorg", text, re.I):
        return "advice-letter"
    if re.search(r"^\s*Bouwsteen I\s*$", text, re.M) and "Respondenten" in text:
        return "evaluation-report"
    if re.search(r"Bouwsteen I\b", text) and "Bouwsteen IX" in text:
        return "web-summary"
    if re.search(r"voortgang", head, re.I) and "RAAT" in text:
        return "news"
    return "generic"


def segment(doc_id: str, text: str, registry: Registry) -> Segmented:
    kind = detect_kind(text)
    fn = {"programme": segment_programme, "advice-letter": segment_advice_letter,
          "evaluation-report": segment_evaluation_report, "web-summary": segment_web_summary,
          "news": segment_news}.get(kind, segment_generic)
    result = fn(doc_id, text, registry)
    result.kind = kind
    return result


def _entry(doc_id: str, type_: str, title: str, body: str, heading_path: str, start: int, end: int,
           **kw) -> Draft:
    return Draft(id=kw.pop("id", None) or slugify(title), type=type_, title=title, body=body,
                 sources=[Source(doc_id, heading_path, start, end)], **kw)


# ---------------------------------------------------------------- the action programme

def segment_programme(doc_id: str, text: str, registry: Registry) -> Segmented:
    lines = lines_of(text)
    out = Segmented("programme")
    chapter, chapter_title = None, ""
    sections: list[dict] = []         # numbered sections with their line ranges
    i = 0
    while i < len(lines):
        h = heading(lines[i])
        if h:
            level, raw = h
            m_ch = re.match(r"^(\d)\.\s*$", raw)
            m_sec = re.match(r"^(\d\.\d)\s+(.+)$", raw)
            if level == 1 and m_ch:
                chapter = m_ch.group(1)
                nxt = next((j for j in range(i + 1, len(lines)) if heading(lines[j])), None)
                chapter_title = heading_title(heading(lines[nxt])[1]) if nxt else ""
                # the chapter's introduction ("Ambities en resultaten") is a section of its own
                sections.append(dict(number=chapter, title=chapter_title, chapter=chapter, start=i))
            elif level == 1 and raw.startswith("Bijlage"):
                chapter = "B" + raw.split()[-1]
                sections.append(dict(number=None, title=raw, chapter=chapter, start=i))
            elif level == 2 and m_sec and chapter and chapter.isdigit():
                sections.append(dict(number=m_sec.group(1), title=heading_title(m_sec.group(2)),
                                     chapter=chapter, start=i, chapter_title=chapter_title))
        i += 1
    for s, nxt in zip(sections, sections[1:] + [None]):
        s["end"] = nxt["start"] if nxt else len(lines)
    numbered = [s for s in sections if s["number"]]

    # Boxed practices in chapters 2-4: text between two '---' fences that starts with a heading.
    boxes: list[tuple[int, int]] = []
    for sec in numbered:
        if sec["chapter"] not in ACTIELIJN_BY_CHAPTER:
            continue
        fences = [j for j in range(sec["start"], sec["end"]) if lines[j].text.strip() == "---"]
        for a, b in zip(fences, fences[1:] + [sec["end"]]):
            body_idx = [j for j in range(a + 1, b) if lines[j].text.strip()]
            if not body_idx or not heading(lines[body_idx[0]]):
                continue
            first = body_idx[0]
            level, raw = heading(lines[first])
            if re.match(r"^\d\.\d\s", raw) or any(heading(lines[j]) for j in body_idx[1:]):
                continue
            seg_text = text[lines[first].start:lines[b - 1].end]
            if level <= 2 and re.search(r"\b(?:VWS|we|wij)\b", seg_text):
                continue   # a sub-heading of the programme's own text, not a boxed example
            boxes.append((first, b))
            title = heading_title(heading(lines[first])[1])
            start, end = lines[first].start, lines[b - 1].end
            body = clean_block(text[lines[first].end:end])
            theme = _theme_for(registry, section=sec["number"])
            path = f"{sec['number']} {sec['title']} > {title}"
            out.entries.append(_entry(doc_id, "praktijk", title, body, path, start, end,
                                      actielijnen=[ACTIELIJN_BY_CHAPTER[sec["chapter"]]], themes=theme))
    # Sections 1.1-5 as 'beleid' entries, without their boxes and footnotes.
    for sec in numbered:
        keep = []
        for j in range(sec["start"] + 1, sec["end"]):
            if any(a <= j < b for a, b in boxes) or lines[j].text.strip() == "---":
                continue
            h = heading(lines[j])
            if h and heading_title(h[1]) == sec["title"]:
                continue           # the chapter title under '# 2.' repeats the entry title
            keep.append(lines[j].text)
        raw = "\n".join(keep)
        raw = re.sub(r"^(?:<sup>\d+</sup>|\d{1,2}) [A-Z<].*$", "", raw, flags=re.M)   # footnotes
        body = clean_block(raw)
        if len(body) < 100:
            continue
        title = f"{sec['number']} {sec['title']}"
        start, end = lines[sec["start"]].start, lines[sec["end"] - 1].end
        theme = _theme_for(registry, section=sec["number"])
        actielijn = [ACTIELIJN_BY_CHAPTER[sec["chapter"]]] if sec["chapter"] in ACTIELIJN_BY_CHAPTER else []
        out.entries.append(_entry(doc_id, "beleid", title, body, f"Actieprogramma > {title}", start, end,
                                  id="actieprogramma-" + slugify(title), number=sec["number"],
                                  actielijnen=actielijn, themes=theme))
    # Bijlage 2: good examples per actielijn.
    b2 = next((s for s in sections if s["chapter"] == "B2"), None)
    if b2:
        out.entries += _bijlage2(doc_id, text, lines, b2["start"], b2["end"], registry)
    return out


def _bijlage2(doc_id: str, text: str, lines: list[Line], lo: int, hi: int, registry: Registry) -> list[Draft]:
    entries: list[Draft] = []
    actielijn: list[str] = []
    theme: list[str] = []
    theme_title = ""
    examples: list[tuple[int, str]] = []      # (line index of title, title)
    end_idx = hi
    for j in range(lo, hi):
        t = lines[j].text.strip()
        if re.match(r"^\*\*Dit is een uitgave", t):
            end_idx = j
            break
    for j in range(lo + 1, end_idx):
        h = heading(lines[j])
        t = lines[j].text.strip()
        if h:
            raw = h[1].strip()
            m = re.search(r"actielijn\s+(\d)", raw, re.I)
            if m:
                actielijn = [ACTIELIJN_BY_CHAPTER[str(int(m.group(1)) + 1)]]
                continue
            if re.fullmatch(r"\*[^*].*[^*]\*", raw) or re.fullmatch(r"\*[^*]\*", raw):
                examples.append((j, heading_title(raw), list(actielijn), list(theme), theme_title))
            elif raw.lower() != "goede voorbeelden":
                theme_title = heading_title(raw)
                theme = _theme_for(registry, title=theme_title)
        elif re.fullmatch(r"\*[^*].{3,150}[^*]\*", t):
            prev = next((k for k in range(j - 1, lo, -1) if lines[k].text.strip()), None)
            if prev is not None and heading(lines[prev]):
                examples.append((j, heading_title(t), list(actielijn), list(theme), theme_title))
    marks = [e[0] for e in examples]
    for n, (j, title, al, th, tt) in enumerate(examples):
        stop = end_idx
        for k in range(j + 1, end_idx):
            if heading(lines[k]) or k in marks:
                stop = k
                break
        start, end = lines[j].start, lines[stop - 1].end
        body = clean_block(text[lines[j].end:end])
        entries.append(_entry(doc_id, "praktijk", title, body, f"Bijlage 2 Goede voorbeelden > {tt} > {title}",
                              start, end, actielijnen=al, themes=th))
    return entries


# ---------------------------------------------------------------- the committee's advice letter

_ADVICE_THEME = re.compile(r"^\s*Adviezen met betrekking tot het thema (.+?):\s*$")
_ADVICE_AUDIENCE = re.compile(r"^\s*Adviezen aan (de individuele zorgorganisaties|VWS)")
_FOOTNOTE = re.compile(r"^\s*\d{1,2} [A-Z]")


def segment_advice_letter(doc_id: str, text: str, registry: Registry) -> Segmented:
    lines = lines_of(text)
    out = Segmented("advice-letter")
    theme_title, audience = None, None
    bullets: list[dict] = []
    current: dict | None = None
    prev_blank = False
    skipping_note = False
    j = 0
    while j < len(lines):
        t = lines[j].text
        s = t.strip()
        m_theme = _ADVICE_THEME.match(t)
        if not m_theme and t.strip().startswith("Adviezen met betrekking tot het thema"):
            # the theme name may wrap onto the next line
            joined = t.strip() + " " + lines[j + 1].text.strip()
            m_theme = _ADVICE_THEME.match(joined)
            if m_theme:
                j += 1
        if m_theme:
            theme_title, current = one_line(m_theme.group(1)), None
        elif _ADVICE_AUDIENCE.match(t):
            audience, current = ("regio" if "individuele" in t else "landelijk"), None
        elif s == "Ter afsluiting":
            theme_title, current = None, None
        elif theme_title and audience and s.startswith("- "):
            current = dict(start=lines[j].start + t.index("- ") + 2, end=lines[j].end, parts=[s[2:]],
                           theme=theme_title, audience=audience)
            bullets.append(current)
        elif current is not None:
            if not s:
                prev_blank = True
                j += 1
                continue
            if prev_blank and _FOOTNOTE.match(t):
                skipping_note = True
            elif skipping_note and not s[0].islower():
                pass
            elif prev_blank and not (s[0].islower() or skipping_note):
                current = None
            else:
                skipping_note = False
                current["parts"].append(s)
                current["end"] = lines[j].end
        prev_blank = not s
        j += 1
    for b in bullets:
        body = clean_block(" ".join(b["parts"]))
        title = first_sentence(body).rstrip(".").strip()
        themes = _theme_for(registry, title=b["theme"])
        actielijnen = actielijn_of_theme(registry, themes[0]) if themes else []
        path = f"Adviezen met betrekking tot het thema {b['theme']} > " + (
            "Adviezen aan de individuele zorgorganisaties en alle regionaal samenwerkende partijen"
            if b["audience"] == "regio" else "Adviezen aan VWS en de landelijke partijen")
        out.entries.append(_entry(doc_id, "advies", title, body, path, b["start"], b["end"],
                                  id=slugify(title, max_words=8), audience=b["audience"],
                                  themes=themes, actielijnen=actielijnen))
    return out


# ---------------------------------------------------------------- the evaluation report

def _roman_title(registry: Registry, number: str, title: str) -> str:
    return f"Bouwsteen {number}: {title.rstrip('.').strip()}"


def segment_evaluation_report(doc_id: str, text: str, registry: Registry) -> Segmented:
    lines = lines_of(text)
    out = Segmented("evaluation-report")
    marks = [(j, re.match(r"^\s*Bouwsteen ([IVX]+)\s*$", ln.text)) for j, ln in enumerate(lines)]
    marks = [(j, m.group(1)) for j, m in marks if m]
    stops = re.compile(r"^\s*(\d\.\d+ [A-Z]|Bouwsteen [IVX]+\s*$|Figuur \d|\d+ Bouwstenen voor|\s*\d{1,3}\s*$)")
    for j, number in marks:
        k = j + 1
        while k < len(lines) and not lines[k].text.strip():
            k += 1
        title_line = k
        body_lines, notes = [], []
        k = title_line + 1
        in_note = False
        while k < len(lines) and not stops.match(lines[k].text):
            s = lines[k].text.strip()
            if re.match(r"^\d{1,2} [A-Z]", s):
                in_note = True
                notes.append(s[2:].strip() if s[1] == " " else s[3:].strip())
            elif in_note and s and s[0].islower() or (in_note and s and not notes[-1].endswith(".")):
                notes[-1] += " " + s
            elif s:
                in_note = False
                body_lines.append(lines[k].text)
            else:
                body_lines.append("")
            k += 1
        end = lines[k - 1].end
        while end > lines[j].start and text[end - 1].isspace():
            end -= 1
        title = _roman_title(registry, number, one_line(lines[title_line].text))
        body = clean_block("\n".join(body_lines))
        if notes:
            body += "\n\n" + "\n".join("Noot: " + one_line(n) for n in notes)
        out.entries.append(_entry(
            doc_id, "bouwsteen", title, body, f"4 Bouwstenen voor een toekomstbestendige landelijke "
            f"ondersteuning > Bouwsteen {number}", lines[j].start + lines[j].text.index("Bouwsteen"), end,
            id=f"bouwsteen-{number.lower()}", number=number))
    out.organisations = respondent_table(text, registry)
    return out


def respondent_table(text: str, registry: Registry) -> list[tuple[str, str]]:
    """Bijlage A of the evaluation report: 'Organisatie  Arbeidsmarktregio' rows, names and
    regions possibly wrapped over several lines."""
    m = re.search(r"^\s*Organisatie\s+Arbeidsmarktregio\s*$", text, re.M)
    if not m:
        return []
    region_names = set()
    for alias in list(registry.region_aliases(places=False)) + ["Landelijk", "Zwolle", "Rotterdam-Rijnmond"]:
        region_names.add(alias)
    region_names |= {"Regio " + a for a in list(region_names)}
    rows, buf = [], ""
    for raw in text[m.end():].split("\n"):
        s = one_line(raw)
        if not s or s == "A. Respondenten" or s.isdigit():
            continue
        buf = (buf + " " + s).strip()
        for name in sorted(region_names, key=len, reverse=True):
            if buf.endswith(name) and len(buf) > len(name):
                org = buf[: -len(name)].strip()
                if org:
                    rows.append((org, name))
                buf = ""
                break
    return rows


def segment_web_summary(doc_id: str, text: str, registry: Registry) -> Segmented:
    """The Kennisland web page: a bullet per bouwsteen, 'Bouwsteen IV Title. Explanation'."""
    out = Segmented("web-summary")
    lines = lines_of(text)
    marks = [(j, re.match(r"^\s*•\s*Bouwsteen ([IVX]+)\s+(.+)$", ln.text)) for j, ln in enumerate(lines)]
    marks = [(j, m) for j, m in marks if m]
    for n, (j, m) in enumerate(marks):
        stop = marks[n + 1][0] if n + 1 < len(marks) else j + 1
        while stop < len(lines) and n + 1 == len(marks) and lines[stop].text.strip():
            stop += 1
        number, title = m.group(1), m.group(2).strip()
        explanation = clean_block("\n".join(ln.text for ln in lines[j + 1:stop]), streamers=True)
        start = lines[j].start + lines[j].text.index("Bouwsteen")
        end = lines[stop - 1].end
        out.entries.append(_entry(doc_id, "bouwsteen", _roman_title(registry, number, title),
                                  explanation, f"Bouwstenen voor nationale en regionale samenwerking > "
                                  f"Bouwsteen {number}", start, end, id=f"bouwsteen-{number.lower()}",
                                  number=number, summary=title.rstrip(".") + ". " + explanation))
    return out


# ---------------------------------------------------------------- news item and unknown documents

def segment_news(doc_id: str, text: str, registry: Registry) -> Segmented:
    lines = [ln for ln in lines_of(text) if ln.text.strip()]
    title = one_line(lines[0].text)
    body = clean_block(text[lines[1].start:])
    body = "\n".join(p for p in body.split("\n") if not re.fullmatch(r"[\d .·:]+uur|Page top visual", p.strip()))
    out = Segmented("news")
    out.entries.append(_entry(doc_id, "beleid", title, body, title, lines[0].start, lines[-1].end))
    return out


def segment_generic(doc_id: str, text: str, registry: Registry) -> Segmented:
    """An unknown document: every practice under a layout heading becomes a proposed entry
    (status 'concept': a curator decides); see ingest.practices."""
    from ingest.practices import practice_drafts, text_blocks
    out = Segmented("generic")
    out.entries = practice_drafts(doc_id, text_blocks(text), text)
    return out
