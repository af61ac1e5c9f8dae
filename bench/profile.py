"""py-spy profile of a worker working through the pre-produced topics.

Not part of the timed phases (sampling slows the worker a little). Writes the raw
collapsed stacks (speedscope/flamegraph tools read them) and summarises where the
time goes: by package (inclusive) and by function (self time).
"""

from __future__ import annotations

import asyncio
import shutil
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from bench.common import Isolated, Scraper, Worker, processed, say

ROOT = Path(__file__).resolve().parents[1]

# Components, matched against each frame's file path from the leaf upwards: a sample
# counts for the leaf-most frame that matches (asyncio frames are skipped, so time in
# the event loop on behalf of, say, Faust's recovery counts for Faust's recovery).
PACKAGES = (
    ("logging/", "logging"),
    ("pydantic", "pydantic"),
    ("schemas/", "decode (schemas: msgspec, in C, counts here)"),
    ("orjson", "orjson"),
    ("streams/metrics/", "domain maths (streams/metrics)"),
    ("streams/engine/records.py", "record (de)serialisation"),
    ("streams/engine/checkpoint.py", "sums checkpoints"),
    ("streams/engine/", "engine step (streams/engine)"),
    ("streams/worker/", "Faust adapter (streams/worker)"),
    ("streams/exposition/", "/metrics collector"),
    ("prometheus_client", "prometheus_client"),
    ("faust/tables/recovery", "faust changelog recovery"),
    ("faust/tables", "faust tables + changelog"),
    ("faust/stores", "faust stores"),
    ("rocksdict", "rocksdict"),
    ("faust/transport", "faust transport (consumer/producer)"),
    ("aiokafka", "aiokafka"),
    ("faust/", "faust (other)"),
    ("mode/", "mode (faust's service runtime)"),
    ("aiohttp", "aiohttp (web server)"),
)
TRANSPARENT = ("asyncio/", "selectors.py")


def py_spy() -> str | None:
    here = Path(sys.executable).with_name("py-spy")
    return str(here) if here.exists() else shutil.which("py-spy")


def summarise(raw: Path, top: int = 15) -> dict[str, Any]:
    """Shares of samples per package (inclusive, leaf-most match) and per function (self)."""
    by_package: Counter[str] = Counter()
    by_function: Counter[str] = Counter()
    total = 0
    for line in raw.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        total += n
        frames = stack.split(";")
        by_function[frames[-1].split(" (", 1)[0] + " (" + _where(frames[-1]) + ")"] += n
        by_package[_package(frames)] += n
    if not total:
        return {"samples": 0}
    return {
        "samples": total,
        "by_package": {k: round(v / total, 4) for k, v in by_package.most_common()},
        "self_top": {k: round(v / total, 4) for k, v in by_function.most_common(top)},
    }


def _where(frame: str) -> str:
    inside = frame.split(" (", 1)[1].rstrip(")") if " (" in frame else "?"
    for marker in ("site-packages/", f"{ROOT}/", "python3.11/"):
        if marker in inside:
            return inside.split(marker, 1)[1]
    return inside


def _package(frames: list[str]) -> str:
    for frame in reversed(frames):
        if "_run_once" in frame:  # reached the loop itself: nothing above is to blame
            break
        if any(t in frame for t in TRANSPARENT):
            continue
        for needle, name in PACKAGES:
            if needle in frame:
                return name
    return "asyncio event loop" if any("asyncio/" in f for f in frames) else "other"


async def profile(
    topics: Isolated, seconds: float, workdir: Path, scraper: Scraper, store: str = "memory://"
) -> dict[str, Any]:
    spy = py_spy()
    if spy is None:
        raise RuntimeError("py-spy is not installed: pip install -e '.[bench]'")
    worker = Worker(topics.with_app("profile"), workdir, "profile", store=store).start()
    raw = workdir / "profile.collapsed"
    try:
        # start sampling once the worker is processing
        while not (text := await scraper.text(worker)) or not processed(text):
            worker.check()
            await asyncio.sleep(0.2)
        say(f"py-spy: sampling the worker for {seconds:.0f} s")
        proc = await asyncio.create_subprocess_exec(
            spy, "record", "--pid", str(worker.pid), "--duration", str(int(seconds)),
            "--rate", "100", "--nonblocking", "--format", "raw", "--output", str(raw),
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        _, err = await proc.communicate()
        if proc.returncode or not raw.exists():
            raise RuntimeError(f"py-spy failed: {err.decode(errors='replace')[-500:]}")
    finally:
        worker.stop()
    result = summarise(raw)
    # relative to the repository when inside it: results.json is committed
    where = raw.resolve()
    result["collapsed_stacks"] = str(where.relative_to(ROOT)) if where.is_relative_to(ROOT) else where.name
    return result
