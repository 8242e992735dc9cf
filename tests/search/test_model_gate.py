"""search.engine.ModelGate: a visitor's question is encoded before the next portion of background
work (a plan's bottlenecks), and background work comes in portions of bounded size."""
from __future__ import annotations

import threading
import time

from search.engine import ModelGate, _portions


def _wait_until(cond, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


def test_a_question_goes_before_the_next_portion_of_a_plan():
    """A plan's thread releases the model and asks for it again at once; a plain lock would mostly
    hand it straight back to that thread. The question waits for at most the current portion."""
    gate = ModelGate()
    order: list[str] = []
    started = threading.Event()

    def plan():
        for i in range(40):
            with gate.hold(urgent=False):
                order.append(f"plan-{i}")
                started.set()
                time.sleep(0.01)

    def question():
        with gate.hold(urgent=True):
            order.append("vraag")

    p = threading.Thread(target=plan)
    p.start()
    started.wait(10)
    q = threading.Thread(target=question)
    q.start()
    _wait_until(lambda: gate._urgent == 1 or "vraag" in order)      # the question is waiting
    waiting_since = len(order)             # portions begun so far: no new one may begin before it
    q.join(10)
    p.join(30)
    assert order.index("vraag") <= waiting_since, order[:waiting_since + 3]


def test_one_holder_at_a_time():
    gate = ModelGate()
    inside, most = [0], [0]
    lock = threading.Lock()

    def work(urgent: bool):
        for _ in range(50):
            with gate.hold(urgent=urgent):
                with lock:
                    inside[0] += 1
                    most[0] = max(most[0], inside[0])
                time.sleep(0.0005)
                with lock:
                    inside[0] -= 1

    threads = [threading.Thread(target=work, args=(i % 2 == 0,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert most[0] == 1 and gate._urgent == 0 and not gate._busy


def test_background_texts_come_in_portions_of_about_the_given_size():
    texts = ["a" * 600, "b" * 600, "c" * 10, "d" * 300, "e" * 2000, "f"]
    parts = _portions(texts, 1000)
    assert [t for p in parts for t in p] == texts                 # every text once, in order
    assert [len(p) for p in parts] == [1, 3, 1, 1]                # a long text stands alone
    assert all(sum(map(len, p)) <= 1000 or len(p) == 1 for p in parts)
    assert _portions([], 1000) == []
