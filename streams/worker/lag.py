"""`cs_event_lag_seconds`: processing time minus occurred_at of the applied events.

Counted a batch at a time: one bisect per event into plain lists, read out as a histogram
when scraped. prometheus_client's Histogram takes a lock and walks its buckets for every
observation, which was 4 % of a busy worker's samples.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from prometheus_client.metrics_core import HistogramMetricFamily
from prometheus_client.registry import Collector
from prometheus_client.utils import floatToGoString

from streams.metrics.catalogue import help_for

NAME = "cs_event_lag_seconds"
LAG_BUCKETS = (1, 5, 15, 60, 300, 900, 1800, 3600, 7200, 14400, 28800, 86400, 172800)


class LagHistogram(Collector):
    def __init__(self, buckets: Iterable[float] = LAG_BUCKETS) -> None:
        self.bounds = [float(b) for b in buckets]
        self._les = [floatToGoString(b) for b in self.bounds] + ["+Inf"]
        self._counts: dict[str, list[int]] = {}  # topic -> per bucket (not cumulative), +Inf last
        self._sums: dict[str, float] = {}

    def observe(self, topic: str, applied: Iterable[Any], now: datetime) -> None:
        """One observation per applied event: `now` minus its occurred_at (0 at the least);
        an observation equal to a bound counts in that bound's bucket (le)."""
        counts = self._counts.get(topic)
        if counts is None:
            counts = self._counts[topic] = [0] * len(self._les)
        ts, bounds, total = now.timestamp(), self.bounds, 0.0
        for event in applied:
            lag = ts - event.occurred_at.timestamp()
            if lag < 0.0:
                lag = 0.0
            counts[bisect_left(bounds, lag)] += 1
            total += lag
        self._sums[topic] = self._sums.get(topic, 0.0) + total

    def collect(self) -> Iterator[HistogramMetricFamily]:
        family = HistogramMetricFamily(NAME, help_for(NAME), labels=["topic"])
        for topic, counts in list(self._counts.items()):
            running, buckets = 0, []
            for le, count in zip(self._les, list(counts), strict=True):
                running += count
                buckets.append((le, running))
            family.add_metric([topic], buckets, self._sums[topic])
        yield family
