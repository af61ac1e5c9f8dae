"""Live publishing that rides out a broker restart: `cspulse simulate --rate`.

A send the producer cannot even queue (no leader, the broker away: aiokafka gives up
after its request timeout) is retried after a pause, and a record whose delivery failed
is sent again: live traffic resumes by itself when the broker is back. A record sent
twice is harmless, as the engine drops the second copy by its event_id.
"""

from __future__ import annotations

import asyncio
import sys
from typing import Any

from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError

Record = tuple[str, bytes, bytes | None]  # topic, value, key
CHECK_EVERY = 500  # sends between two looks at the delivery results


class LiveSender:
    def __init__(self, producer: AIOKafkaProducer) -> None:
        self.producer = producer
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
            results = await asyncio.gather(*(fut for fut, _ in batch), return_exceptions=True)
            for (_, record), result in zip(batch, results, strict=True):
                if isinstance(result, KafkaError):
                    self.retried += 1
                    self.inflight.append((await self._queue(record), record))

    async def _queue(self, record: Record) -> asyncio.Future[Any]:
        topic, value, key = record
        while True:
            try:
                fut: asyncio.Future[Any] = await self.producer.send(topic, value, key=key)
            except KafkaError as exc:
                self._say(f"broker unavailable ({type(exc).__name__}); retrying every 2 s")
                await asyncio.sleep(2)
                continue
            if self._down:
                self._down = False
                print("broker back: sending again", file=sys.stderr, flush=True)
            return fut

    def _say(self, text: str) -> None:
        if not self._down:
            self._down = True
            print(text, file=sys.stderr, flush=True)
