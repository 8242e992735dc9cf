"""Fixtures of the ingest tests: the composed test documents (corpus/bench/documents), read once."""
from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def bench_manifest():
    from ingest.evaluate import manifest
    return manifest()


@pytest.fixture(scope="session")
def bench_docs(bench_manifest):
    """file name -> RawDocument for every test document."""
    from ingest.evaluate import DOCUMENTS_DIR
    from ingest.readers import read_document
    return {d["bestand"]: read_document(DOCUMENTS_DIR / d["bestand"]) for d in bench_manifest}


@pytest.fixture(scope="session")
def extraction_report():
    """The extraction benchmark on the test documents (as `praktijkwijzer bench` reports it)."""
    from ingest.evaluate import evaluate_documents
    return evaluate_documents()
