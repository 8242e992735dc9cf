"""The web's runtime helpers under concurrency: the bounded heavy-work pool and the batching of
concurrent search questions into one model call (on the real Searcher, and with a slow
stand-in encoder to make the batching visible)."""
from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from web.services import Busy, HeavyPool, QueryBatcher


def test_heavy_pool_runs_work_in_its_own_threads_and_refuses_when_full():
    pool = HeavyPool(workers=1, queue=1)
    caller = threading.current_thread().name
    assert pool.call(lambda: threading.current_thread().name) != caller
    assert pool.call(lambda: pool.call(lambda: 7)) == 7          # nested heavy work does not deadlock
    with pytest.raises(ZeroDivisionError):
        pool.call(lambda: 1 / 0)                                 # errors reach the caller
    gate = threading.Event()
    results = []
    waiting = [threading.Thread(target=lambda: results.append(pool.call(gate.wait)), daemon=True) for _ in range(2)]
    for t in waiting:
        t.start()
    deadline = time.monotonic() + 10
    while pool._slots._value and time.monotonic() < deadline:   # until one runs and one waits: full
        time.sleep(0.001)
    with pytest.raises(Busy) as err:
        pool.call(lambda: 1)
    assert err.value.retry_after > 0 and "erg druk" in str(err.value)
    gate.set()
    for t in waiting:
        t.join(10)
    assert results == [True, True] and pool.call(lambda: 3) == 3


class SlowEncoder:
    """Stands in for the model: every call takes 50 ms, whatever its size."""

    def __init__(self):
        self.calls: list[list[str]] = []
        self.cache: dict[str, np.ndarray] = {}
        self.lock = threading.Lock()

    def encode_queries(self, texts):
        with self.lock:                         # like the Searcher: one encoder call at a time
            missing = [t for t in texts if t not in self.cache]
            if missing:
                self.calls.append(missing)
                time.sleep(0.05)
                for t in missing:
                    self.cache[t] = np.ones(4, dtype=np.float32)
        return np.stack([self.cache[t] for t in texts])


def test_concurrent_questions_are_encoded_together():
    batcher, enc = QueryBatcher(), SlowEncoder()
    questions = [f"vraag {i}" for i in range(24)]
    start = threading.Barrier(len(questions))

    def ask(q):
        start.wait()
        batcher.prepare(enc, q)
        assert q in enc.cache                  # after prepare, the search finds its vector

    threads = [threading.Thread(target=ask, args=(q,)) for q in questions]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    elapsed = time.perf_counter() - t0
    assert sorted(q for call in enc.calls for q in call) == sorted(questions)      # each encoded once
    assert len(enc.calls) <= 6 and max(len(c) for c in enc.calls) <= QueryBatcher.MAX_BATCH
    assert elapsed < 24 * 0.05                  # faster than one call per question
    assert not batcher._busy and not batcher._pending

    # a lone question is encoded at once, in a batch of one
    batcher.prepare(enc, "alleen")
    assert enc.calls[-1] == ["alleen"]


def test_a_failing_batch_leaves_each_search_to_encode_itself():
    class Broken:
        def encode_queries(self, texts):
            raise RuntimeError("model weg")
    batcher = QueryBatcher()
    batcher.prepare(Broken(), "vraag")         # no exception here: the search reports its own error
    assert not batcher._busy


def test_batched_questions_give_the_same_results(searcher):
    from web.services import QueryBatcher
    qs = ["te weinig stageplekken in de wijk", "werkdruk en verzuim in de ggz", "zij-instromers haken af"]
    expected = {q: [r.id for r in searcher.search(q, k=5)] for q in qs}
    searcher.clear_caches()
    batcher = QueryBatcher()
    got = {}

    def run(q):
        batcher.prepare(searcher, q)
        got[q] = [r.id for r in searcher.search(q, k=5)]
    threads = [threading.Thread(target=run, args=(q,)) for q in qs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert got == expected and batcher.questions == len(qs)
