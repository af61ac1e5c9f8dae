"""Table stores whose changelog restore is one bulk read, not Faust's per-message loop.

Faust restores a changelog a message at a time (a queue get with a timeout, an event
object, a few counters and debug strings each): ~7,700 records/s here, so the 3M
records of 1M customers took 397 s. These stores read their table's changelog
partitions themselves when partitions are assigned, before Faust's recovery starts,
with one consumer and `getmany`, and report the last offset they applied as the
persisted offset: Faust's recovery then finds nothing left to read. The memory store
keeps that offset in memory (it is also advanced by `ChangelogWriter.flush`), so a
partition kept across a rebalance reads nothing again; a revoked one is forgotten.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from aiokafka import AIOKafkaConsumer
from aiokafka.structs import ConsumerRecord, TopicPartition
from faust.stores import memory, rocksdb
from faust.types import TP, EventT

from streams.settings import Settings
from streams.worker import clients

log = logging.getLogger("cspulse")

FETCH_BYTES = 16 * 1024 * 1024  # per request; a partition may fill it alone
# rocksdb replays its write-ahead log when a DB opens after a kill: with Faust's 64 MiB
# memtables that was ~0.5 s per partition DB (32 of them at 1M customers: 8.6 s of a
# restart); 4 MiB bounds it to ~0.03 s. Records survive either way (the log, then
# the changelog tail); smaller memtables only mean more, smaller flushes.
ROCKSDB_OPTIONS = {"write_buffer_size": 4 * 1024 * 1024}


class _Message:
    """The part of a Faust message `apply_changelog_batch` reads."""

    __slots__ = ("key", "offset", "partition", "tp", "value")

    def __init__(self, tp: TP, record: ConsumerRecord[bytes, bytes]) -> None:
        self.tp, self.partition, self.offset = tp, record.partition, record.offset
        self.key, self.value = record.key, record.value


class _Event:
    __slots__ = ("key", "message", "value")

    def __init__(self, message: _Message) -> None:
        self.message, self.key, self.value = message, message.key, message.value


class ChangelogReader:
    """Reads changelog partitions in bulk for every table of a worker, with one consumer
    started at the first read of a rebalance and stopped when its recovery completes
    (a consumer of its own per table cost ~0.2 s each to start: 1.6 s of a restart)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._consumer: AIOKafkaConsumer | None = None
        self._lock = asyncio.Lock()  # tables restore one after another; never two reads at once

    async def read(self, starts: dict[TP, int], apply: Callable[[TP, list[Any]], None]) -> int:
        """Read each partition from its start offset to the end it had when asked;
        `apply(tp, records)` takes each fetched run in order. Returns records read."""
        async with self._lock:
            if self._consumer is None:
                consumer = clients.consumer(
                    self.settings, max_partition_fetch_bytes=FETCH_BYTES, fetch_max_bytes=FETCH_BYTES
                )
                await consumer.start()
                self._consumer = consumer
            return await _read(self._consumer, starts, apply)

    async def close(self) -> None:
        async with self._lock:
            consumer, self._consumer = self._consumer, None
            if consumer is not None:
                await consumer.stop()


async def _read(
    consumer: AIOKafkaConsumer, starts: dict[TP, int], apply: Callable[[TP, list[Any]], None]
) -> int:
    ours = {TopicPartition(tp.topic, tp.partition): tp for tp in starts}  # aiokafka's kind
    consumer.assign(list(ours))
    ends = await consumer.end_offsets(list(ours))
    firsts = await consumer.beginning_offsets(list(ours))
    todo = set()
    for ktp, tp in ours.items():
        start = max(starts[tp], firsts[ktp])  # compaction may have removed the head
        if start < ends[ktp]:
            consumer.seek(ktp, start)
            todo.add(ktp)
    count = 0
    while todo:
        fetched = await consumer.getmany(*todo, timeout_ms=1000, max_records=50_000)
        for ktp, records in fetched.items():
            apply(ours[ktp], records)
            count += len(records)
        for ktp in list(todo):
            if await consumer.position(ktp) >= ends[ktp]:
                todo.discard(ktp)
    return count


class _BulkRestore:
    """What both stores add: the bulk read at assignment, the offsets it reached."""

    table: Any
    reader: ChangelogReader  # the worker's, shared by its tables

    if TYPE_CHECKING:  # what the store classes below provide (a body here would shadow theirs)

        def persisted_offset(self, tp: TP) -> int | None: ...

        def _apply(self, tp: TP, records: list[ConsumerRecord[bytes, bytes]]) -> None: ...

    async def restore(self, tps: Iterable[TP]) -> None:
        starts = {}
        for tp in tps:
            offset = self.persisted_offset(tp)
            starts[tp] = 0 if offset is None else offset + 1
        if not starts:
            return
        started = time.monotonic()
        count = await self.reader.read(starts, self._apply)
        self.table.instruments.restored.labels(table=self.table.name).inc(count)
        if count:
            log.info(
                "%s: read %d changelog records of partitions %s in %.1f s",
                self.table.name,
                count,
                sorted(tp.partition for tp in starts),
                time.monotonic() - started,
            )

    def changelog_tps(self, assigned: Iterable[TP]) -> list[TP]:
        topic = self.table.changelog_topic.get_topic_name()
        return [tp for tp in assigned if tp.topic == topic]


class BulkMemoryStore(_BulkRestore, memory.Store):
    """The memory store, restored in bulk; keys remember their partition so a revoked
    partition's records are dropped (Faust's own `on_recovery_completed`)."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self._offsets: dict[TP, int] = {}

    def persisted_offset(self, tp: TP) -> int | None:
        return self._offsets.get(tp)

    def set_persisted_offset(self, tp: TP, offset: int) -> None:
        self._offsets[tp] = offset

    def setter(self, partition: int) -> Callable[[bytes, bytes], None]:
        """A write of one partition's record (ChangelogWriter's path into this store)."""
        data, partitions = self.data, self._key_partition

        def set_(key: bytes, value: bytes) -> None:
            data[key] = value
            partitions[key] = partition

        return set_

    def _apply(self, tp: TP, records: list[ConsumerRecord[bytes, bytes]]) -> None:
        data, partitions, partition = self.data, self._key_partition, tp.partition
        for record in records:
            if record.value is None:  # a tombstone
                data.pop(record.key, None)
                partitions.pop(record.key, None)
            else:
                data[record.key] = record.value
                partitions[record.key] = partition
        self._offsets[tp] = records[-1].offset

    def apply_changelog_batch(
        self, batch: Iterable[EventT], to_key: Callable[[Any], Any], to_value: Callable[[Any], Any]
    ) -> None:
        events = list(batch)
        super().apply_changelog_batch(events, to_key, to_value)
        for event in events:  # whatever Faust still restores itself counts as read
            tp = event.message.tp
            self._offsets[tp] = max(self._offsets.get(tp, -1), event.message.offset)

    async def on_rebalance(
        self, assigned: set[TP], revoked: set[TP], newly_assigned: set[TP], generation_id: int = 0
    ) -> None:
        for tp in revoked:
            self._offsets.pop(tp, None)
        await super().on_rebalance(assigned, revoked, newly_assigned, generation_id)
        await self.restore(self.changelog_tps(assigned))

    async def on_recovery_completed(self, active_tps: set[TP], standby_tps: set[TP]) -> None:
        await super().on_recovery_completed(active_tps, standby_tps)
        self._offsets = {tp: o for tp, o in self._offsets.items() if tp in active_tps}


class BulkRocksStore(_BulkRestore, rocksdb.Store):
    """The rocksdb store: its local files plus a bulk read of the changelog after them."""

    def __init__(self, *args: Any, options: Mapping[str, Any] | None = None, **kwargs: Any) -> None:
        # a copy: Faust's store pops keys from the dict it is given
        super().__init__(*args, options={**ROCKSDB_OPTIONS, **(options or {})}, **kwargs)

    def _apply(self, tp: TP, records: list[ConsumerRecord[bytes, bytes]]) -> None:
        events: list[Any] = [_Event(_Message(tp, r)) for r in records]
        self.apply_changelog_batch(
            events,
            to_key=lambda k: k,
            to_value=lambda v: v,
        )

    async def on_rebalance(
        self, assigned: set[TP], revoked: set[TP], newly_assigned: set[TP], generation_id: int = 0
    ) -> None:
        await super().on_rebalance(assigned, revoked, newly_assigned, generation_id)
        await self.restore(self.changelog_tps(assigned))


def store_class(url: str) -> type[BulkMemoryStore] | type[BulkRocksStore]:
    return BulkRocksStore if url.startswith("rocksdb") else BulkMemoryStore
