"""Business hours that open or close off the hour count their minutes."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from streams.metrics.business_hours import Schedule

BERLIN = ZoneInfo("Europe/Berlin")
MINUTE = 60 * 10**6  # microseconds


def test_half_hours_and_quarter_hours_are_counted_to_the_minute() -> None:
    desk = Schedule("Europe/Berlin", {0: [("08:30", "12:15"), ("13:45", "17:10")]})  # Mondays
    monday = datetime(2026, 3, 2, tzinfo=BERLIN)
    tuesday = datetime(2026, 3, 3, tzinfo=BERLIN)
    assert desk.business_seconds(monday, tuesday) == (225 + 205) * MINUTE
    # from 08:00 to 08:45: the desk opened at 08:30
    assert desk.business_seconds(monday.replace(hour=8), monday.replace(hour=8, minute=45)) == 15 * MINUTE


def test_overnight_hours_ending_off_the_hour() -> None:
    night = Schedule("Europe/Berlin", {0: [("22:00", "01:30")]})  # Monday night into Tuesday
    monday = datetime(2026, 3, 2, tzinfo=BERLIN)
    assert night.business_seconds(monday, monday.replace(day=4)) == 210 * MINUTE
