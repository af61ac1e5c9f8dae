"""Prometheus rendering of the engine's series (the read-out policy is streams.metrics.readout)."""

from streams.exposition.collector import SumsCollector

__all__ = ["SumsCollector"]
