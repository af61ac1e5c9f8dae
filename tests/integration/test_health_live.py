"""Issue 10: the health score live, on the real broker, through a kill -9.

A simulated burst of every family is in Kafka before two workers start; one is killed
with SIGKILL mid-stream and restarted. Then the health series summed over the workers
(bands, MRR per band, score distribution, time to value) equal `cspulse report
--from-topics --json`, and Redis holds every scored customer exactly once, with the
score, band and MRR of `cspulse report --from-topics --accounts --json`. A second test
measures how long a failed payment takes to move an account's band on /metrics.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest
import redis

from tests.factories import raw
from tests.integration.conftest import produce_raw
from tests.integration.report_check import differences, report_from_topics, simulate, wait_until_equal
from tests.integration.stack import parse_metrics, scrape_sum, wait_for

pytestmark = pytest.mark.integration

EVENTS = 30_000
HEALTH = ("cs_customers_health", "cs_mrr_health", "cs_health_score", "cs_time_to_value")


def total(series: dict[str, float], name: str) -> float:
    return sum(v for k, v in series.items() if k == name or k.startswith(name + "{"))


def accounts_report(env: dict[str, str]) -> list[dict[str, Any]]:
    out = subprocess.run(
        [sys.executable, "-m", "streams.cli", "report", "--from-topics", "--accounts", "--json"],
        env={**os.environ, **env},
        capture_output=True,
        check=True,
        timeout=600,
    )
    entries: list[dict[str, Any]] = orjson.loads(out.stdout)
    return entries


def served(env: dict[str, str], app_id: str) -> dict[str, dict[str, Any]]:
    """Every customer in Redis: the score set, the band sets and the hashes, checked to agree."""
    client = redis.Redis.from_url(env["CSPULSE_REDIS_URL"])
    root = f"{app_id}:cspulse:health"
    try:
        scores = {m.decode(): s for m, s in client.zrange(f"{root}:scores", 0, -1, withscores=True)}
        bands: dict[str, str] = {}
        for band in ("healthy", "at_risk", "critical"):
            for member in client.zrange(f"{root}:band:{band}", 0, -1):
                assert member.decode() not in bands, f"{member!r} is in two bands"
                bands[member.decode()] = band
        assert set(bands) == set(scores), set(bands) ^ set(scores)
        out = {}
        for customer, score in scores.items():
            row = {
                k.decode(): orjson.loads(v) for k, v in client.hgetall(f"{root}:account:{customer}").items()
            }
            assert row["score"] == score and row["band"] == bands[customer], (customer, row)
            out[customer] = row
        return out
    finally:
        client.close()


def test_health_through_a_kill_equals_the_report(engine_factory) -> None:  # type: ignore[no-untyped-def]
    engine = engine_factory(partitions=4, CSPULSE_SESSION_TIMEOUT="8s", CSPULSE_COMMIT_INTERVAL="600")
    simulate(engine.env, "--count", str(EVENTS), "--span", "30d", "--seed", "12", "--duplicates", "0.01",
             "--out-of-order", "0.02")  # fmt: skip
    a, b = engine.start_worker("a"), engine.start_worker("b")

    def progress() -> float:
        return total(parse_metrics(a.metrics_text()), "cs_events_total")

    wait_for(lambda: progress() > 2000, 120, "worker a started on the burst", [a, b])
    a.kill()  # mid-stream: offsets uncommitted, changelogs (family and joined) ahead
    again = engine.start_worker("a-again", port=a.port)
    workers = [again, b]
    want = report_from_topics(engine.env)
    assert total(want, "cs_customers_health") > 0 and total(want, "cs_time_to_value_seconds_count") > 0
    wait_until_equal(
        workers, want, 240, "the sum over both workers to equal the report", lag=engine.group_lag
    )
    assert differences(scrape_sum(workers), want, HEALTH) == {}
    expected = {e["customer_id"]: e for e in accounts_report(engine.env)}
    assert len(expected) == total(want, "cs_customers_health")
    wait_for(lambda: set(served(engine.env, engine.settings.app_id)) == set(expected), 60,
             "Redis to hold every scored customer", workers)  # fmt: skip
    got = served(engine.env, engine.settings.app_id)
    for customer, entry in expected.items():
        row = got[customer]
        assert (row["score"], row["band"], row["mrr"]) == (entry["score"], entry["band"], entry["mrr"]), (
            customer
        )
        assert row["components"] == entry["components"], customer


def _customer(c: str) -> list[tuple[str, bytes | None, bytes, int | None]]:
    """Healthy: 1 seat, its user active, NPS 0, no tickets, no failed payment: score 80."""
    now = datetime.now(UTC).isoformat()
    base = {"customer_id": c, "occurred_at": now}
    events = [
        ("cs.subscriptions", {"type": "subscription.created", "subscription_id": f"s-{c}", "status": "active",
                              "plan": "pro", "currency": "USD", "amount_minor": 10000, "interval": "month"}),
        ("cs.usage", {"type": "product.used", "user_id": "u1", "feature": "export"}),
        ("cs.surveys", {"type": "survey.responded", "survey": "nps", "score": 0}),
        ("cs.payments", {"type": "payment.failed", "payment_id": f"p1-{c}", "amount_minor": 10000,
                         "currency": "USD", "kind": "recurring"}),
    ]  # fmt: skip
    return [
        (t, c.encode(), raw({"event_id": f"{c}-{i}", **base, **body}), None)
        for i, (t, body) in enumerate(events)
    ]


def test_a_failed_payment_moves_the_band_within_seconds(engine_factory) -> None:  # type: ignore[no-untyped-def]
    engine = engine_factory(partitions=2)
    topic = {f"cs.{f}": engine.topic(f) for f in ("subscriptions", "usage", "surveys", "payments")}
    worker = engine.start_worker("w")
    seconds = []
    for i in range(5):
        c = f"lat-{i}"
        setup = [(topic[t], k, v, p) for t, k, v, p in _customer(c)]
        asyncio.run(produce_raw(setup))  # one failed payment: billing 60, score 70, still healthy
        # the accounts before this one are at_risk by now: this one is the only healthy one
        wait_for(lambda: total(parse_metrics(worker.metrics_text()), 'cs_customers_health{band="healthy"}')
                 == 1, 60, f"{c} scored healthy", [worker])  # fmt: skip
        second = {"event_id": f"{c}-fail-2", "type": "payment.failed", "customer_id": c,
                  "occurred_at": datetime.now(UTC).isoformat(), "payment_id": f"p2-{c}",
                  "amount_minor": 10000, "currency": "USD", "kind": "recurring"}  # fmt: skip
        asyncio.run(produce_raw([(engine.topic("payments"), c.encode(), raw(second), None)]))
        started = time.monotonic()  # the broker has acknowledged the event
        key = 'cs_customers_health{band="at_risk"}'
        while parse_metrics(worker.metrics_text()).get(key, 0) < i + 1:  # score 60: at_risk
            assert time.monotonic() - started < 60, "the band never changed"
            time.sleep(0.02)
        seconds.append(time.monotonic() - started)
    print(
        f"\nfailed payment -> band change on /metrics: median {statistics.median(seconds):.2f}s, "
        f"max {max(seconds):.2f}s over {len(seconds)} accounts (broker ack to scrape: fetch, step, scrape)"
    )
