"""The batched lag histogram reads out exactly as prometheus_client's own Histogram fed
the same observations one by one, bounds included (an observation equal to a bound is
in that bound's bucket), and clamps a future occurred_at to 0."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from hypothesis import example, given
from hypothesis import strategies as st
from prometheus_client import CollectorRegistry, Histogram, generate_latest

from streams.metrics.catalogue import help_for
from streams.worker.lag import LAG_BUCKETS, NAME, LagHistogram

NOW = datetime(2026, 11, 27, 12, tzinfo=UTC)
# every bound, just either side of it, and the future (negative lag)
EDGES = [float(b) + d for b in LAG_BUCKETS for d in (-0.5, 0.0, 0.5)] + [0.0, -3.0, 10.0**6]


def page(registry: CollectorRegistry) -> list[str]:
    lines = generate_latest(registry).decode().splitlines()
    return sorted(line for line in lines if "_created" not in line)  # series in any order


@given(
    st.lists(
        st.tuples(st.sampled_from(["a", "b"]), st.one_of(st.sampled_from(EDGES), st.integers(-10, 200_000))),
        max_size=40,
    ),
    st.integers(1, 7),
)
@example([("a", -3.0), ("a", 1.0)], 1)  # an occurred_at in the future
def test_batched_counts_read_as_the_client_histogram(lags: list[tuple[str, float]], batch: int) -> None:
    want_registry, got_registry = CollectorRegistry(), CollectorRegistry()
    want = Histogram(NAME, help_for(NAME), ["topic"], buckets=LAG_BUCKETS, registry=want_registry)
    got = LagHistogram()
    got_registry.register(got)
    for topic, lag in lags:
        want.labels(topic=topic).observe(max(0.0, float(lag)))
    for start in range(0, len(lags), batch):
        for topic in ("a", "b"):
            events = [
                SimpleNamespace(occurred_at=NOW - timedelta(seconds=lag))
                for t, lag in lags[start : start + batch]
                if t == topic
            ]
            if events:
                got.observe(topic, events, NOW)
    assert page(got_registry) == page(want_registry)
