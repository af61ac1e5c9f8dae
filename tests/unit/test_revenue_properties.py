"""Property tests: the revenue domains against the plain batch reference.

Streams are generated for a few customers, subscriptions, plans, currencies and
intervals, with event times drawn independently of arrival order (so stale events,
ties and revivals after a cancel all occur), and replayed the way the engine does.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, TypeVar

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schemas.events import PaymentEvent, SubscriptionEvent
from streams.metrics.aggregate import DEFAULT_WINDOWS, PartitionSums, bucket_size, read_all
from streams.metrics.base import Domain, Outcome, SeriesKey, series
from streams.metrics.money import FxTable
from streams.metrics.payments import PaymentDomain
from streams.metrics.subscriptions import SubscriptionDomain
from tests.reference.revenue import EPOCH, payment_series, seconds, subscription_series

FX = FxTable("USD", {"EUR": "1.08", "JPY": "0.0067", "KWD": "3.25"})
SUBS = SubscriptionDomain(FX)
PAYMENTS = PaymentDomain(FX)
BASE = 19675 * 86400  # a day boundary, so every window's buckets align with it
DAY = 86400
PROPERTY = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])

CUSTOMERS = st.sampled_from(["c0", "c1", "c2"])
CURRENCIES = st.sampled_from(["USD", "EUR", "JPY", "KWD"])
# How late an event arrives: most on time, some minutes, hours or weeks late.
DELAYS = st.sampled_from([0, 0, 0, 0, 0, 0, 60, 7200, 3 * DAY, 20 * DAY])

S = TypeVar("S")
Ev = TypeVar("Ev", SubscriptionEvent, PaymentEvent)


def moments(span: int) -> st.SearchStrategy[datetime]:
    offsets = st.one_of(st.integers(0, span), st.sampled_from([0, 1, span // 2, span]))
    micros = st.sampled_from([0, 0, 1, 500_000])
    return st.builds(lambda s, us: EPOCH + timedelta(seconds=BASE + s, microseconds=us), offsets, micros)


def arrival_order(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Mostly in event-time order; a row arrives `delay` seconds after it occurred."""
    rows = sorted(rows, key=lambda row: row["occurred_at"] + timedelta(seconds=row["delay"]))
    return [{k: v for k, v in row.items() if k != "delay"} for row in rows]


def subscription_streams(span: int = 40 * DAY) -> st.SearchStrategy[list[SubscriptionEvent]]:
    one = st.fixed_dictionaries(
        {
            "type": st.sampled_from(["created", "updated", "updated", "renewed", "canceled"]),
            "occurred_at": moments(span),
            "customer_id": CUSTOMERS,
            "subscription_id": st.sampled_from(["s0", "s1"]),
            "status": st.sampled_from(["active", "active", "past_due", "trialing", "paused"]),
            "plan": st.sampled_from(["basic", "pro", "team"]),
            "currency": CURRENCIES,
            "amount_minor": st.sampled_from([0, 1, 999, 4999, 120000]),
            "quantity": st.integers(0, 3),
            "discount_minor": st.sampled_from([0, 0, 500, 10**6]),
            "interval": st.sampled_from(["day", "week", "month", "quarter", "year"]),
            "interval_count": st.integers(1, 3),
            "cancel_at_period_end": st.booleans(),
            "delay": DELAYS,
        }
    )
    return st.lists(one, min_size=6, max_size=40).map(
        lambda rows: [
            SubscriptionEvent(**{**row, "type": f"subscription.{row['type']}", "event_id": f"e{i}"})
            for i, row in enumerate(arrival_order(rows))
        ]
    )


def payment_streams(span: int = 40 * DAY) -> st.SearchStrategy[list[PaymentEvent]]:
    one = st.fixed_dictionaries(
        {
            "type": st.sampled_from(["succeeded", "succeeded", "failed", "refunded"]),
            "occurred_at": moments(span),
            "customer_id": CUSTOMERS,
            "amount_minor": st.sampled_from([1, 333, 4999, 10**7]),
            "currency": CURRENCIES,
            "kind": st.sampled_from(["recurring", "one_time"]),
            "delay": DELAYS,
        }
    )
    return st.lists(one, min_size=6, max_size=40).map(
        lambda rows: [
            PaymentEvent(
                **{**row, "type": f"payment.{row['type']}", "event_id": f"p{i}"},
                payment_id=f"pay{i}",
            )
            for i, row in enumerate(arrival_order(rows))
        ]
    )


def replay(
    domain: Domain[S, Ev], events: Sequence[Ev], prune: bool = False
) -> tuple[dict[str, S], PartitionSums]:
    """The engine's loop: apply in arrival order, sum deltas, advance, maybe prune."""
    states: dict[str, S] = {}
    sums = PartitionSums()
    for event in events:
        state = states.setdefault(event.customer_id, domain.new_state())
        outcome, delta = domain.apply(state, event)
        if outcome is Outcome.STALE:
            assert delta == {}
        sums.add(delta)
        if outcome is Outcome.APPLIED:
            sums.advance(seconds(event.occurred_at))
        if prune:
            domain.prune(state, sums.horizon())
    return states, sums


def rebuilt(domain: Domain[S, Any], states: dict[str, S], clock: int) -> dict[SeriesKey, int]:
    return read_all((domain.contributions(s) for s in states.values()), clock)


def round_trip(domain: Domain[S, Any], states: dict[str, S]) -> dict[str, S]:
    out = {}
    for customer, state in states.items():
        data = orjson.loads(orjson.dumps(domain.dump(state)))
        out[customer] = domain.load(data)
        assert domain.dump(out[customer]) == data
    return out


@PROPERTY
@given(subscription_streams(), st.booleans())
def test_subscriptions_incremental_equals_rebuild_equals_reference(
    events: list[SubscriptionEvent], prune: bool
) -> None:
    states, sums = replay(SUBS, events, prune)
    expected = subscription_series(events, FX, clock=sums.clock)
    assert sums.read() == expected
    assert rebuilt(SUBS, states, sums.clock) == expected
    assert rebuilt(SUBS, round_trip(SUBS, states), sums.clock) == expected


@PROPERTY
@given(payment_streams(), st.booleans(), st.randoms(use_true_random=False))
def test_payments_incremental_equals_rebuild_equals_reference(
    events: list[PaymentEvent], prune: bool, rng: Any
) -> None:
    states, sums = replay(PAYMENTS, events, prune)
    expected = payment_series(events, FX, clock=sums.clock)
    assert sums.read() == expected
    assert rebuilt(PAYMENTS, states, sums.clock) == expected
    assert rebuilt(PAYMENTS, round_trip(PAYMENTS, states), sums.clock) == expected
    shuffled = list(events)
    rng.shuffle(shuffled)
    assert replay(PAYMENTS, shuffled)[1].read() == expected


@PROPERTY
@given(subscription_streams(span=3599))
def test_mrr_change_equals_net_movements_within_one_window(
    events: list[SubscriptionEvent],
) -> None:
    _, sums = replay(SUBS, events)
    read = sums.read()
    mrr = sum(v for (name, _), v in read.items() if name == "cs_mrr")

    def net(name: str, **labels: str) -> int:
        signs = {"new": 1, "reactivation": 1, "expansion": 1, "contraction": -1, "churn": -1}
        return sum(sign * read.get(series(name, kind=k, **labels), 0) for k, sign in signs.items())

    assert mrr == net("cs_mrr_movement_total")
    for window in DEFAULT_WINDOWS:
        assert mrr == net("cs_mrr_movement", window=window)


@PROPERTY
@given(subscription_streams())
def test_mrr_never_negative_and_active_customers_have_mrr(
    events: list[SubscriptionEvent],
) -> None:
    states: dict[str, Any] = {}
    sums = PartitionSums()
    active = series("cs_customers_active")
    for event in events:
        state = states.setdefault(event.customer_id, SUBS.new_state())
        sums.add(SUBS.apply(state, event)[1])
        read = sums.read()
        assert all(v > 0 for (name, _), v in read.items() if name == "cs_mrr")
        paying = 0
        for s in states.values():
            own = sum(v for ((name, _), _), v in SUBS.contributions(s).items() if name == "cs_mrr")
            assert own >= 0
            paying += own > 0
        assert read.get(active, 0) == paying


def _window_starts(clock: int) -> dict[str, int]:
    return {
        name: ((clock - width) // bucket_size(width) + 1) * bucket_size(width)
        for name, width in DEFAULT_WINDOWS.items()
    }


def _check_prune(domain: Domain[Any, Any], states: dict[str, Any], clock: int, offset: int) -> None:
    horizon = BASE + offset
    pruned = round_trip(domain, states)
    for state in pruned.values():
        domain.prune(state, horizon)
    before, after = rebuilt(domain, states, clock), rebuilt(domain, pruned, clock)
    kept = {name for name, start in _window_starts(clock).items() if start >= horizon}

    def visible(read: dict[SeriesKey, int]) -> dict[SeriesKey, int]:
        return {k: v for k, v in read.items() if dict(k[1]).get("window", "all") in kept | {"all"}}

    assert visible(after) == visible(before)
    for contribs in map(domain.contributions, pruned.values()):
        assert all(not isinstance(at, int) or at >= horizon for _, at in contribs)


@PROPERTY
@given(subscription_streams(), payment_streams(), st.integers(0, 40 * DAY))
def test_prune_keeps_all_time_series_and_later_windows(
    subscriptions: list[SubscriptionEvent], payments: list[PaymentEvent], offset: int
) -> None:
    customers, sums = replay(SUBS, subscriptions)
    _check_prune(SUBS, customers, sums.clock, offset)
    payers, sums = replay(PAYMENTS, payments)
    _check_prune(PAYMENTS, payers, sums.clock, offset)
