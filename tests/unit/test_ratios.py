"""The headline ratios of `cspulse report`'s table, worked out by hand from a small set of series.

Each figure is the contract's ratio (CONTRACT 6, prometheus/rules/*.yml) over one window; the
expected strings below are the arithmetic written out in the comments.
"""

from __future__ import annotations

import math

import pytest

from streams.metrics.ratios import Series, headline, parse_flat

W7, W30 = "7d", "30d"

FLAT: dict[str, float] = {
    # MRR and active customers are summed over their labels: 15,000.50 and 10
    'cs_mrr{plan="a"}': 12000.5,
    'cs_mrr{plan="b"}': 3000.0,
    'cs_customers_active{plan="a"}': 8,
    'cs_customers_active{plan="b"}': 2,
    # MRR movements in 7d (nothing in 30d)
    'cs_mrr_movement{kind="new",window="7d"}': 100,
    'cs_mrr_movement{kind="expansion",window="7d"}': 50,
    'cs_mrr_movement{kind="contraction",window="7d"}': 20,
    'cs_mrr_movement{kind="churn",window="7d",plan="a"}': 25,
    'cs_mrr_movement{kind="churn",window="7d",plan="b"}': 15,
    'cs_mrr_movement{kind="reactivation",window="7d"}': 10,
    'cs_customer_movements{kind="new",window="7d"}': 2,
    'cs_customer_movements{kind="reactivation",window="7d"}': 1,
    'cs_customer_movements{kind="churn",window="7d"}': 3,
    'cs_renewals{outcome="renewed",window="7d"}': 3,
    'cs_renewals{outcome="canceled",window="7d"}': 1,
    'cs_payments{outcome="failed",window="7d"}': 1,
    'cs_payments{outcome="succeeded",window="7d"}': 4,
    'cs_tickets_resolved{touch="one",window="7d"}': 3,
    'cs_tickets_resolved{touch="multi",window="7d"}': 2,
    'cs_survey_responses{survey="nps",rating="promoter",window="7d"}': 5,
    'cs_survey_responses{survey="nps",rating="passive",window="7d"}': 3,
    'cs_survey_responses{survey="nps",rating="detractor",window="7d"}': 2,
    'cs_survey_responses{survey="csat",rating="satisfied",window="7d"}': 4,
    'cs_survey_responses{survey="csat",rating="unsatisfied",window="7d"}': 1,
    'cs_survey_responses{survey="ces",rating="easy",window="7d"}': 3,
    'cs_survey_responses{survey="ces",rating="hard",window="7d"}': 1,
    'cs_survey_score_sum{survey="ces",window="7d"}': 18,
    'cs_survey_score_sum{survey="csat",window="7d"}': 23,  # not CES
    'cs_survey_score_sum{survey="ces",window="30d"}': 7,  # another window
    # first-response histogram, cumulative, split over two priorities: 2 / 6 / 8 in total
    'cs_first_response_window_seconds_bucket{le="60",priority="high",window="7d"}': 1,
    'cs_first_response_window_seconds_bucket{le="60",priority="low",window="7d"}': 1,
    'cs_first_response_window_seconds_bucket{le="300",priority="high",window="7d"}': 4,
    'cs_first_response_window_seconds_bucket{le="300",priority="low",window="7d"}': 2,
    'cs_first_response_window_seconds_bucket{le="+Inf",priority="high",window="7d"}': 5,
    'cs_first_response_window_seconds_bucket{le="+Inf",priority="low",window="7d"}': 3,
}


def test_headline_figures_per_window() -> None:
    table = headline(FLAT, [W7, W30])
    # the revenue, support and voice figures (other families' rows are theirs to test)
    expected = {
        "MRR": ["15,000.50", "15,000.50"],
        "active customers": ["10", "10"],
        "ARPA": ["1,500.05", "1,500.05"],  # 15,000.50 / 10
        "new MRR": ["100.00", "0.00"],
        "expansion MRR": ["50.00", "0.00"],
        "contraction MRR": ["20.00", "0.00"],
        "churn MRR": ["40.00", "0.00"],
        "reactivation MRR": ["10.00", "0.00"],
        # customers at the start: 10 - 2 new - 1 reactivated + 3 churned = 10; 3 / 10
        "customer churn rate": ["30.00%", "0.00%"],
        # MRR at the start: 15,000.50 - (100 + 10 + 50) + 20 + 40 = 14,900.50;
        # (14,900.50 + 50 - 20 - 40) / 14,900.50 = 0.99933; 30d: nothing moved, 100 %
        "net revenue retention": ["99.93%", "100.00%"],
        "renewal rate": ["75.00%", "-"],  # 3 / (3 + 1); no renewal in 30d
        "failed payment rate": ["20.00%", "-"],  # 1 / (1 + 4)
        # rank 0.5 * 8 = 4 falls in (60, 300] holding 2..6: 60 + 240 * (4 - 2) / (6 - 2) = 180 s
        "first response p50": ["3.0 min", "-"],
        # rank 7.2 falls in the +Inf bucket: its lower bound, 300 s
        "first response p90": ["5.0 min", "-"],
        "first contact resolution": ["60.00%", "-"],  # 3 / (3 + 2)
        "NPS": ["30.00", "-"],  # 100 * (5 - 2) / 10
        "CSAT": ["80.00", "-"],  # 100 * 4 / 5
        "CES": ["4.50", "-"],  # 18 / 4
    }
    assert {figure: table[figure] for figure in expected} == expected


def test_net_revenue_retention_starts_from_the_mrr_before_the_window() -> None:
    # movements of distinct powers of two, so each one's place in the sum shows
    flat = {"cs_mrr": 1000.0, "cs_customers_active": 1}
    for kind, amount in {
        "new": 64,
        "reactivation": 32,
        "expansion": 256,
        "contraction": 8,
        "churn": 16,
    }.items():
        flat[f'cs_mrr_movement{{kind="{kind}",window="7d"}}'] = amount
    table = headline(flat, [W7])
    # start: 1000 - (64 + 32 + 256) + 8 + 16 = 672; (672 + 256 - 8 - 16) / 672 = 1.34524
    assert table["net revenue retention"] == ["134.52%"]
    assert table["ARPA"] == ["1,000.00"]  # one customer: a denominator of 1 is a denominator


def test_headline_over_no_series_shows_zero_and_no_ratio() -> None:
    table = headline({}, [W7])
    assert table["MRR"] == ["0.00"]
    assert table["active customers"] == ["0"]
    for figure in ("ARPA", "customer churn rate", "net revenue retention", "NPS", "first response p50"):
        assert table[figure] == ["-"], figure


def test_parse_flat_splits_name_and_labels() -> None:
    assert parse_flat("cs_mrr") == ("cs_mrr", {})
    assert parse_flat('cs_mrr{plan="a",region="eu"}') == ("cs_mrr", {"plan": "a", "region": "eu"})
    assert parse_flat(r'x:y{note="say \"hi\""}') == ("x:y", {"note": r"say \"hi\""})
    for bad in ("", "1cs_mrr", 'cs_mrr{plan="a"', "cs mrr"):
        with pytest.raises(ValueError, match="not a series key"):
            parse_flat(bad)


def test_series_sum_matches_every_given_label() -> None:
    s = Series(FLAT)
    assert s.sum("cs_mrr_movement", kind="churn") == 40
    assert s.sum("cs_mrr_movement", kind="churn", plan="a") == 25
    assert s.sum("cs_mrr_movement", kind="churn", plan="c") == 0
    assert s.sum("cs_mrr_movement") == 220  # 100 + 50 + 20 + 25 + 15 + 10
    assert s.sum("cs_nothing") == 0


def test_series_quantile_interpolates_within_a_bucket() -> None:
    s = Series(FLAT)
    name = "cs_first_response_window_seconds_bucket"
    assert s.quantile(0.25, name, window=W7) == 60  # rank 2: the top of the first bucket
    assert s.quantile(0.125, name, window=W7) == 30  # rank 1: half-way into [0, 60]
    assert s.quantile(0.5, name, window=W7, priority="high") == 60 + 240 * (2.5 - 1) / (4 - 1)
    assert s.quantile(1.0, name, window=W7) == 300  # in the +Inf bucket: its lower bound
    assert math.isnan(s.quantile(0.5, name, window=W30))  # no buckets
    assert math.isnan(Series({'h_bucket{le="1"}': 3}).quantile(0.5, "h_bucket"))  # no +Inf bucket
    empty = Series({'h_bucket{le="1"}': 0, 'h_bucket{le="+Inf"}': 0})
    assert math.isnan(empty.quantile(0.5, "h_bucket"))  # no observations
    # an empty bucket before the one holding the rank adds nothing
    gap = Series(
        {'h_bucket{le="1"}': 0, 'h_bucket{le="2"}': 0, 'h_bucket{le="4"}': 4, 'h_bucket{le="+Inf"}': 4}
    )
    assert gap.quantile(0.5, "h_bucket") == 3
    assert gap.quantile(0.0, "h_bucket") == 0  # rank 0 is met by the first (empty) bucket
