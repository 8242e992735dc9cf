"""Bottleneck extraction on the composed plans: recall >= 0.95, no decoy, same result in every format."""
from __future__ import annotations

import pytest

from ingest.bottlenecks import section_kind, sections
from ingest.document import parse_text
from ingest.errors import IngestError
from ingest.plans import read_plan


def test_recall_and_no_decoys_on_the_test_documents(extraction_report):
    r = extraction_report
    assert r["expected"] >= 60
    assert r["recall"] >= 0.95, [(d["bestand"], d["missed"]) for d in r["documents"] if d.get("missed")]
    assert r["decoys_extracted"] == 0, [d["decoys"] for d in r["documents"] if d.get("decoys")]
    assert r["unmatched"] == 0, [d["unmatched"] for d in r["documents"] if d.get("unmatched")]


def test_same_content_gives_the_same_bottlenecks_in_pdf_docx_and_html(extraction_report):
    same = extraction_report["same_across_formats"]
    assert set(same) == {"zhz-raat", "twente-aanpak-tekorten"}
    assert all(same.values()), same


def test_the_issue_plan_as_pdf(bench_docs):
    """The plan of issue 11: title with 'Tekorten', '3. Knelpunten' with six bullets, a
    success and a caption in the analysis; as PDF all six are found, nothing else."""
    from ingest.evaluate import DOCUMENTS_DIR
    draft = read_plan((DOCUMENTS_DIR / "zhz-raat.pdf").read_bytes(), "zhz-raat.pdf")
    texts = [b.text for b in draft.bottlenecks]
    assert len(texts) == 6 and texts[0].startswith("Er is een groot tekort aan verpleegkundigen")
    assert not any("gedaald" in t or "peildatum" in t for t in texts)
    b = draft.bottlenecks[3]
    assert draft.text[b.start:b.end] == b.text            # spans cite the statement
    assert draft.title == "Regionaal Actieplan Aanpak Tekorten 2024-2026"


def test_prose_plan_without_knelpunten_section(bench_docs):
    from ingest.evaluate import DOCUMENTS_DIR
    draft = read_plan((DOCUMENTS_DIR / "twente-aanpak-tekorten-zonder-stijlen.docx").read_bytes(), "twente.docx")
    texts = [b.text for b in draft.bottlenecks]
    assert len(texts) == 6
    assert not any("gedaald" in t or "gepubliceerd" in t or "willen wij" in t or "We gaan" in t for t in texts)


def test_section_kinds_and_the_title_is_no_section():
    assert section_kind("3. Knelpunten") == "problem1"
    assert section_kind("2.2 Opgave en uitdagingen") == "problem2"
    assert section_kind("Hoofdstuk 4 Analyse") == "problem2"
    assert section_kind("4. Ambities") == section_kind("Wat gaat goed") == section_kind("5.1 Acties") == "skip"
    assert section_kind("Inleiding") == "neutral"
    blocks = parse_text("# Aanpak Tekorten Regio\n\nTekst.\n\n## Wat gaat goed\n\nHet verzuim daalt.\n")
    kinds = [k for k, _ in sections(blocks)]
    assert kinds == ["neutral", "neutral", "skip", "skip"]


def test_plain_statements_in_a_knelpunten_section_and_a_dutch_message_without():
    md = ("# Plan\n\n## Knelpunten\n\n- Er is een groot tekort aan wijkverpleegkundigen.\n"
          "- Het ziekteverzuim in de verpleeghuizen is licht gedaald.\n- We gaan een flexpool opzetten.\n")
    draft = read_plan(md.encode(), "plan.md")
    assert [b.text for b in draft.bottlenecks] == ["Er is een groot tekort aan wijkverpleegkundigen."]
    with pytest.raises(IngestError, match="geen knelpunt herkend"):
        read_plan("# Jaarverslag\n\nHet verzuim is gedaald. We gaan door.\n".encode(), "verslag.md")


def test_classifier_parameters_match_the_training_data_and_tell_direction():
    import hashlib

    from ingest.evaluate import _stored_sha, training_overlap
    from ingest.sentences import MODEL_FILE, SENTENCES_FILE, load_classifier
    assert _stored_sha(MODEL_FILE) == hashlib.sha256(SENTENCES_FILE.read_bytes()).hexdigest(), \
        "corpus/bottleneck_classifier.json is stale: run ingest.sentences.save_classifier()"
    assert training_overlap() == []            # test documents stay out of the training set
    clf = load_classifier()
    assert clf.classify(["Het ziekteverzuim in de thuiszorg stijgt al jaren.",
                         "Het ziekteverzuim in de thuiszorg is vorig jaar gedaald.",
                         "We gaan een regionale leerwerkplaats opzetten.",
                         "In 2027 willen wij de uitstroom halveren.",
                         "Tabel 3. Vacatures per functie"]) == ["knelpunt", "succes", "actie", "ambitie", "bijschrift"]


def test_cross_validation_report_shape():
    from ingest.evaluate import evaluate_classifier
    r = evaluate_classifier(folds=2, grid=())
    lc = r["lexical_and_cues"]
    assert set(lc["per_class"]) == {"knelpunt", "succes", "actie", "ambitie", "achtergrond", "bijschrift"}
    assert r["sentences"] >= 450 and 0.6 <= lc["knelpunt_vs_rest"]["precision"] <= 1.0
    assert r["stored_model_matches_training_data"] is True


@pytest.fixture(scope="session")
def embedding(encoder):
    from ingest.sentences import Embedding
    return Embedding(encoder.model_id, encoder.encode_passages)


def test_classifier_with_embeddings_is_stored_for_the_project_encoder_and_meets_the_targets(embedding):
    import hashlib

    from ingest.evaluate import evaluate_documents
    from ingest.sentences import EMBEDDING_MODEL_FILE, SENTENCES_FILE, Embedding, load_classifier
    assert load_classifier(embedding).embedding is embedding, \
        "corpus/bottleneck_classifier_embeddings.json is stale: run save_classifier(Embedding(...))"
    import json
    stored = json.loads(EMBEDDING_MODEL_FILE.read_text(encoding="utf-8"))
    assert stored["training_sha256"] == hashlib.sha256(SENTENCES_FILE.read_bytes()).hexdigest()
    other = Embedding("een-ander-model", embedding.encode)
    assert load_classifier(other).embedding is None          # another encoder: the self-contained model
    r = evaluate_documents(embedding=embedding)
    assert r["classifier"] == "met zinsembeddings"
    assert r["recall"] >= 0.95 and r["decoys_extracted"] == 0 and r["unmatched"] == 0, r["documents"]
    assert all(r["same_across_formats"].values())


def test_read_plan_with_embeddings(embedding):
    from ingest.evaluate import DOCUMENTS_DIR
    draft = read_plan((DOCUMENTS_DIR / "zhz-raat.html").read_bytes(), "zhz-raat.html", embedding=embedding)
    assert len(draft.bottlenecks) == 6
