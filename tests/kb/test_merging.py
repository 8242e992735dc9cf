"""The pure rules under curation: comparing values as a curator means them, the three-way merge
of two curators' edits, and recognising a sentence or result that an entry already states."""
from __future__ import annotations

from kb.merging import figures, merge_results, merge_text, new_sentences, normalise, same_result
from kb.threeway import same, three_way


def test_same_ignores_form_round_trips_but_not_content():
    assert same("title", "Pluryn", " Pluryn\r\n")
    assert same("themes", ["stages", "behoud"], ["behoud", "stages"])          # order of checkboxes
    assert not same("results", ["a", "b"], ["b", "a"])                         # results keep their order
    assert same("results", ["600 plekken "], ["600 plekken"])
    assert same("summary", None, "") and not same("summary", "", "iets")


def test_three_way_takes_mine_keeps_theirs_and_reports_both_changed():
    base = {"title": "A", "summary": "s", "themes": ["x"], "body": "b"}
    theirs = {"title": "A", "summary": "hun s", "themes": ["x", "y"], "body": "b"}
    mine = {"title": "Mijn A", "summary": "mijn s", "themes": ["x"], "body": "b"}
    m = three_way(base, theirs, mine)
    assert m.values == {"title": "Mijn A"} and set(m.conflicts) == {"summary"}
    assert m.conflicts["summary"] == ("s", "hun s", "mijn s") and m.theirs_only == ["themes"]
    assert m.mine == ["summary", "title"]
    assert three_way(base, theirs, mine, {"summary": "mijn"}).values == {"title": "Mijn A", "summary": "mijn s"}
    assert three_way(base, theirs, mine, {"summary": "hun"}).values == {"title": "Mijn A"}
    same_change = three_way(base, theirs, mine | {"summary": "hun s"})
    assert not same_change.conflicts and "summary" not in same_change.values     # both made the same change


def test_figures_and_normalised_sentences():
    assert figures("1.200 deelnemers, 2,5 fte, 600 aanmeldingen voor 50 plekken") == ["1200", "2.5", "50", "600"]
    assert normalise("Cliënten: 1.200!") == normalise("clienten 1200") == "clienten n1200"


def test_repeated_sentences_and_results_are_left_out():
    body = "Pluryn leidt zij-instromers op. De werving leverde 600 aanmeldingen op voor 50 plekken."
    addition = ("PLURYN leidt  zij-instromers op!\nDe werving leverde 600 aanmeldingen op voor 50 plekken. "
                "Nieuw is de buddy.\nNieuw is de buddy.")
    assert new_sentences(body, addition) == ["Nieuw is de buddy."]
    assert merge_text(body, addition) == body + "\nNieuw is de buddy."
    assert merge_text(body, "Pluryn leidt zij-instromers op.") == body
    assert same_result("Meer dan 600 aanmeldingen voor 50 plekken", "600 aanmeldingen voor 50 plekken.")
    assert same_result("1.200 deelnemers in 2020", "1200 deelnemers in 2020")
    assert not same_result("50 procent minder verzuim", "50 extra stageplekken")
    assert not same_result("600 aanmeldingen voor 50 plekken", "600 aanmeldingen voor 60 plekken")
    assert merge_results(["600 aanmeldingen voor 50 plekken"],
                         ["Ruim 600 aanmeldingen voor 50 plekken", "12 verpleegkundigen doen mee"]) == [
        "600 aanmeldingen voor 50 plekken", "12 verpleegkundigen doen mee"]
