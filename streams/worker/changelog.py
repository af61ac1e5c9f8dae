"""The processor's Store over a Faust table, with the changelog written in bulk.

Faust's own `table[key] = value` costs ~125 us per write here (serializer lookups,
a FutureMessage, the producer buffer, one aiokafka send each). A batch touches
hundreds of records, so this writes the store directly and sends each partition's
changelog records as one aiokafka batch. The changelog topic, keys and values are
exactly what Faust writes and recovers from; `flush()` is awaited before the
batch's events are acknowledged, so offsets are never committed ahead of the state.
The Faust internals used here are listed in `consumer.PRIVATE_API`.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Awaitable, Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import faust
from aiokafka import AIOKafkaProducer
from faust.stores.base import SerializedStore
from faust.streams import _current_event
from faust.types import TP

from streams.engine.messages import Store
from streams.settings import Settings
from streams.worker import clients


class _Current:
    """The little of an event Faust's rocksdb store reads to pick a partition."""

    __slots__ = ("__weakref__", "message")

    def __init__(self, message: Any) -> None:
        self.message = message


class _PartitionStore:
    """One partition's reads and writes, its changelog records kept for `flush()`."""

    __slots__ = ("_checkpoint", "_get", "_records", "_set", "records")

    def __init__(
        self,
        get: Callable[[bytes], Any],
        set_: Callable[[bytes, bytes], None],
        records: Callable[[], Iterable[tuple[bytes, bytes]]],
    ) -> None:
        self._get, self._set, self.records = get, set_, records
        self._records: list[tuple[bytes, bytes]] = []
        self._checkpoint: tuple[bytes, bytes] | None = None

    def get(self, key: bytes) -> bytes | None:
        value: bytes | None = self._get(key)
        return value

    def set(self, key: bytes, value: bytes) -> None:
        self._set(key, value)
        self._records.append((key, value))

    def checkpoint(self, key: bytes, value: bytes) -> None:
        self._set(key, value)
        self._checkpoint = (key, value)


def _no_write(key: bytes, value: bytes) -> None:
    raise RuntimeError("a reader writes nothing: use ChangelogWriter.partition")


class ChangelogWriter:
    """One table's store, written in per-partition transactions, its changelog in bulk."""

    def __init__(self, table: faust.Table, producer: Callable[[], Awaitable[AIOKafkaProducer]]) -> None:
        self.table = table
        self.topic = table.changelog_topic.get_topic_name()
        self._producer = producer
        self._pending: list[tuple[int, _PartitionStore]] = []
        self._checkpoints: dict[int, list[tuple[bytes, bytes]]] = {}
        self.store: Any = self.table.data
        # rocksdb: bytes in, bytes out, per partition DB chosen from the current event
        self._rocks = isinstance(self.store, SerializedStore)

    def reader(self) -> _PartitionStore:
        """Reads outside of any batch (a recovery's); any partition's keys."""
        data = self.store
        if self._rocks:
            return _PartitionStore(data._get, _no_write, data.items)
        return _PartitionStore(data.data.get, _no_write, data.data.items)

    def keys(self) -> Iterator[bytes]:
        """Every key, to be read a few at a time while batches go on: rocksdb's lazily
        (its iterators read a snapshot; listing 1M keys with their values held the
        loop 5.7 s after a restart), the memory store's from a copy of its keys (a
        dict cannot be iterated while it changes)."""
        if self._rocks:
            return iter(self.store._iterkeys())
        return iter(list(self.store.data))

    @contextmanager
    def partition(self, partition: int, first: Any) -> Iterator[Store]:
        """The store for one partition's run of records, `first` among them.

        Faust's rocksdb store reads and writes the partition of the "current event",
        and the changelog records must go to the same partition: both are set here.
        """
        current = _Current(first)
        token = _current_event.set(weakref.ref(current))  # type: ignore[arg-type]
        data = self.store
        try:
            if self._rocks:
                store = _PartitionStore(data._get, data._set, data.items)
            else:  # memory (stores.BulkMemoryStore): a plain dict under the table
                store = _PartitionStore(data.data.get, data.setter(partition), data.data.items)
            self._pending.append((partition, store))  # what it writes is sent by flush()
            yield store
        finally:
            _current_event.reset(token)

    async def flush(self) -> None:
        """Send the pending changelog records and wait until Kafka has them all, then
        the partitions' checkpoints (never ahead of the records they sum)."""
        await self.flush_records()
        await self.flush_checkpoints()

    async def flush_records(self) -> None:
        """The records only; their partitions' checkpoints wait for `flush_checkpoints`."""
        pending: dict[int, list[tuple[bytes, bytes]]] = {}
        for partition, store in self._pending:
            if store._records:
                pending.setdefault(partition, []).extend(store._records)
            if store._checkpoint is not None:
                self._checkpoints[partition] = [store._checkpoint]  # the partition's last one
        self._pending = []
        await self._send(pending)

    async def flush_checkpoints(self) -> None:
        """The checkpoints kept by `flush_records`; kept again if sending them fails."""
        checkpoints = dict(self._checkpoints)
        await self._send(checkpoints)
        for partition, value in checkpoints.items():
            if self._checkpoints.get(partition) is value:
                del self._checkpoints[partition]

    async def _send(self, pending: dict[int, list[tuple[bytes, bytes]]]) -> None:
        if not pending:
            return
        producer = await self._producer()
        sends = []
        for partition, records in pending.items():
            batch = producer.create_batch()
            count = 0
            for key, value in records:
                if batch.append(key=key, value=value, timestamp=None) is None:
                    sends.append(
                        (partition, count, await producer.send_batch(batch, self.topic, partition=partition))
                    )
                    batch, count = producer.create_batch(), 0
                    batch.append(key=key, value=value, timestamp=None)
                count += 1
            sends.append(
                (partition, count, await producer.send_batch(batch, self.topic, partition=partition))
            )
        results = await asyncio.gather(*(fut for _, _, fut in sends))
        # a restart (or a partition kept across a rebalance) reads the changelog after this
        last: dict[int, int] = {}
        for (partition, count, _), meta in zip(sends, results, strict=True):
            last[partition] = max(last.get(partition, -1), meta.offset + count - 1)
        for partition, offset in last.items():
            self.store.set_persisted_offset(TP(self.topic, partition), offset)


class ChangelogProducer:
    """One producer for every table's changelog, started on first use."""

    def __init__(self, settings: Settings, client_id: str) -> None:
        self.settings, self.client_id = settings, client_id
        self.producer: AIOKafkaProducer | None = None
        self._lock = asyncio.Lock()

    async def __call__(self) -> AIOKafkaProducer:
        async with self._lock:  # every family's agent asks at once on the first batch
            if self.producer is None:
                producer = clients.producer(self.settings, client_id=self.client_id)
                try:
                    await producer.start()
                except BaseException:
                    await producer.stop()  # its tasks and connections; the next call retries
                    raise
                self.producer = producer
        return self.producer

    async def stop(self) -> None:
        producer, self.producer = self.producer, None
        if producer is not None:
            await producer.stop()  # flushes what is still buffered
