"""Two corrections to Faust's aiokafka transport, installed by importing this module.

- Producer: acks=all and idempotence for every send (Faust enables them only for
  exactly-once processing), so a retried send is never written twice.
- Consumer: after a rebalance or recovery Faust "seeks stream partitions to committed
  offsets", but aiokafka seeks only partitions whose committed offset is above 0. A
  partition nobody has committed yet (a worker killed within its first commit interval)
  keeps whatever position the fetcher reached while the streams were paused, and the
  records fetched then are dropped with the flow-control queues: they would never be
  read again. Such partitions are rewound to their beginning; records already applied
  are then recognised by the offsets kept in the state and skipped.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from faust.transport.drivers import aiokafka as faust_aiokafka
from faust.types import TP

log = logging.getLogger("cspulse")


class IdempotentProducer(faust_aiokafka.Producer):
    def _settings_extra(self) -> dict[str, Any]:
        return {"acks": "all", "enable_idempotence": True}


class RewindingConsumer(faust_aiokafka.Consumer):
    async def seek_to_committed(self) -> Mapping[TP, int]:
        committed: Mapping[TP, int] = await super().seek_to_committed()
        # only the streams: changelogs are positioned by recovery and never committed
        streams = self.app.topics.acks_enabled_for
        uncommitted = sorted(tp for tp, offset in committed.items() if not offset and streams(tp.topic))
        if uncommitted:
            log.info("rewinding partitions without a committed offset: %s", _names(uncommitted))
            await self._thread.seek_to_beginning(*uncommitted)
        return committed


def _names(tps: list[TP]) -> str:
    by_topic: dict[str, list[int]] = {}
    for tp in tps:
        by_topic.setdefault(tp.topic, []).append(tp.partition)
    return ", ".join(f"{topic}{sorted(parts)}" for topic, parts in sorted(by_topic.items()))


faust_aiokafka.Transport.Producer = IdempotentProducer
faust_aiokafka.Transport.Consumer = RewindingConsumer
