"""Reading uploads in the web: parse jobs run in a worker process with a time and a memory limit
(ingest.worker); classification with the already loaded encoder runs here, in a thread.

    parse_pool(app)              the app's ParsePool (app.state.parse_pool when set, e.g. by a
                                 test with small limits; else the process's shared pool)
    sentence_embedding(services) ingest.sentences.Embedding of the live encoder
    read_plan_upload(...)        an uploaded plan file -> PlanDraft (ingest.plans.parse_plan in a
                                 worker, finish_plan here)

A limit that is hit is an IngestError with a Dutch message (ParseLimitExceeded); no free worker
in time is ParserBusy (answer 503). While a job runs the server keeps serving: the waiting
thread holds no lock and no CPU.
"""
from __future__ import annotations

from fastapi.concurrency import run_in_threadpool

from ingest.plans import PlanDraft, finish_plan, parse_plan
from ingest.sentences import Embedding
from ingest.worker import ParsePool, ParserBusy, shared_pool

__all__ = ["ParserBusy", "parse_pool", "read_plan_upload", "sentence_embedding"]


def parse_pool(app) -> ParsePool:
    pool = getattr(app.state, "parse_pool", None)
    return pool if pool is not None else shared_pool()


def sentence_embedding(services) -> Embedding:
    encoder = services.encoder()
    return Embedding(encoder.model_id, encoder.encode_passages)


async def read_plan_upload(app, services, registry, data: bytes, name: str) -> PlanDraft:
    """Read an uploaded plan: layout and segmentation in a parse worker, the bottleneck
    classifier (with the encoder's sentence embeddings) here. Raises IngestError (Dutch)."""
    parsed = await run_in_threadpool(parse_pool(app).run, parse_plan, data, name, name=name)
    embedding = sentence_embedding(services) if parsed.candidates else None
    return await run_in_threadpool(finish_plan, parsed, registry=registry, embedding=embedding)
