"""Crash recovery: kill -9 a worker holding N customers' state, restart it, time it.

The clock starts when the new process is spawned (after the group coordinator has
dropped the dead member, so the session timeout is not counted) and stops when a
probe event sent at that moment shows on its /metrics. Another probe follows every
10 s until one shows; then every probe sent must show within 20 s, or
`all_probes_processed` is false: the restarted worker skipped an event. Memory store: everything
comes back from the changelogs. rocksdb: from the worker's local files plus the
changelog tail. Partition sums come from their checkpoints. Then the phase waits for
the joined table's background re-arm (`cspulse_rearm_seconds`) and reads the RSS of
that steady state.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

from bench.common import Isolated, Scraper, Worker, fmt_bytes, kafka_settings, say, series_sum, wait_until
from bench.latency import Prober
from bench.memory import RESTORE_TIMEOUT_S, restore, settled_rss
from bench.state import Written
from streams.worker.clients import admin

GROUP_TIMEOUT_S = 120.0
LOST_AFTER_S = 20.0  # a probe not on /metrics this long after another one is counted lost
REARM_SERIES = 'cspulse_rearm_seconds{table="health-state"}'
REARM_TIMEOUT_S = 1200.0


async def group_members(group: str) -> int:
    async with admin(kafka_settings()) as client:
        (resp,) = await client.describe_consumer_groups([group])
    return len(resp.groups[0][5])


async def wait_group_empty(group: str) -> float:
    """Wait until the coordinator has expired the killed member; returns seconds waited."""
    started = time.monotonic()
    while await group_members(group):
        if time.monotonic() - started > GROUP_TIMEOUT_S:
            raise TimeoutError(f"consumer group {group} still has members after {GROUP_TIMEOUT_S:.0f} s")
        await asyncio.sleep(0.5)
    return time.monotonic() - started


async def rearmed(worker: Worker, scraper: Scraper) -> float:
    """Wait for the joined table's background re-arm to finish; its seconds."""
    seconds: list[float] = []

    async def done() -> bool:
        text = await scraper.text(worker) or ""
        if REARM_SERIES not in text:
            return False
        seconds.append(series_sum(text, REARM_SERIES))
        return True

    await wait_until(done, REARM_TIMEOUT_S, "the background re-arm", worker, interval=1.0, scraper=scraper)
    return seconds[-1]


async def crash_and_restart(
    iso: Isolated,
    written: Written,
    store: str,
    workdir: Path,
    scraper: Scraper,
    holder: Worker | None = None,
) -> dict[str, Any]:
    """kill -9 `holder` (or a worker restored for the purpose) and time the restart."""
    result: dict[str, Any] = {"store": store, "customers": written.customers, "records": written.records}
    name = "recover-" + store.split(":")[0]
    if holder is None:
        holder, cold = await restore(iso, written, workdir, name, scraper, store)
        result["cold_restore_s"] = cold
        say(f"{store}: first start restored {written.records:,} records in {cold:.1f} s")
    result["rss_before_kill"] = holder.rss()
    holder.kill9()
    result["session_expiry_wait_s"] = await wait_group_empty(iso.app_id)
    worker = Worker(iso, workdir, holder.name, store=store).start()
    prober = Prober(iso, worker, scraper, plan=f"bench-probe-{store.split(':')[0]}")
    try:
        await prober.start()
        seen_at, probes, index = await prober.first_seen(RESTORE_TIMEOUT_S)
        result["recovery_s"] = seen_at - worker.started_at
        result["probes_sent"] = probes
        # 0: the probe sent as the worker was spawned showed first (None: several at once)
        result["first_processed_probe"] = index
        result["all_probes_processed"] = await prober.all_in(LOST_AFTER_S)
        if not result["all_probes_processed"]:
            say(f"[red]{store}: a probe sent to the restarted worker was not processed[/red]")
        result["rss_after"] = worker.rss()
        text = await scraper.text(worker) or ""
        # the part of the restart spent rebuilding partition sums from stored records
        result["rebuild_s"] = series_sum(text, "cspulse_rebuild_seconds{")
        say(
            f"{store}: restart to processing in {result['recovery_s']:.1f} s "
            f"(rebuilding partition sums: {result['rebuild_s']:.1f} s)"
        )
        # then the steady state: every customer re-armed in the background, RSS settled
        result["rearm_s"] = await rearmed(worker, scraper)
        result["rss_after_rearm"] = await settled_rss(worker)
        say(
            f"{store}: background re-arm of {written.customers:,} customers took {result['rearm_s']:.0f} s; "
            f"RSS then {fmt_bytes(result['rss_after_rearm'])}"
        )
        return result
    finally:
        worker.stop()
        await prober.stop()
