"""Writes each customer's health entry to Redis (layout: streams/exposition/accounts.py).

A changed score rewrites the customer's entry, a customer without MRR any more is
removed, and after a rebalance the new owner rewrites its partitions' customers. Redis
being away never stops processing: the latest entry per customer waits in memory and
is written with the next batch after Redis is back, so Redis ends as an outage-free
run leaves it. Each failed write is logged and counted.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

import orjson

from streams.engine.joined import Account
from streams.exposition.accounts import account_entry, account_key, band_key, read_accounts, scores_key
from streams.metrics.health import BANDS

log = logging.getLogger("cspulse.serving")


class AccountStore:
    def __init__(self, client: Any, prefix: str, money_scale: int) -> None:
        self.client = client
        self.prefix = prefix
        self.money_scale = money_scale
        self.errors = 0
        self.pending: dict[str, Account] = {}  # customer -> latest not yet written

    async def publish(self, accounts: Iterable[Account]) -> int:
        """Write `accounts` after any still pending; returns how many were written."""
        for account in accounts:
            self.pending.pop(account.customer_id, None)  # keep the order of the latest
            self.pending[account.customer_id] = account
        if not self.pending:
            return 0
        batch = list(self.pending.values())
        try:
            async with self.client.pipeline(transaction=False) as pipe:
                for account in batch:
                    self._write(pipe, account)
                await pipe.execute()
        except Exception as exc:  # Redis down or slow: metrics must go on
            self.errors += 1
            log.warning("serving store: %d account scores wait for Redis: %s", len(self.pending), exc)
            return 0
        for account in batch:
            if self.pending.get(account.customer_id) is account:
                del self.pending[account.customer_id]
        return len(batch)

    def _write(self, pipe: Any, account: Account) -> None:
        customer = account.customer_id
        key = account_key(self.prefix, customer)
        for band in BANDS:
            pipe.zrem(band_key(self.prefix, band), customer)
        pipe.delete(key)
        a = account.assessment
        if a is None:
            pipe.zrem(scores_key(self.prefix), customer)
            return
        entry = account_entry(customer, account.partition, account.clock, a, self.money_scale)
        pipe.zadd(scores_key(self.prefix), {customer: a.score})
        pipe.zadd(band_key(self.prefix, a.band), {customer: entry["mrr"]})
        pipe.hset(key, mapping={name: _json(value) for name, value in entry.items()})

    async def read(self, bands: tuple[str, ...], limit: int) -> list[dict[str, Any]]:
        return await read_accounts(self.client, self.prefix, bands, limit)


def _json(value: Any) -> bytes:
    return orjson.dumps(value)
