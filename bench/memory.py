"""Worker RSS against the size of its state (memory store).

For each size a worker with an app of its own restores records written into its
changelogs (bench.state) and its RSS is read once every record is back in the
sums. Bytes per customer = (RSS - RSS of an idle worker) / customers; likewise per
open ticket. The idle worker went through the same start-up with empty tables.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from bench.common import Isolated, Scraper, Worker, fmt_bytes, processed, say, wait_until
from bench.latency import Prober
from bench.state import EVENTS_PER_CUSTOMER, TEMPLATE_SEED, Bundle, Written, write_changelogs
from bench.workload import Workload, publish
from streams.engine.build import METRIC_FAMILIES

TABLES = len(METRIC_FAMILIES) + 1  # a table per family and the joined one

SETTLE_S = 3.0  # let the allocator settle after the restore before reading RSS
RESTORE_TIMEOUT_S = 1800.0


async def settled_rss(worker: Worker) -> int:
    """The lowest of a few readings over SETTLE_S (transient buffers excluded)."""
    readings = []
    for _ in range(4):
        await asyncio.sleep(SETTLE_S / 4)
        readings.append(worker.rss())
    return min(readings)


async def idle_rss(workdir: Path, scraper: Scraper, env: dict[str, str]) -> int:
    """RSS of a worker on empty topics, once one probe went through it."""
    iso = Isolated.new("idle", env)
    await iso.create()
    worker = Worker(iso, workdir, "idle").start()
    prober = Prober(iso, worker, scraper)
    try:
        await prober.start()
        if await prober.probe(timeout=120) is None:
            raise RuntimeError(f"idle worker never processed a probe:\n{worker.log_tail()}")
        return await settled_rss(worker)
    finally:
        worker.stop()
        await prober.stop()


async def restore(
    iso: Isolated, written: Written, workdir: Path, name: str, scraper: Scraper, store: str = "memory://"
) -> tuple[Worker, float]:
    """Start a worker on iso's changelogs; returns it and the seconds until all is restored."""
    worker = Worker(iso, workdir, name, store=store).start()

    async def restored() -> bool:
        # every event counted, and every table through its recovery: the sums it rebuilt
        # are checkpointed by then (the gauge is set after), so a restart reads them
        text = await scraper.text(worker)
        return (
            text is not None
            and processed(text) >= written.events_counted
            and text.count("\ncspulse_rebuild_seconds{") >= TABLES
        )

    try:
        at = await wait_until(
            restored, RESTORE_TIMEOUT_S, f"{name} to restore", worker, interval=0.2, scraper=scraper
        )
    except BaseException:
        worker.stop()
        raise
    return worker, at - worker.started_at


async def measure_size(
    template: list[Bundle],
    customers: int,
    idle: int,
    workdir: Path,
    scraper: Scraper,
    env: dict[str, str],
    what: str = "customers",
    per_customer: int = 1,
    keep: bool = False,
) -> tuple[dict[str, Any], Worker | None, Isolated, Written]:
    """RSS of a worker holding `customers` clones of `template` (units = customers * per_customer)."""
    iso = Isolated.new(f"mem{customers}", env)
    await iso.create()
    written = await write_changelogs(iso, template, customers, f"state: {customers * per_customer:,} {what}")
    name = f"mem-{what.replace(' ', '-')}-{customers}"
    worker, seconds = await restore(iso, written, workdir, name, scraper)
    try:
        rss = await settled_rss(worker)
    except BaseException:
        worker.stop()
        raise
    units = customers * per_customer
    result = {
        "count": units,
        "customers": customers,
        "records": written.records,
        "record_bytes": written.bytes,
        "rss_bytes": rss,
        "bytes_per_unit": (rss - idle) / units,
        "restore_s": seconds,
    }
    say(
        f"{units:,} {what}: {written.records:,} records ({fmt_bytes(written.bytes)}), "
        f"RSS {fmt_bytes(rss)}, {result['bytes_per_unit']:,.0f} B each, restored in {seconds:.1f} s"
    )
    if keep:
        return result, worker, iso, written
    worker.stop()
    return result, None, iso, written


async def measure_processed(
    customers: int,
    with_state: int,
    idle: int,
    workdir: Path,
    scraper: Scraper,
    env: dict[str, str],
    store: str = "memory://",
) -> dict[str, Any]:
    """Cross-check: RSS after a worker processed the very events the template came from.

    `with_state` is how many of the `customers` ended up with records (the template's size).
    """
    iso = Isolated.new(f"memproc{customers}{store.split(':')[0]}", env)
    await iso.create()
    wl = Workload(customers * EVENTS_PER_CUSTOMER, customers, seed=TEMPLATE_SEED)
    await publish(wl.records(), iso.settings.family_topics, iso.settings.partitions, wl.events, "producing")
    worker = Worker(iso, workdir, f"mem-processed-{customers}-{store.split(':')[0]}", store=store).start()

    async def done() -> bool:
        text = await scraper.text(worker)
        return text is not None and processed(text) >= wl.events

    try:
        at = await wait_until(
            done, RESTORE_TIMEOUT_S, "the events to be processed", worker, interval=0.5, scraper=scraper
        )
        rss = await settled_rss(worker)
    finally:
        worker.stop()
    result = {
        "store": store,
        "count": with_state,
        "events": wl.events,
        "rss_bytes": rss,
        "bytes_per_unit": (rss - idle) / with_state,
        "process_s": at - worker.started_at,
    }
    say(
        f"{with_state:,} customers by processing {wl.events:,} events ({store}): RSS {fmt_bytes(rss)}, "
        f"{result['bytes_per_unit']:,.0f} B each"
    )
    return result
