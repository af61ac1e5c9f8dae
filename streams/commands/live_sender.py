"""Live publishing that rides out a broker restart: `cspulse simulate --rate`.

A send the producer cannot queue (no leader, the broker away) is retried after a pause,
a record whose delivery failed is sent again, and when deliveries stall for longer than
`STALL_S` (aiokafka's idempotent producer can hang after a broker restart) the producer
is replaced and everything not yet acknowledged is sent again. A record sent twice is
harmless: the engine drops the second copy by its event_id.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import Awaitable, Callable
from typing import Any

from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError

Record = tuple[str, bytes, bytes | None]  # topic, value, key
CHECK_EVERY = 500  # sends between two looks at the delivery results
STALL_S = 20.0


class LiveSender:
    def __init__(self, producer: AIOKafkaProducer, fresh: Callable[[], Awaitable[AIOKafkaProducer]]) -> None:
        self.producer = producer
        self.fresh = fresh  # a new started producer, when this one is stuck
        self.inflight: list[tuple[asyncio.Future[Any], Record]] = []
        self.retried = 0
        self._down = False

    async def send(self, topic: str, value: bytes, key: bytes | None) -> None:
        record = (topic, value, key)
        self.inflight.append((await self._queue(record), record))
        if len(self.inflight) >= CHECK_EVERY:
            await self.settle()

    async def settle(self) -> None:
        """Wait for what is in flight; send again whatever failed, until nothing has."""
        while self.inflight:
            batch, self.inflight = self.inflight, []
            futures = [fut for fut, _ in batch]
            try:
                results = await asyncio.wait_for(asyncio.gather(*futures, return_exceptions=True), STALL_S)
            except TimeoutError:
                await self._replace()
                results = [KafkaError("stalled")] * len(batch)
            for (_, record), result in zip(batch, results, strict=True):
                if isinstance(result, KafkaError):
                    self.retried += 1
                    self.inflight.append((await self._queue(record), record))

    async def _queue(self, record: Record) -> asyncio.Future[Any]:
        topic, value, key = record
        while True:
            try:
                fut: asyncio.Future[Any] = await asyncio.wait_for(
                    self.producer.send(topic, value, key=key), STALL_S
                )
            except (KafkaError, TimeoutError) as exc:
                self._say(f"broker unavailable ({type(exc).__name__}); retrying")
                await asyncio.sleep(2)
                if isinstance(exc, TimeoutError):
                    await self._replace()
                continue
            if self._down:
                self._down = False
                print("broker back: sending again", file=sys.stderr, flush=True)
            return fut

    async def _replace(self) -> None:
        old = self.producer
        self.producer = await self.fresh()
        asyncio.get_running_loop().create_task(_stop_quietly(old))

    def _say(self, text: str) -> None:
        if not self._down:
            self._down = True
            print(text, file=sys.stderr, flush=True)


async def _stop_quietly(producer: AIOKafkaProducer) -> None:
    # a stuck producer: its records are being sent again by the new one
    with contextlib.suppress(Exception):
        await asyncio.wait_for(producer.stop(), 30)
