"""Plain batch recomputation of the support and survey series: the property-test oracle.

Deliberately naive and independent of streams/metrics (only the event models and the
business calendar are shared): it sorts each ticket's events by event time, walks
the lifecycle, and evaluates every window directly from timestamped points, using
the aggregator's bucket rule (bucket = W/24, a point counts while its bucket is
after the one holding T - W) so results compare exactly.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta

from schemas.events import SurveyEvent, TicketEvent
from streams.metrics.business_hours import BusinessCalendar

WINDOWS = {"1h": 3600, "24h": 86400, "7d": 7 * 86400, "30d": 30 * 86400}
TARGETS = {"urgent": 3600, "high": 14400, "normal": 86400, "low": 172800}
BOUNDS = [60, 300, 900, 1800, 3600, 7200, 14400, 28800, 86400, 172800]
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
SCORES = {"nps": (0, 10), "csat": (1, 5), "ces": (1, 7)}


def seconds(moment: datetime) -> int:
    return (moment - EPOCH) // timedelta(seconds=1)


def micros(delta: timedelta) -> int:
    return delta // timedelta(microseconds=1)


def flat(name: str, labels: Mapping[str, str]) -> str:
    if not labels:
        return name
    return name + "{" + ",".join(f'{k}="{labels[k]}"' for k in sorted(labels)) + "}"


def in_window(at: int, clock: int, width: int) -> bool:
    size = max(1, width // 24)
    return at // size > (clock - width) // size


def survey_rating(survey: str, score: int) -> str:
    if survey == "nps":
        return "promoter" if score >= 9 else "passive" if score >= 7 else "detractor"
    if survey == "csat":
        return "satisfied" if score >= 4 else "neutral" if score == 3 else "dissatisfied"
    return "easy" if score >= 5 else "neutral" if score == 4 else "difficult"


class _Out:
    def __init__(self, clock: int, windows: Mapping[str, int]) -> None:
        self.clock, self.windows = clock, windows
        self.values: dict[str, int] = defaultdict(int)

    def add(self, name: str, value: int, **labels: str) -> None:
        self.values[flat(name, labels)] += value

    def windowed(self, name: str, at: int, value: int, **labels: str) -> None:
        for window, width in self.windows.items():
            if in_window(at, self.clock, width):
                self.values[flat(name, {**labels, "window": window})] += value

    def histogram(self, name: str, value_us: int, at: int | None, **labels: str) -> None:
        emit = self.add if at is None else (lambda n, v, **lab: self.windowed(n, at, v, **lab))
        for bound in BOUNDS:
            if value_us <= bound * 1_000_000:
                emit(f"{name}_bucket", 1, le=f"{bound}.0", **labels)
        emit(f"{name}_bucket", 1, le="+Inf", **labels)
        emit(f"{name}_sum", value_us, **labels)
        emit(f"{name}_count", 1, **labels)


def _ticket(
    out: _Out, events: list[TicketEvent], targets: Mapping[str, int], calendar: BusinessCalendar | None
) -> None:
    events = sorted(events, key=lambda e: e.occurred_at)
    creations = [e for e in events if e.type == "ticket.created"]
    if not creations:
        return
    c = min(
        creations,
        key=lambda e: (e.occurred_at, e.channel or "other", e.priority, e.team, e.initiated_by == "agent"),
    )
    channel, priority = c.channel or "other", c.priority
    customer_initiated = c.initiated_by == "customer"
    replies = [
        e.occurred_at for e in events if e.type == "ticket.replied" and e.author == "agent" and e.public
    ]
    resolves = [e.occurred_at for e in events if e.type == "ticket.resolved"]
    reopens = [e.occurred_at for e in events if e.type == "ticket.reopened"]

    out.add("cs_tickets_total", 1, event="created", channel=channel, priority=priority)
    out.add("cs_tickets_total", len(resolves), event="resolved", channel=channel, priority=priority)
    out.add("cs_tickets_total", len(reopens), event="reopened", channel=channel, priority=priority)

    def durations(kind: str, end: datetime) -> None:
        at = seconds(end)
        wall = max(0, micros(end - c.occurred_at))
        out.histogram(f"cs_{kind}_seconds", wall, None, channel=channel, priority=priority)
        out.histogram(f"cs_{kind}_window_seconds", wall, at)
        if calendar is not None:
            business = calendar.business_seconds(c.occurred_at, end)
            out.histogram(f"cs_{kind}_business_seconds", business, None, channel=channel, priority=priority)
            out.histogram(f"cs_{kind}_business_window_seconds", business, at)

    if customer_initiated and replies:
        out.add("cs_tickets_total", 1, event="first_replied", channel=channel, priority=priority)
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
            out.windowed("cs_tickets_resolved", seconds(first), 1, touch=touch)

    # walk the lifecycle; at equal times a reopen follows a resolve
    steps = sorted([(t, 0) for t in resolves] + [(t, 1) for t in reopens])
    is_open = True
    for _, kind in steps:
        is_open = kind == 1
    if is_open:
        out.add("cs_tickets_open", 1, channel=channel, priority=priority)
        target = targets.get(priority)
        if customer_initiated and not replies and target is not None:
            deadline = c.occurred_at + timedelta(seconds=target)
            due = -(-(deadline - EPOCH) // timedelta(seconds=1))
            if out.clock >= due:
                out.add("cs_tickets_first_response_overdue", 1, priority=priority)


def _survey(out: _Out, e: SurveyEvent) -> None:
    low, high = SCORES[e.survey]
    if not low <= e.score <= high:
        return
    rating, at = survey_rating(e.survey, e.score), seconds(e.occurred_at)
    out.add("cs_survey_responses_total", 1, survey=e.survey, rating=rating)
    out.add("cs_survey_score_sum_total", e.score, survey=e.survey)
    if e.comment and e.comment.strip():
        out.add("cs_survey_comments_total", 1, survey=e.survey)
    out.windowed("cs_survey_responses", at, 1, survey=e.survey, rating=rating)
    out.windowed("cs_survey_score_sum", at, e.score, survey=e.survey)


def support_series(
    events: Iterable[TicketEvent | SurveyEvent],
    clock: int,
    targets: Mapping[str, int] = TARGETS,
    calendar: BusinessCalendar | None = None,
    windows: Mapping[str, int] = WINDOWS,
) -> dict[str, int]:
    """Expected `name{labels}` -> value at `clock` (zero values left out)."""
    out = _Out(clock, windows)
    tickets: dict[tuple[str, str], list[TicketEvent]] = defaultdict(list)
    for e in sorted(events, key=lambda e: e.occurred_at):
        if isinstance(e, SurveyEvent):
            _survey(out, e)
        elif e.type != "ticket.replied" or e.author is not None:
            tickets[(e.customer_id, e.ticket_id)].append(e)
    for ticket_events in tickets.values():
        _ticket(out, ticket_events, targets, calendar)
    return {k: v for k, v in out.values.items() if v}
