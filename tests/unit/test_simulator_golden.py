"""Golden output of `cspulse simulate`: a fixed command line and clock give fixed bytes.

Guards refactors of the simulator (and of the CLI's option handling) that must not
change a single event. The first records of each case are committed as readable JSONL
under tests/golden/, so a change shows where it starts; the digests cover all records.
If the output is meant to change, `python -m tests.unit.test_simulator_golden` rewrites
the JSONL and prints the digests to paste into CASES.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path

import pytest

from streams.cli import build_parser
from streams.commands.simulate import Simulator, build_config

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)  # stands in for the CLI's wall clock
COUNT = 3000
HEAD = 20  # records kept as JSONL

# Case name -> (simulate options, sha256 of the --out file, sha256 of the records' metadata).
CASES = {
    "burst-faults": (
        ["--count", str(COUNT), "--span", "30d", "--seed", "7", "--customers", "200",
         "--mix", "subscriptions=0.3,payments=0.2,tickets=0.4,surveys=0.1",
         "--out-of-order", "0.1", "--duplicates", "0.05", "--bad-records", "0.02"],
        "438d8ac69651dd567a5acd0430b323e139b3382c45934044b0e2395bf18829bc",
        "19b01ac5b5e7eb98edbcd16c81fc33539a08113a5b84ed218a99cb8922aa2854",
    ),
    "default": (
        ["--count", str(COUNT)],
        "2c927b337ae731d8b897789291bf7dbdc251259f659410e43b525a1ad6ecfa3f",
        "6e51d1bd6b9b54e38e61a9adbb088b43ebe98350808131885f8df55c7e2ab952",
    ),
    "live": (
        ["--rate", "50", "--count", str(COUNT), "--seed", "3"],
        "08c7dd6a07350dccf1a0bbb5e0e9c9c219ab92670ed0cade5ac519ebe6388086",
        "ad92f913415bf6eaf32e22e3edef1460f158a990b399919e3065a885e9c025e1",
    ),
}  # fmt: skip


def golden_lines(options: list[str]) -> tuple[list[bytes], list[bytes]]:
    """What `cspulse simulate OPTIONS --out FILE` writes, line by line, at NOW, and
    each record's family, key, validity and defect (what Kafka publishing also uses)."""
    args = build_parser().parse_args(["simulate", *options, "--out", "unused.jsonl"])
    records = list(islice(Simulator(build_config(args, NOW)).events(), args.count))
    out = [rec.value + b"\n" for rec in records]
    meta = [f"{r.family}\t{r.key.decode()}\t{r.valid}\t{r.defect}\n".encode() for r in records]
    return out, meta


def digest(lines: list[bytes]) -> str:
    return hashlib.sha256(b"".join(lines)).hexdigest()


@pytest.mark.parametrize("case", sorted(CASES))
def test_simulate_output_is_unchanged(case: str) -> None:
    options, out_sha, meta_sha = CASES[case]
    out, meta = golden_lines(options)
    head = (GOLDEN / f"simulate-{case}.head.jsonl").read_bytes().splitlines(keepends=True)
    assert len(out) == COUNT
    assert out[:HEAD] == head
    assert digest(out) == out_sha
    assert digest(meta) == meta_sha


if __name__ == "__main__":
    for name, (options, _, _) in sorted(CASES.items()):
        out, meta = golden_lines(options)
        (GOLDEN / f"simulate-{name}.head.jsonl").write_bytes(b"".join(out[:HEAD]))
        print(name, digest(out), digest(meta))
