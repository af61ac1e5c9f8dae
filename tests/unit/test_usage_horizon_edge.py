"""A use at exactly the horizon is still seen by a window, so it gets its (user, feature) entry.

The horizon is the oldest second a window can still see (`base.since` keeps `at >= horizon`);
only a use older than that adds no feature entry (test_usage.py).
"""

from __future__ import annotations

from datetime import UTC, datetime

from schemas.events import UsageEvent
from streams.metrics.base import slot_of
from streams.metrics.usage import UsageDomain

DOMAIN = UsageDomain()
AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
H = int(AT.timestamp())


def test_a_use_at_the_horizon_adds_its_feature_entry() -> None:
    state = DOMAIN.new_state()
    event = UsageEvent(
        event_id="e1", type="product.used", occurred_at=AT, customer_id="c1", user_id="u1", feature="export"
    )
    _, delta = DOMAIN.apply(state, event, H)
    assert state.users["u1"].tolist() == [H, H, 0, H]
    assert delta[(slot_of(("cs_feature_users", (("feature", "export"),))), H)] == 1
