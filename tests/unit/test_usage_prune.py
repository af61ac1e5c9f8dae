"""Pruning usage state forgets every (user, feature) last use older than the horizon, and only those.

The horizon is the oldest second a window can still see, so a last use at exactly the horizon
stays. A user's first and last activity are kept whatever their age (users are kept for ever).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from schemas.events import UsageEvent
from streams.metrics.usage import UsageDomain, UsageState

DOMAIN = UsageDomain()
AT = datetime(2026, 3, 2, tzinfo=UTC)
H = int(AT.timestamp())  # the horizon, in seconds
DAY = 86400


def used(state: UsageState, feature: str, at: datetime) -> None:
    event = UsageEvent(
        event_id=f"{feature}-{at.isoformat()}",
        type="product.used",
        occurred_at=at,
        customer_id="c1",
        user_id="u1",
        feature=feature,
    )
    DOMAIN.apply(state, event)


def pruned(state: UsageState) -> list[int]:
    DOMAIN.prune(state, H)
    return state.users["u1"].tolist()


def test_a_users_only_feature_is_forgotten_when_older_than_the_horizon() -> None:
    state = DOMAIN.new_state()
    used(state, "export", AT - timedelta(days=1))
    assert pruned(state) == [H - DAY, H - DAY]  # first, last; no feature left


def test_an_old_second_feature_goes_and_a_recent_first_one_stays() -> None:
    state = DOMAIN.new_state()
    used(state, "export", AT)
    used(state, "search", AT - timedelta(days=1))  # late: the user's first use moves back
    # [first, last, export (0), its last use]
    assert pruned(state) == [H - DAY, H, 0, H]


def test_a_last_use_at_the_horizon_stays() -> None:
    state = DOMAIN.new_state()
    used(state, "export", AT - timedelta(seconds=1))
    used(state, "search", AT)
    assert pruned(state) == [H - 1, H, 1, H]  # export (0) went, search (1) at the horizon stayed
