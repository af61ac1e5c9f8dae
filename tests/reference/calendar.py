"""Business hours by brute force, from the calendar configuration the README documents.

`{"tz", "hours": {"mon-fri": "09:00-17:00", "sat": "10:00-14:00"}, "holidays",
"effective_from"}`, or a list of such versions. Opening hours are local wall-clock
times; an interval whose end is not after its start runs past midnight and belongs
to the day it starts on (skipped with it on a holiday); a ticket is measured with the
version in force at its creation (before the first version: the first).

The reference asks, for every UTC minute, whether the local wall-clock minute it
falls in is open, and adds the part of that minute inside `[start, end)`. Every
opening bound is a whole local minute and the test zones have whole-minute offsets,
so openness is constant within a UTC minute. (Bounds inside a DST gap, such as
02:30 on a spring-forward day, are left out of the tests: wall-clock and zoneinfo
readings of a time that does not exist differ.)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from fractions import Fraction
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from tests.reference.common import EPOCH, instant

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
Minute = tuple[int, int]


def _weekdays(spec: str) -> list[int]:
    out: list[int] = []
    for part in spec.split(","):
        part = part.strip().lower()
        if "-" in part:
            first, last = (DAYS.index(p.strip()[:3]) for p in part.split("-"))
            day = first
            while True:
                out.append(day)
                if day == last:
                    break
                day = (day + 1) % 7
        else:
            out.append(DAYS.index(part[:3]))
    return out


def _hm(text: str) -> int:
    hours, minutes = text.strip().split(":")
    return int(hours) * 60 + int(minutes)


class Version:
    def __init__(self, config: Mapping[str, Any]) -> None:
        self.zone = ZoneInfo(config["tz"])
        self.since = instant(config.get("effective_from", "1970-01-01T00:00:00Z"))
        self.holidays = {date.fromisoformat(h) for h in config.get("holidays", ())}
        self.hours: dict[int, list[tuple[int, int]]] = {}  # weekday -> [(from, to) minutes]
        for days, spec in config.get("hours", {}).items():
            parts = spec.split(",") if isinstance(spec, str) else list(spec)
            for part in parts:
                start, end = part.split("-")
                for weekday in _weekdays(days):
                    self.hours.setdefault(weekday, []).append((_hm(start), _hm(end)))

    def is_open(self, utc_minute: int) -> bool:
        local = (EPOCH + timedelta(minutes=utc_minute)).astimezone(self.zone)
        today, now = local.date(), local.hour * 60 + local.minute
        yesterday = today - timedelta(days=1)
        if today not in self.holidays:
            for start, end in self.hours.get(today.weekday(), ()):
                if start < end and start <= now < end:
                    return True
                if end <= start and now >= start:  # overnight, first part
                    return True
        if yesterday not in self.holidays:
            for start, end in self.hours.get(yesterday.weekday(), ()):
                if end <= start and now < end:  # overnight, after midnight
                    return True
        return False


class Calendar:
    def __init__(self, config: Mapping[str, Any] | Sequence[Mapping[str, Any]]) -> None:
        versions = [config] if isinstance(config, Mapping) else list(config)
        self.versions = sorted((Version(v) for v in versions), key=lambda v: v.since)

    def version_at(self, moment: Fraction) -> int:
        chosen = 0
        for i, version in enumerate(self.versions):
            if version.since <= moment:
                chosen = i
        return chosen

    def business_micros(self, start: Fraction, end: Fraction) -> int:
        """Open time inside `[start, end)` (exact epoch seconds), in microseconds."""
        if end <= start:
            return 0
        version = self.version_at(start)
        total = Fraction(0)
        minute = int(start // 60)
        while minute * 60 < end:
            day, rest = divmod(minute, 1440)
            if rest == 0 and (minute + 1440) * 60 <= end and start <= minute * 60:
                total += 60 * _open_minutes(self, version, day)  # a whole UTC day inside
                minute += 1440
                continue
            if _open(self, version, minute):
                total += min(end, Fraction(minute * 60 + 60)) - max(start, Fraction(minute * 60))
            minute += 1
        value = total * 10**6
        assert value.denominator == 1
        return int(value)


@cache
def _open(calendar: Calendar, version: int, minute: int) -> bool:
    return calendar.versions[version].is_open(minute)


@cache
def _open_minutes(calendar: Calendar, version: int, day: int) -> int:
    return sum(_open(calendar, version, day * 1440 + m) for m in range(1440))
