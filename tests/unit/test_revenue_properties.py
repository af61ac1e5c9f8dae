"""Property tests: the revenue families against the independent batch reference.

Two levels. Through the engine step (`FamilyProcessor`): raw records with exact
duplicates (also of stale events and past the dedupe horizon), bad records, batch
cuts, late arrivals and times on window, bucket and horizon edges, compared with
tests/reference/revenue.py (clock, every series, windows by definition), live and
after a rebuild from the store. At the domain level: the MRR identity, MRR never
negative, and pruning keeps what a read can see.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import timedelta
from typing import Any, TypeVar

import orjson
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from schemas.events import PaymentEvent, SubscriptionEvent
from streams.metrics.aggregate import DEFAULT_WINDOWS, PartitionSums, bucket_size, read_all
from streams.metrics.base import Domain, Outcome, SeriesKey, key_of, series
from streams.metrics.money import FxTable
from streams.metrics.payments import PaymentDomain
from streams.metrics.subscriptions import SubscriptionDomain
from tests.factories import seconds
from tests.reference.common import Record
from tests.reference.revenue import Fx, payment_reference, subscription_reference
from tests.unit import edges
from tests.unit.edges import BASE, BASE_SECONDS, DAY, DELAYS, arrival_order, cuts, mixed, moments, stamp

RATES = {"EUR": "1.08", "JPY": "0.0067", "KWD": "3.25"}
FX = FxTable("USD", RATES)
REFERENCE_FX = Fx("USD", RATES)
ENV = edges.engine_env(CSPULSE_FX_RATES=json.dumps(RATES))
SUBS = SubscriptionDomain(FX)
PAYMENTS = PaymentDomain(FX)
PROPERTY = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
EDGES = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])

CUSTOMERS = st.sampled_from(["c0", "c1", "c2"])
CURRENCIES = st.sampled_from(["USD", "EUR", "JPY", "KWD"])

S = TypeVar("S")
Ev = TypeVar("Ev", SubscriptionEvent, PaymentEvent)
Stream = tuple[list[tuple[Record, bytes]], list[int]]


def subscription_row(span: int) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {
            "type": st.sampled_from(["created", "updated", "updated", "renewed", "canceled"]).map(
                lambda t: f"subscription.{t}"
            ),
            "occurred_at": moments(span).map(stamp),
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
        }
    )


def payment_row(span: int) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {
            "type": st.sampled_from(["succeeded", "succeeded", "failed", "refunded"]).map(
                lambda t: f"payment.{t}"
            ),
            "occurred_at": moments(span).map(stamp),
            "customer_id": CUSTOMERS,
            "amount_minor": st.sampled_from([1, 333, 4999, 10**7]),
            "currency": CURRENCIES,
            "kind": st.sampled_from(["recurring", "one_time"]),
        }
    )


@st.composite
def raw_streams(draw: st.DrawFn, family: str, span: int = 45 * DAY) -> Stream:
    """Rows with ids, arriving late or on time, then duplicates, bad records, batches."""
    row = subscription_row(span) if family == "subscriptions" else payment_row(span)
    rows = draw(st.lists(row, min_size=4, max_size=40))
    rows = [{**r, "event_id": f"e{i}"} for i, r in enumerate(rows)]
    if family == "payments":
        rows = [{**r, "payment_id": f"pay{i}"} for i, r in enumerate(rows)]
    delays = draw(st.lists(st.sampled_from(DELAYS), min_size=len(rows), max_size=len(rows)))
    records = draw(mixed(arrival_order(rows, delays), family))
    return records, draw(cuts(len(records)))


def _at(days: float = 0, seconds: int = 0, us: int = 0) -> str:
    return stamp(BASE + timedelta(days=days, seconds=seconds, microseconds=us))


def _sub(event_id: str, at: str, sub: str = "s0", **fields: Any) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "type": "subscription.updated",
        "occurred_at": at,
        "customer_id": "c0",
        "subscription_id": sub,
        "status": "active",
        "plan": "pro",
        "currency": "USD",
        "amount_minor": 1000,
        "interval": "month",
        **fields,
    }


def _pay(event_id: str, at: str, **fields: Any) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "type": "payment.succeeded",
        "occurred_at": at,
        "customer_id": "c0",
        "payment_id": f"pay-{event_id}",
        "amount_minor": 1000,
        "currency": "USD",
        "kind": "recurring",
        **fields,
    }


def _records(*rows: dict[str, Any]) -> list[tuple[Record, bytes]]:
    return [(row, orjson.dumps(row)) for row in rows]


# a late event for another subscription must not move the clock back
LATE_EVENT: Stream = (
    _records(_sub("a", _at(10), "s0"), _sub("b", _at(2), "s1", quantity=2)),
    [],
)
# the 30d window's oldest visible bucket starts exactly at the `new` movement: prune
# must keep it (>= the horizon) while it drops the older renewal, or a rebuilt worker
# loses it
AT_PRUNE_HORIZON: Stream = (
    _records(
        _sub("z", _at(-1), "s2", type="subscription.renewed", status="trialing"),
        _sub("a", _at(0)),
        _sub("b", _at(30, seconds=-1), "s1", plan="team"),
    ),
    [],
)
# a duplicate of an event that was stale when it first came is still a duplicate
DUPLICATE_OF_STALE: Stream = (
    _records(_sub("a", _at(1)), _sub("b", _at(0), quantity=3), _sub("b", _at(0), quantity=3)),
    [],
)
# within one batch the clock passes the first copy's horizon: the copy is new again
PAST_DEDUPE_HORIZON: Stream = (
    _records(_pay("a", _at(0)), _pay("b", _at(7, seconds=1)), _pay("a", _at(0))),
    [],
)
# the first copy is exactly at the dedupe horizon: still a duplicate
AT_DEDUPE_HORIZON: Stream = (
    _records(_pay("a", _at(0, us=999_999)), _pay("b", _at(7)), _pay("a", _at(0, us=999_999))),
    [2],
)


def _expected_subscriptions(records: Sequence[tuple[Record, bytes]]) -> Any:
    return subscription_reference([r for r, _ in records], REFERENCE_FX)


@EDGES
@given(raw_streams("subscriptions"))
@example(LATE_EVENT)
@example(AT_PRUNE_HORIZON)
@example(DUPLICATE_OF_STALE)
def test_subscription_stream_through_the_engine_matches_the_reference(stream: Stream) -> None:
    records, batch_cuts = stream
    expected = _expected_subscriptions(records)
    edges.check("subscriptions", records, batch_cuts, ENV, expected)


@EDGES
@given(raw_streams("payments"))
@example(PAST_DEDUPE_HORIZON)
@example(AT_DEDUPE_HORIZON)
def test_payment_stream_through_the_engine_matches_the_reference(stream: Stream) -> None:
    records, batch_cuts = stream
    expected = payment_reference([r for r, _ in records], REFERENCE_FX)
    edges.check("payments", records, batch_cuts, ENV, expected)


def test_pinned_streams_are_the_edges_they_claim() -> None:
    """The @examples above exercise what they are named for (guards their setup)."""
    out = _expected_subscriptions(LATE_EVENT[0])
    assert out.clock == seconds(BASE) + 10 * DAY
    out = _expected_subscriptions(AT_PRUNE_HORIZON[0])
    assert ((out.clock - 30 * DAY) // 108000 + 1) * 108000 == BASE_SECONDS  # the first event's
    assert out.between(out.clock - 30 * DAY, out.clock + 1)[("cs_mrr_movement", (("kind", "new"),))] > 0
    out = _expected_subscriptions(DUPLICATE_OF_STALE[0])
    assert out.now()[("cs_events_total", (("outcome", "duplicate"), ("topic", "cs.subscriptions")))] == 1
    assert out.now()[("cs_events_total", (("outcome", "stale"), ("topic", "cs.subscriptions")))] == 1
    pays = payment_reference([r for r, _ in PAST_DEDUPE_HORIZON[0]], REFERENCE_FX).now()
    assert pays[("cs_payments_total", (("kind", "recurring"), ("outcome", "succeeded")))] == 3
    pays = payment_reference([r for r, _ in AT_DEDUPE_HORIZON[0]], REFERENCE_FX).now()
    assert pays[("cs_payments_total", (("kind", "recurring"), ("outcome", "succeeded")))] == 2


# -- domain level -----------------------------------------------------------------------


def subscription_streams(span: int = 40 * DAY) -> st.SearchStrategy[list[SubscriptionEvent]]:
    return st.lists(subscription_row(span), min_size=6, max_size=40).map(
        lambda rows: [SubscriptionEvent(**{**row, "event_id": f"e{i}"}) for i, row in enumerate(rows)]
    )


def payment_streams(span: int = 40 * DAY) -> st.SearchStrategy[list[PaymentEvent]]:
    return st.lists(payment_row(span), min_size=6, max_size=40).map(
        lambda rows: [
            PaymentEvent(**{**row, "event_id": f"p{i}", "payment_id": f"pay{i}"})
            for i, row in enumerate(rows)
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
            own = sum(v for (k, _), v in SUBS.contributions(s).items() if key_of(k)[0] == "cs_mrr")
            assert own >= 0
            paying += own > 0
        assert read.get(active, 0) == paying


def _window_starts(clock: int) -> dict[str, int]:
    return {
        name: ((clock - width) // bucket_size(width) + 1) * bucket_size(width)
        for name, width in DEFAULT_WINDOWS.items()
    }


def _check_prune(domain: Domain[Any, Any], states: dict[str, Any], clock: int, offset: int) -> None:
    horizon = BASE_SECONDS + offset
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
