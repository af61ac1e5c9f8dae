"""The worker's own Prometheus instruments and the /metrics page that serves them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime
from typing import Any

import faust
from prometheus_client import CollectorRegistry, Counter, Gauge

from streams.exposition import SumsCollector
from streams.exposition.render import PageRenderer
from streams.metrics.catalogue import help_for
from streams.metrics.readout import LabelFolder
from streams.settings import Settings
from streams.worker.lag import LagHistogram


class Instruments:
    """Registered in this order, which is the order /metrics lists them in."""

    def __init__(
        self,
        registry: CollectorRegistry,
        settings: Settings,
        processors: Iterable[Any],
        folder: LabelFolder | None = None,
    ) -> None:
        self.lag = LagHistogram()
        registry.register(self.lag)
        self.replayed = Counter(
            "cspulse_replayed_skipped",
            help_for("cspulse_replayed_skipped"),
            ["topic"],
            registry=registry,
        )
        self.rebuild_seconds = Gauge(
            "cspulse_rebuild_seconds",
            help_for("cspulse_rebuild_seconds"),
            ["table"],
            registry=registry,
        )
        self.rearm_seconds = Gauge(
            "cspulse_rearm_seconds",
            help_for("cspulse_rearm_seconds"),
            ["table"],
            registry=registry,
        )
        self.restored = Counter(
            "cspulse_changelog_records_restored",
            help_for("cspulse_changelog_records_restored"),
            ["table"],
            registry=registry,
        )
        self.recovered = Counter(
            "cspulse_partitions_recovered",
            help_for("cspulse_partitions_recovered"),
            ["table", "source"],
            registry=registry,
        )
        info = Gauge(
            "cs_build_info",
            help_for("cs_build_info"),
            ["version", "reporting_currency"],
            registry=registry,
        )
        info.labels(version=_version(), reporting_currency=settings.reporting_currency).set(1)
        registry.register(SumsCollector(processors, settings.label_limit, folder))
        self.serving_errors = Counter(
            "cspulse_serving_errors",
            help_for("cspulse_serving_errors"),
            registry=registry,
        )

    def observe_lag(self, topic: str, applied: Iterable[Any], now: datetime) -> None:
        self.lag.observe(topic, applied, now)


def serve_metrics(
    app: faust.App,
    registry: CollectorRegistry,
    faust_sensor: bool,
    settle: Callable[[], Awaitable[bool]] | None = None,
) -> None:
    """/metrics on the app's web server: `registry`, plus Faust's own series if asked.

    `settle` (the label registry) runs after a read-out met label values not yet decided;
    when it decided some, the page is read out again, so no scrape shows a value in `other`
    that the registry keeps. The page is always ours: with Faust's sensor, only its monitor
    is installed (faust's setup_prometheus_sensors would serve a page of its own).
    """
    if faust_sensor:
        from faust.sensors.prometheus import FaustMetrics, PrometheusMonitor

        app.monitor = PrometheusMonitor(metrics=FaustMetrics.create(registry, "faust"))
    from faust.web import Request, Response, View
    from prometheus_client import CONTENT_TYPE_LATEST

    content_type = CONTENT_TYPE_LATEST.split(";")[0]
    page = PageRenderer(registry)

    @app.page("/metrics")
    async def metrics(self: View, request: Request) -> Response:
        body = page.render()
        if settle is not None and await settle():
            body = page.render()
        return self.bytes(body, content_type=content_type)


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("cspulse")
    except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "0+unknown"
