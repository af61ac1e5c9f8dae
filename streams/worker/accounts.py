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
CHUNK = 2000  # accounts per call: ~20 ms of Redis time
_pack = msgspec.msgpack.Encoder().encode

# One call per chunk of accounts. KEYS: scores, the band sets (BANDS order), then each
# account's hash; ARGV[1]: the accounts as one MessagePack array, each [customer, version]
# (a removal) or [customer, version, score, band index (1-based), MRR, the hash's
# field/value pairs]. redis-py packs every argument and parses every reply in Python:
# one command per account was 8 % of a worker. Versions and MRR go as the strings
# redis-py sent for them when they were arguments of their own.
# A removal leaves the version alone in the hash for a week, against late stale writers.
WRITE = (
    f"local bands = {len(BANDS)}\n"
    + """
local written = 0
for i, a in ipairs(cmsgpack.unpack(ARGV[1])) do
  local hash, customer, version = KEYS[1 + bands + i], a[1], a[2]
  local stored = redis.call('HGET', hash, 'version')
  if not (stored and tonumber(stored) > tonumber(version)) then
    for b = 2, 1 + bands do redis.call('ZREM', KEYS[b], customer) end
    redis.call('DEL', hash)
    if #a == 2 then
      redis.call('ZREM', KEYS[1], customer)
      redis.call('HSET', hash, 'version', version)
      redis.call('EXPIRE', hash, 604800)
    else
      redis.call('ZADD', KEYS[1], a[3], customer)
      redis.call('ZADD', KEYS[1 + a[4]], a[5], customer)
      redis.call('HSET', hash, 'version', version, unpack(a[6]))
    end
    written = written + 1
  end
end
return written
"""
)


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
        """Write `accounts` after any still pending, one call of `CHUNK` at a time
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
        keys = [scores_key(self.prefix), *(band_key(self.prefix, band) for band in BANDS)]
        keys += [account_key(self.prefix, account.customer_id) for account in batch]
        try:
            await self._write(keys=keys, args=[_pack([self._argument(a) for a in batch])])
        except Exception as exc:  # Redis down or slow: metrics must go on
            self.errors += 1
            log.warning("serving store: %d account scores wait for Redis: %s", len(self.pending), exc)
            return False
        for account in batch:
            if self.pending.get(account.customer_id) is account:
                del self.pending[account.customer_id]
        return True

    def _argument(self, account: Account) -> list[Any]:
        """One account's entry in WRITE's array (strings, never bytes: cmsgpack reads no bin)."""
        customer = account.customer_id
        out: list[Any] = [customer, str(account.version)]
        a = account.assessment
        if a is not None:
            entry = account_entry(customer, account.partition, account.clock, a, self.money_scale)
            fields: list[str] = []
            for name, value in entry.items():
                fields += [name, orjson.dumps(value).decode()]
            out += [a.score, BANDS.index(a.band) + 1, repr(entry["mrr"]), fields]
        return out

    async def read(self, bands: tuple[str, ...], limit: int) -> list[dict[str, Any]]:
        return await read_accounts(self.client, self.prefix, bands, limit)
