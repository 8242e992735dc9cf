"""Parse workers (ingest.worker): uploads are read in a separate process with a time and a memory
limit; a document over a limit gives a Dutch error and costs only its worker."""
from __future__ import annotations

import os
import threading
import time

import pytest

from ingest.errors import IngestError
from ingest.evaluate import DOCUMENTS_DIR
from ingest.pipeline import parse_import
from ingest.plans import finish_plan, parse_plan, read_plan
from ingest.worker import Limits, ParseLimitExceeded, ParsePool, ParserBusy, in_process
from tests.ingest.heavy_documents import heavy_pdf, many_paragraphs_docx


@pytest.fixture
def memory_pool(parse_pool):
    """The session's pool (tests/conftest.py): one worker, 256 MB above its loaded size, a
    generous time limit."""
    return parse_pool


@pytest.fixture(scope="module")
def time_pool():
    """One worker, a short time limit, memory enough; a caller waits at most half a second."""
    pool = ParsePool(Limits(seconds=3, memory_mb=4096, workers=1, queue_seconds=0.5))
    pool.start()
    yield pool
    pool.close()


def test_a_plan_read_in_a_worker_is_the_plan_read_here(memory_pool):
    data = (DOCUMENTS_DIR / "zhz-raat.pdf").read_bytes()
    assert memory_pool.run(os.getpid) != os.getpid()              # a separate process
    parsed = memory_pool.run(parse_plan, data, "zhz-raat.pdf", name="zhz-raat.pdf")
    assert parsed.candidates and parsed.format == "pdf"
    here = read_plan(data, "zhz-raat.pdf")
    assert [b.text for b in finish_plan(parsed).bottlenecks] == [b.text for b in here.bottlenecks]
    assert len(here.bottlenecks) == 6
    # an import: the same proposals as read here
    nhn = (DOCUMENTS_DIR / "goede-praktijken-nhn.pdf").read_bytes()
    there = memory_pool.run(parse_import, nhn, "nhn.pdf", {}, name="nhn.pdf")
    assert [d.title for d in there.built.drafts] == [d.title for d in in_process(parse_import, nhn, "nhn.pdf", {}).built.drafts] \
        == ["Zelfroosteren in de wijkverpleging", "Leerwerkhuis voor statushouders in Alkmaar"]


def test_a_dutch_error_in_the_worker_reaches_the_caller_as_it_is(memory_pool):
    with pytest.raises(IngestError, match="beschadigd of onvolledig") as err:
        memory_pool.run(parse_plan, b"%PDF-1.4 kapot", "kapot.pdf", name="kapot.pdf")
    assert not isinstance(err.value, ParseLimitExceeded)
    with pytest.raises(IngestError, match="te veel tekst"):                 # the reader's own cap, in the worker
        memory_pool.run(parse_plan, many_paragraphs_docx(19_000, "Tekort aan personeel in de zorg. " * 4),
                        "lang.docx", name="lang.docx")


def test_a_pdf_over_the_memory_limit_is_stopped_with_a_dutch_error_and_the_pool_recovers(memory_pool):
    data = heavy_pdf()
    assert len(data) < 10_000
    started = memory_pool.stats["started"]
    with pytest.raises(ParseLimitExceeded, match=r"vroeg te veel geheugen \(meer dan 256 MB\).*zwaar\.pdf|"
                                                 r"'zwaar\.pdf' vroeg te veel geheugen"):
        memory_pool.run(parse_plan, data, "zwaar.pdf", name="zwaar.pdf")
    assert memory_pool.stats["started"] == started + 1                     # a fresh worker
    parsed = memory_pool.run(parse_plan, (DOCUMENTS_DIR / "zhz-raat.html").read_bytes(), "zhz-raat.html")
    assert len(finish_plan(parsed).bottlenecks) == 6


def test_a_pdf_over_the_time_limit_is_stopped_and_others_wait_at_most_their_turn(time_pool):
    outcome: list[BaseException] = []

    def heavy():
        try:
            time_pool.run(parse_plan, heavy_pdf(), "traag.pdf", name="traag.pdf")
        except BaseException as exc:          # noqa: BLE001 - collected for the assertion below
            outcome.append(exc)

    t0 = time.monotonic()
    worker = threading.Thread(target=heavy)
    worker.start()
    deadline = time.monotonic() + 30
    while time_pool.stats["jobs"] == 0 and time.monotonic() < deadline:       # the heavy job has the worker
        time.sleep(0.02)
    with pytest.raises(ParserBusy, match="Er wordt op dit moment al een document gelezen, meer kan niet tegelijk"):
        time_pool.run(parse_plan, b"knelpunten: [Tekort aan personeel]", "plan.yaml")
    worker.join(60)
    assert len(outcome) == 1 and isinstance(outcome[0], ParseLimitExceeded), outcome
    assert "'traag.pdf' duurde te lang (meer dan 3 seconden) en is afgebroken" in str(outcome[0])
    assert time.monotonic() - t0 < 60
    assert time_pool.stats["timeouts"] == 1
    draft = finish_plan(time_pool.run(parse_plan, b"knelpunten: [Tekort aan personeel in de wijk]", "plan.yaml"))
    assert [b.text for b in draft.bottlenecks] == ["Tekort aan personeel in de wijk"]


def test_limits_from_the_environment(monkeypatch):
    monkeypatch.setenv("PRAKTIJKWIJZER_PARSE_SECONDS", "12.5")
    monkeypatch.setenv("PRAKTIJKWIJZER_PARSE_MB", "300")
    monkeypatch.setenv("PRAKTIJKWIJZER_PARSE_WORKERS", "onzin")
    assert Limits.from_env() == Limits(seconds=12.5, memory_mb=300, workers=Limits().workers)
