"""Support tickets: volume, open backlog, first response, resolution, touches.

One record per customer holds all of that customer's tickets. Each ticket's
contributions are derived from its event-time facts (`ticket_lifecycle.Ticket`), so
`apply` re-derives only the touched ticket and returns the difference: late replies,
resolves and reopens correct earlier counts in the windows where they were made.

Edges, by design:
- events for a ticket whose `ticket.created` has not arrived are kept and contribute
  nothing; once the creation arrives every figure is derived as if in order.
- customer replies and internal notes are applied (they advance the clock and the
  ticket's activity) but change no figure.
- a ticket that is not open and quiet since before the horizon (or never created)
  is retired: folded into per-customer all-time totals and forgotten; its id is kept
  as a tombstone for `tombstone_seconds`, during which later events for it are
  STALE. After that an event for it starts a new creation-less record. Both are
  decided in `apply` against the horizon as of the event's place in the partition
  log; `prune` only carries out, for tickets nobody touches, what `apply` would.
- the first-response target is wall-clock time (overdue once the clock reaches
  creation + target), even when a business calendar is configured.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from schemas.events import TicketEvent
from streams.metrics.base import (
    Contributions,
    Delta,
    DeltaApply,
    Due,
    Outcome,
    SeriesKey,
    Sink,
    Slot,
    add,
    key_of,
    slot,
    slot_of,
)
from streams.metrics.business_hours import BusinessCalendar
from streams.metrics.catalogue import scales_for
from streams.metrics.eventtime import MICROS, from_micros
from streams.metrics.histograms import observe
from streams.metrics.ticket_lifecycle import Ticket

DEFAULT_TARGETS: Mapping[str, int] = {
    "urgent": 3600,
    "high": 14400,
    "normal": 86400,
    "low": 172800,
}


@dataclass(slots=True)
class TicketState:
    tickets: dict[str, Ticket] = field(default_factory=dict)
    #: all-time contributions of retired tickets
    retired: dict[SeriesKey, int] = field(default_factory=dict)
    #: retired ticket id -> its last event time (epoch seconds)
    tombstones: dict[str, int] = field(default_factory=dict)


class TicketDomain(DeltaApply[TicketState, TicketEvent]):
    family = "tickets"

    def __init__(
        self,
        targets: Mapping[str, int] = DEFAULT_TARGETS,
        schedule: BusinessCalendar | None = None,
        *,
        tombstone_seconds: int = 90 * 86400,
    ) -> None:
        self.targets = dict(targets)
        self.schedule = schedule
        self.tombstone_seconds = tombstone_seconds
        # business-time series exist only with a calendar
        enabled = ("business_hours",) if schedule is not None else ()
        self.scales: Mapping[str, int] = scales_for(self.family, enabled=enabled)
        # apply derives a ticket's figures before and after each event: remember
        # business durations instead of walking the calendar twice
        self._business = lru_cache(maxsize=1 << 14)(self._business_uncached)

    def new_state(self) -> TicketState:
        return TicketState()

    def apply_into(self, state: TicketState, event: TicketEvent, horizon: int, out: Sink) -> Outcome:
        tid = event.ticket_id
        ticket = state.tickets.get(tid)
        if ticket is not None and ticket.closed_before(horizon * MICROS):
            # retired as of this event's place in the log, whether or not prune has run
            self._retire(state, tid, ticket)
            ticket = None
        gone = state.tombstones.get(tid)
        if gone is not None:
            if gone >= horizon - self.tombstone_seconds:
                return Outcome.STALE
            del state.tombstones[tid]  # forgotten by now: the event starts a new record
        if event.type == "ticket.replied" and event.author is None:
            return Outcome.STALE
        if ticket is None:
            ticket = state.tickets[tid] = Ticket()
        before = self.parts(ticket)
        ticket.record(event)
        after = self.parts(ticket)
        # re-emit only the parts that changed: most events touch one or two
        for emit, old, new in zip(_EMITTERS, before, after, strict=True):
            if old != new:
                if old is not None:
                    emit(out, old, -1)
                if new is not None:
                    emit(out, new, 1)
        return Outcome.APPLIED

    def contributions(self, state: TicketState) -> Contributions:
        out = Delta({(slot_of(key), None): value for key, value in state.retired.items()})
        for ticket in state.tickets.values():
            self._emit_all(out, ticket)
        return out

    def ticket_contributions(self, ticket: Ticket) -> Contributions:
        """Everything one ticket contributes, derived from its facts."""
        out = Delta()
        self._emit_all(out, ticket)
        return out

    def _emit_all(self, out: Sink, ticket: Ticket) -> None:
        for emit, part in zip(_EMITTERS, self.parts(ticket), strict=True):
            if part is not None:
                emit(out, part, 1)

    def parts(self, t: Ticket) -> tuple[Part, ...]:
        """The ticket's figures, one hashable part per group of series (None: absent).

        Order matches `_EMITTERS`: created, first reply, resolves, reopens, resolution,
        touch, open, overdue. Durations carry their event second and business time.
        """
        if t.created is None:
            return _NOTHING
        ch, pr = t.channel, t.priority
        customer = not t.by_agent
        first_reply = self._span(ch, pr, t.created, t.replies[0]) if customer and t.replies else None
        resolution = None
        touch = None
        if t.first_resolve is not None:
            resolution = self._span(ch, pr, t.created, t.first_resolve)
            if customer:
                touch = (t.touch(), t.first_resolve // MICROS)
        is_open = t.is_open()
        overdue = None
        target = self.targets.get(pr)
        if is_open and customer and not t.replies and target is not None:
            overdue = (pr, -(-(t.created + target * MICROS) // MICROS))  # ceil to seconds
        return (
            (ch, pr),
            first_reply,
            (ch, pr, t.resolves) if t.resolves else None,
            (ch, pr, t.reopens) if t.reopens else None,
            resolution,
            touch,
            (ch, pr) if is_open else None,
            overdue,
        )

    def _span(self, ch: str, pr: str, start: int, end: int) -> Part:
        # a reply or resolve stamped before the creation (clock skew) counts as 0 s
        business = None if self.schedule is None else self._business(start, end)
        return (ch, pr, max(0, end - start), end // MICROS, business)

    def _business_uncached(self, start: int, end: int) -> int:
        assert self.schedule is not None
        return self.schedule.business_seconds(from_micros(start), from_micros(end))

    def prune(self, state: TicketState, horizon: int) -> None:
        """Retire quiet closed tickets into all-time totals; age out tombstones."""
        horizon_us = horizon * MICROS
        for tid, ticket in list(state.tickets.items()):
            if ticket.closed_before(horizon_us):
                self._retire(state, tid, ticket)
        oldest = horizon - self.tombstone_seconds
        for tid in [t for t, last in state.tombstones.items() if last < oldest]:
            del state.tombstones[tid]

    def _retire(self, state: TicketState, tid: str, ticket: Ticket) -> None:
        """Fold a ticket's all-time figures into the customer's totals; keep a tombstone.

        Its windowed figures are older than the horizon, so no window sees them.
        """
        for (key, at), value in self.ticket_contributions(ticket).items():
            if at is None:
                add(state.retired, key_of(key), value)
        assert ticket.last is not None
        state.tombstones[tid] = ticket.last // MICROS
        del state.tickets[tid]

    def dump(self, state: TicketState) -> Any:
        return {
            "t": {tid: t.dump() for tid, t in state.tickets.items()},
            "r": [[name, [list(p) for p in labels], v] for (name, labels), v in state.retired.items()],
            "x": state.tombstones,
        }

    def load(self, data: Any) -> TicketState:
        return TicketState(
            tickets={tid: Ticket.load(row) for tid, row in data["t"].items()},
            retired={(name, tuple((k, v) for k, v in labels)): value for name, labels, value in data["r"]},
            tombstones=dict(data["x"]),
        )


Part = tuple[Any, ...] | None
_NOTHING: tuple[Part, ...] = (None,) * 8


@lru_cache(maxsize=1024)
def _total(event: str, ch: str, pr: str) -> Slot:
    return slot("cs_tickets_total", event=event, channel=ch, priority=pr)


def _created(out: Sink, part: Any, sign: int) -> None:
    out.bump(_total("created", *part), None, sign)


def _durations(kind: str, first_reply: bool) -> Emitter:
    names = [f"cs_{kind}_{x}seconds" for x in ("", "window_", "business_", "business_window_")]

    def emit(out: Sink, part: Any, sign: int) -> None:
        ch, pr, elapsed, at, business = part
        if first_reply:
            out.bump(_total("first_replied", ch, pr), None, sign)
        cp = (("channel", ch), ("priority", pr))
        observe(out, names[0], elapsed, None, cp, sign)
        observe(out, names[1], elapsed, at, (), sign)
        if business is not None:
            observe(out, names[2], business, None, cp, sign)
            observe(out, names[3], business, at, (), sign)

    return emit


def _count(event: str) -> Emitter:
    def emit(out: Sink, part: Any, sign: int) -> None:
        ch, pr, n = part
        out.bump(_total(event, ch, pr), None, sign * n)

    return emit


def _touch(out: Sink, part: Any, sign: int) -> None:
    touch, at = part
    out.bump(slot("cs_tickets_resolved", touch=touch), at, sign)


def _open(out: Sink, part: Any, sign: int) -> None:
    ch, pr = part
    out.bump(slot("cs_tickets_open", channel=ch, priority=pr), None, sign)


def _overdue(out: Sink, part: Any, sign: int) -> None:
    pr, deadline = part
    out.bump(slot("cs_tickets_first_response_overdue", priority=pr), Due(deadline), sign)


Emitter = Callable[[Sink, Any, int], None]
_EMITTERS: tuple[Emitter, ...] = (
    _created,
    _durations("first_response", first_reply=True),
    _count("resolved"),
    _count("reopened"),
    _durations("resolution", first_reply=False),
    _touch,
    _open,
    _overdue,
)
