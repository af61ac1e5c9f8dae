"""`cspulse simulate`: synthetic events, live at a rate or as a burst of history."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import orjson
from aiokafka import AIOKafkaProducer

from simulator import FAMILIES, SimConfig, Simulator
from streams.commands.live_sender import LiveSender
from streams.commands.progress import progress
from streams.settings import Settings, parse_duration
from streams.worker.clients import producer, started_producer


def _mix(text: str | None) -> dict[str, float] | None:
    if not text:
        return None
    out = {}
    for part in text.split(","):
        name, _, share = part.partition("=")
        if name.strip() not in FAMILIES or not share:
            sys.exit(f"cspulse simulate: bad --mix entry {part!r} (e.g. tickets=0.4)")
        out[name.strip()] = float(share)
    return out


def build_config(args: argparse.Namespace, now: datetime) -> SimConfig:
    if args.rate:
        start, gap = now, 1.0 / args.rate
    else:
        span = parse_duration(args.span)
        start, gap = now - timedelta(seconds=span), span / args.count
    config = SimConfig(
        seed=args.seed,
        customers=args.customers,
        start=start,
        mean_gap_s=gap,
        churn_rate=args.churn_rate,
        expansion_rate=args.expansion_rate,
        contraction_rate=args.contraction_rate,
        out_of_order=args.out_of_order,
        late_by_s=min(3600.0, gap * 1000),
        duplicates=args.duplicates,
        bad_records=args.bad_records,
    )
    mix = _mix(args.mix)
    return dataclasses.replace(config, mix=mix) if mix else config


def _occurred(value: bytes) -> float | None:
    try:
        obj = orjson.loads(value)
        return datetime.fromisoformat(obj["occurred_at"]).timestamp()
    except Exception:
        return None


async def _fresh_producer(settings: Settings) -> AIOKafkaProducer:
    """A started producer, waiting for the broker as long as it takes."""
    while True:
        prod = producer(settings)
        try:
            await prod.start()
            return prod
        except Exception:
            await prod.stop()
            await asyncio.sleep(2)


async def _publish(settings: Settings, args: argparse.Namespace) -> int:
    sim = Simulator(build_config(args, datetime.now(UTC)))
    topics = settings.family_topics
    prod = await started_producer(settings, "simulate")
    if prod is None:
        return 1
    sent: Counter[str] = Counter()
    try:
        if args.rate:
            print(f"simulating {args.rate:g} events/s to {settings.bootstrap} (Ctrl-C to stop)", flush=True)
            last_report = time.monotonic()
            live = LiveSender(prod, lambda: _fresh_producer(settings))
            for n, rec in enumerate(sim.events(), start=1):
                at = _occurred(rec.value)
                if at is not None and at > time.time():  # pace to event time
                    await asyncio.sleep(min(at - time.time(), 5.0))
                await live.send(topics[rec.family], rec.value, rec.key)
                sent[rec.family] += 1
                if time.monotonic() - last_report > 10:
                    last_report = time.monotonic()
                    print(f"{n} events sent ({dict(sent)})", flush=True)
                if args.count and n >= args.count:
                    break
            await live.settle()
            prod = live.producer  # it may have replaced the first one
        else:
            with progress("simulating", args.count, enabled=not args.no_progress) as (bar, task):
                pending = []
                started = time.monotonic()
                for n, rec in enumerate(sim.events(), start=1):
                    pending.append(await prod.send(topics[rec.family], rec.value, key=rec.key))
                    sent[rec.family] += 1
                    if len(pending) >= 5000:
                        await asyncio.gather(*pending)
                        pending.clear()
                        rate = n / max(1e-9, time.monotonic() - started)
                        bar.update(task, completed=n, rate=f"{rate:,.0f}/s")
                    if n >= args.count:
                        break
                await asyncio.gather(*pending)
                bar.update(task, completed=args.count)
        await prod.flush()
    except (KeyboardInterrupt, asyncio.CancelledError):
        pass
    finally:
        await prod.stop()
    print(f"sent {sum(sent.values())} records: {dict(sorted(sent.items()))}")
    return 0


def _write(args: argparse.Namespace) -> int:
    sim = Simulator(build_config(args, datetime.now(UTC)))
    with open(args.out, "wb") as out, progress("writing", args.count, not args.no_progress) as (bar, task):
        for n, rec in enumerate(sim.events(), start=1):
            out.write(rec.value + b"\n")
            if n % 5000 == 0:
                bar.update(task, completed=n)
            if n >= args.count:
                break
        bar.update(task, completed=args.count)
    print(f"wrote {args.count} records to {args.out}")
    return 0


def run_simulate(settings: Settings, args: argparse.Namespace) -> int:
    if args.scenario:
        if args.rate or args.count:
            print("cspulse simulate: --scenario takes neither --rate nor --count", file=sys.stderr)
            return 2
        from streams.commands.scenario import publish_scenario, write_scenario

        return write_scenario(args) if args.out else asyncio.run(publish_scenario(settings, args))
    if not args.rate and not args.count:
        print("cspulse simulate: give --rate N (live), --count N (burst) or --scenario NAME", file=sys.stderr)
        return 2
    if args.out:
        if not args.count:
            print("cspulse simulate: --out needs --count", file=sys.stderr)
            return 2
        return _write(args)
    try:
        return asyncio.run(_publish(settings, args))
    except KeyboardInterrupt:
        return 130
