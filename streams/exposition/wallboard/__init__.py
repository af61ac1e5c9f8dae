"""The wallboard: a no-build web page of the headline KPIs, pushed live over SSE.

kpis      what is shown: each KPI's PromQL, unit, colour bands (pure)
prom      a small Prometheus HTTP API client
lists     survey comments from the Redis serving store
at_risk   accounts at risk from Redis (the workers' health scores)
snapshot  one consistent snapshot: values, freshness, stale data, unreachable sources
server    the aiohttp app: /, /static/*, /api/kpis, /api/events (SSE), /api/accounts
"""
