"""The benchmark workload: the simulator's realistic mix, pre-produced keyed by customer.

Records are placed on the partition Kafka's default partitioner (murmur2 of the key)
gives them, exactly where the worker keeps their customer's state, and sent in large
per-partition batches so that producing never limits what is measured.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from aiokafka import AIOKafkaProducer

from bench.common import kafka_settings
from bench.progress import Bar
from simulator import SimConfig, Simulator
from streams.engine.partitioning import partition_for
from streams.worker import clients

BATCH_BYTES = 256 * 1024  # what cspulse's own producers use; larger batches slow Faust's fetches
SPAN_S = 30 * 86400  # event-time span of the pre-produced history
# The four families of issue 5's workload, which the Quix Streams peer aggregates too:
# the simulator's default mix also has usage, costs and growth, which the peer does not
# read, and changing the mix would break the comparison with earlier runs.
MIX = {"subscriptions": 0.25, "payments": 0.25, "tickets": 0.35, "surveys": 0.15}


@dataclass(frozen=True)
class Workload:
    events: int
    customers: int
    seed: int = 7
    span_s: int = SPAN_S
    mix: dict[str, float] | None = None  # None: issue 5's four families (MIX)

    def records(self, end: datetime | None = None) -> Iterator[tuple[str, bytes, bytes]]:
        """(family, key, value) of `events` simulated events, a history ending at `end`."""
        end = end or datetime.now(UTC)
        cfg = SimConfig(
            seed=self.seed,
            customers=self.customers,
            start=end - timedelta(seconds=self.span_s),
            mean_gap_s=self.span_s / self.events,
            mix=MIX if self.mix is None else self.mix,
        )
        for n, rec in enumerate(Simulator(cfg).events(), start=1):
            yield rec.family, rec.key, rec.value
            if n >= self.events:
                return


def producer(**overrides: object) -> AIOKafkaProducer:
    """The load generator's producer: leader acks only, for throughput."""
    config: dict[str, object] = {
        "acks": 1,
        "enable_idempotence": False,
        "linger_ms": 20,
        "max_batch_size": BATCH_BYTES,
        "max_request_size": 2 * 1024 * 1024,
    }
    return clients.producer(kafka_settings(), **{**config, **overrides})


class BatchSender:
    """Buffers records per (topic, partition) and ships them as whole batches."""

    def __init__(self, prod: AIOKafkaProducer, partitions: int) -> None:
        self.prod = prod
        self.partitions = partitions
        self._open: dict[tuple[str, int], object] = {}
        self._pending: list[object] = []
        self.sent = 0

    async def add(self, topic: str, key: bytes, value: bytes, partition: int | None = None) -> None:
        if partition is None:
            partition = partition_for(key.decode(), self.partitions)
        slot = (topic, partition)
        batch = self._open.get(slot)
        if batch is None:
            batch = self._open[slot] = self.prod.create_batch()
        if batch.append(key=key, value=value, timestamp=None) is None:  # type: ignore[attr-defined]
            await self._ship(slot)
            batch = self._open[slot] = self.prod.create_batch()
            batch.append(key=key, value=value, timestamp=None)  # type: ignore[attr-defined]
        self.sent += 1

    async def _ship(self, slot: tuple[str, int]) -> None:
        batch = self._open.pop(slot)
        batch.close()  # type: ignore[attr-defined]
        self._pending.append(await self.prod.send_batch(batch, slot[0], partition=slot[1]))  # type: ignore[arg-type]
        if len(self._pending) > 64:
            await self._drain()

    async def _drain(self) -> None:
        for fut in self._pending:
            await fut  # type: ignore[misc]
        self._pending.clear()

    async def flush(self) -> None:
        for slot in list(self._open):
            await self._ship(slot)
        await self._drain()


async def publish(
    records: Iterable[tuple[str, bytes, bytes]],
    topics: dict[str, str],
    partitions: int,
    total: int,
    label: str = "producing",
) -> dict[str, int]:
    """Publish (family, key, value) records to their family topics; returns counts per family."""
    counts: Counter[str] = Counter()
    prod = producer()
    await prod.start()
    started = time.monotonic()
    try:
        sender = BatchSender(prod, partitions)
        with Bar(label, total) as bar:
            for family, key, value in records:
                await sender.add(topics[family], key, value)
                counts[family] += 1
                if sender.sent % 10_000 == 0:
                    bar.update(sender.sent, f"{sender.sent / (time.monotonic() - started):,.0f}/s")
            await sender.flush()
            bar.update(sender.sent)
    finally:
        await prod.stop()
    return dict(sorted(counts.items()))
