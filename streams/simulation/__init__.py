"""Deterministic synthetic customer-success events (see streams.simulator)."""
