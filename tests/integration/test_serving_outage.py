"""Redis away, then back: no survey comment is lost and the list ends as without the outage.

A private redis-server (the stack's binary) is stopped between two batches and started
again on the same port; the comments of the batch during the outage wait and are
written, in order, with the first batch after it.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bench.common import free_port
from schemas.events import SurveyEvent
from streams.worker.serving import ServingStore

pytestmark = pytest.mark.integration


def _survey(n: int) -> SurveyEvent:
    return SurveyEvent.model_validate(
        {
            "event_id": f"e{n}",
            "type": "survey.responded",
            "occurred_at": (datetime(2026, 11, 1, tzinfo=UTC) + timedelta(minutes=n)).isoformat(),
            "customer_id": f"c{n % 3}",
            "survey": "nps",
            "score": n % 11,
            "comment": f"comment {n}",
        }
    )


class Redis:
    def __init__(self, port: int, workdir: Path) -> None:
        self.port, self.workdir = port, workdir
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        binary = shutil.which("redis-server")
        assert binary, "redis-server is missing: scripts/install-deps installs it"
        self.proc = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.workdir)],
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 20
        ping = ["redis-cli", "-p", str(self.port), "ping"]
        while subprocess.run(ping, capture_output=True).stdout.strip() != b"PONG":
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.1)

    def stop(self) -> None:
        assert self.proc is not None
        self.proc.terminate()
        self.proc.wait(10)


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[Redis]:
    server = Redis(free_port(), tmp_path)
    server.start()
    yield server
    if server.proc is not None and server.proc.poll() is None:
        server.stop()


async def _run(store: ServingStore, batches: list[list[SurveyEvent]], outage: Redis | None) -> list[str]:
    for i, batch in enumerate(batches):
        if outage is not None and i == 1:
            outage.stop()
        if outage is not None and i == 3:
            outage.start()
        await store.publish(batch)
    return [c["comment"] for c in await store.recent_comments(limit=100)]


async def test_comments_written_during_an_outage_arrive_once_redis_is_back(redis_server: Redis) -> None:
    batches = [[_survey(n) for n in range(k * 5, k * 5 + 5)] for k in range(5)]
    url = f"redis://127.0.0.1:{redis_server.port}/0"
    with_outage = ServingStore(url, "outage", kept=12)
    got = await _run(with_outage, batches, redis_server)
    assert with_outage.errors == 2  # the two batches while Redis was away
    assert with_outage.pending == {}
    without = ServingStore(url, "steady", kept=12)
    expected = await _run(without, batches, None)
    assert got == expected == [f"comment {n}" for n in range(24, 12, -1)]
    await with_outage.close()
    await without.close()


async def test_comments_are_the_same_whatever_the_order_and_the_repeats(redis_server: Redis) -> None:
    """A crash re-delivers events whose comments may or may not have been written: written
    again, they change nothing, and any arrival order ends with the same newest `kept`."""
    events = [_survey(n) for n in range(30)]
    url = f"redis://127.0.0.1:{redis_server.port}/0"
    once = ServingStore(url, "once", kept=12)
    await once.publish(events)
    replayed = ServingStore(url, "replayed", kept=12)
    for chunk in (events[10:20], events[::-1], events[:15], events[25:]):
        await replayed.publish(chunk)
    expected = [f"comment {n}" for n in range(29, 17, -1)]
    assert [c["comment"] for c in await once.recent_comments(100)] == expected
    assert [c["comment"] for c in await replayed.recent_comments(100)] == expected
    await once.close()
    await replayed.close()
