"""The facts kept per ticket, chosen so every figure is a function of event times.

Nothing here depends on arrival order: each field is a count, a min or a max over
the events seen, so applying the same events in any order gives the same record.
That is what lets a late `ticket.replied` or `ticket.reopened` correct a figure.

- creation: the smallest (time, channel, priority, team, initiator) among the
  `ticket.created` events, so a re-sent creation is deterministic.
- public agent replies: only the two earliest times. FRT needs the first; touches
  (none/one/multi = 0/1/>=2 replies strictly before the first resolve) need to know
  whether 0, 1 or 2+ replies precede a cutoff that late resolves can only move
  earlier, and "2+ before the cutoff" holds iff the second-earliest is before it.
- resolves: first time (resolution time, touch window), last time (open?), count.
- reopens: last time (open? reopened after the first resolve?), count.
- last: latest time of any event of the ticket, for retirement.

Times are integer microseconds since the epoch.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

from schemas.events import TicketEvent
from streams.metrics.eventtime import micros


def _min(a: int | None, b: int) -> int:
    return b if a is None or b < a else a


def _max(a: int | None, b: int) -> int:
    return b if a is None or b > a else a


@dataclass(slots=True)
class Ticket:
    created: int | None = None
    channel: str = ""
    priority: str = ""
    team: str = ""
    by_agent: bool = False
    replies: list[int] = field(default_factory=list)
    first_resolve: int | None = None
    last_resolve: int | None = None
    resolves: int = 0
    last_reopen: int | None = None
    reopens: int = 0
    last: int | None = None

    def record(self, event: TicketEvent) -> None:
        """Fold one (valid, usable) event into the record."""
        at = micros(event.occurred_at)
        self.last = _max(self.last, at)
        kind = event.type
        if kind == "ticket.created":
            self._create(at, event)
        elif kind == "ticket.replied":
            if event.author == "agent" and event.public:
                # keep the two earliest, duplicates included: two replies at the
                # same instant are two touches
                self.replies = sorted([*self.replies, at])[:2]
        elif kind == "ticket.resolved":
            self.resolves += 1
            self.first_resolve = _min(self.first_resolve, at)
            self.last_resolve = _max(self.last_resolve, at)
        else:  # ticket.reopened
            self.reopens += 1
            self.last_reopen = _max(self.last_reopen, at)

    def _create(self, at: int, event: TicketEvent) -> None:
        # missing channel: the schema allows it, the contract lists it; "other"
        # keeps the ticket countable instead of dropping it
        candidate = (at, event.channel or "other", event.priority, event.team, event.initiated_by == "agent")
        if self.created is None or candidate < self._creation():
            (self.created, self.channel, self.priority, self.team, self.by_agent) = candidate

    def _creation(self) -> tuple[int, str, str, str, bool]:
        assert self.created is not None
        return (self.created, self.channel, self.priority, self.team, self.by_agent)

    def is_open(self) -> bool:
        """Created, and the latest resolve/reopen (by event time) is not a resolve.

        Creation counts as the first lifecycle step whatever its timestamp, and a
        reopen at the same instant as a resolve is taken to follow it (you can
        only reopen what was resolved).
        """
        if self.created is None:
            return False
        if self.last_resolve is None:
            return True
        return self.last_reopen is not None and self.last_reopen >= self.last_resolve

    def touch(self) -> str | None:
        """none/one/multi for a resolved ticket, None while never resolved."""
        cutoff = self.first_resolve
        if cutoff is None:
            return None
        before = sum(1 for r in self.replies if r < cutoff)
        if before == 0:
            return "none"
        reopened_after = self.last_reopen is not None and self.last_reopen >= cutoff
        return "one" if before == 1 and not reopened_after else "multi"

    def closed_before(self, horizon_us: int) -> bool:
        """Quiet since before the horizon and not open: safe to retire."""
        quiet = self.last is not None and self.last < horizon_us
        return quiet and not self.is_open()

    def dump(self) -> list[Any]:
        """Positional row (field order of the dataclass): compact in the changelog."""
        return [getattr(self, name) for name in _FIELDS]

    @classmethod
    def load(cls, row: list[Any]) -> Ticket:
        ticket = cls(*row)
        ticket.replies = list(ticket.replies)
        return ticket


_FIELDS = tuple(f.name for f in fields(Ticket))
