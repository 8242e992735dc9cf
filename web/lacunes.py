"""Where the web asks search for the knowledge-gap map (search.gaps), with caching, and what
the gap page, the region page's section, the beheer dashboard and the plan report share.

The map matches every region's plan; it is kept per live Searcher (Services.cached: a new
index generation after a publish, edit or archive gives a new one) and keyed by the entry
table's version and the plan set (search.gaps.cache_key), so it is computed again when
plans or published entries change, and otherwise served from memory. The plan matches it
uses are the cached ones of the region pages (web.matching.match).
"""
from __future__ import annotations

import logging
import os
import sqlite3
import threading
from datetime import date

from fastapi import Request

from search.gaps import Gap, GapMap, cache_key, gap_map as build_gap_map, region_gaps
from web.matching import match
from web.present import CONTACT_ENV, type_label
from web.serialize import entry_url, region_url

log = logging.getLogger("praktijkwijzer.lacunes")

MONTHS = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober",
          "november", "december")


def gap_map(services, conn: sqlite3.Connection) -> GapMap:
    """The map over the plans that represent the regions (cached, see above)."""
    searcher = services.searcher()

    def compute():
        return build_gap_map(searcher, conn, match=lambda plan: match(services, plan))
    return services.cached(("lacunes", *cache_key(searcher, conn)), compute, owner=searcher)


def warm_up(services) -> None:
    """Compute the gap map of the live Searcher now, so the first region page or gap page after
    a start or a new index generation does not wait for it (about 3 s on 2 cores). Its plan
    matches run in the heavy pool (lower priority) and encode as background work."""
    conn = services.open()
    try:
        gap_map(services, conn)
    except Exception as err:            # noqa: BLE001 - a page computes it (and reports) when asked
        log.warning("De kaart van kennislacunes kon niet vooraf worden berekend (een pagina probeert het opnieuw): %s", err)
    finally:
        conn.close()


def keep_warm(services) -> None:
    """For a serving process: warm the gap map now, and in a background thread after every new
    Searcher (a refresh in this process, or a generation another process made live)."""
    warm_up(services)
    services.after_install = lambda: threading.Thread(target=warm_up, args=(services,), daemon=True,
                                                      name="praktijkwijzer-lacunes").start()


def region_lacunes(services, conn: sqlite3.Connection, region_id: str) -> dict | None:
    """The region page's section "Waar de kennisbank u nog niet helpt" (_lacunes_regio.html):
    {region, items: [{gap, mine, others}], decided}; None when the region has no gap bottleneck
    to tell about because it has no plan on the map."""
    gm = gap_map(services, conn)
    if region_id not in gm.regions:
        return None
    return {"region": region_id, "items": region_gaps(gm, region_id), "decided": gm.decided}


def heaviest_gaps(request: Request, n: int = 5) -> dict:
    """For the beheer dashboard (beheer/_lacunes.html): {gaps: the n heaviest, total, error}."""
    services = request.app.state.services
    conn = services.open()
    try:
        gm = gap_map(services, conn)
    except Exception as err:          # the dashboard must open even when the index is unavailable
        log.warning("gap map for the dashboard failed: %s", err)
        return {"gaps": [], "total": 0, "decided": False,
                "error": f"De kaart van kennislacunes is nu niet beschikbaar: {err}"}
    finally:
        conn.close()
    return {"gaps": gm.gaps[:n], "total": len(gm.gaps), "decided": gm.decided, "error": None}


def contact() -> dict | None:
    """How to reach the Actie Leer Netwerk, when the server is configured with it
    ({href, text}); None otherwise (nothing is invented)."""
    value = os.environ.get(CONTACT_ENV, "").strip()
    if not value:
        return None
    if "@" in value and not value.startswith(("http://", "https://", "mailto:")):
        return {"href": "mailto:" + value, "text": value}
    if value.startswith(("http://", "https://", "mailto:")):
        return {"href": value, "text": value.removeprefix("mailto:")}
    return None


def concept_prefill(gap) -> dict:
    """Query parameters for the beheer form "Nieuw kennisitem", pre-filled from a gap: the
    label as a working title, the regions' own sentences in the text (for the curator to
    replace by the practice), the gap's themes and branches."""
    lines = [f"Kennislacune uit Praktijkwijzer: {gap.label}", "", "Knelpunten uit de regionale plannen:"]
    lines += [f"- {b.region_name}: {b.text}" for b in gap.bottlenecks]
    lines += ["", "Vervang deze tekst door de beschrijving van de praktijk die dit knelpunt aanpakt."]
    return {"type": "praktijk", "label": "voorbeeld", "title": gap.label.rstrip(" …"), "body": "\n".join(lines),
            "themes": list(gap.themes), "branches": list(gap.branches)}


def dutch_date(d: date) -> str:
    return f"{d.day} {MONTHS[d.month - 1]} {d.year}"


# ---------------------------------------------------------------- API, CLI and downloads

def gap_dict(g: Gap, labels: dict[str, dict[str, str]] | None = None) -> dict:
    """One gap as the API, `lacunes --json` and the JSON download give it."""
    labels = labels or {}
    d = g.to_dict()
    d["url"] = f"/kennislacunes#{g.id}"
    d["region_names"] = [labels.get("regio", {}).get(r, r) for r in g.regions]
    d["theme_labels"] = [labels.get("thema", {}).get(t, t) for t in g.themes]
    for n in d["nearest"]:
        n["type_label"] = type_label(n["type"], n.get("label"))
        n["url"] = entry_url(n["id"])
    return d


def gaps_payload(gm: GapMap, labels: dict[str, dict[str, str]] | None = None) -> dict:
    """{"gaps": [...], "total", "decided", "regions", "without_plan", "bottlenecks",
    "gap_bottlenecks", "overview", "threshold", "linkage", "generation", "published", "filters"}."""
    d = gm.to_dict()
    d["gaps"] = [gap_dict(g, labels) for g in gm.gaps]
    return d


GAP_COLUMNS = [
    ("gap", "lacune"), ("label", "omschrijving"), ("weight", "gewicht"), ("n_regions", "aantal regio's"),
    ("region", "regio"), ("text", "knelpunt in het plan"), ("themes", "thema's"), ("branches", "branches"),
    ("nearest", "dichtstbijzijnde kennisitems (passen niet)"), ("url", "adres"),
]


def gap_rows(gm: GapMap, labels: dict[str, dict[str, str]], base_url: str = "") -> list[dict]:
    """One row per bottleneck of each gap (a spreadsheet can filter and count them)."""
    rows = []
    for g in gm.gaps:
        nearest = [n["title"] for n in g.nearest]
        for b in g.bottlenecks:
            rows.append({"gap": g.id, "label": g.label, "weight": g.weight, "n_regions": len(g.regions),
                         "region": b.region_name, "text": b.text,
                         "themes": [labels["thema"].get(t, t) for t in b.themes],
                         "branches": [labels["branche"].get(t, t) for t in b.branches], "nearest": nearest,
                         "url": base_url + region_url(b.region)})
    return rows
