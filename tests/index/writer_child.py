"""Index writers in child processes, for tests/index/test_writers.py (not collected by pytest).

Loading the model takes seconds, so this process loads it once (no inference) and then forks
one child per job read as JSON from stdin: [{"name", "db", "root", "op": "sync"|"build",
"stop": [description, done] | null, "fsize": bytes | null, "lock_timeout": seconds | null}].
Each child runs the real index.store writer on its database and index directory and reports
on stdout, one line per event:

    STEP <name> <json [description, done, total]>   every progress report of the writer
    STOP <name> <pid>       the writer reached `stop`; it waits there for SIGUSR1 (or SIGKILL)
    DONE <name> <json>      finished: generation, changes, n_entries
    ERROR <name> <type> <json message>
    EXIT <name> <exit code>  (from this parent; negative: killed by that signal)

`fsize` limits the size of every file the child writes (RLIMIT_FSIZE, SIGXFSZ ignored): a real
write failure, as on a full disk.
"""
from __future__ import annotations

import json
import os
import resource
import signal
import sys


def say(line: str) -> None:
    os.write(1, (line + "\n").encode())          # one write per line: atomic on a pipe


def run(job: dict, encoder) -> int:
    from index.store import IndexBusy, IndexWriteError, build, read_current, sync
    from kb.db import connect
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1})
    name, stop = job["name"], job.get("stop")
    conn = connect(job["db"])

    def progress(desc: str, done: int, total: int) -> None:
        say(f"STEP {name} {json.dumps([desc, done, total], ensure_ascii=False)}")
        if stop and desc == stop[0] and done == stop[1]:
            say(f"STOP {name} {os.getpid()}")
            signal.sigwait({signal.SIGUSR1})

    if job.get("fsize"):
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (job["fsize"], job["fsize"]))
    try:
        if job["op"] == "build":
            manifest, changes = build(conn, encoder, job["root"], progress=progress,
                                      lock_timeout=job.get("lock_timeout")), None
        else:
            manifest, changes = sync(conn, encoder, job["root"], progress=progress,
                                     lock_timeout=job.get("lock_timeout"))
    except (IndexWriteError, IndexBusy) as err:
        say(f"ERROR {name} {type(err).__name__} {json.dumps(str(err), ensure_ascii=False)}")
        return 1
    say(f"DONE {name} " + json.dumps({"generation": read_current(job["root"]), "changes": changes,
                                      "n_entries": manifest.n_entries}))
    return 0


def main() -> int:
    jobs = json.loads(sys.stdin.read())
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from index.encoder import load_encoder
    import index.store  # noqa: F401  (imported before forking: the children start at once)
    encoder = load_encoder()
    sys.stdout.flush()
    children = {}
    for job in jobs:
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                code = run(job, encoder)
            finally:
                os._exit(code)
        children[pid] = job["name"]
    while children:
        pid, status = os.wait()
        say(f"EXIT {children.pop(pid)} {os.waitstatus_to_exitcode(status)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
