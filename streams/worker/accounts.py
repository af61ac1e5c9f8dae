"""Writes each customer's health entry to Redis (layout: streams/exposition/accounts.py).

A changed score rewrites the customer's entry, a customer without MRR any more is
removed, and after a rebalance the new owner rewrites its partitions' customers. Each
write carries the joined record's version (how many times the assessment changed) and
a Lua script applies it only if Redis holds no newer one, so a worker that lost the
partition mid-batch can never overwrite what the new owner wrote. Redis being away
never stops processing: the latest entry per customer waits in memory and is written
with the next batch after Redis is back, so Redis ends as an outage-free run leaves it.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Iterable
from typing import Any

import msgspec
import orjson

from streams.engine.joined import Account
from streams.exposition.accounts import account_entry, account_key, band_key, read_accounts, scores_key
from streams.metrics.health import BANDS

log = logging.getLogger("cspulse.serving")
CHUNK = 2000  # accounts per pipeline: ~20 ms of Redis time
_pack = msgspec.msgpack.Encoder().encode

# KEYS: account hash, scores, band sets (BANDS order); ARGV: customer, version, then
# score, band index (1-based), mrr and the hash's field/value pairs as one MessagePack
# array, or nothing (remove). One argument for the pairs, not sixteen: redis-py packs
# every argument in Python, which was most of the cost of a write (7 % of a worker).
# A removal leaves the version alone in the hash for a week, against late stale writers.
WRITE = """
local stored = redis.call('HGET', KEYS[1], 'version')
if stored and tonumber(stored) > tonumber(ARGV[2]) then return 0 end
for i = 3, #KEYS do redis.call('ZREM', KEYS[i], ARGV[1]) end
redis.call('DEL', KEYS[1])
if #ARGV == 2 then
  redis.call('ZREM', KEYS[2], ARGV[1])
  redis.call('HSET', KEYS[1], 'version', ARGV[2])
  redis.call('EXPIRE', KEYS[1], 604800)
  return 1
end
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
redis.call('ZADD', KEYS[2 + tonumber(ARGV[4])], ARGV[5], ARGV[1])
redis.call('HSET', KEYS[1], 'version', ARGV[2], unpack(cmsgpack.unpack(ARGV[6])))
return 1
"""


class AccountStore:
    def __init__(self, client: Any, prefix: str, money_scale: int) -> None:
        self.client = client
        self.prefix = prefix
        self.money_scale = money_scale
        self.errors = 0
        self.pending: dict[str, Account] = {}  # customer -> latest not yet written
        self._writing = False
        self._write = client.register_script(WRITE)

    async def publish(self, accounts: Iterable[Account]) -> int:
        """Write `accounts` after any still pending, a pipeline of `CHUNK` at a time
        with the event loop free in between (after a recovery every customer of the
        partitions is rewritten: 83,760 in one pipeline timed out and held the loop
        for 20 s). While another call is writing, this one only queues: that one
        writes them too, in order. Returns how many this call wrote."""
        pending = self.pending
        for account in accounts:
            waiting = pending.pop(account.customer_id, None)  # keep the order of the latest
            if waiting is not None and waiting.version > account.version:
                account = waiting  # a recovery's rewrite queued after a newer change
            pending[account.customer_id] = account
        if self._writing:
            return 0
        self._writing = True
        try:
            written = 0
            while self.pending:
                batch = list(itertools.islice(self.pending.values(), CHUNK))
                if not await self._write_batch(batch):
                    return written
                written += len(batch)
                if self.pending:
                    await asyncio.sleep(0)
            return written
        finally:
            self._writing = False

    async def _write_batch(self, batch: list[Account]) -> bool:
        try:
            async with self.client.pipeline(transaction=False) as pipe:
                for account in batch:
                    keys, args = self._arguments(account)
                    await self._write(keys=keys, args=args, client=pipe)
                await pipe.execute()
        except Exception as exc:  # Redis down or slow: metrics must go on
            self.errors += 1
            log.warning("serving store: %d account scores wait for Redis: %s", len(self.pending), exc)
            return False
        for account in batch:
            if self.pending.get(account.customer_id) is account:
                del self.pending[account.customer_id]
        return True

    def _arguments(self, account: Account) -> tuple[list[str], list[Any]]:
        customer = account.customer_id
        keys = [account_key(self.prefix, customer), scores_key(self.prefix)]
        keys += [band_key(self.prefix, band) for band in BANDS]
        args: list[Any] = [customer, account.version]
        a = account.assessment
        if a is not None:
            entry = account_entry(customer, account.partition, account.clock, a, self.money_scale)
            fields: list[str] = []
            for name, value in entry.items():
                fields += [name, orjson.dumps(value).decode()]  # str: cmsgpack reads no bin type
            args += [a.score, BANDS.index(a.band) + 1, entry["mrr"], _pack(fields)]
        return keys, args

    async def read(self, bands: tuple[str, ...], limit: int) -> list[dict[str, Any]]:
        return await read_accounts(self.client, self.prefix, bands, limit)
