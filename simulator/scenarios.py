"""Incident scenarios: a short, quiet history, then an incident that happens now.

    scenario = SCENARIOS["churn-spike"](now=datetime.now(UTC), seed=42, size=200)
    publish(scenario.baseline); publish(scenario.spike)

`baseline` (events of the past, publish first) sets the scene so that the alert has
a baseline to compare against; `spike` is the incident, the records whose arrival
should raise `alerts` (alert names of prometheus/rules/alerts.yml). Hand-built and
small, unlike the Simulator's open-ended stream, so that what the alert sees is known
exactly; the same (now, seed, size) give the same bytes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from random import Random
from typing import Any

import orjson

from simulator.catalog import PLANS, SEAT_USD
from simulator.config import SimRecord

DAY = timedelta(days=1)
HOUR = timedelta(hours=1)
MINUTE = timedelta(minutes=1)
SECOND = timedelta(seconds=1)


@dataclass(frozen=True)
class Scenario:
    name: str
    baseline: list[SimRecord]
    spike: list[SimRecord]
    alerts: tuple[str, ...]  # what the spike should raise


class _Events:
    """Valid events with ids unique to the scenario, its seed and its clock."""

    def __init__(self, name: str, seed: int, now: datetime) -> None:
        self._prefix = f"scn-{name}-{seed}-{int(now.timestamp())}-"
        self._n = 0

    def __call__(self, family: str, kind: str, customer: str, at: datetime, **fields: Any) -> SimRecord:
        self._n += 1
        event = {
            "event_id": f"{self._prefix}{self._n}",
            "type": kind,
            "occurred_at": at,
            "customer_id": customer,
            "schema_version": 1,
            **fields,
        }
        return SimRecord(family, customer.encode(), orjson.dumps(event, option=orjson.OPT_UTC_Z), True)


def _occurred(record: SimRecord) -> datetime:
    return datetime.fromisoformat(orjson.loads(record.value)["occurred_at"])


def churn_spike(now: datetime, seed: int = 42, size: int = 200) -> Scenario:
    """`size` monthly customers signed up 35-40 days ago; 2 % of them cancel 20-29 days
    ago (the normal churn the 30d window sees), the rest renew 5-10 days ago. Then 10 %
    (at least 5) cancel within the last minute: the 24h churn rate is ~10 %, the 30d
    daily average ~0.4 %."""
    rng = Random(f"{seed}/churn-spike")
    ev = _Events("churn-spike", seed, now)
    customers = [f"cus_scn_{i:05d}" for i in range(size)]
    subs: dict[str, dict[str, Any]] = {}
    baseline: list[SimRecord] = []
    for i, cus in enumerate(customers):
        tier = rng.randrange(len(PLANS))
        seats = rng.randint(1, 10)
        created = now - 40 * DAY + i * (5 * DAY / size)
        subs[cus] = {
            "subscription_id": f"sub_scn_{i:05d}",
            "status": "active",
            "plan": PLANS[tier],
            "currency": "USD",
            "amount_minor": round(SEAT_USD[tier] * 100),
            "quantity": seats,
            "interval": "month",
            "current_period_end": created + 30 * DAY,
        }
        baseline.append(ev("subscriptions", "subscription.created", cus, created, **subs[cus]))
    order = rng.sample(customers, size)
    normal = order[: max(1, size // 50)]
    spiked = order[len(normal) : len(normal) + max(5, size // 10)]
    gone = set(normal)
    for j, cus in enumerate(normal):
        at = now - 29 * DAY + j * (9 * DAY / len(normal))
        canceled = subs[cus] | {"status": "canceled"}
        baseline.append(ev("subscriptions", "subscription.canceled", cus, at, **canceled))
    for cus in customers:
        if cus in gone:
            continue
        renewed_at = subs[cus]["current_period_end"]
        subs[cus] = subs[cus] | {"current_period_end": renewed_at + 30 * DAY}
        baseline.append(ev("subscriptions", "subscription.renewed", cus, renewed_at, **subs[cus]))
    baseline.sort(key=_occurred)
    spike = [
        ev("subscriptions", "subscription.canceled", cus, now - (len(spiked) - j) * SECOND,
           **(subs[cus] | {"status": "canceled"}))
        for j, cus in enumerate(spiked)
    ]  # fmt: skip
    return Scenario("churn-spike", baseline, spike, ("CSChurnSpike", "CSMRRDrop"))


def response_time_spike(now: datetime, seed: int = 42, size: int = 200) -> Scenario:
    """`size` / 10 (at least 20) tickets over the last 23 hours, each answered within
    10-40 minutes and resolved. Then the backlog surfaces: half as many high-priority
    tickets opened 5-7 hours ago get their first reply now (the 24h p90 first response
    jumps over 4h), and a few urgent ones opened 2 hours ago are still unanswered
    (overdue: the urgent target is 1h)."""
    rng = Random(f"{seed}/response-time-spike")
    ev = _Events("response-time-spike", seed, now)
    n = max(20, size // 10)
    customer = [f"cus_scn_{i:05d}" for i in range(size)]
    opened = {"channel": "email", "team": "support", "initiated_by": "customer"}
    reply = {"author": "agent", "public": True}
    baseline: list[SimRecord] = []
    for i in range(n):
        tid, cus = f"tkt_scn_{i:05d}", customer[i % size]
        at = now - 23 * HOUR + i * (22 * HOUR / n)
        replied = at + rng.randint(10, 40) * MINUTE
        priority = ("normal", "high", "urgent", "low")[i % 4]
        baseline += [
            ev("tickets", "ticket.created", cus, at, ticket_id=tid, priority=priority, **opened),
            ev("tickets", "ticket.replied", cus, replied, ticket_id=tid, **reply),
            ev("tickets", "ticket.resolved", cus, replied + 30 * MINUTE, ticket_id=tid),
        ]
    baseline.sort(key=_occurred)
    late = [(f"tkt_scn_{i:05d}", customer[i % size]) for i in range(n, n + n // 2)]
    start = n + len(late)
    waiting = [(f"tkt_scn_{i:05d}", customer[i % size]) for i in range(start, start + max(2, n // 20))]
    spike = [
        ev("tickets", "ticket.created", cus, now - 5 * HOUR - j * (2 * HOUR / len(late)),
           ticket_id=tid, priority="high", **opened)
        for j, (tid, cus) in enumerate(late)
    ] + [
        ev("tickets", "ticket.created", cus, now - 2 * HOUR + j * SECOND,
           ticket_id=tid, priority="urgent", **opened)
        for j, (tid, cus) in enumerate(waiting)
    ] + [
        ev("tickets", "ticket.replied", cus, now - (len(late) - j) * SECOND, ticket_id=tid, **reply)
        for j, (tid, cus) in enumerate(late)
    ]  # fmt: skip
    return Scenario(
        "response-time-spike", baseline, spike, ("CSFirstResponseP90AboveTarget", "CSFirstResponseOverdue")
    )


SCENARIOS: dict[str, Callable[..., Scenario]] = {
    "churn-spike": churn_spike,
    "response-time-spike": response_time_spike,
}
