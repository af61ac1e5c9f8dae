"""What a tracked user costs and how fast the usage family runs, in-process.

    python -m bench.usage_state [--users 1000000] [--customers 100000] [--features 3]
                                [--events 200000]

1. Memory: builds the usage domain's state for `--users` users spread over
   `--customers` customers, each user using `--features` features (of a pool of 40)
   at distinct seconds over 30 days, through `UsageDomain.apply` itself. Reports the
   resident set growth per user (/proc/self/statm, after a full collection) and the
   bytes of JSON a user costs in the dumped records (what the table and its changelog
   hold).
2. Throughput: `OfflineRun.feed_lines` (decode, route, dedupe, apply, prune, store)
   over `--events` generated product.used lines; events/s of the whole run.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import orjson

from schemas.events import UsageEvent
from streams.engine.offline import OfflineRun
from streams.metrics.usage import UsageDomain, UsageState
from streams.settings import load_settings

START = datetime(2026, 1, 1, tzinfo=UTC)
FEATURES = [f"feature.{i:02d}" for i in range(40)]
PAGE = os.sysconf("SC_PAGE_SIZE")


def rss() -> int:
    with open("/proc/self/statm", encoding="ascii") as statm:
        return int(statm.read().split()[1]) * PAGE


def _events(users: int, customers: int, features: int, rng: random.Random) -> Iterator[UsageEvent]:
    for n in range(users):
        customer, user = f"cus_{n % customers:07d}", f"usr_{n // customers:05d}"
        for feature in rng.sample(FEATURES, features):
            at = START + timedelta(seconds=rng.randrange(30 * 86400))
            yield UsageEvent.model_construct(
                event_id="-",
                type="product.used",
                occurred_at=at,
                customer_id=customer,
                user_id=user,
                feature=feature,
                count=1,
                schema_version=1,
            )


def memory(users: int, customers: int, features: int) -> dict[str, float]:
    domain, rng = UsageDomain(), random.Random(7)
    states: dict[str, UsageState] = {}
    gc.collect()
    before = rss()
    for event in _events(users, customers, features, rng):
        state = states.get(event.customer_id)
        if state is None:
            state = states[event.customer_id] = domain.new_state()
        domain.apply(state, event)
    gc.collect()
    grown = rss() - before
    json_bytes = sum(len(orjson.dumps(domain.dump(s))) for s in states.values())
    return {
        "users": users,
        "customers": customers,
        "features_per_user": features,
        "rss_bytes_per_user": grown / users,
        "json_bytes_per_user": json_bytes / users,
    }


def _lines(events: int, rng: random.Random) -> list[bytes]:
    customers, users = max(1, events // 20), 8
    out = []
    for n in range(events):
        at = START + timedelta(seconds=n * 13 + rng.randrange(600))  # ~30 days, a little out of order
        out.append(
            orjson.dumps(
                {
                    "event_id": f"e{n}",
                    "type": "product.used",
                    "occurred_at": at.isoformat(),
                    "customer_id": f"cus_{rng.randrange(customers)}",
                    "user_id": f"u{rng.randrange(users)}",
                    "feature": rng.choice(FEATURES[:12]),
                    "count": rng.randint(1, 3),
                }
            )
        )
    return out


def throughput(events: int) -> dict[str, float]:
    lines = _lines(events, random.Random(11))
    run = OfflineRun(load_settings({}), now=START + timedelta(days=365))
    began, cpu = time.perf_counter(), time.process_time()
    run.feed_lines(lines)
    took, cpu = time.perf_counter() - began, time.process_time() - cpu
    series = run.series()
    return {
        "events": events,
        "seconds": round(took, 2),
        "events_per_s": round(events / took),
        "cpu_seconds": round(cpu, 2),
        "events_per_cpu_s": round(events / cpu),
        "users_total": series["cs_users_total"],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.usage_state",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--users", type=int, default=1_000_000)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--features", type=int, default=3)
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--json", action="store_true", help="only the memory figures, as one JSON line")
    args = parser.parse_args(argv)
    # memory first: the throughput run's freed arenas would hide part of the growth
    mem = memory(args.users, max(1, min(args.customers, args.users // 10)), args.features)
    if args.json:
        print(json.dumps(mem), flush=True)
        return 0
    print("memory:", mem, flush=True)
    print("throughput:", throughput(args.events), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
