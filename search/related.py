"""Related entries: the nearest entries to an entry by its entry-level vector.

Each indexed entry has one vector for itself (chunk kind 'entry') beside its passages;
related entries are those whose entry vectors have the highest cosine with it. The entry
matrix is built once per loaded index generation.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from search.engine import Searcher

_MATRICES: dict[tuple[int, str], tuple[list[str], np.ndarray]] = {}


@dataclass
class Related:
    id: str
    type: str
    label: str | None
    title: str
    score: float                  # cosine of the entry vectors
    shared_themes: list[str]      # theme ids both entries carry

    def to_dict(self) -> dict:
        return asdict(self)


def _entry_matrix(searcher: Searcher) -> tuple[list[str], np.ndarray]:
    index = searcher.index
    key = (id(index), index.generation)
    found = _MATRICES.get(key)
    if found is None:
        ids, positions = [], []
        for pos, c in enumerate(index.chunks):
            if c.kind == "entry":
                ids.append(c.entry_id)
                positions.append(pos)
        found = (ids, index.vectors[positions] if positions else np.zeros((0, index.vectors.shape[1])))
        if len(_MATRICES) > 4:
            _MATRICES.clear()
        _MATRICES[key] = found
    return found


def related_entries(searcher: Searcher, entry_id: str, *, k: int = 5,
                    status: str | None = "gepubliceerd") -> list[Related]:
    """The k entries nearest to `entry_id` (not itself), best first; [] if it is not indexed."""
    ids, matrix = _entry_matrix(searcher)
    try:
        me = ids.index(entry_id)
    except ValueError:
        return []
    sims = matrix @ matrix[me]
    own = searcher.entries.get(entry_id)
    out: list[Related] = []
    for i in np.argsort(-sims, kind="stable"):
        eid = ids[int(i)]
        if eid == entry_id:
            continue
        e = searcher.entries.get(eid)
        if e is None or (status and e.status != status):
            continue
        shared = [t for t in e.themes if own and t in own.themes]
        out.append(Related(id=e.id, type=e.type, label=e.label, title=e.title,
                           score=round(float(sims[int(i)]), 4), shared_themes=shared))
        if len(out) == k:
            break
    return out
