"""What a catalogue entry says about a series, and the phrases entries share."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Kind(StrEnum):
    COUNTER = "counter"
    GAUGE = "gauge"
    HISTOGRAM = "histogram"
    GAUGE_HISTOGRAM = "gauge_histogram"  # buckets over a rolling window: three gauges


class Scale(StrEnum):
    ONE = "one"  # stored as exported
    MICROS = "micros"  # microseconds, exported in seconds
    MONEY = "money"  # reporting-currency micro minor units, exported in major units


@dataclass(frozen=True, slots=True)
class Series:
    name: str
    kind: Kind
    help: str
    labels: tuple[str, ...]
    origin: str  # the topic family whose domain emits it, "engine" or "worker"
    scale: Scale = Scale.ONE
    requires: str = ""  # the setting without which it never appears
    contract: bool = True  # listed in CONTRACT.md section 7 (False: README "Series beyond the contract")

    @property
    def windowed(self) -> bool:
        return "window" in self.labels

    @property
    def per_partition(self) -> bool:
        return self.origin != "worker"


C, G, H, GH = Kind.COUNTER, Kind.GAUGE, Kind.HISTOGRAM, Kind.GAUGE_HISTOGRAM
MONEY, MICROS = Scale.MONEY, Scale.MICROS
MAJOR = "reporting-currency major units (cs_build_info)"
W = "in the rolling event-time `window`"
BH = "business_hours"

