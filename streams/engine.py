"""Everything a worker or an offline report needs, built once from settings."""

from __future__ import annotations

from dataclasses import dataclass

from schemas.decode import Decoder
from streams.domains import METRIC_FAMILIES, build_domains, fx_table
from streams.processor import FamilyProcessor
from streams.settings import Settings


@dataclass
class Engine:
    settings: Settings
    processors: dict[str, FamilyProcessor]


def build_engine(settings: Settings) -> Engine:
    domains = build_domains(settings)
    currencies = fx_table(settings).currencies
    topics = settings.family_topics
    processors = {
        family: FamilyProcessor(
            domain=domains[family],
            decoder=Decoder(family, currencies, float(settings.max_clock_skew)),
            topic_label=topics[family],
            partitions=settings.partitions,
            windows=settings.windows,
            dedupe_horizon=settings.dedupe_horizon,
        )
        for family in METRIC_FAMILIES
    }
    return Engine(settings, processors)
