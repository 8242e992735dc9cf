"""One view shape per kind, read by the templates, the JSON API, the downloads (CSV/JSON) and
the CLI's JSON: a search result (`result_view`), a search page (`search_response`), a plan
recommendation (`recommendation_view`), a plan match (`match_response`) and a similar
region (`similar_dict`). CSV rows are made from these views, never from the engine's objects.

Words for the user (match labels, confidence, coverage) are made here once, so every front
end says the same thing.
"""
from __future__ import annotations

import math
import re
from urllib.parse import quote, urlencode

from index.analysis import fold
from kb.documents import REDACTIE_PREFIX
from web.present import type_label

MATCH_LABELS = {"sterk": "Sterke match", "mogelijk": "Mogelijke match", None: "Geen match"}

# ---------------------------------------------------------------- urls


def entry_url(entry_id: str) -> str:
    return f"/items/{quote(entry_id)}"


def region_url(region_id: str) -> str:
    return f"/regios/{quote(region_id)}"


def source_url(document: str | None, start: int | None = None, end: int | None = None,
               entry_id: str | None = None) -> str | None:
    """The source page with the cited span highlighted and scrolled to (#passage). None for
    the first text of an entry a curator wrote (kb.documents.add_editorial_document): not public."""
    if not document or document.startswith(REDACTIE_PREFIX):
        return None
    params = {}
    if start is not None and end is not None:
        params = {"van": start, "tot": end}
    if entry_id:
        params["item"] = entry_id
    q = ("?" + urlencode(params)) if params else ""
    return f"/bronnen/{quote(document)}{q}" + ("#passage" if "van" in params else "")


def citations_out(citations: list[dict], entry_id: str) -> list[dict]:
    """An entry's citations (kb.published.entry_citations) with the link to each passage."""
    return [c | {"url": source_url(c["document"], c["start"], c["end"], entry_id)} for c in citations]


def source_dict(src, entry_id: str) -> dict:
    src = src.to_dict() if hasattr(src, "to_dict") else dict(src or {})
    all_ = [dict(c, url=source_url(c.get("document"), c.get("start"), c.get("end"), entry_id))
            for c in src.get("all", [])]
    src["all"] = all_
    src["url"] = source_url(src.get("document"), src.get("start"), src.get("end"), entry_id)
    return src


# ---------------------------------------------------------------- confidence in words


def percent_text(p: float | None) -> str:
    """0.7249 -> '72%' (whole percents, rounded down, so that a value just under a threshold
    never reads as the threshold); below 1%: 'minder dan 1%'."""
    if p is None:
        return ""
    return "minder dan 1%" if p < 0.01 else f"{math.floor(p * 100 + 1e-9)}%"


def match_words(match: str | None, confidence: float | None, decided: bool = True) -> dict:
    """The match decision for people: label ('Sterke match' / 'Mogelijke match' / 'Geen match'),
    'zekerheid 72%', and whether it fits. Without a fitted decision (decided=False) all are None."""
    if not decided:
        return {"match_label": None, "confidence_label": None, "fits": None}
    return {"match_label": MATCH_LABELS.get(match, MATCH_LABELS[None]),
            "confidence_label": f"zekerheid {percent_text(confidence)}" if confidence is not None else None,
            "fits": match is not None}


# ---------------------------------------------------------------- search results


def result_view(r, rank: int, *, decided: bool = True) -> dict:
    """A search result (search.engine.Result) as every front end shows it."""
    d = r.to_dict()
    d.update(rank=rank, type_label=type_label(r.type, r.label), url=entry_url(r.id),
             source=source_dict(r.source, r.id), **match_words(r.match, r.confidence, decided))
    return d


def facets_dict(facets) -> dict:
    return {f.name: [{"value": v.value, "label": v.label, "count": v.count, "filter": v.params}
                     for v in f.values] for f in facets}


_TOKEN = re.compile(r"\w+(?:-\w+)*")


def typed_corrections(query: str, corrections: dict) -> dict[str, str]:
    """The engine's corrections {folded word: word of the index} keyed by the word as the user
    typed it ('carrièreswichers', not 'carriereswichers')."""
    out: dict[str, str] = {}
    for m in _TOKEN.finditer(query):
        real = corrections.get(fold(m.group(0)))
        if real is not None:
            out.setdefault(m.group(0), real)
    return out


def corrected_query(query: str, typed: dict) -> str | None:
    """The question with each corrected word (as typed) replaced; None without corrections."""
    if not typed:
        return None
    return _TOKEN.sub(lambda m: typed.get(m.group(0), m.group(0)), query)


EMPTY_MESSAGE = "De kennisbank heeft (nog) geen passende praktijk voor dit knelpunt."


def search_response(outcome) -> dict:
    """A search page (web.searching.SearchOutcome): the API's answer and the page's data."""
    decided = outcome.decided
    typed = typed_corrections(outcome.query, outcome.corrections)
    return {
        "query": outcome.query, "filters": outcome.filters.params(), "total": outcome.total,
        "offset": outcome.offset, "limit": outcome.limit, "alles": outcome.alles, "decided": decided,
        "about_policy": outcome.about_policy,
        "message": EMPTY_MESSAGE if (decided and not outcome.alles and not outcome.total) else None,
        "corrections": typed, "also_searched": list(outcome.also_searched),
        "corrected_query": corrected_query(outcome.query, typed),
        "decision": outcome.decision,
        "results": [result_view(r, outcome.offset + i + 1, decided=decided) for i, r in enumerate(outcome.results)],
        "nearest": [result_view(r, i, decided=decided) for i, r in enumerate(outcome.nearest, 1)],
        "context": [result_view(r, i, decided=decided) for i, r in enumerate(outcome.context, 1)],
        "facets": facets_dict(outcome.facets),
    }


SEARCH_COLUMNS = [
    ("rank", "rang"), ("title", "titel"), ("type_label", "soort"), ("match_label", "match"),
    ("confidence", "zekerheid"), ("sentence", "zin die aansloot"), ("matched_terms", "gevonden woorden"),
    ("reason", "reden"), ("regions", "regio's"), ("themes", "thema's"), ("actielijnen", "actielijnen"),
    ("branches", "branches"), ("citation", "bron"), ("id", "id"), ("url", "adres"),
]


def search_rows(views: list[dict], base_url: str = "") -> list[dict]:
    """CSV rows of result views."""
    return [{"rank": v["rank"], "title": v["title"], "type_label": v["type_label"],
             "match_label": v["match_label"] or "", "confidence": percent_text(v["confidence"]),
             "sentence": v["explanation"].get("sentence", ""),
             "matched_terms": v["explanation"].get("matched_terms", []),
             "reason": v["explanation"].get("reason", ""), "regions": v["regions"], "themes": v["themes"],
             "actielijnen": v["actielijnen"], "branches": v["branches"],
             "citation": v["explanation"].get("citation", ""), "id": v["id"], "url": base_url + v["url"]}
            for v in views]


# ---------------------------------------------------------------- plan matching


def address_view(a: dict, decided: bool = True) -> dict:
    """One bottleneck a recommendation helps with (search.matching: only those it matches)."""
    return {k: a.get(k) for k in ("bottleneck", "text", "relevance", "confidence", "match", "sentence",
                                  "highlights", "reason")} | match_words(a.get("match"), a.get("confidence"), decided)


def recommendation_view(r, rank: int, decided: bool = True) -> dict:
    return {"rank": rank, "id": r.id, "type": r.type, "label": r.label, "type_label": type_label(r.type, r.label),
            "title": r.title, "summary": r.summary, "score": r.score, "in_region": r.in_region,
            "erkenning": r.erkenning,
            "regions": r.regions, "themes": r.themes,
            "addresses": [address_view(a, decided) for a in r.addresses],
            "explanation": r.explanation, "source": source_dict(r.source, r.id), "url": entry_url(r.id)}


def bottleneck_view(b: dict) -> dict:
    """A plan's bottleneck with its own matches (entry ids), `gap` and the nearest items that do
    not fit (labelled as such)."""
    return dict(b) | {"label": f"K{b['index'] + 1}", "matches": list(b.get("matches", [])),
                      "gap": bool(b.get("gap")),
                      "nearest": [dict(n, fits=False, url=entry_url(n["id"])) for n in b.get("nearest", [])]}


def coverage_view(result) -> dict:
    """'x van de y knelpunten (gewogen z%)': bottlenecks with at least one match."""
    n = len(result.bottlenecks)
    covered = sum(1 for b in result.bottlenecks if not b.get("gap"))
    text = f"{covered} van de {n} knelpunten (gewogen {percent_text(result.coverage) or '0%'})"
    return {"covered": covered, "bottlenecks": n, "weighted": result.coverage, "text": text}


def plan_dict(plan) -> dict | None:
    if plan is None:
        return None
    return {"id": plan.id, "title": plan.title, "example": bool(plan.example), "bottlenecks": len(plan.bottlenecks),
            "updated_at": plan.updated_at or None}


def match_response(result, *, region: str | None, plan=None, stored: bool = True, message: str | None = None) -> dict:
    """A plan match (search.matching.MatchResult): the API's answer, the pages' and the CLI's data."""
    if result is None:
        return {"region": region, "plan": None, "has_plan": False, "message": message, "decided": True,
                "bottlenecks": [], "coverage": 0.0, "covered": 0, "coverage_text": None, "uncovered": [],
                "total": 0, "offset": 0, "limit": 0, "recommendations": [], "advice": [], "bouwstenen": [],
                "pitfalls": []}
    decided = result.decided
    cov = coverage_view(result)
    recs = [recommendation_view(r, i, decided) for i, r in enumerate(result.recommendations, 1)]
    return {"region": region, "plan": plan_dict(plan) if stored else None, "has_plan": True, "message": message,
            "decided": decided, "bottlenecks": [bottleneck_view(b) for b in result.bottlenecks],
            "coverage": result.coverage, "covered": cov["covered"], "coverage_text": cov["text"],
            "uncovered": list(result.uncovered), "total": len(recs), "offset": 0, "limit": len(recs),
            "recommendations": recs,
            "advice": [recommendation_view(r, i, decided) for i, r in enumerate(result.advice, 1)],
            "bouwstenen": [recommendation_view(r, i, decided) for i, r in enumerate(result.bouwstenen, 1)],
            "pitfalls": [recommendation_view(r, i, decided) for i, r in enumerate(result.pitfalls, 1)]}


MATCH_COLUMNS = [
    ("group", "onderdeel"), ("rank", "rang"), ("title", "titel"), ("type_label", "soort"), ("match", "match"),
    ("confidence", "zekerheid"), ("bottlenecks", "helpt bij knelpunten"), ("sentence", "zin die aansloot"),
    ("reason", "reden"), ("in_region", "al in de regio"), ("nearest", "dichtstbij (niet passend)"),
    ("weight", "gewicht"), ("citation", "bron"), ("id", "id"), ("url", "adres"),
]
GROUP_NAMES = {"recommendations": "aanbevolen praktijk", "advice": "advies", "bouwstenen": "bouwsteen",
               "pitfalls": "let op (Falend Vooruit)"}
GAP_TEXT = "Geen passende praktijk in de kennisbank"


def match_rows(view: dict, base_url: str = "") -> list[dict]:
    """CSV rows of a match view: the coverage, each bottleneck (with its gap), then each
    recommendation with the bottlenecks it matches."""
    if not view.get("has_plan"):
        return []
    rows = [{"group": "dekking", "title": view["coverage_text"],
             "match": f"{len(view['uncovered'])} zonder passende praktijk" if view["decided"] else ""}]
    for b in view["bottlenecks"]:
        n = len(b["matches"])
        status = (GAP_TEXT if b["gap"] else f"{n} passend{'' if n == 1 else 'e'} item{'' if n == 1 else 's'}") \
            if view["decided"] else ""
        rows.append({"group": "knelpunt", "rank": b["label"], "title": b["text"], "match": status,
                     "nearest": [x["title"] for x in b["nearest"]], "weight": b["weight"]})
    for group in ("recommendations", "advice", "bouwstenen", "pitfalls"):
        for r in view[group]:
            best = max(r["addresses"], key=lambda a: a["confidence"] or 0.0) if r["addresses"] else {}
            first = r["addresses"][0] if r["addresses"] else {}
            rows.append({"group": GROUP_NAMES[group], "rank": r["rank"], "title": r["title"],
                         "type_label": r["type_label"], "match": best.get("match_label") or "",
                         "confidence": percent_text(best.get("confidence")),
                         "bottlenecks": [f"K{a['bottleneck'] + 1}: {a['text']}" for a in r["addresses"]],
                         "sentence": first.get("sentence", ""), "reason": first.get("reason", ""),
                         "in_region": "ja" if r["in_region"] else "nee",
                         "citation": r["explanation"].get("citation", ""), "id": r["id"],
                         "url": base_url + r["url"]})
    return rows


# ---------------------------------------------------------------- similar regions


def similar_dict(s: dict) -> dict:
    return {"region": s["region"], "name": s["name"], "score": s["score"], "plan": s["plan"],
            "shared": s["shared"], "url": region_url(s["region"])}


SIMILAR_COLUMNS = [
    ("rank", "rang"), ("name", "regio"), ("score", "gelijkenis"), ("themes", "gedeelde thema's"),
    ("statement", "knelpunt hier"), ("other", "vergelijkbaar knelpunt daar"), ("region", "id"), ("url", "adres"),
]


def similar_rows(views: list[dict], base_url: str = "") -> list[dict]:
    """CSV rows of similar-region views (similar_dict)."""
    rows = []
    for i, s in enumerate(views, 1):
        pair = (s["shared"].get("statements") or [{}])[0]
        rows.append({"rank": i, "name": s["name"], "score": s["score"],
                     "themes": [t["label"] for t in s["shared"].get("themes", [])],
                     "statement": pair.get("statement", ""), "other": pair.get("other", ""),
                     "region": s["region"], "url": base_url + s["url"]})
    return rows
