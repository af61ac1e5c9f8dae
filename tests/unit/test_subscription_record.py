"""What a subscription's stored record says after a cancellation: status "canceled", whatever
status the cancellation event carried, no MRR, ended (the first fields of `subscriptions.Sub`)."""

from __future__ import annotations

from datetime import UTC, datetime

from streams.metrics.money import FxTable
from streams.metrics.subscriptions import SubscriptionDomain
from tests.factories import subscription_event as ev

DOMAIN = SubscriptionDomain(FxTable("USD", {}))
AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
US = int(AT.timestamp()) * 10**6


def test_a_canceled_subscription_is_stored_as_canceled() -> None:
    state = DOMAIN.new_state()
    DOMAIN.apply(state, ev(AT.replace(hour=8), "subscription.created"))
    DOMAIN.apply(state, ev(AT, "subscription.canceled", status="active"))
    # (occurred_at us, plan, status, MRR, cancel_at_period_end, ended, ...)
    assert state.subs["s1"][:6] == (US, "pro", "canceled", 0, False, True)
    assert DOMAIN.dump(state)["s"]["s1"][:6] == [US, "pro", "canceled", 0, 0, 1]
