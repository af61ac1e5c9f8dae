"""`cspulse report --accounts`: every scored customer, as the workers serve them."""

from __future__ import annotations

import argparse
import sys

import orjson
from rich.console import Console
from rich.table import Table

from streams.engine.build import fx_table
from streams.engine.offline import OfflineRun
from streams.exposition.accounts import account_entry
from streams.metrics.health import BANDS


def print_accounts(run: OfflineRun, args: argparse.Namespace) -> int:
    bands = BANDS if not args.band else tuple(b.strip() for b in args.band.split(",") if b.strip())
    unknown = [b for b in bands if b not in BANDS]
    if unknown or not bands:
        print(f"cspulse report: --band must be among {', '.join(BANDS)} (got {args.band!r})", file=sys.stderr)
        return 2
    scale = fx_table(run.settings).money_scale
    entries = [
        account_entry(a.customer_id, a.partition, a.clock, a.assessment, scale)
        for a in run.accounts()
        if a.assessment is not None and a.assessment.band in bands
    ]
    entries.sort(key=lambda e: (-e["mrr"], e["customer_id"]))
    if args.json:
        sys.stdout.write(orjson.dumps(entries, option=orjson.OPT_INDENT_2).decode() + "\n")
        return 0
    table = Table(title=f"cspulse accounts ({run.settings.reporting_currency}), {len(entries)} scored")
    for column in ("customer", "score", "band", "MRR", "usage", "support", "sentiment", "billing", "why"):
        table.add_column(column, justify="right" if column not in ("customer", "band", "why") else "left")
    for e in entries:
        c = e["components"]
        table.add_row(
            e["customer_id"], str(e["score"]), e["band"], f"{e['mrr']:,.2f}",
            *(f"{c[name]:g}" for name in ("usage", "support", "sentiment", "billing")),
            "; ".join(e["reasons"]),
        )  # fmt: skip
    Console().print(table)
    return 0
