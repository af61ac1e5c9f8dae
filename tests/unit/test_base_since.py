"""`since` keeps the history entries at or after the horizon, and returns the very same list
when none is older (prune's common case: no copy)."""

from __future__ import annotations

from streams.metrics.base import since

# (epoch second, code, amount): the codes are small ints, below any horizon
HISTORY = [(100, 0, 5), (105, 1, 7), (103, 0, 9)]


def test_nothing_older_returns_the_same_list() -> None:
    assert since(HISTORY, 99) is HISTORY
    assert since(HISTORY, 100) is HISTORY  # the oldest entry is at the horizon: kept


def test_older_entries_are_dropped() -> None:
    assert since(HISTORY, 101) == [(105, 1, 7), (103, 0, 9)]
    assert since(HISTORY, 106) == []
    assert since([], 100) == []
