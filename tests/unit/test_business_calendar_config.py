"""How a business calendar is written in the settings: day names, ranges, lists, omissions."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from streams.metrics.business_hours import parse_calendar


def test_day_specs_take_full_names_spaces_and_lists() -> None:
    cal = parse_calendar(
        {"tz": "UTC", "hours": {"Monday - Wednesday": "09:00-17:00", "sat, Sunday": ["10:00-12:00"]}}
    )
    weekly = cal.versions[0][1].weekly
    assert weekly == {
        0: [("09:00", "17:00")],
        1: [("09:00", "17:00")],
        2: [("09:00", "17:00")],
        5: [("10:00", "12:00")],
        6: [("10:00", "12:00")],
    }


def test_unknown_day_names_are_rejected() -> None:
    with pytest.raises(ValueError):
        parse_calendar({"tz": "UTC", "hours": {"mo-fr": "09:00-17:00"}})


def test_a_calendar_without_hours_is_always_closed() -> None:
    cal = parse_calendar({"tz": "UTC"})
    assert cal.versions[0][1].weekly == {}
    start = datetime(2026, 3, 2, tzinfo=UTC)
    assert cal.business_seconds(start, start.replace(day=9)) == 0


def test_a_naive_effective_from_says_what_is_missing() -> None:
    with pytest.raises(ValueError, match=r"^effective_from must carry an offset$"):
        parse_calendar({"tz": "UTC", "effective_from": "2026-01-01T00:00:00"})


def test_times_of_day_may_leave_out_the_minutes() -> None:
    cal = parse_calendar({"tz": "UTC", "hours": {"mon": "9-17:30"}})
    assert cal.versions[0][1].weekly == {0: [("9", "17:30")]}
    monday = datetime(2026, 3, 2, tzinfo=UTC)
    assert cal.business_seconds(monday, monday.replace(day=3)) == 510 * 60 * 10**6  # 8.5 hours


@pytest.mark.parametrize("bad", ["09:60", "24:01", "25:00", "-1:00", "09:00:00", "9h"])
def test_impossible_times_of_day_are_rejected(bad: str) -> None:
    with pytest.raises(ValueError, match=r"bad time of day|invalid literal"):
        parse_calendar({"tz": "UTC", "hours": {"mon": f"{bad}-23:00"}})


def test_the_error_names_the_impossible_time() -> None:
    with pytest.raises(ValueError, match=r"^bad time of day '09:60'$"):
        parse_calendar({"tz": "UTC", "hours": {"mon": "09:60-17:00"}})
