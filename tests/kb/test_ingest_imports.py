"""`praktijkwijzer ingest` and curator imports side by side: a file whose content was imported on
the web is refused by ingest (no duplicate concepts, no revived rejected proposal, no re-pointed
sources); ingested drafts never take over a curator's entry; the example plans are read with the
injected encoder and read again only when their file or the classifier changes."""
from __future__ import annotations

import pytest

from kb import proposals as P
from kb.db import connect
from kb.entries import get_entry
from kb.loader import ingest, load_example_plans
from kb.plans import list_plans

PLURYN = "carriereswitchers-van-pluryn"
NOTE = """# Praktijken uit Zeeland

## Stages in de wijkverpleging voor eerstejaars

Eerstejaars studenten lopen in Zeeland stage in de wijkverpleging, begeleid door een vaste werkbegeleider.
Zo leren ze het vak in de wijk kennen en blijven meer studenten na hun diploma in de regio werken.

## Omscholing van zij-instromers bij Pluryn

Pluryn schoolt carrièreswitchers om tot begeleider, met begeleiding door ervaren collega's en een
leerwerkbaan vanaf de eerste dag.

## Terugkeerbanen voor gepensioneerde verpleegkundigen

Gepensioneerde verpleegkundigen in Zeeland draaien in een terugkeerbaan enkele diensten per maand,
bijvoorbeeld als begeleider van nieuwe collega's. Ze krijgen een kleine aanstelling.
"""


def by_title(drafts):
    return [P.Match(PLURYN, 0.97, 0.6, 0.44, 0.72, True) if "Pluryn" in d.title else None for d in drafts]


@pytest.fixture
def db(kb_copy):
    conn = connect(kb_copy)
    yield conn
    conn.close()


def _sources(conn) -> list[tuple]:
    return conn.execute("SELECT entry_id, document_id, start, end FROM entry_sources ORDER BY 1, 2, 3").fetchall()


def test_ingest_refuses_a_file_imported_on_the_web(db, kb_copy, tmp_path, fingerprint):
    path = tmp_path / "praktijken-zeeland.md"
    path.write_text(NOTE, encoding="utf-8")
    batch = P.upload(db, path.read_bytes(), "praktijken-zeeland.md", actor="anna", find_duplicates=by_title)
    accepted = P.accept(db, batch.proposals[0].id, actor="anna")
    P.reject(db, batch.proposals[2].id, actor="bob")
    before, sources = fingerprint(kb_copy), _sources(db)

    report = ingest(db, [path])
    assert not report.ok and len(report.errors) == 1
    msg = report.errors[0]
    assert f"al op de website geïmporteerd als 'praktijken-zeeland.md' door anna" in msg
    assert f"(import {batch.id})" in msg and f"/beheer/import/{batch.id}" in msg and "praktijkwijzer import" in msg
    assert fingerprint(kb_copy) == before and _sources(db) == sources          # nothing written, nothing re-pointed

    # the same document saved again (Windows line endings: other bytes, the same text)
    again = tmp_path / "kopie.md"
    again.write_bytes(NOTE.replace("\n", "\r\n").encode("utf-8"))
    report = ingest(db, [again, path])
    assert len(report.errors) == 2 and all(f"(import {batch.id})" in e for e in report.errors)
    assert fingerprint(kb_copy) == before
    assert get_entry(db, accepted.id).sources[0].document_id == batch.document_id
    titles = [r[0] for r in db.execute("SELECT title FROM entries")]
    assert titles.count("Stages in de wijkverpleging voor eerstejaars") == 1
    assert "Terugkeerbanen voor gepensioneerde verpleegkundigen" not in titles          # still rejected
    # the web import recognises the re-saved document by its text too
    with pytest.raises(P.AlreadyImported, match="met precies dezelfde tekst"):
        P.upload(db, again.read_bytes(), "kopie.md", actor="anna", find_duplicates=by_title)


def test_an_ingested_draft_never_takes_over_a_curators_entry(db, tmp_path):
    batch = P.upload(db, NOTE.encode("utf-8"), "notitie.md", actor="anna", find_duplicates=by_title)
    accepted = P.accept(db, batch.proposals[0].id, actor="anna")
    assert accepted.id == "stages-in-de-wijkverpleging-voor-eerstejaars"
    trusted = tmp_path / "verslag.md"
    trusted.write_text("# Verslag van de regiodag\n\n## Stages in de wijkverpleging voor eerstejaars\n\n"
                       "Op de regiodag vertelden werkbegeleiders uit Tholen hoe zij eerstejaars in de wijk begeleiden, "
                       "met een vast aanspreekpunt en een terugkomdag per maand.\n", encoding="utf-8")
    report = ingest(db, [trusted])
    assert report.ok, report.errors
    assert f"{accepted.id}-2" in report.applied.created and accepted.id not in report.applied.updated
    kept = get_entry(db, accepted.id)
    assert kept.version == accepted.version and kept.sources == accepted.sources and kept.origin == "curator"
    assert get_entry(db, f"{accepted.id}-2").sources[0].document_id == "verslag"
    again = ingest(db, [trusted]).applied                                          # the same id on every run
    assert f"{accepted.id}-2" in again.unchanged and not again.created and not again.updated


def _plan_saves(conn) -> int:
    return conn.execute("SELECT count(*) FROM audit_events WHERE action = 'plan-save'").fetchone()[0]


def test_example_plans_are_read_with_the_encoder_and_again_only_when_something_changed(db, encoder, tmp_path):
    from ingest.plans import example_plan_files, read_plan
    from ingest.sentences import Embedding, load_classifier
    embedding = Embedding(encoder.model_id, encoder.encode_passages)
    saves = _plan_saves(db)
    n, warnings = load_example_plans(db)                     # the session's knowledge base: nothing changed
    assert n == len(example_plan_files()) and not warnings and _plan_saves(db) == saves

    n, _ = load_example_plans(db, embedding=embedding)       # another classifier: every plan read again
    assert _plan_saves(db) == saves + n
    signature = load_classifier(embedding).signature
    assert signature.startswith(f"embeddings:{encoder.model_id}@")
    plans = {p.id: p for p in list_plans(db) if p.example}
    for f in example_plan_files():
        plan = next(p for p in plans.values() if p.source == f.name)
        assert plan.metadata["extractie"] == signature
        assert [b.text for b in plan.bottlenecks] == [b.text for b in read_plan(f.read_bytes(), f.name,
                                                                                  embedding=embedding).bottlenecks]
    load_example_plans(db, embedding=embedding)
    assert _plan_saves(db) == saves + n                       # unchanged files, same classifier: not read again

    changed = tmp_path / example_plan_files()[0].name
    changed.write_text(example_plan_files()[0].read_text(encoding="utf-8")
                       + "\nDaarnaast is er een groot tekort aan nachtdienstmedewerkers in de gehandicaptenzorg.\n",
                       encoding="utf-8")
    load_example_plans(db, files=[changed], embedding=embedding)
    assert _plan_saves(db) == saves + n + 1
