"""The health serving store on a real Redis: versioned writes, removals, an outage."""

from __future__ import annotations

import asyncio
import uuid
from fractions import Fraction

import pytest
import redis.asyncio as aioredis

from streams.engine.joined import Account
from streams.exposition.accounts import account_key, band_key, scores_key
from streams.metrics.health import Assessment
from streams.worker.accounts import AccountStore
from tests.integration.stack import REDIS_URL

pytestmark = pytest.mark.integration
SCALE = 100_000_000  # micro cents per dollar


def assessment(score: int, band: str, mrr: int = 1000) -> Assessment:
    return Assessment(score, band, mrr * SCALE, {"usage": Fraction(100, 3)}, (f"reason {score}",))


def test_versions_order_the_writes_and_a_removal_stays_removed() -> None:
    async def scenario() -> None:
        client = aioredis.from_url(REDIS_URL)
        store = AccountStore(client, f"t{uuid.uuid4().hex[:8]}", SCALE)
        try:
            await store.publish([Account("c1", 0, 1_700_000_000, assessment(38, "critical"), 3)])
            await store.publish([Account("c2", 1, 1_700_000_000, assessment(55, "at_risk", 5000), 1)])
            listed = await store.read(("at_risk", "critical"), 10)
            assert [e["customer_id"] for e in listed] == ["c2", "c1"]  # most MRR first
            assert listed[1]["components"] == {"usage": 33.33} and listed[1]["reasons"] == ["reason 38"]
            # a worker that lost the partition writes an older version: ignored
            await store.publish([Account("c1", 0, 1_700_000_000, assessment(90, "healthy"), 2)])
            assert [e["score"] for e in await store.read(("critical",), 10)] == [38]
            assert await store.read(("healthy",), 10) == []
            await store.publish([Account("c1", 0, 1_700_000_100, None, 4)])  # lost its MRR
            await store.publish([Account("c1", 0, 1_700_000_000, assessment(38, "critical"), 3)])  # stale
            assert [e["customer_id"] for e in await store.read(("at_risk", "critical"), 10)] == ["c2"]
            assert await client.zscore(f"{store.prefix}:cspulse:health:scores", "c1") is None
        finally:
            await client.aclose()

    asyncio.run(scenario())


def test_scores_written_while_redis_is_away_arrive_when_it_is_back() -> None:
    async def scenario() -> None:
        away = aioredis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.5)
        store = AccountStore(away, f"t{uuid.uuid4().hex[:8]}", SCALE)
        assert await store.publish([Account("c1", 0, 1, assessment(30, "critical"), 1)]) == 0
        assert await store.publish([Account("c1", 0, 2, assessment(45, "at_risk"), 2)]) == 0
        assert store.errors == 2 and list(store.pending) == ["c1"]  # only the latest waits
        back = aioredis.from_url(REDIS_URL)
        store.client, store._write = back, back.register_script(store._write.script)
        try:
            assert await store.publish([]) == 1
            assert [(e["score"], e["band"]) for e in await store.read(("at_risk", "critical"), 10)] == [
                (45, "at_risk")
            ]
        finally:
            await back.aclose()
            await away.aclose()

    asyncio.run(scenario())


def test_one_call_writes_a_mixed_chunk_each_account_by_its_own_version() -> None:
    async def scenario() -> None:
        client = aioredis.from_url(REDIS_URL)
        store = AccountStore(client, f"t{uuid.uuid4().hex[:8]}", SCALE)
        big = 123_456_789_012_345_678  # MRR beyond 14 significant digits, micro cents
        try:
            await store.publish([Account("c1", 0, 1, assessment(38, "critical"), 5)])
            written = await store.publish(
                [
                    Account("c1", 0, 2, assessment(90, "healthy"), 4),  # stale: ignored
                    Account("c2", 0, 2, Assessment(20, "critical", big, {}, ()), 1),
                    Account("c3", 1, 2, assessment(50, "at_risk"), 1),
                    Account("c3", 1, 3, None, 2),  # the same chunk removes it again
                    Account("c4", 1, 3, None, 1),  # removal of one never written
                ]
            )
            assert written == 4  # c3's two writes were one pending entry, the latest
            assert [e["customer_id"] for e in await store.read(("critical",), 10)] == ["c2", "c1"]
            assert await store.read(("at_risk", "healthy"), 10) == []
            assert await client.zscore(scores_key(store.prefix), "c2") == 20
            mrr = await client.zscore(band_key(store.prefix, "critical"), "c2")
            assert mrr == big / SCALE
            assert await client.hget(account_key(store.prefix, "c3"), "version") == b"2"
            assert await client.hget(account_key(store.prefix, "c1"), "version") == b"5"
        finally:
            await client.aclose()

    asyncio.run(scenario())
