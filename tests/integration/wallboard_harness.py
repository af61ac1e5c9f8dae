"""A `cspulse wallboard` process and readers of what its page shows, for the live tests."""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.common import free_port
from tests.integration.stack import PrometheusProcess, wait_for


@dataclass
class WallboardProcess:
    env: dict[str, str]
    log: Path
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> WallboardProcess:
        with open(self.log, "ab") as logf:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "streams.cli", "wallboard", "--port", str(self.port)],
                env={**os.environ, **self.env},
                stdout=logf,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

        def up() -> bool:
            assert self.proc is not None and self.proc.poll() is None, "wallboard exited"
            with urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as resp:
                return resp.status == 200

        wait_for(up, 30, "wallboard up", detail=lambda: self.log.read_text(errors="replace"))
        return self

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(30)

    def get(self, path: str) -> tuple[str, bytes]:
        with urllib.request.urlopen(f"{self.url}{path}", timeout=10) as resp:
            return resp.headers.get("Content-Type", ""), resp.read()


def range_values(prom: PrometheusProcess, expr: str, start: float, end: float) -> set[float]:
    """Every value `expr` took between `start` and `end` (evaluated every 100 ms)."""
    query = {"query": expr, "start": f"{start:.3f}", "end": f"{end:.3f}", "step": "0.1"}
    url = f"{prom.url}/api/v1/query_range?" + urllib.parse.urlencode(query)
    with urllib.request.urlopen(url, timeout=10) as resp:
        body: dict[str, Any] = json.loads(resp.read())
    assert body["status"] == "success", body
    values = {float(v) for series in body["data"]["result"] for _, v in series["values"]}
    return {v for v in values if not math.isnan(v)}


READ_PAGE = """
const tiles = {};
for (const el of document.querySelectorAll('.tile')) {
  tiles[el.id.slice(4)] = {value: el.dataset.value, text: el.querySelector('.value').textContent,
                           stale: el.dataset.stale, asOf: el.dataset.asOf, hidden: el.hidden,
                           fresh: el.querySelector('.fresh').textContent};
}
return {at: document.body.dataset.at, state: document.body.dataset.state, tiles: tiles,
        banner: document.getElementById('banner').hidden ? '' : document.getElementById('banner').innerText,
        comments: Array.from(document.querySelectorAll('#comments li.comment')).map(li => li.innerText),
        atRisk: document.getElementById('at-risk-panel').hidden ? null
          : Array.from(document.querySelectorAll('#at-risk li')).map(li => li.innerText),
        marker: window.__cspulseMarker === undefined ? null : window.__cspulseMarker};
"""


def read_page(driver: Any) -> dict[str, Any]:
    """Everything the test checks, read in one script so that it is one consistent moment."""
    page: dict[str, Any] = driver.execute_script(READ_PAGE)
    return page
