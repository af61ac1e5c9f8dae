"""`cspulse wallboard`: serve the live KPI wallboard."""

from __future__ import annotations

import argparse
import logging

from aiohttp import web

from streams.settings import Settings


def run_wallboard(settings: Settings, args: argparse.Namespace) -> int:
    from streams.exposition.wallboard.server import make_app

    updates = {"wallboard_bind": args.bind, "wallboard_port": args.port}
    settings = settings.model_copy(update={k: v for k, v in updates.items() if v is not None})
    logging.basicConfig(level=settings.log_level.upper(), format="%(asctime)s %(name)s %(message)s")
    host, port = settings.wallboard_bind, settings.wallboard_port
    print(f"cspulse wallboard: http://{host}:{port}/  (Prometheus {settings.prometheus_url})", flush=True)
    web.run_app(make_app(settings), host=host, port=port, print=None, shutdown_timeout=2)
    return 0
