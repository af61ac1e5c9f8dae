"""What security costs: the connection check, producing and reading back through the local
broker's PLAINTEXT and SASL_SSL (TLS + SCRAM-SHA-512) listeners, and a basic-auth check.

    python -m bench.security [--events N] [--repeat R]

Needs the stack (scripts/stack start): the SASL_SSL listener's settings are read from
.stack/kafka/sasl.env. Every client is made by streams.worker.clients, as the worker's
and the CLI's are. Prints one JSON object; the README's Guarantees section quotes it.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import statistics
import time
import uuid

import bcrypt
from aiokafka.admin import NewTopic

from bench.common import BOOTSTRAP
from bench.workload import Workload
from streams.settings import Settings, load_settings
from streams.webconfig import WebConfig
from streams.worker import clients
from tests.integration.secured import sasl_env


async def _probe(settings: Settings, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        assert await clients.broker_problem(settings) is None
        times.append(time.perf_counter() - started)
    return statistics.median(times)


async def _produce_and_read(settings: Settings, records: list[tuple[bytes, bytes]]) -> dict[str, float]:
    topic = f"bench.security.{uuid.uuid4().hex[:8]}"
    async with clients.admin(settings) as admin:
        await admin.create_topics([NewTopic(topic, 4, 1)])
    try:
        prod = clients.producer(settings)
        await prod.start()
        started = time.perf_counter()
        try:
            for key, value in records:
                await prod.send(topic, value, key=key)
            await prod.flush()
        finally:
            await prod.stop()
        produced = time.perf_counter() - started
        cons = clients.consumer(settings, topic, group_id=None)
        await cons.start()
        started, seen = time.perf_counter(), 0
        try:
            while seen < len(records):
                seen += sum(len(r) for r in (await cons.getmany(timeout_ms=1000)).values())
        finally:
            await cons.stop()
        read = time.perf_counter() - started
    finally:
        async with clients.admin(settings) as admin:
            await admin.delete_topics([topic])
    return {"produce_events_per_s": len(records) / produced, "read_events_per_s": len(records) / read}


def _basic_auth(rounds: int) -> dict[str, float]:
    hashed = bcrypt.hashpw(b"secret", bcrypt.gensalt(rounds=rounds))
    config = WebConfig(users={"prometheus": hashed})
    header = "Basic " + base64.b64encode(b"prometheus:secret").decode()
    started = time.perf_counter()
    assert config.authorized(header)
    first = time.perf_counter() - started
    started = time.perf_counter()
    for _ in range(1000):
        assert config.authorized(header)
    return {"first_check_ms": first * 1000, "remembered_check_us": (time.perf_counter() - started) * 1000}


async def main(events: int, repeat: int) -> dict[str, object]:
    records = [(key, value) for _, key, value in Workload(events, customers=2000).records()]
    listeners = {
        "PLAINTEXT": load_settings({"CSPULSE_BROKER": f"kafka://{BOOTSTRAP}"}),
        "SASL_SSL": load_settings(sasl_env()),
    }
    out: dict[str, object] = {"events": events, "repeat": repeat}
    for name, settings in listeners.items():
        runs = [await _produce_and_read(settings, records) for _ in range(repeat)]
        out[name] = {
            "connection_check_ms": 1000 * await _probe(settings, 5),
            **{k: statistics.median(r[k] for r in runs) for k in runs[0]},
        }
    out["basic_auth"] = {f"bcrypt_cost_{r}": _basic_auth(r) for r in (10, 12)}
    return out


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(main(args.events, args.repeat)), indent=2))
