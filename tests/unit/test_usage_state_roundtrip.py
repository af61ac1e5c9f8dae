"""A usage record's state survives a dump/load round trip, the fresh state included.

`load` is the inverse of `dump` (base.Domain): a loaded state must behave as the one dumped,
also before the customer's first event (no users, no latest activity yet).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from schemas.events import UsageEvent
from streams.metrics.usage import UsageDomain, UsageState

DOMAIN = UsageDomain()
AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def used(user: str, feature: str) -> UsageEvent:
    return UsageEvent(
        event_id=f"{user}-{feature}",
        type="product.used",
        occurred_at=AT,
        customer_id="c1",
        user_id=user,
        feature=feature,
    )


def round_trip(state: UsageState) -> UsageState:
    return DOMAIN.load(json.loads(json.dumps(DOMAIN.dump(state))))


def test_a_fresh_state_loads_as_a_fresh_state() -> None:
    loaded = round_trip(DOMAIN.new_state())
    assert loaded == DOMAIN.new_state()
    assert DOMAIN.contributions(loaded) == {}
    event = used("u1", "export")
    assert DOMAIN.apply(loaded, event) == DOMAIN.apply(DOMAIN.new_state(), event)


def test_a_used_state_loads_with_its_latest_activity() -> None:
    state = DOMAIN.new_state()
    DOMAIN.apply(state, used("u1", "export"))
    loaded = round_trip(state)
    assert loaded == state
    assert DOMAIN.contributions(loaded) == DOMAIN.contributions(state)
