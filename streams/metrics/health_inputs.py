"""What the health score reads of each family's record of a customer.

`extract(family, domain, state, clock, config)` turns one family's customer state
into a small JSON-able value; the joined record keeps the latest value of each family
(replacing, never merging: re-extracting after a re-delivery writes the same value), and
`inputs()` joins them into `health.Inputs`. Anything that can no longer matter at any
clock from `clock` on (a user inactive for longer than the usage window) is left out.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from streams.metrics.eventtime import MICROS
from streams.metrics.health import HealthConfig, Inputs
from streams.metrics.payments import PaymentState
from streams.metrics.subscriptions import SubscriptionDomain, SubscriptionState
from streams.metrics.surveys import SurveyState
from streams.metrics.tickets import TicketDomain, TicketState
from streams.metrics.usage import NEVER_USED, UsageState

_FAILED = 1  # payments' outcome code of payment.failed
_OVERDUE_PART = 7  # TicketDomain.parts: (priority, first-response deadline) or None


def _subscriptions(domain: Any, state: SubscriptionState, clock: int, config: HealthConfig) -> list[Any]:
    assert isinstance(domain, SubscriptionDomain)
    counted = [sub for sub in state.subs.values() if sub[2] in domain.counted and not sub[5]]
    seats = sum(sub[6] for sub in counted)
    past_due = sum(1 for sub in counted if sub[2] == "past_due")
    ending = sum(1 for sub in counted if sub[4])
    return [state.mrr, seats, past_due, ending, state.first]


def _payments(domain: Any, state: PaymentState, clock: int, config: HealthConfig) -> list[int]:
    floor_ = clock - config.windows["billing"]
    return sorted(at for at, outcome, _ in state.history if outcome == _FAILED and at > floor_)


def _tickets(domain: Any, state: TicketState, clock: int, config: HealthConfig) -> list[Any]:
    assert isinstance(domain, TicketDomain)
    open_tickets = 0
    awaiting = []
    for ticket in state.tickets.values():
        if ticket.is_open():
            open_tickets += 1
        # the very rule of cs_tickets_first_response_overdue, so the two always agree
        overdue = domain.parts(ticket)[_OVERDUE_PART]
        if overdue is not None:
            assert ticket.created is not None
            awaiting.append([overdue[1], overdue[0], ticket.created // MICROS])
    return [open_tickets, sorted(awaiting)]


def _surveys(domain: Any, state: SurveyState, clock: int, config: HealthConfig) -> dict[str, list[int]]:
    return {
        survey: [at // MICROS, score]
        for survey, (at, score) in sorted(state.latest.items())
        if survey in ("nps", "csat")
    }


def _usage(domain: Any, state: UsageState, clock: int, config: HealthConfig) -> list[Any]:
    floor_ = clock - config.windows["usage"]
    active = sorted(user[1] for user in state.users.values() if user[1] > floor_)
    wanted = config.activation
    firsts = [
        first
        for feature, first in zip(state.features, state.firsts, strict=True)
        if not wanted or feature in wanted
    ]
    first_value = min(firsts, default=None)
    if first_value == NEVER_USED:  # an upgraded record: first uses unknown
        first_value = None
    return [active, first_value]


Extractor = Callable[[Any, Any, int, HealthConfig], Any]
#: The families the health score and time to value read, and how.
EXTRACTORS: dict[str, Extractor] = {
    "subscriptions": _subscriptions,
    "payments": _payments,
    "tickets": _tickets,
    "surveys": _surveys,
    "usage": _usage,
}


def extract(family: str, domain: Any, state: Any, clock: int, config: HealthConfig) -> Any:
    return EXTRACTORS[family](domain, state, clock, config)


def inputs(parts: Mapping[str, Any]) -> Inputs:
    """Join the families' latest extracts (absent: the family has nothing of this customer)."""
    out = Inputs()
    subs = parts.get("subscriptions")
    if subs is not None:
        out.mrr, out.seats, out.past_due, out.ending, out.first_subscription_us = subs
    out.failed = list(parts.get("payments", ()))
    tickets = parts.get("tickets")
    if tickets is not None:
        out.open_tickets = tickets[0]
        out.awaiting = [(deadline, priority, created) for deadline, priority, created in tickets[1]]
    out.latest = {survey: (at, score) for survey, (at, score) in parts.get("surveys", {}).items()}
    usage = parts.get("usage")
    if usage is not None:
        out.last_active, out.first_value_us = list(usage[0]), usage[1]
    return out
