"""The one place Kafka clients are made: every producer, consumer and admin client.

The producer settings are written here once and shared by the worker's changelog
producer, Faust's own producer (dead letters, re-keys; see `consumer.IdempotentProducer`),
`cspulse produce`, `cspulse simulate` and the benchmarks' clients.
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Final

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient

from streams.settings import Settings

# durable: acks from all in-sync replicas, and a retried send is never written twice
DURABLE: Final[dict[str, Any]] = {"acks": "all", "enable_idempotence": True}
# A record the broker accepted (up to its ~1 MiB default) plus the dead-letter headers
# must still be sendable: the producers and the dead-letter topic allow twice that.
MAX_RECORD_BYTES: Final = 2 * 1024 * 1024
PRODUCER: Final[dict[str, Any]] = {
    **DURABLE,
    "linger_ms": 5,
    "max_batch_size": 256 * 1024,  # well under the consumers' 1 MiB partition fetch (recovery)
    "max_request_size": MAX_RECORD_BYTES,
}
CONSUMER: Final[dict[str, Any]] = {"enable_auto_commit": False, "auto_offset_reset": "earliest"}


def producer(bootstrap: str, **overrides: Any) -> AIOKafkaProducer:
    """A producer with the settings above; `overrides` only where a caller must differ."""
    return AIOKafkaProducer(bootstrap_servers=bootstrap, **{**PRODUCER, **overrides})


async def started_producer(settings: Settings, command: str) -> AIOKafkaProducer | None:
    """A started producer, or None after telling the user the broker is unreachable."""
    prod = producer(settings.bootstrap)
    try:
        await prod.start()
    except Exception as exc:
        print(f"cspulse {command}: cannot reach the broker at {settings.bootstrap}: {exc}", file=sys.stderr)
        await prod.stop()
        return None
    return prod


def consumer(bootstrap: str, *topics: str, **overrides: Any) -> AIOKafkaConsumer:
    """A consumer that reads from the beginning and never commits on its own."""
    return AIOKafkaConsumer(*topics, bootstrap_servers=bootstrap, **{**CONSUMER, **overrides})


@asynccontextmanager
async def admin(bootstrap: str) -> AsyncIterator[AIOKafkaAdminClient]:
    """A started admin client, closed on the way out."""
    client = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await client.start()
    try:
        yield client
    finally:
        await client.close()
