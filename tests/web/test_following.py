"""Worker processes follow each other (web.services, `praktijkwijzer serve --werkers N`).

Two Services objects on one database file and one index directory are what two worker
processes have: each its own Searcher, caches and generation counter. A change made through one
of them (or by a CLI command) must reach the other: a withdrawn entry at once, a new index
generation within moments, loaded in the background while searches go on."""
from __future__ import annotations

import shutil
import threading
import time

from kb.curation import set_status
from kb.entries import get_entry, save_entry
from web.services import Services

ENTRY = "carriereswitchers-van-pluryn"
QUESTION = "Pluryn carrièreswitchers omscholing zij-instromers"
RARE = "zwobbelaar"          # a word no entry has: only a new generation can find it


def found(services: Services, q: str = QUESTION) -> list[str]:
    return [r.id for r in services.searcher().find(q, alles=True, k=20).results]


def wait_for(condition, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the other worker did not follow in time"
        time.sleep(0.05)


def test_a_worker_follows_withdrawals_at_once_and_new_generations_in_the_background(kb_copy, index_root, tmp_path,
                                                                                    encoder):
    root = tmp_path / "index"
    shutil.copytree(index_root, root)
    a, b = Services(kb_copy, root), Services(kb_copy, root)
    assert ENTRY in found(a) and ENTRY in found(b)
    old = b.searcher()

    # withdrawn through A (as the curation route does): B's next search no longer shows it,
    # before any new generation exists
    set_status(a.conn(), ENTRY, "gearchiveerd", actor="test")
    a.set_live_status(ENTRY, "gearchiveerd")
    assert ENTRY not in found(b)
    assert b.searcher() is old and b.followed == 0

    # A publishes it again with a rare word and refreshes: B loads A's generation in the
    # background; searches meanwhile keep being answered (by the old Searcher)
    e = get_entry(a.conn(), ENTRY)
    e.status, e.summary = "gepubliceerd", e.summary + f" Ook bekend als de {RARE}."
    save_entry(a.conn(), e, actor="test")
    assert found(b, RARE)[:1] != [ENTRY]             # the live generation does not know the word
    a.refresh()
    new = a.searcher().index.generation
    assert new != old.index.generation and found(a, RARE)[:1] == [ENTRY]
    answered: list[int] = []
    stop = threading.Event()

    def keep_searching():
        while not stop.is_set():
            answered.append(len(found(b)))
    t = threading.Thread(target=keep_searching)
    t.start()
    try:
        wait_for(lambda: b.searcher().index.generation == new)
    finally:
        stop.set()
        t.join()
    assert answered and b.followed == 1
    assert found(b, RARE)[:1] == [ENTRY] and ENTRY in found(b)
    assert b.searcher().index.generation == new and b.followed == 1      # loaded once, not again


def test_a_worker_keeps_serving_when_the_new_generation_does_not_fit_the_database_yet(kb_copy, index_root, tmp_path,
                                                                                      encoder):
    """A generation written for an older state of the database (another edit came after it) is
    not loaded; the worker keeps its Searcher and tries again when CURRENT changes."""
    root = tmp_path / "index"
    shutil.copytree(index_root, root)
    a, b = Services(kb_copy, root), Services(kb_copy, root)
    old = b.searcher()
    e = get_entry(a.conn(), ENTRY)
    e.summary += f" De {RARE}."
    save_entry(a.conn(), e, actor="test")
    a.refresh()
    e = get_entry(a.conn(), ENTRY)
    e.summary += " Nog een wijziging, nog niet in de index."
    save_entry(a.conn(), e, actor="test")            # the database moved on: A's generation no longer fits
    b.searcher()
    wait_for(lambda: b._failed[0] is not None)
    assert b.searcher() is old and ENTRY in found(b)
    a.refresh()                                      # a generation for the current database
    wait_for(lambda: b.searcher().index.generation == a.searcher().index.generation)
    assert found(b, RARE)[:1] == [ENTRY]


def test_a_serving_process_keeps_the_gap_map_warm_across_generations(kb_copy, index_root, tmp_path, encoder):
    """web.lacunes.keep_warm: the gap map is computed at start and again, in the background,
    for every new Searcher, so no visitor waits for it (a region page shows it)."""
    from search.gaps import cache_key
    from web.lacunes import keep_warm

    root = tmp_path / "index"
    shutil.copytree(index_root, root)
    a, b = Services(kb_copy, root), Services(kb_copy, root)
    b.searcher()
    keep_warm(b)

    class Cold(Exception):
        pass

    def cold():
        raise Cold            # nothing is cached when the computation fails

    def warm() -> bool:
        searcher, conn = b.searcher(), b.open()
        try:
            b.cached(("lacunes", *cache_key(searcher, conn)), cold, owner=searcher)
            return True
        except Cold:
            return False
        finally:
            conn.close()
    assert warm()
    e = get_entry(a.conn(), ENTRY)
    e.summary += f" De {RARE}."
    save_entry(a.conn(), e, actor="test")
    a.refresh()
    wait_for(lambda: b.searcher().index.generation == a.searcher().index.generation)
    assert not warm()                 # computing in the background (about 3 s)
    wait_for(warm, seconds=120)


def test_a_result_computed_while_an_entry_was_withdrawn_is_not_kept(kb_copy, index_root, tmp_path, encoder):
    """Services.cached: a page computed while a withdrawal arrived may show the withdrawn entry;
    it is answered once (its request started before the withdrawal) but not kept for others."""
    root = tmp_path / "index"
    shutil.copytree(index_root, root)
    s = Services(kb_copy, root)
    s.searcher()
    computed: list[str] = []

    def during_withdrawal():
        computed.append("page")
        s.set_live_status(ENTRY, "gearchiveerd")
        return "page with the entry"
    assert s.cached(("zoeken", QUESTION), during_withdrawal) == "page with the entry"
    assert s.cached(("zoeken", QUESTION), lambda: computed.append("again") or "page without it") == "page without it"
    assert computed == ["page", "again"]
    assert s.cached(("zoeken", QUESTION), lambda: "not computed") == "page without it"
