"""Property tests: the costs and growth families against their plain batch references.

Histories are drawn for a few customers and ids with event times independent of the
arrival order (ties, late earlier events, repeats of an outcome), then fed through the
offline engine in a random arrival order and cut into random batches. All-time series
must equal tests/reference exactly; windowed ones must lie within the reference's
one-bucket tolerance (CONTRACT 5).
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from typing import Any

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from streams.engine.messages import Message
from streams.engine.offline import OfflineRun
from streams.settings import load_settings
from tests.reference.costs import Bounds, Exact, cost_series
from tests.reference.growth import growth_series

RATES = {"EUR": "1.0812345678", "JPY": "0.00671234567", "KWD": "3.25"}  # some round per cost
START = datetime(2026, 3, 1, tzinfo=UTC)
PROPERTY = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
PREFIXES = {"costs": ("cs_cost_amount",), "growth": ("cs_referrals", "cs_referring_customers", "cs_offers")}

# Offsets: mostly within a day, some weeks apart, some on the very same second.
OFFSETS = st.one_of(
    st.integers(0, 86400), st.sampled_from([0, 1, 3600, 7 * 86400, 29 * 86400, 31 * 86400, 45 * 86400])
)
STAMPS = st.builds(
    lambda s, us: (START + timedelta(seconds=s, microseconds=us)).isoformat(),
    OFFSETS,
    st.sampled_from([0, 0, 1, 500_000]),
)
CUSTOMERS = st.sampled_from(["c0", "c1", "c2"])


@st.composite
def cost_bodies(draw: st.DrawFn) -> dict[str, Any]:
    currency = draw(st.sampled_from(["USD", "EUR", "JPY", "KWD"]))
    body = {
        "type": "cost.incurred", "occurred_at": draw(STAMPS), "customer_id": draw(CUSTOMERS),
        "category": draw(st.sampled_from(["acquisition", "retention"])),
        "amount_minor": draw(st.integers(1, 10**7)), "currency": currency,
    }
    if draw(st.booleans()):
        body["channel"] = draw(st.sampled_from(["paid_search", "csm_team"]))
    return body


@st.composite
def growth_bodies(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from(["referral.sent", "referral.converted", "offer.presented",
                                 "offer.accepted", "offer.declined"]))
    body: dict[str, Any] = {"type": kind, "occurred_at": draw(STAMPS), "customer_id": draw(CUSTOMERS)}
    if kind.startswith("referral."):
        body["referral_id"] = draw(st.sampled_from(["r1", "r2", "r3"]))
        if kind == "referral.converted":
            body["referred_customer_id"] = draw(st.sampled_from(["n1", "n2"]))
    else:
        body["offer_id"] = draw(st.sampled_from(["o1", "o2", "o3"]))
        body["kind"] = draw(st.sampled_from(["upsell", "cross_sell"]))
    return body


def _feed(family: str, bodies: list[dict[str, Any]], order: list[int], cuts: list[int]) -> dict[str, float]:
    """The family's series after feeding `bodies` in `order`, batches ending at `cuts`."""
    env = {"CSPULSE_PARTITIONS": "1", "CSPULSE_FX_RATES": orjson.dumps(RATES).decode()}
    run = OfflineRun(load_settings(env), now=datetime(2027, 1, 1, tzinfo=UTC))
    values = [orjson.dumps({**bodies[i], "event_id": f"e{i}"}) for i in order]
    topic = run.settings.family_topics[family]
    messages = [Message(topic, 0, n, None, v) for n, v in enumerate(values)]
    for lo, hi in itertools.pairwise([0, *sorted(set(cuts)), len(messages)]):
        if hi > lo:
            run.feed_partition(family, 0, messages[lo:hi])
    return {k: v for k, v in run.series().items() if k.startswith(PREFIXES[family])}


def _check(got: dict[str, float], totals: Exact, windows: Bounds) -> None:
    expected_keys = set(totals) | {k for k, (_, high) in windows.items() if high}
    assert set(got) <= expected_keys, set(got) - expected_keys
    for key, value in totals.items():
        assert got.get(key) == float(value), key
    for key, (low, high) in windows.items():
        assert float(low) <= got.get(key, 0.0) <= float(high), (key, got.get(key), low, high)


def _order_and_cuts(draw: st.DrawFn, n: int) -> tuple[list[int], list[int]]:
    order = draw(st.permutations(range(n)))
    cuts = draw(st.lists(st.integers(1, max(1, n - 1)), max_size=n))
    return list(order), cuts


@PROPERTY
@given(data=st.data(), bodies=st.lists(cost_bodies(), min_size=1, max_size=25))
def test_costs_equal_the_reference_in_any_order_and_batching(
    data: st.DataObject, bodies: list[dict[str, Any]]
) -> None:
    order, cuts = _order_and_cuts(data.draw, len(bodies))
    totals, windows = cost_series(bodies, RATES)
    _check(_feed("costs", bodies, order, cuts), totals, windows)


@PROPERTY
@given(data=st.data(), bodies=st.lists(growth_bodies(), min_size=1, max_size=30))
def test_growth_equals_the_reference_in_any_order_and_batching(
    data: st.DataObject, bodies: list[dict[str, Any]]
) -> None:
    order, cuts = _order_and_cuts(data.draw, len(bodies))
    totals, windows = growth_series(bodies)
    _check(_feed("growth", bodies, order, cuts), totals, windows)


def test_the_reference_tolerance_is_one_bucket_not_more() -> None:
    # One cost 23.5h before another: in 24h exactly, and the bucketed read agrees.
    bodies = [
        {"type": "cost.incurred", "occurred_at": START.isoformat(), "customer_id": "c0",
         "category": "acquisition", "amount_minor": 100, "currency": "USD"},
        {"type": "cost.incurred", "occurred_at": (START + timedelta(hours=23, minutes=30)).isoformat(),
         "customer_id": "c0", "category": "acquisition", "amount_minor": 250, "currency": "USD"},
    ]
    totals, windows = cost_series(bodies, RATES)
    assert totals == {'cs_cost_amount_total{category="acquisition"}': Fraction(7, 2)}
    assert windows['cs_cost_amount{category="acquisition",window="24h"}'] == (Fraction(5, 2), Fraction(7, 2))
    assert windows['cs_cost_amount{category="acquisition",window="1h"}'] == (Fraction(5, 2), Fraction(5, 2))
    got = _feed("costs", bodies, [1, 0], [1])
    _check(got, totals, windows)
