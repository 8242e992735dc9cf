"""Plain dicts for the JSON API and the downloads (CSV/JSON), from search and plan results."""
from __future__ import annotations

from urllib.parse import quote, urlencode

from kb.documents import REDACTIE_PREFIX
from web.present import type_label

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


def source_dict(src: dict, entry_id: str) -> dict:
    src = dict(src or {})
    all_ = [dict(c, url=source_url(c.get("document"), c.get("start"), c.get("end"), entry_id))
            for c in src.get("all", [])]
    src["all"] = all_
    src["url"] = source_url(src.get("document"), src.get("start"), src.get("end"), entry_id)
    return src


# ---------------------------------------------------------------- search results


def result_dict(r, rank: int) -> dict:
    d = r.to_dict()
    d.update(rank=rank, type_label=type_label(r.type, r.label), url=entry_url(r.id),
             source=source_dict(r.source, r.id))
    return d


def facets_dict(facets) -> dict:
    return {f.name: [{"value": v.value, "label": v.label, "count": v.count, "filter": v.params}
                     for v in f.values] for f in facets}


def search_response(outcome) -> dict:
    return {
        "query": outcome.query, "filters": outcome.filters.params(), "total": outcome.total,
        "offset": outcome.offset, "limit": outcome.limit,
        "results": [result_dict(r, outcome.offset + i + 1) for i, r in enumerate(outcome.results)],
        "facets": facets_dict(outcome.facets),
    }


SEARCH_COLUMNS = [
    ("rank", "rang"), ("title", "titel"), ("type_label", "soort"), ("relevance", "relevantie"),
    ("sentence", "zin die aansloot"), ("matched_terms", "gevonden woorden"), ("reason", "reden"),
    ("regions", "regio's"), ("themes", "thema's"), ("actielijnen", "actielijnen"), ("branches", "branches"),
    ("citation", "bron"), ("id", "id"), ("url", "adres"),
]


def search_rows(results, base_url: str = "") -> list[dict]:
    rows = []
    for i, r in enumerate(results, 1):
        rows.append({"rank": i, "title": r.title, "type_label": type_label(r.type, r.label),
                     "relevance": r.relevance, "sentence": r.explanation.get("sentence", ""),
                     "matched_terms": r.explanation.get("matched_terms", []),
                     "reason": r.explanation.get("reason", ""), "regions": r.regions, "themes": r.themes,
                     "actielijnen": r.actielijnen, "branches": r.branches,
                     "citation": r.explanation.get("citation", ""), "id": r.id, "url": base_url + entry_url(r.id)})
    return rows


# ---------------------------------------------------------------- plan matching


def recommendation_dict(r, rank: int) -> dict:
    return {"rank": rank, "id": r.id, "type": r.type, "label": r.label, "type_label": type_label(r.type, r.label),
            "title": r.title, "summary": r.summary, "score": r.score, "in_region": r.in_region,
            "regions": r.regions, "themes": r.themes,
            "addresses": [{k: a[k] for k in ("bottleneck", "text", "relevance", "sentence", "highlights", "reason")}
                          for a in r.addresses],
            "explanation": r.explanation, "source": source_dict(r.source, r.id), "url": entry_url(r.id)}


def plan_dict(plan) -> dict | None:
    if plan is None:
        return None
    return {"id": plan.id, "title": plan.title, "example": bool(plan.example), "bottlenecks": len(plan.bottlenecks),
            "updated_at": plan.updated_at or None}


def match_response(result, *, region: str | None, plan=None, stored: bool = True, message: str | None = None) -> dict:
    if result is None:
        return {"region": region, "plan": None, "has_plan": False, "message": message, "bottlenecks": [],
                "coverage": 0.0, "uncovered": [], "total": 0, "offset": 0, "limit": 0, "recommendations": [],
                "advice": [], "bouwstenen": [], "pitfalls": []}
    recs = [recommendation_dict(r, i) for i, r in enumerate(result.recommendations, 1)]
    return {"region": region, "plan": plan_dict(plan) if stored else None, "has_plan": True, "message": message,
            "bottlenecks": result.bottlenecks, "coverage": result.coverage, "uncovered": result.uncovered,
            "total": len(recs), "offset": 0, "limit": len(recs), "recommendations": recs,
            "advice": [recommendation_dict(r, i) for i, r in enumerate(result.advice, 1)],
            "bouwstenen": [recommendation_dict(r, i) for i, r in enumerate(result.bouwstenen, 1)],
            "pitfalls": [recommendation_dict(r, i) for i, r in enumerate(result.pitfalls, 1)]}


MATCH_COLUMNS = [
    ("group", "onderdeel"), ("rank", "rang"), ("title", "titel"), ("type_label", "soort"), ("score", "score"),
    ("bottlenecks", "helpt bij knelpunten"), ("sentence", "zin die aansloot"), ("reason", "reden"),
    ("in_region", "al in de regio"), ("citation", "bron"), ("id", "id"), ("url", "adres"),
]
GROUP_NAMES = {"recommendations": "aanbevolen praktijk", "advice": "advies", "bouwstenen": "bouwsteen",
               "pitfalls": "let op (Falend Vooruit)"}


def match_rows(result, base_url: str = "") -> list[dict]:
    rows = []
    if result is None:
        return rows
    for group in ("recommendations", "advice", "bouwstenen", "pitfalls"):
        for i, r in enumerate(getattr(result, group), 1):
            first = r.addresses[0] if r.addresses else {}
            rows.append({"group": GROUP_NAMES[group], "rank": i, "title": r.title,
                         "type_label": type_label(r.type, r.label), "score": r.score,
                         "bottlenecks": [f"K{a['bottleneck'] + 1}: {a['text']}" for a in r.addresses],
                         "sentence": first.get("sentence", ""), "reason": first.get("reason", ""),
                         "in_region": "ja" if r.in_region else "nee",
                         "citation": r.explanation.get("citation", ""), "id": r.id,
                         "url": base_url + entry_url(r.id)})
    return rows


# ---------------------------------------------------------------- similar regions


def similar_dict(s: dict) -> dict:
    return {"region": s["region"], "name": s["name"], "score": s["score"], "plan": s["plan"],
            "shared": s["shared"], "url": region_url(s["region"])}


SIMILAR_COLUMNS = [
    ("rank", "rang"), ("name", "regio"), ("score", "gelijkenis"), ("themes", "gedeelde thema's"),
    ("statement", "knelpunt hier"), ("other", "vergelijkbaar knelpunt daar"), ("region", "id"), ("url", "adres"),
]


def similar_rows(similar: list[dict], base_url: str = "") -> list[dict]:
    rows = []
    for i, s in enumerate(similar, 1):
        pair = (s["shared"].get("statements") or [{}])[0]
        rows.append({"rank": i, "name": s["name"], "score": s["score"],
                     "themes": [t["label"] for t in s["shared"].get("themes", [])],
                     "statement": pair.get("statement", ""), "other": pair.get("other", ""),
                     "region": s["region"], "url": base_url + region_url(s["region"])})
    return rows
