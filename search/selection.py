"""Which entries a search may show: `Filters`, the entry table, and cached boolean masks.

A mask is built per (filters, entry-table version) with numpy over entry columns, then mapped
to index chunks with one fancy-indexing step; it is cached, so a query never loops over the
chunks in Python. The entry table counts its changes (`version`): a status change applied
to a live Searcher (an archived entry leaves search at once) yields new masks.
"""
from __future__ import annotations

import threading
from dataclasses import astuple, dataclass

import numpy as np

from kb.models import Entry
from search.cache import LRU


@dataclass
class Filters:
    type: str | None = None
    label: str | None = None
    actielijn: str | None = None
    thema: str | None = None
    branche: str | None = None
    regio: str | None = None
    status: str | None = "gepubliceerd"

    def accepts(self, e: Entry) -> bool:
        return ((not self.type or e.type == self.type)
                and (not self.label or (e.label or "").lower() == self.label.lower())
                and (not self.actielijn or self.actielijn in e.actielijnen)
                and (not self.thema or self.thema in e.themes)
                and (not self.branche or self.branche in e.branches)
                and (not self.regio or self.regio in e.regions)
                and (not self.status or e.status == self.status))

    def key(self) -> tuple:
        return astuple(self)


class EntryTable(dict):
    """entry id -> Entry, counting every change in `version` (mask caches key on it)."""

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.version = 0
        self._lock = threading.Lock()

    def _bump(self):
        with self._lock:
            self.version += 1

    def __setitem__(self, key, value):
        super().__setitem__(key, value)
        self._bump()

    def __delitem__(self, key):
        super().__delitem__(key)
        self._bump()

    def pop(self, *a):
        out = super().pop(*a)
        self._bump()
        return out

    def update(self, *a, **kw):
        super().update(*a, **kw)
        self._bump()

    def clear(self):
        super().clear()
        self._bump()


@dataclass
class _Columns:
    version: int
    ids: list[str]
    type: np.ndarray
    label: np.ndarray
    status: np.ndarray
    multi: dict[str, dict[str, np.ndarray]]          # field -> value -> bool column
    chunk_rows: np.ndarray                            # chunk position -> row (-1: no entry)


class Masks:
    """Boolean chunk masks per filters, for one index (chunk -> entry ids) and entry table."""

    def __init__(self, chunk_entry: np.ndarray, entries: EntryTable):
        self.chunk_entry = chunk_entry
        self.entries = entries
        self._cols: _Columns | None = None
        self._cols_lock = threading.Lock()
        self._cache = LRU(128)

    def _columns(self) -> _Columns:
        cols = self._cols
        version = self.entries.version
        if cols is not None and cols.version == version:
            return cols
        with self._cols_lock:
            if self._cols is not None and self._cols.version == version:
                return self._cols
            items = list(self.entries.items())
            ids = [eid for eid, _ in items]
            row = {eid: i for i, eid in enumerate(ids)}
            multi: dict[str, dict[str, np.ndarray]] = {}
            for name in ("actielijnen", "themes", "branches", "regions"):
                col: dict[str, np.ndarray] = {}
                for i, (_, e) in enumerate(items):
                    for v in getattr(e, name):
                        col.setdefault(v, np.zeros(len(items), dtype=bool))[i] = True
                multi[name] = col
            self._cols = _Columns(
                version=version, ids=ids,
                type=np.array([e.type for _, e in items], dtype=object),
                label=np.array([(e.label or "").lower() for _, e in items], dtype=object),
                status=np.array([e.status for _, e in items], dtype=object),
                multi=multi,
                chunk_rows=np.array([row.get(eid, -1) for eid in self.chunk_entry], dtype=np.int64))
            return self._cols

    def entry_mask(self, f: Filters) -> tuple[list[str], np.ndarray]:
        """(entry ids, which of them pass `f`)."""
        c = self._columns()
        ok = np.ones(len(c.ids), dtype=bool)
        if f.type:
            ok &= c.type == f.type
        if f.label:
            ok &= c.label == f.label.lower()
        if f.status:
            ok &= c.status == f.status
        for value, name in ((f.actielijn, "actielijnen"), (f.thema, "themes"), (f.branche, "branches"),
                            (f.regio, "regions")):
            if value:
                col = c.multi[name].get(value)
                ok &= col if col is not None else False
        return c.ids, ok

    def chunks(self, f: Filters) -> np.ndarray:
        """Which index chunks pass `f` (read-only array; cached)."""
        key = (f.key(), self.entries.version)

        def build():
            c = self._columns()
            _, ok = self.entry_mask(f)
            mask = np.zeros(len(c.chunk_rows), dtype=bool)
            has = c.chunk_rows >= 0
            mask[has] = ok[c.chunk_rows[has]]
            mask.setflags(write=False)
            return mask
        return self._cache.get_or_compute(key, build)
