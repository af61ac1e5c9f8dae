"""The engine's and the worker's own series (every family's records pass there)."""

from __future__ import annotations

from streams.metrics.catalogue.series import C, G, H, Series

# fmt: off
ENTRIES: tuple[Series, ...] = (
    Series("cs_events_total", C, "Valid events handled, by topic and outcome (applied: changed state; "
           "duplicate: event_id seen before; stale: older than the state).", ("outcome", "topic"), "engine"),
    Series("cs_deadletter_total", C, "Records rejected to the dead-letter topic, by source topic and reason.",
           ("reason", "topic"), "engine"),
    Series("cs_last_event_timestamp_seconds", G, "Newest occurred_at applied, Unix seconds, per topic and "
           "partition (use max, not sum).", ("topic",), "engine"),
    Series("cs_event_lag_seconds", H, "Processing time minus occurred_at of applied events, seconds, by "
           "topic.", ("topic",), "worker"),
    Series("cs_build_info", G, "Always 1: the cspulse version and the reporting currency of money series.",
           ("reporting_currency", "version"), "worker"),
    Series("cspulse_replayed_skipped_total", C, "Records delivered again after a restart whose effects were "
           "already stored (skipped), by topic.", ("topic",), "worker", contract=False),
    Series("cspulse_rebuild_seconds", G, "Seconds the last recovery of a table's partition sums took (read "
           "from checkpoints, or rebuilt from its records), by table.", ("table",), "worker", contract=False),
    Series("cspulse_rearm_seconds", G, "Seconds the joined table's last background re-arm took after a "
           "recovery (timers re-armed, serving entries rewritten, a chunk of customers at a time), by "
           "table.", ("table",), "worker", contract=False),
    Series("cspulse_changelog_records_restored_total", C, "Changelog records a recovery read back into a "
           "table (a rocksdb worker reads only what its local files lack), by table.", ("table",), "worker",
           contract=False),
    Series("cspulse_partitions_recovered_total", C, "Partitions whose sums a recovery read from their "
           "checkpoint (source=checkpoint) or rebuilt from every record (source=records), by table.",
           ("source", "table"), "worker", contract=False),
    Series("cspulse_serving_errors_total", C, "Batches whose survey comments could not be written to Redis.",
           (), "worker", contract=False),
)
# fmt: on
