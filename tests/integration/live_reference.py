"""Live /metrics against the independent batch references (tests/reference/).

The comparison with `cspulse report` runs the engine's own processor and metric
code on both sides: it proves distribution (nothing lost or counted twice), not the
metrics. Here the records are read back from the topics with a plain aiokafka
consumer, classified with the contract's rejection rules (reference/rejection.py),
fed partition by partition, in offset order, to the batch references, and every
series a reference covers is compared with the workers' /metrics, per partition and
summed across workers: exactly for series without a window, within the references'
one-bucket tolerance for windowed ones, at the clock each reference computes from the
events (which must be the worker's `cs_last_event_timestamp_seconds`).

Nothing here imports the engine: units are the contract's (money in reporting major
units, durations in seconds), converted back to the references' exact integers.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from fractions import Fraction

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.partitioner import murmur2
from prometheus_client.parser import text_string_to_metric_families

from tests.integration.stack import BOOTSTRAP, WorkerProcess
from tests.reference.common import WINDOWS, Expected, Key, differences, key
from tests.reference.rejection import classify
from tests.reference.revenue import MINOR_DIGITS, Fx, payment_reference, subscription_reference
from tests.reference.support import survey_reference, ticket_reference

# every series name a reference computes, by family (windowed ones without `window`)
_HISTOGRAMS = tuple(
    f"cs_{kind}{part}_seconds_{suffix}"
    for kind in ("first_response", "resolution")
    for part in ("", "_window")
    for suffix in ("bucket", "sum", "count")
)
COVERED = {
    "subscriptions": (
        "cs_mrr", "cs_subscriptions_active", "cs_mrr_scheduled_churn", "cs_customers_active",
        "cs_mrr_movement_total", "cs_mrr_movement", "cs_customer_movements_total",
        "cs_customer_movements", "cs_renewals_total", "cs_renewals",
    ),
    "payments": (
        "cs_payments_total", "cs_payment_amount_total", "cs_payments", "cs_payment_amount",
        "cs_paying_customers",
    ),
    "tickets": (
        "cs_tickets_total", "cs_tickets_open", "cs_tickets_first_response_overdue",
        "cs_tickets_resolved", *_HISTOGRAMS,
    ),
    "surveys": (
        "cs_survey_responses_total", "cs_survey_score_sum_total", "cs_survey_comments_total",
        "cs_survey_responses", "cs_survey_score_sum",
    ),
}  # fmt: skip
INTAKE = ("cs_events_total", "cs_deadletter_total")
MONEY = frozenset(
    {"cs_mrr", "cs_mrr_scheduled_churn", "cs_mrr_movement_total", "cs_mrr_movement"}
    | {"cs_payment_amount_total", "cs_payment_amount"}
)


def scale_of(name: str, reporting: str = "USD") -> int:
    """Reference units per exported unit: micro reporting minor units per major unit for
    money, microseconds per second for a duration sum, else 1 (a count)."""
    if name in MONEY:
        return 10**6 * 10 ** MINOR_DIGITS[reporting]
    return 10**6 if name.endswith("_seconds_sum") else 1


def _bounds(expected: Expected, windows: Mapping[str, int] = WINDOWS) -> dict[Key, tuple[int, int]]:
    """Per scraped key, the values `differences` accepts: (v, v) without a window, the
    tolerance's (low, high) with one (high, high where the window must be exact)."""
    at = expected.clock
    out: dict[Key, tuple[int, int]] = {k: (v, v) for k, v in expected.now(at).items()}
    ceiling = Fraction(10**12)
    for window, width in windows.items():
        start, tolerance = Fraction(at - width), Fraction(width, 24)
        high = expected.between(start, ceiling)
        low = expected.between(start + tolerance, ceiling)
        exact = not expected.edge(start, start + tolerance)
        for (name, labels), hi in high.items():
            windowed = key(name, **dict(labels), window=window)
            out[windowed] = (hi, hi) if exact else (low.get((name, labels), 0), hi)
    return out


def as_reference(name: str, value: float, bounds: tuple[int, int] = (0, 0), reporting: str = "USD") -> int:
    """A scraped value as the reference's exact integer.

    Exported values are the engine's integers divided by `scale_of` (a correctly rounded
    float). Below 2**50 units that float names one integer; above it (money sums of
    millions) several integers give the same float, and the value is read as the one
    the reference accepts (`bounds`) when the reference's own division gives a float on
    the same side: equal at the exposition's precision, and unequal otherwise.
    """
    scale = scale_of(name, reporting)
    if scale == 1:
        assert value == int(value), f"{name} = {value!r} is not a count"
        return int(value)
    scaled = Fraction(value) * scale
    out = round(scaled)
    if abs(scaled) < 2**50:  # within 1/8 unit of the integer it was divided from
        assert abs(scaled - out) < Fraction(1, 4), f"{name} = {value!r} is not a whole {1 / scale}"
        return out
    low, high = bounds
    if low / scale <= value <= high / scale:
        return min(max(out, low), high)
    return out


@dataclass
class Scrape:
    """The workers' series summed per (topic-less) partition, and the per-topic clocks."""

    partitions: dict[str, dict[Key, float]] = field(default_factory=dict)
    clocks: dict[tuple[str, str], float] = field(default_factory=dict)  # (topic, partition)

    def add(self, text: str) -> None:
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                name, labels = sample.name, dict(sample.labels)
                if not name.startswith("cs_") or name.endswith("_created"):
                    continue
                if name == "cs_last_event_timestamp_seconds":
                    at = (labels["topic"], labels.get("partition", ""))
                    assert at not in self.clocks, f"two workers expose the clock of {at}"
                    self.clocks[at] = sample.value
                    continue
                partition = labels.pop("partition", "")
                labels.pop("instance", None)
                k = key(name, **labels)
                series = self.partitions.setdefault(partition, {})
                series[k] = series.get(k, 0.0) + sample.value


def scrape(workers: list[WorkerProcess]) -> Scrape:
    out = Scrape()
    for w in workers:
        out.add(w.metrics_text())
    return out


async def _read_back(topic: str) -> dict[int, list[bytes]]:
    """Every record's value on every partition of `topic`, in offset order."""
    admin = AIOKafkaAdminClient(bootstrap_servers=BOOTSTRAP)
    await admin.start()
    try:
        described = await admin.describe_topics([topic])
    finally:
        await admin.close()
    parts = sorted(TopicPartition(topic, p["partition"]) for d in described for p in d["partitions"])
    consumer = AIOKafkaConsumer(bootstrap_servers=BOOTSTRAP, enable_auto_commit=False)
    await consumer.start()
    try:
        assert parts, f"no partitions for {topic}"
        consumer.assign(parts)
        await consumer.seek_to_beginning(*parts)
        ends = await consumer.end_offsets(parts)
        out: dict[int, list[bytes]] = {tp.partition: [] for tp in parts}
        left = {tp for tp in parts if ends[tp] > 0}
        while left:
            batch = await consumer.getmany(*left, timeout_ms=1000)
            for tp, records in batch.items():
                for r in records:
                    if r.offset < ends[tp]:
                        out[tp.partition].append(r.value or b"")
                    if r.offset >= ends[tp] - 1:
                        left.discard(tp)
        return out
    finally:
        await consumer.stop()


def read_back(topic: str) -> dict[int, list[bytes]]:
    return asyncio.run(_read_back(topic))


def references(
    family: str, topic: str, fx_rates: Mapping[str, str], reporting: str = "USD"
) -> dict[str, Expected]:
    """The family's reference of every partition of `topic`, from the records on it."""
    fx = Fx(reporting, fx_rates)
    currencies = set(fx.rates)
    now = datetime.now(UTC)
    out: dict[str, Expected] = {}
    parts = read_back(topic)
    for partition, values in parts.items():
        records = [classify(v, family, currencies, now) for v in values]
        for r in records:  # keyed by customer_id (murmur2): no record is forwarded
            if isinstance(r, Mapping):
                owner = (murmur2(r["customer_id"].encode()) & 0x7FFFFFFF) % len(parts)
                assert owner == partition, f"{r['event_id']} on {partition}, owner {owner}"
        if family == "subscriptions":
            out[str(partition)] = subscription_reference(records, fx, topic=topic)
        elif family == "payments":
            out[str(partition)] = payment_reference(records, fx, topic=topic)
        elif family == "tickets":
            out[str(partition)] = ticket_reference(records, topic=topic)
        else:
            out[str(partition)] = survey_reference(records, topic=topic)
    return out


def _family_series(
    series: Mapping[Key, float], family: str, topic: str, expected: Expected | None = None
) -> dict[Key, int]:
    out: dict[Key, int] = {}
    bounds = _bounds(expected) if expected is not None else {}
    for (name, labels), value in series.items():
        if name in INTAKE:
            if dict(labels).get("topic") != topic:
                continue
        elif name not in COVERED[family]:
            continue
        k = (name, labels)
        out[k] = as_reference(name, value, bounds.get(k, (0, 0)))
    return out


def compare(scraped: Scrape, family: str, topic: str, expected: Mapping[str, Expected]) -> list[str]:
    """Where the scrape breaks the references of `family` (empty: it agrees everywhere)."""
    problems: list[str] = []
    clock = max((e.clock for e in expected.values()), default=0)
    exposed = max((v for (t, _), v in scraped.clocks.items() if t == topic), default=0.0)
    if exposed != clock:
        problems.append(f"{topic}: max cs_last_event_timestamp_seconds {exposed} != reference {clock}")
    for partition in sorted(set(expected) | (set(scraped.partitions) - {""})):
        want = expected.get(partition, Expected())
        got = _family_series(scraped.partitions.get(partition, {}), family, topic, want)
        at = scraped.clocks.get((topic, partition), 0.0)
        if at != want.clock:
            problems.append(f"{topic}[{partition}] clock {at} != reference {want.clock}")
        problems += [f"{topic}[{partition}] {p}" for p in differences(got, want)]
    return problems


def covered_names(scraped: Scrape, family: str) -> set[str]:
    """The family's covered series the workers expose (windowed ones counted once)."""
    return {name for series in scraped.partitions.values() for name, _ in series if name in COVERED[family]}


def check_live(
    workers: list[WorkerProcess],
    topics: Mapping[str, str],
    fx_rates: Mapping[str, str],
    reporting: str = "USD",
) -> dict[str, int]:
    """Assert that the workers' /metrics agree with the references of every family in
    `topics` (family -> topic); the number of compared series per family."""
    scraped = scrape(workers)
    problems: list[str] = []
    compared: dict[str, int] = {}
    for family, topic in topics.items():
        expected = references(family, topic, fx_rates, reporting)
        problems += compare(scraped, family, topic, expected)
        names = {k[0] for e in expected.values() for k in e.now()} | {
            k[0] for e in expected.values() for k, _, _ in e.points
        }
        missing = names - covered_names(scraped, family) - set(INTAKE)
        if missing:
            problems.append(f"{family}: the workers expose no {sorted(missing)}")
        compared[family] = sum(
            len(_family_series(s, family, topic)) for p, s in scraped.partitions.items() if p
        )
    assert not problems, f"{len(problems)} differences from the references:\n" + "\n".join(problems[:60])
    return compared
