"""Support tickets: creation, public agent replies after priority-dependent delays
(urgent fastest, about 5 % past the first-response target), customer replies,
internal notes, resolution, and some reopening.

A ticket is a chain of follow-ups: each step schedules the next, so a ticket's
events are causally ordered in event time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from simulator.accounts import Customer
from simulator.catalog import CHANNELS, FRT_TARGET_S, PRIORITIES, TEAMS
from simulator.context import US, Context, Event

MAX_OPEN = 100_000  # beyond this, the earliest pending step happens now (bounds memory)
AGENT_INITIATED = 0.05
REOPEN = 0.08
MAX_REOPENS = 2
MAX_AGENT_REPLIES = 5
HOUR = 3600.0


@dataclass(slots=True, eq=False)
class Ticket:
    id: str
    customer_id: str
    channel: str
    priority: str
    team: str
    initiated_by: str
    created: int  # microseconds since start
    target_s: float  # first-response target
    next: str = ""  # the pending step: agent, note, customer, resolve or reopen
    agent_replies: int = 0  # public ones
    reopens: int = 0
    late: bool = False  # first public agent reply came after the target


class Tickets:
    def __init__(
        self, ctx: Context, customer: Callable[[], Customer], closed: Callable[[Ticket], None]
    ) -> None:
        self._ctx = ctx
        self._customer = customer
        # Told of each ticket resolved for good (the surveys that follow it), so that
        # tickets need not know who listens.
        self._closed = closed

    def create(self) -> Event:
        """A new ticket (or, past MAX_OPEN, the earliest pending step of an open one)."""
        ctx = self._ctx
        rng = ctx.rng
        if ctx.pending("tickets") >= MAX_OPEN:
            event = ctx.due("tickets", force=True)
            if event is not None:
                return event
        customer_id = self._customer().id
        if rng.random() < AGENT_INITIATED:  # outreach by customer success
            channel = "email" if rng.random() < 0.7 else "phone"
            priority = "normal" if rng.random() < 0.7 else "low"
            ticket = Ticket(
                ctx.new_id("tkt"), customer_id, channel, priority, "success", "agent",
                ctx.now, FRT_TARGET_S[priority],
            )  # fmt: skip
            if rng.random() < 0.6:
                self._plan(ticket, "customer", ctx.delay(4 * HOUR, 1.0))
            else:
                self._plan(ticket, "resolve", ctx.delay(24 * HOUR, 0.8))
        else:
            priority = PRIORITIES(rng)
            target = FRT_TARGET_S[priority]
            ticket = Ticket(
                ctx.new_id("tkt"), customer_id, CHANNELS(rng), priority, TEAMS(rng),
                "customer", ctx.now, target,
            )  # fmt: skip
            r = rng.random()
            if r < 0.1:
                self._plan(ticket, "note", ctx.delay(0.05 * target, 1.0))
            elif r < 0.16:  # the customer adds details before anyone answers
                self._plan(ticket, "customer", ctx.delay(0.1 * target, 1.0))
            else:
                self._plan(ticket, "agent", ctx.delay(0.2 * target, 1.0))
        return self._event("ticket.created", ticket)

    def _plan(self, ticket: Ticket, step: str, delay_s: float) -> None:
        ticket.next = step
        self._ctx.later("tickets", delay_s, self._advance, ticket)

    def _advance(self, ticket: Ticket) -> Event:
        ctx = self._ctx
        rng = ctx.rng
        step = ticket.next
        target = ticket.target_s
        if step == "agent":
            first = ticket.agent_replies == 0
            ticket.agent_replies += 1
            if first and ctx.now - ticket.created > target * US:
                ticket.late = True
            event = self._reply(ticket, "agent", True)
            r = rng.random()
            if ticket.agent_replies >= MAX_AGENT_REPLIES or r < (0.5 if first else 0.6):
                self._plan(ticket, "resolve", ctx.delay(HOUR, 1.2))
            elif r < 0.68:  # escalation: an internal note, then another answer
                self._plan(ticket, "note", ctx.delay(0.5 * HOUR, 1.0))
            else:
                self._plan(ticket, "customer", ctx.delay(3 * HOUR, 1.2))
        elif step == "note":
            event = self._reply(ticket, "agent", False)
            self._plan(ticket, "agent", ctx.delay(0.1 * target, 1.0))
        elif step == "customer":
            event = self._reply(ticket, "customer", True)
            if ticket.agent_replies == 0 and ticket.initiated_by == "customer":
                self._plan(ticket, "agent", ctx.delay(0.15 * target, 1.0))
            elif rng.random() < 0.12:
                self._plan(ticket, "note", ctx.delay(0.5 * HOUR, 1.0))
            else:
                self._plan(ticket, "agent", ctx.delay(0.1 * target, 1.0))
        elif step == "resolve":
            event = self._event("ticket.resolved", ticket)
            if ticket.reopens < MAX_REOPENS and rng.random() < REOPEN:
                self._plan(ticket, "reopen", ctx.delay(24 * HOUR, 1.0))
            else:
                self._closed(ticket)
        else:  # reopen: the customer writes back about a resolved ticket
            ticket.reopens += 1
            event = self._event("ticket.reopened", ticket)
            self._plan(ticket, "customer", ctx.delay(120.0, 0.5))
        return event

    def _reply(self, ticket: Ticket, author: str, public: bool) -> Event:
        event = self._event("ticket.replied", ticket)
        event["author"] = author
        event["public"] = public
        return event

    def _event(self, kind: str, ticket: Ticket) -> Event:
        """Every ticket event carries the ticket's attributes, like helpdesk webhooks."""
        event = self._ctx.event(kind, ticket.customer_id)
        event.update(
            {"ticket_id": ticket.id, "channel": ticket.channel, "priority": ticket.priority,
             "team": ticket.team, "initiated_by": ticket.initiated_by}
        )  # fmt: skip
        return event
