"""Index generations on disk: names, the writers' lock, completeness and crash recovery.

    <root>/CURRENT                   name of the live generation (replaced atomically)
    <root>/.lock                     the writers' lock (fcntl.flock); holds the holder's pid
    <root>/gen-000008-5f0c3a9e/      one complete generation (see index.store)
    <root>/.gen-000009-1b2c3d4e.xyz/ a generation being written (temporary)
    <root>/.CURRENT.tmp              the new pointer, just before it replaces CURRENT

Names: `gen-<sequence>-<random>`. The sequence orders generations (one more than the highest
on disk); the random part makes every name unique, so two writers, or a writer after a crash
that left a generation behind, can never rename onto an existing directory. Names of older
versions (`gen-000007`) are still read.

Writers (index.store.build / sync and everything that calls them) hold `writer_lock` for the
whole write; a second writer waits for it (bounded: IndexBusy with a Dutch message). Readers
never take it. Because a generation directory is only ever created by renaming a fully
written and fsynced temporary directory, and CURRENT only ever names such a directory, a
crash at any moment leaves one of these states, all handled:

* a temporary `.gen-*` directory or `.CURRENT.tmp`: ignored by readers, removed by the next
  writer (`recover`);
* a complete generation that CURRENT does not name (crash between the rename and the pointer
  swap): readers use it only when it matches the database and CURRENT does not
  (index.store.load); the next writer either adopts it or removes it;
* CURRENT naming a missing or incomplete generation (deleted or damaged by hand, or a disk
  error): readers fall back to the newest complete generation; the next writer repoints
  CURRENT (`recover`); without any complete generation, load asks for a reindex in Dutch.
"""
from __future__ import annotations

import errno
import fcntl
import json
import logging
import os
import re
import resource
import secrets
import shutil
import socket
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

LOCK_FILE = ".lock"
POINTER = "CURRENT"
POINTER_TMP = ".CURRENT.tmp"
LOCK_TIMEOUT = 900.0     # seconds a writer waits for another (a full rebuild of 100k vectors takes minutes)
REQUIRED_FILES = ("manifest.json", "vectors.npy", "index.faiss", "chunks.json")
GENERATION = re.compile(r"^gen-(\d{6,})(?:-([0-9a-f]{8}))?$")

log = logging.getLogger(__name__)


class IndexUnavailable(RuntimeError):
    """The index cannot be used or written now; `str(err)` is a Dutch sentence for the user or
    operator that says what to do (base of IndexMismatch, IndexBusy and IndexWriteError)."""


class IndexBusy(IndexUnavailable):
    """Another process kept the index writers' lock for longer than we wait."""


class IndexWriteError(IndexUnavailable):
    """Writing to the index directory failed (full disk, file size limit, permissions); whatever
    the failed write made is removed again and the previous generation stays live."""


def write_failure(root: Path, err: BaseException) -> str:
    """A Dutch explanation of a failed write. Some writers (numpy, faiss) lose the errno, so
    the usual causes are checked directly when it is missing."""
    code = getattr(err, "errno", None)
    if code is None:
        try:
            if shutil.disk_usage(root).free < 64 * 2**20:
                code = errno.ENOSPC
        except OSError:
            pass
    if code is None and resource.getrlimit(resource.RLIMIT_FSIZE)[0] != resource.RLIM_INFINITY:
        code = errno.EFBIG
    if code in (errno.ENOSPC, errno.EDQUOT):
        reason = "de schijf is vol"
    elif code == errno.EFBIG:
        reason = "een bestand werd groter dan toegestaan (bestandslimiet van dit proces)"
    elif code in (errno.EACCES, errno.EPERM, errno.EROFS):
        reason = "er is geen schrijfrecht op deze map"
    else:
        reason = "het schrijven naar de schijf mislukte"
    return (f"De zoekindex kon niet worden weggeschreven in {root}: {reason}. De vorige zoekindex blijft "
            "in gebruik en er is niets verloren. Los de oorzaak op en voer daarna 'praktijkwijzer reindex' uit.")


# ---------------------------------------------------------------- the writers' lock

_HELD: dict[tuple[str, int], int] = {}        # (lock path, thread) -> depth: re-entrant per thread
_HELD_LOCK = threading.Lock()


def _holder(fd: int) -> str:
    try:
        info = os.pread(fd, 200, 0).decode("utf-8", "replace").split()
    except OSError:
        return ""
    if len(info) >= 2 and info[0].isdigit():
        since = time.strftime("%H:%M:%S", time.localtime(float(info[1]))) if _is_float(info[1]) else "?"
        return f" (proces {info[0]}, bezig sinds {since})"
    return ""


def _is_float(s: str) -> bool:
    try:
        float(s)
    except ValueError:
        return False
    return True


@contextmanager
def writer_lock(root: Path, *, timeout: float | None = None,
                on_wait: Callable[[str], None] | None = None) -> Iterator[None]:
    """Hold the exclusive lock of all writers of the index in `root` (an OS file lock, released
    by the kernel when the process dies, also on SIGKILL). Waits at most `timeout` seconds
    (default LOCK_TIMEOUT) for another holder, calling `on_wait(message)` once when it has to
    wait, then raises IndexBusy. Re-entrant within one thread."""
    root = Path(root)
    path = root / LOCK_FILE
    key = (str(path.resolve()), threading.get_ident())
    with _HELD_LOCK:
        if key in _HELD:
            _HELD[key] += 1
            reentered = True
        else:
            reentered = False
    if reentered:
        try:
            yield
        finally:
            with _HELD_LOCK:
                _HELD[key] -= 1
        return
    limit = LOCK_TIMEOUT if timeout is None else max(0.0, float(timeout))
    try:
        root.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except OSError as err:
        raise IndexWriteError(write_failure(root, err)) from err
    try:
        deadline = time.monotonic() + limit
        pause, waited = 0.01, False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as err:
                if err.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                    raise
            if not waited:
                waited = True
                if on_wait:
                    on_wait(f"Wachten: een ander proces werkt de zoekindex bij{_holder(fd)}.")
            left = deadline - time.monotonic()
            if left <= 0:
                raise IndexBusy(
                    f"Een ander proces werkt de zoekindex in {root} al bij{_holder(fd)}, en is na "
                    f"{limit:.0f} seconden nog niet klaar. Er is niets gewijzigd; probeer het later opnieuw.")
            time.sleep(min(pause, left))
            pause = min(pause * 2, 0.25)
        try:
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()} {time.time():.0f} {socket.gethostname()}\n".encode(), 0)
        except OSError:
            pass                                  # informative only (a full disk must not stop a writer)
        with _HELD_LOCK:
            _HELD[key] = 1
        try:
            yield
        finally:
            with _HELD_LOCK:
                _HELD.pop(key, None)
    finally:
        os.close(fd)                              # releases the lock


def holds_writer_lock(root: Path) -> bool:
    """True if this thread holds the writers' lock of `root`."""
    key = (str((Path(root) / LOCK_FILE).resolve()), threading.get_ident())
    with _HELD_LOCK:
        return key in _HELD


# ---------------------------------------------------------------- names and completeness

def generation_number(name: str) -> int | None:
    m = GENERATION.match(name)
    return int(m.group(1)) if m else None


def new_generation_name(root: Path) -> str:
    """One more than the highest sequence number on disk (temporary directories included),
    plus a random part: unique even if two writers ever ran at once."""
    highest = 0
    for p in Path(root).iterdir():
        n = generation_number(p.name.lstrip(".").split(".")[0])
        if n is not None:
            highest = max(highest, n)
    return f"gen-{highest + 1:06d}-{secrets.token_hex(4)}"


def is_complete(gen: Path) -> bool:
    """A generation whose manifest lists every file with its size, and every file is there
    with that size (manifests of older versions, without the list: the known files exist and
    are not empty)."""
    try:
        manifest = json.loads((gen / "manifest.json").read_text(encoding="utf-8"))
        files = manifest.get("files") or {}
        if files:
            return all((gen / rel).is_file() and (gen / rel).stat().st_size == size
                       for rel, size in files.items())
        return (all((gen / f).is_file() and (gen / f).stat().st_size > 0 for f in REQUIRED_FILES)
                and (gen / "bm25").is_dir())
    except (OSError, ValueError, AttributeError, TypeError):
        return False


def generations(root: Path) -> list[str]:
    """Names of the generation directories (complete or not), newest first."""
    try:
        names = [p.name for p in Path(root).iterdir() if p.is_dir() and GENERATION.match(p.name)]
    except FileNotFoundError:
        return []
    return sorted(names, key=lambda n: (generation_number(n), n), reverse=True)


def complete_generations(root: Path) -> list[str]:
    return [n for n in generations(root) if is_complete(Path(root) / n)]


def read_pointer(root: Path) -> str | None:
    """What CURRENT says (None if absent or not a generation name); not checked for completeness."""
    try:
        name = (Path(root) / POINTER).read_text(encoding="utf-8").strip()
    except (FileNotFoundError, NotADirectoryError, UnicodeDecodeError):
        return None
    return name if GENERATION.match(name) else None


def pointer_stamp(root: Path) -> tuple[int, int, int] | None:
    """A cheap fingerprint of CURRENT (inode, modification time, size), None if absent. Every
    `set_pointer` replaces the file, so the stamp changes whenever a writer (another process too)
    makes a generation live: readers compare stamps instead of reading the file on every request."""
    try:
        st = os.stat(Path(root) / POINTER)
    except (FileNotFoundError, NotADirectoryError):
        return None
    return st.st_ino, st.st_mtime_ns, st.st_size


def live_generation(root: Path) -> str | None:
    """The generation readers use: CURRENT if it names a complete generation, else the newest
    complete one (CURRENT lost or damaged), else None."""
    name = read_pointer(root)
    if name and is_complete(Path(root) / name):
        return name
    complete = complete_generations(root)
    return complete[0] if complete else None


# ---------------------------------------------------------------- writing (lock held)

def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def set_pointer(root: Path, name: str, *, before_swap: Callable[[], None] | None = None) -> None:
    """Make `name` live: write .CURRENT.tmp, fsync, rename over CURRENT, fsync the directory."""
    root = Path(root)
    pointer = root / POINTER_TMP
    try:
        with open(pointer, "w", encoding="utf-8") as fh:
            fh.write(name)
            fh.flush()
            os.fsync(fh.fileno())
        if before_swap:
            before_swap()
        os.replace(pointer, root / POINTER)
    except BaseException:
        pointer.unlink(missing_ok=True)
        raise
    fsync_dir(root)


@dataclass
class Recovery:
    """What `recover` found and did (empty: the directory was clean)."""
    removed: list[str] = field(default_factory=list)     # temporary or incomplete leftovers
    repointed: tuple[str | None, str | None] | None = None  # CURRENT: (before, after)

    def __bool__(self) -> bool:
        return bool(self.removed or self.repointed)


def recover(root: Path) -> Recovery:
    """Clean up after interrupted writers; the caller holds the writers' lock. Removes stray
    temporary directories, a leftover .CURRENT.tmp and incomplete generations, and points
    CURRENT at the newest complete generation when it names a missing or incomplete one."""
    if not holds_writer_lock(root):
        raise RuntimeError("recover() needs the writers' lock (index.generations.writer_lock)")
    root = Path(root)
    out = Recovery()
    if not root.is_dir():
        return out
    for p in list(root.iterdir()):
        stray = p.name == POINTER_TMP or (p.name.startswith(".gen-") and p.is_dir())
        broken = p.is_dir() and GENERATION.match(p.name) and not is_complete(p)
        if stray or broken:
            if p.is_dir():
                shutil.rmtree(p, ignore_errors=True)
            else:
                p.unlink(missing_ok=True)
            out.removed.append(p.name)
    pointed = read_pointer(root)
    if not (pointed and (root / pointed).is_dir()):
        complete = complete_generations(root)
        if complete:
            set_pointer(root, complete[0])
            out.repointed = (pointed, complete[0])
        elif (root / POINTER).exists():
            (root / POINTER).unlink()
            out.repointed = (pointed, None)
    if out:
        log.warning("Zoekindex %s hersteld na een onderbroken bijwerking: %s verwijderd%s.", root,
                    ", ".join(out.removed) or "niets",
                    f"; CURRENT wijst nu naar {out.repointed[1]}" if out.repointed else "")
    return out


def collect_garbage(root: Path, keep: set[str]) -> list[str]:
    """Remove generations (and temporary directories) not in `keep`; the caller holds the lock."""
    removed = []
    for p in Path(root).iterdir():
        if p.is_dir() and p.name not in keep and (GENERATION.match(p.name) or p.name.startswith(".gen-")):
            shutil.rmtree(p, ignore_errors=True)
            removed.append(p.name)
    return removed
