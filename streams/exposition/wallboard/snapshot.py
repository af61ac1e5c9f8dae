"""One wallboard snapshot: every KPI at one Prometheus evaluation time, with its freshness,
the Redis lists, and what is wrong (stale data, a source unreachable).

A number is never shown as current when it is not: a KPI whose topic's newest event is
older than the stale threshold is marked stale, and with Prometheus unreachable no
number is sent at all (the page shows why instead of the last numbers it had).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from streams.settings import Settings

from .kpis import CURRENCY_EXPR, WORKERS_EXPR, Kpi, activity_expr, catalogue, freshness_expr, status
from .lists import RedisLists
from .prom import PrometheusClient, PrometheusError, Sample


def ago(seconds: float) -> str:
    """'45s', '12m', '3h 05m', '2d 4h': how long ago, for people."""
    s = int(max(0, seconds))
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m"
    if s < 86400:
        return f"{s // 3600}h {s % 3600 // 60:02d}m"
    return f"{s // 86400}d {s % 86400 // 3600}h"


@dataclass
class PromReadout:
    """What Prometheus said at `at`: one sample list per KPI, newest event time per topic,
    and the topics that had events handled within the stale threshold."""

    at: float
    kpis: list[list[Sample]]
    newest: dict[str, float]
    moving: set[str]
    currency: str | None
    workers_up: int
    workers: int


def kpi_view(
    kpi: Kpi, samples: list[Sample], as_of: float | None, at: float, stale_after: int, moving: bool
) -> dict[str, Any] | None:
    """The JSON of one KPI, or None for an optional one without data (its tile is hidden).
    Stale: its newest event is older than `stale_after`, or no event came in that long.
    The age is negative when producers stamped the newest event ahead of the clock."""
    parts = None
    if kpi.by:
        parts = {labels.get(kpi.by, ""): value for labels, value in sorted(samples, key=lambda s: str(s[0]))}
        # No series of a breakdown means none open/overdue, once the topic has data at all.
        value = sum(parts.values()) if samples or as_of is not None else None
    else:
        value = samples[0][1] if samples else None
    if value is None and kpi.optional:
        return None
    age = None if as_of is None else at - as_of
    return {
        "title": kpi.title,
        "value": value,
        "unit": kpi.unit,
        "parts": parts,
        "target": kpi.target,
        "status": status(value, kpi.bands),
        "as_of": as_of,
        "age_seconds": age,
        "stale": age is None or age > stale_after or not moving,
        "boards": list(kpi.boards),
    }


def _topics(kpi: Kpi, newest: dict[str, float], topics: dict[str, str]) -> list[str]:
    """The topic names a KPI reads: its family's, or every topic with events for None."""
    return list(newest) if kpi.family is None else [topics.get(kpi.family, "")]


class Snapshots:
    """Takes snapshots from Prometheus and Redis with the settings' KPIs."""

    def __init__(self, settings: Settings, prom: PrometheusClient, lists: RedisLists) -> None:
        self.settings = settings
        self.prom = prom
        self.lists = lists
        self.kpis = catalogue(settings)

    async def read_prometheus(self, at: float) -> PromReadout:
        stale_after = self.settings.wallboard_stale_after
        fresh, active, currency, workers, *kpis = await self.prom.query_all(
            [freshness_expr(stale_after), activity_expr(stale_after), CURRENCY_EXPR, WORKERS_EXPR]
            + [k.expr for k in self.kpis],
            at,
        )
        return PromReadout(
            at=at,
            kpis=kpis,
            newest={labels.get("topic", ""): value for labels, value in fresh},
            moving={labels.get("topic", "") for labels, value in active if value > 0},
            currency=next((labels.get("reporting_currency") for labels, _ in currency), None),
            workers_up=sum(1 for _, up in workers if up == 1),
            workers=len(workers),
        )

    def kpi_views(self, readout: PromReadout | None) -> tuple[dict[str, Any], list[str]]:
        """KPI JSON by key, and the stale-data problems (one per topic family)."""
        stale_after = self.settings.wallboard_stale_after
        topics = self.settings.family_topics
        views: dict[str, Any] = {}
        problems: dict[str, str] = {}
        for i, kpi in enumerate(self.kpis):
            if readout is None:
                view = None if kpi.optional else kpi_view(kpi, [], None, time.time(), stale_after, False)
            else:
                names = _topics(kpi, readout.newest, topics)
                as_of = max((readout.newest[n] for n in names if n in readout.newest), default=None)
                moving = any(n in readout.moving for n in names)
                view = kpi_view(kpi, readout.kpis[i], as_of, readout.at, stale_after, moving)
                if view is not None and view["stale"]:
                    family = kpi.family or "any topic"
                    problems[family] = (
                        f"newest {family} event is {ago(view['age_seconds'])} old"
                        if as_of is not None and view["age_seconds"] > stale_after
                        else f"no {family} event handled in the last {ago(stale_after)}"
                    )
            if view is not None:
                views[kpi.key] = view
        return views, [f"Stale data: {p} (threshold {ago(stale_after)})" for p in problems.values()]

    async def take(self) -> dict[str, Any]:
        at = round(time.time(), 3)
        problems: list[str] = []
        readout: PromReadout | None = None
        prom_error = redis_error = None
        try:
            readout = await self.read_prometheus(at)
        except PrometheusError as exc:
            prom_error = str(exc)
            problems.append(f"Prometheus unreachable or failing ({self.prom.url}): {exc}; numbers withheld")
        kpis, stale = self.kpi_views(readout)
        comments = at_risk = None
        try:
            comments = await self.lists.recent_comments()
            at_risk = await self.lists.accounts_at_risk()
        except Exception as exc:  # any Redis failure: say so, show no old lists
            redis_error = f"{type(exc).__name__}: {exc}"
            problems.append(f"Redis unreachable: {redis_error}; comments withheld")
        return {
            "at": at,
            "refresh_seconds": self.settings.wallboard_refresh,
            "stale_after_seconds": self.settings.wallboard_stale_after,
            "currency": readout.currency if readout else None,
            # Scrape targets that answer; spare targets (prometheus.yml lists three) are no
            # alarm by themselves, so this is shown, not raised: stale data is the alarm.
            "workers": {"up": readout.workers_up, "targets": readout.workers} if readout else None,
            "stale": readout is None or any(k["stale"] for k in kpis.values()),
            "problems": problems + stale,
            "sources": {
                "prometheus": {"ok": prom_error is None, "error": prom_error},
                "redis": {"ok": redis_error is None, "error": redis_error},
            },
            "kpis": kpis,
            "comments": comments,
            "at_risk": at_risk,
        }
