"""Import documents split into proposals by their layout headings, in every format."""
from __future__ import annotations

import pytest

from ingest.pipeline import build_drafts, build_import
from ingest.practices import practice_drafts, split_parts
from ingest.readers import read_bytes
from ingest.registry import load_registry

IMPORTS = ["goede-praktijken-nhn.pdf", "goede-praktijken-nhn.html", "goede-praktijken-nhn-zonder-stijlen.docx",
           "nieuwsbrief-voorjaar-2025.docx", "nieuwsbrief-voorjaar-2025.html", "nieuwsbrief-voorjaar-2025.md"]


@pytest.mark.parametrize("name", IMPORTS)
def test_every_format_splits_into_the_practices_titled_by_their_headings(bench_docs, bench_manifest, name):
    raw = bench_docs[name]
    want = next(d for d in bench_manifest if d["bestand"] == name)["voorstellen"]
    drafts = practice_drafts("doc", raw.blocks, raw.text, raw.title)
    assert [d.title for d in drafts] == [p["titel"] for p in want]
    for d in drafts:
        assert d.status == "concept" and d.type == "praktijk" and len(d.body) > 100
        s = d.sources[0]
        assert raw.text[s.start:s.end].lstrip("#1234567890. ").startswith(d.title)
    if "nhn" in name:                      # sub-headings stay inside their practice
        assert "Wat levert het op?" in drafts[0].body and "verzuim" in drafts[0].body


def test_pdf_with_two_practices_through_the_pipeline(bench_docs):
    raw = bench_docs["goede-praktijken-nhn.pdf"]
    registry = load_registry()
    built = build_import(raw, "upload-x", raw.title, registry)
    assert [d.title for d in built.drafts] == ["Zelfroosteren in de wijkverpleging",
                                               "Leerwerkhuis voor statushouders in Alkmaar"]
    # the stored text alone (as `praktijkwijzer ingest` reads it) splits the same way
    again = build_drafts([("upload-x", raw.title, raw.text)], registry)
    assert [d.title for d in again.drafts] == [d.title for d in built.drafts]


def test_document_without_headings_is_one_proposal_titled_by_its_title_not_its_first_characters():
    raw = read_bytes(b"<html><head><title>Praktijk uit Zwolle</title></head><body><p>In Zwolle werken "
                     b"wijkverpleegkundigen en huisartsen samen in een wijkteam. Dat scheelt veel overdrachten."
                     b"</p></body></html>", "praktijk.html")
    parts = split_parts(raw.blocks, raw.text, raw.title)
    assert [p.title for p in parts] == ["Praktijk uit Zwolle"]


def test_newsletter_flags_the_known_practice_as_duplicate_and_the_new_one_not(bench_docs, searcher):
    from search.duplicates import finder_for
    registry = load_registry()
    find = finder_for(searcher)
    for name in ("nieuwsbrief-voorjaar-2025.docx", "nieuwsbrief-voorjaar-2025.html", "nieuwsbrief-voorjaar-2025.md"):
        raw = bench_docs[name]
        built = build_import(raw, "upload-nieuwsbrief", raw.title, registry)
        matches = find(built.drafts)
        assert [d.title for d in built.drafts] == ["Van carrièreswitcher tot begeleider bij Pluryn",
                                                   "Statushouders aan de slag in de thuiszorg in Emmen"]
        assert matches[0].is_duplicate and matches[0].entry_id == "carriereswitchers-van-pluryn", (name, matches[0])
        assert not matches[1].is_duplicate, (name, matches[1])
