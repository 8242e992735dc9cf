"""web.parsing: an upload waits for a free parse worker without holding one of the server's threads,
and gets a Dutch 'try again' when none comes free in time."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace

import anyio
import pytest

from ingest.errors import IngestError
from ingest.plans import parse_plan
from ingest.worker import Limits, ParseLimitExceeded, ParsePool, ParserBusy
from tests.ingest.heavy_documents import heavy_pdf
from web.parsing import run_parse_job


@pytest.fixture(scope="module")
def app():
    pool = ParsePool(Limits(seconds=3, memory_mb=4096, workers=1, queue_seconds=0.5))
    pool.start()
    yield SimpleNamespace(state=SimpleNamespace(parse_pool=pool))
    pool.close()


def test_a_second_upload_waits_its_turn_without_a_thread_then_hears_to_try_again(app):
    outcomes: list[IngestError] = []
    threads_in_use = []

    async def upload():
        try:
            await run_parse_job(app, parse_plan, heavy_pdf(), "traag.pdf", name="traag.pdf")
        except IngestError as err:
            outcomes.append(err)

    async def main():
        async with anyio.create_task_group() as tg:
            tg.start_soon(upload)
            with anyio.fail_after(60):
                while app.state.parse_pool.stats["jobs"] == 0:      # the first upload has the worker
                    await anyio.sleep(0.02)
            tg.start_soon(upload)
            await anyio.sleep(0.2)
            threads_in_use.append(anyio.to_thread.current_default_thread_limiter().borrowed_tokens)

    with ThreadPoolExecutor(1) as thread:   # a loop of its own: the browser tests keep one in the main thread
        thread.submit(anyio.run, main).result()
    assert threads_in_use == [0]                 # neither the running job nor the waiting one takes a server thread
    kinds = sorted(type(e).__name__ for e in outcomes)
    assert kinds == ["ParseLimitExceeded", "ParserBusy"], outcomes
    busy = next(e for e in outcomes if isinstance(e, ParserBusy))
    assert "al een document gelezen" in str(busy) and "Probeer het over een minuut opnieuw" in str(busy)
    slow = next(e for e in outcomes if isinstance(e, ParseLimitExceeded))
    assert "duurde te lang" in str(slow)
