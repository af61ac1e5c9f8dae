"""Every panel of every generated dashboard has data on the real Prometheus.

A real worker processes a day of simulator history (with late, duplicate and invalid
records) and a few hand-made events that place the rare cases in every window, then live
simulator traffic; a Prometheus of the test's own scrapes it every second with the
recording rules of prometheus/rules/. Then every target expression of
grafana/dashboards/*.json, with each value of each template variable and Grafana's
interval macros substituted, must be a valid query that returns a number.
"""

from __future__ import annotations

import itertools
import json
import math
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest

from bench.common import free_port
from grafana.dashboards_src.common import WINDOWS
from tests.integration.conftest import produce_raw
from tests.integration.report_check import simulate
from tests.integration.stack import PrometheusProcess, run, scrape_sum, wait_for

pytestmark = pytest.mark.integration

DASHBOARDS = Path(__file__).resolve().parents[2] / "grafana" / "dashboards"
BURST = 20_000
# What Grafana would put in for a panel a few hundred pixels wide over the last hours,
# scraped every second: $__rate_interval is at least four scrape intervals.
MACROS = {
    "__rate_interval": "1m",
    "__interval": "15s",
    "__interval_ms": "15000",
    "__range": "1h",
    "__range_s": "3600",
    "__range_ms": "3600000",
}
_VARIABLE = re.compile(r"\$\{(\w+)(?::[^}]*)?\}|\[\[(\w+)(?::[^\]]*)?\]\]|\$(\w+)")
# Series the traffic must have produced, so that panels selecting several kinds
# (new|reactivation, created|resolved|reopened, ...) show each of them.
EXERCISED = (
    *(f'cs_customer_movements_total{{kind="{k}"}}' for k in ("new", "reactivation", "churn")),
    *(f'cs_mrr_movement_total{{kind="{k}"}}' for k in ("expansion", "contraction")),
    *(f'cs_tickets_total{{event="{e}"}}' for e in ("created", "first_replied", "resolved", "reopened")),
    "cs_tickets_first_response_overdue",
    *(f'cs_survey_responses_total{{survey="{s}"}}' for s in ("nps", "csat", "ces")),
    *(f'cs_payments_total{{outcome="{o}"}}' for o in ("succeeded", "failed")),
    'cs_renewals_total{outcome="renewed"}',
    "cs_mrr_scheduled_churn",
    "cs_deadletter_total",
    *(f'cs_events_total{{outcome="{o}"}}' for o in ("applied", "duplicate", "stale")),
    "cs_product_uses_total",
    *(f'cs_cost_amount_total{{category="{c}"}}' for c in ("acquisition", "retention")),
    *(f'cs_referrals_total{{outcome="{o}"}}' for o in ("sent", "converted")),
    *(f'cs_offers_total{{kind="{k}",outcome="{o}"}}' for k in ("upsell", "cross_sell")
      for o in ("presented", "accepted", "declined")),
)  # fmt: skip


def _panels(dashboard: dict) -> Iterator[dict]:
    for panel in dashboard.get("panels", []):
        yield panel
        yield from panel.get("panels", [])  # collapsed rows


def _variables(dashboard: dict) -> dict[str, list[str]]:
    out = {}
    for var in dashboard.get("templating", {}).get("list", []):
        values = [o["value"] for o in var.get("options", [])]
        if not values and var.get("type") == "custom":
            values = [v.strip() for v in var["query"].split(",")]
        assert values, f"variable {var['name']}: no values to substitute"
        out[var["name"]] = values
    return out


def _substitute(expr: str, values: dict[str, str]) -> str:
    def one(match: re.Match[str]) -> str:
        name = next(g for g in match.groups() if g)
        assert name in values, f"unknown variable ${name} in {expr!r}"
        return values[name]

    return _VARIABLE.sub(one, expr)


def _queries() -> list[tuple[str, str, bool]]:
    """(where, expression, one line per window?) for every target of every dashboard,
    once per combination of values of the template variables the expression uses."""
    out = []
    for path in sorted(DASHBOARDS.glob("*.json")):
        dashboard = json.loads(path.read_text(encoding="utf-8"))
        variables = _variables(dashboard)
        for panel in _panels(dashboard):
            for target in panel.get("targets", []):
                template = target["expr"]
                used = sorted({next(g for g in m.groups() if g) for m in _VARIABLE.finditer(template)})
                names = [n for n in used if n in variables]
                for combo in itertools.product(*(variables[n] for n in names)):
                    chosen = dict(zip(names, combo, strict=True))
                    expr = _substitute(template, {**MACROS, **chosen})
                    where = f"{path.name} | {panel['title']} | {target['refId']} | {chosen}"
                    out.append((where, expr, "{{window}}" in target.get("legendFormat", "")))
    return out


def _failures(prom: PrometheusProcess, queries: list[tuple[str, str, bool]]) -> list[str]:
    bad = []
    for where, expr, per_window in queries:
        body = prom.query(expr)
        if body.get("status") != "success":
            bad.append(f"{where}\n    {expr}\n    invalid: {body.get('errorType')}: {body.get('error')}")
            continue
        data = body["data"]
        samples = data["result"]
        if data["resultType"] == "scalar":
            samples = [{"metric": {}, "value": samples}]
        numbers = [s for s in samples if not math.isnan(float(s["value"][1]))]
        if not numbers:
            bad.append(f"{where}\n    {expr}\n    no data: {data['result']}")
        elif per_window and {s["metric"].get("window") for s in numbers} != set(WINDOWS):
            bad.append(f"{where}\n    {expr}\n    not one line per window {WINDOWS}: {data['result']}")
    return bad


def _handmade(now: datetime) -> list[tuple[str, dict[str, Any]]]:
    """(family, event): customers active since before the widest window, so that every
    window has customers and MRR at its start, and in the last hour a new customer, a
    churn, a reactivation, a renewal, payments, answered, resolved, reopened and overdue
    tickets, one survey of each kind, product use (and a user last seen 40 days ago),
    acquisition and retention spend, a referral sent and converted, and offers of both
    kinds presented and decided, so that every window of every ratio has data."""
    n = itertools.count()

    def ev(type_: str, customer: str, ago: timedelta, **fields: Any) -> dict[str, Any]:
        return {
            "event_id": f"dash-{next(n)}",
            "type": type_,
            "occurred_at": (now - ago).isoformat(),
            "customer_id": customer,
            **fields,
        }

    def sub(kind: str, customer: str, ago: timedelta, sub_id: str, **fields: Any) -> dict[str, Any]:
        state = {"status": "active", "plan": "pro", "currency": "USD", "amount_minor": 10_000}
        state |= {"quantity": 3, "interval": "month"}
        return ev(kind, customer, ago, subscription_id=sub_id, **(state | fields))

    def ticket(kind: str, ticket_id: str, ago: timedelta, **fields: Any) -> dict[str, Any]:
        return ev(kind, "dash-keep-1", ago, ticket_id=ticket_id, **fields)

    d, h, m = timedelta(days=1), timedelta(hours=1), timedelta(minutes=1)
    created = {"channel": "email", "priority": "high", "team": "billing", "initiated_by": "customer"}
    reply = {"author": "agent", "public": True}
    events = [
        *(("subscriptions", sub("subscription.created", f"dash-keep-{i}", 40 * d, f"s-keep-{i}"))
          for i in (1, 2, 3)),
        ("subscriptions", sub("subscription.created", "dash-churn", 40 * d, "s-churn")),
        ("subscriptions", sub("subscription.created", "dash-react", 40 * d, "s-react-1")),
        ("subscriptions", sub("subscription.canceled", "dash-react", 35 * d, "s-react-1", status="canceled")),
        ("subscriptions", sub("subscription.updated", "dash-keep-3", 2 * d, "s-keep-3",
                              cancel_at_period_end=True)),
        ("subscriptions", sub("subscription.created", "dash-react", 30 * m, "s-react-2")),
        ("subscriptions", sub("subscription.canceled", "dash-churn", 15 * m, "s-churn", status="canceled")),
        ("subscriptions", sub("subscription.renewed", "dash-keep-1", 10 * m, "s-keep-1")),
        ("subscriptions", sub("subscription.updated", "dash-keep-2", 5 * m, "s-keep-2", quantity=5)),
        ("subscriptions", sub("subscription.updated", "dash-keep-1", 41 * d, "s-keep-1")),  # stale
        ("payments", ev("payment.succeeded", "dash-keep-1", 10 * m, payment_id="p-1", amount_minor=30_000,
                        currency="USD", kind="recurring")),
        ("payments", ev("payment.failed", "dash-keep-2", 9 * m, payment_id="p-2", amount_minor=30_000,
                        currency="USD", kind="recurring")),
        ("payments", ev("payment.succeeded", "dash-keep-2", 8 * m, payment_id="p-3", amount_minor=1,
                        currency="XXX", kind="recurring")),  # dead-lettered: unknown currency
        # t-one: one reply, resolved; t-multi: two replies, resolved, reopened;
        # t-late: urgent, unanswered for longer than its 1h target (overdue).
        ("tickets", ticket("ticket.created", "t-one", 50 * m, **created)),
        ("tickets", ticket("ticket.replied", "t-one", 40 * m, **reply)),
        ("tickets", ticket("ticket.resolved", "t-one", 30 * m)),
        ("tickets", ticket("ticket.created", "t-multi", 55 * m, **created)),
        ("tickets", ticket("ticket.replied", "t-multi", 45 * m, **reply)),
        ("tickets", ticket("ticket.replied", "t-multi", 35 * m, **reply)),
        ("tickets", ticket("ticket.resolved", "t-multi", 25 * m)),
        ("tickets", ticket("ticket.reopened", "t-multi", 20 * m)),
        ("tickets", ticket("ticket.created", "t-late", 3 * h, **(created | {"priority": "urgent"}))),
        *(("surveys", ev("survey.responded", "dash-keep-2", 10 * m, survey=s, score=score))
          for s, score in (("nps", 10), ("nps", 3), ("csat", 5), ("csat", 2), ("ces", 6))),
        *_growth_events(ev, sub),
    ]  # fmt: skip
    duplicate = next(e for f, e in events if f == "surveys")
    return [*events, ("surveys", duplicate)]


def _growth_events(ev: Any, sub: Any) -> list[tuple[str, dict[str, Any]]]:
    """Usage, cost and growth events for _handmade (`ev` and `sub` are its builders)."""
    d, m = timedelta(days=1), timedelta(minutes=1)

    def used(customer: str, user: str, ago: timedelta, feature: str, **fields: Any) -> tuple[str, dict]:
        return ("usage", ev("product.used", customer, ago, user_id=user, feature=feature, **fields))

    def cost(source: str, ago: timedelta, category: str, channel: str, currency: str, amount: int) -> tuple:
        fields = {"category": category, "channel": channel, "currency": currency, "amount_minor": amount}
        return ("costs", ev("cost.incurred", source, ago, **fields))

    def offer(kind: str, offer_id: str, ago: timedelta, offer_kind: str) -> tuple[str, dict]:
        return ("growth", ev(f"offer.{kind}", "dash-keep-2", ago, offer_id=offer_id, kind=offer_kind))

    return [
        ("subscriptions", sub("subscription.created", "dash-new", 20 * m, "s-new")),  # CAC's denominator
        # A customer base from before the burst, whose customers are all new: customers
        # retained through every window (active - new - reactivated, the denominator of
        # the retention cost) stay well above the burst's churned newcomers.
        *(("subscriptions", sub("subscription.created", f"dash-base-{i}", 40 * d, f"s-base-{i}"))
          for i in range(50)),
        used("dash-keep-1", "u-old", 40 * d, "reports"),  # in users ever seen, active in no window
        used("dash-keep-1", "u-1", 6 * m, "dashboard"),
        used("dash-keep-1", "u-2", 5 * m, "reports", count=4),
        used("dash-keep-2", "u-1", 4 * m, "dashboard"),
        cost("cmp_dash_search", 10 * m, "acquisition", "paid_search", "USD", 150_000),
        cost("team_csm_team", 9 * m, "retention", "csm_team", "EUR", 40_000),
        cost("dash-keep-3", 8 * m, "retention", "onboarding", "JPY", 20_000),
        ("growth", ev("referral.sent", "dash-keep-1", 12 * m, referral_id="r-1")),
        ("growth", ev("referral.converted", "dash-keep-1", 6 * m, referral_id="r-1",
                      referred_customer_id="dash-referred")),
        offer("presented", "o-up", 12 * m, "upsell"),
        offer("accepted", "o-up", 6 * m, "upsell"),
        offer("presented", "o-cross", 11 * m, "cross_sell"),
        offer("declined", "o-cross", 5 * m, "cross_sell"),
        offer("accepted", "o-cross-2", 4 * m, "cross_sell"),  # decided, never presented
    ]  # fmt: skip


def test_every_dashboard_panel_returns_data(engine, tmp_path: Path) -> None:
    started = time.monotonic()
    queries = _queries()
    assert len(queries) > 90  # four dashboards, the windowed panels once per window

    worker = engine.start_worker(port=free_port())
    prom = PrometheusProcess([f"127.0.0.1:{worker.port}"], tmp_path / "prometheus").start()
    live: subprocess.Popen[bytes] | None = None
    try:
        handmade = _handmade(datetime.now(UTC))
        run(
            produce_raw(
                [
                    (engine.topic(family), e["customer_id"].encode(), orjson.dumps(e), None)
                    for family, e in handmade
                ]
            )
        )
        simulate(
            engine.env,
            "--count", str(BURST), "--span", "1d", "--seed", "42",
            "--out-of-order", "0.05", "--duplicates", "0.02", "--bad-records", "0.01",
        )  # fmt: skip

        def handled(got: dict[str, float]) -> float:
            counted = ("cs_events_total{", "cs_deadletter_total{")
            return sum(v for k, v in got.items() if k.startswith(counted))

        wanted = BURST + len(handmade)
        wait_for(lambda: handled(scrape_sum([worker])) >= wanted, 120, f"{wanted} records handled", [worker])
        # Then live traffic, as a wallboard sees it, so that rates over the last minute
        # stay non-empty however long the checks below take.
        live = subprocess.Popen(
            [sys.executable, "-m", "streams.cli", "simulate", "--rate", "20", "--seed", "7",
             "--duplicates", "0.05", "--bad-records", "0.02", "--no-progress"],
            env={**os.environ, **engine.env},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )  # fmt: skip
        # Prometheus has scraped the drained state once it has counted as much.
        total = "sum(cs_events_total) + sum(cs_deadletter_total)"
        wait_for(
            lambda: float(prom.query(total)["data"]["result"][0]["value"][1]) >= wanted,
            30,
            "Prometheus to scrape the drained worker",
            [worker],
            detail=prom.log_tail,
        )

        missing = [s for s in EXERCISED if not prom.query(f"sum({s}) > 0")["data"]["result"]]
        assert missing == [], f"the traffic did not produce {missing}"

        # Recording rules run after the scrape: allow a few evaluations before judging.
        deadline = time.monotonic() + 20
        while (failures := _failures(prom, queries)) and time.monotonic() < deadline:
            time.sleep(1)
        assert not failures, f"{len(failures)} of {len(queries)} panel queries fail:\n" + "\n".join(failures)
        print(f"\n{len(queries)} panel queries have data, in {time.monotonic() - started:.0f}s")
    finally:
        if live is not None and live.poll() is None:
            os.killpg(live.pid, signal.SIGTERM)
            live.wait(30)
        prom.stop()
