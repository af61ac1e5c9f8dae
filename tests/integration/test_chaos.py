"""Issue 12: exact through kills, rebalances, a broker restart and a Redis outage.

Simulated events of every topic (a burst of history, then live traffic) are processed by
two workers while, on a schedule drawn from a seed: workers are killed with SIGKILL and
SIGTERM and restarted, a third worker joins and leaves, the broker is restarted, and
Redis is stopped for 30 s. Then:
- the series summed across the workers equal `cspulse report --from-topics --json`;
- processing resumed within 60 s of every kill (the handled total passed its value
  before the kill);
- Redis holds what an outage-free run gives: the newest survey comments, and every
  scored customer with the report's score.

CI runs the short version (below). The long one (200,000 events, as for the README's
"Guarantees"): CSPULSE_CHAOS_EVENTS=200000 CSPULSE_CHAOS_RATE=1500 pytest
tests/integration/test_chaos.py -s. CSPULSE_CHAOS_SEED replays a schedule.
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from streams.engine.offline import DictStore, OfflineRun
from streams.worker.readback import read_topic
from streams.worker.serving import ServingStore
from tests.integration.report_check import report_from_topics, simulate, wait_until_equal
from tests.integration.stack import (
    REDIS_URL,
    WorkerProcess,
    owned_partitions,
    parse_metrics,
    wait_for,
)
from tests.integration.test_health_live import accounts_report, served

pytestmark = pytest.mark.integration

SEED = int(os.environ.get("CSPULSE_CHAOS_SEED", "20261126"))
EVENTS = int(os.environ.get("CSPULSE_CHAOS_EVENTS", "40000"))  # history + live
RATE = int(os.environ.get("CSPULSE_CHAOS_RATE", "400"))  # live events per second
KILLS = int(os.environ.get("CSPULSE_CHAOS_KILLS", "10"))
STACK = Path(__file__).resolve().parents[2] / "scripts" / "stack"


def handled(workers: list[WorkerProcess]) -> float:
    total = 0.0
    for w in workers:
        try:
            series = parse_metrics(w.metrics_text())
        except OSError:
            continue  # restarting: its partitions count again once someone owns them
        total += sum(
            v for k, v in series.items() if k.startswith(("cs_events_total{", "cs_deadletter_total{"))
        )
    return total


def stack(action: str, service: str) -> None:
    subprocess.run([str(STACK), "service", action, service], check=True, capture_output=True, timeout=180)


class Chaos:
    def __init__(self, engine: Any) -> None:
        self.engine = engine
        self.rng = random.Random(SEED)
        self.workers = {name: engine.start_worker(name) for name in ("a", "b")}
        self.resumes: list[float] = []
        self.crashes: list[str] = []  # workers that ended by themselves (restarted, reported)
        self.log: list[str] = []
        self.started = time.monotonic()

    def say(self, what: str) -> None:
        self.log.append(f"{time.monotonic() - self.started:6.1f}s {what}")

    def kill(self, n: int) -> None:
        name = self.rng.choice(sorted(self.workers))
        sig = signal.SIGKILL if n % 2 == 0 else signal.SIGTERM
        before = handled(list(self.workers.values()))
        worker = self.workers[name]
        worker.stop(sig)
        self.say(f"kill {n + 1}: {sig.name} {name}, restarted")
        self.workers[name] = self.engine.start_worker(f"{name}{n}", port=worker.port)
        began = time.monotonic()
        # resumed: every partition owned again and the handled total back where it was
        # (the killed worker's partitions count again once their new owner rebuilt them)
        while not self.resumed(before):
            assert time.monotonic() - began < 90, f"processing did not resume after kill {n + 1}"
            time.sleep(0.25)
        self.resumes.append(time.monotonic() - began)

    def supervise(self) -> None:
        """Restart a worker whose process ended by itself, as systemd or Kubernetes would."""
        for name, worker in list(self.workers.items()):
            if worker.proc is not None and worker.proc.poll() is not None:
                self.crashes.append(f"{name}: exit {worker.proc.returncode}\n{worker.log_tail(12)}")
                self.say(f"{name} exited by itself (status {worker.proc.returncode}): restarted")
                self.workers[name] = self.engine.start_worker(
                    f"{name}-r{len(self.crashes)}", port=worker.port
                )

    def resumed(self, before: float) -> bool:
        self.supervise()
        workers = list(self.workers.values())
        try:
            owned = set().union(*(owned_partitions(w) for w in workers))
        except OSError:
            return False
        return (
            owned == {str(p) for p in range(self.engine.settings.partitions)} and handled(workers) >= before
        )

    def run(self, live: subprocess.Popen[bytes]) -> None:
        plan: list[tuple[str, Any]] = [("kill", n) for n in range(KILLS)]
        plan += [("join", None), ("broker", None), ("leave", None), ("redis", None)]
        self.rng.shuffle(plan)
        for action, arg in plan:
            time.sleep(self.rng.uniform(1, 4))
            if action == "kill":
                self.kill(arg)
            elif action == "join":
                self.workers["c"] = self.engine.start_worker("c")
                self.say("worker c joined (3 workers)")
            elif action == "leave" and "c" in self.workers:
                self.workers.pop("c").stop()
                self.say("worker c left (2 workers)")
            elif action == "broker":
                self.say("broker stopping")
                stack("stop", "kafka")
                stack("start", "kafka")
                self.say("broker back")
            elif action == "redis":
                stack("stop", "redis")
                self.say("redis stopped for 30 s")
                time.sleep(30)
                stack("start", "redis")
                self.say("redis back")
        if live.poll() is None:
            live.wait(600)


def expected_comments(engine: Any) -> list[dict[str, Any]]:
    """The newest comments an outage-free run serves: the applied survey events, written once."""
    run = OfflineRun(engine.settings)
    proc = run.engine.processors["surveys"]
    parts = asyncio.run(read_topic(engine.settings, engine.topic("surveys"), lambda n: None))
    applied = []
    store = DictStore()
    for partition, messages in sorted(parts.items()):
        applied.extend(proc.process(partition, messages, store, datetime.now(UTC)).applied)

    async def write() -> list[dict[str, Any]]:
        store = ServingStore(REDIS_URL, f"{engine.settings.app_id}-expected")
        await store.publish(applied)
        try:
            return await store.recent_comments(1000)
        finally:
            await store.client.delete(store.key)
            await store.close()

    return asyncio.run(write())


def actual_comments(engine: Any) -> list[dict[str, Any]]:
    async def read() -> list[dict[str, Any]]:
        store = ServingStore(REDIS_URL, engine.settings.app_id)
        try:
            return await store.recent_comments(1000)
        finally:
            await store.close()

    return asyncio.run(read())


def test_exact_through_kills_rebalances_broker_restart_and_redis_outage(
    engine_factory, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    errors = tmp_path / "live-simulator.log"
    engine = engine_factory(partitions=4, CSPULSE_SESSION_TIMEOUT="6s", CSPULSE_COMMIT_INTERVAL="1")
    history = EVENTS // 2
    faults = ("--duplicates", "0.01", "--out-of-order", "0.02", "--bad-records", "0.002")
    simulate(engine.env, "--count", str(history), "--span", "30d", "--seed", str(SEED), *faults)
    live = subprocess.Popen(
        [sys.executable, "-m", "streams.cli", "simulate", "--rate", str(RATE),
         "--count", str(EVENTS - history), "--seed", str(SEED + 1), "--no-progress"],
        env={**os.environ, **engine.env}, stdout=subprocess.DEVNULL, stderr=errors.open("wb"),
    )  # fmt: skip
    chaos = Chaos(engine)
    try:
        chaos.run(live)
    finally:
        if live.poll() is None:
            live.kill()
        print("\n" + "\n".join(chaos.log))
    assert live.wait(60) == 0, f"the live simulator failed: {errors.read_text(errors='replace')[-2000:]}"
    workers = list(chaos.workers.values())
    want = report_from_topics(engine.env)
    wait_until_equal(workers, want, 300, "the sum over the workers to equal the report", lag=engine.group_lag)
    assert max(chaos.resumes) < 60, chaos.resumes
    expected = {e["customer_id"]: e for e in accounts_report(engine.env)}
    wait_for(lambda: set(served(engine.env, engine.settings.app_id)) == set(expected), 120,
             "Redis to hold every scored customer", workers)  # fmt: skip
    got = served(engine.env, engine.settings.app_id)
    assert {c: (r["score"], r["band"]) for c, r in got.items()} == {
        c: (e["score"], e["band"]) for c, e in expected.items()
    }
    assert actual_comments(engine) == expected_comments(engine)
    for crash in chaos.crashes:
        print(f"worker crash (restarted): {crash}")
    print(
        f"{len(chaos.crashes)} worker crashes; {EVENTS} events, seed {SEED}: {KILLS} kills (SIGKILL and "
        "SIGTERM), a third worker joined and left, "
        f"broker restarted, Redis away 30 s; resumed after each kill in {min(chaos.resumes):.1f}.."
        f"{max(chaos.resumes):.1f} s (median {sorted(chaos.resumes)[len(chaos.resumes) // 2]:.1f} s)"
    )
