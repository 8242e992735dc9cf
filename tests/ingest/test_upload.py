"""The check of an uploaded plan file (ingest.upload): by suffix, by content and not empty."""
from __future__ import annotations

import pytest

from ingest.errors import IngestError
from ingest.upload import check_plan_upload, upload_name
from tests.ingest.pdf_fixture import minimal_pdf


@pytest.mark.parametrize("data, name", [
    (b"# Plan\n\nEr is een tekort aan verpleegkundigen.\n", "plan.md"),
    (b"knelpunten:\n  - Te weinig stageplekken\n", "plan.yaml"),
    (b'{"knelpunten": ["Hoge werkdruk"]}', "plan.json"),
    (b"<!doctype html><p>Tekort aan personeel</p>", "plan.html"),
])
def test_plan_files_pass(data, name):
    check_plan_upload(data, name)


def test_a_real_pdf_passes():
    check_plan_upload(minimal_pdf("Er is een tekort aan personeel."), "plan.pdf")


@pytest.mark.parametrize("data, name, words", [
    (b"MZ\x90\x00binary", "programma.exe", "niet wordt ondersteund"),
    (b"   \n\t ", "plan.md", "is leeg"),
    (b"", "plan.yaml", "is leeg"),
    (b"%PDF-1.7 nep", "plan.json", "geen tekstbestand"),
    (b"PK\x03\x04zip", "plan.yml", "geen tekstbestand"),
    (b"tekst\x00met nul", "plan.json", "geen tekstbestand"),
    (b"\x00\x01 geen pdf " * 50, "plan.pdf", "geen geldig PDF"),
    (b"gewone tekst", "plan.docx", "geen geldig Word-document"),
])
def test_wrong_files_are_refused_in_dutch(data, name, words):
    with pytest.raises(IngestError, match=words):
        check_plan_upload(data, name)


def test_the_name_of_an_upload_loses_its_directories():
    assert upload_name("C:\\Users\\anna\\plan.pdf") == "plan.pdf"
    assert upload_name("../../etc/plan.md") == "plan.md"
    assert len(upload_name("x" * 500 + ".md")) == 200
