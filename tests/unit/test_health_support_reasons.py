"""The support reason of a health score names the open tickets, singular or plural."""

from __future__ import annotations

from streams.metrics.health import HealthConfig, Inputs, _support


def test_open_tickets_reason_is_singular_for_one() -> None:
    assert _support(Inputs(open_tickets=1), 0, HealthConfig())[1] == ["1 open ticket"]
    assert _support(Inputs(open_tickets=2), 0, HealthConfig())[1] == ["2 open tickets"]
    assert _support(Inputs(), 0, HealthConfig())[1] == []
