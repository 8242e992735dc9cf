"""The 28 labour-market regions: resolving what a user typed to one region, region facts.

One rule resolves a region everywhere (web pages, API, CLI): an id, number (1-28), name,
full name, alias or place name that denotes exactly one region. A name that covers several
regions ("Limburg", "Brabant", "Gelderland", ...) is refused with the candidates listed;
an unknown name is refused as well. Nothing is guessed.
"""
from __future__ import annotations

from ingest.registry import NATIONAL, Registry


class RegionError(ValueError):
    """A region name that does not denote exactly one region; `str(err)` is Dutch."""

    def __init__(self, value: str, message: str, candidates: list[str] = ()):
        super().__init__(message)
        self.value = value
        self.candidates = list(candidates)


class UnknownRegion(RegionError):
    pass


class AmbiguousRegion(RegionError):
    pass


def region_label(registry: Registry, region_id: str) -> str:
    """'Zuid-Limburg (28)': a region's name with its number."""
    info = region_info(registry, region_id)
    if info is None:
        return registry.national["name"] if region_id == NATIONAL else region_id
    return f"{info['name']} ({info['number']})"


def resolve_region(registry: Registry, value: str | int, *, national: bool = False) -> str:
    """The id of the one region `value` denotes. With `national`, 'landelijk' (the national
    scope, not a region) is accepted too. Raises UnknownRegion or AmbiguousRegion (Dutch)."""
    text = str(value).strip()
    ids = registry.resolve_region(text) if text else []
    if not national:
        ids = [r for r in ids if r != NATIONAL]
    if not ids:
        raise UnknownRegion(text, f"Onbekende regio '{text}'. Gebruik de naam, het nummer (1–28) of de id van een "
                                  "van de 28 regio's.")
    if len(ids) > 1:
        names = [region_label(registry, r) for r in ids]
        listed = ", ".join(names[:-1]) + " en " + names[-1]
        raise AmbiguousRegion(text, f"'{text}' past bij {len(ids)} regio's: {listed}. Kies er één.", ids)
    return ids[0]


def find_region(registry: Registry, value: str | None) -> str | None:
    """The region a text names (for example a plan's cover), or None when it names none or
    several: used where a region is inferred, never where a user chose one."""
    if not value:
        return None
    try:
        return resolve_region(registry, value)
    except RegionError:
        return None


def region_info(registry: Registry, region_id: str) -> dict | None:
    for r in registry.regions:
        if r["id"] == region_id:
            return r
    return None


def employers_by_region(registry: Registry) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for emp in registry.employers:
        for r in emp["regions"]:
            out.setdefault(r, []).append(emp["name"])
    return out
