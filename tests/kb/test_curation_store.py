"""Curation in the knowledge base: optimistic locking, the status workflow, restore, curator
entries, and import proposals (accept / merge / reject), on a copy of the real knowledge base."""
from __future__ import annotations

import threading
from pathlib import Path

import pytest

from ingest.errors import IngestError
from kb import proposals as P
from kb.db import connect
from kb.loader import ingest
from kb.curation import TransitionError, ValidationError, create_entry, edit_entry, restore_version, set_status
from kb.documents import list_documents
from kb.entries import VersionConflict, entry_history, entry_versions, get_entry
from kb.review import approve_revision, edit_token, open_revision, working_entry

ROOT = Path(__file__).resolve().parents[2]
PLURYN = "carriereswitchers-van-pluryn"


@pytest.fixture
def db(kb_copy):
    conn = connect(kb_copy)
    yield conn
    conn.close()


def test_second_save_from_the_same_version_conflicts_and_the_first_is_kept(db):
    v = get_entry(db, PLURYN).version
    edit_entry(db, PLURYN, {"title": "Carrièreswitchers bij Pluryn"}, actor="anna", expected_version=v)
    with pytest.raises(VersionConflict) as err:
        edit_entry(db, PLURYN, {"title": "Titel van Bob", "body": "Bobs tekst."}, actor="bob", expected_version=v)
    msg = str(err.value)
    assert "Iemand anders (anna)" in msg and "wijziging ter review" in msg and "niet opgeslagen" in msg
    assert err.value.conflicts["title"][1:] == ("Carrièreswitchers bij Pluryn", "Titel van Bob")
    working, rev = working_entry(db, PLURYN)
    assert working.title == "Carrièreswitchers bij Pluryn" and "Bobs tekst" not in working.body
    assert rev.authors == ["anna"] and rev.seq == 1
    e = get_entry(db, PLURYN)                  # the published entry itself is unchanged until approved
    assert e.title == "Carrièreswitchers van Pluryn" and e.version == v


def test_concurrent_saves_from_two_connections_one_wins(kb_copy):
    """Two curators press 'save' at the same moment: the check runs inside the write
    transaction, so exactly one save lands and the other gets the conflict."""
    conns = [connect(kb_copy), connect(kb_copy)]
    v = get_entry(conns[0], PLURYN).version
    get_entry(conns[0], PLURYN)
    from kb.entries import derive_fields
    derive_fields(get_entry(conns[0], PLURYN))       # load spaCy once, outside the race
    barrier = threading.Barrier(2)
    outcome: dict[str, object] = {}

    def save(i: int, title: str):
        barrier.wait()
        try:
            edit_entry(conns[i], PLURYN, {"title": title, "body": f"Tekst van {title}."}, actor=title,
                       expected_version=v)
            outcome[title] = "ok"
        except VersionConflict as err:
            outcome[title] = err
    threads = [threading.Thread(target=save, args=(i, name)) for i, name in enumerate(("anna", "bob"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    winners = [k for k, o in outcome.items() if o == "ok"]
    losers = [o for o in outcome.values() if isinstance(o, VersionConflict)]
    assert len(winners) == 1 and len(losers) == 1
    e, rev = working_entry(conns[0], PLURYN)
    assert e.title == winners[0] and e.body == f"Tekst van {winners[0]}." and e.version == v
    assert rev.authors == winners and rev.seq == 1
    for c in conns:
        c.close()


def test_edit_records_edited_fields_and_a_field_diff(db):
    before = get_entry(db, PLURYN)
    diff = edit_entry(db, PLURYN, {"title": before.title + "  ", "body": before.body + "\nNieuwe alinea over behoud.",
                                   "themes": list(reversed(before.themes)), "regions": ["midden-gelderland"]},
                      actor="anna", expected_version=before.version)
    assert set(diff) == {"body", "regions"}          # same title (white space) and same themes (order) are no change
    e, rev = working_entry(db, PLURYN)              # published: the edit waits for review as a revision
    assert e.edited_fields == ["body", "regions"] and e.themes == before.themes
    assert any("Nieuwe alinea" in c for c in e.chunks + [e.body])
    ev = entry_history(db, PLURYN)[0]
    assert ev["action"] == "revise" and ev["actor"] == "anna" and ev["details"]["revision"] == rev.id
    assert ev["details"]["changes"]["regions"] == [before.regions, ["midden-gelderland"]]
    assert edit_entry(db, PLURYN, {"title": e.title}, actor="anna", expected_version=edit_token(before, rev)) == {}


def test_invalid_edits_are_refused_with_dutch_messages_and_nothing_changes(db, fingerprint, kb_copy):
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    before = fingerprint(kb_copy)
    v = get_entry(db, PLURYN).version
    with pytest.raises(ValidationError) as err:
        edit_entry(db, PLURYN, {"title": "", "regions": ["atlantis"], "themes": ["onzin"], "label": "Topper",
                                "type": "advies"}, actor="anna", expected_version=v)
    assert err.value.errors == {
        "type": "Het type van een ingelezen kennisitem komt uit het brondocument en kan niet worden gewijzigd.",
        "title": "Vul een titel in.", "label": "Kies als label Koploper, Falend Vooruit of voorbeeld.",
        "themes": "Onbekende thema: onzin.", "regions": "Onbekende regio: atlantis."}
    with pytest.raises(ValidationError, match="kan niet worden bewerkt"):
        edit_entry(db, PLURYN, {"status": "gepubliceerd"}, actor="anna", expected_version=v)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert fingerprint(kb_copy) == before


def test_status_workflow_and_its_audit_events(db):
    e = create_entry(db, {"title": "Leerwerkplekken voor statushouders", "type": "praktijk",
                          "body": "Statushouders werken drie dagen op een afdeling en leren twee dagen het vak.",
                          "regions": ["amersfoort"], "themes": ["zij-instroom"]}, actor="anna")
    assert (e.id, e.status, e.origin, e.version, e.label) == ("leerwerkplekken-voor-statushouders", "concept",
                                                              "curator", 1, "voorbeeld")
    src = e.sources[0]                       # provenance: the text as the curator first wrote it
    doc = db.execute("SELECT * FROM documents WHERE id = ?", (src.document_id,)).fetchone()
    assert src.document_id == "redactie-" + e.id and doc["publisher"] == "Actie Leer Netwerk (redactie)"
    assert doc["text"][src.start:src.end].startswith(e.title) and e.body in doc["text"]
    assert create_entry(db, {"title": e.title, "body": "Tweede."}, actor="anna").id == e.id + "-2"
    with pytest.raises(TransitionError, match="kan niet naar 'gepubliceerd'; wel naar ter review"):
        set_status(db, e.id, "gepubliceerd", actor="anna")
    for status, action in (("ter_review", "submit"), ("concept", "reopen"), ("ter_review", "submit"),
                           ("gepubliceerd", "publish"), ("gearchiveerd", "archive"), ("concept", "reopen")):
        old = get_entry(db, e.id).status
        set_status(db, e.id, status, actor="bob")
        ev = entry_history(db, e.id)[0]
        assert ev["action"] == action and ev["details"]["changes"]["status"] == [old, status]
    with pytest.raises(TransitionError):
        set_status(db, e.id, "gearchiveerd", actor="bob")        # concept cannot be archived directly
    assert get_entry(db, e.id).edited_fields == ["status"]
    assert len(entry_versions(db, e.id)) == 7
    with pytest.raises(VersionConflict):
        set_status(db, e.id, "ter_review", actor="bob", expected_version=3)


def test_restore_brings_back_old_text_as_a_new_version(db):
    e = get_entry(db, PLURYN)
    old_body = e.body
    set_status(db, PLURYN, "gearchiveerd", actor="anna")
    edit_entry(db, PLURYN, {"body": "Een heel andere tekst.", "title": "Andere titel"}, actor="anna",
               expected_version=e.version + 1)                # not public: saved directly
    now = get_entry(db, PLURYN)
    assert now.title == "Andere titel"
    with pytest.raises(VersionConflict):
        restore_version(db, PLURYN, 1, actor="bob", expected_version=now.version - 1)
    diff = restore_version(db, PLURYN, 1, actor="bob", expected_version=now.version)
    assert set(diff) == {"title", "body"}
    r = get_entry(db, PLURYN)
    assert r.body == old_body and r.title == e.title and r.status == "gearchiveerd" and r.version == now.version + 1
    assert r.chunks == e.chunks and r.keywords == e.keywords
    ev = entry_history(db, PLURYN)[0]
    assert ev["action"] == "restore" and ev["details"]["restored_version"] == 1
    with pytest.raises(ValidationError, match="Versie 99 van dit kennisitem bestaat niet"):
        restore_version(db, PLURYN, 99, actor="bob", expected_version=r.version)


NOTE = """# Notitie van het leernetwerk

## Stages in de wijkverpleging voor eerstejaars

Een thuiszorgorganisatie in Friesland laat eerstejaars hbo-verpleegkunde studenten in duo's stage lopen in de wijk.
Twee studenten delen één werkbegeleider en bezoeken samen cliënten.

## Omscholing van zij-instromers bij Pluryn

Pluryn leidt zij-instromers in twee jaar op; 600 aanmeldingen voor 50 plekken. Een nieuwe alinea over de
begeleiding door ervaren collega's op de groep.

## Terugkeerbanen voor gepensioneerde verpleegkundigen

Gepensioneerde verpleegkundigen in Zeeland draaien enkele diensten per maand als begeleider van nieuwe collega's.
"""


def by_title(drafts):
    """A stand-in duplicate finder with fixed answers (the real one is tested in tests/search)."""
    return [P.Match(PLURYN, 0.97, 0.6, 0.44, 0.72, True) if "Pluryn" in d.title else None for d in drafts]


def test_upload_proposals_accept_merge_reject_and_reingest(db):
    data = NOTE.encode("utf-8")
    batch = P.upload(db, data, "notitie.md", actor="anna", find_duplicates=by_title)
    assert [p.draft.title for p in batch.proposals] == [
        "Stages in de wijkverpleging voor eerstejaars", "Omscholing van zij-instromers bij Pluryn",
        "Terugkeerbanen voor gepensioneerde verpleegkundigen"]
    assert [p.is_duplicate for p in batch.proposals] == [False, True, False]
    assert batch.proposals[1].duplicate_of == PLURYN and batch.proposals[1].lexical_score == 0.6
    assert all(p.status == "pending" and p.draft.status == "concept" for p in batch.proposals)
    assert not list(db.execute("SELECT 1 FROM documents WHERE id = ?", (batch.document_id,)))

    new, dup, rejected = batch.proposals
    e = P.accept(db, new.id, actor="anna")
    assert e.status == "concept" and e.origin == "curator" and e.sources[0].document_id == batch.document_id
    assert entry_history(db, e.id)[0]["action"] == "accept"
    pluryn = get_entry(db, PLURYN)
    merged = P.merge(db, dup.id, actor="bob", expected_version=pluryn.version)
    assert merged.status == pluryn.status == "gepubliceerd" and merged.version == pluryn.version
    assert "begeleiding door ervaren collega's" in merged.body and merged.body.startswith(pluryn.body)
    assert [s.document_id for s in merged.sources][-1] == batch.document_id and "body" in merged.edited_fields
    assert get_entry(db, PLURYN).body == pluryn.body           # published: a revision until someone approves
    rev = open_revision(db, PLURYN)
    assert rev.kind == "merge" and rev.authors == ["bob"] and rev.details["proposal"] == [dup.id]
    approve_revision(db, PLURYN, actor="anna", revision_id=rev.id, seq=rev.seq)
    assert get_entry(db, PLURYN).version == pluryn.version + 1
    P.reject(db, rejected.id, actor="bob")
    with pytest.raises(P.ProposalError, match="al beslist: afgewezen door bob"):
        P.accept(db, rejected.id, actor="anna")
    statuses = [p.status for p in P.get_batch(db, batch.id).proposals]
    assert statuses == ["accepted", "merged", "rejected"]
    # the same bytes again: refused in Dutch unless asked for
    with pytest.raises(P.AlreadyImported, match="staat al in de kennisbank"):
        P.upload(db, data, "kopie.md", actor="anna", find_duplicates=by_title)
    assert P.upload(db, data, "kopie.md", actor="anna", find_duplicates=by_title, force=True).id == batch.id + 1
    written = create_entry(db, {"title": "Eigen tekst van de redactie", "body": "Een kennisitem dat een curator "
                                "zelf schreef, met genoeg tekst om te segmenteren.\n\nEn een tweede alinea."},
                           actor="anna")
    # ingesting the sources again keeps the curators' work and segments neither the upload nor
    # the curator's own text
    assert batch.document_id not in [d.id for d in list_documents(db)]
    assert batch.document_id in [d.id for d in list_documents(db, include_uploads=True)]
    n_entries = db.execute("SELECT count(*) FROM entries").fetchone()[0]
    report = ingest(db)
    assert report.ok
    assert db.execute("SELECT count(*) FROM entries").fetchone()[0] == n_entries
    assert get_entry(db, e.id).status == "concept" and get_entry(db, written.id).version == 1
    assert "begeleiding door ervaren collega's" in get_entry(db, PLURYN).body
    # the source the merge added survives as well (the ingested draft does not have it)
    assert batch.document_id in [s.document_id for s in get_entry(db, PLURYN).sources]


def test_unreadable_uploads_are_refused_in_dutch(db):
    with pytest.raises(IngestError, match="formaat dat niet wordt ondersteund"):
        P.upload(db, b"MZ\x90\x00", "programma.exe", actor="anna", find_duplicates=by_title)
    with pytest.raises(IngestError, match="is leeg"):
        P.upload(db, b"   ", "leeg.md", actor="anna", find_duplicates=by_title)
    with pytest.raises(IngestError, match="te groot"):
        P.upload(db, b"x" * 2000, "groot.txt", actor="anna", find_duplicates=by_title, max_bytes=1000)
    assert not P.list_batches(db)


def test_changing_only_the_type_of_a_curator_entry_is_a_new_version(db):
    e = create_entry(db, {"title": "Regionale leeragenda", "type": "advies",
                          "body": "Maak in de regio één agenda voor scholing en leren."}, actor="anna")
    diff = edit_entry(db, e.id, {"type": "beleid"}, actor="anna", expected_version=e.version)
    after = get_entry(db, e.id)
    assert diff["type"] == ["advies", "beleid"] and after.type == "beleid" and after.version == e.version + 1
    assert entry_history(db, e.id)[0]["details"]["changes"]["type"] == ["advies", "beleid"]
