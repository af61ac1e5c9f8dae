"""A private Alertmanager and the webhook it notifies, for end-to-end alert tests."""

from __future__ import annotations

import asyncio
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from aiohttp import web

from bench.common import free_port
from tests.integration.processes import Managed
from tests.integration.stack import wait_for
from tests.tools import alertmanager

ROOT = Path(__file__).resolve().parents[2]
ALERTMANAGER_CONF = ROOT / "prometheus" / "alertmanager.yml"


class WebhookReceiver:
    """An aiohttp server on its own thread: records each Alertmanager notification with
    the wall-clock time it arrived."""

    def __init__(self) -> None:
        self.port = free_port()
        self.calls: list[tuple[float, dict[str, Any]]] = []
        self._loop = asyncio.new_event_loop()
        self._runner: web.AppRunner | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/alerts"

    async def _handle(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.calls.append((time.time(), body))
        return web.Response(text="ok")

    async def _serve(self) -> None:
        app = web.Application()
        app.router.add_post("/alerts", self._handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    def start(self) -> WebhookReceiver:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._serve(), self._loop).result(10)
        return self

    def first_firing(self, alertname: str) -> float | None:
        """When the first notification with `alertname` firing arrived (unix seconds)."""
        for at, body in list(self.calls):
            for alert in body.get("alerts", []):
                if alert["labels"].get("alertname") == alertname and alert["status"] == "firing":
                    return at
        return None

    def stop(self) -> None:
        if self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)


@dataclass
class AlertmanagerProcess(Managed):
    """A real Alertmanager of the test's own: the repository's alertmanager.yml (route,
    grouping, inhibitions) with its receivers replaced by `webhook` and a short
    group_wait, on a free port, clustering off."""

    webhook: str
    tmp: Path
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None
    _logf: object = field(default=None, repr=False)

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self, timeout: float = 30) -> AlertmanagerProcess:
        config = yaml.safe_load(ALERTMANAGER_CONF.read_text(encoding="utf-8"))
        receiver = config["route"]["receiver"]
        config["receivers"] = [{"name": receiver, "webhook_configs": [{"url": self.webhook}]}]
        config["route"] |= {"group_wait": "1s", "group_interval": "1s"}
        self.tmp.mkdir(parents=True, exist_ok=True)
        path = self.tmp / "alertmanager.yml"
        path.write_text(yaml.safe_dump(config), encoding="utf-8")
        self._launch(
            [
                alertmanager(),
                f"--config.file={path}",
                f"--storage.path={self.tmp / 'data'}",
                f"--web.listen-address={self.address}",
                "--cluster.listen-address=",
            ]
        )
        ready = self._ready(f"http://{self.address}/-/ready", "alertmanager")
        wait_for(ready, timeout, "alertmanager ready", detail=self.log_tail)
        return self

    def log_path(self) -> Path:
        return self.tmp / "alertmanager.log"
