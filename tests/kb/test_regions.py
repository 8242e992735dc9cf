"""One rule resolves a region name everywhere (kb.regions): ids, numbers, names, aliases and
places denote one region; names that cover several regions are refused with the candidates."""
from __future__ import annotations

import pytest

from kb.registry import load_registry
from kb.regions import AmbiguousRegion, UnknownRegion, find_region, region_label, resolve_region

REG = load_registry()


@pytest.mark.parametrize("value, region", [
    ("drechtsteden", "drechtsteden"), ("21", "drechtsteden"), (21, "drechtsteden"), ("Drechtsteden", "drechtsteden"),
    ("ZHZ", "drechtsteden"), ("zuid-holland zuid", "drechtsteden"), ("Dordrecht", "drechtsteden"),
    ("  Zuid-Limburg ", "zuid-limburg"), ("Maastricht", "zuid-limburg"), ("Fryslân", "friesland"),
    ("West-Brabant", "west-brabant"),
])
def test_a_name_that_denotes_one_region_resolves_to_it(value, region):
    assert resolve_region(REG, value) == region
    assert find_region(REG, str(value)) == region


@pytest.mark.parametrize("value, candidates", [
    ("Limburg", ["noord-en-midden-limburg", "zuid-limburg"]),
    ("limburgse", ["noord-en-midden-limburg", "zuid-limburg"]),
    ("Brabant", ["west-brabant", "midden-brabant", "noordoost-brabant", "zuidoost-brabant"]),
    ("Noord-Brabant", ["west-brabant", "midden-brabant", "noordoost-brabant", "zuidoost-brabant"]),
    ("Gelderland", ["midden-gelderland", "zuid-west-gelderland"]),
    ("Noord-Nederland", ["groningen", "friesland", "drenthe"]),
])
def test_a_name_of_several_regions_is_refused_with_the_candidates(value, candidates):
    with pytest.raises(AmbiguousRegion) as info:
        resolve_region(REG, value)
    err = info.value
    assert err.candidates == candidates and err.value == value
    message = str(err)
    assert f"'{value}' past bij {len(candidates)} regio's" in message and "Kies er één" in message
    for rid in candidates:
        assert region_label(REG, rid) in message           # e.g. "Zuid-Limburg (28)"
    assert find_region(REG, value) is None                   # inferred from a text: not guessed either


@pytest.mark.parametrize("value", ["Atlantis", "", "   ", "29", "0"])
def test_an_unknown_name_is_refused_in_dutch(value):
    with pytest.raises(UnknownRegion, match="Onbekende regio"):
        resolve_region(REG, value)
    assert find_region(REG, value) is None


def test_the_national_scope_is_not_a_region_unless_asked_for():
    with pytest.raises(UnknownRegion):
        resolve_region(REG, "landelijk")
    assert resolve_region(REG, "Landelijk", national=True) == "landelijk"
    assert region_label(REG, "zuid-limburg") == "Zuid-Limburg (28)"
