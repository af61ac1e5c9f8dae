"""The peer: the revenue and ticket aggregations written idiomatically in Quix Streams.

Runs in its own virtualenv (quixstreams pins pydantic < 2.14, the engine does not),
so this file imports nothing from cspulse: `bench.peer` starts it as

    <peer-venv>/bin/python bench/peer_quix.py --broker 127.0.0.1:9092 --group G \\
        --state-dir DIR --expect N --subscriptions T1 --payments T2 --tickets T3 --surveys T4

and reads JSON lines from stdout: {"progress": n} now and then, then {"result": {...}}.

What it computes (all-time figures, per process, in plain dicts):
- subscriptions: last-writer-wins state per subscription (by occurred_at) in Quix
  `State` keyed by customer; customer MRR; movements new / expansion / contraction /
  churn / reactivation; MRR and active subscriptions per plan (reporting currency).
- tickets: per-ticket lifecycle in `State`; first response time (first public agent
  reply - creation, customer-initiated only) as a histogram with the engine's buckets;
  resolution time; touches none/one/multi at the first resolve, a reopen turning
  `one` into `multi` (FCR); open tickets.
- payments and surveys: stateless counts and amounts per outcome / rating.
What it does not do and the engine does: schema validation and dead letters, dedupe
of event ids, order-independent ticket facts (late replies), event-time windows,
repeat-purchase state, exposing per-partition series that survive rebalances (the
peer's global sums live in the process and are not rebuilt after a restart).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import datetime
from typing import Any

from quixstreams import Application, State

FX = {"USD": 1.0, "EUR": 1.08, "GBP": 1.27, "JPY": 0.0067, "CAD": 0.73}
MONTHS = {"day": 365 / 12, "week": 52 / 12, "month": 1.0, "quarter": 1 / 3, "year": 1 / 12}
COUNTED = {"active", "past_due"}
BUCKETS = (60, 300, 900, 1800, 3600, 7200, 14400, 28800, 86400, 172800)

# Global aggregates (one process): what a Prometheus exporter in the peer would serve.
mrr_by_plan: dict[str, float] = {}
subs_by_plan: dict[str, int] = {}
movements: dict[str, float] = {}
customer_moves: dict[str, int] = {}
frt: dict[str, Any] = {"count": 0, "sum": 0.0, "buckets": [0] * (len(BUCKETS) + 1)}
resolution: dict[str, Any] = {"count": 0, "sum": 0.0}
touches = {"none": 0, "one": 0, "multi": 0}
tickets_open = [0]
payments: dict[str, list[float]] = {}
ratings: dict[str, int] = {}


def ts(value: str) -> float:
    return datetime.fromisoformat(value).timestamp()


def sub_mrr(event: dict[str, Any]) -> float:
    if event["type"] == "subscription.canceled" or event["status"] not in COUNTED:
        return 0.0
    net = event["amount_minor"] * event.get("quantity", 1) - event.get("discount_minor", 0)
    monthly = max(0, net) * MONTHS[event["interval"]] / event.get("interval_count", 1)
    return monthly * FX[event["currency"]]


def subscription(event: dict[str, Any], state: State) -> dict[str, Any]:
    """Apply one subscription event to its customer's state; returns the changes."""
    key = "sub:" + event["subscription_id"]
    at = ts(event["occurred_at"])
    old = state.get(key)
    if old is not None and at < old[0]:
        return {"stale": True}
    mrr = sub_mrr(event)
    state.set(key, [at, event["plan"], mrr])
    out: dict[str, Any] = {"plans": []}
    if old is not None and old[2]:
        out["plans"].append((old[1], -old[2], -1))
    if mrr:
        out["plans"].append((event["plan"], mrr, 1))
    before = state.get("mrr", 0.0)
    after = before - (old[2] if old is not None else 0.0) + mrr
    state.set("mrr", after)
    if abs(after - before) > 1e-9:
        if before <= 1e-9:
            kind = "reactivation" if state.get("ever_active", False) else "new"
            state.set("ever_active", True)
            out["move"] = (kind, after)
        elif after <= 1e-9:
            out["move"] = ("churn", before)
        elif after > before:
            out["move"] = ("expansion", after - before)
        else:
            out["move"] = ("contraction", before - after)
    return out


def revenue(change: dict[str, Any]) -> None:
    for plan, mrr, subs in change.get("plans", ()):
        mrr_by_plan[plan] = mrr_by_plan.get(plan, 0.0) + mrr
        subs_by_plan[plan] = subs_by_plan.get(plan, 0) + subs
    move = change.get("move")
    if move is not None:
        kind, amount = move
        movements[kind] = movements.get(kind, 0.0) + amount
        if kind in ("new", "churn", "reactivation"):
            customer_moves[kind] = customer_moves.get(kind, 0) + 1


def ticket(event: dict[str, Any], state: State) -> dict[str, Any]:
    """Apply one ticket event to the ticket's state (a sub-key of the customer's state)."""
    key = "tkt:" + event["ticket_id"]
    t = state.get(key) or {"created": None, "agent": False, "replies": 0, "first_reply": None,
                           "resolved": None, "touch": None, "open": False}  # fmt: skip
    at = ts(event["occurred_at"])
    out: dict[str, Any] = {}
    kind = event["type"]
    if kind == "ticket.created":
        t["created"] = at
        t["agent"] = event.get("initiated_by") == "agent"
        t["open"] = True
        out["open"] = 1
    elif kind == "ticket.replied":
        if event.get("author") == "agent" and event.get("public", True) and not t["agent"]:
            if t["first_reply"] is None and t["created"] is not None:
                t["first_reply"] = at
                out["frt"] = max(0.0, at - t["created"])
            if t["resolved"] is None:
                t["replies"] += 1
    elif kind == "ticket.resolved":
        if t["open"]:
            t["open"] = False
            out["open"] = -1
        if t["resolved"] is None:
            t["resolved"] = at
            if t["created"] is not None:
                out["resolution"] = max(0.0, at - t["created"])
            if not t["agent"]:
                n = t["replies"]
                t["touch"] = "none" if n == 0 else "one" if n == 1 else "multi"
                out["touch"] = (None, t["touch"])
    elif kind == "ticket.reopened":
        if not t["open"]:
            t["open"] = True
            out["open"] = 1
        if t["touch"] == "one":
            t["touch"] = "multi"
            out["touch"] = ("one", "multi")
    state.set(key, t)
    return out


def support(change: dict[str, Any]) -> None:
    if "open" in change:
        tickets_open[0] += change["open"]
    seconds = change.get("frt")
    if seconds is not None:
        frt["count"] += 1
        frt["sum"] += seconds
        i = next((i for i, b in enumerate(BUCKETS) if seconds <= b), len(BUCKETS))
        frt["buckets"][i] += 1
    if "resolution" in change:
        resolution["count"] += 1
        resolution["sum"] += change["resolution"]
    if "touch" in change:
        old, new = change["touch"]
        if old is not None:
            touches[old] -= 1
        touches[new] += 1


def payment(event: dict[str, Any]) -> None:
    row = payments.setdefault(event["type"], [0, 0.0])
    row[0] += 1
    row[1] += event["amount_minor"] * FX.get(event["currency"], 0.0)


def survey(event: dict[str, Any]) -> None:
    score, kind = event["score"], event["survey"]
    if kind == "nps":
        rating = "promoter" if score >= 9 else "passive" if score >= 7 else "detractor"
    elif kind == "csat":
        rating = "satisfied" if score >= 4 else "neutral" if score == 3 else "dissatisfied"
    else:
        rating = "easy" if score >= 5 else "neutral" if score == 4 else "difficult"
    ratings[f"{kind}:{rating}"] = ratings.get(f"{kind}:{rating}", 0) + 1


class Counter:
    """Counts processed records; stops the app once all expected ones are through."""

    def __init__(self, app: Application, expect: int) -> None:
        self.app, self.expect, self.n = app, expect, 0
        self.first = self.last = 0.0
        self.n_first = 0

    def __call__(self, _value: Any) -> None:
        self.n += 1
        now = time.monotonic()
        if self.n == 1:
            self.first = now
        self.last = now
        if self.n % 20_000 == 0:
            print(json.dumps({"progress": self.n}), flush=True)
        if self.n >= self.expect:
            self.app.stop()


def rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def main() -> int:
    p = argparse.ArgumentParser(description="Quix Streams peer of the cspulse engine (see the docstring)")
    p.add_argument("--broker", required=True)
    p.add_argument("--group", required=True)
    p.add_argument("--state-dir", required=True)
    p.add_argument("--expect", type=int, required=True, help="records to process before stopping")
    for family in ("subscriptions", "payments", "tickets", "surveys"):
        p.add_argument(f"--{family}", required=True, help=f"the {family} topic")
    args = p.parse_args()

    app = Application(
        broker_address=args.broker,
        consumer_group=args.group,
        auto_offset_reset="earliest",
        state_dir=args.state_dir,
        loglevel="WARNING",
    )
    count = Counter(app, args.expect)

    def topic(name: str) -> Any:
        return app.topic(name, key_deserializer="str", value_deserializer="json")

    subs = app.dataframe(topic(args.subscriptions))
    subs = subs.apply(subscription, stateful=True)
    subs = subs.update(revenue)
    subs = subs.update(count)

    tickets = app.dataframe(topic(args.tickets))
    tickets = tickets.apply(ticket, stateful=True)
    tickets = tickets.update(support)
    tickets = tickets.update(count)

    pays = app.dataframe(topic(args.payments))
    pays = pays.update(payment)
    pays = pays.update(count)

    surveys = app.dataframe(topic(args.surveys))
    surveys = surveys.update(survey)
    surveys = surveys.update(count)

    started = time.monotonic()
    app.run()
    seconds = count.last - count.first
    result = {
        "records": count.n,
        "seconds": seconds,
        "events_per_s": (count.n - 1) / seconds if seconds > 0 else 0.0,
        "startup_s": count.first - started if count.first else None,
        "rss_bytes": rss(),
        "cpu_s": sum(os.times()[:2]),
        "figures": {
            "mrr_by_plan": mrr_by_plan,
            "subscriptions_by_plan": subs_by_plan,
            "movements": movements,
            "customer_movements": customer_moves,
            "first_response": frt,
            "resolution": resolution,
            "touches": touches,
            "tickets_open": tickets_open[0],
            "payments": payments,
            "ratings": ratings,
        },
    }
    print(json.dumps({"result": result}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
