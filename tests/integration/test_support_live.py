"""Issue 4: 50,000 ticket and survey records, 10% out of order, 2% duplicated, 0.5%
invalid, on the real broker.

/metrics equals the report read back from the topics and the independent batch
references (tests/reference/) computed from the records read back with a plain
consumer, and the real Prometheus,
scraping the worker, computes first-response quantiles from the windowed buckets
within one bucket of the exact batch quantiles.
"""

from __future__ import annotations

import asyncio
import bisect
import json
import time
import urllib.parse
import urllib.request
from datetime import UTC, datetime

from schemas.decode import Decoder
from schemas.events import TicketEvent
from streams.metrics.histograms import BUCKETS
from streams.worker.readback import read_topic
from tests.integration.live_reference import check_live
from tests.integration.report_check import differences, report_from_topics, simulate
from tests.integration.stack import PROMETHEUS_URL, drain_rate, scrape_sum, wait_for

EVENTS = 50_000
# The support reference does not model the retirement of tickets closed and quiet past
# the 30d horizon: a span of a few days keeps every event far from it.
SPAN = "3d"
PROMETHEUS = PROMETHEUS_URL
SCRAPED_PORT = 6068  # one of the targets in prometheus/prometheus.yml


def _prom(query: str) -> list[dict]:
    url = f"{PROMETHEUS}/api/v1/query?" + urllib.parse.urlencode({"query": query})
    with urllib.request.urlopen(url, timeout=10) as resp:
        body = json.loads(resp.read())
    assert body["status"] == "success", body
    return body["data"]["result"]


def _first_responses(engine) -> list[float]:
    """Exact first response times from the events, the plain way."""
    parts = asyncio.run(read_topic(engine.settings, engine.topic("tickets")))
    decoder = Decoder("tickets", None)
    now = datetime.now(UTC)
    tickets: dict[tuple[str, str], list[TicketEvent]] = {}
    for messages in parts.values():
        for m in messages:
            e = decoder.decode(m.value, now)
            if isinstance(e, TicketEvent):
                tickets.setdefault((e.customer_id, e.ticket_id), []).append(e)
    out = []
    for events in tickets.values():
        created = [e for e in events if e.type == "ticket.created"]
        if not created:
            continue
        first = min(created, key=lambda e: e.occurred_at)
        if first.initiated_by == "agent":
            continue
        replies = [
            e.occurred_at for e in events if e.type == "ticket.replied" and e.author == "agent" and e.public
        ]
        if replies:
            out.append(max(0.0, (min(replies) - first.occurred_at).total_seconds()))
    return sorted(out)


def _quantile(values: list[float], q: float) -> float:
    return values[min(len(values) - 1, int(q * len(values)))]


def _bucket(value: float) -> int:
    return bisect.bisect_left(BUCKETS, value)


def test_burst_of_tickets_and_surveys_matches_report_and_prometheus(engine):
    simulate(
        engine.env,
        "--count", str(EVENTS),
        "--customers", "3000",
        "--mix", "tickets=0.7,surveys=0.3",
        "--span", SPAN,
        "--out-of-order", "0.1",
        "--duplicates", "0.02",
        "--bad-records", "0.005",
    )  # fmt: skip
    worker = engine.start_worker(port=SCRAPED_PORT)  # after the burst: it drains a backlog
    keys = [
        f'cs_events_total{{outcome="{o}",topic="{engine.topic(f)}"}}'
        for f in ("tickets", "surveys")
        for o in ("applied", "duplicate", "stale")
    ]

    def seen(got: dict[str, float]) -> float:
        return sum(got.get(k, 0.0) for k in keys) + sum(
            v for k, v in got.items() if k.startswith("cs_deadletter_total")
        )

    rate = drain_rate([worker], seen, EVENTS, 600)
    want = report_from_topics(engine.env)
    got = scrape_sum([worker])
    assert differences(got, want) == {}
    assert (
        got.get(f'cs_events_total{{outcome="applied",topic="{engine.topic("tickets")}"}}', 0)
        > 0.9 * 0.7 * EVENTS
    )
    print(f"\nticket+survey agents drained {EVENTS} records at {rate:,.0f} events/s")

    started = time.monotonic()
    families = {f: engine.topic(f) for f in ("tickets", "surveys")}
    compared = check_live([worker], families, {})
    print(f"references agree on {compared} series ({time.monotonic() - started:.1f}s)")

    frts = _first_responses(engine)
    assert len(frts) > 1000
    assert got['cs_first_response_window_seconds_count{window="30d"}'] == len(frts)
    for q in (0.5, 0.9):
        exact = _quantile(frts, q)
        query = (
            f'histogram_quantile({q}, sum by (le) (cs_first_response_window_seconds_bucket{{window="30d"}}))'
        )

        def prom_close(query: str = query, exact: float = exact) -> bool:
            result = _prom(query)
            return bool(result) and abs(_bucket(float(result[0]["value"][1])) - _bucket(exact)) <= 1

        wait_for(prom_close, 60, f"Prometheus p{int(q * 100)} within a bucket of {exact:.0f}s", [worker])
        rule = f'cs:first_response_seconds:p{int(q * 100)}{{window="30d"}}'
        wait_for(lambda rule=rule, exact=exact: prom_close(rule, exact), 60, f"rule {rule}", [worker])
