"""`cspulse worker`: a Faust worker with the cspulse agents and /metrics."""

from __future__ import annotations

import argparse
import logging

from streams.settings import Settings


def run_worker(settings: Settings, args: argparse.Namespace) -> int:
    overrides = {}
    if args.web_port:
        overrides["web_port"] = args.web_port
    if args.data_dir:
        overrides["data_dir"] = args.data_dir
    if args.loglevel:
        overrides["log_level"] = args.loglevel
    if overrides:
        settings = settings.model_copy(update=overrides)

    import faust

    from streams.worker.app import Worker

    worker = Worker(settings)
    logging.getLogger("cspulse").setLevel(settings.log_level.upper())
    print(
        f"cspulse worker: broker {settings.bootstrap}, store {settings.store}, "
        f"metrics on http://{settings.web_bind}:{settings.web_port}/metrics",
        flush=True,
    )
    faust.Worker(worker.app, loglevel=settings.log_level, quiet=True).execute_from_commandline()
    return 0
