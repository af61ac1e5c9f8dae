"""The Faust-free engine: decode -> route -> dedupe -> apply, per partition.

- `processor.py`: `FamilyProcessor`, one family's step over a batch of raw records of
  one partition, writing records to a key-value store and the partition's sums.
- `messages.py`: what goes in (raw messages) and comes out (dead letters, re-keys).
- `records.py`: a table record, a customer's state with the engine's bookkeeping.
- `partitioning.py`: Kafka's default partitioner, to place a customer's state.
- `build.py`: the family -> metric domain registry and `build_engine(settings)`.
- `offline.py`: the same processors over files or read-back topics (`cspulse report`).

Nothing here imports Faust or prometheus_client: the worker (`streams.worker`) adapts
Kafka to it, and the exposition renders its sums.
"""
