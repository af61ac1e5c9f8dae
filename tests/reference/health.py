"""Plain batch recomputation of the health score, MRR at risk and time to value.

From CONTRACT v1.1 sections 5, 6 ("Health score and MRR at risk", "time to value") and 7,
plus the engine's documented choices where the contract is silent (README "Definitions",
streams/metrics/health.py's docstring), never from the engine's code: it imports nothing
from `streams/` or `schemas/`.

Input: every event of every family as the JSON objects a producer sends (or `Rejected`
markers, which reach no domain), in arrival order. Each event is placed on its partition
with Kafka's murmur2 partitioner (written out below from its definition); on each
partition every topic gets its own CONTRACT 5 intake (`common.Intake`: duplicates per
topic within the dedupe horizon, whether the first copy was applied or stale). After
intake the definitions are evaluated in one pass over all events, at the partition's
own clock `T`: the latest `occurred_at` applied there in any family, whole seconds.

Choices followed (documented by the engine):
- inputs are whole seconds, rounded down: an input at second `a` is inside window `W`
  at `T` when `a > T - W`; a first-response target's deadline `d` is the ceiling, to the
  second, of creation + target (wall-clock), and it is missed once `T >= d`; a ticket is
  overdue while open, customer-initiated, with no public agent reply and a known creation;
- sentiment reads the latest NPS response (by exact `occurred_at`; on a tie the lower
  score) when its second is inside 90d, else the latest CSAT likewise; CES never; none: 60;
- seats and billing read the subscriptions whose current state (last writer wins by
  `occurred_at`, the later arrival on a tie) is counted (`active`, `past_due`) and not
  ended by `subscription.canceled`; seats at least 1;
- the score is `floor(sum w_i c_i + 1/2)` with exact fractions; only customers with
  MRR > 0 (CONTRACT MRR, `revenue.subscription_mrr`) have one;
- time to value runs from the customer's earliest subscription event (any status, stale
  ones included, duplicates not) to its earliest `product.used` (any feature), exact
  microseconds, `max(0, ...)`, counted once both exist, at the second of the later one.

Retirement of quiet closed tickets (README "Definitions": a ticket closed and quiet for
longer than the widest window is retired and later events for it are `stale`) is not
modelled: the tests that use this reference keep every ticket event within 20 days of
the clock, as tests/reference/support.py's users do.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from tests.reference.common import DEDUPE_HORIZON, Expected, Intake, Record, Rejected, instant, micros
from tests.reference.revenue import COUNTED, Fx, subscription_mrr
from tests.reference.support import TARGETS

DAY = 86400
WEIGHTS = {
    "usage": Fraction(35, 100),
    "support": Fraction(20, 100),
    "sentiment": Fraction(20, 100),
    "billing": Fraction(25, 100),
}
USAGE_WINDOW = 7 * DAY
BILLING_WINDOW = 30 * DAY
SENTIMENT_WINDOW = 90 * DAY
HEALTHY, AT_RISK = 70, 40
SCORE_BOUNDS = list(range(10, 101, 10))
TTV_BOUNDS = [3600, 14400, 86400, 259200, 604800, 1209600, 2592000]
TOPICS = {
    "subscription": "cs.subscriptions",
    "payment": "cs.payments",
    "survey": "cs.surveys",
    "ticket": "cs.tickets",
    "product": "cs.usage",
    "cost": "cs.costs",
    "referral": "cs.growth",
    "offer": "cs.growth",
}
Event = Mapping[str, Any]


def murmur2(data: bytes) -> int:
    """Kafka's murmur2 (the Java client's `Utils.murmur2`), as an unsigned 32-bit value."""
    mask = 0xFFFFFFFF
    m, r = 0x5BD1E995, 24
    h = (0x9747B28C ^ len(data)) & mask
    whole = len(data) // 4
    for i in range(whole):
        k = int.from_bytes(data[4 * i : 4 * i + 4], "little")
        k = (k * m) & mask
        k ^= k >> r
        k = (k * m) & mask
        h = (h * m) & mask
        h ^= k
    tail = data[4 * whole :]
    if len(tail) >= 3:
        h ^= tail[2] << 16
    if len(tail) >= 2:
        h ^= tail[1] << 8
    if len(tail) >= 1:
        h ^= tail[0]
        h = (h * m) & mask
    h ^= h >> 13
    h = (h * m) & mask
    h ^= h >> 15
    return h


def partition_of(customer_id: str, partitions: int) -> int:
    """Kafka's default partitioner for a keyed record: positive murmur2 modulo the count."""
    return (murmur2(customer_id.encode()) & 0x7FFFFFFF) % partitions


def band_of(score: int) -> str:
    return "healthy" if score >= HEALTHY else "at_risk" if score >= AT_RISK else "critical"


@dataclass(frozen=True)
class Score:
    score: int
    band: str
    mrr: int  # micro minor units of the reporting currency
    components: dict[str, Fraction]


@dataclass
class Health:
    """One partition: its clock, its scored customers, and its series (`expected`)."""

    clock: int = 0
    scores: dict[str, Score] = field(default_factory=dict)
    ttv: dict[str, tuple[int, int]] = field(default_factory=dict)  # customer -> (micros, second)
    expected: Expected = field(default_factory=Expected)


@dataclass
class _Customer:
    subs: dict[str, Event] = field(default_factory=dict)  # subscription_id -> last applied
    first_subscription: Fraction | None = None
    failed: list[Fraction] = field(default_factory=list)
    tickets: dict[str, list[Event]] = field(default_factory=lambda: defaultdict(list))
    surveys: list[Event] = field(default_factory=list)
    last_use: dict[str, Fraction] = field(default_factory=dict)  # user -> latest use
    first_use: Fraction | None = None


def _earliest(current: Fraction | None, at: Fraction) -> Fraction:
    return at if current is None or at < current else current


def _usage(c: _Customer, clock: int) -> Fraction:
    seats = sum(
        e.get("quantity", 1)
        for e in c.subs.values()
        if e["type"] != "subscription.canceled" and e["status"] in COUNTED
    )
    active = sum(1 for at in c.last_use.values() if math.floor(at) > clock - USAGE_WINDOW)
    return min(Fraction(100), Fraction(100 * active, max(1, seats)))


def _ticket_state(events: list[Event], clock: int, targets: Mapping[str, int]) -> tuple[bool, bool]:
    """(open, overdue for a first response at `clock`) of one ticket."""
    events = sorted(events, key=lambda e: instant(e["occurred_at"]))
    creations = [e for e in events if e["type"] == "ticket.created"]
    if not creations:
        return False, False
    # the earliest creation (as the ticket reference picks it)
    created, _, priority, _, by_agent = min(
        (
            instant(e["occurred_at"]),
            e.get("channel") or "other",
            e.get("priority", "normal"),
            e.get("team", "unassigned"),
            e.get("initiated_by", "customer") == "agent",
        )
        for e in creations
    )
    replied = any(
        e["type"] == "ticket.replied" and e.get("author") == "agent" and e.get("public", True) for e in events
    )
    # the lifecycle: at equal times a reopen follows a resolve
    marks = sorted(
        [(instant(e["occurred_at"]), 0) for e in events if e["type"] == "ticket.resolved"]
        + [(instant(e["occurred_at"]), 1) for e in events if e["type"] == "ticket.reopened"]
    )
    is_open = True if not marks else marks[-1][1] == 1
    target = targets.get(priority)
    overdue = False
    if is_open and not by_agent and not replied and target is not None:
        deadline = math.ceil(created + target)
        overdue = clock >= deadline
    return is_open, overdue


def _support(c: _Customer, clock: int, targets: Mapping[str, int]) -> Fraction:
    states = [_ticket_state(events, clock, targets) for events in c.tickets.values()]
    open_tickets = sum(1 for is_open, _ in states if is_open)
    overdue = sum(1 for _, late in states if late)
    return Fraction(max(0, 100 - 15 * open_tickets - 35 * overdue))


def _sentiment(c: _Customer, clock: int) -> Fraction:
    for survey in ("nps", "csat"):
        responses = [e for e in c.surveys if e["survey"] == survey]
        if not responses:
            continue
        # latest by exact time; on a tie the lower score
        latest = max(responses, key=lambda e: (instant(e["occurred_at"]), -e["score"]))
        if math.floor(instant(latest["occurred_at"])) > clock - SENTIMENT_WINDOW:
            score = latest["score"]
            if survey == "nps":
                return Fraction(100 if score >= 9 else 60 if score >= 7 else 0)
            return Fraction(100 if score >= 4 else 60 if score == 3 else 0)
    return Fraction(60)


def _billing(c: _Customer, clock: int) -> Fraction:
    for e in c.subs.values():
        counted = e["type"] != "subscription.canceled" and e["status"] in COUNTED
        if counted and (e["status"] == "past_due" or e.get("cancel_at_period_end")):
            return Fraction(0)
    failed = sum(1 for at in c.failed if math.floor(at) > clock - BILLING_WINDOW)
    return Fraction(max(0, 100 - 40 * failed))


def score_of(components: Mapping[str, Fraction]) -> int:
    return math.floor(sum(WEIGHTS[n] * v for n, v in components.items()) + Fraction(1, 2))


def _observe(
    out: Expected, name: str, value: int, bounds: list[int], scale: int, at: Fraction | None
) -> None:
    """One observation into cumulative buckets (`le` of bound/1 seconds or points)."""

    def emit(series: str, v: int, **labels: str) -> None:
        if at is None:
            out.add(series, v, **labels)
        else:
            out.point(series, at, v, **labels)

    for bound in bounds:
        if value <= bound * scale:
            emit(f"{name}_bucket", 1, le=f"{bound}.0")
    emit(f"{name}_bucket", 1, le="+Inf")
    emit(f"{name}_sum", value)
    emit(f"{name}_count", 1)


def health_reference(
    records: Iterable[Record],
    fx: Fx,
    *,
    partitions: int = 1,
    targets: Mapping[str, int] = TARGETS,
    horizon: int = DEDUPE_HORIZON,
) -> dict[int, Health]:
    """Per partition (that saw a valid event): clock, scores, time to value, series."""
    intakes: dict[tuple[int, str], Intake] = {}
    customers: dict[int, dict[str, _Customer]] = defaultdict(lambda: defaultdict(_Customer))
    for record in records:
        if isinstance(record, Rejected):
            continue
        family = record["type"].split(".")[0]
        topic = TOPICS[family]
        part = partition_of(record["customer_id"], partitions)
        intake = intakes.setdefault((part, topic), Intake(topic, horizon))
        event = intake.admit(record)
        if event is None:
            continue
        c = customers[part][event["customer_id"]]
        at = instant(event["occurred_at"])
        applied = True
        if family == "subscription":
            c.first_subscription = _earliest(c.first_subscription, at)  # stale ones too
            previous = c.subs.get(event["subscription_id"])
            if previous is not None and at < instant(previous["occurred_at"]):
                applied = False
            else:
                c.subs[event["subscription_id"]] = event
        elif family == "payment":
            if event["type"] == "payment.failed":
                c.failed.append(at)
        elif family == "ticket":
            applied = event["type"] != "ticket.replied" or event.get("author") is not None
            if applied:
                c.tickets[event["ticket_id"]].append(event)
        elif family == "survey":
            if event["survey"] in ("nps", "csat"):
                c.surveys.append(event)
        elif family == "product":
            user = event["user_id"]
            c.last_use[user] = max(c.last_use.get(user, at), at)
            c.first_use = _earliest(c.first_use, at)
        intake.done(event, applied=applied)

    out: dict[int, Health] = {}
    for part in sorted({p for p, _ in intakes}):
        clock = max(intake.clock for (p, _), intake in intakes.items() if p == part)
        health = out[part] = Health(clock)
        health.expected.clock = clock
        for customer, c in sorted(customers[part].items()):
            mrr = sum(subscription_mrr(e, fx) for e in c.subs.values())
            if mrr > 0:
                components = {
                    "usage": _usage(c, clock),
                    "support": _support(c, clock, targets),
                    "sentiment": _sentiment(c, clock),
                    "billing": _billing(c, clock),
                }
                score = score_of(components)
                found = health.scores[customer] = Score(score, band_of(score), mrr, components)
                health.expected.add("cs_customers_health", 1, band=found.band)
                health.expected.add("cs_mrr_health", mrr, band=found.band)
                _observe(health.expected, "cs_health_score", score, SCORE_BOUNDS, 1, None)
            if c.first_subscription is not None and c.first_use is not None:
                ttv = max(0, micros(c.first_use - c.first_subscription))
                second = math.floor(max(c.first_use, c.first_subscription))
                health.ttv[customer] = (ttv, second)
                _observe(health.expected, "cs_time_to_value_seconds", ttv, TTV_BOUNDS, 10**6, None)
                _observe(
                    health.expected,
                    "cs_time_to_value_window_seconds",
                    ttv,
                    TTV_BOUNDS,
                    10**6,
                    Fraction(second),
                )
    return out
