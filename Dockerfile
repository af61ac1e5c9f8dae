# cspulse worker image: `docker compose build` (see docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Only what the package needs (.dockerignore keeps the rest of the repo out).
COPY pyproject.toml README.md ./
COPY streams ./streams
COPY schemas ./schemas
COPY simulator ./simulator

# The rocksdict extra lets a deployment choose CSPULSE_STORE=rocksdb://.
RUN pip install ".[rocksdict]"

# Never run as root. The data directory holds the table stores.
RUN groupadd --system --gid 10001 cspulse \
    && useradd --system --uid 10001 --gid cspulse --home-dir /var/lib/cspulse \
       --create-home --shell /usr/sbin/nologin cspulse
USER cspulse
WORKDIR /var/lib/cspulse

# In a container the metrics endpoint must listen beyond loopback; the port stays
# private to the container network unless published.
ENV CSPULSE_WEB_BIND=0.0.0.0 \
    CSPULSE_WEB_PORT=6066 \
    CSPULSE_DATA_DIR=/var/lib/cspulse

EXPOSE 6066

CMD ["cspulse", "worker"]
