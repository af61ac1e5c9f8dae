"""The `families` phase: the usage family alone against all seven families, one run.

Product usage is the highest-volume stream a customer-success team has, so its cost
per event matters most: the same worker (first store) drains N `product.used` events,
then N events of the simulator's default seven-family mix, each from its own
pre-produced topics, and that mix again with the joined step (health score and time to
value) switched off, so the two give its cost. Also records the state one tracked user costs
(`bench.usage_state`: 1M users in-process, RSS before and after).
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from bench import throughput
from bench.common import Isolated, Scraper, say
from bench.workload import Workload, publish
from simulator import DEFAULT_MIX

WORKLOADS: dict[str, dict[str, float]] = {
    "usage only": {"usage": 1.0},
    "all seven families": dict(DEFAULT_MIX),
}


async def run(events: int, customers: int, store: str, workdir: Path, scraper: Scraper) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, mix in WORKLOADS.items():
        topics = Isolated.new(name.split()[0])
        await topics.create()
        wl = Workload(events, customers, mix=mix)
        counts = await publish(wl.records(), topics.settings.family_topics, 4, events, f"producing ({name})")
        res = await throughput.engine(topics, store, events, workdir, scraper, label=name.split()[0])
        res.pop("metrics")
        out[name] = {"per_family": counts, **res}
        say(f"engine ({store}), {name}: {res['events_per_s']:,.0f} events/s")
        if name == "all seven families":  # the same topics again, without the joined step
            off = Isolated(topics.tag, {**topics.env, "CSPULSE_HEALTH_ENABLED": "false"})
            res = await throughput.engine(off, store, events, workdir, scraper, label="all-no-health")
            res.pop("metrics")
            out[f"{name}, health off"] = {"per_family": counts, **res}
            say(f"engine ({store}), {name}, health off: {res['events_per_s']:,.0f} events/s")
    out["usage_state"] = await _usage_state(1_000 if events < 100_000 else 1_000_000)
    say(f"usage state: {out['usage_state']['rss_bytes_per_user']:,.0f} bytes of RSS per tracked user")
    return out


async def _usage_state(users: int) -> dict[str, Any]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bench.usage_state", "--users", str(users), "--json",
        stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    stdout, _ = await proc.communicate()
    if proc.returncode:
        raise RuntimeError(f"bench.usage_state failed with exit status {proc.returncode}")
    result: dict[str, Any] = json.loads(stdout.decode().strip().splitlines()[-1])
    return result
