"""Per-client budgets for expensive anonymous requests (`POST /api/match`): a token bucket per
client address (web.forwarded; an IPv6 /64 counts as one client). The buckets live in the
database (kb.budgets, table request_budgets), so the budget is shared by all server processes
(N workers do not give a client N budgets) and survives a restart.

The cost of a plan match grows with the number of bottlenecks (each one is encoded and searched
several times) and with their length (encoding). A request costs

    sum over its bottlenecks of (characters + BOTTLENECK_COST)

units. A client's bucket holds MATCH_BURST units and refills at MATCH_RATE units per minute:
a maximal request (40 bottlenecks of 1,000 characters = 48,000 units) may be sent twice in a
row and then about once a minute; a typical one (10 bottlenecks of 100 characters = 3,000
units) some 30 times in a row and then about every 4 seconds. A request that does not fit
waits for nothing: it gets 429 with Retry-After (the seconds until it would fit). An invalid
request costs nothing (it is refused before the budget is asked). `PRAKTIJKWIJZER_MATCH_BUDGET`
sets MATCH_RATE (units per minute; 0 switches the budget off, e.g. to measure without it).
"""
from __future__ import annotations

import math
import os
import sqlite3
import threading
import time
from pathlib import Path
from typing import Callable

from kb.budgets import Budget, level, take
from kb.db import connect

BOTTLENECK_COST = 200           # units per bottleneck, on top of its characters
MAX_REQUEST_COST = 40 * (1000 + BOTTLENECK_COST)
MATCH_RATE = 48_000             # units per minute (one maximal request)
MATCH_BURST = 2 * MAX_REQUEST_COST


def match_cost(texts: list[str]) -> int:
    return sum(len(t) + BOTTLENECK_COST for t in texts)


class TokenBucket:
    """The /api/match budget of every client, in the database (kb.budgets): shared by all server
    processes and kept across a restart. `take(key, cost)` -> 0.0 when granted (the cost is
    taken), else the seconds to wait. Safe from any thread: each thread uses its own connection."""

    def __init__(self, db: str | os.PathLike, rate_per_minute: float, burst: float, *,
                 clock: Callable[[], float] = time.time, name: str = "match"):
        self.db = Path(db)
        self.budget = Budget(name, rate_per_minute / 60.0, burst)
        self.clock = clock
        self._local = threading.local()

    @property
    def enabled(self) -> bool:
        return self.budget.enabled

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = connect(self.db)
        return conn

    def take(self, key: str, cost: float) -> float:
        if not self.enabled:
            return 0.0
        return take(self._conn(), self.budget, key, cost, now=self.clock())

    def level(self, key: str) -> float:
        """The units `key` may still spend now."""
        return level(self._conn(), self.budget, key, now=self.clock())


def match_budget(db: str | os.PathLike) -> TokenBucket:
    raw = os.environ.get("PRAKTIJKWIJZER_MATCH_BUDGET", "").strip()
    try:
        rate = float(raw) if raw else MATCH_RATE
    except ValueError:
        raise ValueError(f"PRAKTIJKWIJZER_MATCH_BUDGET moet een getal zijn (eenheden per minuut; 0 = uit), "
                         f"niet '{raw}'.") from None
    if not math.isfinite(rate) or rate < 0:
        raise ValueError("PRAKTIJKWIJZER_MATCH_BUDGET moet 0 of een positief getal zijn.")
    return TokenBucket(db, rate, max(MATCH_BURST, 2 * rate))


def retry_message(seconds: float) -> str:
    s = max(1, math.ceil(seconds))
    return (f"U heeft in korte tijd veel knelpunten laten toetsen. Probeer het over {s} "
            f"{'seconde' if s == 1 else 'seconden'} opnieuw, of stuur minder of kortere knelpunten.")
