"""The label registry on a real Redis: every worker and the report fold a value alike."""

from __future__ import annotations

import asyncio
import uuid

import pytest
import redis
import redis.asyncio as aioredis

from streams.exposition.label_registry import admit, admit_now, registry_key
from streams.metrics.readout import OTHER, LabelFolder
from tests.integration.stack import REDIS_URL

pytestmark = pytest.mark.integration


def _folded(folder: LabelFolder, values: list[str]) -> dict[str, str]:
    return {v: folder.fold("plan", v) for v in values}


def test_workers_meeting_values_in_different_orders_fold_them_alike() -> None:
    prefix = f"t{uuid.uuid4().hex[:8]}"
    values = [f"plan-{i:05d}" for i in range(400)]

    async def scenario() -> list[dict[str, str]]:
        client = aioredis.from_url(REDIS_URL)
        workers = [LabelFolder(limit=50, shared=True) for _ in range(8)]
        try:
            for n, folder in enumerate(workers):  # each meets a different slice, in its own order
                mine = values[n * 40 : n * 40 + 120][:: -1 if n % 2 else 1]
                _folded(folder, mine)
            assert all(await asyncio.gather(*(admit(client, prefix, f) for f in workers)))
            return [_folded(f, values) for f in workers]
        finally:
            await client.aclose()

    views = asyncio.run(scenario())
    kept = {v for v, shown in views[0].items() if shown != OTHER}
    assert len(kept) == 50, "the registry overfilled or underfilled under concurrent admission"
    for view in views[1:]:
        assert view == views[0], "two workers fold the same value differently"
    report = LabelFolder(limit=50, shared=True)
    _folded(report, values)
    admit_now(redis.Redis.from_url(REDIS_URL), prefix, report)
    assert _folded(report, values) == views[0], "the report folds differently from the workers"
    assert {
        m.decode() for m in redis.Redis.from_url(REDIS_URL).smembers(registry_key(prefix, "plan"))
    } == kept


def test_a_restarted_worker_keeps_what_the_registry_kept() -> None:
    prefix = f"t{uuid.uuid4().hex[:8]}"

    async def run(order: list[str]) -> dict[str, str]:
        client = aioredis.from_url(REDIS_URL)
        folder = LabelFolder(limit=2, shared=True)
        try:
            _folded(folder, order)
            await admit(client, prefix, folder)
            return _folded(folder, sorted(order))
        finally:
            await client.aclose()

    first = asyncio.run(run(["b", "c"]))
    assert first == {"b": "b", "c": "c"}
    again = asyncio.run(run(["a", "b", "c"]))  # after the restart, a comes first: still folded
    assert again == {"a": OTHER, "b": "b", "c": "c"}


def test_without_redis_new_values_wait_in_other_and_the_worker_goes_on() -> None:
    async def scenario() -> tuple[bool, dict[str, str], dict[str, set[str]]]:
        client = aioredis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=1)
        folder = LabelFolder(limit=5, shared=True)
        _folded(folder, ["pro"])
        try:
            learned = await admit(client, "nowhere", folder)
        finally:
            await client.aclose()
        return learned, _folded(folder, ["pro"]), folder.unknown

    learned, shown, unknown = asyncio.run(scenario())
    assert not learned and shown == {"pro": OTHER} and unknown == {"plan": {"pro"}}
