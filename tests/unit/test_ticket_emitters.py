"""The ticket domain's emitters turn one stored part of a ticket into its series.

The emitters are built once, at import, from small factories; these tests build them afresh
and check what each writes, so a change in a factory is caught too.
"""

from __future__ import annotations

from streams.metrics import tickets
from streams.metrics.base import Delta, slot_of
from streams.metrics.histograms import observe

S = 10**6  # one second in microseconds


def _total(event: str, channel: str, priority: str) -> tuple:
    return (
        slot_of(("cs_tickets_total", (("channel", channel), ("event", event), ("priority", priority)))),
        None,
    )


def test_count_emitter_adds_n_tickets_of_its_event() -> None:
    out = Delta()
    tickets._count("resolved")(out, ("email", "high", 3), 1)
    assert out == {_total("resolved", "email", "high"): 3}
    tickets._count("reopened")(out, ("chat", "low", 2), -1)
    assert out == {_total("resolved", "email", "high"): 3, _total("reopened", "chat", "low"): -2}
    tickets._count("resolved")(out, ("email", "high", 3), -1)  # taking it back leaves no zero
    assert out == {_total("reopened", "chat", "low"): -2}


def _observed(name: str, micros: int, at: int | None, labels: tuple, sign: int = 1) -> dict:
    out = Delta()
    observe(out, name, micros, at, labels, sign)
    return out


def test_first_response_emitter_counts_the_reply_and_observes_four_histograms() -> None:
    emit = tickets._durations("first_response", first_reply=True)
    cp = (("channel", "email"), ("priority", "high"))
    out = Delta()
    emit(out, ("email", "high", 90 * S, 5, 30 * S), 1)
    expected = {
        _total("first_replied", "email", "high"): 1,
        **_observed("cs_first_response_seconds", 90 * S, None, cp),
        **_observed("cs_first_response_window_seconds", 90 * S, 5, ()),
        **_observed("cs_first_response_business_seconds", 30 * S, None, cp),
        **_observed("cs_first_response_business_window_seconds", 30 * S, 5, ()),
    }
    assert out == expected
    assert len(out) == 1 + 4 * 3  # the reply, then a bucket, a sum and a count per histogram
    emit(out, ("email", "high", 90 * S, 5, 30 * S), -1)
    assert out == {}


def test_resolution_emitter_without_business_hours_observes_wall_time_only() -> None:
    emit = tickets._durations("resolution", first_reply=False)
    cp = (("channel", "chat"), ("priority", "low"))
    out = Delta()
    emit(out, ("chat", "low", 3600 * S, 7, None), -1)
    assert out == {
        **_observed("cs_resolution_seconds", 3600 * S, None, cp, -1),
        **_observed("cs_resolution_window_seconds", 3600 * S, 7, (), -1),
    }
