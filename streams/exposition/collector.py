"""Scrape-time collector: the series of the partitions this worker owns, right now.

Nothing here is stored: `collect()` reads each family's `PartitionSums`, so a
partition that moves to another worker takes its series with it and
`sum without (instance, partition)` stays right across workers. This module only
renders: what to export (folding, buckets, scales) is `streams.metrics.readout`,
each family's type and HELP come from `streams.metrics.catalogue`.

Sample output::

    cs_mrr{partition="0",plan="pro"} 1234.5
    cs_events_total{outcome="applied",partition="0",topic="cs.subscriptions"} 812.0
    cs_first_response_window_seconds_bucket{le="60.0",partition="2",window="1h"} 3.0
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector

from streams.metrics.base import Labels, SeriesKey
from streams.metrics.catalogue import Kind, help_for, lookup
from streams.metrics.readout import LabelFolder, exported

LAST_EVENT = "cs_last_event_timestamp_seconds"
Per = dict[Labels, float]


@dataclass
class _Histogram:
    """One histogram's samples by labels (without `le`): buckets by `le`, and the sum."""

    buckets: dict[Labels, dict[str, float]] = field(default_factory=dict)
    sums: dict[Labels, float] = field(default_factory=dict)


def metric_families(rows: Iterable[tuple[SeriesKey, float]], extra: Mapping[str, str]) -> Iterator[Metric]:
    """Turn flat (series, value) rows into the catalogue's typed families; equal series are summed."""
    plain: dict[str, Per] = {}
    for (name, labels), value in rows:
        per = plain.setdefault(name, {})
        key = tuple(sorted((*labels, *extra.items())))
        per[key] = per.get(key, 0.0) + value
    histograms: dict[str, _Histogram] = {}
    for name in list(plain):
        entry, part = lookup(name)
        if entry.kind is not Kind.HISTOGRAM:
            continue
        histo = histograms.setdefault(entry.name, _Histogram())
        for labels, value in plain.pop(name).items():
            if part == "bucket":
                rest = tuple(kv for kv in labels if kv[0] != "le")
                histo.buckets.setdefault(rest, {})[dict(labels)["le"]] = value
            elif part == "sum":
                histo.sums[labels] = value
            # `_count` is the +Inf bucket: HistogramMetricFamily writes it from there
    for name, per in sorted(plain.items()):
        yield _plain_family(name, per)
    for name, histo in sorted(histograms.items()):
        yield _histogram_family(name, histo)


def _label_names(keys: Iterable[Labels]) -> list[str]:
    return sorted({k for labels in keys for k, _ in labels})


def _plain_family(name: str, per: Per) -> Metric:
    """A counter or gauge family; a windowed histogram's parts are gauges (CONTRACT section 7)."""
    entry, _ = lookup(name)
    label_names = _label_names(per)
    family: CounterMetricFamily | GaugeMetricFamily
    if entry.kind is Kind.COUNTER:
        family = CounterMetricFamily(name.removesuffix("_total"), help_for(name), labels=label_names)
    else:
        family = GaugeMetricFamily(name, help_for(name), labels=label_names)
    for labels, value in sorted(per.items()):
        family.add_metric([dict(labels).get(k, "") for k in label_names], value)
    return family


def _histogram_family(name: str, histo: _Histogram) -> Metric:
    keys = sorted({*histo.buckets, *histo.sums})
    label_names = _label_names(keys)
    family = HistogramMetricFamily(name, help_for(name), labels=label_names)
    for labels in keys:
        ordered = sorted(histo.buckets.get(labels, {}).items(), key=lambda kv: float(kv[0]))
        values = [dict(labels).get(k, "") for k in label_names]
        family.add_metric(values, ordered, sum_value=histo.sums.get(labels, 0.0))
    return family


class SumsCollector(Collector):
    """Collects every family processor's per-partition sums at scrape time."""

    def __init__(
        self, processors: Iterable[Any], label_limit: int = 50, folder: LabelFolder | None = None
    ) -> None:
        self.processors = list(processors)
        self.folder = folder if folder is not None else LabelFolder(label_limit)

    def collect(self) -> Iterator[Metric]:
        rows: list[tuple[SeriesKey, float]] = []
        clocks = GaugeMetricFamily(LAST_EVENT, help_for(LAST_EVENT), labels=["partition", "topic"])
        for proc in self.processors:
            scales = proc.domain.scales
            for partition, sums in sorted(proc.sums.items()):
                part = str(partition)
                rows.extend(exported(sums.read(), scales, self.folder, (("partition", part),)))
                if sums.clock and proc.topic:  # the joined step has no topic of its own
                    clocks.add_metric([part, proc.topic], float(sums.clock))
        yield from metric_families(rows, {})
        yield clocks
