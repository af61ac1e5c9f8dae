"""`cspulse simulate --scenario NAME`: a quiet history, then an incident, published now.

The baseline goes out first and is flushed; after --spike-delay seconds, the spike, whose first record's send
time is printed (`spike started at ... (unix T)`) so that the delay to the alert it
raises can be measured.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections import Counter
from datetime import UTC, datetime

from simulator import SimRecord
from simulator.scenarios import SCENARIOS, Scenario
from streams.settings import Settings
from streams.worker.clients import started_producer


def build_scenario(args: argparse.Namespace, now: datetime) -> Scenario:
    return SCENARIOS[args.scenario](now=now, seed=args.seed, size=args.customers)


def write_scenario(args: argparse.Namespace) -> int:
    scenario = build_scenario(args, datetime.now(UTC))
    with open(args.out, "wb") as out:
        for rec in (*scenario.baseline, *scenario.spike):
            out.write(rec.value + b"\n")
    print(f"wrote {len(scenario.baseline)} baseline and {len(scenario.spike)} spike records to {args.out}")
    return 0


async def publish_scenario(settings: Settings, args: argparse.Namespace) -> int:
    scenario = build_scenario(args, datetime.now(UTC))
    prod = await started_producer(settings, "simulate")
    if prod is None:
        return 1
    topics = settings.family_topics
    sent: Counter[str] = Counter()

    async def send(records: list[SimRecord]) -> None:
        for rec in records:
            await prod.send(topics[rec.family], rec.value, key=rec.key)
            sent[rec.family] += 1
        await prod.flush()

    try:
        await send(scenario.baseline)
        print(f"{scenario.name}: {len(scenario.baseline)} baseline records sent", flush=True)
        if args.spike_delay > 0:  # time to see the quiet state before the incident
            print(f"{scenario.name}: spike in {args.spike_delay:g} s", flush=True)
            await asyncio.sleep(args.spike_delay)
        started = time.time()
        await send(scenario.spike)
        print(
            f"{scenario.name}: spike started at {datetime.fromtimestamp(started, UTC).isoformat()} "
            f"(unix {started:.3f}), {len(scenario.spike)} records; expect {', '.join(scenario.alerts)}",
            flush=True,
        )
    finally:
        await prod.stop()
    print(f"sent {sum(sent.values())} records: {dict(sorted(sent.items()))}")
    return 0
