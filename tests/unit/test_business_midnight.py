"""Opening hours that start or end at midnight: hour 0 is a time of day like any other."""

from __future__ import annotations

from datetime import UTC, datetime

from streams.metrics.business_hours import parse_calendar

HOUR = 3600 * 10**6  # microseconds
MONDAY = datetime(2026, 3, 2, tzinfo=UTC)


def test_hours_may_open_at_midnight() -> None:
    cal = parse_calendar({"tz": "UTC", "hours": {"mon": "00:00-06:00"}})
    assert cal.business_seconds(MONDAY, MONDAY.replace(day=3)) == 6 * HOUR


def test_an_overnight_interval_may_close_at_midnight_past() -> None:
    # Sunday 22:00 to Monday 00:30: 2 h on Sunday, 30 min past Monday's midnight
    cal = parse_calendar({"tz": "UTC", "hours": {"sun": "22:00-0:30"}})
    assert cal.business_seconds(MONDAY, MONDAY.replace(hour=12)) == HOUR // 2
    assert cal.business_seconds(MONDAY.replace(day=1), MONDAY.replace(hour=12)) == 2 * HOUR + HOUR // 2
