"""Per-client budgets for expensive anonymous requests (`POST /api/match`): a token bucket per
client address (web.forwarded), in memory, per server process.

The cost of a plan match grows with the number of bottlenecks (each one is encoded and searched
several times) and with their length (encoding). A request costs

    sum over its bottlenecks of (characters + BOTTLENECK_COST)

units. A client's bucket holds MATCH_BURST units and refills at MATCH_RATE units per minute:
a maximal request (40 bottlenecks of 1,000 characters = 48,000 units) may be sent twice in a
row and then about once a minute; a typical one (10 bottlenecks of 100 characters = 3,000
units) some 30 times in a row and then about every 4 seconds. A request that does not fit
waits for nothing: it gets 429 with Retry-After (the seconds until it would fit). Cached
answers cost nothing. `PRAKTIJKWIJZER_MATCH_BUDGET` sets MATCH_RATE (units per minute; 0
switches the budget off, e.g. to measure without it).
"""
from __future__ import annotations

import math
import os
import threading
import time
from typing import Callable

BOTTLENECK_COST = 200           # units per bottleneck, on top of its characters
MAX_REQUEST_COST = 40 * (1000 + BOTTLENECK_COST)
MATCH_RATE = 48_000             # units per minute (one maximal request)
MATCH_BURST = 2 * MAX_REQUEST_COST
MAX_CLIENTS = 20_000            # buckets kept; full ones are forgotten first


def match_cost(texts: list[str]) -> int:
    return sum(len(t) + BOTTLENECK_COST for t in texts)


class TokenBucket:
    """`take(key, cost)` -> 0.0 when granted (the cost is taken), else the seconds to wait."""

    def __init__(self, rate_per_minute: float, burst: float, *, clock: Callable[[], float] = time.monotonic):
        self.rate = rate_per_minute / 60.0
        self.burst = burst
        self.clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self.rate > 0

    def _level(self, key: str, now: float) -> float:
        level, since = self._buckets.get(key, (self.burst, now))
        return min(self.burst, level + (now - since) * self.rate)

    def take(self, key: str, cost: float) -> float:
        if not self.enabled:
            return 0.0
        cost = min(cost, self.burst)
        with self._lock:
            now = self.clock()
            level = self._level(key, now)
            if level >= cost:
                self._buckets[key] = (level - cost, now)
                if len(self._buckets) > MAX_CLIENTS:
                    self._prune(now)
                return 0.0
            return (cost - level) / self.rate

    def _prune(self, now: float) -> None:
        full = [k for k in self._buckets if self._level(k, now) >= self.burst]
        for k in full:
            del self._buckets[k]
        if len(self._buckets) > MAX_CLIENTS:          # still too many: drop the oldest
            for k in sorted(self._buckets, key=lambda k: self._buckets[k][1])[:len(self._buckets) - MAX_CLIENTS]:
                del self._buckets[k]


def match_budget() -> TokenBucket:
    raw = os.environ.get("PRAKTIJKWIJZER_MATCH_BUDGET", "").strip()
    try:
        rate = float(raw) if raw else MATCH_RATE
    except ValueError:
        raise ValueError(f"PRAKTIJKWIJZER_MATCH_BUDGET moet een getal zijn (eenheden per minuut; 0 = uit), "
                         f"niet '{raw}'.") from None
    if not math.isfinite(rate) or rate < 0:
        raise ValueError("PRAKTIJKWIJZER_MATCH_BUDGET moet 0 of een positief getal zijn.")
    return TokenBucket(rate, max(MATCH_BURST, 2 * rate))


def retry_message(seconds: float) -> str:
    s = max(1, math.ceil(seconds))
    return (f"U heeft in korte tijd veel knelpunten laten toetsen. Probeer het over {s} "
            f"{'seconde' if s == 1 else 'seconden'} opnieuw, of stuur minder of kortere knelpunten.")
