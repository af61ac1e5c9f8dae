"""One observation adds one to a bucket and the count, and the value to the sum."""

from __future__ import annotations

from streams.metrics.base import Delta
from streams.metrics.histograms import observe


def test_an_observation_counts_once_unless_taken_back() -> None:
    out = Delta()
    observe(out, "h", 2_000_000, None)
    assert sorted(v for v in out.values()) == [1, 1, 2_000_000]  # a bucket, the count, the sum
    observe(out, "h", 2_000_000, None, (), -1)
    assert out == {}
