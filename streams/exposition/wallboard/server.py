"""The wallboard's HTTP server (aiohttp): the page, `/api/kpis` and the SSE stream.

One poller takes a snapshot every refresh interval, whoever is watching, and hands it
to every connected stream, so N screens cost Prometheus one set of queries, not N.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from importlib import resources
from typing import Any

import orjson
from aiohttp import web

from streams.exposition.accounts import parse_bands, parse_limit, read_accounts
from streams.settings import Settings
from streams.webconfig import auth_middleware, load_web_config

from .lists import RedisLists
from .prom import PrometheusClient
from .snapshot import Snapshots

log = logging.getLogger("cspulse.wallboard")

STATIC = resources.files("streams.exposition.wallboard") / "static"
SNAPSHOTS: web.AppKey[Snapshots] = web.AppKey("snapshots", Snapshots)


class Poller:
    """Takes a snapshot every `interval` seconds and fans it out to subscribers."""

    def __init__(self, snapshots: Snapshots, interval: float) -> None:
        self.snapshots = snapshots
        self.interval = interval
        self.latest: dict[str, Any] | None = None
        self.seq = 0
        self.subscribers: set[asyncio.Queue[tuple[int, bytes]]] = set()
        self._task: asyncio.Task[None] | None = None

    async def tick(self) -> None:
        self.latest = await self.snapshots.take()
        self.seq += 1
        data = orjson.dumps(self.latest)
        for queue in self.subscribers:
            if queue.full():  # a slow screen gets the newest snapshot, not a backlog
                queue.get_nowait()
            queue.put_nowait((self.seq, data))

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            started = loop.time()
            try:
                await self.tick()
            except Exception:  # keep serving; the next tick tries again
                log.exception("wallboard snapshot failed")
            await asyncio.sleep(max(0.0, self.interval - (loop.time() - started)))

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self.run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task


POLLER = web.AppKey("poller", Poller)
LISTS: web.AppKey[RedisLists] = web.AppKey("lists", RedisLists)


def _static(name: str) -> bytes:
    return (STATIC / name).read_bytes()


async def index(request: web.Request) -> web.Response:
    return web.Response(body=_static("index.html"), content_type="text/html", charset="utf-8")


async def static_file(request: web.Request) -> web.Response:
    name = request.match_info["name"]
    types = {"js": "text/javascript", "css": "text/css"}
    kind = types.get(name.rsplit(".", 1)[-1])
    if kind is None or "/" in name or not (STATIC / name).is_file():
        raise web.HTTPNotFound()
    return web.Response(body=_static(name), content_type=kind, charset="utf-8")


async def kpis(request: web.Request) -> web.Response:
    poller = request.app[POLLER]
    snapshot = poller.latest or await poller.snapshots.take()
    return web.Response(body=orjson.dumps(snapshot), content_type="application/json")


async def events(request: web.Request) -> web.StreamResponse:
    """Server-Sent Events: one `kpis` event per refresh. `retry` makes browsers reconnect
    within two seconds after the server restarts."""
    poller = request.app[POLLER]
    resp = web.StreamResponse(headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
    resp.content_type = "text/event-stream"
    await resp.prepare(request)
    queue: asyncio.Queue[tuple[int, bytes]] = asyncio.Queue(maxsize=1)
    poller.subscribers.add(queue)
    try:
        await resp.write(b"retry: 2000\n\n")
        if poller.latest is not None:
            queue.put_nowait((poller.seq, orjson.dumps(poller.latest)))
        while True:
            seq, data = await queue.get()
            await resp.write(b"id: %d\nevent: kpis\ndata: %s\n\n" % (seq, data))
    except ConnectionResetError:  # the screen went away
        pass
    finally:
        poller.subscribers.discard(queue)
    return resp


async def accounts(request: web.Request) -> web.Response:
    """`/api/accounts?band=critical&limit=50`: customers by health, most MRR first (as the
    workers' own /api/accounts)."""
    try:
        bands = parse_bands(request.query.get("band"))
        limit = parse_limit(request.query.get("limit"))
    except ValueError as exc:
        return web.json_response({"error": str(exc)}, status=400)
    lists: RedisLists = request.app[LISTS]
    try:
        entries = await read_accounts(lists.client, lists.prefix, bands, limit)
    except Exception as exc:  # Redis away: say so, do not pretend the list is empty
        return web.json_response({"error": f"serving store unavailable: {type(exc).__name__}"}, status=503)
    return web.json_response({"bands": list(bands), "accounts": entries})


async def healthz(request: web.Request) -> web.Response:
    return web.Response(text="ok\n")


def make_app(settings: Settings) -> web.Application:
    prom = PrometheusClient(settings.prometheus_url, timeout=max(2.0, settings.wallboard_refresh))
    lists = RedisLists(settings.redis_url.get_secret_value(), settings.app_id)
    snapshots = Snapshots(settings, prom, lists)
    app = web.Application()
    if settings.web_config_file:  # basic auth on every page (TLS is the listener's: run_wallboard)
        config = load_web_config(settings.web_config_file)
        if config.users:
            app.middlewares.append(auth_middleware(config))
    app[SNAPSHOTS] = snapshots
    app[POLLER] = Poller(snapshots, settings.wallboard_refresh)
    app[LISTS] = lists

    async def lifecycle(app: web.Application):  # type: ignore[no-untyped-def]
        app[POLLER].start()
        yield
        await app[POLLER].stop()
        await prom.close()
        await lists.close()

    app.cleanup_ctx.append(lifecycle)
    app.router.add_get("/", index)
    app.router.add_get("/static/{name}", static_file)
    app.router.add_get("/api/kpis", kpis)
    app.router.add_get("/api/events", events)
    app.router.add_get("/api/accounts", accounts)
    app.router.add_get("/healthz", healthz)
    return app
