"""Agents driven through Faust's test_context() with the memory:// store (no broker)."""

from __future__ import annotations

import asyncio
import types

import pytest

from streams.settings import load_settings
from streams.worker.app import Worker
from tests.factories import event, raw


@pytest.fixture
def worker(tmp_path):
    settings = load_settings(
        {
            "CSPULSE_STORE": "memory://",
            "CSPULSE_PARTITIONS": "1",
            "CSPULSE_DATA_DIR": str(tmp_path),
            "CSPULSE_BATCH_SIZE": "1",
        }
    )
    w = Worker(settings)
    w.app.finalize()
    w.app.flow_control.resume()
    w.changelog_producer.producer = ChangelogRecorder()  # type: ignore[assignment]
    return w


class ChangelogRecorder:
    """Stands in for the changelog producer: test_context() has no broker to produce to."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, int, list[tuple[bytes, bytes]]]] = []

    def create_batch(self) -> _Batch:
        return _Batch()

    async def send_batch(self, batch, topic, partition):
        self.sent.append((topic, partition, batch))
        fut = asyncio.get_running_loop().create_future()
        fut.set_result(types.SimpleNamespace(offset=len(self.sent)))
        return fut


class _Batch(list):
    def append(self, key, value, timestamp):  # aiokafka BatchBuilder.append's shape
        super().append((key, value))
        return True


def _agent(worker: Worker, family: str):
    return worker.app.agents[f"cspulse-{family}"]


async def test_survey_agent_applies_dedupes_and_writes_table(worker):
    agent = _agent(worker, "surveys")
    body = raw(event("survey.responded", customer="cus_1", event_id="s1", score=9))
    async with agent.test_context() as ctx:
        await ctx.put(body, key=b"cus_1")
        await ctx.put(body, key=b"cus_1")
        await ctx.put(raw(event("survey.responded", customer="cus_1", score=2)), key=b"cus_1")
    proc = worker.engine.processors["surveys"]
    read = proc.sums[0].read()
    got = {(n, dict(lab).get("rating"), dict(lab).get("outcome")): v for (n, lab), v in read.items()}
    assert got[("cs_survey_responses_total", "promoter", None)] == 1
    assert got[("cs_survey_responses_total", "detractor", None)] == 1
    assert got[("cs_events_total", None, "duplicate")] == 1
    table = worker.tables["surveys"]
    stored = table.get(b"c:cus_1")
    assert stored is not None
    # every write reached the changelog, the last one carrying the stored value
    sent = worker.changelog_producer.producer.sent
    changelog = [rec for topic, _, batch in sent for rec in batch if "surveys" in topic]
    assert changelog and changelog[-1] == (b"c:cus_1", stored)


class SentRecords:
    """Stands in for the dead-letter topic: test_context() has no broker to produce to."""

    def __init__(self) -> None:
        self.sent: list[dict] = []

    async def send(self, **kwargs):
        self.sent.append(kwargs)
        fut = asyncio.get_running_loop().create_future()
        fut.set_result(None)
        return fut


async def test_bad_record_goes_to_deadletter_and_the_next_is_applied(worker):
    agent = _agent(worker, "payments")
    worker.outputs.deadletter_topic = SentRecords()
    async with agent.test_context() as ctx:
        await ctx.put(b"{oops", key=b"cus_2")
        await ctx.put(raw(event("payment.succeeded", customer="cus_2")), key=b"cus_2")
    read = worker.engine.processors["payments"].sums[0].read()
    names = {(n, dict(lab).get("reason")): v for (n, lab), v in read.items()}
    assert names[("cs_deadletter_total", "malformed_json")] == 1
    assert names[("cs_paying_customers", None)] == 1
    [dead] = worker.outputs.deadletter_topic.sent
    headers = dict(dead["headers"])
    assert dead["value"] == b"{oops" and dead["key"] == b"cus_2"
    assert headers["cs.error.reason"] == b"malformed_json"
    assert headers["cs.source.offset"] == b"0"
