"""Index writers: one lock for all of them, unique generation names, and recovery from every
state an interrupted writer can leave, on the next write and on load.

The interrupted states are made for real: writers run in child processes (tests/index/
writer_child.py), report every step of the write on a pipe, and are SIGKILLed at the step under
test. Two concurrent writers and a write that fails on a size-limited disk run the same way.
All children are started at once and share one model load, which keeps this module fast."""
from __future__ import annotations

import json
import os
import select
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from index.generations import POINTER, POINTER_TMP, complete_generations, generations, is_complete, read_pointer
from index.store import (WRITE_STEP, IndexBusy, IndexMismatch, load, read_current, recover_index, sync,
                         writer_lock)
from kb.db import connect

ROOT = Path(__file__).resolve().parents[2]
CHILD = Path(__file__).with_name("writer_child.py")
KILL_AT = {1: "temporary directory half written", 2: "temporary directory complete, not renamed",
           3: "generation renamed, CURRENT not updated", 4: ".CURRENT.tmp written, not yet swapped",
           5: "CURRENT swapped, old generations not yet removed"}
FULL_DISK = 100_000          # bytes per file: the vectors alone are ~700 KB


def _copy_db(src: Path, dst: Path) -> Path:
    a, b = sqlite3.connect(src), sqlite3.connect(dst)
    a.backup(b)
    a.close()
    b.close()
    return dst


def _archive(db: Path, entry_id: str) -> None:
    c = sqlite3.connect(db)
    with c:
        c.execute("UPDATE entries SET status = 'gearchiveerd' WHERE id = ?", (entry_id,))
    c.close()


def _listing(root: Path) -> set[str]:
    return {p.name for p in root.iterdir()}


def _run_children(jobs: list[dict], on_event, timeout: float = 300.0) -> dict[str, list[tuple[str, str]]]:
    """Run the jobs in writer_child.py; `on_event(kind, name, rest)` may signal the children.
    Returns every job's events. Kills the whole process group if anything goes wrong."""
    proc = subprocess.Popen([sys.executable, str(CHILD)], cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, start_new_session=True)
    events: dict[str, list[tuple[str, str]]] = {j["name"]: [] for j in jobs}
    buf, err = b"", b""
    try:
        proc.stdin.write(json.dumps(jobs).encode())
        proc.stdin.close()
        deadline = time.monotonic() + timeout
        streams = [proc.stdout, proc.stderr]
        while streams and time.monotonic() < deadline:
            ready, _, _ = select.select(streams, [], [], 1.0)
            for s in ready:
                data = os.read(s.fileno(), 65536)
                if not data:
                    streams.remove(s)
                elif s is proc.stderr:
                    err += data
                else:
                    buf += data
                    while b"\n" in buf:
                        line, buf = buf.split(b"\n", 1)
                        kind, name, rest = line.decode().split(" ", 2)
                        events[name].append((kind, rest))
                        on_event(kind, name, rest)
        assert not streams, f"writer children did not finish in {timeout} s; stderr: {err[-3000:]!r}"
        assert proc.wait(30) == 0, err[-3000:]
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(30)
    return events


def _first(events: list[tuple[str, str]], kind: str) -> str | None:
    return next((rest for k, rest in events if k == kind), None)


@pytest.fixture(scope="module")
def scenario(kb_path, index_root, tmp_path_factory):
    """Runs every child writer once: kills at each write step, two concurrent writers, and a
    write on a size-limited disk. Returns the directories and what happened."""
    base = tmp_path_factory.mktemp("writers")
    c = sqlite3.connect(kb_path)
    ids = [r[0] for r in c.execute("SELECT id FROM entries WHERE status != 'gearchiveerd' ORDER BY id LIMIT 3")]
    c.close()
    db = _copy_db(kb_path, base / "een-item-gearchiveerd.db")     # the killed writers' database
    _archive(db, ids[0])
    db_ab = _copy_db(kb_path, base / "gelijktijdig.db")
    _archive(db_ab, ids[1])
    jobs, roots = [], {}
    for k in KILL_AT:
        roots[f"kill-{k}"] = base / f"kill-{k}"
        jobs.append({"name": f"kill-{k}", "db": str(db), "op": "sync", "stop": [WRITE_STEP, k]})
    roots["full"] = base / "full"
    jobs.append({"name": "full", "db": str(db), "op": "sync", "fsize": FULL_DISK})
    roots["a"] = roots["b"] = base / "shared"
    for name in ("a", "b"):                      # both stop once they hold the lock and start writing
        jobs.append({"name": name, "db": str(db_ab), "op": "sync", "stop": [WRITE_STEP, 1]})
    for job in jobs:
        job["root"] = str(roots[job["name"]])
        if not roots[job["name"]].exists():
            shutil.copytree(index_root, roots[job["name"]])
    before = {name: _listing(root) for name, root in roots.items()}
    live_before = read_current(index_root)

    state = {"held": None, "waiting": set(), "released": False}

    def release_first_when_second_waits():
        if state["held"] and not state["released"] and ({"a", "b"} - {state["held"][0]}) <= state["waiting"]:
            _archive(db_ab, ids[2])             # the database changes while the first writer writes
            state["released"] = True
            os.kill(state["held"][1], signal.SIGUSR1)

    def on_event(kind, name, rest):
        if kind == "STOP" and name.startswith("kill-"):
            os.kill(int(rest), signal.SIGKILL)
        elif kind == "STOP":
            if state["released"]:
                os.kill(int(rest), signal.SIGUSR1)
            else:
                state["held"] = (name, int(rest))
                release_first_when_second_waits()
        elif kind == "STEP" and name in ("a", "b") and json.loads(rest)[0].startswith("Wachten"):
            state["waiting"].add(name)
            release_first_when_second_waits()

    events = _run_children(jobs, on_event)
    return {"events": events, "roots": roots, "before": before, "live_before": live_before, "db": db,
            "db_ab": db_ab, "archived": ids, "first": state["held"][0] if state["held"] else None}


def _gens_after_kill(root: Path, live_before: str) -> list[str]:
    return [n for n in generations(root) if n != live_before]


@pytest.mark.parametrize("k", sorted(KILL_AT), ids=[f"{k}-{v}" for k, v in sorted(KILL_AT.items())])
def test_a_writer_killed_at_each_step_leaves_a_loadable_index_and_the_next_write_recovers(scenario, encoder, k):
    name, root, old = f"kill-{k}", scenario["roots"][f"kill-{k}"], scenario["live_before"]
    events = scenario["events"][name]
    assert _first(events, "STOP") and _first(events, "EXIT") == str(-signal.SIGKILL), events
    left = _listing(root) - scenario["before"][name]
    new = _gens_after_kill(root, old)

    # what the kill left on disk
    if k <= 2:
        assert new == [] and any(n.startswith(".gen-") for n in left) and read_pointer(root) == old
    else:
        assert len(new) == 1 and is_complete(root / new[0])
    assert (POINTER_TMP in left) == (k == 4)
    assert read_pointer(root) == (new[0] if k == 5 else old)

    # load, without the lock: the live generation, or one that matches the database
    assert load(root, expected_model=encoder.model_id).generation == (new[0] if k == 5 else old)
    conn = connect(scenario["db"])
    if k <= 2:                                    # nothing matches the changed database yet
        with pytest.raises(IndexMismatch, match="praktijkwijzer reindex"):
            load(root, expected_model=encoder.model_id, conn=conn)
    else:                                          # the finished generation is found
        assert load(root, expected_model=encoder.model_id, conn=conn).generation == new[0]

    # the next write cleans up and brings the index in line with the database
    manifest, changes = sync(conn, encoder, root)
    assert changes["removed"] == ([scenario["archived"][0]] if k <= 2 else [])
    assert not [n for n in _listing(root) if n.startswith(".gen-") or n == POINTER_TMP]
    assert all(is_complete(root / n) for n in generations(root)) and len(generations(root)) <= 2
    live = load(root, expected_model=encoder.model_id, conn=conn)
    assert live.generation == read_pointer(root) and live.manifest.n_entries == manifest.n_entries
    assert scenario["archived"][0] not in live.by_entry
    conn.close()


def test_two_concurrent_writers_take_turns_and_the_result_matches_the_database(scenario, encoder):
    ev, root = scenario["events"], scenario["roots"]["a"]
    first = scenario["first"]
    second = ({"a", "b"} - {first}).pop()
    assert _first(ev["a"], "EXIT") == "0" and _first(ev["b"], "EXIT") == "0", ev
    assert any(json.loads(r)[0].startswith("Wachten: een ander proces werkt de zoekindex bij")
               for k, r in ev[second] if k == "STEP")            # it waited, with a Dutch message
    done_first, done_second = (json.loads(_first(ev[n], "DONE")) for n in (first, second))
    archived = scenario["archived"]
    # the second decided what to do only after it got the lock: just the change made meanwhile
    assert done_first["changes"]["removed"] == [archived[1]]
    assert done_second["changes"] == {"added": [], "updated": [], "removed": [archived[2]]}
    assert done_first["generation"] != done_second["generation"]
    conn = connect(scenario["db_ab"])
    live = load(root, expected_model=encoder.model_id, conn=conn)
    assert live.generation == done_second["generation"] == read_current(root)
    n = conn.execute("SELECT count(*) FROM entries WHERE status != 'gearchiveerd'").fetchone()[0]
    assert live.manifest.n_entries == n and not set(archived[1:]) & set(live.by_entry)
    assert sorted(generations(root)) == sorted([done_first["generation"], done_second["generation"]])
    assert not [p for p in _listing(root) if p.startswith(".gen-") or p == POINTER_TMP]
    conn.close()


def test_a_failed_write_on_a_full_disk_removes_its_files_and_keeps_the_old_index(scenario, encoder):
    ev, root = scenario["events"]["full"], scenario["roots"]["full"]
    assert _first(ev, "EXIT") == "1", ev
    error = _first(ev, "ERROR")
    kind, message = error.split(" ", 1)
    assert kind == "IndexWriteError"
    assert "kon niet worden weggeschreven" in message and "bestandslimiet" in message \
        and "vorige zoekindex blijft in gebruik" in message
    assert _listing(root) == scenario["before"]["full"]            # no temporary directory left
    assert read_current(root) == scenario["live_before"]
    assert load(root, expected_model=encoder.model_id).generation == scenario["live_before"]


# ---------------------------------------------------------------- in-process: lock and damaged pointers

def test_a_writer_that_waits_too_long_gives_up_with_a_dutch_message(kb_path, index_root, encoder, tmp_path):
    root = tmp_path / "idx"
    shutil.copytree(index_root, root)
    conn = connect(kb_path)
    result: dict = {}

    def second_writer():
        try:
            sync(conn, encoder, root, lock_timeout=0.2, progress=lambda d, *_: result.setdefault("waited", d))
        except IndexBusy as err:
            result["error"] = str(err)

    with writer_lock(root):
        t = threading.Thread(target=second_writer)
        t.start()
        t.join(30)
        with writer_lock(root):                  # re-entrant in the holding thread
            pass
    assert result["waited"].startswith("Wachten: een ander proces werkt de zoekindex bij")
    assert "werkt de zoekindex" in result["error"] and "niets gewijzigd" in result["error"]
    assert str(os.getpid()) in result["error"]
    assert read_current(root) == read_current(index_root)
    # once the lock is free, the same call succeeds (nothing to do)
    assert sync(conn, encoder, root, lock_timeout=0.2)[1] == {"added": [], "updated": [], "removed": []}
    conn.close()


def test_current_pointing_to_a_missing_or_incomplete_generation(kb_copy, index_root, encoder, tmp_path):
    root = tmp_path / "idx"
    shutil.copytree(index_root, root)
    first = read_current(root)
    conn = connect(kb_copy)
    gone = conn.execute("SELECT id FROM entries WHERE status != 'gearchiveerd' ORDER BY id DESC").fetchone()[0]
    _archive(kb_copy, gone)
    sync(conn, encoder, root)
    second = read_current(root)
    assert second != first and complete_generations(root) == [second, first]

    # CURRENT names a generation that is gone: readers use the newest complete one
    (root / POINTER).write_text("gen-999999-deadbeef", encoding="utf-8")
    assert read_current(root) == second
    assert load(root, expected_model=encoder.model_id, conn=conn).generation == second
    rec = recover_index(root)
    assert rec.repointed == ("gen-999999-deadbeef", second) and read_pointer(root) == second

    # CURRENT names an incomplete generation (a file cut short): the previous one is used, and it
    # does not match the database, so load asks for a reindex; the next write repairs everything
    vectors = root / second / "vectors.npy"
    vectors.write_bytes(vectors.read_bytes()[:100])
    assert read_current(root) == first
    with pytest.raises(IndexMismatch, match="praktijkwijzer reindex"):
        load(root, expected_model=encoder.model_id, conn=conn)
    _, changes = sync(conn, encoder, root)
    assert changes["removed"] == [gone] and second not in generations(root)
    assert load(root, expected_model=encoder.model_id, conn=conn).generation == read_pointer(root)

    # no complete generation at all: a Dutch request to reindex
    for name in generations(root):
        (root / name / "manifest.json").unlink()
    with pytest.raises(IndexMismatch, match="onvolledig of beschadigd.*praktijkwijzer reindex"):
        load(root, expected_model=encoder.model_id)
    assert read_current(root) is None
    conn.close()


def test_generation_names_never_collide(tmp_path):
    from index.generations import new_generation_name
    (tmp_path / "gen-000007").mkdir()                      # a name of an older version
    (tmp_path / ".gen-000009-0a0b0c0d.tmp1").mkdir()      # a writer's temporary directory
    names = {new_generation_name(tmp_path) for _ in range(50)}
    assert len(names) == 50 and all(n.startswith("gen-000010-") for n in names)
