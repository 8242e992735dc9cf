"""Comparing field values and merging two curators' edits of the same entry (three-way).

A form round trip changes line endings and surrounding white space, and checkboxes come back
in the form's order: `same` compares values as a curator means them. `three_way` merges a
curator's form (`mine`) into what is stored now (`theirs`), both descended from the version the
curator started from (`base`): a field only the curator changed takes their value, a field only
the other curator changed keeps its stored value, and a field both changed differently is a
conflict unless the curator chose ("mijn" or "hun") for that field.
"""
from __future__ import annotations

from dataclasses import dataclass, field

# Lists whose order carries no meaning (the stored order is kept when they are saved).
SET_FIELDS = ("actielijnen", "themes", "branches", "regions", "organisations")
MINE, THEIRS = "mijn", "hun"


def _text(v) -> str:
    return (v or "").replace("\r\n", "\n").strip()


def same(f: str, old, new) -> bool:
    """Does value `new` equal `old` for field `f`, as a curator means it?"""
    if f in SET_FIELDS:
        return set(old or []) == set(new or [])
    if f == "results" or isinstance(old, list) or isinstance(new, list):
        return [_text(x) for x in (old or [])] == [_text(x) for x in (new or [])]
    if isinstance(new, str) or new is None or isinstance(old, str):
        return _text(old) == _text(new)
    return old == new


@dataclass
class Merge:
    values: dict = field(default_factory=dict)          # field -> value to save (the curator's changes)
    conflicts: dict = field(default_factory=dict)       # field -> (base, theirs, mine), both changed it
    theirs_only: list[str] = field(default_factory=list)
    mine: list[str] = field(default_factory=list)       # fields the curator changed


def three_way(base: dict, theirs: dict, mine: dict, resolutions: dict | None = None) -> Merge:
    """Merge the curator's values `mine` (only the fields the form holds) into `theirs`, with
    `base` the values the curator started from. `resolutions` maps a conflicting field to
    'mijn' (take the curator's value) or 'hun' (keep the stored one)."""
    resolutions = resolutions or {}
    out = Merge()
    for f in sorted(set(mine) | set(theirs)):
        b, t = base.get(f), theirs.get(f)
        changed_mine = f in mine and not same(f, b, mine[f])
        changed_theirs = not same(f, b, t)
        if changed_mine:
            out.mine.append(f)
        if changed_mine and changed_theirs:
            if same(f, t, mine[f]):
                continue                                   # both made the same change
            choice = resolutions.get(f)
            if choice == MINE:
                out.values[f] = mine[f]
            elif choice != THEIRS:
                out.conflicts[f] = (b, t, mine[f])
        elif changed_mine:
            out.values[f] = mine[f]
        elif changed_theirs:
            out.theirs_only.append(f)
    return out
