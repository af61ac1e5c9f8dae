"""Fixtures for tests against the real broker started by scripts/stack."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from bench.common import broker_up, free_port
from streams.settings import load_settings
from streams.worker.topics import create_topics
from tests.integration.stack import BOOTSTRAP, WorkerProcess, isolated_env

pytestmark = pytest.mark.integration


@pytest.fixture(scope="session", autouse=True)
def _stack_is_up() -> None:
    if not broker_up(BOOTSTRAP):
        pytest.fail(f"no Kafka broker at {BOOTSTRAP}: run `scripts/stack start` (make stack-up) first")


class EngineHarness:
    """Isolated topics plus worker processes that are stopped at teardown."""

    def __init__(self, tmp: Path, partitions: int = 4, **extra: str) -> None:
        self.env = isolated_env(partitions, **extra)
        self.settings = load_settings(self.env)
        self.tmp = tmp
        self.workers: list[WorkerProcess] = []
        asyncio.run(create_topics(self.settings))

    def start_worker(self, name: str | None = None, port: int | None = None) -> WorkerProcess:
        name = name or f"w{len(self.workers)}"
        worker = WorkerProcess(
            env=self.env,
            port=port or free_port(),
            data_dir=self.tmp / name,
            log=self.tmp / f"{name}.log",
        ).start()
        self.workers.append(worker)
        return worker

    def topic(self, family: str) -> str:
        return self.settings.family_topics.get(family) or self.settings.topic_deadletter

    def group_lag(self) -> str:
        """Committed offset and end offset of every input partition, for failure messages."""
        return asyncio.run(_group_lag(self.settings.app_id, list(self.settings.family_topics.values())))

    def close(self) -> None:
        for w in self.workers:
            w.stop()


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[EngineHarness]:
    harness = EngineHarness(tmp_path)
    yield harness
    harness.close()


@pytest.fixture
def engine_factory(tmp_path: Path) -> Iterator[type]:
    made: list[EngineHarness] = []

    def make(partitions: int = 4, **extra: str) -> EngineHarness:
        harness = EngineHarness(tmp_path / f"e{len(made)}", partitions, **extra)
        made.append(harness)
        return harness

    (tmp_path / "e0").mkdir(exist_ok=True)
    yield make  # type: ignore[misc]
    for h in made:
        h.close()


async def _group_lag(group: str, topics: list[str]) -> str:
    admin = AIOKafkaAdminClient(bootstrap_servers=BOOTSTRAP)
    consumer = AIOKafkaConsumer(bootstrap_servers=BOOTSTRAP)
    await admin.start()
    await consumer.start()
    try:
        committed = await admin.list_consumer_group_offsets(group)
        described = await admin.describe_topics(topics)
        tps = [TopicPartition(d["topic"], p["partition"]) for d in described for p in d["partitions"]]
        ends = await consumer.end_offsets(tps)
        lines = []
        for tp in sorted(ends):
            meta = committed.get(tp)
            offset = meta.offset if meta else None
            lines.append(f"{tp.topic}[{tp.partition}] committed={offset} end={ends[tp]}")
        return "\n".join(lines)
    finally:
        await consumer.stop()
        await admin.close()


async def produce_raw(records: list[tuple[str, bytes | None, bytes, int | None]]) -> None:
    """Publish (topic, key, value, partition) with a plain aiokafka producer, in order."""
    producer = AIOKafkaProducer(bootstrap_servers=BOOTSTRAP, acks="all", enable_idempotence=True)
    await producer.start()
    try:
        for topic, key, value, partition in records:
            await producer.send(topic, value, key=key, partition=partition)
        await producer.flush()
    finally:
        await producer.stop()


async def consume_all(topic: str, expected: int, timeout: float = 30.0) -> list:
    """Read `expected` records from the beginning of `topic` (fewer on timeout)."""
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=BOOTSTRAP, auto_offset_reset="earliest", enable_auto_commit=False
    )
    await consumer.start()
    out: list = []
    try:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while len(out) < expected and loop.time() < deadline:
            batch = await consumer.getmany(timeout_ms=500)
            for records in batch.values():
                out.extend(records)
    finally:
        await consumer.stop()
    return out
