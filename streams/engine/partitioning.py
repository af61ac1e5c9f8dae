"""The partition a customer's events belong to: Kafka's default (murmur2) partitioner.

Java clients, aiokafka and Faust all place a keyed record with murmur2; kcat and
librdkafka default to crc32 unless told `-X partitioner=murmur2_random`. Whatever
partitioner a producer used, the worker processes each event on the partition this
function names, re-publishing it there if it arrived elsewhere.
"""

from __future__ import annotations

from functools import lru_cache

from aiokafka.partitioner import murmur2


# murmur2 is pure Python (~8 us); customers recur, so remember recent answers.
@lru_cache(maxsize=1 << 18)
def partition_for(customer_id: str, partitions: int) -> int:
    return (murmur2(customer_id.encode()) & 0x7FFFFFFF) % partitions
