"""PaymentDomain: counts, amounts, paying customers, CLV arithmetic, FX, order."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from fractions import Fraction

import orjson
import pytest

from schemas.events import PaymentEvent
from streams.metrics.aggregate import DEFAULT_WINDOWS, PartitionSums, read_all
from streams.metrics.base import Outcome, SeriesKey, series
from streams.metrics.money import FxTable
from streams.metrics.payments import PaymentDomain, PaymentState
from tests.factories import as_json, seconds
from tests.factories import payment_event as pay
from tests.reference.common import differences
from tests.reference.revenue import Fx, payment_reference

RATES = {"EUR": "1.08", "JPY": "0.0067"}
FX = FxTable("USD", RATES)
DOMAIN = PaymentDomain(FX)
SCALE = FX.money_scale
NOW = datetime(2024, 5, 31, 12, tzinfo=UTC)


def run(
    events: Sequence[PaymentEvent], windows: Mapping[str, int] = DEFAULT_WINDOWS
) -> tuple[dict[SeriesKey, int], dict[str, PaymentState]]:
    states: dict[str, PaymentState] = {}
    sums = PartitionSums(windows)
    for event in events:
        state = states.setdefault(event.customer_id, DOMAIN.new_state())
        outcome, delta = DOMAIN.apply(state, event)
        assert outcome is Outcome.APPLIED
        sums.add(delta)
        sums.advance(seconds(event.occurred_at))
    read = sums.read()
    assert read == read_all((DOMAIN.contributions(s) for s in states.values()), sums.clock, windows)
    reference = payment_reference([as_json(e) for e in events], Fx("USD", RATES)).domain_only()
    assert differences(read, reference, windows) == []
    assert sums.clock == reference.clock
    return read, states


def get(read: Mapping[SeriesKey, int], name: str, **labels: str) -> int:
    return read.get(series(name, **labels), 0)


def test_counts_and_amounts_by_outcome_and_kind() -> None:
    read, _ = run(
        [
            pay(NOW - timedelta(hours=2), amount_minor=4999),
            pay(NOW - timedelta(minutes=5), "payment.failed", amount_minor=4999),
            pay(NOW, "payment.refunded", amount_minor=1000, kind="one_time"),
        ]
    )
    assert get(read, "cs_payments_total", outcome="succeeded", kind="recurring") == 1
    assert get(read, "cs_payment_amount_total", outcome="succeeded", kind="recurring") == (4999 * 10**6)
    assert get(read, "cs_payments_total", outcome="refunded", kind="one_time") == 1
    assert get(read, "cs_payments", outcome="succeeded", window="1h") == 0  # 2 hours ago
    assert get(read, "cs_payments", outcome="succeeded", window="24h") == 1
    assert get(read, "cs_payment_amount", outcome="failed", window="1h") == 4999 * 10**6
    assert Fraction(get(read, "cs_payment_amount", outcome="refunded", window="1h"), SCALE) == 10


@pytest.mark.parametrize(
    ("currency", "amount", "usd"),
    [("EUR", 1000, Fraction(1080, 100)), ("JPY", 1000, Fraction(670, 100)), ("USD", 1, Fraction(1, 100))],
)
def test_fx_conversion(currency: str, amount: int, usd: Fraction) -> None:
    read, _ = run([pay(NOW, amount_minor=amount, currency=currency)])
    assert Fraction(get(read, "cs_payment_amount", outcome="succeeded", window="1h"), SCALE) == usd


def test_paying_customers_count_succeeded_payments_only() -> None:
    read, _ = run(
        [
            pay(NOW, customer="one"),
            pay(NOW, customer="one", type="payment.refunded"),  # still paid once
            pay(NOW, customer="two"),
            pay(NOW - timedelta(days=90), customer="two", kind="one_time"),
            pay(NOW, customer="none", type="payment.failed"),
        ]
    )
    assert get(read, "cs_paying_customers", min_payments="1") == 2
    assert get(read, "cs_paying_customers", min_payments="2") == 1


def test_rates_from_series() -> None:
    """Failed payment rate, average purchase value, repeat purchase rate (CONTRACT 6)."""
    events = [
        pay(NOW - timedelta(days=d), customer=f"c{d % 4}", amount_minor=2000 + 1000 * (d % 3))
        for d in range(1, 13)
    ]
    events += [pay(NOW - timedelta(days=d), "payment.failed", customer="c9") for d in (2, 3, 4, 5)]
    read, _ = run(events)
    ok, failed = (get(read, "cs_payments", outcome=o, window="30d") for o in ("succeeded", "failed"))
    assert Fraction(failed, ok + failed) == Fraction(4, 16)
    amount = Fraction(get(read, "cs_payment_amount", outcome="succeeded", window="30d"), SCALE)
    assert amount / ok == 30  # (20 + 30 + 40) * 4 / 12
    repeat = Fraction(*(get(read, "cs_paying_customers", min_payments=m) for m in ("2", "1")))
    assert repeat == 1


def test_vector_8_clv_purchase_model() -> None:
    """50.00 per purchase x 3 purchases a month x 24 months -> 3600.00."""
    events = [
        pay(NOW - timedelta(days=d), customer=c, amount_minor=5000) for c in ("a", "b") for d in (1, 10, 20)
    ]
    read, _ = run(events)
    count = get(read, "cs_payments", outcome="succeeded", window="30d")
    amount = Fraction(get(read, "cs_payment_amount", outcome="succeeded", window="30d"), SCALE)
    average_purchase = amount / count
    purchases_per_month = Fraction(count, get(read, "cs_paying_customers", min_payments="1"))
    assert (average_purchase, purchases_per_month) == (50, 3)
    assert average_purchase * purchases_per_month * 24 == 3600


def test_arrival_order_does_not_matter() -> None:
    events = [
        pay(NOW - timedelta(hours=h), type=t, customer=c)
        for h in range(0, 72, 5)
        for t in ("payment.succeeded", "payment.failed")
        for c in ("a", "b")
    ]
    shuffled = list(events)
    random.Random(7).shuffle(shuffled)
    assert run(events)[0] == run(shuffled)[0]


def test_dump_load_and_prune() -> None:
    _, states = run([pay(NOW - timedelta(days=d)) for d in (0, 1, 40)])
    state = states["c1"]
    loaded = DOMAIN.load(orjson.loads(orjson.dumps(DOMAIN.dump(state))))
    assert loaded == state
    DOMAIN.prune(loaded, seconds(NOW - timedelta(days=30)))
    assert len(loaded.history) == 2
    kept, full = DOMAIN.contributions(loaded), DOMAIN.contributions(state)
    assert {k: v for k, v in full.items() if k[1] is None} == {k: v for k, v in kept.items() if k[1] is None}


def test_unknown_currency_raises_key_error() -> None:
    with pytest.raises(KeyError, match="GBP"):
        DOMAIN.apply(DOMAIN.new_state(), pay(NOW, currency="GBP"))


def test_scales() -> None:
    assert DOMAIN.family == "payments"
    assert DOMAIN.scales == {"cs_payment_amount_total": SCALE, "cs_payment_amount": SCALE}
