"""Facet counts (search.facets) over the matching entries of a search: what each value counts,
which filter parameters select it, the chosen value, and the order of the kinds."""
from __future__ import annotations

from kb.models import Entry
from kb.registry import load_registry
from search.facets import facets
from search.filters import FilterParams

REG = load_registry()


def entry(i: int, type_: str, label: str | None = None, themes=(), regions=(), actielijnen=(), branches=()) -> Entry:
    return Entry(id=f"e{i}", type=type_, title=f"Item {i}", body="Tekst.", label=label, themes=list(themes),
                 regions=list(regions), actielijnen=list(actielijnen), branches=list(branches))


ENTRIES = [
    entry(1, "praktijk", "Koploper", themes=["stages"], regions=["drechtsteden"], actielijnen=["beter-leren"]),
    entry(2, "praktijk", "voorbeeld", themes=["stages", "behoud"], regions=["drechtsteden", "twente"],
          actielijnen=["beter-leren"], branches=["ggz"]),
    entry(3, "praktijk", None, themes=["behoud"], actielijnen=["anders-werken"]),
    entry(4, "praktijk", "Falend Vooruit", themes=["behoud"], regions=["landelijk"]),
    entry(5, "advies", themes=["stages"], actielijnen=["meer-kiezen"]),
    entry(6, "bouwsteen"),
]


def by_name(fs):
    return {f.name: f for f in fs}


def test_counts_labels_and_filters_of_each_value():
    fs = by_name(facets(ENTRIES, REG, FilterParams()))
    assert list(fs) == ["soort", "actielijn", "thema", "branche", "regio", "erkenning"]
    assert [(v.value, v.count, v.params) for v in fs["erkenning"].values] == [
        ("niet_beoordeeld", 4, {"erkenning": "niet_beoordeeld"})]          # practices only; never assessed yet
    soort = fs["soort"]
    assert [(v.value, v.label, v.count) for v in soort.values] == [
        ("koploper", "Koploper", 1), ("falend-vooruit", "Falend Vooruit", 1), ("voorbeeld", "Voorbeeldpraktijk", 2),
        ("advies", "Advies", 1), ("bouwsteen", "Bouwsteen", 1)]          # kinds in a fixed order; beleid: 0, left out
    assert soort.values[0].params == {"type": "praktijk", "label": "Koploper"} and soort.active is None
    assert [(v.value, v.count) for v in fs["thema"].values] == [("behoud", 3), ("stages", 3)]   # ties by label
    assert fs["thema"].values[0].label == REG.labels("thema")["behoud"]
    assert [v.value for v in fs["actielijn"].values] == ["meer-kiezen", "beter-leren", "anders-werken"]  # register order
    assert [(v.value, v.count, v.params) for v in fs["branche"].values] == [("ggz", 1, {"branche": "ggz"})]
    regio = {v.value: v for v in fs["regio"].values}
    assert regio["drechtsteden"].count == 2 and regio["landelijk"].label == "Landelijk"
    assert regio["twente"].params == {"regio": "twente"} and fs["regio"].plural == "regio's"


def test_the_chosen_value_is_marked_and_stays_visible_without_results():
    fp = FilterParams(thema="stages", regio="friesland")
    fs = by_name(facets(ENTRIES[:2], REG, fp))
    chosen = fs["thema"].active
    assert chosen.value == "stages" and chosen.count == 2 and chosen.active and fs["thema"].clear == ("thema",)
    empty = fs["regio"].active
    assert (empty.value, empty.count, empty.label) == ("friesland", 0, "Friesland")
    assert "friesland" not in [v.value for v in fs["regio"].values]


def test_all_practices_are_one_value_with_the_sum_of_the_three_labels():
    fs = by_name(facets(ENTRIES, REG, FilterParams(type="praktijk")))
    soort = fs["soort"]
    assert [(v.value, v.label, v.count) for v in soort.values] == [("praktijk", "Praktijk (alle)", 4)]
    assert soort.active.value == "praktijk" and soort.clear == ("type", "label")
    one = by_name(facets(ENTRIES, REG, FilterParams(type="praktijk", label="Koploper")))["soort"]
    assert one.active.value == "koploper"
