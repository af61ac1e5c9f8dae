"""Everything a worker or an offline report needs, built once from settings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from schemas.decode import Decoder
from streams.engine.joined import FAMILY as HEALTH
from streams.engine.joined import HealthProcessor
from streams.engine.processor import FamilyProcessor
from streams.metrics.base import Domain
from streams.metrics.catalogue import scales_for
from streams.metrics.health import HealthConfig
from streams.metrics.money import FxTable
from streams.settings import Settings


def fx_table(settings: Settings) -> FxTable:
    return FxTable(settings.reporting_currency, settings.fx_rates)


def _subscriptions(settings: Settings) -> Domain[Any, Any]:
    from streams.metrics.subscriptions import SubscriptionDomain

    return SubscriptionDomain(fx_table(settings), settings.counted_statuses)


def _payments(settings: Settings) -> Domain[Any, Any]:
    from streams.metrics.payments import PaymentDomain

    return PaymentDomain(fx_table(settings))


def _surveys(settings: Settings) -> Domain[Any, Any]:
    from streams.metrics.surveys import SurveyDomain

    return SurveyDomain()


def _tickets(settings: Settings) -> Domain[Any, Any]:
    from streams.metrics.business_hours import parse_calendar
    from streams.metrics.tickets import TicketDomain

    calendar = parse_calendar(settings.business_hours) if settings.business_hours else None
    return TicketDomain(settings.frt_targets, calendar)


def _usage(settings: Settings) -> Domain[Any, Any]:
    from streams.metrics.usage import UsageDomain

    return UsageDomain()


def _costs(settings: Settings) -> Domain[Any, Any]:
    from streams.metrics.costs import CostDomain

    return CostDomain(fx_table(settings))


def _growth(settings: Settings) -> Domain[Any, Any]:
    from streams.metrics.growth import GrowthDomain

    return GrowthDomain()


#: The metric domain of each topic family (a family of `schemas.events.FAMILIES`);
#: a family without an entry is validated and dead-lettered but has no metrics yet.
DOMAINS: dict[str, Callable[[Settings], Domain[Any, Any]]] = {
    "subscriptions": _subscriptions,
    "payments": _payments,
    "surveys": _surveys,
    "tickets": _tickets,
    "usage": _usage,
    "costs": _costs,
    "growth": _growth,
}
METRIC_FAMILIES = tuple(DOMAINS)


@dataclass
class Engine:
    settings: Settings
    processors: dict[str, FamilyProcessor]
    health: HealthProcessor | None  # the joined step over the families' states (None: off)

    @property
    def exposed(self) -> list[Any]:
        """Every processor whose partition sums /metrics and the report read."""
        return [*self.processors.values(), *([self.health] if self.health else [])]


def health_config(settings: Settings) -> HealthConfig:
    fx = fx_table(settings)
    return HealthConfig(
        weights={k: Fraction(v) for k, v in settings.health_weights.items()},
        bands=dict(settings.health_bands),
        windows=dict(settings.health_windows),
        penalties=dict(settings.health_penalties),
        sentiment=dict(settings.health_sentiment),
        activation=settings.activation_features,
        large_mrr=int(settings.health_large_account_mrr * fx.money_scale),
    )


def build_domains(settings: Settings) -> dict[str, Domain[Any, Any]]:
    return {family: build(settings) for family, build in DOMAINS.items()}


def build_engine(settings: Settings) -> Engine:
    fx = fx_table(settings)
    config = health_config(settings)
    topics = settings.family_topics
    domains = build_domains(settings)
    processors = {
        family: FamilyProcessor(
            domain=domain,
            decoder=Decoder(family, fx.currencies, float(settings.max_clock_skew)),
            topic_label=topics[family],
            partitions=settings.partitions,
            windows=settings.windows,
            dedupe_horizon=settings.dedupe_horizon,
            # the health score counts failed payments over its own billing window
            retention=config.windows["billing"] if family == "payments" else 0,
        )
        for family, domain in domains.items()
    }
    health = None
    if settings.health_enabled:
        scales = scales_for(HEALTH, money_scale=fx.money_scale)
        health = HealthProcessor(domains, config, settings.windows, scales)
    return Engine(settings, processors, health)
