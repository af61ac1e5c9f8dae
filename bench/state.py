"""Table state for N customers, written straight into the changelog topics.

Processing a million customers' events through a worker takes too long for a
benchmark, so the records are built by the engine itself: the simulator's mix
(`EVENTS_PER_CUSTOMER` events per customer over 30 days) runs through `OfflineRun`,
and each resulting customer's records (one per family it has events in) are cloned
under new customer ids onto the partition each id belongs to. A worker started on
those changelogs restores exactly what it would hold after processing the events.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import orjson

from bench.common import Isolated, create_compacted
from bench.progress import Bar
from bench.workload import BatchSender, Workload, producer
from streams.engine.build import METRIC_FAMILIES
from streams.engine.offline import OfflineRun
from streams.engine.partitioning import partition_for
from streams.engine.records import CUSTOMER_PREFIX, dumps, loads
from streams.settings import load_settings

EVENTS_PER_CUSTOMER = 10
TEMPLATE_SEED = 5
TICKETS_PER_CUSTOMER = 10  # open tickets are spread over customers, 10 each
# Topic names the template's records refer to; never those a worker reads.
TEMPLATE_ENV = {f"CSPULSE_TOPIC_{f.upper()}": f"bench-template.cs.{f}" for f in METRIC_FAMILIES}

Bundle = list[tuple[str, bytes, int]]  # (family, record value, events counted in it)


def _counted(value: bytes) -> int:
    """Events a family record counts (a joined health record counts none)."""
    return int(sum(loads(value).get("n", ())))


def _bundles(run: OfflineRun) -> list[Bundle]:
    by_customer: dict[bytes, Bundle] = {}
    for family, store in run.stores.items():
        for key, value in store.items():
            if key.startswith(CUSTOMER_PREFIX):
                by_customer.setdefault(key, []).append((family, value, _counted(value)))
    return [by_customer[k] for k in sorted(by_customer)]


@functools.cache
def customer_template(customers: int) -> list[Bundle]:
    """Records of `customers` simulated customers after a month of their events
    (those who had any: a few of the population may have none)."""
    run = OfflineRun(load_settings(TEMPLATE_ENV))
    wl = Workload(customers * EVENTS_PER_CUSTOMER, customers, seed=TEMPLATE_SEED)
    run.feed_lines(value for _, _, value in wl.records())
    return _bundles(run)


def open_ticket_template(tickets: int) -> list[Bundle]:
    """Customers with `TICKETS_PER_CUSTOMER` open tickets each (created, not answered)."""
    run = OfflineRun(load_settings(TEMPLATE_ENV))
    now = datetime.now(UTC) - timedelta(hours=1)
    channels, priorities = ("email", "chat", "web", "phone"), ("low", "normal", "high", "urgent")

    def events() -> Iterator[bytes]:
        for i in range(tickets):
            customer = f"cus_t{i // TICKETS_PER_CUSTOMER:07d}"
            yield orjson.dumps(
                {
                    "event_id": f"tkt-open-{i}",
                    "type": "ticket.created",
                    "occurred_at": now + timedelta(milliseconds=i),
                    "customer_id": customer,
                    "ticket_id": f"tkt_{i:08d}",
                    "channel": channels[i % 4],
                    "priority": priorities[(i // 4) % 4],
                    "team": "support",
                },
                option=orjson.OPT_UTC_Z,
            )

    run.feed_lines(events())
    return _bundles(run)


@dataclass(frozen=True)
class Written:
    customers: int
    records: int
    bytes: int
    events_counted: int  # sum of cs_events_total once restored
    seconds: float


def _with_partition(value: bytes, partition: int) -> bytes:
    return dumps({**loads(value), "p": partition})  # every record kind keeps its partition in "p"


async def write_changelogs(iso: Isolated, template: list[Bundle], customers: int, label: str) -> Written:
    """Write `customers` clones of the template's customers into iso's changelogs."""
    partitions = iso.settings.partitions
    tables = [*METRIC_FAMILIES, "health"]  # the joined step's table too
    await create_compacted([iso.changelog(f) for f in tables], partitions)
    topics = {f: iso.changelog(f) for f in tables}
    prod = producer()
    await prod.start()
    started = time.monotonic()
    records = size = counted = 0
    try:
        sender = BatchSender(prod, partitions)
        with Bar(label, customers) as bar:
            for i in range(customers):
                customer = f"bench-c{i:08d}"
                partition = partition_for(customer, partitions)
                key = CUSTOMER_PREFIX + customer.encode()
                for family, value, n in template[i % len(template)]:
                    value = _with_partition(value, partition)
                    await sender.add(topics[family], key, value, partition)
                    records += 1
                    size += len(value)
                    counted += n
                if i % 10_000 == 0:
                    bar.update(i)
            await sender.flush()
    finally:
        await prod.stop()
    return Written(customers, records, size, counted, time.monotonic() - started)
