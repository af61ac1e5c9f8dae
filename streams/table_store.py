"""The processor's Store over a Faust table, with the changelog written in bulk.

Faust's own `table[key] = value` costs ~125 us per write here (serializer lookups,
a FutureMessage, the producer buffer, one aiokafka send each). A batch touches
hundreds of records, so this writes the store directly and sends each partition's
changelog records as one aiokafka batch. The changelog topic, keys and values are
exactly what Faust writes and recovers from; `flush()` is awaited before the
batch's events are acknowledged, so offsets are never committed ahead of the state.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import faust
from aiokafka import AIOKafkaProducer
from faust.stores.base import SerializedStore
from faust.types import TP


class TableStore:
    def __init__(self, table: faust.Table, producer: Callable[[], Awaitable[AIOKafkaProducer]]) -> None:
        self.table = table
        self.topic = table.changelog_topic.get_topic_name()
        self._producer = producer
        self._pending: dict[int, list[tuple[bytes, bytes]]] = {}
        self.partition = 0
        self._bind()

    def _bind(self) -> None:
        store: Any = self.table.data
        # rocksdb: bytes in, bytes out, per partition DB chosen from the current event
        self.persists_offsets = isinstance(store, SerializedStore)
        if self.persists_offsets:
            self._get, self._set = store._get, store._set
        else:  # memory: a plain dict under the table
            self._get, self._set = store.data.get, store.data.__setitem__

    def get(self, key: bytes) -> bytes | None:
        value: bytes | None = self._get(key)
        return value

    def set(self, key: bytes, value: bytes) -> None:
        self._set(key, value)
        self._pending.setdefault(self.partition, []).append((key, value))

    async def flush(self) -> None:
        """Send the pending changelog records and wait until Kafka has them all."""
        if not self._pending:
            return
        pending, self._pending = self._pending, {}
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
        if self.persists_offsets:  # rocksdb restarts replay the changelog only after this
            last: dict[int, int] = {}
            for (partition, count, _), meta in zip(sends, results, strict=True):
                last[partition] = max(last.get(partition, -1), meta.offset + count - 1)
            for partition, offset in last.items():
                self.table.data.set_persisted_offset(TP(self.topic, partition), offset)
