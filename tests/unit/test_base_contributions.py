"""Contribution arithmetic of streams.metrics.base: diff and total drop zero entries."""

from __future__ import annotations

from streams.metrics.base import diff, total


def test_diff_is_new_minus_old_without_zeros() -> None:
    old = {"a": 3, "b": 2, "c": 5}
    new = {"a": 3, "b": 7, "d": 1}
    assert diff(old, new) == {"b": 5, "c": -5, "d": 1}
    assert diff({}, new) == new
    assert diff(old, {}) == {"a": -3, "b": -2, "c": -5}
    assert diff(new, new) == {}
    assert new == {"a": 3, "b": 7, "d": 1}  # the arguments are left alone


def test_total_sums_the_parts_without_zeros() -> None:
    parts = [{"a": 1, "b": 2}, {"a": 4, "c": -3}, {"b": -2}]
    assert total(parts) == {"a": 5, "c": -3}
    assert total([]) == {}
    assert total(iter([{"x": 1}, {"x": 1}])) == {"x": 2}
