"""Throughput of the engine (a worker per store) and of the ceiling over the same topics.

Each contender reads the pre-produced topics from the beginning under a consumer
group of its own. Events per second are counted from the first observed processed
record to the last: (N - processed at first sight) / (time of last - time of first).
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path
from typing import Any

from bench.common import Isolated, Scraper, Worker, processed
from bench.progress import Bar

POLL_S = 0.5  # each scrape costs the worker CPU: poll gently
STALL_S = 120.0  # fail when nothing moves for this long


async def engine(
    iso: Isolated,
    store: str,
    expect: int,
    workdir: Path,
    scraper: Scraper,
    src: Path | None = None,
    label: str = "",
) -> dict[str, Any]:
    """One worker with all metrics on, from an empty state to all `expect` records processed.

    `src`: run the engine from another source tree (a baseline revision)."""
    name = "engine-" + store.split(":")[0] + (f"-{label}" if label else "")
    worker = Worker(iso.with_app(name), workdir, name, store=store, src=src).start()
    try:
        first_t = 0.0
        first_n = 0
        last_n, last_move = 0, time.monotonic()
        cpu0 = 0.0
        with Bar(f"engine ({store}{', ' + label if label else ''})", expect) as bar:
            while True:
                worker.check()
                text = await scraper.text(worker)
                now = time.monotonic()
                n = processed(text) if text else 0
                if n and not first_t:
                    first_t, first_n, cpu0 = now, n, worker.cpu()
                if n != last_n:
                    last_n, last_move = n, now
                elif now - last_move > STALL_S:
                    raise TimeoutError(f"engine stalled at {n}/{expect}:\n{worker.log_tail()}")
                if first_t and now > first_t:
                    bar.update(n, f"{(n - first_n) / (now - first_t):,.0f}/s")
                if n >= expect:
                    break
                await asyncio.sleep(scraper.pause(POLL_S))
        seconds = now - first_t
        cpu = worker.cpu() - cpu0
        rate = (n - first_n) / seconds if seconds > 0 else 0.0
        if first_n >= expect:  # all done before a second look (tiny runs): count start-up in
            seconds = now - worker.started_at
            rate = n / seconds
        result = {
            "store": store,
            "records": n,
            "seconds": seconds,
            "events_per_s": rate,
            "startup_s": first_t - worker.started_at,
            "rss_bytes": worker.rss(),
            "cpu_utilisation": cpu / (now - first_t) if now > first_t else 0.0,
            "metrics": text,
        }
        return result
    finally:
        worker.stop()


async def ceiling(topics: list[str], expect: int) -> dict[str, Any]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bench.ceiling", "--expect", str(expect), *topics,
        stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, _ = await proc.communicate()
    if proc.returncode:
        raise RuntimeError(f"bench.ceiling failed with exit status {proc.returncode}")
    result: dict[str, Any] = json.loads(out.decode().strip().splitlines()[-1])
    if result["records"] < expect:
        raise RuntimeError(f"ceiling consumer read {result['records']} of {expect} records")
    return result
