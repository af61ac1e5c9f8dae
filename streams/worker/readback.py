"""Read the family topics back from the beginning to their current end."""

from __future__ import annotations

from collections.abc import Callable

from aiokafka import TopicPartition

from streams.engine.messages import Message
from streams.settings import Settings
from streams.worker.clients import admin, consumer


async def partitions_of(settings: Settings, topic: str) -> list[int]:
    async with admin(settings) as client:
        [desc] = await client.describe_topics([topic])
    if desc.get("error_code"):
        raise RuntimeError(f"topic {topic}: Kafka error code {desc['error_code']}")
    return sorted(p["partition"] for p in desc["partitions"])


async def read_topic(
    settings: Settings, topic: str, on_progress: Callable[[int], None] | None = None
) -> dict[int, list[Message]]:
    """partition -> messages in offset order, up to the end offsets seen at the start."""
    parts = await partitions_of(settings, topic)
    cons = consumer(settings, max_partition_fetch_bytes=4 * 1024 * 1024)
    await cons.start()
    try:
        tps = [TopicPartition(topic, p) for p in sorted(parts)]
        if not tps:
            return {}
        cons.assign(tps)
        await cons.seek_to_beginning(*tps)
        ends = await cons.end_offsets(tps)
        out: dict[int, list[Message]] = {tp.partition: [] for tp in tps}
        remaining = {tp for tp in tps if ends[tp] > 0}
        for tp in tps:
            if ends[tp] > 0 and await cons.position(tp) >= ends[tp]:
                remaining.discard(tp)
        while remaining:
            batch = await cons.getmany(*remaining, timeout_ms=1000, max_records=10000)
            for tp, records in batch.items():
                for r in records:
                    if r.offset < ends[tp]:
                        out[tp.partition].append(
                            Message(tp.topic, tp.partition, r.offset, r.key, r.value, tuple(r.headers))
                        )
                if on_progress:
                    on_progress(len(records))
                if await cons.position(tp) >= ends[tp]:
                    remaining.discard(tp)
        return out
    finally:
        await cons.stop()
