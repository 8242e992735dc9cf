"""praktijkwijzer serve: refusals in Dutch before anything is written."""
from __future__ import annotations


def test_serve_refuses_a_busy_port_in_dutch(tmp_path, capsys):
    import socket

    from web.cli import main
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        code = main(["--db", str(tmp_path / "pw.db"), "serve", "--port", str(port)])
    out = capsys.readouterr().out
    assert code == 1 and f"poort {port}" in out and "al in gebruik" in out
    assert not (tmp_path / "pw.db").exists(), "nothing is ingested when the server cannot start"


def test_serve_refuses_a_wrong_proxy_setting_in_dutch(tmp_path, capsys, monkeypatch):
    from web.cli import main
    monkeypatch.setenv("PRAKTIJKWIJZER_TRUSTED_PROXIES", "mijn-proxy")
    code = main(["--db", str(tmp_path / "pw.db"), "serve", "--port", "1"])
    out = capsys.readouterr().out
    assert code == 2 and "PRAKTIJKWIJZER_TRUSTED_PROXIES" in out and "mijn-proxy" in out


def test_serve_recovers_the_index_and_stops_in_bounded_time_during_a_request(kb_copy, index_root, tmp_path, encoder):
    """A real `praktijkwijzer serve` in a subprocess, with two worker processes: at start-up it
    cleans up what an interrupted index writer left (a temporary generation, a half-written
    pointer, CURRENT naming a missing generation), serves searches; a change made by another
    process (here: this test, as a CLI command would) reaches both workers: a withdrawn entry at
    once, a new index generation within moments; on SIGTERM it stops within --stoptijd plus a
    margin while a maximal plan match is still running."""
    import os
    import shutil
    import signal
    import socket
    import subprocess
    import sys
    import threading
    import time

    import httpx

    db = tmp_path / "var" / "praktijkwijzer.db"
    db.parent.mkdir()
    shutil.copy(kb_copy, db)
    root = db.with_suffix(".index")
    shutil.copytree(index_root, root)
    live = (root / "CURRENT").read_text().strip()
    (root / ".gen-999998-0badc0de.tmp1").mkdir()                    # a writer died while writing
    (root / ".gen-999998-0badc0de.tmp1" / "vectors.npy").write_bytes(b"half")
    (root / ".CURRENT.tmp").write_text("gen-999999-deadbeef")       # ... or just before the swap
    (root / "CURRENT").write_text("gen-999999-deadbeef")             # CURRENT names a missing generation

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = dict(os.environ, PRAKTIJKWIJZER_MATCH_BUDGET="0", PYTHONUNBUFFERED="1")
    proc = subprocess.Popen([sys.executable, "-m", "web.cli", "--db", str(db), "serve", "--port", str(port),
                             "--stoptijd", "2", "--werkers", "2"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(proc.stdout), daemon=True)
    reader.start()
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 240
        while not any("draait met 2 werkprocessen op" in line for line in lines):
            assert proc.poll() is None, "".join(lines)
            assert time.monotonic() < deadline, "serve did not start: " + "".join(lines)
            time.sleep(0.2)
        out = "".join(lines)
        assert "opgeruimd" in out and "Traceback" not in out, out
        assert (root / "CURRENT").read_text().strip() == live
        assert not (root / ".CURRENT.tmp").exists() and not (root / ".gen-999998-0badc0de.tmp1").exists()
        r = httpx.get(f"{base}/api/search", params={"q": "werkdruk in de ggz"}, timeout=60)
        assert r.status_code == 200 and r.json()["results"]
        assert len(_workers(proc.pid)) == 2
        _follows_other_processes(base, db, root, encoder)

        body = {"bottlenecks": [f"Knelpunt {i}: " + "te weinig personeel en hoge werkdruk in de wijkverpleging. " * 16
                                for i in range(40)]}
        answer: list = []
        slow = threading.Thread(target=lambda: answer.append(_post(f"{base}/api/match", body)), daemon=True)
        slow.start()
        time.sleep(1.0)
        assert slow.is_alive(), "the maximal plan match should still be running"
        t0 = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=60)
        stopped = time.monotonic() - t0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    reader.join(5)
    assert code == 0 and "gestopt" in "".join(lines)
    assert stopped < 2 + 8, f"stopping took {stopped:.1f} s"


def _post(url, body):
    import httpx
    try:
        return httpx.post(url, json=body, timeout=120).status_code
    except httpx.HTTPError as err:
        return type(err).__name__


def _workers(pid: int) -> list[int]:
    """The worker processes of the server `pid` (its children, without multiprocessing's tracker)."""
    from pathlib import Path
    out = []
    for p in Path("/proc").iterdir():
        try:
            status = (p / "status").read_text()
            cmdline = (p / "cmdline").read_bytes()
        except (OSError, ValueError):
            continue
        if f"\nPPid:\t{pid}\n" in status and b"spawn_main" in cmdline:
            out.append(int(p.name))
    return out


def _follows_other_processes(base: str, db, root, encoder) -> None:
    """Each request on a new connection: the kernel wakes both workers and one that is not busy
    accepts, so consecutive connections alternate between the two (measured); 8 answers in a row
    cover both."""
    import time

    import httpx

    from index.store import sync
    from kb.curation import set_status
    from kb.db import connect
    from kb.entries import get_entry, save_entry

    def ids(q: str) -> list[str]:
        with httpx.Client(timeout=60) as c:            # a new connection
            r = c.get(f"{base}/api/search", params={"q": q, "alles": "true", "k": 20})
        assert r.status_code == 200, r.text[:300]
        return [x["id"] for x in r.json()["results"]]

    entry, question, rare = "carriereswitchers-van-pluryn", "Pluryn carrièreswitchers omscholing zij-instromers", \
        "zwobbelaar"
    assert all(entry in ids(question) for _ in range(2))
    conn = connect(db)
    set_status(conn, entry, "gearchiveerd", actor="test")
    assert not any(entry in ids(question) for _ in range(8)), "a worker still shows a withdrawn entry"
    e = get_entry(conn, entry)
    e.status, e.summary = "gepubliceerd", e.summary + f" Ook bekend als de {rare}."
    save_entry(conn, e, actor="test")
    assert ids(rare)[:1] != [entry]                    # the live generation does not know the word
    sync(conn, encoder, root)                          # what `praktijkwijzer reindex` does
    conn.close()
    deadline, streak = time.monotonic() + 60, 0
    while streak < 8:
        assert time.monotonic() < deadline, "not every worker loaded the new index generation"
        streak = streak + 1 if ids(rare)[:1] == [entry] else 0


def test_serve_refuses_a_wrong_number_of_workers_in_dutch(tmp_path, capsys, monkeypatch):
    from web.cli import main
    code = main(["--db", str(tmp_path / "pw.db"), "serve", "--port", "1", "--werkers", "0"])
    assert code == 2 and "werkprocessen moet tussen 1 en 64" in capsys.readouterr().out
    monkeypatch.setenv("PRAKTIJKWIJZER_WORKERS", "veel")
    code = main(["--db", str(tmp_path / "pw.db"), "serve", "--port", "1"])
    assert code == 2 and "PRAKTIJKWIJZER_WORKERS" in capsys.readouterr().out
    assert not (tmp_path / "pw.db").exists()


def test_serve_with_one_process(kb_copy, index_root, tmp_path):
    """`--werkers 1`: the server runs in the process itself (no supervisor), serves, and stops
    on SIGTERM with exit code 0."""
    import os
    import shutil
    import signal
    import socket
    import subprocess
    import sys
    import threading
    import time

    import httpx

    db = tmp_path / "var" / "praktijkwijzer.db"
    db.parent.mkdir()
    shutil.copy(kb_copy, db)
    shutil.copytree(index_root, db.with_suffix(".index"))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "web.cli", "--db", str(db), "serve", "--port", str(port),
                             "--werkers", "1", "--stoptijd", "1"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, env=dict(os.environ, PYTHONUNBUFFERED="1"))
    lines: list[str] = []
    threading.Thread(target=lambda: lines.extend(proc.stdout), daemon=True).start()
    try:
        deadline = time.monotonic() + 240
        while not any("Praktijkwijzer draait op" in line for line in lines):
            assert proc.poll() is None and time.monotonic() < deadline, "".join(lines)
            time.sleep(0.2)
        assert not _workers(proc.pid)
        r = httpx.get(f"http://127.0.0.1:{port}/api/search", params={"q": "werkdruk in de ggz"}, timeout=60)
        assert r.status_code == 200 and r.json()["results"]
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
