"""Curation the Actie Leer Netwerk can vouch for, at the knowledge-base level (real SQLite copy of
the corpus knowledge base): four-eyes publishing, revisions of published entries, the three-way
merge of two curators' edits, merging without repeats, recognition and the Koploper check, the
practice card, and the backup of it all."""
from __future__ import annotations

import io

import pytest

from kb import proposals as P
from kb.assessments import KOPLOPER_CRITERIA, assess_erkenning, assess_koploper, assessment_history, level_id
from kb.backup import export, import_backup
from kb.card import result_sources, review_due, suggestions
from kb.curation import ValidationError, create_entry, edit_entry, set_status
from kb.db import connect
from kb.entries import VersionConflict, entry_history, get_entry, list_entries, save_entry
from kb.published import published_entry
from kb.review import (ReviewError, approve_revision, concept_authors, edit_token, open_revision, reject_revision,
                       review_queue, review_view, working_entry)
from kb.users import create_user
from tests.conftest import PLURYN

BODY = "Studenten lopen in duo's stage in de wijk. Twee studenten delen één werkbegeleider."


@pytest.fixture
def db(kb_copy):
    conn = connect(kb_copy)
    yield conn
    conn.close()


def concept(db, author="anna", title="Duo-stages in de wijk"):
    e = create_entry(db, {"title": title, "body": BODY, "themes": ["stages"]}, actor=author)
    set_status(db, e.id, "ter_review", actor=author)
    return e


# ---------------------------------------------------------------- four eyes

def test_an_author_cannot_publish_their_own_concept_another_curator_can(db):
    e = concept(db)
    with pytest.raises(ReviewError, match="eigen werk niet publiceren"):
        set_status(db, e.id, "gepubliceerd", actor="anna")
    assert get_entry(db, e.id).status == "ter_review"
    # a second author (an edit by bob) may not publish either; a third curator may
    edit_entry(db, e.id, {"summary": "Duo's delen een begeleider."}, actor="bob", expected_version=get_entry(db, e.id).version)
    assert concept_authors(db, e.id) == ["anna", "bob"]
    with pytest.raises(ReviewError):
        set_status(db, e.id, "gepubliceerd", actor="bob")
    set_status(db, e.id, "gepubliceerd", actor="carla")
    assert published_entry(db, e.id) is not None
    ev = entry_history(db, e.id)[0]
    assert ev["action"] == "publish" and ev["actor"] == "carla" and ev["details"]["authors"] == ["anna", "bob"]
    assert "override" not in ev["details"]


def test_a_beheerder_may_publish_own_work_only_with_a_reason_which_is_audited(db):
    create_user(db, "bea", "Beheer-van-Zeeland-7", "beheerder", actor="test")
    e = concept(db, author="bea")
    with pytest.raises(ReviewError, match="alleen met een reden"):
        set_status(db, e.id, "gepubliceerd", actor="bea")
    with pytest.raises(ReviewError, match="alleen met een reden"):
        set_status(db, e.id, "gepubliceerd", actor="bea", reason="  kort ")
    set_status(db, e.id, "gepubliceerd", actor="bea", reason="Tweede curator met verlof; spoed voor de regiodag.")
    ev = entry_history(db, e.id)[0]
    assert ev["details"]["override"] is True and ev["details"]["reason"].startswith("Tweede curator met verlof")
    assert ev["details"]["authors"] == ["bea"]


# ---------------------------------------------------------------- revisions

def test_an_edit_of_a_published_entry_waits_for_a_second_curator(db):
    before = get_entry(db, PLURYN)
    edit_entry(db, PLURYN, {"title": "Carrièreswitchers bij Pluryn", "body": before.body + "\nNieuwe alinea."},
               actor="anna", expected_version=before.version)
    # the public keeps the published version
    pub = published_entry(db, PLURYN)
    assert pub.title == before.title and pub.body == before.body and pub.version == before.version
    assert [x["entry_id"] for x in review_queue(db) if x["kind"] == "revision"] == [PLURYN]
    view = review_view(db, PLURYN)
    assert view.kind == "revision" and set(view.diff) == {"title", "body"} and view.authors == ["anna"]
    assert view.diff["title"] == ["Carrièreswitchers van Pluryn", "Carrièreswitchers bij Pluryn"]
    rev = open_revision(db, PLURYN)
    # another edit by bob joins the same revision: neither may approve it
    working, _ = working_entry(db, PLURYN)
    edit_entry(db, PLURYN, {"summary": "Zij-instromers bij Pluryn."}, actor="bob",
               expected_version=edit_token(get_entry(db, PLURYN), rev))
    rev = open_revision(db, PLURYN)
    assert rev.authors == ["anna", "bob"] and rev.seq == 2
    for who in ("anna", "bob"):
        with pytest.raises(ReviewError):
            approve_revision(db, PLURYN, actor=who, revision_id=rev.id, seq=rev.seq)
    with pytest.raises(ReviewError, match="aangepast terwijl u haar bekeek"):
        approve_revision(db, PLURYN, actor="carla", revision_id=rev.id, seq=1)
    diff = approve_revision(db, PLURYN, actor="carla", revision_id=rev.id, seq=rev.seq)
    assert set(diff) == {"title", "body", "summary"}
    after = published_entry(db, PLURYN)
    assert after.title == "Carrièreswitchers bij Pluryn" and after.version == before.version + 1
    assert {"title", "body", "summary"} <= set(after.edited_fields) and any("Nieuwe alinea" in c for c in after.chunks + [after.body])
    assert open_revision(db, PLURYN) is None and review_view(db, PLURYN) is None
    ev = entry_history(db, PLURYN)[0]
    assert ev["action"] == "approve" and ev["details"]["authors"] == ["anna", "bob"]


def test_a_revision_can_be_rejected_or_withdrawn_and_the_public_version_stays(db):
    e = get_entry(db, PLURYN)
    edit_entry(db, PLURYN, {"title": "Iets anders"}, actor="anna", expected_version=e.version)
    rev = reject_revision(db, PLURYN, actor="bob", revision_id=open_revision(db, PLURYN).id, reason="Niet onderbouwd.")
    assert rev.status == "rejected" and rev.reason == "Niet onderbouwd." and get_entry(db, PLURYN).title == e.title
    edit_entry(db, PLURYN, {"title": "Nog iets anders"}, actor="anna", expected_version=e.version)
    assert reject_revision(db, PLURYN, actor="anna", revision_id=open_revision(db, PLURYN).id).status == "withdrawn"
    # editing back to the published text withdraws the revision by itself
    edit_entry(db, PLURYN, {"title": "Derde poging"}, actor="anna", expected_version=e.version)
    rev = open_revision(db, PLURYN)
    edit_entry(db, PLURYN, {"title": e.title}, actor="anna", expected_version=edit_token(e, rev))
    assert open_revision(db, PLURYN) is None and get_entry(db, PLURYN).version == e.version


def test_approval_keeps_what_re_ingestion_changed_meanwhile(db):
    e = get_entry(db, PLURYN)
    edit_entry(db, PLURYN, {"title": "Carrièreswitchers bij Pluryn"}, actor="anna", expected_version=e.version)
    ingested = get_entry(db, PLURYN)
    ingested.summary = "Een samenvatting uit een nieuwe versie van de bron."
    save_entry(db, ingested, actor="ingest")
    rev = open_revision(db, PLURYN)
    approve_revision(db, PLURYN, actor="bob", revision_id=rev.id, seq=rev.seq)
    after = get_entry(db, PLURYN)
    assert after.title == "Carrièreswitchers bij Pluryn" and after.summary.startswith("Een samenvatting uit")


# ---------------------------------------------------------------- the three-way merge after a conflict

def test_saving_again_after_a_conflict_applies_only_my_changes_and_asks_for_fields_both_changed(db):
    e = concept(db)                              # not public: edits are saved directly
    v = get_entry(db, e.id).version
    edit_entry(db, e.id, {"summary": "Samenvatting van Bob.", "themes": ["stages", "behoud"]}, actor="bob",
               expected_version=v)
    mine = {"title": "Duo-stages in de wijkverpleging", "summary": "Samenvatting van Anna.", "body": BODY,
            "themes": ["stages"]}
    with pytest.raises(VersionConflict) as err:
        edit_entry(db, e.id, mine, actor="anna", expected_version=v)
    c = err.value
    assert set(c.conflicts) == {"summary"} and c.conflicts["summary"] == ("", "Samenvatting van Bob.",
                                                                          "Samenvatting van Anna.")
    assert c.theirs_only == ["themes"] and c.mine == ["summary", "title"]
    token = str(get_entry(db, e.id).version)
    with pytest.raises(VersionConflict):         # both changed the summary: a choice is needed
        edit_entry(db, e.id, mine, actor="anna", expected_version=v, against=token)
    edit_entry(db, e.id, mine, actor="anna", expected_version=v, against=token, resolutions={"summary": "hun"})
    after = get_entry(db, e.id)
    assert after.title == "Duo-stages in de wijkverpleging"              # my change
    assert after.summary == "Samenvatting van Bob."                      # their value, as chosen
    assert after.themes == ["stages", "behoud"]                        # their change is not reverted
    # and 'mijn' takes my value
    v2 = after.version
    edit_entry(db, e.id, {"summary": "Nog een andere."}, actor="bob", expected_version=v2)
    edit_entry(db, e.id, {"summary": "Toch die van Anna."}, actor="anna", expected_version=v2,
               against=str(v2 + 1), resolutions={"summary": "mijn"})
    assert get_entry(db, e.id).summary == "Toch die van Anna."


def test_the_three_way_merge_also_works_on_a_pending_revision(db):
    e = get_entry(db, PLURYN)
    edit_entry(db, PLURYN, {"summary": "Van Anna."}, actor="anna", expected_version=e.version)
    theirs = edit_token(e, open_revision(db, PLURYN))
    with pytest.raises(VersionConflict) as err:
        edit_entry(db, PLURYN, {"title": "Pluryn volgens Bob", "summary": e.summary}, actor="bob",
                   expected_version=e.version)
    assert not err.value.conflicts and err.value.theirs_only == ["summary"]
    edit_entry(db, PLURYN, {"title": "Pluryn volgens Bob", "summary": e.summary}, actor="bob",
               expected_version=e.version, against=theirs)
    working, rev = working_entry(db, PLURYN)
    assert working.title == "Pluryn volgens Bob" and working.summary == "Van Anna." and rev.authors == ["anna", "bob"]


# ---------------------------------------------------------------- merging an import without repeats

def test_merging_a_proposal_that_repeats_a_sentence_and_a_result_leaves_each_once(db):
    e = get_entry(db, PLURYN)
    sentence = next(s for s in e.body.split(". ") if len(s) > 40).strip().rstrip(".")
    result = e.results[0]
    text = (f"# Notitie\n\n## {e.title}\n\n{sentence}.\n\n{sentence.replace(' ', '  ')}!  Pluryn werkt daarbij samen "
            f"met het ROC Nijmegen.\n\n{result}\n")
    batch = P.upload(db, text.encode(), "notitie.md", actor="anna",
                     find_duplicates=lambda drafts: [P.Match(PLURYN, 0.95, 0.9, 1.0, 0.93, True)] * len(drafts))
    p = batch.proposals[0]
    assert result in p.draft.results or any(result.split()[0] in r for r in p.draft.results)
    P.merge(db, p.id, actor="anna", expected_version=e.version)
    working, rev = working_entry(db, PLURYN)
    assert working.body.count(sentence) == 1
    assert working.body.count(result) == 1 and working.body.count("ROC Nijmegen") == 1
    assert len(working.results) == len(e.results)
    approve_revision(db, PLURYN, actor="bob", revision_id=rev.id, seq=rev.seq)
    after = get_entry(db, PLURYN)
    assert after.body.count(sentence) == 1 and len(after.results) == len(e.results)


# ---------------------------------------------------------------- recognition and the Koploper check

def test_the_koploper_check_refuses_koploper_with_two_criteria(db):
    e = create_entry(db, {"title": "Leerwerkbanen in Twente", "body": BODY}, actor="anna")
    two = {"samenwerken": True, "vernieuwend": True}
    with pytest.raises(ValidationError) as err:
        assess_koploper(db, e.id, two, actor="bob", reasoning="Samenwerking met ROC en gemeente.", koploper=True)
    assert err.value.errors["koploper"] == ("Een praktijk is pas Koploper als ze aan minstens 3 van de 4 criteria "
                                            "voldoet; nu 2.")
    assert assessment_history(db, e.id) == []
    # without the check, the label cannot be set by hand either
    with pytest.raises(ValidationError, match="Koploper-toets"):
        edit_entry(db, e.id, {"label": "Koploper"}, actor="anna", expected_version=get_entry(db, e.id).version)
    # two criteria, not a Koploper: recorded as such
    assess_koploper(db, e.id, two, actor="bob", reasoning="Nog geen resultaten bekend.", koploper=False)
    assert get_entry(db, e.id).koploper_check["value"] == "geen_koploper"
    # three criteria: Koploper, and the label follows (a concept: directly)
    out = assess_koploper(db, e.id, two | {"bijdrage": True}, actor="bob", koploper=True,
                          reasoning="Veertig nieuwe medewerkers in een jaar.", assessed_on="2025-06-01",
                          notes={"bijdrage": "40 nieuwe medewerkers"})
    assert out == {"met": 3, "label": "direct"}
    after = get_entry(db, e.id)
    assert after.label == "Koploper" and after.koploper_check["criteria"]["bijdrage"] == {
        "met": True, "note": "40 nieuwe medewerkers"}
    assert after.koploper_check["assessed_by"] == "bob" and after.koploper_check["assessed_on"] == "2025-06-01"
    assert [c[0] for c in KOPLOPER_CRITERIA] == ["samenwerken", "vernieuwend", "bijdrage", "overdraagbaar"]


def test_recognition_levels_with_date_reasoning_and_assessor(db):
    assert {e.erkenning for e in list_entries(db)} == {"niet_beoordeeld"}      # never invented
    assert level_id("Goed onderbouwd") == "goed_onderbouwd"
    with pytest.raises(ValueError, match="Onbekende erkenning 'bewezen'"):
        level_id("bewezen")
    with pytest.raises(ValidationError) as err:
        assess_erkenning(db, PLURYN, "effectief", actor="anna", reasoning="ok", assessed_on="2999-01-01")
    assert set(err.value.errors) == {"reasoning", "assessed_on"}
    with pytest.raises(ValidationError, match="Alleen praktijken"):
        assess_erkenning(db, "bouwsteen-i", "effectief", actor="anna", reasoning="Een bouwsteen is geen praktijk.")
    assess_erkenning(db, PLURYN, "goed onderbouwd", actor="anna", assessed_on="2025-03-01",
                     reasoning="Theorie van verandering en monitoring van instroom en behoud.")
    e = get_entry(db, PLURYN)
    assert e.erkenning == "goed_onderbouwd" and e.erkenning_info["assessed_by"] == "anna"
    assert e.erkenning_info["assessed_on"] == "2025-03-01" and e.erkenning_info["reasoning"].startswith("Theorie")
    assert [x.id for x in list_entries(db, erkenning="goed_onderbouwd")] == [PLURYN]
    assert entry_history(db, PLURYN)[0]["details"]["changes"]["erkenning"] == ["niet_beoordeeld", "goed_onderbouwd"]
    assert e.version == get_entry(db, PLURYN).version          # an assessment is not a content version


# ---------------------------------------------------------------- the practice card

def test_the_practice_card_is_validated_and_suggested_from_the_text(db):
    e = get_entry(db, PLURYN)
    with pytest.raises(ValidationError) as err:
        edit_entry(db, PLURYN, {"praktijkstatus": "bijna klaar", "laatst_beoordeeld": "gisteren",
                                "kosten": "x" * 6000}, actor="anna", expected_version=e.version)
    assert set(err.value.errors) == {"praktijkstatus", "laatst_beoordeeld", "kosten"}
    with pytest.raises(ValidationError, match="alleen bij praktijken"):
        edit_entry(db, "bouwsteen-i", {"probleem": "Iets."}, actor="anna",
                   expected_version=get_entry(db, "bouwsteen-i").version)
    sugg = suggestions(e, ["Pluryn"])
    assert sugg, "the corpus text of Pluryn states at least one card field"
    for s in sugg.values():
        if s.field in ("praktijkstatus", "contact"):
            continue
        assert s.sentences and all(x in e.body for x in s.sentences) and s.cue
    assert sugg["contact"].value == "Pluryn"
    # confirming: saved into the pending revision, dated review in Dutch notation accepted
    edit_entry(db, PLURYN, {"probleem": sugg.get("probleem", sugg[next(iter(sugg))]).value,
                            "laatst_beoordeeld": "1-3-2022"}, actor="anna", expected_version=e.version)
    working, _ = working_entry(db, PLURYN)
    assert working.laatst_beoordeeld == "2022-03-01" and working.probleem
    srcs = result_sources(db, e)
    assert srcs and srcs[0][1] is not None and srcs[0][1]["document"] == e.sources[0].document_id


def test_review_due_after_two_years(db):
    from datetime import date
    e = get_entry(db, PLURYN)
    edit_entry(db, PLURYN, {"laatst_beoordeeld": "2021-05-01"}, actor="anna", expected_version=e.version)
    rev = open_revision(db, PLURYN)
    approve_revision(db, PLURYN, actor="bob", revision_id=rev.id, seq=rev.seq)
    due = review_due(db, on=date(2023, 5, 1))
    assert [d["id"] for d in due["due"]] == [PLURYN] and due["due"][0]["laatst_beoordeeld"] == "2021-05-01"
    assert review_due(db, on=date(2023, 4, 30))["due"] == []
    n = db.execute("SELECT count(*) FROM entries WHERE type='praktijk' AND status='gepubliceerd'").fetchone()[0]
    assert due["never"] == n - 1


# ---------------------------------------------------------------- backup

def test_backup_round_trip_with_revisions_assessments_and_cards(curated, tmp_path):
    src = connect(curated)
    first = io.StringIO()
    counts = export(src, first)
    assert counts["assessment"] == 2 and counts["revision"] == 2 and counts["revision_version"] == 2
    target = connect(tmp_path / "leeg.db")
    import_backup(target, io.StringIO(first.getvalue()))
    second = io.StringIO()
    export(target, second)
    assert first.getvalue() == second.getvalue()
    z = get_entry(target, "zorgwacht")
    assert z.erkenning == "goed_beschreven" and z.kosten == "Subsidie van de gemeente Utrecht."
    assert open_revision(target, "zorgwacht").entry.summary == "Een nog open wijziging."
    assert get_entry(target, "nieuwe-praktijk").probleem == "Te weinig “stageplekken”."
