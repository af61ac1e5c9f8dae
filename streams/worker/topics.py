"""The engine's topics: which they are, creating the missing ones, their partitions."""

from __future__ import annotations

import contextlib

from aiokafka.admin import NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from streams.settings import Settings
from streams.worker.clients import MAX_RECORD_BYTES, admin

#: the dead-letter topic takes any record the source topics took, plus its headers
DEADLETTER_CONFIG = {"max.message.bytes": str(MAX_RECORD_BYTES)}


def all_topics(settings: Settings) -> list[str]:
    """Every topic the engine reads or writes (Faust makes its own changelogs)."""
    from streams.engine.build import METRIC_FAMILIES

    topics = [*settings.family_topics.values(), settings.topic_deadletter]
    topics += [settings.rekey_topic(f) for f in METRIC_FAMILIES]
    return topics


async def create_topics(settings: Settings) -> dict[str, str]:
    """Create missing topics with the configured partitions; returns topic -> outcome."""
    async with admin(settings) as client:
        existing = set(await client.list_topics())
        outcome: dict[str, str] = {}
        wanted = [t for t in all_topics(settings) if t not in existing]
        for topic in all_topics(settings):
            outcome[topic] = "exists" if topic in existing else "created"
        if wanted:
            with contextlib.suppress(TopicAlreadyExistsError):  # raced with another creator
                await client.create_topics(
                    [
                        NewTopic(
                            t,
                            settings.partitions,
                            settings.replication_factor,
                            topic_configs=DEADLETTER_CONFIG if t == settings.topic_deadletter else None,
                        )
                        for t in wanted
                    ]
                )
        return outcome


async def describe_topics(settings: Settings) -> dict[str, int | None]:
    """topic -> partition count (None when missing)."""
    async with admin(settings) as client:
        existing = set(await client.list_topics())
        names = [t for t in all_topics(settings) if t in existing]
        out: dict[str, int | None] = dict.fromkeys(all_topics(settings))
        if names:
            for desc in await client.describe_topics(names):
                out[desc["topic"]] = len(desc["partitions"])
        return out
