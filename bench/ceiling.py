"""The ceiling: a raw aiokafka consumer over the same topics, JSON decode and nothing else.

Run as a subprocess (like the worker, so it has a core of its own):

    python -m bench.ceiling --expect N TOPIC...

prints one JSON line: records, seconds (first record to last), events_per_s, rss_bytes.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time

import orjson

from bench.common import kafka_settings, rss_bytes
from streams.worker import clients

MAX_RECORDS = 10_000


async def consume(topics: list[str], expect: int, timeout: float) -> dict[str, float]:
    consumer = clients.consumer(kafka_settings(), *topics, group_id=None)
    await consumer.start()
    n = 0
    first = last = 0.0
    loads = orjson.loads
    deadline = time.monotonic() + timeout
    try:
        while n < expect and time.monotonic() < deadline:
            asked = time.monotonic()
            batch = await consumer.getmany(timeout_ms=500, max_records=MAX_RECORDS)
            for records in batch.values():
                for record in records:
                    loads(record.value)
                n += len(records)
            if batch:
                last = time.monotonic()
                if not first:  # the clock starts with the call that brought the first records
                    first = asked
    finally:
        await consumer.stop()
    seconds = last - first
    return {
        "records": n,
        "seconds": seconds,
        "events_per_s": n / seconds if seconds > 0 else 0.0,
        "rss_bytes": rss_bytes(os.getpid()),
        "cpu_s": sum(os.times()[:2]),
    }


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("topics", nargs="+", help="topics to read from the beginning")
    p.add_argument("--expect", type=int, required=True, help="records to read before stopping")
    p.add_argument("--timeout", type=float, default=600, help="give up after this many seconds")
    args = p.parse_args()
    print(json.dumps(asyncio.run(consume(args.topics, args.expect, args.timeout))), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
