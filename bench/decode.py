"""Decode throughput alone: every line of a JSONL file through `Decoder.decode`, no Kafka.

    python -m streams.cli simulate --count 100000 --out /tmp/sim.jsonl --no-progress
    python -m bench.decode /tmp/sim.jsonl [passes]

One decoder per family, built as the worker builds them (an FX table of the currencies
the simulator pays in, so every valid record is accepted); a record whose family
cannot be told goes to the subscriptions decoder, as `cspulse produce` probes it.
Prints the best of `passes` passes (default 5). To time another version of `schemas/`,
run from outside the checkout with that copy first on PYTHONPATH, e.g.
`git archive main schemas | tar -x -C /tmp/base` and, from /tmp,
`PYTHONPATH=/tmp/base:$REPO python -m bench.decode /tmp/sim.jsonl`.
"""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime

from schemas import decode
from schemas.decode import Decoder, Rejection, family_of
from schemas.events import FAMILIES

FX = frozenset({"USD", "EUR", "GBP", "JPY", "CAD"})
NOW = datetime(2100, 1, 1, tzinfo=UTC)  # nothing is ahead of it


def main(path: str, passes: int = 5) -> None:
    with open(path, "rb") as handle:
        lines = [line for line in handle.read().splitlines() if line]
    records = [(family_of(line)[0] or "subscriptions", line) for line in lines]
    decoders = {family: Decoder(family, FX) for family in FAMILIES}
    best = float("inf")
    for _ in range(passes):
        start = time.perf_counter()
        for family, raw in records:
            decoders[family].decode(raw, NOW)
        best = min(best, time.perf_counter() - start)
    rejected = sum(isinstance(decoders[family].decode(raw, NOW), Rejection) for family, raw in records)
    print(
        f"{decode.__file__}: {len(records):,} records ({rejected:,} rejected), "
        f"best of {passes}: {best:.3f} s = {len(records) / best:,.0f} events/s"
    )


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 5)
