"""Ingestion of the bundled corpus: what the knowledge base must contain."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from ingest.clean import clean_block, first_sentence, one_line
from ingest.pipeline import SOURCES_DIR
from kb.loader import ingest
from kb.db import connect
from kb.documents import get_document
from kb.entries import get_entry, list_entries, save_entry

PROGRAMME = "vws-actieprogramma-werken-in-de-zorg-2018"


def _from(entries, doc_id):
    return [e for e in entries if e.sources and e.sources[0].document_id == doc_id]


def test_practices_from_action_programme(conn):
    practices = _from(list_entries(conn, type="praktijk"), PROGRAMME)
    assert len(practices) >= 40
    titles = {e.title: e for e in practices}
    for title, actielijn in [("Carrièreswitchers van Pluryn", "meer-kiezen"),
                             ("Zorg zonder minutenregistratie", "anders-werken"),
                             ("Wijkverpleegkundige in het ziekenhuis", "anders-werken"),
                             ("Omdenken met nieuwe stagevormen", "beter-leren"),
                             ("Maak werk van jezelf in de zorg!", "meer-kiezen")]:
        assert title in titles, title
        assert titles[title].actielijnen[0] == actielijn
    assert titles["Zorg zonder minutenregistratie"].themes[0] == "administratieve-lasten"
    assert titles["Omdenken met nieuwe stagevormen"].themes[0] == "stages"
    bijlage = [e for e in practices if e.sources[0].heading.startswith("Bijlage 2")]
    assert len(bijlage) >= 10
    assert "“In aanraking met alle facetten van de zorg”" in {e.title for e in bijlage}
    assert all(e.actielijnen for e in bijlage)
    # Sub-headings of the programme's own text are not practices.
    assert "Altijd een stageplek" not in titles and "Blijven leren voor kwalitatief goede en veilige zorg" not in titles


def test_quantified_results_and_labels(conn):
    pluryn = get_entry(conn, "carriereswitchers-van-pluryn")
    assert any("600 aanmeldingen voor 50 plekken" in r for r in pluryn.results)
    assert pluryn.label == "voorbeeld"
    koploper = [e for e in list_entries(conn, type="praktijk", label="Koploper")]
    assert {"Opleiding Helpende Zorg en Welzijn voor verschillende doelgroepen",
            "Uitvindementsmentaliteit meegeven vanuit de opleiding"} <= {e.title for e in koploper}


def test_advice_entries_have_theme_and_audience(conn):
    advice = list_entries(conn, type="advies")
    assert len(advice) >= 12
    assert all(e.themes and e.audience in ("regio", "landelijk") for e in advice)
    assert {e.audience for e in advice} == {"regio", "landelijk"}
    titles = {e.title for e in advice}
    assert "Ontwikkel modern werkgeverschap in de zorg" in titles
    assert "Neem de hybride leraar als norm" in titles
    # a footnote that a page break dropped into a bullet is not part of the advice
    assert not any("Zie voor voorbeelden het advies" in e.body for e in advice)


def test_nine_bouwstenen_citing_both_evaluations(conn):
    stones = list_entries(conn, type="bouwsteen")
    assert len(stones) == 9
    assert [e.number for e in sorted(stones, key=lambda e: e.id)] == sorted(
        ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX"], key=lambda n: f"bouwsteen-{n.lower()}")
    for e in stones:
        docs = {s.document_id for s in e.sources}
        assert docs == {"dynamische-evaluatie-eindrapport-2021", "kennisland-dynamische-evaluatie-2022"}, e.id
    assert get_entry(conn, "bouwsteen-iii").regions  # its footnote names the eastern regions


def test_beleid_sections(conn):
    beleid = list_entries(conn, type="beleid")
    numbers = {e.number for e in beleid if e.number}
    assert {"1.1", "1.5", "2.1", "3.1", "4.9", "5"} <= numbers
    stages = get_entry(conn, "actieprogramma-3-1-meer-en-gevarieerde-stages")
    assert "Omdenken met nieuwe stagevormen" not in stages.body   # boxes are their own entries


def _norm(s: str) -> str:
    return one_line(s).lower()


def test_every_entry_has_body_and_a_span_that_cites_it(conn):
    entries = list_entries(conn)
    assert len(entries) > 100
    texts = {}
    for e in entries:
        assert e.body.strip(), e.id
        assert e.sources, e.id
        for s in e.sources:
            if s.document_id not in texts:
                doc = get_document(conn, s.document_id)
                # the stored text is the source file's text: spans can be read back from the file
                assert doc.text == (SOURCES_DIR.parent.parent / doc.path).read_text(encoding="utf-8")
                texts[s.document_id] = doc.text
        span = texts[e.sources[0].document_id][e.sources[0].start:e.sources[0].end]
        cleaned = _norm(clean_block(span))
        assert _norm(e.title.split(": ", 1)[-1]) in cleaned or _norm(first_sentence(e.body)) in cleaned, e.id


def test_no_conversion_noise_in_entry_text(conn):
    for e in list_entries(conn):
        for text in [e.title, e.summary, e.body, *e.chunks]:
            assert "++" not in text, e.id
            assert "<sup>" not in text and "**" not in text and "](#)" not in text, e.id
            assert not re.search(r"^#{1,6} ", text, re.M), e.id
            assert not re.search(r"^\s*\d{1,3}\s*$", text, re.M), e.id     # page numbers
            assert not re.search(r"[a-z]{3}\d(?=[ .,])", text), (e.id, re.findall(r"\w+[a-z]{3}\d[ .,]", text))


def test_regions_are_resolved_never_guessed(conn):
    assert get_entry(conn, "omdenken-met-nieuwe-stagevormen").regions == ["drechtsteden"]
    assert get_entry(conn, "zorg-zonder-minutenregistratie").regions == ["zuid-limburg"]
    assert get_entry(conn, "brede-blik-op-werken-in-de-zorg-via-zorgtalent").regions == ["flevoland"]
    assert "rijnmond" in get_entry(conn, "de-rotterdamse-sterk-in-je-werk-week").regions
    assert set(get_entry(conn, "zorg-aan-zet-brengt-ambassadeurs-in-beeld").regions) == {
        "noord-en-midden-limburg", "zuid-limburg"}
    for eid in ("al-spelend-leren", "mee-op-ontdekkingsreis", "ontwikkel-modern-werkgeverschap-in-de-zorg"):
        assert get_entry(conn, eid).regions == [], eid


def test_respondent_table_gives_organisations_with_regions(conn):
    rows = dict(conn.execute(
        "SELECT o.name, group_concat(r.region_id) FROM organisations o "
        "LEFT JOIN organisation_regions r ON r.organisation_id = o.id GROUP BY o.id").fetchall())
    assert rows["Zorg en Welzijn ZHZ"] == "drechtsteden"
    assert rows["Care2Care"] == "rijnstreek"
    assert "Leven Lang Ontwikkelen Campus Gouda" in rows
    assert rows["Zorgzijn Werkt"] == "haaglanden"


def test_ingesting_twice_changes_nothing(kb_copy, fingerprint):
    conn = connect(kb_copy)
    ids_before = [r[0] for r in conn.execute("SELECT id FROM entries ORDER BY id")]
    versions = dict(conn.execute("SELECT id, version FROM entries"))
    report = ingest(conn)
    assert report.ok
    assert report.applied.created == [] and report.applied.updated == [] and report.applied.archived == []
    assert [r[0] for r in conn.execute("SELECT id FROM entries ORDER BY id")] == ids_before
    assert dict(conn.execute("SELECT id, version FROM entries")) == versions


def _corrupt_files(tmp_path: Path) -> list[Path]:
    pdf = tmp_path / "rapport.pdf"
    from tests.ingest.pdf_fixture import minimal_pdf
    data = minimal_pdf("Goede praktijk: stageplekken in de wijkverpleging.")
    pdf.write_bytes(data[: len(data) // 2])
    docx = tmp_path / "plan.docx"
    docx.write_bytes(bytes(range(256)) * 40)
    return [pdf, docx]


@pytest.mark.parametrize("which", [0, 1])
def test_corrupt_file_gives_dutch_error_and_no_change(kb_copy, tmp_path, fingerprint, which):
    bad = _corrupt_files(tmp_path)[which]
    before = fingerprint(kb_copy)
    conn = connect(kb_copy)
    report = ingest(conn, [SOURCES_DIR / "voortgang-actieprogramma-2019.txt", bad])
    conn.close()
    assert not report.ok
    assert bad.name in report.errors[0]
    assert re.search(r"beschadigd|onleesbaar|geen geldig|kan niet", report.errors[0])
    assert fingerprint(kb_copy) == before


def test_changed_document_updates_entries_in_place_and_keeps_curator_edits(kb_copy, tmp_path):
    conn = connect(kb_copy)
    curated = get_entry(conn, "zorg-aan-zet-brengt-ambassadeurs-in-beeld")
    curated.summary = "Door een curator herschreven samenvatting."
    curated.edited_fields = ["summary"]
    save_entry(conn, curated, actor="curator-test")
    src = tmp_path / "bronnen"
    shutil.copytree(SOURCES_DIR, src)
    f = src / f"{PROGRAMME}.md"
    text = f.read_text(encoding="utf-8")
    text = text.replace("Van dit aanbod hebben ruim 70 mensen gebruik gemaakt.",
                        "Van dit aanbod hebben ruim 90 mensen gebruik gemaakt.")
    text = text.replace("Diverse regio's hebben geëxperimenteerd met ambassadeurs.",
                        "Veel regio's hebben geëxperimenteerd met ambassadeurs.")
    f.write_text(text, encoding="utf-8")
    before = get_entry(conn, "maak-werk-van-jezelf-in-de-zorg")
    report = ingest(conn, [src])
    assert report.ok
    after = get_entry(conn, "maak-werk-van-jezelf-in-de-zorg")
    assert "ruim 90 mensen" in after.body and after.version == before.version + 1
    assert "maak-werk-van-jezelf-in-de-zorg" in report.applied.updated
    kept = get_entry(conn, "zorg-aan-zet-brengt-ambassadeurs-in-beeld")
    assert kept.summary == "Door een curator herschreven samenvatting."
    assert "Veel regio's" in kept.body
    history = conn.execute("SELECT count(*) FROM entry_versions WHERE entry_id = ?", (after.id,)).fetchone()[0]
    assert history == after.version
