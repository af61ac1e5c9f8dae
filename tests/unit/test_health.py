"""Health score (CONTRACT v1.1 section 6): vector 12, each component at its edges, TTV.

The expected numbers are worked by hand from the contract's formula; the property test
(test_health_properties.py) compares the engine with an independent recomputation.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import orjson

from streams.engine.offline import OfflineRun
from streams.metrics.health import HealthConfig, Inputs, assess
from streams.settings import load_settings
from tests.factories import BASE, event, raw

DAY = 86400
T0 = BASE  # the events below are placed relative to it (factories.at)


def run(events: list[dict[str, Any]], **env: str) -> OfflineRun:
    offline = OfflineRun(load_settings({"CSPULSE_PARTITIONS": "1", **env}), now=BASE + timedelta(days=400))
    offline.feed_lines([raw(e) for e in events])
    return offline


def minutes(days: float = 0, hours: float = 0, seconds: float = 0) -> float:
    return days * 1440 + hours * 60 + seconds / 60


def sub(minute: float, quantity: int = 1, customer: str = "c1", **more: Any) -> dict[str, Any]:
    return event("subscription.created", customer, minute, quantity=quantity, **more)


def used(minute: float, user: str, customer: str = "c1", feature: str = "export") -> dict[str, Any]:
    return event("product.used", customer, minute, user_id=user, feature=feature)


def account(offline: OfflineRun, customer: str = "c1") -> Any:
    found = {a.customer_id: a.assessment for a in offline.accounts()}
    return found.get(customer)


def vector_12(end: float) -> list[dict[str, Any]]:
    """Seats 10, 4 users active in 7d, 1 open ticket none overdue, NPS 9, 1 failed payment."""
    events = [sub(0, quantity=10)]
    events += [used(end - minutes(days=1), f"u{i}") for i in range(4)]
    events += [used(end - minutes(days=8), f"old{i}") for i in range(3)]  # outside 7d
    events.append(event("ticket.created", "c1", end - minutes(hours=1), priority="low"))
    events.append(event("survey.responded", "c1", end - minutes(days=20), survey="nps", score=9))
    events.append(event("payment.failed", "c1", end - minutes(days=3)))
    events.append(event("payment.succeeded", "c1", end))
    return events


def test_vector_12_scores_66_at_risk() -> None:
    end = minutes(days=60)
    a = account(run(vector_12(end)))
    assert {k: float(v) for k, v in a.components.items()} == {
        "usage": 40.0,
        "support": 85.0,
        "sentiment": 100.0,
        "billing": 60.0,
    }
    assert (a.score, a.band) == (66, "at_risk")
    assert a.reasons[0] == "4 of 10 seats active in 7d"
    assert "1 failed payment in 30d" in a.reasons and "1 open ticket" in a.reasons


def test_vector_12_series() -> None:
    series = run(vector_12(minutes(days=60))).series()
    assert series['cs_customers_health{band="at_risk"}'] == 1
    assert series['cs_mrr_health{band="at_risk"}'] == 1000.0  # 10 x 100.00 monthly
    assert series['cs_health_score_bucket{le="60.0"}'] == 0
    assert series['cs_health_score_bucket{le="70.0"}'] == 1
    assert series["cs_health_score_sum"] == 66


def test_failed_payment_exactly_30d_old_no_longer_counts() -> None:
    end = minutes(days=60)
    events = [
        sub(0),
        event("payment.failed", "c1", end - minutes(days=30)),
        event("payment.succeeded", "c1", end),
    ]
    assert account(run(events)).components["billing"] == 100
    events[1] = event("payment.failed", "c1", end - minutes(days=30) + minutes(seconds=1))
    assert account(run(events)).components["billing"] == 60


def test_past_due_or_cancel_at_period_end_zeroes_billing() -> None:
    assert account(run([sub(0, status="past_due")])).components["billing"] == 0
    a = account(run([sub(0, cancel_at_period_end=True)]))
    assert a.components["billing"] == 0 and "subscription cancels at period end" in a.reasons
    # three failed payments: 100 - 120, floored at 0
    failed = [event("payment.failed", "c1", 10 + i) for i in range(3)]
    assert account(run([sub(0), *failed])).components["billing"] == 0


def test_no_seats_counts_one_and_usage_is_capped() -> None:
    # quantity 0 has no MRR, so no score; seats 0 with MRR only exists as inputs
    assert account(run([sub(0, quantity=0), used(5, "u1")])) is None
    no_seats = Inputs(mrr=1, seats=0, last_active=[100])
    assessed = assess(no_seats, 100, HealthConfig())
    assert assessed is not None and assessed.components["usage"] == 100
    events = [sub(0, quantity=2), *(used(5, f"u{i}") for i in range(5))]
    assert account(run(events)).components["usage"] == 100
    events = [sub(0, quantity=3), used(5, "u1")]
    assert float(account(run(events)).components["usage"]) == 100 / 3


def test_a_user_exactly_7d_old_is_inactive() -> None:
    end = minutes(days=30)
    events = [sub(0, quantity=2), used(end - minutes(days=7), "u1"), used(end, "u2")]
    assert account(run(events)).components["usage"] == 50
    events[1] = used(end - minutes(days=7) + minutes(seconds=1), "u1")
    assert account(run(events)).components["usage"] == 100


def test_first_response_target_passing_exactly_at_the_clock() -> None:
    created = event("ticket.created", "c1", 10, priority="urgent")  # target 1h
    at_target = event("payment.succeeded", "c1", 10 + 60)
    before = event("payment.succeeded", "c1", 10 + 60 - 1 / 60)
    assert account(run([sub(0), created, before])).components["support"] == 85  # open, not yet overdue
    a = account(run([sub(0), created, at_target]))
    assert a.components["support"] == 50  # open (15) and overdue (35)
    assert "urgent ticket waiting 1h for a first response" in a.reasons


def test_a_public_agent_reply_or_agent_initiated_ticket_is_never_overdue() -> None:
    created = event("ticket.created", "c1", 10, priority="urgent")
    reply = event("ticket.replied", "c1", 20, public=True)
    late = event("payment.succeeded", "c1", 10 + 600)
    assert account(run([sub(0), created, reply, late])).components["support"] == 85
    by_agent = event("ticket.created", "c1", 10, priority="urgent", initiated_by="agent")
    assert account(run([sub(0), by_agent, late])).components["support"] == 85


def test_sentiment_prefers_nps_in_90d_then_csat_then_none() -> None:
    end = minutes(days=200)
    tick = event("payment.succeeded", "c1", end)
    nps_old = event("survey.responded", "c1", end - minutes(days=90), survey="nps", score=0)
    csat = event("survey.responded", "c1", end - minutes(days=10), survey="csat", score=3)
    assert account(run([sub(0), tick])).components["sentiment"] == 60  # none
    assert account(run([sub(0), nps_old, tick])).components["sentiment"] == 60  # exactly 90d: out
    assert account(run([sub(0), nps_old, csat, tick])).components["sentiment"] == 60  # CSAT 3: neutral
    nps = event("survey.responded", "c1", end - minutes(days=89), survey="nps", score=6)
    a = account(run([sub(0), nps_old, csat, nps, tick]))
    assert a.components["sentiment"] == 0 and any(r.startswith("NPS 6 on ") for r in a.reasons)


def test_the_latest_response_wins_and_the_lower_score_on_a_tie() -> None:
    early = event("survey.responded", "c1", 100, survey="nps", score=0)
    late = event("survey.responded", "c1", 200, survey="nps", score=10)
    tie = event("survey.responded", "c1", 200, survey="nps", score=7)
    for order in ([early, late, tie], [tie, late, early], [late, early, tie]):
        assert account(run([sub(0), *order])).components["sentiment"] == 60  # passive 7 wins the tie


def test_no_mrr_no_score_and_the_score_goes_when_the_mrr_does() -> None:
    offline = run([sub(0, status="trialing"), used(5, "u1")])
    assert account(offline) is None and "cs_customers_health" not in str(offline.series())
    cancel = event("subscription.canceled", "c1", 30)
    offline = run([sub(0), used(5, "u1"), cancel])
    assert account(offline) is None
    assert offline.series().get('cs_customers_health{band="healthy"}', 0) == 0


def test_clock_passing_an_input_rescores_without_events_of_the_customer() -> None:
    """Another customer's events move the partition clock; c1's failed payment leaves 30d."""
    events = [sub(0), event("payment.failed", "c1", 10)]
    events += [sub(20, customer="c2"), used(10 + minutes(days=30), "u1", customer="c2")]
    a = account(run(events))  # families run one after another: usage moves the clock last
    assert a.components["billing"] == 100


def test_ttv_from_the_first_subscription_event_to_the_first_activation_use() -> None:
    events = [sub(0), used(minutes(hours=2), "u1", feature="search"), used(minutes(days=2), "u1")]
    series = run(events).series()
    assert series["cs_time_to_value_seconds_count"] == 1
    assert series["cs_time_to_value_seconds_sum"] == 7200
    series = run(events, CSPULSE_ACTIVATION_FEATURES="export").series()
    assert series["cs_time_to_value_seconds_sum"] == 2 * DAY
    assert series['cs_time_to_value_seconds_bucket{le="86400.0"}'] == 0
    assert series['cs_time_to_value_seconds_bucket{le="259200.0"}'] == 1


def test_ttv_with_usage_before_the_subscription_is_zero() -> None:
    series = run([used(0, "u1"), sub(60)]).series()
    assert series.get("cs_time_to_value_seconds_sum", 0) == 0
    assert series["cs_time_to_value_seconds_count"] == 1
    assert series['cs_time_to_value_window_seconds_count{window="1h"}'] == 1  # at the later: the sub


def test_a_late_earlier_subscription_event_restates_ttv() -> None:
    update = event("subscription.updated", "c1", 60, quantity=2)
    first = event("subscription.created", "c1", 0)  # arrives last, stale for the subscription
    series = run([update, used(120, "u1"), first]).series()
    assert series["cs_time_to_value_seconds_count"] == 1
    assert series["cs_time_to_value_seconds_sum"] == 7200  # from minute 0, not minute 60
    assert series['cs_events_total{outcome="stale",topic="cs.subscriptions"}'] == 1


def test_scores_do_not_depend_on_family_order_or_chunking() -> None:
    events = [*vector_12(minutes(days=60)), event("ticket.created", "c2", 5, priority="urgent")]
    events.append(sub(1, customer="c2"))
    expected = {a.customer_id: a.assessment for a in run(events).accounts()}
    for chunk in (1, 3):
        for ordered in (events, events[::-1]):
            offline = OfflineRun(load_settings({"CSPULSE_PARTITIONS": "2"}), now=BASE + timedelta(days=400))
            offline.feed_lines([raw(e) for e in ordered], chunk=chunk)
            got = {a.customer_id: a.assessment for a in offline.accounts()}
            assert {k: (v.score, v.band) for k, v in got.items()} == {
                k: (v.score, v.band) for k, v in expected.items()
            }


def test_health_can_be_switched_off() -> None:
    offline = run(vector_12(minutes(days=60)), CSPULSE_HEALTH_ENABLED="false")
    assert offline.accounts() == [] and offline.engine.health is None
    series = offline.series()
    assert not [k for k in series if k.startswith(("cs_customers_health", "cs_time_to_value"))]
    assert series["cs_customers_active"] == 1


def test_upgraded_records_without_health_fields_still_load() -> None:
    from streams.engine.build import fx_table
    from streams.metrics.subscriptions import SubscriptionDomain
    from streams.metrics.surveys import SurveyDomain
    from streams.metrics.usage import UsageDomain

    fx = fx_table(load_settings({}))
    subs = SubscriptionDomain(fx).load(
        orjson.loads(
            b'{"s": {"s1": [1, "pro", "active", 5, 0, 0]}, "e": 1, "h": [], "t": [0,0,0,0,0,0,0,0,0,0]}'
        )
    )
    assert subs.subs["s1"][6] == 1 and subs.first is None
    assert SurveyDomain().load({"c": {}, "m": {}, "r": []}).latest == {}
    usage = UsageDomain().load({"f": ["export"], "n": [3], "u": {"u1": [5, 6]}})
    assert len(usage.firsts) == 1
