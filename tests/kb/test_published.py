"""What the public sees (kb.published): published entries only, and "is this document public"
as one rule: a source cited by a published entry; of an upload only the cited passages; the
first text of a curator's entry never."""
from __future__ import annotations

from kb import proposals as P
from kb.curation import create_entry, set_status
from kb.db import connect
from kb.documents import get_document
from kb.entries import get_entry
from kb.review import approve_revision, open_revision
from kb.published import (OUTSIDE_NOTICE, UPLOAD_NOTICE, entry_citations, organisation_names, public_document,
                          public_documents, published_counts, published_entry, region_entries)
from tests.conftest import PLURYN


def test_only_published_entries_are_public(kb_copy):
    conn = connect(kb_copy)
    assert published_entry(conn, PLURYN).id == PLURYN
    assert published_entry(conn, "bestaat-niet") is None
    set_status(conn, PLURYN, "gearchiveerd", actor="test")
    assert published_entry(conn, PLURYN) is None
    counts = published_counts(conn)
    n = conn.execute("SELECT count(*) FROM entries WHERE status = 'gepubliceerd'").fetchone()[0]
    assert sum(counts.values()) == n and counts["koploper"] == 3 and counts["bouwsteen"] == 9
    assert PLURYN not in [e["id"] for e in region_entries(conn, "drechtsteden")]
    conn.close()


def test_citations_and_organisation_names(conn):
    e = get_entry(conn, PLURYN)
    cites = entry_citations(conn, e)
    assert cites and cites[0]["document"] == e.sources[0].document_id
    assert cites[0]["document_title"] == get_document(conn, e.sources[0].document_id).title
    assert set(cites[0]) == {"document", "document_title", "heading", "start", "end"}
    assert organisation_names(conn, ["pluryn", "onbekend-id"]) == ["Pluryn", "onbekend-id"]
    assert region_entries(conn, "drechtsteden") and all(
        get_entry(conn, x["id"]).status == "gepubliceerd" for x in region_entries(conn, "drechtsteden"))


def test_a_cited_source_document_is_public_with_its_passages(conn):
    e = get_entry(conn, PLURYN)
    s = e.sources[0]
    doc = public_document(conn, s.document_id)
    assert doc is not None and doc.origin == "bron" and (s.start, s.end) in doc.cited
    assert PLURYN in [x["id"] for x in doc.entries]
    view = doc.view(s.start, s.end, e)
    assert view.span == (s.start, s.end) and view.text == doc.document.text and view.notice is None
    assert view.heading == s.heading
    outside = doc.view(10, 10 ** 9)
    assert outside.span is None and outside.notice == OUTSIDE_NOTICE
    assert s.document_id in [d["id"] for d in public_documents(conn)]
    assert public_document(conn, "geheim-document") is None


def test_a_curators_first_text_is_never_public_and_an_unpublished_source_neither(kb_copy):
    conn = connect(kb_copy)
    e = create_entry(conn, {"title": "Een eigen praktijk", "body": "Tekst van de redactie. " * 20}, actor="test")
    set_status(conn, e.id, "ter_review", actor="test")
    set_status(conn, e.id, "gepubliceerd", actor="redacteur")      # four eyes: not the author
    redactie = e.sources[0].document_id
    assert published_entry(conn, e.id) is not None
    assert public_document(conn, redactie) is None and redactie not in [d["id"] for d in public_documents(conn)]
    # a source document whose entries are all archived is not public any more
    doc_id = get_entry(conn, PLURYN).sources[0].document_id
    citing = [r[0] for r in conn.execute("SELECT DISTINCT entry_id FROM entry_sources WHERE document_id = ?", (doc_id,))]
    for eid in citing:
        if get_entry(conn, eid).status == "gepubliceerd":
            set_status(conn, eid, "gearchiveerd", actor="test")
    assert public_document(conn, doc_id) is None and doc_id not in [d["id"] for d in public_documents(conn)]
    conn.close()


def test_of_an_upload_only_the_cited_passages_are_public(kb_copy):
    conn = connect(kb_copy)
    text = ("# Notitie\n\n## Carrièreswitchers bij Pluryn in Nijmegen\n\nPluryn laat carrièreswitchers in een jaar "
            "werken en leren tegelijk; zij krijgen een vast contract.\n\n## Geheim plan\n\nDit deel is niet openbaar "
            "en wordt door geen kennisitem geciteerd; het blijft dus verborgen.\n")
    batch = P.upload(conn, text.encode(), "notitie.md", actor="test",
                     find_duplicates=lambda drafts: [P.Match(PLURYN, 0.9, 0.9, 0.9, 0.9, True)] * len(drafts))
    first = next(p for p in batch.proposals if "Pluryn" in p.draft.title)
    P.merge(conn, first.id, actor="test", expected_version=get_entry(conn, PLURYN).version)
    assert public_document(conn, P.get_batch(conn, batch.id).document_id) is None     # pending revision: not public yet
    rev = open_revision(conn, PLURYN)
    approve_revision(conn, PLURYN, actor="redacteur", revision_id=rev.id, seq=rev.seq)
    merged = get_entry(conn, PLURYN)
    source = merged.sources[-1]
    doc = public_document(conn, source.document_id)
    assert doc is not None and doc.origin == "upload" and doc.cited == [(source.start, source.end)]
    view = doc.view()
    assert "carrièreswitchers" in view.text and "Geheim plan" not in view.text and "verborgen" not in view.text
    assert view.notice == UPLOAD_NOTICE and view.document.path == "" and get_document(conn, source.document_id).path
    shown = doc.view(source.start, source.end, merged)
    assert shown.span == (0, len(shown.text)) and shown.heading == source.heading
    assert doc.view(0, 5).span is None                       # a span nobody cites is not shown
    conn.close()
