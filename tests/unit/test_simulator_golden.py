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
        "4527ad5c2e928372291da59e671a47134b1236dc127a4eb977d8d91fb960f1c1",
        "d7dbbce57aaea7e263214e85377486dde6d38a71bb85f23d3646a3e7bcfcf2e4",
    ),
    "default": (
        ["--count", str(COUNT)],
        "4989a027fac880f93eb5a267cd3b63fa351f5701420364a140fcf56e3ec9b4c7",
        "e5c1ab328bcd92d29ecaaeeddd3a1e99648d4f96cc92628365d9d939c62abb75",
    ),
    "live": (
        ["--rate", "50", "--count", str(COUNT), "--seed", "3"],
        "0f5c1bf672b53546760fe0122e46e20eb63ac9aa9413be8c87d33b3783e0e773",
        "256ece76507f3b31b4e02d82e026c4110de2405961d099e8ba14cd30772b4661",
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
