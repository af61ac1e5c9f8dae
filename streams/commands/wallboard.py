"""`cspulse wallboard`: serve the live KPI wallboard."""

from __future__ import annotations

import argparse
import logging

from aiohttp import web

from streams.settings import Settings
from streams.webconfig import WebConfig, load_web_config


def run_wallboard(settings: Settings, args: argparse.Namespace) -> int:
    from streams.exposition.wallboard.server import make_app

    updates = {"wallboard_bind": args.bind, "wallboard_port": args.port}
    settings = settings.model_copy(update={k: v for k, v in updates.items() if v is not None})
    logging.basicConfig(level=settings.log_level.upper(), format="%(asctime)s %(name)s %(message)s")
    host, port = settings.wallboard_bind, settings.wallboard_port
    config = load_web_config(settings.web_config_file) if settings.web_config_file else WebConfig()
    scheme = "https" if config.tls else "http"
    print(f"cspulse wallboard: {scheme}://{host}:{port}/  (Prometheus {settings.prometheus_url})", flush=True)
    context = config.ssl_context()
    web.run_app(make_app(settings), host=host, port=port, ssl_context=context, print=None, shutdown_timeout=2)
    return 0
