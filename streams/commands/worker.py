"""`cspulse worker`: a Faust worker with the cspulse agents and /metrics."""

from __future__ import annotations

import argparse
import gc
import logging

from streams.settings import Settings
from streams.worker.clients import broker_refused

# Full collections (the oldest generation) walk every tracked object of the process:
# Faust's, aiokafka's and the engine's. At Python's default, one per 10 collections of
# the middle generation, they took ~15 % of the engine step (in-process, interleaved
# runs: 10,903 -> 12,570 events/s at one per 100); cyclic garbage is still collected.
GC_THRESHOLDS = (700, 10, 100)


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

    # Faust stops on a broker it cannot bootstrap from with a long traceback whose
    # reason (aiokafka's "Unable to bootstrap") hides the cause: check first, so that wrong
    # credentials, an untrusted certificate or a broker that is down are one line, exit 1.
    if broker_refused(settings, "worker"):
        return 1

    import faust

    from streams.worker.app import Worker

    worker = Worker(settings)
    logging.getLogger("cspulse").setLevel(settings.log_level.upper())
    scheme = "https" if worker.app.conf.web_ssl_context is not None else "http"
    print(
        f"cspulse worker: broker {settings.bootstrap} ({settings.kafka_security_protocol}), "
        f"store {settings.store}, metrics on {scheme}://{settings.web_bind}:{settings.web_port}/metrics",
        flush=True,
    )
    gc.set_threshold(*GC_THRESHOLDS)
    gc.freeze()  # what start-up made (modules, the app, its services) lives as long as the process
    faust.Worker(worker.app, loglevel=settings.log_level, quiet=True).execute_from_commandline()
    return 0
