"""Shared pieces: isolated settings, worker processes, /metrics scraping, topics, output."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import aiohttp
from rich.console import Console

from schemas.events import FAMILIES as ALL_FAMILIES
from streams.engine.build import METRIC_FAMILIES
from streams.settings import Settings, load_settings
from streams.worker.clients import admin
from streams.worker.topics import create_topics

BOOTSTRAP = os.environ.get("CSPULSE_BENCH_BOOTSTRAP", "127.0.0.1:9092")


def kafka_settings() -> Settings:
    """The benchmark's broker, with the security of any CSPULSE_KAFKA_* in the environment."""
    return load_settings({"CSPULSE_BROKER": BOOTSTRAP})


FAMILIES = METRIC_FAMILIES  # the families the engine computes metrics for
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
console = Console(stderr=True, highlight=False)
RUN_UIDS: set[str] = set()  # every uid in a topic name this run made, for clean-up
LIVE_WORKERS: list[Worker] = []  # every worker started, stopped at the end whatever happened


def say(text: str) -> None:
    console.print(f"[dim]{time.strftime('%H:%M:%S')}[/dim] {text}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def broker_up(bootstrap: str = BOOTSTRAP) -> bool:
    """Whether something listens at `host:port` (the integration tests use it too)."""
    host, port = bootstrap.rsplit(":", 1)
    try:
        with socket.create_connection((host, int(port)), timeout=2):
            return True
    except OSError:
        return False


@dataclass
class Isolated:
    """CSPULSE_* settings with an app id and topic names of their own."""

    tag: str
    env: dict[str, str]

    @classmethod
    def new(cls, tag: str, extra: Mapping[str, str] | None = None, partitions: int = 4) -> Isolated:
        uid = uuid.uuid4().hex[:8]
        RUN_UIDS.add(uid)
        env = {
            "CSPULSE_APP_ID": f"bench-{tag}-{uid}",
            "CSPULSE_BROKER": f"kafka://{BOOTSTRAP}",
            "CSPULSE_PARTITIONS": str(partitions),
            "CSPULSE_LOG_LEVEL": "info",
        }
        for family in (*ALL_FAMILIES, "deadletter"):
            env[f"CSPULSE_TOPIC_{family.upper()}"] = f"bench.{uid}.cs.{family}"
        env.update(extra or {})
        return cls(tag, env)

    def with_app(self, tag: str) -> Isolated:
        """Same topics, another app id (its own consumer group, changelogs and state)."""
        uid = uuid.uuid4().hex[:8]
        RUN_UIDS.add(uid)
        return Isolated(tag, {**self.env, "CSPULSE_APP_ID": f"bench-{tag}-{uid}"})

    @property
    def settings(self) -> Settings:
        return load_settings(self.env)

    @property
    def app_id(self) -> str:
        return self.env["CSPULSE_APP_ID"]

    def topic(self, family: str) -> str:
        return self.settings.family_topics[family]

    def topics(self) -> list[str]:
        return [self.topic(f) for f in FAMILIES]

    def changelog(self, family: str) -> str:
        return f"{self.app_id}-{family}-state-changelog"

    async def create(self) -> None:
        """The engine's topics, plus the table changelogs (compacted, like Faust's)."""
        settings = self.settings
        await create_topics(settings)
        await create_compacted([self.changelog(f) for f in METRIC_FAMILIES], settings.partitions)


async def create_compacted(topics: list[str], partitions: int) -> None:
    from aiokafka.admin import NewTopic
    from aiokafka.errors import TopicAlreadyExistsError

    async with admin(kafka_settings()) as client:
        new = [NewTopic(t, partitions, 1, topic_configs={"cleanup.policy": "compact"}) for t in topics]
        with contextlib.suppress(TopicAlreadyExistsError):
            await client.create_topics(new)


async def delete_topics(uids: Iterable[str]) -> int:
    """Delete every topic whose name contains one of `uids`; returns how many."""
    async with admin(kafka_settings()) as client:
        wanted = tuple(uids)
        names = [t for t in await client.list_topics() if any(uid in t for uid in wanted)]
        for i in range(0, len(names), 50):
            await client.delete_topics(names[i : i + 50])
        return len(names)


# -- processes --------------------------------------------------------------------------


def export_tree(rev: str, dest: Path) -> Path:
    """The engine's packages (streams, schemas) at git revision `rev`, unpacked into `dest`."""
    root = Path(__file__).resolve().parent.parent
    dest.mkdir(parents=True, exist_ok=True)
    archive = subprocess.run(
        ["git", "archive", rev, "streams", "schemas"], cwd=root, capture_output=True, check=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
    return dest


def rss_bytes(pid: int) -> int:
    """Resident set size of a live process (Linux /proc)."""
    with open(f"/proc/{pid}/statm") as f:
        return int(f.read().split()[1]) * PAGE_SIZE


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


@dataclass
class Worker:
    """A `cspulse worker` subprocess with its own port, data dir and log."""

    iso: Isolated
    workdir: Path
    name: str
    store: str = "memory://"
    port: int = field(default_factory=free_port)
    extra_env: dict[str, str] = field(default_factory=dict)
    src: Path | None = None  # run the engine from this source tree (see export_tree)
    proc: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    _log: IO[bytes] | None = field(default=None, repr=False)

    @property
    def data_dir(self) -> Path:
        return self.workdir / f"{self.name}.data"

    @property
    def log_path(self) -> Path:
        return self.workdir / f"{self.name}.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/metrics"

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def start(self) -> Worker:
        env = {**os.environ, **self.iso.env, **self.extra_env}
        env.update(
            CSPULSE_STORE=self.store,
            CSPULSE_WEB_PORT=str(self.port),
            CSPULSE_DATA_DIR=str(self.data_dir),
        )
        self.workdir.mkdir(parents=True, exist_ok=True)
        self._log = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
        self.started_at = time.monotonic()
        if self.src is not None:  # ahead of the editable install; -m also puts cwd first
            env["PYTHONPATH"] = str(self.src)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "streams.cli", "worker"],
            env=env,
            cwd=self.src,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        LIVE_WORKERS.append(self)
        return self

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def check(self) -> None:
        """Raise when the worker exited or logged a fatal error (it may hang on after one)."""
        if not self.alive():
            raise RuntimeError(f"worker {self.name} exited:\n{self.log_tail()}")
        tail = self.log_tail(20)
        if "fatal error" in tail or "Traceback" in tail:
            raise RuntimeError(f"worker {self.name} failed:\n{tail}")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30) -> None:
        if self.proc is not None and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, sig)
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
            except ProcessLookupError:
                pass
        if self._log is not None:
            self._log.close()
            self._log = None

    def kill9(self) -> None:
        self.stop(signal.SIGKILL)

    def rss(self) -> int:
        return rss_bytes(self.pid)

    def cpu(self) -> float:
        return cpu_seconds(self.pid)

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


MAX_PAUSE_S = 1.0


class Scraper:
    """Async GETs of /metrics (one HTTP session for the whole run)."""

    def __init__(self) -> None:
        self._session: aiohttp.ClientSession | None = None
        self.durations: list[float] = []  # seconds per successful scrape (reset at will)

    async def text(self, worker: Worker, timeout: float = 5.0) -> str | None:
        """The /metrics text, or None while the worker is not serving yet."""
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout))
        try:
            started = time.monotonic()
            async with self._session.get(worker.url) as resp:
                if resp.status != 200:
                    return None
                text = await resp.text()
            self.durations.append(time.monotonic() - started)
            return text
        except (TimeoutError, aiohttp.ClientError, OSError):
            return None

    def pause(self, base: float) -> float:
        """Seconds to wait before the next scrape: `base`, or longer when scrapes are slow,
        so that building /metrics never takes more than ~10 % of the worker's time; at
        most `MAX_PAUSE_S`: a scrape that was slow because the worker's loop was busy
        (a restart) once paused the next one 45 s, and that was measured as the restart."""
        last = self.durations[-1] if self.durations else 0.0
        return max(base, min(9 * last, MAX_PAUSE_S))

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


def series_sum(text: str, *prefixes: str, where: str = "") -> float:
    """Sum of the samples whose line starts with one of `prefixes` (and contains `where`)."""
    total = 0.0
    for line in text.splitlines():
        if line.startswith(prefixes) and where in line:
            total += float(line.rsplit(" ", 1)[1])
    return total


def processed(text: str) -> int:
    """Every consumed record: applied, duplicate and stale events plus dead letters."""
    return int(series_sum(text, "cs_events_total{", "cs_deadletter_total{"))


async def wait_until(
    check: Callable[[], Awaitable[bool]],
    timeout: float,
    what: str,
    worker: Worker | None = None,
    interval: float = 0.1,
    scraper: Scraper | None = None,
) -> float:
    """Poll `check` until true; returns the monotonic time it first held."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await check():
            return time.monotonic()
        if worker is not None:
            worker.check()
        await asyncio.sleep(scraper.pause(interval) if scraper is not None else interval)
    tail = f"\n{worker.log_tail()}" if worker is not None else ""
    raise TimeoutError(f"timed out after {timeout:.0f}s waiting for {what}{tail}")


def fmt_rate(value: float) -> str:
    return f"{value:,.0f}/s"


def fmt_bytes(value: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if abs(value) < 1024 or unit == "GiB":
            return f"{value:,.0f} {unit}" if unit == "B" else f"{value:,.1f} {unit}"
        value /= 1024
    return f"{value:,.1f} GiB"


def jsonable(obj: Any) -> Any:
    """Round floats for the committed JSON (keeps it readable and diffable)."""
    if isinstance(obj, float):
        return round(obj, 6) if abs(obj) < 1000 else round(obj, 1)
    if isinstance(obj, dict):
        return {k: jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [jsonable(v) for v in obj]
    return obj


def stop_all_workers() -> int:
    """Stop every worker this process started that is still running; returns how many."""
    alive = [w for w in LIVE_WORKERS if w.alive()]
    for worker in alive:
        worker.stop(timeout=10)
    LIVE_WORKERS.clear()
    return len(alive)
