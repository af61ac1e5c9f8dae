"""`cspulse report`: every metric from a file or the topics, without a worker."""

from __future__ import annotations

import argparse
import asyncio
import sys

import orjson
import redis
from rich.console import Console
from rich.table import Table

from streams.commands.accounts import print_accounts
from streams.commands.progress import progress, stderr
from streams.engine.offline import OfflineRun
from streams.exposition.label_registry import admit_now
from streams.metrics.ratios import headline
from streams.metrics.readout import LabelFolder
from streams.settings import Settings
from streams.worker.clients import broker_refused
from streams.worker.readback import read_topic


async def _from_topics(run: OfflineRun, show: bool) -> None:
    with progress("reading topics", None, enabled=show) as (bar, task):
        for family in run.engine.processors:
            topic = run.settings.family_topics[family]
            parts = await read_topic(run.settings, topic, lambda n: bar.advance(task, n))
            for partition, messages in sorted(parts.items()):
                for start in range(0, len(messages), 5000):
                    run.feed_partition(family, partition, messages[start : start + 5000])


def live_series(run: OfflineRun, settings: Settings) -> dict[str, float]:
    """The series as the workers of these topics show them: free-text labels folded by the
    workers' label registry (Redis). Without Redis, by the first values this report meets."""
    folder = LabelFolder(settings.label_limit, shared=True)
    series = run.series(folder)
    if not folder.unknown:
        return series
    try:
        client = redis.Redis.from_url(
            settings.redis_url.get_secret_value(), socket_timeout=5, socket_connect_timeout=5
        )
        with client:
            admit_now(client, settings.app_id, folder)
    except redis.RedisError as exc:
        stderr.print(
            f"cspulse report: label registry unreachable ({exc}); "
            "free-text labels keep the first values this report meets",
            markup=False,
        )
        return run.series()
    return run.series(folder)


def run_report(settings: Settings, args: argparse.Namespace) -> int:
    if bool(args.file) == bool(args.from_topics):
        print("cspulse report: give a FILE.jsonl or --from-topics (not both)", file=sys.stderr)
        return 2
    run = OfflineRun(settings)
    show = sys.stderr.isatty()
    if args.from_topics:
        if broker_refused(settings, "report"):
            return 1
        try:
            asyncio.run(_from_topics(run, show))
        except Exception as exc:
            print(f"cspulse report: cannot read the topics at {settings.bootstrap}: {exc}", file=sys.stderr)
            return 1
    else:
        try:
            handle = sys.stdin.buffer if args.file == "-" else open(args.file, "rb")  # noqa: SIM115
        except OSError as exc:
            print(f"cspulse report: cannot read {args.file}: {exc.strerror}", file=sys.stderr)
            return 1
        with handle:
            run.feed_lines(handle)
    for item in run.unrouted[:20]:
        stderr.print(f"line {item.line}: no event type this engine knows; skipped", markup=False)
    if len(run.unrouted) > 20:
        stderr.print(f"... and {len(run.unrouted) - 20} more unroutable lines", markup=False)
    if getattr(args, "accounts", False):
        return print_accounts(run, args)
    series = live_series(run, settings) if args.from_topics else run.series()
    if args.json:
        sys.stdout.write(orjson.dumps(series, option=orjson.OPT_INDENT_2).decode() + "\n")
        return 0
    table = Table(title=f"cspulse report ({settings.reporting_currency})")
    table.add_column("figure")
    for window in settings.windows:
        table.add_column(window, justify="right")
    for figure, values in headline(series, list(settings.windows)).items():
        table.add_row(figure, *values)
    Console().print(table)
    return 0
