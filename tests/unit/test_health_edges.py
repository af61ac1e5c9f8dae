"""Health score at its edges: reason wording, which components explain a score and in
which order, the moment of the next change, large accounts at the threshold, and what
the subscriptions hand to the joined step. Each case was found by the mutation run
(tests/mutation/RESULTS.md): a changed line that no other test noticed.
"""

from __future__ import annotations

from datetime import timedelta

from streams.engine.joined import FAMILY as HEALTH
from streams.engine.joined import JoinedRecord
from streams.engine.offline import OfflineRun
from streams.engine.records import customer_key, dumps, loads
from streams.metrics.base import key_of
from streams.metrics.health import HealthConfig, Inputs, _span, assess, next_change, sentiment_source
from streams.metrics.health_series import health_contributions
from streams.settings import load_settings
from tests.factories import BASE, event, raw

DAY = 86400
CLOCK = 1_800_000_000
MRR = 100 * 100 * 1_000_000  # $100 in micro cents
CONFIG = HealthConfig()


def test_spans_read_as_people_say_them() -> None:
    assert [_span(s) for s in (86400, 2 * 86400, 90000, 3600, 7200, 2700, 59, 0, -30)] == [
        "1d", "2d", "25h", "1h", "2h", "45m", "0m", "0m", "0m",
    ]  # fmt: skip


def test_billing_reasons_name_what_is_wrong() -> None:
    past_due = assess(Inputs(mrr=MRR, seats=1, past_due=1, last_active=[CLOCK]), CLOCK, CONFIG)
    assert past_due is not None and "subscription past due" in past_due.reasons
    one = assess(Inputs(mrr=MRR, seats=1, failed=[CLOCK - DAY], last_active=[CLOCK]), CLOCK, CONFIG)
    assert one is not None and "1 failed payment in 30d" in one.reasons
    two = assess(Inputs(mrr=MRR, seats=1, failed=[CLOCK - DAY, CLOCK], last_active=[CLOCK]), CLOCK, CONFIG)
    assert two is not None and "2 failed payments in 30d" in two.reasons


def test_only_components_below_full_marks_explain_most_points_lost_first() -> None:
    # usage full (1 of 1 seat), sentiment full (a promoter), support full: billing alone explains
    promoter = {"nps": (CLOCK - DAY, 10)}
    full = assess(Inputs(mrr=MRR, seats=1, past_due=1, last_active=[CLOCK], latest=promoter), CLOCK, CONFIG)
    assert full is not None and full.reasons == ("subscription past due",)
    # billing loses 25 x 100 points, sentiment (no response) 20 x 40: billing first
    mixed = assess(Inputs(mrr=MRR, seats=1, past_due=1, last_active=[CLOCK]), CLOCK, CONFIG)
    assert mixed is not None
    assert mixed.reasons == ("subscription past due", "no NPS or CSAT response in 90d")


def test_the_next_change_is_strictly_later_and_only_for_a_scored_customer() -> None:
    billing = CONFIG.windows["billing"]
    assert next_change(Inputs(mrr=0, failed=[CLOCK]), CLOCK, CONFIG) is None  # no MRR, no score
    assert next_change(Inputs(mrr=1, failed=[CLOCK]), CLOCK, CONFIG) == CLOCK + billing
    # a failed payment leaving the window exactly now has already left it
    assert next_change(Inputs(mrr=1, failed=[CLOCK - billing]), CLOCK, CONFIG) is None


def test_the_sentiment_source_gives_the_response_time_and_score() -> None:
    latest = {"nps": (CLOCK - 5 * DAY, 3)}
    assert sentiment_source(Inputs(mrr=MRR, latest=latest), CLOCK, CONFIG) == ("nps", CLOCK - 5 * DAY, 3)


def test_an_account_at_the_large_threshold_counts_once_as_large() -> None:
    at_threshold = assess(Inputs(mrr=CONFIG.large_mrr, seats=1, past_due=1), CLOCK, CONFIG)
    assert at_threshold is not None and at_threshold.band == "critical"
    out = health_contributions(at_threshold, None, CONFIG)
    large = {key_of(k): v for (k, _), v in out.items() if key_of(k)[0] == "cs_customers_health_large"}
    assert large == {("cs_customers_health_large", (("band", "critical"),)): 1}
    below = assess(Inputs(mrr=CONFIG.large_mrr - 1, seats=1, past_due=1), CLOCK, CONFIG)
    assert not any(
        key_of(k)[0] == "cs_customers_health_large" for k, _ in health_contributions(below, None, CONFIG)
    )


def test_subscriptions_hand_over_how_many_are_past_due_and_ending() -> None:
    run = OfflineRun(load_settings({"CSPULSE_PARTITIONS": "1"}), now=BASE + timedelta(days=400))
    events = [
        event("subscription.created", "c1", 0, subscription_id="s1", status="past_due"),
        event("subscription.created", "c1", 1, subscription_id="s2", status="past_due"),
        event("subscription.created", "c1", 2, subscription_id="s3", cancel_at_period_end=True),
        event("subscription.created", "c1", 3, subscription_id="s4"),
    ]
    run.feed_lines([raw(e) for e in events])
    record = JoinedRecord.loads(run.stores[HEALTH][customer_key("c1")])
    _, seats, past_due, ending, _ = record.parts["subscriptions"]
    assert (seats, past_due, ending) == (4, 2, 1)


def test_records_with_integers_beyond_64_bits_are_compact_and_exact() -> None:
    raw_record = dumps({"a": 2**70, "b": [1, 2]})
    assert raw_record == b'J{"a":1180591620717411303424,"b":[1,2]}'
    assert loads(raw_record) == {"a": 2**70, "b": [1, 2]}
