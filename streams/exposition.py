"""Scrape-time collector: the series of the partitions this worker owns, right now.

Nothing here is stored: `collect()` reads each family's `PartitionSums`, so a
partition that moves to another worker takes its series with it and
`sum without (instance, partition)` stays right across workers.

Sample output::

    cs_mrr{partition="0",plan="pro"} 1234.5
    cs_events_total{outcome="applied",partition="0",topic="cs.subscriptions"} 812.0
    cs_first_response_window_seconds_bucket{le="60.0",partition="2",window="1h"} 3.0
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector

from streams.metrics.base import SeriesKey
from streams.metrics.histograms import LE, bucket_groups, bucket_key

# All-time histograms, exported as Prometheus histograms (the windowed twins are gauges).
HISTOGRAMS = (
    "cs_first_response_seconds",
    "cs_resolution_seconds",
    "cs_first_response_business_seconds",
    "cs_resolution_business_seconds",
)
FREE_TEXT_LABELS = ("plan", "team")
OTHER = "other"


class LabelFolder:
    """Keeps the first `limit` distinct values of a free-text label, folds the rest."""

    def __init__(self, limit: int = 50) -> None:
        self.limit = limit
        self.kept: dict[str, set[str]] = {}

    def fold(self, label: str, value: str) -> str:
        kept = self.kept.setdefault(label, set())
        if value in kept:
            return value
        if len(kept) < self.limit:
            kept.add(value)
            return value
        return OTHER


def fill_buckets(read: dict[SeriesKey, int]) -> dict[SeriesKey, int]:
    """Add the zero `le` buckets a histogram leaves out, so histogram_quantile sees every edge.

    Buckets are cumulative, so a missing one means no observation at or below it.
    """
    for (name, rest), present in bucket_groups(read).items():
        for le in LE:
            if le not in present:
                read[bucket_key(name, rest, le)] = 0
    return read


def export_value(name: str, value: int, scales: Mapping[str, int]) -> float:
    scale = scales.get(name, 1)
    return value / scale if scale != 1 else float(value)


def fold_labels(labels: Iterable[tuple[str, str]], folder: LabelFolder) -> tuple[tuple[str, str], ...]:
    return tuple((k, folder.fold(k, v) if k in FREE_TEXT_LABELS else v) for k, v in labels)


def metric_families(rows: Iterable[tuple[SeriesKey, float]], extra: Mapping[str, str]) -> Iterator[Metric]:
    """Turn flat (series, value) rows into typed metric families; equal series are summed."""
    plain: dict[str, dict[tuple[tuple[str, str], ...], float]] = {}
    for (name, labels), value in rows:
        per = plain.setdefault(name, {})
        key = tuple(sorted((*labels, *extra.items())))
        per[key] = per.get(key, 0.0) + value
    histo: dict[str, dict[tuple[tuple[str, str], ...], dict[str, Any]]] = {}
    for name in list(plain):
        base = _histogram_base(name)
        if base is None:
            continue
        part = name[len(base) + 1 :]
        for labels, value in plain.pop(name).items():
            if part == "bucket":
                le = dict(labels)["le"]
                rest = tuple(kv for kv in labels if kv[0] != "le")
                entry = histo.setdefault(base, {}).setdefault(rest, {"buckets": {}, "sum": 0.0})
                entry["buckets"][le] = value
            elif part == "sum":
                entry = histo.setdefault(base, {}).setdefault(labels, {"buckets": {}, "sum": 0.0})
                entry["sum"] = value
    for name, per in sorted(plain.items()):
        family: CounterMetricFamily | GaugeMetricFamily
        label_names = sorted({k for labels in per for k, _ in labels})
        if name.endswith("_total"):
            family = CounterMetricFamily(name[: -len("_total")], _doc(name), labels=label_names)
        else:
            family = GaugeMetricFamily(name, _doc(name), labels=label_names)
        for labels, value in sorted(per.items()):
            family.add_metric([dict(labels).get(k, "") for k in label_names], value)
        yield family
    for base, entries in sorted(histo.items()):
        label_names = sorted({k for labels in entries for k, _ in labels})
        hist = HistogramMetricFamily(base, _doc(base), labels=label_names)
        for labels, entry in sorted(entries.items()):
            buckets = sorted(entry["buckets"].items(), key=lambda kv: float(kv[0]))
            hist.add_metric([dict(labels).get(k, "") for k in label_names], buckets, sum_value=entry["sum"])
        yield hist


def _histogram_base(name: str) -> str | None:
    for base in HISTOGRAMS:
        if name in (f"{base}_bucket", f"{base}_sum", f"{base}_count"):
            return base
    return None


def _doc(name: str) -> str:
    return f"cspulse {name} (see CONTRACT.md section 7)"


class SumsCollector(Collector):
    """Collects every family processor's per-partition sums at scrape time."""

    def __init__(self, processors: Iterable[Any], label_limit: int = 50) -> None:
        self.processors = list(processors)
        self.folder = LabelFolder(label_limit)

    def collect(self) -> Iterator[Metric]:
        rows: list[tuple[SeriesKey, float]] = []
        clocks = GaugeMetricFamily(
            "cs_last_event_timestamp_seconds",
            "Latest occurred_at applied, per topic and partition (use max, not sum)",
            labels=["partition", "topic"],
        )
        for proc in self.processors:
            scales = proc.domain.scales
            for partition, sums in sorted(proc.sums.items()):
                part = str(partition)
                for (name, labels), value in fill_buckets(sums.read()).items():
                    key = (name, (*fold_labels(labels, self.folder), ("partition", part)))
                    rows.append((key, export_value(name, value, scales)))
                if sums.clock:
                    clocks.add_metric([part, proc.topic], float(sums.clock))
        yield from metric_families(rows, {})
        yield clocks
