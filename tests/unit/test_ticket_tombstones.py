"""Pruning keeps exactly the tombstones that `apply` still honours.

A retired ticket's tombstone (its last second) makes later events for it STALE while it is at
or after `horizon - tombstone_seconds`; prune may only forget the older ones (base.Domain).
"""

from __future__ import annotations

from datetime import UTC, datetime

from schemas.events import TicketEvent
from streams.metrics.base import Outcome
from streams.metrics.tickets import TicketDomain

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
HORIZON = int(T0.timestamp())
KEEP = 100  # tombstone_seconds
OLDEST = HORIZON - KEEP


def test_a_tombstone_at_the_oldest_second_is_kept_and_honoured() -> None:
    domain = TicketDomain(tombstone_seconds=KEEP)
    state = domain.new_state()
    state.tombstones.update({"t1": OLDEST, "t2": OLDEST - 1})
    domain.prune(state, HORIZON)
    assert state.tombstones == {"t1": OLDEST}
    event = TicketEvent.model_validate(
        {
            "event_id": "e1",
            "type": "ticket.created",
            "customer_id": "c1",
            "ticket_id": "t1",
            "occurred_at": T0,
            "channel": "email",
        }
    )
    assert domain.apply(state, event, HORIZON) == (Outcome.STALE, {})


def event(kind: str, seconds: int, **fields: str) -> TicketEvent:
    return TicketEvent.model_validate(
        {
            "event_id": f"{kind}-{seconds}",
            "type": f"ticket.{kind}",
            "customer_id": "c1",
            "ticket_id": "t1",
            "occurred_at": datetime.fromtimestamp(seconds, UTC),
            **fields,
        }
    )


def test_an_event_after_the_tombstone_aged_out_starts_a_new_ticket_without_prune() -> None:
    # resolved and quiet since OLDEST - 60: retired by this event's horizon, and its
    # tombstone (OLDEST - 60) already too old to honour, though prune never ran
    domain = TicketDomain(tombstone_seconds=KEEP)
    state = domain.new_state()
    domain.apply(state, event("created", OLDEST - 120, channel="email"))
    domain.apply(state, event("resolved", OLDEST - 60))
    outcome, _ = domain.apply(state, event("created", HORIZON, channel="email"), HORIZON)
    assert outcome is Outcome.APPLIED
    assert state.tombstones == {}
    assert state.tickets["t1"].created == HORIZON * 10**6
