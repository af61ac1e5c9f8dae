"""The /metrics page renderer writes exactly what prometheus_client's generate_latest
writes for the same registry: the engine's families over a simulated run, the worker's
own instruments (counters with `_created`, gauges, histograms, info), label values
that need escaping, and the page again after values and series changed (its cache of
series names must never serve a stale line)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, Info, generate_latest

from bench.state import TEMPLATE_ENV
from bench.workload import Workload
from streams.engine.offline import OfflineRun
from streams.exposition import SumsCollector
from streams.exposition.render import PageRenderer
from streams.settings import load_settings


def test_the_engine_page_is_byte_for_byte_the_clients() -> None:
    run = OfflineRun(load_settings(TEMPLATE_ENV))
    lines = [value for _, _, value in Workload(6000, 600, seed=3).records()]
    registry = CollectorRegistry()
    registry.register(SumsCollector(run.engine.exposed))
    renderer = PageRenderer(registry)
    run.feed_lines(lines[:3000])
    first = renderer.render()
    assert first == generate_latest(registry) and first.count(b"\n") > 500
    run.feed_lines(lines[3000:])  # new values, new series, some gone
    second = renderer.render()
    assert second == generate_latest(registry) and second != first


label_values = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=8)


@given(st.lists(st.tuples(label_values, st.floats(allow_nan=False), st.integers(0, 3)), max_size=12))
def test_instruments_and_escaped_labels_render_as_the_client(rows: list[tuple[str, float, int]]) -> None:
    registry = CollectorRegistry()
    counter = Counter("t_events", "events\nwith a \\ in its help", ["label"], registry=registry)
    gauge = Gauge("t_level", 'a "gauge"', ["label", "other"], registry=registry)
    histogram = Histogram("t_lag_seconds", "lag", ["label"], buckets=(1, 5), registry=registry)
    Info("t_build", "build", registry=registry).info({"version": "1.0"})
    Gauge("t_plain", "no labels", registry=registry).set(2.5)
    renderer = PageRenderer(registry)
    for value, number, kind in rows:
        if kind == 0:
            counter.labels(label=value).inc(abs(number) if abs(number) != float("inf") else 1)
        elif kind == 1:
            gauge.labels(label=value, other="x").set(number)
        else:
            histogram.labels(label=value).observe(number)
        assert renderer.render() == generate_latest(registry)
