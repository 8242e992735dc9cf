"""The filters a user can set on a search (web form, API, CLI), validated in one place.

`validate_filters` turns raw values into `FilterParams` or raises FilterError with a Dutch
message that names the parameter (`field`); the web, the API and the CLI show that same
message. Region names follow kb.regions (an ambiguous name such as 'Limburg' is refused
with the candidates listed).
"""
from __future__ import annotations

from dataclasses import dataclass

from kb.assessments import level_id
from kb.models import ENTRY_TYPES
from kb.regions import RegionError, resolve_region
from kb.registry import Registry

LABELS = {"koploper": "Koploper", "falend vooruit": "Falend Vooruit", "falend-vooruit": "Falend Vooruit",
          "voorbeeld": "voorbeeld"}


class FilterError(ValueError):
    """An unknown filter value; `field` names the parameter, the message is Dutch."""

    def __init__(self, field_name: str, message: str):
        super().__init__(message)
        self.field = field_name


@dataclass
class FilterParams:
    """The filters a user can set (validated against the registry)."""
    type: str | None = None
    label: str | None = None
    actielijn: str | None = None
    thema: str | None = None
    branche: str | None = None
    regio: str | None = None
    erkenning: str | None = None          # recognition level of practices (implies type praktijk)

    def filters(self, status: str | None = "gepubliceerd"):
        """The engine's filters (search.engine.Filters); public pages and the API only ever
        show published entries."""
        from search.engine import Filters          # the engine loads spaCy: not needed to validate
        return Filters(type=self.type, label=self.label, actielijn=self.actielijn, thema=self.thema,
                       branche=self.branche, regio=self.regio, status=status, erkenning=self.erkenning)

    def params(self) -> dict:
        return {k: v for k, v in vars(self).items() if v}

    def key(self) -> tuple:
        return tuple(vars(self).values())

    @property
    def active(self) -> bool:
        return any(vars(self).values())


def _empty(v):
    v = (v or "").strip() if isinstance(v, str) or v is None else v
    return v or None


def validate_filters(registry: Registry, *, type=None, label=None, actielijn=None, thema=None, branche=None,
                     regio=None, erkenning=None) -> FilterParams:
    """Check filter values; raise FilterError with a Dutch message for an unknown one."""
    type, label, actielijn, thema, branche, regio, erkenning = map(
        _empty, (type, label, actielijn, thema, branche, regio, erkenning))
    if erkenning:
        try:
            erkenning = level_id(erkenning)
        except ValueError as err:
            raise FilterError("erkenning", str(err)) from None
        if type and type != "praktijk":
            raise FilterError("erkenning", "Een erkenning hoort alleen bij praktijken.")
        type = "praktijk"
    if type and type not in ENTRY_TYPES:
        raise FilterError("type", f"Onbekende soort '{type}'. Kies uit: praktijk, advies, bouwsteen of beleid.")
    if label:
        canon = LABELS.get(label.lower())
        if not canon:
            raise FilterError("label", f"Onbekend label '{label}'. Kies uit: Koploper, Falend Vooruit of voorbeeld.")
        label = canon
        if type and type != "praktijk":
            raise FilterError("label", "Een label (Koploper, Falend Vooruit, voorbeeld) hoort alleen bij praktijken.")
        type = "praktijk"
    for name, value in (("actielijn", actielijn), ("thema", thema), ("branche", branche)):
        if value and value not in registry.labels(name):
            options = ", ".join(sorted(registry.labels(name)))
            raise FilterError(name, f"Onbekende {name} '{value}'. Kies uit: {options}.")
    if regio:
        try:
            regio = resolve_region(registry, regio, national=True)
        except RegionError as err:
            raise FilterError("regio", str(err)) from None
    return FilterParams(type=type, label=label, actielijn=actielijn, thema=thema, branche=branche, regio=regio,
                        erkenning=erkenning)
