"""The cost and growth rows of `cspulse report`'s table (v1.1), per window, worked out by hand.

Every input differs between the two windows, so a figure that read the wrong window, or
summed over all of them, would show. The expected strings are the arithmetic in the comments
(CONTRACT 6, prometheus/rules/growth.yml).
"""

from __future__ import annotations

from streams.metrics.ratios import headline

W7, W30 = "7d", "30d"

FLAT: dict[str, float] = {
    "cs_mrr": 10000.0,
    "cs_customers_active": 100.0,
    'cs_customer_movements{kind="new",window="7d"}': 4.0,
    'cs_customer_movements{kind="new",window="30d"}': 10.0,
    'cs_customer_movements{kind="reactivation",window="7d"}': 2.0,
    'cs_customer_movements{kind="reactivation",window="30d"}': 5.0,
    'cs_customer_movements{kind="churn",window="30d"}': 5.0,
    'cs_cost_amount{category="acquisition",window="7d"}': 1200.0,
    'cs_cost_amount{category="acquisition",window="30d"}': 4000.0,
    'cs_cost_amount{category="retention",window="7d"}': 470.0,
    'cs_cost_amount{category="retention",window="30d"}': 1700.0,
    'cs_referring_customers{window="7d"}': 5.0,
    'cs_referring_customers{window="30d"}': 20.0,
    'cs_referrals{outcome="sent",window="7d"}': 40.0,
    'cs_referrals{outcome="sent",window="30d"}': 100.0,
    'cs_referrals{outcome="converted",window="7d"}': 10.0,
    'cs_referrals{outcome="converted",window="30d"}': 30.0,
    'cs_offers{kind="upsell",outcome="presented",window="7d"}': 25.0,
    'cs_offers{kind="upsell",outcome="presented",window="30d"}': 50.0,
    'cs_offers{kind="upsell",outcome="accepted",window="7d"}': 5.0,
    'cs_offers{kind="upsell",outcome="accepted",window="30d"}': 20.0,
    'cs_offers{kind="upsell",outcome="declined",window="7d"}': 7.0,
    'cs_offers{kind="cross_sell",outcome="presented",window="7d"}': 4.0,
    'cs_offers{kind="cross_sell",outcome="presented",window="30d"}': 10.0,
    'cs_offers{kind="cross_sell",outcome="accepted",window="7d"}': 1.0,
    'cs_offers{kind="cross_sell",outcome="accepted",window="30d"}': 3.0,
}


def test_cost_and_growth_figures_per_window() -> None:
    table = headline(FLAT, [W7, W30])
    expected = {
        "CAC": ["300.00", "400.00"],  # 1,200 / 4 new; 4,000 / 10 new
        # ARPA 10,000 / 100 = 100; 30d churn 5 / (100 - 10 - 5 + 5) = 1/18: LTV 1,800; / CAC 400
        "LTV:CAC (30d)": ["4.50", "4.50"],
        # retained = active - new - reactivated: 100 - 4 - 2 = 94, 100 - 10 - 5 = 85
        "retention cost per customer": ["5.00", "20.00"],  # 470 / 94; 1,700 / 85
        "referral rate": ["5.00%", "20.00%"],  # 5 / 100; 20 / 100
        "referral conversion": ["25.00%", "30.00%"],  # 10 / 40; 30 / 100
        "upsell conversion": ["20.00%", "40.00%"],  # 5 / 25; 20 / 50
        "cross-sell conversion": ["25.00%", "30.00%"],  # 1 / 4; 3 / 10
    }
    assert {figure: table[figure] for figure in expected} == expected
