"""`cspulse produce FILE.jsonl`: validate, then publish the valid events."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections import Counter
from datetime import UTC, datetime
from typing import BinaryIO

from schemas.decode import Decoder, Rejection, family_of
from streams.commands.progress import progress, stderr
from streams.engine.build import fx_table
from streams.settings import Settings
from streams.worker.clients import started_producer


def _open(path: str) -> BinaryIO:
    if path == "-":
        return sys.stdin.buffer
    try:
        return open(path, "rb")
    except OSError as exc:
        sys.exit(f"cspulse produce: cannot read {path}: {exc.strerror}")


def classify(raw: bytes, decoders: dict[str, Decoder], now: datetime) -> tuple[str | None, Rejection | None]:
    """(family, rejection): family None when the line names no known event type."""
    family, _ = family_of(raw)
    if family is None:
        probe = decoders["subscriptions"].decode(raw, now)  # yields the precise reason
        if not isinstance(probe, Rejection):  # pragma: no cover - family_of agrees
            probe = Rejection("unknown_type", "no topic carries this event type")
        return None, probe
    decoded = decoders[family].decode(raw, now)
    return family, decoded if isinstance(decoded, Rejection) else None


async def _publish(settings: Settings, args: argparse.Namespace) -> int:
    handle = _open(args.file)
    lines = handle.read().splitlines()
    currencies = fx_table(settings).currencies
    decoders = {f: Decoder(f, currencies, float(settings.max_clock_skew)) for f in settings.family_topics}
    topics = settings.family_topics
    sent: Counter[str] = Counter()
    rejected: list[tuple[int, str, str]] = []
    now = datetime.now(UTC)
    prod = await started_producer(settings, "produce")
    if prod is None:
        return 1
    try:
        with progress("publishing", len(lines), enabled=not args.no_progress) as (bar, task):
            pending = []
            for number, line in enumerate(lines, start=1):
                raw = line.strip()
                bar.advance(task)
                if not raw:
                    continue
                family, rejection = classify(raw, decoders, now)
                if rejection is not None:
                    rejected.append((number, rejection.reason, rejection.detail))
                    if not args.send_invalid:
                        continue
                topic = args.topic or topics.get(family or "", None)
                if topic is None:
                    continue  # invalid and of no family: nowhere sensible to send it
                _, customer = family_of(raw)
                key = customer.encode() if customer else None
                pending.append(await prod.send(topic, raw, key=key))
                sent[topic] += 1
                if len(pending) >= 10000:
                    await asyncio.gather(*pending)
                    pending.clear()
            await asyncio.gather(*pending)
            await prod.flush()
    finally:
        await prod.stop()
    for number, reason, detail in rejected:
        stderr.print(f"line {number}: {reason}: {detail}", markup=False, highlight=False)
    summary = ", ".join(f"{n} to {t}" for t, n in sorted(sent.items())) or "nothing"
    note = " (rejected lines included, --send-invalid)" if args.send_invalid and rejected else ""
    print(f"published {summary}{note}; {len(rejected)} line(s) rejected")
    return 3 if rejected else 0


def run_produce(settings: Settings, args: argparse.Namespace) -> int:
    return asyncio.run(_publish(settings, args))
