"""Where the knowledge base lives: one rule for every front end, independent of the working
directory.

    --db PAD (or the path a caller passes)   that file
    $PRAKTIJKWIJZER_DB                       that file
    otherwise                                <project directory>/var/praktijkwijzer.db

The project directory is the one that holds kb/ (and corpus/). Relative paths given with
--db or $PRAKTIJKWIJZER_DB are taken relative to the working directory, as usual on the
command line. The search index lives beside the database (index.store.index_dir_for).
"""
from __future__ import annotations

import os
from pathlib import Path

from kb.db import DEFAULT_DB, db_path

PROJECT_DIR = Path(__file__).resolve().parent.parent


def database_path(path: str | os.PathLike | None = None) -> Path:
    """The absolute location of the database (see the module docstring)."""
    p = db_path(path)
    if p == DEFAULT_DB and not path and not os.environ.get("PRAKTIJKWIJZER_DB"):
        p = PROJECT_DIR / DEFAULT_DB
    return p.absolute()
