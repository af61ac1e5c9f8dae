"""Helpers for tests against the real local stack (scripts/stack start)."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from prometheus_client.parser import text_string_to_metric_families

from bench.common import free_port
from schemas.events import FAMILIES
from streams.metrics.readout import flat_name
from tests.integration.processes import Managed
from tests.tools import prometheus

# The stack's own port variables (scripts/stack) move the tests with it.
BOOTSTRAP = os.environ.get(
    "CSPULSE_TEST_BOOTSTRAP", f"127.0.0.1:{os.environ.get('CSPULSE_KAFKA_PORT', '9092')}"
)
REDIS_URL = f"redis://127.0.0.1:{os.environ.get('CSPULSE_REDIS_PORT', '6379')}/0"
PROMETHEUS_URL = f"http://127.0.0.1:{os.environ.get('CSPULSE_PROMETHEUS_PORT', '9090')}"
# Series that are per-process observations, not sums of state.
NOT_STATE = ("cs_event_lag_seconds", "cs_build_info", "cs_last_event_timestamp_seconds")


def isolated_env(partitions: int = 4, **extra: str) -> dict[str, str]:
    """CSPULSE_* settings with topic names and app id of their own."""
    uid = uuid.uuid4().hex[:8]
    env = {
        "CSPULSE_APP_ID": f"cspulse-test-{uid}",
        "CSPULSE_BROKER": f"kafka://{BOOTSTRAP}",
        "CSPULSE_PARTITIONS": str(partitions),
        "CSPULSE_BATCH_WITHIN": "0.05",
        "CSPULSE_REDIS_URL": REDIS_URL,
    }
    for family in (*FAMILIES, "deadletter"):
        env[f"CSPULSE_TOPIC_{family.upper()}"] = f"t{uid}.cs.{family}"
    env.update(extra)
    return env


@dataclass
class WorkerProcess(Managed):
    env: dict[str, str]
    port: int
    data_dir: Path
    log: Path
    proc: subprocess.Popen[bytes] | None = None
    _logf: object = field(default=None, repr=False)

    def log_path(self) -> Path:
        return self.log

    def start(self) -> WorkerProcess:
        full = {**os.environ, **self.env, "CSPULSE_WEB_PORT": str(self.port)}
        full["CSPULSE_DATA_DIR"] = str(self.data_dir)
        self._launch([sys.executable, "-m", "streams.cli", "worker"], full)
        return self

    def kill(self) -> None:
        self.stop(signal.SIGKILL)

    def metrics_text(self) -> str:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/metrics", timeout=5) as resp:
            return resp.read().decode()


RULE_FILES = Path(__file__).resolve().parents[2] / "prometheus" / "rules" / "*.yml"


@dataclass
class PrometheusProcess(Managed):
    """A real Prometheus of the test's own: it scrapes only `targets` (job `cspulse`, as
    in prometheus/prometheus.yml) every `interval`, evaluates the repository's rules as
    often, and listens on a free port, so no other worker on the machine reaches it."""

    targets: list[str]
    tmp: Path
    interval: str = "1s"
    rule_files: list[str] = field(default_factory=lambda: [str(RULE_FILES)])
    alertmanagers: list[str] = field(default_factory=list)  # host:port to send alerts to
    jobs: list[dict] = field(default_factory=list)  # more scrape configs (TLS, basic auth)
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None
    _logf: object = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60) -> PrometheusProcess:
        job = {"job_name": "cspulse", "static_configs": [{"targets": self.targets}]}
        plain = [job] if self.targets else []
        config = {
            "global": {"scrape_interval": self.interval, "evaluation_interval": self.interval},
            "rule_files": self.rule_files,
            "scrape_configs": [*plain, *self.jobs],
        }
        if self.alertmanagers:
            config["alerting"] = {"alertmanagers": [{"static_configs": [{"targets": self.alertmanagers}]}]}
        self.tmp.mkdir(parents=True, exist_ok=True)
        path = self.tmp / "prometheus.yml"
        path.write_text(yaml.safe_dump(config), encoding="utf-8")
        self._launch(
            [
                prometheus(),
                f"--config.file={path}",
                f"--storage.tsdb.path={self.tmp / 'data'}",
                f"--web.listen-address=127.0.0.1:{self.port}",
            ]
        )
        ready = self._ready(f"{self.url}/-/ready", "prometheus")
        wait_for(ready, timeout, "prometheus ready", detail=self.log_tail)
        return self

    def query(self, expr: str) -> dict:
        """The /api/v1/query answer at now; an invalid expression's error body, not an exception."""
        url = f"{self.url}/api/v1/query?" + urllib.parse.urlencode({"query": expr})
        try:
            with urllib.request.urlopen(url, timeout=10) as resp:
                body: dict = json.loads(resp.read())
        except urllib.error.HTTPError as exc:  # 400/422: bad expression, with a JSON reason
            body = json.loads(exc.read() or b"{}") or {"status": "error", "error": str(exc)}
        return body

    def log_path(self) -> Path:
        return self.tmp / "prometheus.log"


def parse_metrics(text: str) -> dict[str, float]:
    """State series summed without (instance, partition), keyed like report --json."""
    out: dict[str, float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if not sample.name.startswith("cs_") or sample.name.startswith(NOT_STATE):
                continue
            if sample.name.endswith("_created"):
                continue
            labels = tuple(
                sorted((k, v) for k, v in sample.labels.items() if k not in ("partition", "instance"))
            )
            key = flat_name((sample.name, labels))
            out[key] = out.get(key, 0.0) + sample.value
    return out


def owned_partitions(worker: WorkerProcess) -> set[str]:
    """Partitions whose series `worker` exposes now (it exposes only the ones it owns)."""
    return {
        line.split('partition="')[1].split('"')[0]
        for line in worker.metrics_text().splitlines()
        if 'partition="' in line and line.startswith("cs_events_total")
    }


def records_counted(series: dict[str, float]) -> float:
    """Input records accounted for: each is applied, duplicate, stale or dead-lettered."""
    return sum(v for k, v in series.items() if k.startswith(("cs_events_total{", "cs_deadletter_total{")))


def scrape_sum(workers: list[WorkerProcess]) -> dict[str, float]:
    total: dict[str, float] = {}
    for w in workers:
        for k, v in parse_metrics(w.metrics_text()).items():
            total[k] = total.get(k, 0.0) + v
    return total


def wait_for(
    check: Callable[[], bool],
    timeout: float,
    what: str,
    workers: list[WorkerProcess] | None = None,
    detail: Callable[[], str] | None = None,
) -> None:
    deadline = time.monotonic() + timeout
    last_exc: Exception | None = None
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except Exception as exc:  # worker not up yet
            last_exc = exc
        time.sleep(0.5)
    logs = "\n\n".join(w.log_tail() for w in workers or [])
    extra = ""
    if detail is not None:
        try:
            extra = f"\n{detail()}"
        except Exception as exc:  # the detail is a courtesy; never hide the timeout
            extra = f"\n(detail failed: {exc!r})"
    raise AssertionError(
        f"timed out after {timeout}s waiting for {what} (last error: {last_exc}){extra}\n{logs}"
    )


def run(coro):  # type: ignore[no-untyped-def]
    return asyncio.run(coro)


def drain_rate(
    workers: list[WorkerProcess], count: Callable[[dict[str, float]], float], total: int, timeout: float
) -> float:
    """Wait until `count` of the summed scrape reaches `total`; events/s from the first one seen."""
    deadline = time.monotonic() + timeout
    first: tuple[float, float] | None = None
    while time.monotonic() < deadline:
        try:
            seen = count(scrape_sum(workers))
        except OSError:  # not serving yet
            seen = 0.0
        now = time.monotonic()
        if seen and first is None:
            first = (now, seen)
        if seen >= total and first is not None:
            return (seen - first[1]) / max(1e-9, now - first[0])
        time.sleep(0.25)
    logs = "\n\n".join(w.log_tail() for w in workers)
    raise AssertionError(f"timed out after {timeout}s waiting for {total} records\n{logs}")
