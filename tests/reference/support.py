"""Plain batch recomputation of the ticket and survey series, from CONTRACT 6 and the README.

Input: the events as JSON objects (or `Rejected` markers), in arrival order, for one
partition. Nothing is shared with the engine: each ticket's events are sorted by
exact event time and its lifecycle walked; business time comes from the brute-force
calendar in `calendar.py`; windows and the clock are applied by `common`.

Retirement of quiet closed tickets is not modelled: the tests that use this
reference send no event for a ticket once it is closed and quiet past the widest
window's horizon.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from fractions import Fraction
from typing import Any

from tests.reference.calendar import Calendar
from tests.reference.common import DEDUPE_HORIZON, Expected, Intake, Record, instant, micros

TARGETS = {"urgent": 3600, "high": 14400, "normal": 86400, "low": 172800}
BOUNDS = [60, 300, 900, 1800, 3600, 7200, 14400, 28800, 86400, 172800]
SCORES = {"nps": (0, 10), "csat": (1, 5), "ces": (1, 7)}
Event = Mapping[str, Any]


def survey_rating(survey: str, score: int) -> str:
    if survey == "nps":
        return "promoter" if score >= 9 else "passive" if score >= 7 else "detractor"
    if survey == "csat":
        return "satisfied" if score >= 4 else "neutral" if score == 3 else "dissatisfied"
    return "easy" if score >= 5 else "neutral" if score == 4 else "difficult"


def _observe(out: Expected, name: str, value_us: int, at: Fraction | None, **labels: str) -> None:
    """One histogram observation, cumulative buckets; windowed at `at` unless None."""

    def emit(series: str, v: int, **lab: str) -> None:
        if at is None:
            out.add(series, v, **lab)
        else:
            out.point(series, at, v, **lab)

    for bound in BOUNDS:
        if value_us <= bound * 10**6:
            emit(f"{name}_bucket", 1, le=f"{bound}.0", **labels)
    emit(f"{name}_bucket", 1, le="+Inf", **labels)
    emit(f"{name}_sum", value_us, **labels)
    emit(f"{name}_count", 1, **labels)


def _ticket(
    out: Expected, events: list[Event], targets: Mapping[str, int], calendar: Calendar | None
) -> None:
    events = sorted(events, key=lambda e: instant(e["occurred_at"]))
    creations = [e for e in events if e["type"] == "ticket.created"]
    if not creations:
        return

    def creation_key(e: Event) -> tuple[Fraction, str, str, str, bool]:
        return (
            instant(e["occurred_at"]),
            e.get("channel") or "other",
            e.get("priority", "normal"),
            e.get("team", "unassigned"),
            e.get("initiated_by", "customer") == "agent",
        )

    created, channel, priority, _, by_agent = min(map(creation_key, creations))
    customer_initiated = not by_agent
    replies = [
        instant(e["occurred_at"])
        for e in events
        if e["type"] == "ticket.replied" and e.get("author") == "agent" and e.get("public", True)
    ]
    resolves = [instant(e["occurred_at"]) for e in events if e["type"] == "ticket.resolved"]
    reopens = [instant(e["occurred_at"]) for e in events if e["type"] == "ticket.reopened"]
    cp = {"channel": channel, "priority": priority}

    out.add("cs_tickets_total", 1, event="created", **cp)
    out.add("cs_tickets_total", len(resolves), event="resolved", **cp)
    out.add("cs_tickets_total", len(reopens), event="reopened", **cp)

    def durations(kind: str, end: Fraction) -> None:
        wall = max(0, micros(end - created))
        _observe(out, f"cs_{kind}_seconds", wall, None, **cp)
        _observe(out, f"cs_{kind}_window_seconds", wall, end)
        if calendar is not None:
            business = calendar.business_micros(created, end)
            _observe(out, f"cs_{kind}_business_seconds", business, None, **cp)
            _observe(out, f"cs_{kind}_business_window_seconds", business, end)

    if customer_initiated and replies:
        out.add("cs_tickets_total", 1, event="first_replied", **cp)
        durations("first_response", replies[0])
    if resolves:
        first = resolves[0]
        durations("resolution", first)
        if customer_initiated:
            before = len([r for r in replies if r < first])
            reopened = any(r >= first for r in reopens)
            touch = "none" if before == 0 else "one" if before == 1 else "multi"
            if touch == "one" and reopened:
                touch = "multi"
            out.point("cs_tickets_resolved", first, 1, touch=touch)

    # walk the lifecycle; at equal times a reopen follows a resolve
    is_open = True
    for _, kind in sorted([(t, 0) for t in resolves] + [(t, 1) for t in reopens]):
        is_open = kind == 1
    if is_open:
        out.add("cs_tickets_open", 1, **cp)
        target = targets.get(priority)
        if customer_initiated and not replies and target is not None:
            # breached once the clock has reached creation + target
            out.due("cs_tickets_first_response_overdue", created + target, 1, priority=priority)


def ticket_reference(
    records: Iterable[Record],
    *,
    targets: Mapping[str, int] = TARGETS,
    calendar: Calendar | None = None,
    topic: str = "cs.tickets",
    horizon: int = DEDUPE_HORIZON,
) -> Expected:
    """Every ticket series after `records`; final values do not depend on their order."""
    intake = Intake(topic, horizon)
    out = Expected()
    tickets: dict[tuple[str, str], list[Event]] = defaultdict(list)
    for record in records:
        event = intake.admit(record)
        if event is None:
            continue
        usable = event["type"] != "ticket.replied" or event.get("author") is not None
        intake.done(event, applied=usable)
        if usable:
            tickets[(event["customer_id"], event["ticket_id"])].append(event)
    for events in tickets.values():
        _ticket(out, events, targets, calendar)
    return intake.finish(out)


def survey_reference(
    records: Iterable[Record], *, topic: str = "cs.surveys", horizon: int = DEDUPE_HORIZON
) -> Expected:
    """Every survey series after `records`."""
    intake = Intake(topic, horizon)
    out = Expected()
    for record in records:
        e = intake.admit(record)
        if e is None:
            continue
        low, high = SCORES[e["survey"]]
        usable = low <= e["score"] <= high
        intake.done(e, applied=usable)
        if not usable:
            continue
        rating, at = survey_rating(e["survey"], e["score"]), instant(e["occurred_at"])
        out.add("cs_survey_responses_total", 1, survey=e["survey"], rating=rating)
        out.add("cs_survey_score_sum_total", e["score"], survey=e["survey"])
        comment = e.get("comment")
        if comment and comment.strip():
            out.add("cs_survey_comments_total", 1, survey=e["survey"])
        out.point("cs_survey_responses", at, 1, survey=e["survey"], rating=rating)
        out.point("cs_survey_score_sum", at, e["score"], survey=e["survey"])
    return intake.finish(out)
