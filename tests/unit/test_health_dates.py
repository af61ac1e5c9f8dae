"""The date a health reason names ("NPS 3 on 2026-03-02"): the UTC date of an epoch second."""

from __future__ import annotations

from datetime import UTC, datetime

from streams.metrics.health import _date


def test_the_utc_date_of_an_epoch_second() -> None:
    assert _date(0) == "1970-01-01"
    assert _date(86399) == "1970-01-01"
    assert _date(86400) == "1970-01-02"
    assert _date(int(datetime(2026, 3, 2, 23, 59, 59, tzinfo=UTC).timestamp())) == "2026-03-02"
