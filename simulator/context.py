"""Shared state of one run: the random source, the event clock, ids and follow-ups.

Time is kept in integer microseconds since `start`, so that runs are exact and
reproducible. A follow-up (the next step of a ticket, the retry of a failed payment)
waits in its family's queue until the clock reaches its due time; it then becomes
the family's next event, which is how entities stay causally ordered in event time.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from datetime import datetime, timedelta
from random import Random
from typing import Any

Event = dict[str, Any]
# A follow-up: returns its event, or None when the entity moved on and it is moot.
Action = Callable[[Any], Event | None]

US = 1_000_000  # microseconds per second


class Context:
    def __init__(self, seed: int, start: datetime) -> None:
        self.rng = Random(seed)
        self.start = start
        self.now = 0  # event clock, microseconds since start
        self.now_dt = start
        self._event_prefix = f"sim-{seed}-"
        self._events = 0
        self._ids: dict[str, int] = {}
        self._queues: dict[str, list[tuple[int, int, Action, Any]]] = {}
        self._seq = 0

    def event(self, kind: str, customer_id: str) -> Event:
        """The envelope of a new event at the current clock."""
        number = self._events
        self._events = number + 1
        return {
            "event_id": f"{self._event_prefix}{number}",
            "type": kind,
            "occurred_at": self.now_dt,
            "customer_id": customer_id,
            "schema_version": 1,
        }

    def new_id(self, prefix: str) -> str:
        number = self._ids.get(prefix, 0) + 1
        self._ids[prefix] = number
        return f"{prefix}_{number:07d}"

    def at(self, us: int) -> datetime:
        return self.start + timedelta(microseconds=us)

    def delay(self, median_s: float, sigma: float) -> float:
        """A log-normal delay in seconds: most near the median, a long tail."""
        return median_s * self.rng.lognormvariate(0.0, sigma)

    def later(self, family: str, delay_s: float, action: Action, arg: Any) -> None:
        """Run `action(arg)` as an event of `family` once `delay_s` have passed."""
        self._seq += 1
        due = self.now + int(delay_s * US)
        heapq.heappush(self._queues.setdefault(family, []), (due, self._seq, action, arg))

    def pending(self, family: str) -> int:
        return len(self._queues.get(family, ()))

    def due(self, family: str, force: bool = False) -> Event | None:
        """The event of the earliest due follow-up (any pending one when `force`)."""
        queue = self._queues.get(family)
        if not queue or not (force or queue[0][0] <= self.now):  # the common case
            return None
        while queue and (force or queue[0][0] <= self.now):
            _, _, action, arg = heapq.heappop(queue)
            event = action(arg)
            if event is not None:
                return event
        return None
