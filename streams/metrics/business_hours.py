"""Business-hours calendars: elapsed working time between two instants.

A `Schedule` is weekly opening hours in one IANA time zone plus holidays. Opening
hours are local wall-clock times, so a 09:00-17:00 day is 8 hours on both sides of a
DST switch; only an interval that spans the switch itself gets longer or shorter,
which converting each local bound to UTC through zoneinfo gets right.

A `BusinessCalendar` is a list of schedule versions; a ticket is measured with the
version in force at its creation, so editing opening hours never rewrites history.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from streams.metrics.eventtime import EPOCH, micros

Interval = tuple[str, str]
_Span = tuple[tuple[int, int], tuple[int, int]]  # ((hour, minute), (hour, minute))
_DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_ONE_DAY = timedelta(days=1)


def _clock(text: str) -> tuple[int, int]:
    """'HH:MM' -> (hour, minute); '24:00' is the end of the day."""
    hh, _, mm = text.partition(":")
    hour, minute = int(hh), int(mm or 0)
    if not (0 <= minute < 60 and (0 <= hour < 24 or (hour, minute) == (24, 0))):
        raise ValueError(f"bad time of day {text!r}")
    return hour, minute


def _local(day: date, hm: tuple[int, int], tz: ZoneInfo) -> datetime:
    """Aware local datetime of a wall-clock time on `day` (24:00 = next midnight)."""
    hour, minute = hm
    if hour == 24:
        return datetime.combine(day + _ONE_DAY, time(0, 0), tzinfo=tz)
    return datetime.combine(day, time(hour, minute), tzinfo=tz)


@dataclass(frozen=True)
class Schedule:
    """Weekly opening hours (weekday 0 = Monday) in `tz`, closed on `holidays`.

    An interval whose end is not after its start runs past midnight into the next
    day; it belongs to (and is skipped with) the day it starts on.
    """

    tz: str
    weekly: Mapping[int, Sequence[Interval]]
    holidays: frozenset[date] | set[date] = field(default_factory=frozenset)
    _zone: ZoneInfo = field(init=False, repr=False, compare=False)
    _parsed: dict[int, list[_Span]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        parsed: dict[int, list[_Span]] = {}
        for weekday, intervals in self.weekly.items():
            if not 0 <= weekday <= 6:
                raise ValueError(f"weekday must be 0-6, got {weekday}")
            parsed[weekday] = [(_clock(a), _clock(b)) for a, b in intervals]
        # frozen dataclass: derived caches are set once, here
        object.__setattr__(self, "_zone", ZoneInfo(self.tz))
        object.__setattr__(self, "_parsed", parsed)
        object.__setattr__(self, "holidays", frozenset(self.holidays))

    def _open_spans(self, day: date) -> Iterable[tuple[int, int]]:
        """The day's opening intervals as [start, end) epoch microseconds."""
        if day in self.holidays:
            return
        for start, end in self._parsed.get(day.weekday(), ()):
            begin = _local(day, start, self._zone)
            finish = _local(day if end > start else day + _ONE_DAY, end, self._zone)
            yield micros(begin), micros(finish)

    def business_seconds(self, start: datetime, end: datetime) -> int:
        """Open time inside [start, end), in microseconds; 0 if end <= start.

        Walks local days (O(days), not O(seconds)); the day before the start is
        included so an overnight interval that began then is counted.
        """
        lo, hi = micros(start), micros(end)
        if hi <= lo:
            return 0
        day = start.astimezone(self._zone).date() - _ONE_DAY
        last = end.astimezone(self._zone).date()
        total = 0
        while day <= last:
            for a, b in self._open_spans(day):
                overlap = min(b, hi) - max(a, lo)
                if overlap > 0:
                    total += overlap
            day += _ONE_DAY
        return total


@dataclass(frozen=True)
class BusinessCalendar:
    """Schedule versions, each in force from its (aware) `effective_from` on."""

    versions: Sequence[tuple[datetime, Schedule]]

    def __post_init__(self) -> None:
        if not self.versions:
            raise ValueError("a calendar needs at least one schedule")
        for since, _ in self.versions:
            if since.tzinfo is None:
                raise ValueError("effective_from must be timezone-aware")
        object.__setattr__(self, "versions", sorted(self.versions, key=lambda v: v[0]))

    def schedule_at(self, moment: datetime) -> Schedule:
        """The version in force at `moment`; before the first version, the first."""
        chosen = self.versions[0][1]
        for since, schedule in self.versions:
            if since > moment:
                break
            chosen = schedule
        return chosen

    def business_seconds(self, start: datetime, end: datetime) -> int:
        """Microseconds of open time in [start, end) under the schedule of `start`."""
        return self.schedule_at(start).business_seconds(start, end)


def _days(spec: str) -> list[int]:
    """'mon-fri', 'sat,sun', 'fri-mon' (wraps) -> weekday numbers."""
    out: list[int] = []
    for part in spec.lower().replace(" ", "").split(","):
        first, _, last = part.partition("-")
        a = _DAY_NAMES.index(first[:3])
        b = _DAY_NAMES.index(last[:3]) if last else a
        out.extend((a + i) % 7 for i in range((b - a) % 7 + 1))
    return out


def _intervals(spec: str | Sequence[str]) -> list[Interval]:
    """'09:00-12:00,13:00-17:00' or a list of 'HH:MM-HH:MM' strings."""
    parts = spec.split(",") if isinstance(spec, str) else list(spec)
    out: list[Interval] = []
    for part in parts:
        start, _, end = part.strip().partition("-")
        out.append((start.strip(), end.strip()))
    return out


def parse_schedule(config: Mapping[str, Any]) -> tuple[datetime, Schedule]:
    """One version: {"tz", "hours": {"mon-fri": "09:00-17:00"}, "holidays", "effective_from"}."""
    weekly: dict[int, list[Interval]] = {}
    for days, spec in config.get("hours", {}).items():
        for weekday in _days(days):
            weekly.setdefault(weekday, []).extend(_intervals(spec))
    holidays = {date.fromisoformat(h) for h in config.get("holidays", ())}
    since_text = config.get("effective_from")
    since = datetime.fromisoformat(since_text) if since_text else EPOCH
    if since.tzinfo is None:
        raise ValueError("effective_from must carry an offset")
    return since, Schedule(tz=config["tz"], weekly=weekly, holidays=holidays)


CalendarConfig = str | Mapping[str, Any] | Sequence[Mapping[str, Any]]


def parse_calendar(config: CalendarConfig) -> BusinessCalendar:
    """A calendar from JSON text, one version's dict, or a list of versions."""
    data: Any = json.loads(config) if isinstance(config, str) else config
    versions = [data] if isinstance(data, Mapping) else list(data)
    return BusinessCalendar([parse_schedule(v) for v in versions])
