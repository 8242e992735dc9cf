"""A reindex killed with SIGKILL leaves a knowledge base and an index that still answer searches
correctly: the previous generation stays live until a new one is complete."""
from __future__ import annotations

import os
import pty
import re
import select
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
QUERIES = ["te weinig stageplekken in de wijkverpleging", "zij-instromers omscholen", "minder administratie"]
PROGRESS = re.compile(rb"Vectoren berekenen\s.*?(\d+)/(\d+)")


def _results(searcher) -> list[list[tuple[str, float]]]:
    return [[(r.id, r.score) for r in searcher.search(q, k=10)] for q in QUERIES]


def _reindex_until_encoding(db: Path, index: Path, min_done: int = 16, timeout: float = 240.0) -> tuple[bytes, int]:
    """Start `praktijkwijzer reindex` on a pseudo-terminal (so that it shows its progress bar)
    and SIGKILL it once it reports at least `min_done` encoded chunks."""
    master, slave = pty.openpty()
    env = dict(os.environ, PRAKTIJKWIJZER_INDEX=str(index), COLUMNS="120", TERM="xterm")
    proc = subprocess.Popen([sys.executable, "-m", "web.cli", "--db", str(db), "reindex"], cwd=ROOT,
                            stdin=subprocess.DEVNULL, stdout=slave, stderr=slave, env=env, close_fds=True)
    os.close(slave)
    out, done = b"", -1
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            ready, _, _ = select.select([master], [], [], 0.5)
            if not ready:
                continue
            try:
                out += os.read(master, 65536)
            except OSError:
                break
            counts = [int(m.group(1)) for m in PROGRESS.finditer(out)]
            if counts and max(counts) >= min_done:
                done = max(counts)
                break
    finally:
        still_running = proc.poll() is None
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
        os.close(master)
    assert still_running and done >= min_done, (
        f"reindex was not caught while encoding (exit {proc.returncode}); output: {out[-2000:]!r}")
    assert proc.returncode == -signal.SIGKILL
    return out, done


def test_sigkill_during_reindex_keeps_the_old_index_serving(kb_copy, index_root, encoder, searcher, tmp_path):
    from index.store import load, read_current, sync
    from kb.db import connect
    from search.engine import Searcher

    index = tmp_path / "index"
    shutil.copytree(index_root, index)
    live_before = read_current(index)
    expected = _results(searcher)               # the same contents, searched before anything happened

    output, done = _reindex_until_encoding(kb_copy, index)
    total = int(PROGRESS.findall(output)[-1][1])
    assert 0 < done < total                    # killed in the middle of encoding

    # "restart": open the database and the index from disk, as a new process would
    assert read_current(index) == live_before
    conn = connect(kb_copy)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    fresh = Searcher(conn, load(index, expected_model=encoder.model_id, conn=conn), encoder)
    assert _results(fresh) == expected
    # and the index keeps working: an incremental update after the crash succeeds
    manifest, changes = sync(conn, encoder, index)
    assert changes == {"added": [], "updated": [], "removed": []} and manifest.n_entries == len(
        [1 for e in fresh.entries.values() if e.status != "gearchiveerd"])
    conn.close()


def test_the_leftovers_of_a_crash_while_writing_are_ignored(kb_copy, index_root, encoder, searcher, tmp_path):
    """What a crash during the write phase can leave on disk: a half-written temporary
    generation, and a complete generation that CURRENT does not point to yet."""
    from index.store import load, read_current
    from kb.db import connect
    from search.engine import Searcher

    index = tmp_path / "index"
    shutil.copytree(index_root, index)
    live = read_current(index)
    n = int(live.split("-")[1]) + 1
    half = index / f".gen-{n:06d}.x1y2z3"
    half.mkdir()
    (half / "vectors.npy").write_bytes(b"\x93NUMPY\x01\x00")          # cut off
    shutil.copytree(index / live, index / f"gen-{n:06d}")
    (index / f"gen-{n:06d}" / "index.faiss").write_bytes(b"")           # not yet complete
    (index / ".CURRENT.tmp").write_text(f"gen-{n:06d}", encoding="utf-8")  # pointer not yet renamed
    assert read_current(index) == live
    conn = connect(kb_copy)
    fresh = Searcher(conn, load(index, expected_model=encoder.model_id, conn=conn), encoder)
    assert _results(fresh) == _results(searcher)
    conn.close()
    c = sqlite3.connect(kb_copy)
    assert c.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    c.close()
