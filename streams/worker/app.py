"""The Faust app: one thin agent and one changelog-backed table per topic family.

Agents only adapt Kafka to `FamilyProcessor`: records reach `BatchHandler` (from the
batching consumer, or an agent's own batches), which hands each partition's run of
raw records to the processor, writes the touched records to the table (one changelog
message each) and sends dead letters and re-keyed records.
"""

from __future__ import annotations

from typing import Any

import faust
from prometheus_client import CollectorRegistry

from streams.engine.build import Engine, build_engine, fx_table
from streams.engine.joined import HealthProcessor
from streams.engine.processor import FamilyProcessor
from streams.exposition.label_registry import admit
from streams.metrics.readout import LabelFolder
from streams.settings import Settings
from streams.webconfig import WebConfig, auth_middleware, load_web_config
from streams.worker import clients, consumer
from streams.worker.accounts import AccountStore
from streams.worker.api import serve_accounts
from streams.worker.changelog import ChangelogProducer, ChangelogWriter
from streams.worker.handler import BatchHandler, Joined, Route
from streams.worker.instruments import Instruments, serve_metrics
from streams.worker.outputs import Outputs, serving_hooks
from streams.worker.serving import ServingStore
from streams.worker.stores import ChangelogReader
from streams.worker.tables import FamilyTable, HealthTable, PromptTableManager
from streams.worker.topics import DEADLETTER_CONFIG


def create_app(settings: Settings) -> faust.App:
    s = settings
    web = load_web_config(s.web_config_file) if s.web_config_file else WebConfig()
    app = faust.App(
        s.app_id,
        broker=s.broker,
        broker_credentials=clients.credentials(s),
        store=s.store,
        datadir=s.data_dir,
        web_bind=s.web_bind,
        web_port=s.web_port,
        web_host=s.web_bind,
        web_ssl_context=web.ssl_context(),
        # Faust's /table pages read table values (customer state) over HTTP, /router says
        # which worker holds a key: the worker serves /metrics and nothing of the kind
        web_tables_enabled=False,
        web_router_enabled=False,
        topic_partitions=s.partitions,
        topic_replication_factor=s.replication_factor,
        topic_allow_declare=True,
        table_standby_replicas=0,
        # the producer's settings are clients.PRODUCER (see consumer.IdempotentProducer)
        consumer_auto_offset_reset="earliest",
        stream_wait_empty=True,
        autodiscover=False,
        # how soon a dead worker's partitions move to the survivors
        broker_session_timeout=s.session_timeout,
        broker_heartbeat_interval=max(1.0, s.session_timeout / 10),
        broker_commit_interval=s.commit_interval,
        # at most this many records per fetch, so one batch blocks the loop (and /metrics)
        # for a bounded time: ~0.1 s at 2,000
        broker_max_poll_records=s.batch_size,
        TableManager=PromptTableManager,
    )
    if web.users:  # every page of the app's web server, /metrics and Faust's own
        app.web.web_app.middlewares.append(auth_middleware(web))  # type: ignore[attr-defined]
    return app


class Worker:
    """Wires an Engine into a Faust app."""

    def __init__(self, settings: Settings, registry: CollectorRegistry | None = None) -> None:
        self.settings = settings
        self.engine: Engine = build_engine(settings)
        self.registry = registry if registry is not None else CollectorRegistry()
        self.app = create_app(settings)
        # free-text label values fold the same way on every worker: a registry in Redis decides
        self.labels = LabelFolder(settings.label_limit, shared=True)
        serve_metrics(self.app, self.registry, settings.faust_sensor, self._settle_labels)
        self.instruments = Instruments(self.registry, settings, self.engine.exposed, self.labels)
        deadletter_topic = self.app.topic(
            settings.topic_deadletter,
            key_serializer="raw",
            value_serializer="raw",
            partitions=settings.partitions,
            config=DEADLETTER_CONFIG,  # when the worker declares it
        )
        self.serving = ServingStore(settings.redis_url.get_secret_value(), settings.app_id)
        hooks = serving_hooks(self.serving, self.instruments.serving_errors)
        self.account_store = AccountStore(
            self.serving.client, settings.app_id, fx_table(settings).money_scale
        )
        serve_accounts(self.app, self.account_store)
        self.outputs = Outputs(deadletter_topic, hooks, self.account_store, self.instruments.serving_errors)
        self.handler = BatchHandler(self.outputs, self.instruments)
        consumer.install(self.app, self.handler)
        self.changelog_producer = ChangelogProducer(settings, f"{settings.app_id}-changelog")
        self.changelog_reader = ChangelogReader(settings)
        self.app.on_before_shutdown.connect(self._on_shutdown)
        self.app.timer(interval=5.0)(self._retry_serving)
        self.tables: dict[str, FamilyTable] = {}
        for family, proc in self.engine.processors.items():
            self._wire_family(family, proc)
        if self.engine.health is not None:
            self._wire_health(self.engine.health)

    async def _settle_labels(self) -> bool:
        if not self.labels.unknown:
            return False
        return await admit(self.serving.client, self.settings.app_id, self.labels)

    async def _retry_serving(self) -> None:
        """Writes that wait for Redis go with the next batch, or here when none comes.

        The label registry is re-read too, so a registry emptied by hand is refilled by what
        the workers hold."""
        await admit(self.serving.client, self.settings.app_id, self.labels, refresh=True)
        if self.serving.pending:
            await self.outputs.hooks["surveys"]([])
        if self.account_store.pending:
            await self.outputs.accounts([])

    async def _on_shutdown(self, app: Any, /, *args: Any, signal: Any, **kwargs: Any) -> None:
        # streams have stopped by now (stream_wait_empty): nothing sends after this
        await self.changelog_producer.stop()
        await self.changelog_reader.close()

    def _wire_health(self, health: HealthProcessor) -> None:
        """The joined table: partitioned like every family topic, so co-assigned with them."""
        s = self.settings
        table = HealthTable(
            self.app,
            name="health-state",
            default=None,
            partitions=s.partitions,
            key_type=bytes,
            value_type=bytes,
            beacon=self.app.tables.beacon,
            help="cspulse health inputs by customer",
        )
        table.changelog_reader = self.changelog_reader
        table.processor = health
        table.source_topics = frozenset(
            topic
            for family in self.engine.processors
            for topic in (s.family_topics[family], s.rekey_topic(family))
        )
        table.instruments = self.instruments
        table.publish = self.outputs.accounts  # type: ignore[method-assign,assignment]
        self.app.tables.add(table)
        self.health_table = table
        families = list(self.engine.processors.values())
        table.writer = ChangelogWriter(table, self.changelog_producer)
        self.handler.joined = Joined(health, table.writer, families)

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
        table.changelog_reader = self.changelog_reader
        table.processor = proc
        table.source_topics = frozenset({main, rekey})
        table.instruments = self.instruments
        self.app.tables.add(table)
        self.tables[family] = table
        table.writer = ChangelogWriter(table, self.changelog_producer)
        route = Route(proc, table.writer, rekey_topic)
        self.handler.routes[main] = self.handler.routes[rekey] = route
        handle = self.handler.handle

        # Records normally reach the handler through the batching consumer
        # (consumer.py); the agent subscribes the topics and is the path for
        # anything sent to it directly (tests).
        async def agent(stream: faust.StreamT) -> None:
            async for events in stream.take_events(s.batch_size, s.batch_within):  # type: ignore[attr-defined]
                groups: dict[int, list[Any]] = {}
                for event in events:  # per-partition runs, each in its arrival order
                    groups.setdefault(event.message.partition, []).append(event.message)
                await handle({route: groups})

        self.app.agent(topic, name=f"cspulse-{family}", concurrency=1)(agent)


def create_worker(settings: Settings | None = None) -> Worker:
    return Worker(settings or Settings())
