"""Issue 3: a 100,000-event simulator burst; /metrics equals the report read back from the
topics, and the independent batch references (tests/reference/) computed from the records
read back with a plain consumer."""

from __future__ import annotations

import json
import time

from tests.integration.live_reference import check_live
from tests.integration.report_check import differences, report_from_topics, simulate
from tests.integration.stack import drain_rate, scrape_sum

EVENTS = 100_000
# rates with five decimals: a yearly or quarterly price converts to a fraction of a
# micro minor unit, halves included, so the rounding (ties to even) is exercised
FX_RATES = {"EUR": "1.08125", "GBP": "1.27125"}
REVENUE = (
    "cs_mrr",
    "cs_customers",
    "cs_subscriptions",
    "cs_payment",
    "cs_paying",
    "cs_renewals",
    "cs_events",
)


def test_burst_of_subscriptions_and_payments_matches_report(engine_factory):
    engine = engine_factory(CSPULSE_FX_RATES=json.dumps(FX_RATES))
    simulate(
        engine.env,
        "--count", str(EVENTS),
        "--customers", "5000",
        "--mix", "subscriptions=0.5,payments=0.5",
        "--span", "45d",
        "--duplicates", "0.02",
        "--out-of-order", "0.05",
        "--bad-records", "0.005",
    )  # fmt: skip
    worker = engine.start_worker()  # after the burst: it drains a backlog
    applied = [
        f'cs_events_total{{outcome="{o}",topic="{engine.topic(f)}"}}'
        for f in ("subscriptions", "payments")
        for o in ("applied", "duplicate", "stale")
    ]

    def seen(got: dict[str, float]) -> float:
        return sum(got.get(k, 0.0) for k in applied) + sum(
            v for k, v in got.items() if k.startswith("cs_deadletter_total")
        )

    rate = drain_rate([worker], seen, EVENTS, 600)
    want = report_from_topics(engine.env)
    got = scrape_sum([worker])
    assert differences(got, want) == {}
    assert got['cs_events_total{outcome="duplicate",topic="' + engine.topic("subscriptions") + '"}'] > 0
    assert sum(v for k, v in got.items() if k.startswith("cs_mrr{")) > 0
    for prefix in REVENUE:
        assert any(k.startswith(prefix) for k in got), f"no {prefix} series"
    print(f"\nrevenue agents drained {EVENTS} records at {rate:,.0f} events/s")

    started = time.monotonic()
    families = {f: engine.topic(f) for f in ("subscriptions", "payments")}
    compared = check_live([worker], families, FX_RATES)
    print(f"references agree on {compared} series ({time.monotonic() - started:.1f}s)")
