"""Order independence of the usage family against the plain batch reference.

Random usage histories (a few customers sharing user ids, a few features, times on
exact window edges, within seconds of each other, and weeks apart so the 30d prune
horizon is crossed) are applied in several arrival orders and batchings, pruning and
round-tripping the states through dump/load at every batch end. The running sums, the
sums rebuilt from the final states and the reference (tests/reference/usage.py,
events sorted by event time, windows with the one-bucket tolerance) must agree.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schemas.events import UsageEvent
from streams.metrics.aggregate import DEFAULT_WINDOWS, PartitionSums, read_all
from streams.metrics.eventtime import seconds
from streams.metrics.readout import flat_name
from streams.metrics.usage import UsageDomain, UsageState
from tests.reference.usage import usage_series

BASE = datetime(2026, 3, 1, tzinfo=UTC)
DOMAIN = UsageDomain()

offsets = st.one_of(
    st.sampled_from([0, 1, 3599, 3600, 3601, 86399, 86400, 86401, 7 * 86400, 30 * 86400, 30 * 86400 + 1]),
    st.integers(0, 45 * 1440).map(lambda m: m * 60),
    st.integers(0, 45 * 86400),
)


@st.composite
def usage(draw: st.DrawFn) -> dict[str, Any]:
    return {
        "customer_id": draw(st.sampled_from(["c1", "c2", "c3"])),
        "user_id": draw(st.sampled_from(["u1", "u2", "u3"])),
        "feature": draw(st.sampled_from(["export", "search", "share"])),
        "count": draw(st.integers(1, 4)),
        "occurred_at": BASE + timedelta(seconds=draw(offsets)),
    }


def _event(i: int, fields: dict[str, Any]) -> UsageEvent:
    return UsageEvent(event_id=f"e{i}", type="product.used", **fields)


def _run(events: list[UsageEvent], cuts: set[int]) -> tuple[dict[str, int], dict[str, int]]:
    """(running read-out, read-out rebuilt from the final states), flat names."""
    sums = PartitionSums(DEFAULT_WINDOWS)
    states: dict[str, UsageState] = {}
    for i, event in enumerate(events):
        state = states.setdefault(event.customer_id, DOMAIN.new_state())
        _, delta = DOMAIN.apply(state, event, sums.horizon())
        sums.add(delta)
        sums.advance(seconds(event.occurred_at))
        if i in cuts:  # a batch ends: prune, store and reload every record
            for customer, s in states.items():
                DOMAIN.prune(s, sums.horizon())
                states[customer] = DOMAIN.load(orjson.loads(orjson.dumps(DOMAIN.dump(s))))
            sums.maybe_expire()
    running = {flat_name(k): v for k, v in sums.read().items()}
    parts = [DOMAIN.contributions(s) for s in states.values()]
    rebuilt = {flat_name(k): v for k, v in read_all(parts, sums.clock).items()}
    return running, rebuilt


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(history=st.lists(usage(), min_size=1, max_size=25), seed=st.integers(0, 2**16))
def test_every_order_and_batching_gives_the_reference(history: list[dict[str, Any]], seed: int) -> None:
    totals, windowed = usage_series(history)
    rng = random.Random(seed)
    events = [_event(i, fields) for i, fields in enumerate(history)]
    orders = [sorted(events, key=lambda e: e.occurred_at), list(events), rng.sample(events, len(events))]
    results = []
    for order in orders:
        for cuts in (set(), set(range(len(order))), {rng.randrange(len(order))}):
            running, rebuilt = _run(order, cuts)
            assert running == rebuilt
            results.append(running)
            for key, value in totals.items():
                assert running.get(key) == value, key
            for key in running.keys() - totals.keys() - windowed.keys():
                raise AssertionError(f"{key} = {running[key]} not in the reference")
            for key, (low, high) in windowed.items():
                assert low <= running.get(key, 0) <= high, (key, running.get(key), low, high)
    assert all(r == results[0] for r in results), "arrival order or batching changed the series"
