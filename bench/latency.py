"""Produce-to-/metrics latency at a fixed load.

A worker with an empty state reads fresh topics while the harness produces the
simulator's mix at a fixed rate (event time = now). Every `PROBE_EVERY_S` a probe
`subscription.created` for a fresh customer, plan "bench-probe", 10.00 USD a month,
is sent; /metrics is polled at ~50 Hz until `sum(cs_mrr{plan="bench-probe"})`
includes it. Probes go one at a time, so each latency is measured on its own.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

from bench.common import Isolated, Scraper, Worker, kafka_settings, processed, series_sum
from bench.progress import Bar
from bench.workload import BatchSender, Workload, producer
from streams.worker import clients

PROBE_PLAN = "bench-probe"
EPSILON = 0.001  # USD; probes differ by 0.01
PROBE_EVERY_S = 0.2
POLL_S = 0.02  # ~50 Hz, slower when scrapes are slow (Scraper.pause)
PROBE_TIMEOUT_S = 15.0
TICK_S = 0.01  # load is sent in batches every 10 ms


def probe_amount(i: int) -> int:
    """Minor units a month of probe `i`: 1000 + i, so a sum of probes tells which arrived."""
    return 1000 + i


def probe_event(run: str, i: int, plan: str = PROBE_PLAN) -> tuple[bytes, bytes]:
    customer = f"bench-probe-{run}-{i}"
    event = {
        "event_id": f"{customer}-created",
        "type": "subscription.created",
        "occurred_at": datetime.now(UTC),
        "customer_id": customer,
        "schema_version": 1,
        "subscription_id": f"sub-{customer}",
        "status": "active",
        "plan": plan,
        "currency": "USD",
        "amount_minor": probe_amount(i),
        "quantity": 1,
        "discount_minor": 0,
        "interval": "month",
        "interval_count": 1,
    }
    return customer.encode(), orjson.dumps(event, option=orjson.OPT_UTC_Z)


def probe_mrr(text: str, plan: str = PROBE_PLAN) -> float:
    return series_sum(text, "cs_mrr{", where=f'plan="{plan}"')


class Prober:
    """Sends probes and times each until /metrics shows it."""

    def __init__(self, iso: Isolated, worker: Worker, scraper: Scraper, plan: str = PROBE_PLAN) -> None:
        self.topic = iso.topic("subscriptions")
        self.worker = worker
        self.scraper = scraper
        self.plan = plan  # a plan of its own per prober on one app: its sum starts at 0
        self.run = uuid.uuid4().hex[:6]
        self.sent = 0
        self.total = 0.0  # MRR of the probes sent
        self.prod = clients.producer(kafka_settings(), linger_ms=0)  # each probe is timed: no lingering

    async def start(self) -> None:
        await self.prod.start()

    async def stop(self) -> None:
        await self.prod.stop()

    async def _send(self) -> float:
        """Send the next probe; returns when it was sent (delivery is confirmed)."""
        key, value = probe_event(self.run, self.sent, self.plan)
        self.total += probe_amount(self.sent) / 100
        self.sent += 1
        sent_at = time.monotonic()
        await (await self.prod.send(self.topic, value, key=key))
        return sent_at

    async def probe(self, timeout: float = PROBE_TIMEOUT_S) -> float | None:
        """Seconds from send to the probe's MRR on /metrics (None: not within `timeout`)."""
        sent_at = await self._send()
        want = self.total - EPSILON
        while time.monotonic() - sent_at < timeout:
            text = await self.scraper.text(self.worker)
            if text is not None and probe_mrr(text, self.plan) >= want:
                return time.monotonic() - sent_at
            self.worker.check()
            await asyncio.sleep(self.scraper.pause(POLL_S))
        return None

    async def first_seen(self, timeout: float, resend_every: float = 10.0) -> tuple[float, int, int | None]:
        """Send a probe now and another every `resend_every` s until one shows on /metrics.

        Returns (monotonic time it showed, probes sent, index of the probe that showed, or
        None when several showed at once; `all_in` tells whether any was lost)."""
        base = self.total
        first = self.sent
        started = time.monotonic()
        next_send = started
        while time.monotonic() - started < timeout:
            if time.monotonic() >= next_send:
                await self._send()
                next_send = time.monotonic() + resend_every
            text = await self.scraper.text(self.worker)
            extra = probe_mrr(text, self.plan) - base if text is not None else 0.0
            if extra > EPSILON:
                found = round(extra * 100) - 1000 - first
                single = 0 <= found < self.sent - first  # else several came in at once
                return time.monotonic(), self.sent - first, found if single else None
            self.worker.check()
            await asyncio.sleep(self.scraper.pause(POLL_S))
        raise TimeoutError(f"no probe showed on /metrics within {timeout:.0f} s:\n{self.worker.log_tail()}")

    async def all_in(self, timeout: float) -> bool:
        """Whether every probe sent shows on /metrics within `timeout` (none was lost)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = await self.scraper.text(self.worker)
            if text is not None and probe_mrr(text, self.plan) >= self.total - EPSILON:
                return True
            await asyncio.sleep(self.scraper.pause(0.2))
        return False


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100)."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * q // 100))
    return ordered[int(rank) - 1]


def prepare_load(rate: float, duration: float, customers: int) -> list[tuple[str, bytes, bytes]]:
    """The simulator's mix for the whole phase, made up front (the harness shares the cores)."""
    count = min(int(rate * duration * 1.2) + 1000, 3_000_000)  # the run plus slack
    span = max(1, int(count / rate))
    start = datetime.now(UTC) + timedelta(seconds=1)
    records = Workload(count, customers, seed=11, span_s=span).records(end=start + timedelta(seconds=span))
    with Bar("preparing the load", count) as bar:
        out = []
        for i, rec in enumerate(records):
            out.append(rec)
            if i % 20_000 == 0:
                bar.update(i)
    return out


async def _load(iso: Isolated, rate: float, load: list[tuple[str, bytes, bytes]], stop: asyncio.Event) -> int:
    """Send `load` at `rate` events/s (in batches every TICK_S) until `stop` or it runs out."""
    topics = iso.settings.family_topics
    prod = producer(linger_ms=5)
    await prod.start()
    sender = BatchSender(prod, iso.settings.partitions)
    started = time.monotonic()
    try:
        while not stop.is_set() and sender.sent < len(load):
            due = min(len(load), int((time.monotonic() - started) * rate))
            while sender.sent < due:
                family, key, value = load[sender.sent]
                await sender.add(topics[family], key, value)
            await sender.flush()
            await asyncio.sleep(TICK_S)
    finally:
        await prod.stop()
    return sender.sent


async def measure(
    iso: Isolated, rate: float, duration: float, customers: int, workdir: Path, scraper: Scraper
) -> dict[str, Any]:
    load_records = prepare_load(rate, duration, customers)
    await iso.create()
    worker = Worker(iso, workdir, "latency").start()
    prober = Prober(iso, worker, scraper)
    try:
        await prober.start()
        # warm-up: the pipeline is live once a first probe shows up
        deadline = time.monotonic() + 120
        while await prober.probe(timeout=5) is None:
            if time.monotonic() > deadline or not worker.alive():
                raise RuntimeError(f"the latency worker never showed a probe:\n{worker.log_tail()}")
        stop = asyncio.Event()
        load = asyncio.create_task(_load(iso, rate, load_records, stop))
        latencies: list[float] = []
        missed = 0
        scraper.durations.clear()
        started = time.monotonic()
        with Bar(f"latency at {rate:,.0f}/s", int(duration)) as bar:
            while (elapsed := time.monotonic() - started) < duration:
                tick = time.monotonic()
                seconds = await prober.probe()
                if seconds is None:
                    missed += 1
                else:
                    latencies.append(seconds)
                bar.update(
                    min(elapsed, duration), f"p50 {percentile(latencies, 50):.3f}s" if latencies else ""
                )
                await asyncio.sleep(max(0.0, PROBE_EVERY_S - (time.monotonic() - tick)))
        stop.set()
        sent = await load
        elapsed = time.monotonic() - started
        text = await scraper.text(worker) or ""
        if not latencies:
            raise RuntimeError(f"no probe made it to /metrics:\n{worker.log_tail()}")
        return {
            "rate_target": rate,
            "rate_sent": sent / elapsed,
            "seconds": elapsed,
            "probes": len(latencies),
            "missed": missed,
            "p50_s": percentile(latencies, 50),
            "p99_s": percentile(latencies, 99),
            "max_s": max(latencies),
            "mean_s": sum(latencies) / len(latencies),
            "behind_at_end": max(0, sent + prober.sent - processed(text)),
            "scrapes": len(scraper.durations),
            "scrape_ms_mean": 1000 * sum(scraper.durations) / max(1, len(scraper.durations)),
            "scrape_bytes": len(text),
            "poll_interval_s_mean": elapsed / max(1, len(scraper.durations)),
        }
    finally:
        worker.stop()
        await prober.stop()
