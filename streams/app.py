"""The Faust app: one thin agent and one changelog-backed table per topic family.

Agents only adapt Kafka to `FamilyProcessor`: they batch with `take_events`, hand
each partition's run of raw records to the processor, write the touched records to
the table (one changelog message each) and send dead letters and re-keyed records.
"""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import faust
from aiokafka import AIOKafkaProducer
from faust.streams import _current_event
from faust.types import TP
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

import streams.faust_fixes  # noqa: F401  (installs the producer and consumer corrections)
from streams.engine import Engine, build_engine
from streams.exposition import SumsCollector
from streams.processor import FamilyProcessor
from streams.serving import ServingStore
from streams.settings import Settings
from streams.table_store import TableStore

log = logging.getLogger("cspulse")

LAG_BUCKETS = (1, 5, 15, 60, 300, 900, 1800, 3600, 7200, 14400, 28800, 86400, 172800)


class FamilyTable(faust.Table):
    """A table whose owner rebuilds its partition sums after every recovery."""

    processor: FamilyProcessor
    source_topics: frozenset[str]
    rebuild_seconds: Gauge

    async def on_rebalance(
        self, assigned: set[TP], revoked: set[TP], newly_assigned: set[TP], generation_id: int = 0
    ) -> None:
        await super().on_rebalance(assigned, revoked, newly_assigned, generation_id)
        kept = {tp.partition for tp in assigned if tp.topic in self.source_topics}
        self.processor.drop([p for p in list(self.processor.sums) if p not in kept])

    async def on_recovery_completed(self, active_tps: set[TP], standby_tps: set[TP]) -> None:
        await super().on_recovery_completed(active_tps, standby_tps)
        partitions = {tp.partition for tp in active_tps}
        started = time.monotonic()
        count = self.processor.rebuild(self.items(), partitions)
        seconds = time.monotonic() - started
        self.rebuild_seconds.labels(table=self.name).set(seconds)
        parts = sorted(partitions)
        log.info("%s: rebuilt partitions %s from %d records in %.1f s", self.name, parts, count, seconds)


@dataclass(frozen=True, eq=False)
class _Route:
    """Where one family's records go: its processor, its table and its re-key topic."""

    proc: FamilyProcessor
    store: TableStore
    rekey_topic: faust.TopicT


class _Current:
    """The little of an event Faust's rocksdb store reads to pick a partition."""

    __slots__ = ("__weakref__", "message")

    def __init__(self, message: Any) -> None:
        self.message = message


def _headers(message: Any) -> list[tuple[str, bytes]]:
    """A consumed record's headers as a list, whichever shape the client gave."""
    headers = message.headers or ()
    return list(headers.items() if isinstance(headers, Mapping) else headers)


class Worker:
    """Wires an Engine into a Faust app."""

    def __init__(self, settings: Settings, registry: CollectorRegistry | None = None) -> None:
        self.settings = settings
        self.engine: Engine = build_engine(settings)
        self.registry = registry if registry is not None else CollectorRegistry()
        self.app = self._create_app()
        self.lag = Histogram(
            "cs_event_lag_seconds",
            "Processing time minus occurred_at",
            ["topic"],
            buckets=LAG_BUCKETS,
            registry=self.registry,
        )
        self.replayed = Counter(
            "cspulse_replayed_skipped",
            "Records delivered again after a restart whose effects were already stored",
            ["topic"],
            registry=self.registry,
        )
        self.rebuild_seconds = Gauge(
            "cspulse_rebuild_seconds",
            "Seconds the last rebuild of a table's partition sums from its records took",
            ["table"],
            registry=self.registry,
        )
        info = Gauge(
            "cs_build_info",
            "cspulse build and configuration",
            ["version", "reporting_currency"],
            registry=self.registry,
        )
        info.labels(version=_version(), reporting_currency=settings.reporting_currency).set(1)
        self.registry.register(SumsCollector(self.engine.processors.values(), settings.label_limit))
        self.deadletter_topic = self.app.topic(
            settings.topic_deadletter,
            key_serializer="raw",
            value_serializer="raw",
            partitions=settings.partitions,
        )
        self.serving = ServingStore(settings.redis_url.get_secret_value(), settings.app_id)
        self.serving_errors = Counter(
            "cspulse_serving_errors",
            "Batches whose comments could not be written to Redis",
            registry=self.registry,
        )
        self._producer: AIOKafkaProducer | None = None
        self._producer_lock = asyncio.Lock()
        self.app.on_before_shutdown.connect(self._on_shutdown)
        self.tables: dict[str, FamilyTable] = {}
        self.routes: dict[str, _Route] = {}
        for family, proc in self.engine.processors.items():
            self._wire_family(family, proc)
        self.app.cspulse_sink = self  # type: ignore[attr-defined]  # read by the batching consumer

    def _create_app(self) -> faust.App:
        s = self.settings
        app = faust.App(
            s.app_id,
            broker=s.broker,
            store=s.store,
            datadir=s.data_dir,
            web_bind=s.web_bind,
            web_port=s.web_port,
            web_host=s.web_bind,
            topic_partitions=s.partitions,
            topic_replication_factor=s.replication_factor,
            topic_allow_declare=True,
            table_standby_replicas=0,
            producer_acks=-1,
            consumer_auto_offset_reset="earliest",
            stream_wait_empty=True,
            autodiscover=False,
            # how soon a dead worker's partitions move to the survivors
            broker_session_timeout=s.session_timeout,
            broker_heartbeat_interval=max(1.0, s.session_timeout / 10),
            broker_commit_interval=s.commit_interval,
            # changelog writes come in bursts of one per touched record: batch them
            # at most this many records per fetch, so one batch blocks the loop (and /metrics)
            # for a bounded time: ~0.1 s at 2,000
            broker_max_poll_records=s.batch_size,
            producer_linger=0.005,
            producer_max_batch_size=256 * 1024,  # stays under the 1 MiB fetch size of recovery
        )
        if s.faust_sensor:
            from faust.sensors.prometheus import setup_prometheus_sensors

            setup_prometheus_sensors(app, pattern="/metrics", registry=self.registry, name_prefix="faust")
        else:
            self._serve_metrics(app)
        return app

    async def _changelog_producer(self) -> AIOKafkaProducer:
        """One idempotent producer for every table's changelog, started on first use."""
        async with self._producer_lock:  # every family's agent asks at once on the first batch
            if self._producer is None:
                producer = AIOKafkaProducer(
                    bootstrap_servers=self.settings.bootstrap,
                    acks="all",
                    enable_idempotence=True,
                    linger_ms=5,
                    max_batch_size=256 * 1024,  # well under the consumers' 1 MiB partition fetch
                    client_id=f"{self.settings.app_id}-changelog",
                )
                await producer.start()
                self._producer = producer
        return self._producer

    async def _on_shutdown(self, app: Any, /, *args: Any, signal: Any, **kwargs: Any) -> None:
        # streams have stopped by now (stream_wait_empty): nothing sends after this
        await self._stop_changelog_producer()

    async def _stop_changelog_producer(self) -> None:
        producer, self._producer = self._producer, None
        if producer is not None:
            await producer.stop()  # flushes what is still buffered

    def _serve_metrics(self, app: faust.App) -> None:
        from faust.web import Request, Response, View
        from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

        content_type = CONTENT_TYPE_LATEST.split(";")[0]

        registry = self.registry

        @app.page("/metrics")
        async def metrics(self: View, request: Request) -> Response:
            return self.bytes(generate_latest(registry), content_type=content_type)

    def _wire_family(self, family: str, proc: FamilyProcessor) -> None:
        s = self.settings
        main, rekey = s.family_topics[family], s.rekey_topic(family)
        topic = self.app.topic(
            main, rekey, key_serializer="raw", value_serializer="raw", partitions=s.partitions
        )
        rekey_topic = self.app.topic(
            rekey, key_serializer="raw", value_serializer="raw", partitions=s.partitions
        )
        table = FamilyTable(
            self.app,
            name=f"{family}-state",
            default=None,
            partitions=s.partitions,
            key_type=bytes,
            value_type=bytes,
            beacon=self.app.tables.beacon,
            help=f"cspulse {family} records by customer",
        )
        table.processor = proc
        table.source_topics = frozenset({main, rekey})
        table.rebuild_seconds = self.rebuild_seconds
        self.app.tables.add(table)
        self.tables[family] = table
        store = TableStore(table, self._changelog_producer)

        route = _Route(proc, store, rekey_topic)
        self.routes[main] = self.routes[rekey] = route

        # Records normally reach the engine through the batching consumer
        # (streams/faust_fixes.py); the agent subscribes the topics and is the path for
        # anything sent to it directly (tests, or a consumer without the sink).
        async def agent(stream: faust.StreamT) -> None:
            async for events in stream.take_events(s.batch_size, s.batch_within):  # type: ignore[attr-defined]
                groups: dict[int, list[Any]] = {}
                for event in events:  # per-partition runs, each in its arrival order
                    groups.setdefault(event.message.partition, []).append(event.message)
                await self.handle({route: groups})

        self.app.agent(topic, name=f"cspulse-{family}", concurrency=1)(agent)

    def handles(self, topic: str) -> bool:
        return topic in self.routes

    async def __call__(self, batches: Mapping[TP, Sequence[Any]]) -> None:
        """The batching consumer's sink: one fetch's records, by partition, for every family."""
        work: dict[_Route, dict[int, list[Any]]] = {}
        for tp, records in batches.items():
            work.setdefault(self.routes[tp.topic], {}).setdefault(tp.partition, []).extend(records)
        await self.handle(work)

    async def handle(self, work: Mapping[_Route, Mapping[int, Sequence[Any]]]) -> None:
        """Apply each family's per-partition runs, then write the changelogs, then the rest."""
        now = datetime.now(UTC)
        pending = []
        for route, groups in work.items():
            pending.extend(await self._process(route, groups, now))
        await asyncio.gather(*(route.store.flush() for route in work))
        for fut in pending:
            await fut

    async def _process(self, route: _Route, groups: Mapping[int, Sequence[Any]], now: datetime) -> list[Any]:
        proc, store = route.proc, route.store
        pending = []
        for partition, messages in groups.items():
            # rocksdb reads and writes go to the partition of Faust's "current event"
            current = _Current(messages[0])
            _current_event.set(weakref.ref(current))  # type: ignore[arg-type]
            store.partition = partition
            result = proc.process(partition, messages, store, now)
            for dead in result.deadletters:
                pending.append(await self._send_deadletter(dead))
            for rk in result.rekeys:
                pending.append(
                    await route.rekey_topic.send(
                        key=rk.customer_id.encode(),
                        value=rk.message.value,
                        partition=rk.partition,
                        headers=_headers(rk.message),
                    )
                )
            self._observe(proc.topic, result.applied, now)
            if result.applied and proc.domain.family == "surveys":
                errors = self.serving.errors
                await self.serving.publish(result.applied)
                self.serving_errors.inc(self.serving.errors - errors)
            if result.replayed:
                self.replayed.labels(topic=proc.topic).inc(result.replayed)
        return pending

    async def _send_deadletter(self, dead: Any) -> Any:
        m = dead.message
        headers = [
            *_headers(m),
            ("cs.error.reason", dead.reason.encode()),
            ("cs.error.detail", dead.detail.encode()),
            ("cs.source.topic", m.topic.encode()),
            ("cs.source.partition", str(m.partition).encode()),
            ("cs.source.offset", str(m.offset).encode()),
        ]
        return await self.deadletter_topic.send(key=m.key, value=m.value, headers=headers)

    def _observe(self, topic: str, applied: Iterable[Any], now: datetime) -> None:
        ts = now.timestamp()
        hist = self.lag.labels(topic=topic)
        for event in applied:
            hist.observe(max(0.0, ts - event.occurred_at.timestamp()))


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("cspulse")
    except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "0+unknown"


def create_worker(settings: Settings | None = None) -> Worker:
    return Worker(settings or Settings())
