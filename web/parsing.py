"""Reading uploads in the web: parse jobs run in a worker process with a time and a memory limit
(ingest.worker); classification with the already loaded encoder runs here, in a thread.

    parse_pool(app)              the app's ParsePool (app.state.parse_pool when set, e.g. by a
                                 test with small limits; else the process's shared pool)
    sentence_embedding(services) ingest.sentences.Embedding of the live encoder
    read_plan_upload(...)        an uploaded plan file -> PlanDraft (ingest.plans.parse_plan in a
                                 worker, finish_plan here)

A limit that is hit is an IngestError with a Dutch message (ParseLimitExceeded); no free worker
in time is ParserBusy (answer 503). While a job runs the server keeps serving: a request waits
for a free worker without holding a thread, and a running job waits in a thread that does not
count against the server's thread pool (run_parse_job).
"""
from __future__ import annotations

import asyncio
import functools

import anyio
from fastapi.concurrency import run_in_threadpool

from ingest.plans import PlanDraft, finish_plan, parse_plan
from ingest.sentences import Embedding
from ingest.worker import ParsePool, ParserBusy, shared_pool

__all__ = ["ParserBusy", "parse_pool", "read_plan_upload", "run_parse_job", "sentence_embedding"]


def parse_pool(app) -> ParsePool:
    pool = getattr(app.state, "parse_pool", None)
    return pool if pool is not None else shared_pool()


_limiters: dict[tuple[int, int], tuple[anyio.CapacityLimiter, anyio.CapacityLimiter]] = {}


def _limiters_for(pool: ParsePool) -> tuple[anyio.CapacityLimiter, anyio.CapacityLimiter]:
    """(turns, threads) for this pool on the running event loop: a request waits for its turn
    without holding a thread; a job that has its turn runs in a thread of its own limiter, so
    uploads never use up the threads that serve other requests."""
    key = (id(pool), id(asyncio.get_running_loop()))
    if key not in _limiters:
        if len(_limiters) > 32:
            _limiters.clear()
        n = pool.limits.workers
        _limiters[key] = (anyio.CapacityLimiter(n), anyio.CapacityLimiter(n))
    return _limiters[key]


async def run_parse_job(app, fn, *args, name: str | None = None, **kwargs):
    """fn(*args, **kwargs) in a parse worker of the app's pool (ingest.worker.ParsePool.run).
    Raises ParserBusy when no worker is free within the pool's queue time."""
    pool = parse_pool(app)
    turns, threads = _limiters_for(pool)
    with anyio.move_on_after(pool.limits.queue_seconds) as waited:
        await turns.acquire()
    if waited.cancelled_caught:
        raise pool.busy(name)
    try:
        return await anyio.to_thread.run_sync(functools.partial(pool.run, fn, *args, name=name, **kwargs),
                                              limiter=threads)
    finally:
        turns.release()


def sentence_embedding(services) -> Embedding:
    encoder = services.encoder()
    return Embedding(encoder.model_id, encoder.encode_passages)


async def read_plan_upload(app, services, registry, data: bytes, name: str) -> PlanDraft:
    """Read an uploaded plan: layout and segmentation in a parse worker, the bottleneck
    classifier (with the encoder's sentence embeddings) here. Raises IngestError (Dutch)."""
    parsed = await run_parse_job(app, parse_plan, data, name, name=name)
    embedding = sentence_embedding(services) if parsed.candidates else None
    return await run_in_threadpool(finish_plan, parsed, registry=registry, embedding=embedding)
