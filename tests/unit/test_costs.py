"""CostDomain, the cost and growth events at the decoder, vector 10 and the report rows."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson
import pytest

from schemas.decode import Decoder, Rejection
from schemas.events import CostEvent
from streams.engine.offline import OfflineRun
from streams.metrics.aggregate import PartitionSums, read_all
from streams.metrics.costs import CostDomain
from streams.metrics.eventtime import seconds
from streams.metrics.money import FxTable
from streams.metrics.ratios import headline
from streams.metrics.readout import flat_name
from streams.settings import load_settings
from streams.worker.topics import all_topics
from tests.factories import event, raw

FX = FxTable("USD", {"EUR": "1.08", "JPY": "0.0067"})
DOMAIN = CostDomain(FX)
NOW = datetime(2026, 6, 2, tzinfo=UTC)
DAY = 24 * 60  # minutes
WINDOWS = ["1h", "24h", "7d", "30d"]


def cost(minutes: float = 0, customer: str = "campaign_1", **fields: Any) -> dict[str, Any]:
    return event("cost.incurred", customer, minutes, **fields)


def domain_read(bodies: list[dict[str, Any]]) -> dict[str, int]:
    state = DOMAIN.new_state()
    sums = PartitionSums()
    for body in bodies:
        ev = CostEvent.model_validate(body)
        sums.add(DOMAIN.apply(state, ev)[1])
        sums.advance(seconds(ev.occurred_at))
    assert sums.read() == read_all([DOMAIN.contributions(state)], sums.clock)
    again = DOMAIN.load(orjson.loads(orjson.dumps(DOMAIN.dump(state))))
    assert DOMAIN.contributions(again) == DOMAIN.contributions(state)
    return {flat_name(k): v for k, v in sums.read().items()}


def test_spend_by_category_all_time_and_windowed() -> None:
    read = domain_read([
        cost(-3 * DAY, amount_minor=50000),
        cost(-30, amount_minor=1999),
        cost(0, category="retention", amount_minor=700),
    ])
    micro = 10**6
    assert read['cs_cost_amount_total{category="acquisition"}'] == 51999 * micro
    assert read['cs_cost_amount{category="acquisition",window="1h"}'] == 1999 * micro
    assert read['cs_cost_amount{category="acquisition",window="7d"}'] == 51999 * micro
    assert read['cs_cost_amount{category="retention",window="1h"}'] == 700 * micro


def test_costs_in_a_foreign_currency_are_converted_and_rounded_per_cost() -> None:
    read = domain_read([cost(0, amount_minor=10000, currency="EUR"), cost(1, amount_minor=1, currency="JPY")])
    # 100.00 EUR at 1.08 = 108.00 USD; 1 JPY at 0.0067 = 0.67 cents = 670,000 micro cents
    assert read['cs_cost_amount_total{category="acquisition"}'] == 10800 * 10**6 + 670000
    assert DOMAIN.scales == {"cs_cost_amount_total": FX.money_scale, "cs_cost_amount": FX.money_scale}


def test_prune_drops_only_what_no_window_sees() -> None:
    state = DOMAIN.new_state()
    for minutes in (-40 * DAY, 0):
        DOMAIN.apply(state, CostEvent.model_validate(cost(minutes)))
    DOMAIN.prune(state, seconds(NOW) - 30 * 86400)
    assert len(state.history) == 1
    assert state.totals == [2 * 10000 * 10**6, 0]


def _run(lines: list[bytes]) -> dict[str, float]:
    run = OfflineRun(load_settings({"CSPULSE_PARTITIONS": "2"}), now=NOW)
    run.feed_lines(lines)
    return run.series()


def test_costs_never_make_anyone_a_customer() -> None:
    subs = [raw(event("subscription.created", f"cus_{i}", i)) for i in range(3)]
    costs = [raw(cost(5, f"cus_{i}", event_id=f"cost-{i}")) for i in range(5)] + [raw(cost(6, "campaign_x"))]
    without, with_costs = _run(subs), _run(subs + costs)
    assert with_costs["cs_customers_active"] == without["cs_customers_active"] == 3
    assert with_costs['cs_cost_amount_total{category="acquisition"}'] == 600.0
    changed = {k for k in with_costs.keys() | without.keys() if with_costs.get(k) != without.get(k)}
    assert all(k.startswith("cs_cost_amount") or 'topic="cs.costs"' in k for k in changed), changed


def test_vector_10_cac_through_the_engine() -> None:
    subs = [raw(event("subscription.created", f"cus_{i}", -i)) for i in range(40)]
    # 12,000.00 acquisition spend (one cost in EUR) and 40 new customers, all in the last hour
    costs = [raw(cost(-4 * i, f"campaign_{i}", amount_minor=100000)) for i in range(11)]
    costs.append(raw(cost(-50, "campaign_eur", amount_minor=92592, currency="EUR")))  # 999.9936 USD
    costs.append(raw(cost(-51, "campaign_fx", amount_minor=1)))  # 0.01 USD
    series = _run(subs + costs)
    assert series['cs_cost_amount{category="acquisition",window="1h"}'] == pytest.approx(12000.0036)
    rows = headline(series, WINDOWS)
    assert rows["CAC"] == ["300.00"] * 4
    # every active customer is new: nobody was retained, no retention cost (never a division by 0)
    assert rows["retention cost per customer"] == ["-"] * 4


def vector_10_series() -> dict[str, float]:
    """Vector 10 as summed series: ARPA 100 at 5% monthly churn (LTV 2000), 12,000.00 of
    acquisition spend for 40 new customers (CAC 300), 9,500.00 retention spend."""
    return {
        "cs_mrr": 99000.0,
        "cs_customers_active": 990.0,
        'cs_customer_movements{kind="new",window="30d"}': 40.0,
        'cs_customer_movements{kind="churn",window="30d"}': 50.0,
        'cs_cost_amount{category="acquisition",window="30d"}': 12000.0,
        'cs_cost_amount{category="retention",window="30d"}': 9500.0,
        'cs_referring_customers{window="30d"}': 49.5,
    }


def test_vector_10_report_rows() -> None:
    rows = headline(vector_10_series(), WINDOWS)
    assert rows["CAC"] == ["-", "-", "-", "300.00"]
    assert rows["LTV:CAC (30d)"] == ["6.67"] * 4
    assert rows["retention cost per customer"] == ["0.00", "0.00", "0.00", "10.00"]  # 9,500 / 950
    assert rows["referral rate"][3] == "5.00%"


def test_vector_11_report_rows() -> None:
    rows = headline(
        {
            "cs_customers_active": 600.0,
            'cs_referring_customers{window="7d"}': 30.0,
            'cs_referrals{outcome="sent",window="7d"}': 40.0,
            'cs_referrals{outcome="converted",window="7d"}': 10.0,
            'cs_offers{kind="upsell",outcome="presented",window="7d"}': 25.0,
            'cs_offers{kind="upsell",outcome="accepted",window="7d"}': 5.0,
            'cs_offers{kind="cross_sell",outcome="presented",window="7d"}': 4.0,
        },
        WINDOWS,
    )
    assert rows["referral rate"] == ["0.00%", "0.00%", "5.00%", "0.00%"]
    assert rows["referral conversion"] == ["-", "-", "25.00%", "-"]
    assert rows["upsell conversion"] == ["-", "-", "20.00%", "-"]
    assert rows["cross-sell conversion"] == ["-", "-", "0.00%", "-"]


def without(body: dict[str, Any], field: str) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k != field}


def _decode(body: dict[str, Any], family: str) -> Any:
    return Decoder(family, frozenset({"USD", "EUR"})).decode(orjson.dumps(body), NOW)


@pytest.mark.parametrize(
    ("body", "family", "reason"),
    [
        (cost(amount_minor=0), "costs", "schema_violation"),
        (cost(amount_minor=-5), "costs", "schema_violation"),
        (cost(category="marketing"), "costs", "schema_violation"),
        (cost(currency="CHF"), "costs", "unknown_currency"),
        (cost(channel=""), "costs", "schema_violation"),
        (without(event("referral.converted"), "referred_customer_id"), "growth", "schema_violation"),
        (without(event("referral.sent"), "referral_id"), "growth", "schema_violation"),
        (event("offer.presented") | {"kind": "downsell"}, "growth", "schema_violation"),
        (without(event("offer.accepted"), "kind"), "growth", "schema_violation"),
        (event("offer.expired"), "growth", "unknown_type"),
        (event("referral.sent"), "costs", "unknown_type"),
        (event("referral.sent", occurred_at="2026-06-03T00:00:00Z"), "growth", "future_timestamp"),
    ],
)
def test_rejections_map_to_contract_reasons(body: dict[str, Any], family: str, reason: str) -> None:
    result = _decode(body, family)
    assert isinstance(result, Rejection), result
    assert result.reason == reason, result


def test_valid_cost_and_growth_events_decode() -> None:
    assert _decode(cost(channel="paid_search"), "costs").channel == "paid_search"
    assert _decode(event("offer.presented", product="sms_addon"), "growth").product == "sms_addon"
    assert _decode(event("referral.converted"), "growth").referred_customer_id == "cus_referred"
    assert "belongs to the growth topic" in _decode(event("offer.accepted"), "costs").detail


def test_topics_include_the_growth_family() -> None:
    settings = load_settings({})
    topics = all_topics(settings)
    assert "cs.growth" in topics and "cs.costs" in topics
    assert settings.rekey_topic("growth") in topics and settings.rekey_topic("costs") in topics
    assert load_settings({"CSPULSE_TOPIC_GROWTH": "acme.growth"}).family_topics["growth"] == "acme.growth"
