"""The series catalogue: every series cspulse exports, declared once.

Each layer reads it instead of keeping its own list: the domains take their `scales`
from it, the Prometheus collector its type and HELP, the rule and dashboard tests the
names they may read. A histogram's samples are `name_bucket`, `name_sum` and
`name_count`; a windowed histogram (`GAUGE_HISTOGRAM`) exports those three as gauges,
as CONTRACT section 7 lists them. Series read from partition sums (every `origin` but
"worker") also carry a `partition` label on /metrics; `labels` leaves it and `le` out.

`scale` turns the stored integer into the exported unit: money is stored in micro
minor units of the reporting currency (the divisor, `FxTable.money_scale`, depends on
that currency's minor digits) and durations in microseconds. For a histogram it is
the scale of `_sum`; buckets and counts are plain counts.
"""

from __future__ import annotations

from streams.metrics.catalogue import growth, pipeline, revenue, support, voice
from streams.metrics.catalogue.lookup import (
    CATALOGUE,
    ENTRIES,
    PART_HELP,
    PARTS,
    divisor,
    help_for,
    lookup,
    sample_names,
    scales_for,
)
from streams.metrics.catalogue.series import Kind, Scale, Series

__all__ = [
    "CATALOGUE",
    "ENTRIES",
    "PARTS",
    "PART_HELP",
    "Kind",
    "Scale",
    "Series",
    "divisor",
    "growth",
    "help_for",
    "lookup",
    "pipeline",
    "revenue",
    "sample_names",
    "scales_for",
    "support",
    "voice",
]
