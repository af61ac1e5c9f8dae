"""Business-hours arithmetic: weekends, holidays, DST, overnight hours, versions."""

from __future__ import annotations

import json
import time
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from streams.metrics.business_hours import BusinessCalendar, Schedule, parse_calendar

BERLIN = ZoneInfo("Europe/Berlin")
H = 3600 * 10**6  # one hour in microseconds
OFFICE = Schedule("Europe/Berlin", {d: [("09:00", "17:00")] for d in range(5)})
ALWAYS = Schedule("Europe/Berlin", {d: [("00:00", "24:00")] for d in range(7)})


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=BERLIN)


def test_within_one_day() -> None:
    assert OFFICE.business_seconds(local(2026, 3, 2, 10), local(2026, 3, 2, 12, 30)) == 2.5 * H
    assert OFFICE.business_seconds(local(2026, 3, 2, 7), local(2026, 3, 2, 20)) == 8 * H


def test_empty_or_reversed_span_is_zero() -> None:
    t = local(2026, 3, 2, 10)
    assert OFFICE.business_seconds(t, t) == 0
    assert OFFICE.business_seconds(t, local(2026, 3, 2, 9)) == 0


def test_across_a_weekend() -> None:
    # Friday 16:00 -> Monday 10:00: one hour each side of the weekend
    assert OFFICE.business_seconds(local(2026, 3, 6, 16), local(2026, 3, 9, 10)) == 2 * H


def test_holiday_is_closed() -> None:
    xmas = Schedule("Europe/Berlin", OFFICE.weekly, {date(2026, 12, 25)})
    # Thursday 24th 16:00 -> Monday 28th 10:00, Friday 25th a holiday
    assert xmas.business_seconds(local(2026, 12, 24, 16), local(2026, 12, 28, 10)) == 2 * H
    assert OFFICE.business_seconds(local(2026, 12, 24, 16), local(2026, 12, 28, 10)) == 10 * H


def test_dst_switches_change_a_24h_day_only() -> None:
    # Berlin: 2026-03-29 has 23 hours, 2026-10-25 has 25
    assert ALWAYS.business_seconds(local(2026, 3, 28, 12), local(2026, 3, 29, 12)) == 23 * H
    assert ALWAYS.business_seconds(local(2026, 10, 24, 12), local(2026, 10, 25, 12)) == 25 * H
    # office hours keep 8 h a day across the switch
    assert OFFICE.business_seconds(local(2026, 3, 27, 9), local(2026, 3, 30, 17)) == 16 * H


def test_interval_spanning_the_switch_uses_real_elapsed_time() -> None:
    night = Schedule("Europe/Berlin", {6: [("01:00", "04:00")]})  # Sundays
    spring = night.business_seconds(local(2026, 3, 29, 0), local(2026, 3, 29, 5))
    autumn = night.business_seconds(local(2026, 10, 25, 0), local(2026, 10, 25, 5))
    assert (spring, autumn) == (2 * H, 4 * H)


def test_utc_inputs_and_sub_second_precision() -> None:
    start = datetime(2026, 3, 2, 8, 59, 59, 500000, tzinfo=UTC)  # 09:59:59.5 Berlin
    end = datetime(2026, 3, 2, 9, 0, 0, 250000, tzinfo=UTC)
    assert OFFICE.business_seconds(start, end) == 750_000


def test_overnight_interval_belongs_to_its_start_day() -> None:
    nights = Schedule("UTC", {4: [("22:00", "06:00")]})  # Friday night into Saturday
    fri = datetime(2026, 3, 6, 20, tzinfo=UTC)
    assert nights.business_seconds(fri, datetime(2026, 3, 7, 12, tzinfo=UTC)) == 8 * H
    # starting inside the night, after midnight
    sat = datetime(2026, 3, 7, 2, tzinfo=UTC)
    assert nights.business_seconds(sat, datetime(2026, 3, 7, 12, tzinfo=UTC)) == 4 * H


def test_long_spans_are_o_days() -> None:
    utc_always = Schedule("UTC", {d: [("00:00", "24:00")] for d in range(7)})
    start, end = datetime(2020, 1, 1, tzinfo=UTC), datetime(2030, 1, 1, tzinfo=UTC)
    began = time.perf_counter()
    assert utc_always.business_seconds(start, end) == (end - start).days * 24 * H
    assert time.perf_counter() - began < 0.5


def test_schedule_versions_use_the_one_in_force_at_start() -> None:
    long_days = Schedule("Europe/Berlin", {d: [("08:00", "20:00")] for d in range(5)})
    switch = local(2026, 6, 1)
    cal = BusinessCalendar([(switch, long_days), (local(2020, 1, 1), OFFICE)])
    # opened before the switch, answered after it: the old schedule throughout
    assert cal.business_seconds(local(2026, 5, 29, 16), local(2026, 6, 1, 19)) == 9 * H
    assert cal.business_seconds(local(2026, 6, 1, 7), local(2026, 6, 1, 19)) == 11 * H
    assert cal.schedule_at(local(2019, 1, 1)) is OFFICE  # before every version: the first


def test_naive_effective_from_is_rejected() -> None:
    with pytest.raises(ValueError):
        BusinessCalendar([(datetime(2026, 1, 1), OFFICE)])  # noqa: DTZ001
    with pytest.raises(ValueError):
        Schedule("UTC", {7: [("09:00", "17:00")]})
    with pytest.raises(ValueError):
        Schedule("UTC", {0: [("09:00", "24:30")]})


def test_parse_calendar_from_dict_list_and_json() -> None:
    one = {"tz": "Europe/Berlin", "hours": {"mon-fri": "09:00-17:00"}, "holidays": ["2026-12-25"]}
    cal = parse_calendar(one)
    assert cal.versions[0][1].weekly == {d: [("09:00", "17:00")] for d in range(5)}
    assert cal.versions[0][1].holidays == {date(2026, 12, 25)}
    two = [
        {
            **one,
            "effective_from": "2026-06-01T00:00:00+02:00",
            "hours": {"fri-mon": "08:00-12:00, 13:00-18:00", "wed": ["10:00-11:00"]},
        },
        {**one, "effective_from": "2020-01-01T00:00:00Z"},
    ]
    cal2 = parse_calendar(json.dumps(two))
    newest = cal2.schedule_at(local(2026, 7, 1))
    assert sorted(newest.weekly) == [0, 2, 4, 5, 6]
    assert newest.weekly[6] == [("08:00", "12:00"), ("13:00", "18:00")]
    assert cal2.schedule_at(local(2026, 5, 1)).weekly == cal.versions[0][1].weekly
    with pytest.raises(ValueError):
        parse_calendar({**one, "effective_from": "2026-01-01T00:00:00"})
