"""The engine's result must not depend on how records are batched or partitioned in time.

Workers batch by arrival timing; the report batches by chunk size. Pruning, dedupe
and the partition clock run per batch, so any batch-dependence would make /metrics
and the report disagree.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from simulator import SimConfig, Simulator
from streams.engine.offline import OfflineRun
from streams.settings import load_settings


def _records(n: int, **faults: float) -> list[bytes]:
    cfg = SimConfig(seed=7, customers=300, start=datetime(2026, 1, 1, tzinfo=UTC), mean_gap_s=900.0, **faults)
    return [r.value for r in Simulator(cfg).take(n)]


def _series(values: list[bytes], chunk: int) -> dict[str, float]:
    run = OfflineRun(load_settings({}), now=datetime(2026, 6, 1, tzinfo=UTC))
    run.feed_lines(values, chunk=chunk)
    return run.series()


@pytest.mark.parametrize("faults", [{}, {"out_of_order": 0.1, "duplicates": 0.05, "bad_records": 0.02}])
def test_chunk_size_does_not_change_any_series(faults):
    values = _records(6000, **faults)  # ~60 days of event time: windows slide, state is pruned
    whole = _series(values, chunk=10_000)
    for chunk in (1, 13, 500):
        got = _series(values, chunk=chunk)
        diff = {k: (got.get(k), whole.get(k)) for k in set(got) | set(whole) if got.get(k) != whole.get(k)}
        assert diff == {}, f"chunk={chunk}"
