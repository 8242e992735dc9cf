"""Token buckets in SQLite (kb.budgets): one budget per client whatever the number of server
processes or threads, kept across a restart, refilled over time, keys stored hashed, the
table bounded, a refusal that never waits for the write lock."""
from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from kb import budgets
from kb.budgets import Budget, level, take
from kb.db import connect

ROOT = Path(__file__).resolve().parents[2]
NOW = 1_800_000_000.0
A, B = "198.51.100.7", "203.0.113.9"


@pytest.fixture(scope="module")
def path(tmp_path_factory):
    p = tmp_path_factory.mktemp("budgets") / "kb.db"
    connect(p).close()
    return p


@pytest.fixture
def db(path):
    conn = connect(path)
    conn.execute("DELETE FROM request_budgets")
    yield conn
    conn.close()


def rows(conn) -> int:
    return conn.execute("SELECT count(*) FROM request_budgets").fetchone()[0]


def test_a_bucket_refills_over_time_and_a_refusal_takes_nothing(db):
    b = Budget("t", 10.0, 1000.0)                                    # 10 units per second
    assert take(db, b, A, 1000, now=NOW) == 0.0
    assert take(db, b, A, 100, now=NOW) == pytest.approx(10.0)       # seconds until 100 units are back
    assert take(db, b, A, 100, now=NOW + 5) == pytest.approx(5.0)    # the refusal took nothing
    assert take(db, b, A, 100, now=NOW + 10) == 0.0
    assert level(db, b, A, now=NOW + 10) == pytest.approx(0.0)
    assert level(db, b, A, now=NOW + 10_000) == 1000.0               # never above the burst
    assert take(db, b, A, 50, now=NOW + 4) == pytest.approx(5.0)     # a clock that went back refills nothing
    assert level(db, b, B, now=NOW) == 1000.0                        # another client: a full bucket of its own


def test_costs_are_capped_at_the_burst_and_zero_costs_nothing(db):
    b = Budget("t", 10.0, 1000.0)
    assert take(db, b, A, 10 ** 9, now=NOW) == 0.0                   # the largest request fits a full bucket
    assert level(db, b, A, now=NOW) == 0.0
    assert take(db, b, A, 10 ** 9, now=NOW) == pytest.approx(100.0)  # ... and waits at most burst / rate
    assert take(db, b, A, 0, now=NOW) == 0.0 and take(db, b, A, -5, now=NOW) == 0.0
    assert level(db, b, A, now=NOW) == 0.0                           # a negative cost adds nothing
    assert take(db, b, B, float("nan"), now=NOW) == 0.0 and level(db, b, B, now=NOW) == 0.0


def test_off_when_the_rate_is_zero(db):
    off = Budget("t", 0.0, 0.0)
    assert not off.enabled
    assert all(take(db, off, A, 10 ** 9, now=NOW) == 0.0 for _ in range(3))
    assert rows(db) == 0                                             # nothing stored


def test_budgets_and_clients_are_separate_and_keys_are_hashed(db):
    match, other = Budget("match", 1.0, 100.0), Budget("upload", 1.0, 100.0)
    assert take(db, match, A, 100, now=NOW) == 0.0
    assert level(db, other, A, now=NOW) == 100.0 and level(db, match, B, now=NOW) == 100.0
    assert take(db, match, "2001:db8::1", 100, now=NOW) == 0.0       # an IPv6 /64 is one client
    assert take(db, match, "2001:db8::ffff:2", 1, now=NOW) > 0
    assert level(db, match, "2001:db8:0:1::1", now=NOW) == 100.0     # the next /64 is another
    stored = repr([tuple(r) for r in db.execute("SELECT * FROM request_budgets")])
    assert A not in stored and "2001:db8" not in stored and "match" not in stored
    assert all(len(r[0]) == 64 for r in db.execute("SELECT key FROM request_budgets"))


def test_two_connections_share_one_budget_across_a_restart(db, path):
    b = Budget("t", 1.0, 100.0)
    assert take(db, b, A, 80, now=NOW) == 0.0
    db.close()                                                       # the server stops
    other = connect(path)                                            # another worker, or after a restart
    try:
        assert level(other, b, A, now=NOW) == pytest.approx(20.0)
        assert take(other, b, A, 50, now=NOW) == pytest.approx(30.0)
    finally:
        other.close()


def test_full_buckets_are_pruned_and_the_table_stays_bounded(db):
    b = Budget("t", 1.0, 100.0)
    for i in range(10):
        assert take(db, b, f"10.0.0.{i}", 10 + i, now=NOW, max_rows=5) == 0.0
    assert rows(db) == 5                                             # bounded
    # the rows closest to full went first: the five clients that spent the most are kept
    kept = [f"10.0.0.{i}" for i in range(10) if level(db, b, f"10.0.0.{i}", now=NOW) < 100]
    assert kept == [f"10.0.0.{i}" for i in range(5, 10)]
    # once they are full again they carry no information: the next new client deletes them
    assert take(db, b, B, 1, now=NOW + 100, max_rows=5) == 0.0
    assert rows(db) == 1
    assert budgets.prune(db, now=NOW + 1000) == 1 and rows(db) == 0


def test_concurrent_threads_get_exactly_the_budget(path, db):
    b = Budget("t", 1e-9, 1000.0)                                    # practically no refill
    threads, per_thread, cost = 8, 40, 10                            # 3,200 units asked of 1,000
    granted, start = [], threading.Barrier(threads)

    def worker():
        conn = connect(path)                                         # one connection per thread
        start.wait()
        n = sum(take(conn, b, A, cost, now=NOW) == 0.0 for _ in range(per_thread))
        conn.close()
        granted.append(n)
    ts = [threading.Thread(target=worker) for _ in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(60)
    assert len(granted) == threads and sum(granted) == 1000 // cost   # no lost update, nothing left over
    assert level(db, b, A, now=NOW) == pytest.approx(0.0, abs=1e-3)


CHILD = """
import sys
from kb.budgets import Budget, take
from kb.db import connect
path, n, cost, now = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
conn = connect(path)
b = Budget("proc", 1e-9, 1000.0)
print("klaar", flush=True)
sys.stdin.readline()                       # start together with the other process
print(sum(take(conn, b, "198.51.100.7", cost, now=now) == 0.0 for _ in range(n)), flush=True)
"""


def test_server_processes_share_one_budget(path, db):
    """Two processes take from one client's bucket at the same moment: together they get
    exactly the burst, and this process sees the budget spent."""
    procs = [subprocess.Popen([sys.executable, "-c", CHILD, str(path), "150", "5", str(NOW)], cwd=ROOT,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True) for _ in range(2)]
    try:
        assert [p.stdout.readline().strip() for p in procs] == ["klaar", "klaar"]
        for p in procs:
            p.stdin.write("start\n")
            p.stdin.flush()
        granted = [int(p.stdout.readline()) for p in procs]
    finally:
        for p in procs:
            p.stdin.close()
            p.wait(60)
    assert sum(granted) == 1000 // 5 and all(g > 0 for g in granted), granted
    b = Budget("proc", 1e-9, 1000.0)
    assert level(db, b, A, now=NOW) == pytest.approx(0.0, abs=1e-3)
    assert take(db, b, A, 5, now=NOW) > 0


def test_a_refusal_does_not_wait_for_the_write_lock(db, path):
    b = Budget("t", 1.0, 100.0)
    assert take(db, b, A, 100, now=NOW) == 0.0
    writer = connect(path)
    writer.execute("BEGIN IMMEDIATE")                                # e.g. a curator's long transaction
    try:
        t0 = time.perf_counter()
        assert take(db, b, A, 50, now=NOW) == pytest.approx(50.0)
        assert time.perf_counter() - t0 < 1.0
    finally:
        writer.execute("ROLLBACK")
        writer.close()
