"""Plain aiokafka clients for the CLI (the worker's own clients are Faust's)."""

from __future__ import annotations

import contextlib
import sys

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from streams.settings import Settings


def producer(settings: Settings, **extra: object) -> AIOKafkaProducer:
    """Durable by default: acks from all in-sync replicas, idempotent retries."""
    return AIOKafkaProducer(
        bootstrap_servers=settings.bootstrap,
        acks="all",
        enable_idempotence=True,
        linger_ms=5,
        max_batch_size=256 * 1024,
        **extra,  # type: ignore[arg-type]
    )


async def started_producer(settings: Settings, command: str) -> AIOKafkaProducer | None:
    """A started producer, or None after telling the user the broker is unreachable."""
    prod = producer(settings)
    try:
        await prod.start()
    except Exception as exc:
        print(f"cspulse {command}: cannot reach the broker at {settings.bootstrap}: {exc}", file=sys.stderr)
        await prod.stop()
        return None
    return prod


def consumer(settings: Settings, *topics: str, **extra: object) -> AIOKafkaConsumer:
    return AIOKafkaConsumer(
        *topics,
        bootstrap_servers=settings.bootstrap,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        **extra,  # type: ignore[arg-type]
    )


def all_topics(settings: Settings) -> list[str]:
    """Every topic the engine reads or writes (Faust makes its own changelogs)."""
    from streams.domains import METRIC_FAMILIES

    topics = [*settings.family_topics.values(), settings.topic_deadletter]
    topics += [settings.rekey_topic(f) for f in METRIC_FAMILIES]
    return topics


async def create_topics(settings: Settings) -> dict[str, str]:
    """Create missing topics with the configured partitions; returns topic -> outcome."""
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.bootstrap)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        outcome: dict[str, str] = {}
        wanted = [t for t in all_topics(settings) if t not in existing]
        for topic in all_topics(settings):
            outcome[topic] = "exists" if topic in existing else "created"
        if wanted:
            with contextlib.suppress(TopicAlreadyExistsError):  # raced with another creator
                await admin.create_topics(
                    [NewTopic(t, settings.partitions, settings.replication_factor) for t in wanted]
                )
        return outcome
    finally:
        await admin.close()


async def describe_topics(settings: Settings) -> dict[str, int | None]:
    """topic -> partition count (None when missing)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.bootstrap)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        names = [t for t in all_topics(settings) if t in existing]
        out: dict[str, int | None] = dict.fromkeys(all_topics(settings))
        if names:
            for desc in await admin.describe_topics(names):
                out[desc["topic"]] = len(desc["partitions"])
        return out
    finally:
        await admin.close()
