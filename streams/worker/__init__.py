"""The Faust/Kafka adapter around the engine, one job per module.

app          the faust.App factory and `Worker`: topics, tables and agents per family
consumer     the batching consumer and durable producer, installed by `install(app, sink)`
handler      a fetch's records through the processors, then changelogs, then outputs
changelog    a table's store, one per-partition transaction, its changelog sent in bulk
tables       the family table whose partition sums follow rebalances and recoveries
outputs      dead letters, re-keys, and the serving hook of each family
instruments  the worker's Prometheus instruments and the /metrics page
serving      the Redis serving store (recent survey comments)
clients      the one factory for Kafka producers, consumers and admin clients
topics       the engine's topics: listed, created, described
readback     reading a topic back from its beginning (`cspulse report`)

Importing this package imports no Faust: the CLI's producers need only `clients`.
"""
