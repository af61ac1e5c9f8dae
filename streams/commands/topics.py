"""`cspulse topics create|describe`."""

from __future__ import annotations

import argparse
import asyncio

from streams.settings import Settings
from streams.worker.clients import broker_refused
from streams.worker.topics import create_topics, describe_topics


def run_topics(settings: Settings, args: argparse.Namespace) -> int:
    if broker_refused(settings, "topics"):
        return 1
    try:
        if args.action == "create":
            outcome = asyncio.run(create_topics(settings))
            for topic, what in outcome.items():
                print(f"{topic:48} {what} ({settings.partitions} partitions)")
            return 0
        described = asyncio.run(describe_topics(settings))
    except Exception as exc:  # a broker that is down: say so plainly
        print(f"cspulse topics: cannot reach the broker at {settings.bootstrap}: {exc}")
        return 1
    missing = 0
    for topic, parts in described.items():
        if parts is None:
            missing += 1
            print(f"{topic:48} missing (run: cspulse topics create)")
        else:
            note = "" if parts == settings.partitions else f" (configured {settings.partitions})"
            print(f"{topic:48} {parts} partitions{note}")
    return 1 if missing else 0
