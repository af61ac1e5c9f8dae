"""`python -m bench.run`: the cspulse benchmark (issue 5), every phase in one run.

Phases (default: all but profile):
  throughput  pre-produce N simulated events, then a worker per store reads them all
  ceiling     a raw aiokafka consumer (getmany + orjson.loads) over the same topics
  peer        the same revenue and ticket aggregations in Quix Streams, same topics
  latency     probe produce-to-/metrics latency at half the measured throughput
  memory      worker RSS per customer (10k, 100k, 1M) and per open ticket (100k)
  recovery    kill -9 a worker holding 1M customers' state; seconds to processing again
  profile     py-spy a worker on the same topics (opt-in; sampling slows it)
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import shlex
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console

from bench import families, latency, memory, recovery, report, state, throughput
from bench.common import (
    BOOTSTRAP,
    RUN_UIDS,
    Isolated,
    Scraper,
    Worker,
    broker_up,
    console,
    delete_topics,
    export_tree,
    fmt_rate,
    say,
    stop_all_workers,
)
from bench.peer import cross_check, peer_python, peer_versions, run_peer
from bench.workload import Workload, publish

PHASES = ("throughput", "ceiling", "peer", "families", "latency", "memory", "recovery", "profile")
DEFAULT_PHASES = PHASES[:-1]
STORES = {"memory": "memory://", "rocksdb": "rocksdb://"}
COMMITTED_JSON = report.ROOT / "bench" / "results.json"
COMMITTED_MD = report.ROOT / "bench" / "RESULTS.md"
SCRATCH = report.ROOT / "bench" / "out"


@dataclass
class Plan:
    """Everything a run does, resolved from the command line."""

    events: int
    customers: int
    phases: list[str]
    stores: list[str]
    latency_seconds: float
    latency_rate: float | None
    memory_sizes: list[int]
    open_tickets: int
    recovery_customers: int
    profile_seconds: float
    recovery_session_timeout: str
    out: Path
    record: bool
    keep_topics: bool
    peer_venv: Path | None
    baseline: str | None
    smoke: bool
    notes: list[str]


def _ints(text: str) -> list[int]:
    return [int(x.replace("_", "")) for x in text.split(",") if x.strip()]


def _choices(allowed: tuple[str, ...] | list[str]) -> Callable[[str], list[str]]:
    def parse(text: str) -> list[str]:
        items = [x.strip() for x in text.split(",") if x.strip()]
        bad = [x for x in items if x not in allowed]
        if bad or not items:
            raise argparse.ArgumentTypeError(f"choose from {', '.join(allowed)} (comma-separated)")
        return items

    return parse


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m bench.run",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=(
            "Needs the local stack (scripts/stack start). The Quix Streams peer runs in a virtualenv "
            "of its own, created on first use under ~/.cache/cspulse. Results go to bench/out/ "
            "unless --record, which writes bench/results.json and bench/RESULTS.md. "
            "Example: python -m bench.run --smoke; python -m bench.run --events 300000 --record"
        ),
    )
    p.add_argument("--smoke", action="store_true", help="a few thousand events, every phase, < 2 min (CI)")
    p.add_argument("--events", type=int, help="events to pre-produce (default 1,000,000; smoke 5,000)")
    p.add_argument("--customers", type=int, help="simulated customers (default events / 10)")
    p.add_argument("--phases", type=_choices(PHASES), help=f"comma-separated subset of {', '.join(PHASES)}")
    p.add_argument("--stores", type=_choices(tuple(STORES)), default=list(STORES), help="memory,rocksdb")
    p.add_argument("--latency-seconds", type=float, help="latency phase duration (default 30; smoke 3)")
    p.add_argument("--latency-rate", type=float, help="load during the latency phase (default: half of max)")
    p.add_argument("--memory-sizes", type=_ints, help="customer counts (default 10000,100000,1000000)")
    p.add_argument("--open-tickets", type=int, help="open tickets for the memory phase (default 100,000)")
    p.add_argument("--recovery-customers", type=int, help="customers held when killed (default 1,000,000)")
    p.add_argument("--profile-seconds", type=float, default=30.0, help="py-spy sampling time (default 30)")
    p.add_argument("--out", type=Path, help="results JSON (default bench/out/results.json)")
    p.add_argument("--record", action="store_true", help="write bench/results.json and bench/RESULTS.md")
    p.add_argument(
        "--baseline",
        metavar="REV",
        help="also run the throughput phase (first store) with the engine at git REV, side by side",
    )
    p.add_argument("--keep-topics", action="store_true", help="leave this run's topics on the broker")
    p.add_argument("--note", action="append", default=[], help="a remark recorded with the results")
    p.add_argument("--peer-venv", type=Path, help="virtualenv for quixstreams (default ~/.cache/cspulse/...)")
    return p


def plan_from(args: argparse.Namespace) -> Plan:
    smoke = args.smoke
    events = args.events or (5_000 if smoke else 1_000_000)
    out = args.out or (COMMITTED_JSON if args.record else SCRATCH / "results.json")
    if out.resolve() == COMMITTED_JSON.resolve() and not args.record:
        sys.exit("bench.run: bench/results.json holds the recorded results; add --record to replace them")
    return Plan(
        events=events,
        customers=args.customers or max(100, events // 10),
        phases=args.phases or list(DEFAULT_PHASES),
        stores=args.stores,
        latency_seconds=args.latency_seconds or (3.0 if smoke else 30.0),
        latency_rate=args.latency_rate,
        memory_sizes=sorted(args.memory_sizes or ([1_000, 5_000] if smoke else [10_000, 100_000, 1_000_000])),
        open_tickets=args.open_tickets or (2_000 if smoke else 100_000),
        recovery_customers=args.recovery_customers or (10_000 if smoke else 1_000_000),
        profile_seconds=min(args.profile_seconds, 5.0) if smoke else args.profile_seconds,
        # the killed worker's session has to expire before the restart is timed
        recovery_session_timeout="6s" if smoke else "30s",  # brokers refuse < 6 s
        out=out,
        record=args.record,
        keep_topics=args.keep_topics,
        peer_venv=args.peer_venv,
        baseline=args.baseline,
        smoke=smoke,
        notes=args.note,
    )


class Run:
    def __init__(self, plan: Plan, command: str) -> None:
        self.plan = plan
        self.scraper = Scraper()
        if plan.smoke:
            memory.SETTLE_S = 1.0
        stamp = time.strftime("%Y%m%d-%H%M%S")
        # worker logs and data: next to --out, or in bench/out/ (ignored by git) when recording
        base = SCRATCH if plan.record else plan.out.resolve().parent
        self.workdir = base / f"work-{stamp}"
        self.r: dict[str, Any] = {
            "date": report.now_iso(),
            "command": command,
            "config": {
                "events": plan.events,
                "customers": plan.customers,
                "partitions": 4,
                "stores": plan.stores,
                "phases": plan.phases,
                "bootstrap": BOOTSTRAP,
            },
            "phase_seconds": {},
            "errors": {},
            "notes": plan.notes,
        }
        self.loadavg_at_start = os.getloadavg()
        self.topics: Isolated | None = None
        self.peer_python: str | None = None
        self.holder: tuple[Worker, Isolated, state.Written] | None = None  # memory phase's largest size
        self._engine_metrics: str | None = None  # /metrics after the first store's throughput run

    async def phase(self, name: str, body: Callable[[], Awaitable[None]]) -> None:
        if name not in self.plan.phases:
            return
        console.rule(f"[bold]{name}")
        started = time.monotonic()
        try:
            await body()
        except Exception as exc:  # report it, go on with the other phases
            self.r["errors"][name] = f"{type(exc).__name__}: {exc}"[:4000]
            console.print(f"[red]{name} failed:[/red] {exc}")
        self.r["phase_seconds"][name] = time.monotonic() - started

    # -- phases ------------------------------------------------------------------------

    async def produce(self) -> None:
        if not {"throughput", "ceiling", "peer", "profile"} & set(self.plan.phases):
            return
        self.topics = Isolated.new("workload")
        await self.topics.create()
        wl = Workload(self.plan.events, self.plan.customers)
        started = time.monotonic()
        counts = await publish(wl.records(), self.topics.settings.family_topics, 4, wl.events, "producing")
        seconds = time.monotonic() - started
        self.r["workload"] = {"per_family": counts, "produce_s": seconds, "topics": self.topics.topics()}
        self.r["phase_seconds"]["produce"] = seconds
        say(f"produced {sum(counts.values()):,} events in {seconds:.1f} s: {counts}")

    async def throughput(self) -> None:
        assert self.topics is not None
        out: dict[str, Any] = {}
        for store in self.plan.stores:
            res = await throughput.engine(
                self.topics, STORES[store], self.plan.events, self.workdir, self.scraper
            )
            metrics = res.pop("metrics")
            if store == self.plan.stores[0]:
                self._engine_metrics = metrics
            out[store] = res
            say(f"engine ({store}): {fmt_rate(res['events_per_s'])}")
        self.r["throughput"] = out
        if self.plan.baseline:
            rev = self.plan.baseline
            tree = export_tree(rev, self.workdir / f"baseline-{rev.replace('/', '_')}")
            store = self.plan.stores[0]
            res = await throughput.engine(
                self.topics,
                STORES[store],
                self.plan.events,
                self.workdir,
                self.scraper,
                src=tree,
                label="baseline",
            )
            res.pop("metrics")
            commit = subprocess.run(
                ["git", "rev-parse", "--short", rev], cwd=report.ROOT, capture_output=True, text=True
            ).stdout.strip()
            self.r["baseline"] = {"rev": rev, "commit": commit, "store_key": store, **res}
            say(f"engine at {rev} ({store}): {fmt_rate(res['events_per_s'])}")

    async def families(self) -> None:
        store = STORES[self.plan.stores[0]]
        self.r["families"] = await families.run(
            self.plan.events, self.plan.customers, store, self.workdir, self.scraper
        )

    async def ceiling(self) -> None:
        assert self.topics is not None
        res = await throughput.ceiling(self.topics.topics(), self.plan.events)
        self.r["ceiling"] = res
        say(f"ceiling: {fmt_rate(res['events_per_s'])}")

    async def peer(self) -> None:
        assert self.topics is not None
        python = self.peer_python = peer_python(*([self.plan.peer_venv] if self.plan.peer_venv else []))
        timeout = max(600.0, self.plan.events / 500)
        res = await run_peer(python, self.topics, self.plan.events, self.workdir, BOOTSTRAP, timeout)
        figures = res.pop("figures")
        if self._engine_metrics:
            res["cross_check"] = cross_check(self._engine_metrics, figures)
        res["figures"] = figures
        self.r["peer"] = res
        say(f"peer: {fmt_rate(res['events_per_s'])}")

    async def profile(self) -> None:
        assert self.topics is not None
        from bench.profile import profile

        res = await profile(self.topics, self.plan.profile_seconds, self.workdir, self.scraper)
        self.r["profile"] = res
        for name, share in list(res.get("by_package", {}).items())[:8]:
            say(f"  {share:6.1%}  {name}")

    async def latency(self) -> None:
        rate = self.plan.latency_rate
        engine = report.headline(self.r)["engine_events_per_s"]
        if rate is None:
            if not engine:
                raise RuntimeError("no measured throughput to take half of: give --latency-rate")
            rate = engine / 2
        res = await latency.measure(
            Isolated.new("latency"), rate, self.plan.latency_seconds, max(100, self.plan.customers),
            self.workdir, self.scraper,
        )  # fmt: skip
        self.r["latency"] = res
        say(f"latency at {res['rate_sent']:,.0f}/s: p50 {res['p50_s']:.3f} s, p99 {res['p99_s']:.3f} s")

    async def memory(self) -> None:
        env = {"CSPULSE_SESSION_TIMEOUT": self.plan.recovery_session_timeout}
        idle = await memory.idle_rss(self.workdir, self.scraper, env)
        out: dict[str, Any] = {"idle_rss_bytes": idle, "customers": []}
        self.r["memory"] = out
        biggest = max(self.plan.memory_sizes)
        template = state.customer_template(min(10_000, biggest))
        for size in self.plan.memory_sizes:
            keep = "recovery" in self.plan.phases and size == self.plan.recovery_customers
            res, worker, iso, written = await memory.measure_size(
                template, size, idle, self.workdir, self.scraper, env, keep=keep
            )
            out["customers"].append(res)
            if worker is not None:
                self.holder = (worker, iso, written)
        if not self.plan.smoke:  # the smallest size again, processing its events instead
            smallest = self.plan.memory_sizes[0]
            for name in self.plan.stores:  # "processed" is the first store's; the others by name
                res = await memory.measure_processed(
                    smallest, len(state.customer_template(smallest)), idle, self.workdir, self.scraper,
                    env, STORES[name],
                )  # fmt: skip
                out["processed" if "processed" not in out else f"processed_{name}"] = res
        tickets = state.open_ticket_template(self.plan.open_tickets)
        res, _, _, _ = await memory.measure_size(
            tickets, len(tickets), idle, self.workdir, self.scraper, env,
            what="open tickets", per_customer=state.TICKETS_PER_CUSTOMER,
        )  # fmt: skip
        out["open_tickets"] = res

    async def recovery(self) -> None:
        out: dict[str, Any] = {}
        self.r["recovery"] = out
        if self.holder is not None:
            holder, iso, written = self.holder
            self.holder = None
        else:
            holder = None
            iso = Isolated.new("recovery", {"CSPULSE_SESSION_TIMEOUT": self.plan.recovery_session_timeout})
            await iso.create()
            template = state.customer_template(min(10_000, self.plan.recovery_customers))
            n = self.plan.recovery_customers
            written = await state.write_changelogs(iso, template, n, f"state: {n:,} customers")
        for store in ("memory", "rocksdb"):
            if store not in self.plan.stores:
                continue
            res = await recovery.crash_and_restart(
                iso, written, STORES[store], self.workdir, self.scraper,
                holder=holder if store == "memory" else None,
            )  # fmt: skip
            out[store] = res
        if holder is not None:
            holder.stop()

    async def main(self) -> int:
        if not broker_up():
            console.print(f"[red]no Kafka broker at {BOOTSTRAP}[/red]: run scripts/stack start first")
            return 2
        self.workdir.mkdir(parents=True, exist_ok=True)
        say(f"workdir {self.workdir} (worker logs); phases {', '.join(self.plan.phases)}")
        try:
            if {"throughput", "ceiling", "peer", "profile"} & set(self.plan.phases):
                console.rule("[bold]produce")
                await self.produce()
            await self.phase("ceiling", self.ceiling)
            await self.phase("throughput", self.throughput)
            await self.phase("peer", self.peer)
            await self.phase("families", self.families)
            await self.phase("profile", self.profile)
            await self.phase("latency", self.latency)
            await self.phase("memory", self.memory)
            await self.phase("recovery", self.recovery)
        finally:
            stopped = stop_all_workers()
            if stopped:
                say(f"stopped {stopped} workers still running")
            await self.scraper.close()
            if not self.plan.keep_topics:
                deleted = await delete_topics(RUN_UIDS)
                say(f"deleted {deleted} topics of this run")
            for data in [*self.workdir.glob("*.data"), *self.workdir.glob("baseline-*")]:
                shutil.rmtree(data, ignore_errors=True)
            shutil.rmtree(self.workdir / "peer-state", ignore_errors=True)
        return self.finish()

    def finish(self) -> int:
        r = self.r
        versions = peer_versions(self.peer_python) if self.peer_python else None
        r["environment"] = report.environment(versions)
        r["environment"]["machine"]["loadavg_at_start"] = self.loadavg_at_start
        r["environment"]["machine"]["loadavg_at_end"] = os.getloadavg()
        flat = report.headline(r)
        r["targets"] = report.targets(flat)
        ordered = {**flat, **{k: v for k, v in r.items() if k not in flat}}
        report.write_json(self.plan.out, ordered)
        if self.plan.record:  # the run's section goes into RESULTS.md, not a file of its own
            md = COMMITTED_MD
            report.update_results_md(COMMITTED_MD, ordered)
        else:
            md = self.plan.out.with_suffix(".md")
            md.write_text(report.markdown(ordered))
        report.print_table(ordered, Console())
        say(f"wrote {self.plan.out} and {md}")
        return 1 if r["errors"] else 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # aiokafka warns about topics created a moment ago until their metadata arrives
    logging.getLogger("aiokafka").setLevel(logging.ERROR)
    plan = plan_from(args)
    command = "python -m bench.run " + shlex.join(sys.argv[1:] if argv is None else argv)
    return asyncio.run(_cancellable(Run(plan, command.strip()).main()))


async def _cancellable(body: Awaitable[int]) -> int:
    """Run `body`; SIGINT or SIGTERM cancel it, so workers are stopped and topics deleted."""
    task = asyncio.ensure_future(body)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, task.cancel)
    try:
        return await task
    except asyncio.CancelledError:
        console.print("[red]interrupted[/red]: workers stopped, topics of this run deleted")
        return 130


if __name__ == "__main__":
    sys.exit(main())
