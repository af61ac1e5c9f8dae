"""A first-response deadline is a whole second: the creation time plus the target, rounded up.

`Due.deadline` is epoch seconds (an int); a ticket created half-way through a second is overdue
from the next whole second after creation + target, never at a fraction of one.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from schemas.events import TicketEvent
from streams.metrics.base import Due, slot
from streams.metrics.tickets import TicketDomain

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
S0 = int(T0.timestamp())


def test_the_deadline_of_a_ticket_created_mid_second_is_the_next_whole_second() -> None:
    domain = TicketDomain()  # urgent: first response within 3600 s
    created = TicketEvent.model_validate(
        {
            "event_id": "e1",
            "type": "ticket.created",
            "customer_id": "c1",
            "ticket_id": "t1",
            "occurred_at": T0 + timedelta(seconds=0.5),
            "channel": "email",
            "priority": "urgent",
        }
    )
    _, delta = domain.apply(domain.new_state(), created)
    key = slot("cs_tickets_first_response_overdue", priority="urgent")
    due = [at for (k, at) in delta if k == key]
    assert due == [Due(S0 + 3601)]  # 0.5 s + 3600 s, rounded up
    assert isinstance(due[0].deadline, int)
