"""Event-time timers of one partition: which customers to look at again, and when.

A heap of (moment, key) with the current moment per key beside it; an entry whose
moment is no longer the key's current one is skipped when it comes up (lazy
deletion), so re-arming a timer is O(log n) and nothing scans every customer.
"""

from __future__ import annotations

import heapq


class Timers:
    def __init__(self) -> None:
        self._heap: list[tuple[int, bytes]] = []
        self._due: dict[bytes, int] = {}

    def __len__(self) -> int:
        return len(self._due)

    def set(self, key: bytes, moment: int | None) -> None:
        """Fire `key` once the clock reaches `moment` (None: never)."""
        if moment is None:
            self._due.pop(key, None)
            return
        if self._due.get(key) == moment:
            return
        self._due[key] = moment
        heapq.heappush(self._heap, (moment, key))
        if len(self._heap) > 4 * len(self._due) + 64:  # mostly stale entries: rebuild
            self._heap = [(m, k) for k, m in self._due.items()]
            heapq.heapify(self._heap)

    def pop_due(self, clock: int) -> list[bytes]:
        """The keys whose moment is at or before `clock`, each once; they are disarmed."""
        out = []
        heap = self._heap
        while heap and heap[0][0] <= clock:
            moment, key = heapq.heappop(heap)
            if self._due.get(key) == moment:
                del self._due[key]
                out.append(key)
        return out
