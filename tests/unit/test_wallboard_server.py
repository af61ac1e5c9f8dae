"""The wallboard server without the stack: its pages, /api/kpis and the SSE stream, with
Prometheus and Redis unreachable (ports nothing listens on), which it must say."""

from __future__ import annotations

import asyncio
import itertools
import statistics
from collections.abc import AsyncIterator

import orjson
import pytest
from aiohttp.test_utils import TestClient, TestServer

from bench.common import free_port
from streams.exposition.wallboard.server import make_app
from streams.settings import load_settings

REFRESH = 0.25


@pytest.fixture
async def client() -> AsyncIterator[TestClient]:
    settings = load_settings(
        {
            "CSPULSE_PROMETHEUS_URL": f"http://127.0.0.1:{free_port()}",
            "CSPULSE_REDIS_URL": f"redis://127.0.0.1:{free_port()}/0",
            "CSPULSE_WALLBOARD_REFRESH": str(REFRESH),
        }
    )
    async with TestClient(TestServer(make_app(settings))) as client:
        yield client


async def test_the_page_and_its_static_files(client: TestClient) -> None:
    page = await client.get("/")
    assert page.status == 200 and page.content_type == "text/html"
    html = await page.text()
    assert '<script src="/static/wallboard.js"' in html and 'href="/static/wallboard.css"' in html
    js = await client.get("/static/wallboard.js")
    assert js.status == 200 and js.content_type == "text/javascript"
    assert "new EventSource(\"/api/events\")" in await js.text()
    css = await client.get("/static/wallboard.css")
    assert css.status == 200 and css.content_type == "text/css"
    for missing in ("/static/nothing.js", "/static/index.html", "/static/..%2Fserver.py"):
        assert (await client.get(missing)).status == 404, missing


async def test_api_kpis_says_the_sources_are_unreachable_and_withholds_numbers(client: TestClient) -> None:
    resp = await client.get("/api/kpis")
    assert resp.status == 200 and resp.content_type == "application/json"
    snapshot = await resp.json()
    assert snapshot["sources"]["prometheus"]["ok"] is False
    assert snapshot["sources"]["redis"]["ok"] is False
    assert snapshot["stale"] is True
    assert any(p.startswith("Prometheus unreachable") for p in snapshot["problems"])
    assert any(p.startswith("Redis unreachable") for p in snapshot["problems"])
    assert snapshot["comments"] is None and snapshot["at_risk"] is None
    kpis = snapshot["kpis"]
    assert "mrr" in kpis and "dau" not in kpis  # optional tiles are hidden without data
    assert all(k["value"] is None and k["stale"] for k in kpis.values())


async def read_events(client: TestClient, seconds: float) -> tuple[str, list[dict]]:
    resp = await client.get("/api/events")
    assert resp.status == 200
    events: list[dict] = []
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    block: list[str] = []
    while (left := deadline - loop.time()) > 0:
        try:
            line = (await asyncio.wait_for(resp.content.readline(), left)).decode().rstrip("\n")
        except TimeoutError:
            break
        if line:
            block.append(line)
            continue
        fields = dict(part.split(": ", 1) for part in block)
        block = []
        events.append(fields)
    resp.close()
    return resp.headers["Content-Type"], events


async def test_sse_sends_one_snapshot_per_refresh(client: TestClient) -> None:
    kind, events = await read_events(client, 8 * REFRESH)
    assert kind.startswith("text/event-stream")
    assert events[0] == {"retry": "2000"}  # browsers reconnect within 2s after a restart
    kpis = [e for e in events[1:] if e.get("event") == "kpis"]
    assert len(kpis) == len(events) - 1
    # 8 refreshes: the snapshot there was on connecting, then one per refresh (a loaded
    # machine may run a tick late, never twice).
    assert 5 <= len(kpis) <= 9, [e.get("id") for e in kpis]
    ids = [int(e["id"]) for e in kpis]
    assert ids == list(range(ids[0], ids[0] + len(ids)))
    times = [orjson.loads(e["data"])["at"] for e in kpis]
    gaps = sorted(b - a for a, b in itertools.pairwise(times))
    assert gaps[0] >= 0.6 * REFRESH, gaps
    assert 0.8 * REFRESH <= statistics.median(gaps) <= 1.5 * REFRESH, gaps
