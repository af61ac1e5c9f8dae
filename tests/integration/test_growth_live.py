"""Issue 9: a 200,000-event simulator burst across all seven topics, drained by two
workers; `/metrics` summed over both equals `cspulse report --from-topics --json`
exactly, and the usage, cost and growth series are present and non-zero in both.

The burst is in Kafka before the workers start, so they drain a backlog while they
rebalance between themselves. About 2 to 4 minutes on a 2-core machine.
"""

from __future__ import annotations

import time

from schemas.events import FAMILIES
from tests.integration.report_check import differences, report_from_topics, simulate, wait_until_equal
from tests.integration.stack import drain_rate, scrape_sum, wait_for

EVENTS = 200_000
# v1.1 series (CONTRACT section 7) the traffic must make non-zero.
NEW_SERIES = (
    "cs_active_users",
    "cs_active_accounts",
    "cs_users_new",
    "cs_users_total",
    "cs_feature_users",
    "cs_product_uses_total",
    "cs_cost_amount_total",
    "cs_cost_amount",
    "cs_referrals_total",
    "cs_referrals",
    "cs_referring_customers",
    "cs_offers_total",
    "cs_offers",
)


def total(series: dict[str, float], name: str) -> float:
    return sum(v for k, v in series.items() if k == name or k.startswith(name + "{"))


def owned(worker) -> set[str]:  # type: ignore[no-untyped-def]
    return {
        line.split('partition="')[1].split('"')[0]
        for line in worker.metrics_text().splitlines()
        if line.startswith("cs_events_total{") and 'partition="' in line
    }


def test_burst_of_all_families_on_two_workers_matches_report(engine) -> None:  # type: ignore[no-untyped-def]
    started = time.monotonic()
    simulate(
        engine.env,
        "--count", str(EVENTS),
        "--span", "30d",
        "--seed", "9",  # its last event is ~10 h before now: none is in the future
        "--duplicates", "0.01",
        "--out-of-order", "0.02",
        "--bad-records", "0.002",
    )  # fmt: skip
    produced = time.monotonic() - started
    workers = [engine.start_worker("a"), engine.start_worker("b")]

    def handled(got: dict[str, float]) -> float:
        return total(got, "cs_events_total") + total(got, "cs_deadletter_total")

    rate = drain_rate(workers, handled, EVENTS, 900)
    wait_for(
        lambda: all(owned(w) for w in workers) and set.union(*map(owned, workers)) == {"0", "1", "2", "3"},
        120,
        "the partitions shared by both workers",
        workers,
    )
    assert not owned(workers[0]) & owned(workers[1]), "a partition is exposed by two workers"
    want = report_from_topics(engine.env)
    wait_until_equal(workers, want, 60, "the sum over both workers to equal the report", lag=engine.group_lag)
    got = scrape_sum(workers)
    assert differences(got, want) == {}
    assert handled(got) == EVENTS
    for family in FAMILIES:  # every topic carried applied events
        assert got.get(f'cs_events_total{{outcome="applied",topic="{engine.topic(family)}"}}', 0) > 0, family
    for name in NEW_SERIES:
        assert total(got, name) > 0, f"/metrics: no {name}"
        assert total(want, name) > 0, f"report: no {name}"
    print(
        f"\n{EVENTS} records across {len(FAMILIES)} topics: produced in {produced:.0f}s, drained by two "
        f"workers at {rate:,.0f} events/s, {time.monotonic() - started:.0f}s in all"
    )
