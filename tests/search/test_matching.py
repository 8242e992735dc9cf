"""Trustworthy matching (issue 10) on the real index and the fitted match model: matches only,
answers before context, true explanations, honest plan matching."""
from __future__ import annotations

import shutil

import pytest

from index.store import load, sync
from kb.db import connect
from search.decision import load_model
from search.engine import Filters, Searcher
from search.plans import match_plan, plan_from_texts
from search.query import whole_word_stems


def test_the_bundled_model_is_fitted_for_the_bundled_language_model(searcher):
    m = load_model(searcher.encoder.model_id)
    assert m is not None and searcher.match_model is not None
    assert 0 < m.mogelijk <= m.sterk < 1 and len(m.data_checksum) == 64
    assert m.gate_model is not None and 0 < m.gate < 1          # the two-stage decision, with its gate


@pytest.mark.parametrize("query", ["quantum blockchain cryptovaluta", "xyzzyqwerty"])
def test_nonsense_gives_no_match_but_at_most_three_nearest(searcher, query):
    page = searcher.find(query)
    assert page.decided and page.total == 0 and page.results == [] and page.ids == []
    assert 0 < len(page.nearest) <= 3 and all(r.match is None for r in page.nearest)
    assert page.to_dict()["results"] == []
    everything = searcher.find(query, alles=True)
    assert everything.total > 0 and all(r.match is None for r in everything.results)


def test_a_flagship_bottleneck_gets_a_stage_practice_as_a_match(searcher):
    page = searcher.find("te weinig stageplekken in de wijkverpleging")
    assert page.decided and page.total >= 1 and page.nearest == []
    stage = [r for r in page.results if r.type == "praktijk" and "stage" in r.title.lower()]
    assert stage and all(r.match in ("sterk", "mogelijk") for r in stage)


def test_an_out_of_scope_question_gets_no_match(searcher):
    page = searcher.find("legionella in de douches")
    assert page.decided and page.total == 0 and page.results == [] and page.ids == []
    assert 0 < len(page.nearest) <= 3 and all(r.match is None for r in page.nearest)


def test_a_real_problem_gets_matches_with_confidence(searcher):
    page = searcher.find("minutenregistratie afschaffen in de wijkverpleging")
    assert page.total >= 1 and page.results[0].id == "zorg-zonder-minutenregistratie"
    assert all(r.match in ("sterk", "mogelijk") and 0 < r.confidence <= 1 for r in page.results)
    assert page.total == len(page.ids)
    confs = {r.id: r.confidence for r in page.results}
    filtered = searcher.find("minutenregistratie afschaffen in de wijkverpleging", filters=Filters(type="praktijk"))
    for r in filtered.results:          # a filter selects; it never changes an entry's confidence
        assert r.type == "praktijk"
        if r.id in confs:
            assert r.confidence == pytest.approx(confs[r.id], abs=1e-3)


def test_policy_is_context_unless_the_question_is_about_policy(searcher):
    page = searcher.find("Jongeren kiezen niet voor een zorgopleiding", alles=True)
    assert page.results and all(r.type != "beleid" for r in page.results)
    assert all(r.type == "beleid" for r in page.context)
    policy = searcher.find("Wat is het landelijk beleid van het ministerie voor meer leerlingen in de zorg?", alles=True)
    assert policy.query.about_policy and any(r.type == "beleid" for r in policy.results[:10])


def test_a_correct_question_shows_no_spelling_variant(searcher):
    for page in (searcher.find("Hoe houden we oudere medewerkers langer vast?"),
                 searcher.find("Hoe houden we oudere medewerkers langer vast?", alles=True)):
        assert page.query.corrected == {}
        for r in page.results + page.nearest + page.context:
            assert not r.explanation.corrections and "typte" not in r.explanation.reason


def test_highlights_are_whole_query_words_and_reasons_name_them(searcher):
    q = "werkdruk en verzuim in de ggz"
    page = searcher.find(q, alles=True, k=20)
    own = page.query.highlight_stems            # the question's own words, and 'geestelijke gezondheidszorg'
    assert page.results and {"werkdruk", "ggz"} <= set(own) and "werk" not in own
    for r in page.results:
        ex = r.explanation
        assert "nr." not in ex.reason
        for a, b in ex.highlights:
            assert whole_word_stems(ex.sentence[a:b]) & own, (r.id, ex.sentence[a:b])
        if ex.meaning_only:
            assert "verwant in betekenis" in ex.reason and not ex.words
        else:
            assert any(w in ex.reason for w in ex.words + ex.also_searched + list(ex.corrections.values()))


def test_the_begrippenlijst_expands_and_says_so(searcher):
    page = searcher.find("omscholers aantrekken voor de zorg", alles=True)
    assert [t for x in page.query.expansions for t in x.added] and "zij-instromer" in page.to_dict()["also_searched"]
    named = [r for r in page.results if r.explanation.also_searched]
    assert named and "ook gezocht op: " in named[0].explanation.reason


def test_a_plan_with_an_unaddressed_bottleneck_reports_a_gap(searcher):
    plan = plan_from_texts(["Er zijn te weinig stageplekken voor studenten in de wijkverpleging.",
                            "Bezoekers en personeel klagen over te weinig parkeerplaatsen bij onze locaties."],
                           region="drechtsteden")
    result = match_plan(searcher, plan)
    assert result.decided and result.coverage < 1.0 and result.uncovered == [1]
    d = result.to_dict()
    gap = d["bottlenecks"][1]
    assert gap["gap"] is True and gap["matches"] == [] and gap["nearest"]
    assert all(n["fits"] is False for n in gap["nearest"])
    assert d["bottlenecks"][0]["gap"] is False and d["bottlenecks"][0]["matches"] and d["uncovered"] == [1]
    for group in ("recommendations", "advice", "bouwstenen", "pitfalls"):
        for r in getattr(result, group):
            assert {a["bottleneck"] for a in r.addresses} == {0}, (group, r.id)       # helps only what it matches
            assert all(a["match"] in ("sterk", "mogelijk") for a in r.addresses)


def test_only_a_regions_own_practice_is_badged_in_region(searcher):
    plan = plan_from_texts(["Er zijn te weinig stageplekken voor mbo- en hbo-studenten in de zorg.",
                            "De werkdruk in de verpleeghuizen is hoog en het ziekteverzuim stijgt."],
                           region="drechtsteden")
    result = match_plan(searcher, plan)
    everything = result.recommendations + result.advice + result.bouwstenen + result.pitfalls
    assert everything
    for r in everything:
        assert r.in_region == (r.type == "praktijk" and "drechtsteden" in r.regions), r.id


def test_a_night_shift_lesson_is_attached_to_the_night_shift_bottleneck_only(kb_copy, index_root, encoder, tmp_path):
    from kb.curation import create_entry, set_status
    root = tmp_path / "idx"
    shutil.copytree(index_root, root)
    conn = connect(kb_copy)
    lesson = create_entry(conn, {
        "title": "Regionale flexpool voor nachtdiensten kwam niet van de grond", "type": "praktijk",
        "label": "Falend Vooruit",
        "summary": "Een regionale flexpool voor nachtdiensten in verpleeghuizen vond te weinig verpleegkundigen.",
        "body": ("Verpleeghuizen in de regio richtten samen een flexpool op om de nachtdiensten te bemensen. "
                 "Er meldden zich te weinig verpleegkundigen die 's nachts wilden werken, en de nachtdiensten "
                 "bleven onderbezet. Les: vraag eerst wat nachtwerk voor medewerkers aantrekkelijk maakt."),
    }, actor="test")
    set_status(conn, lesson.id, "ter_review", actor="test")
    set_status(conn, lesson.id, "gepubliceerd", actor="redacteur")      # four eyes: not the author
    sync(conn, encoder, root)
    s = Searcher(conn, load(root, expected_model=encoder.model_id, conn=conn), encoder)
    plan = plan_from_texts(["Er zijn te weinig verpleegkundigen voor de nachtdiensten in de verpleeghuizen.",
                            "Er zijn te weinig stageplekken voor studenten in de wijkverpleging.",
                            "Wijkverpleegkundigen zijn te veel tijd kwijt aan administratie en minutenregistratie.",
                            "Veel leerlingen maken hun opleiding tot verzorgende niet af."])
    result = match_plan(s, plan)
    pit = [r for r in result.pitfalls if r.id == lesson.id]
    assert pit and [a["bottleneck"] for a in pit[0].addresses] == [0]
    assert lesson.id not in {r.id for r in result.recommendations}
    other = match_plan(s, plan_from_texts(plan_texts := [b.text for b in plan.bottlenecks[1:]]))
    assert len(plan_texts) == 3 and lesson.id not in {r.id for r in other.pitfalls}
