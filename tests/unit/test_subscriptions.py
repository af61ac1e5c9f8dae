"""SubscriptionDomain: CONTRACT 8 revenue vectors, MRR rules, statuses, order, FX."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from fractions import Fraction
from typing import Any

import orjson
import pytest

from schemas.events import SubscriptionEvent
from streams.metrics.aggregate import DEFAULT_WINDOWS, PartitionSums, read_all
from streams.metrics.base import Outcome, series
from streams.metrics.money import FxTable
from streams.metrics.subscriptions import SubscriptionDomain, SubscriptionState
from tests.factories import as_json, seconds
from tests.factories import subscription_event as ev
from tests.reference.common import differences
from tests.reference.revenue import Fx, subscription_reference

RATES = {"EUR": "1.08", "JPY": "0.0067"}
FX = FxTable("USD", RATES)
DOMAIN = SubscriptionDomain(FX)
SCALE = FX.money_scale
APRIL, MAY_END = datetime(2024, 4, 2, tzinfo=UTC), datetime(2024, 5, 31, 23, 59, 59, tzinfo=UTC)
MAY = {"may": 31 * 86400}  # a window that covers May at MAY_END (boundary error < 1.3 days)


class Run:
    """Replays events like the engine: per-customer states, summed deltas, clock."""

    def __init__(
        self,
        events: Sequence[SubscriptionEvent],
        domain: SubscriptionDomain = DOMAIN,
        clock: datetime | None = None,
        windows: Mapping[str, int] = DEFAULT_WINDOWS,
    ) -> None:
        self.states: dict[str, SubscriptionState] = {}
        self.outcomes: list[Outcome] = []
        sums = PartitionSums(windows)
        for event in events:
            state = self.states.setdefault(event.customer_id, domain.new_state())
            outcome, delta = domain.apply(state, event)
            self.outcomes.append(outcome)
            sums.add(delta)
            if outcome is Outcome.APPLIED:
                sums.advance(seconds(event.occurred_at))
        if clock is not None:
            sums.advance(seconds(clock))
        self.read = sums.read()
        rebuilt = read_all((domain.contributions(s) for s in self.states.values()), sums.clock, windows)
        assert self.read == rebuilt
        reference = subscription_reference(
            [as_json(e) for e in events], Fx(domain.fx.reporting, RATES), counted=domain.counted
        ).domain_only()
        assert differences(self.read, reference, windows, clock=sums.clock) == []
        if clock is None:  # the clock is the latest applied occurred_at
            assert sums.clock == reference.clock

    def get(self, name: str, **labels: str) -> int:
        return self.read.get(series(name, **labels), 0)

    def money(self, name: str, **labels: str) -> Fraction:
        """Exported value in reporting major units."""
        return Fraction(self.get(name, **labels), SCALE)

    def total_mrr(self) -> Fraction:
        return sum((Fraction(v, SCALE) for (n, _), v in self.read.items() if n == "cs_mrr"), Fraction())

    def moves(self, window: str) -> dict[str, Fraction]:
        return {
            k: self.money("cs_mrr_movement", kind=k, window=window)
            for k in ("new", "reactivation", "expansion", "contraction", "churn")
        }

    def customer_moves(self, kind: str, window: str) -> int:
        return self.get("cs_customer_movements", kind=kind, window=window)


def cents(value: Fraction) -> Fraction:
    return Fraction(round(value * 100), 100)


# CONTRACT 8.3 and the MRR formula: (amount, quantity, discount, interval, count) -> MRR.
@pytest.mark.parametrize(
    ("fields", "mrr"),
    [
        ({"amount_minor": 9000, "interval": "month", "interval_count": 3}, Fraction(30)),
        ({"amount_minor": 9000, "interval": "quarter"}, Fraction(30)),
        ({"amount_minor": 12000, "discount_minor": 1200, "interval": "year"}, Fraction(9)),
        ({"amount_minor": 10000, "quantity": 100}, Fraction(10000)),
        ({"amount_minor": 60000, "quantity": 50, "interval": "year"}, Fraction(2500)),
        ({"amount_minor": 100, "interval": "day"}, Fraction(365, 12)),
        ({"amount_minor": 1200, "interval": "week", "interval_count": 2}, Fraction(26)),
        ({"amount_minor": 500, "discount_minor": 900}, Fraction(0)),  # never negative
        ({"amount_minor": 500, "quantity": 0}, Fraction(0)),
        ({"amount_minor": 1000, "currency": "EUR"}, Fraction(108, 10)),
        ({"amount_minor": 1000, "currency": "JPY"}, Fraction(67, 10)),  # 1000 JPY
        ({"amount_minor": 12000, "currency": "JPY", "interval": "year"}, Fraction(67, 10)),
    ],
)
def test_mrr_formula(fields: dict[str, Any], mrr: Fraction) -> None:
    run = Run([ev(APRIL, "subscription.created", **fields)])
    assert abs(run.total_mrr() - mrr) <= Fraction(1, SCALE)  # rounded to a micro cent
    assert run.get("cs_customers_active") == (1 if mrr else 0)


def test_vector_3_portfolio_mrr() -> None:
    events = [ev(APRIL, customer=f"m{i}", amount_minor=10000) for i in range(100)]
    events += [ev(APRIL, customer=f"y{i}", amount_minor=60000, interval="year") for i in range(50)]
    run = Run(events)
    assert run.total_mrr() == 12500
    assert run.get("cs_customers_active") == 150
    assert run.get("cs_subscriptions_active", plan="pro") == 150


def test_vector_2_new_expansion_contraction() -> None:
    yearly = ev(
        APRIL,
        "subscription.created",
        sub="y",
        amount_minor=200000,
        quantity=4,
        interval="year",
        plan="team",
    )
    run = Run([yearly])
    assert cents(run.moves("30d")["new"]) == Fraction(66667, 100)
    monthly = ev(
        datetime(2024, 4, 3, tzinfo=UTC),
        "subscription.created",
        sub="m",
        amount_minor=6000,
        quantity=2,
        plan="seats",
    )
    run = Run([yearly, monthly])
    assert run.moves("30d")["expansion"] == 120
    removed = ev(
        datetime(2024, 4, 4, tzinfo=UTC),
        "subscription.canceled",
        sub="m",
        amount_minor=6000,
        quantity=2,
        plan="seats",
    )
    run = Run([yearly, monthly, removed])
    assert run.moves("30d")["contraction"] == 120
    assert run.money("cs_mrr_movement_total", kind="contraction") == 120
    assert run.money("cs_mrr", plan="seats") == 0
    assert run.get("cs_customer_movements_total", kind="new") == 1


def test_vector_1_customer_churn_rate() -> None:
    events = [ev(APRIL, "subscription.created", customer=f"c{i}") for i in range(1000)]
    events += [
        ev(datetime(2024, 5, 15, tzinfo=UTC), "subscription.created", customer=f"n{i}") for i in range(10)
    ]
    events += [
        ev(datetime(2024, 5, 10 + i % 20, tzinfo=UTC), "subscription.canceled", customer=f"c{i}")
        for i in range(64)
    ]
    run = Run(events, clock=MAY_END, windows=MAY)
    churned = run.customer_moves("churn", "may")
    start = (
        run.get("cs_customers_active")
        - run.customer_moves("new", "may")
        - run.customer_moves("reactivation", "may")
        + churned
    )
    assert (start, churned) == (1000, 64)
    assert Fraction(churned, start) == Fraction(64, 1000)  # 6.4 %


def test_vector_4_arpa_and_ltv() -> None:
    run = Run([ev(APRIL, customer=f"c{i}", amount_minor=d * 100) for i, d in enumerate([1, 1, 3, 5, 5])])
    assert run.total_mrr() / run.get("cs_customers_active") == 3
    events = [ev(APRIL, customer=f"c{i}", amount_minor=10000) for i in range(20)]
    events.append(ev(datetime(2024, 5, 20, tzinfo=UTC), "subscription.canceled", customer="c0"))
    run = Run(events, clock=MAY_END)
    active = run.get("cs_customers_active")
    churned = run.customer_moves("churn", "30d")
    churn_rate = Fraction(churned, active - run.customer_moves("new", "30d") + churned)
    arpa = run.total_mrr() / active
    assert (arpa, churn_rate, arpa / churn_rate) == (100, Fraction(5, 100), 2000)


def test_vector_5_gross_mrr_churn_and_nrr() -> None:
    start = [ev(APRIL, customer=c, amount_minor=d * 100) for c, d in [("a", 10), ("b", 20), ("c", 70)]]
    may = datetime(2024, 5, 20, tzinfo=UTC)
    moves = [
        ev(may, "subscription.canceled", customer="a", amount_minor=1000),
        ev(may, customer="b", amount_minor=1000),
        ev(may, customer="c", amount_minor=8000),
    ]
    run = Run(start + moves, clock=MAY_END)
    m = run.moves("30d")
    mrr_start = run.total_mrr() - (
        m["new"] + m["reactivation"] + m["expansion"] - m["contraction"] - m["churn"]
    )
    assert mrr_start == 100
    assert (m["churn"] + m["contraction"]) / mrr_start == Fraction(20, 100)
    assert (mrr_start + m["expansion"] - m["contraction"] - m["churn"]) / mrr_start == Fraction(90, 100)
    assert (mrr_start - m["contraction"] - m["churn"]) / mrr_start == Fraction(80, 100)
    assert m["expansion"] / mrr_start == Fraction(10, 100)


@pytest.mark.parametrize(
    ("status", "counted", "mrr"),
    [
        ("active", None, 10),
        ("past_due", None, 10),
        ("trialing", None, 0),
        ("paused", None, 0),
        ("canceled", None, 0),
        ("past_due", frozenset({"active"}), 0),
        ("trialing", frozenset({"active", "trialing"}), 10),
    ],
)
def test_statuses(status: str, counted: frozenset[str] | None, mrr: int) -> None:
    domain = DOMAIN if counted is None else SubscriptionDomain(FX, counted)
    run = Run([ev(APRIL, status=status)], domain=domain)
    assert run.total_mrr() == mrr
    assert run.get("cs_subscriptions_active", plan="pro") == (1 if mrr else 0)


def test_unknown_counted_status_is_rejected() -> None:
    with pytest.raises(ValueError, match="expired"):
        SubscriptionDomain(FX, frozenset({"active", "expired"}))


def test_trial_conversion_is_new_not_reactivation() -> None:
    run = Run(
        [
            ev(APRIL, "subscription.created", status="trialing"),
            ev(datetime(2024, 4, 16, tzinfo=UTC), status="active"),
        ]
    )
    assert run.get("cs_customer_movements_total", kind="new") == 1
    assert run.money("cs_mrr_movement_total", kind="new") == 10


def test_stale_event_changes_nothing_but_the_first_event_time() -> None:
    state = DOMAIN.new_state()
    DOMAIN.apply(state, ev(datetime(2024, 4, 5, tzinfo=UTC), amount_minor=2000))
    before = DOMAIN.dump(state)
    outcome, delta = DOMAIN.apply(state, ev(datetime(2024, 4, 4, tzinfo=UTC), amount_minor=9000))
    after = DOMAIN.dump(state)
    # time to value starts at the earliest subscription event: a late earlier one restates it
    assert after.pop("f") == int(datetime(2024, 4, 4, tzinfo=UTC).timestamp()) * 1_000_000
    assert before.pop("f") == int(datetime(2024, 4, 5, tzinfo=UTC).timestamp()) * 1_000_000
    assert (outcome, delta, after) == (Outcome.STALE, {}, before)


def test_equal_timestamps_later_arrival_wins() -> None:
    run = Run([ev(APRIL, amount_minor=2000), ev(APRIL, amount_minor=3000)])
    assert run.outcomes == [Outcome.APPLIED, Outcome.APPLIED]
    assert run.total_mrr() == 30


def test_canceled_contributes_nothing_and_stale_updates_after_it_are_ignored() -> None:
    events = [
        ev(APRIL, "subscription.created", cancel_at_period_end=True),
        ev(datetime(2024, 4, 20, tzinfo=UTC), "subscription.canceled", status="active"),
        ev(datetime(2024, 4, 10, tzinfo=UTC), amount_minor=5000),  # stale
        ev(datetime(2024, 4, 15, tzinfo=UTC), "subscription.canceled"),  # stale
    ]
    run = Run(events, clock=datetime(2024, 4, 20, 12, tzinfo=UTC))
    assert run.outcomes == [Outcome.APPLIED, Outcome.APPLIED, Outcome.STALE, Outcome.STALE]
    assert run.total_mrr() == 0
    assert run.get("cs_customers_active") == 0
    assert run.get("cs_mrr_scheduled_churn") == 0
    assert run.money("cs_mrr_movement_total", kind="churn") == 10
    assert run.get("cs_renewals", outcome="canceled", window="24h") == 1


def test_scheduled_churn_counts_mrr_set_to_cancel() -> None:
    run = Run(
        [
            ev(APRIL, sub="a", cancel_at_period_end=True),
            ev(APRIL, sub="b"),
            ev(APRIL, sub="c", status="trialing", cancel_at_period_end=True),
        ]
    )
    assert run.money("cs_mrr_scheduled_churn") == 10
    assert run.total_mrr() == 20


def test_reactivation_after_churn() -> None:
    events = [
        ev(APRIL, "subscription.created", sub="a"),
        ev(datetime(2024, 4, 10, tzinfo=UTC), "subscription.canceled", sub="a"),
        ev(datetime(2024, 4, 20, tzinfo=UTC), "subscription.created", sub="b", amount_minor=3000),
        ev(datetime(2024, 4, 25, tzinfo=UTC), "subscription.updated", sub="b", status="paused"),
        ev(datetime(2024, 4, 28, tzinfo=UTC), "subscription.updated", sub="a"),  # revived
    ]
    run = Run(events)
    assert run.get("cs_customer_movements_total", kind="new") == 1
    assert run.get("cs_customer_movements_total", kind="churn") == 2
    assert run.get("cs_customer_movements_total", kind="reactivation") == 2
    assert run.money("cs_mrr_movement_total", kind="reactivation") == 40
    assert run.total_mrr() == 10


def test_renewals_count_renewed_and_each_ending_once() -> None:
    events = [
        ev(APRIL, "subscription.created"),
        ev(datetime(2024, 4, 30, tzinfo=UTC), "subscription.renewed"),
        ev(datetime(2024, 5, 30, tzinfo=UTC), "subscription.canceled"),
        ev(datetime(2024, 5, 31, tzinfo=UTC), "subscription.canceled"),  # already ended
    ]
    run = Run(events)
    assert run.get("cs_renewals_total", outcome="renewed") == 1
    assert run.get("cs_renewals_total", outcome="canceled") == 1
    assert run.get("cs_renewals", outcome="renewed", window="30d") == 0  # 31 days ago
    assert run.get("cs_renewals", outcome="canceled", window="7d") == 1


def test_plan_change_moves_mrr_without_movement() -> None:
    run = Run([ev(APRIL, plan="basic"), ev(datetime(2024, 4, 3, tzinfo=UTC), plan="pro")])
    assert run.get("cs_mrr", plan="basic") == 0
    assert run.money("cs_mrr", plan="pro") == 10
    assert run.get("cs_subscriptions_active", plan="basic") == 0
    assert sum(run.moves("30d").values()) == 10  # only the new


def test_subscription_ids_are_scoped_to_their_customer() -> None:
    run = Run(
        [
            ev(APRIL, customer="x", sub="s"),
            ev(APRIL, customer="y", sub="s"),
            ev(datetime(2024, 4, 3, tzinfo=UTC), "subscription.canceled", customer="x", sub="s"),
        ]
    )
    assert run.get("cs_customers_active") == 1
    assert run.total_mrr() == 10


def test_unknown_currency_raises_key_error() -> None:
    with pytest.raises(KeyError, match="GBP"):
        DOMAIN.apply(DOMAIN.new_state(), ev(APRIL, currency="GBP"))


def test_scales_cover_money_series() -> None:
    assert DOMAIN.scales == dict.fromkeys(
        ["cs_mrr", "cs_mrr_movement", "cs_mrr_movement_total", "cs_mrr_scheduled_churn"], SCALE
    )


def test_dump_load_and_prune() -> None:
    state = DOMAIN.new_state()
    for event in [
        ev(APRIL, sub="a", cancel_at_period_end=True),
        ev(datetime(2024, 4, 20, tzinfo=UTC), sub="b", plan="basic"),
        ev(datetime(2024, 4, 25, tzinfo=UTC), "subscription.renewed", sub="b"),
    ]:
        DOMAIN.apply(state, event)
    data = orjson.loads(orjson.dumps(DOMAIN.dump(state)))
    loaded = DOMAIN.load(data)
    assert loaded == state
    assert DOMAIN.contributions(loaded) == DOMAIN.contributions(state)
    DOMAIN.prune(loaded, seconds(datetime(2024, 4, 10, tzinfo=UTC)))
    kept = DOMAIN.contributions(loaded)
    dropped = {k: v for k, v in DOMAIN.contributions(state).items() if k not in kept}
    assert dropped and all(isinstance(at, int) and at < seconds(APRIL) + 86400 for _, at in dropped)
    assert loaded.totals == state.totals
