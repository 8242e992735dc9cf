"""The words the front ends use for the match decision, coverage and corrections
(web/serialize.py), on plain values: what the pages, API, CSV and CLI all say."""
from __future__ import annotations

from types import SimpleNamespace

from web.present import gap_mailto
from web.serialize import (bottleneck_view, coverage_view, corrected_query, match_words, percent_text,
                           typed_corrections)


def test_percent_text_never_rounds_up_to_a_threshold():
    assert percent_text(0.7249) == "72%" and percent_text(0.1699) == "16%" and percent_text(1.0) == "100%"
    assert percent_text(0.29) == "29%"                      # no float artefact (0.29 * 100 = 28.999...)
    assert percent_text(0.004) == "minder dan 1%" and percent_text(None) == ""


def test_match_words_say_what_the_decision_says_and_nothing_without_a_model():
    assert match_words("sterk", 0.81) == {"match_label": "Sterke match", "confidence_label": "zekerheid 81%",
                                          "fits": True}
    assert match_words(None, 0.05)["match_label"] == "Geen match" and match_words(None, 0.05)["fits"] is False
    assert match_words("mogelijk", 0.2, decided=False) == {"match_label": None, "confidence_label": None, "fits": None}


def test_coverage_counts_bottlenecks_with_a_match_and_states_the_weighted_share():
    result = SimpleNamespace(bottlenecks=[{"gap": False}, {"gap": True}, {"gap": False}], coverage=0.6)
    assert coverage_view(result) == {"covered": 2, "bottlenecks": 3, "weighted": 0.6,
                                     "text": "2 van de 3 knelpunten (gewogen 60%)"}
    none = SimpleNamespace(bottlenecks=[{"gap": True}], coverage=0.0)
    assert coverage_view(none)["text"] == "0 van de 1 knelpunten (gewogen minder dan 1%)"


def test_a_gap_bottleneck_labels_its_nearest_items_as_not_fitting():
    b = bottleneck_view({"index": 1, "text": "x", "weight": 1.0, "matches": [], "gap": True,
                         "nearest": [{"id": "bouwsteen-ix", "title": "Bouwsteen IX"}]})
    assert b["label"] == "K2" and b["gap"] is True and b["matches"] == []
    assert b["nearest"] == [{"id": "bouwsteen-ix", "title": "Bouwsteen IX", "fits": False, "url": "/items/bouwsteen-ix"}]


def test_corrections_are_named_by_the_word_as_typed():
    typed = typed_corrections("Carrièreswichers omscholen in Carrièreswichers-land", {"carriereswichers": "carriereswitchers"})
    assert typed == {"Carrièreswichers": "carriereswitchers"}
    assert corrected_query("Carrièreswichers omscholen", typed) == "carriereswitchers omscholen"
    assert corrected_query("iets", {}) is None and typed_corrections("iets", {}) == {}


def test_the_gap_mail_names_the_bottlenecks_and_goes_to_the_configured_address(monkeypatch):
    monkeypatch.delenv("PRAKTIJKWIJZER_CONTACT", raising=False)
    link = gap_mailto("te weinig nachtdiensten", {"regio": "twente"})
    assert link.startswith("mailto:kennisbank@example.org?subject=") and "te%20weinig%20nachtdiensten" in link
    assert "dit%20knelpunt" in link and "regio%3A%20twente" in link
    monkeypatch.setenv("PRAKTIJKWIJZER_CONTACT", "aln@voorbeeld.nl")
    assert gap_mailto(["a", "b"]).startswith("mailto:aln@voorbeeld.nl?") and "deze%20knelpunten" in gap_mailto(["a", "b"])
