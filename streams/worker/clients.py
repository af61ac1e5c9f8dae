"""The one place Kafka clients are made: every producer, consumer and admin client.

The producer settings are written here once and shared by the worker's changelog
producer, Faust's own producer (dead letters, re-keys; see `consumer.IdempotentProducer`),
`cspulse produce`, `cspulse simulate` and the benchmarks' clients. So is the connection's
security (TLS, SASL; `CSPULSE_KAFKA_*`): `security` for aiokafka clients, `credentials`
for the Faust app, and `broker_problem`, which tells in one line why a broker refuses us.
"""

from __future__ import annotations

import asyncio
import ssl
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka import errors as kafka_errors
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.conn import create_conn
from aiokafka.protocol.metadata import MetadataRequest

from streams.settings import Settings

if TYPE_CHECKING:
    from faust.types.auth import CredentialsT

# durable: acks from all in-sync replicas, and a retried send is never written twice
DURABLE: Final[dict[str, Any]] = {"acks": "all", "enable_idempotence": True}
# A record the broker accepted (up to its ~1 MiB default) plus the dead-letter headers
# must still be sendable: the producers and the dead-letter topic allow twice that.
MAX_RECORD_BYTES: Final = 2 * 1024 * 1024
PRODUCER: Final[dict[str, Any]] = {
    **DURABLE,
    "linger_ms": 5,
    "max_batch_size": 256 * 1024,  # well under the consumers' 1 MiB partition fetch (recovery)
    "max_request_size": MAX_RECORD_BYTES,
}
CONSUMER: Final[dict[str, Any]] = {"enable_auto_commit": False, "auto_offset_reset": "earliest"}


PROBE_TIMEOUT: Final = 15.0  # seconds for one broker to answer `broker_problem`


def ssl_context(settings: Settings) -> ssl.SSLContext | None:
    """The client side of TLS (the system's CAs, or only CSPULSE_KAFKA_SSL_CAFILE's), or None."""
    if settings.kafka_security_protocol not in ("SSL", "SASL_SSL"):
        return None
    return ssl.create_default_context(cafile=settings.kafka_ssl_cafile or None)


def security(settings: Settings) -> dict[str, Any]:
    """aiokafka's keyword arguments for the configured protocol and credentials."""
    out: dict[str, Any] = {"security_protocol": settings.kafka_security_protocol}
    context = ssl_context(settings)
    if context is not None:
        out["ssl_context"] = context
    if settings.kafka_security_protocol.startswith("SASL_"):
        out["sasl_mechanism"] = settings.kafka_sasl_mechanism
        out["sasl_plain_username"] = settings.kafka_sasl_username
        out["sasl_plain_password"] = settings.kafka_sasl_password.get_secret_value()
    return out


def credentials(settings: Settings) -> CredentialsT | None:
    """The same, as the Faust app's `broker_credentials` (its consumer, producer, admin)."""
    from faust.auth import SASLCredentials, SSLCredentials  # the worker's: faust is slow to import

    context = ssl_context(settings)
    if settings.kafka_security_protocol.startswith("SASL_"):
        return SASLCredentials(
            username=settings.kafka_sasl_username,
            password=settings.kafka_sasl_password.get_secret_value(),
            ssl_context=context,
            mechanism=settings.kafka_sasl_mechanism,
        )
    return SSLCredentials(context) if context is not None else None


@dataclass(frozen=True)
class BrokerProblem:
    """Why no broker took our connection: `refused` when one answered and said no (the
    credentials, the certificate, the protocol), which retrying cannot mend and which is
    told first; else it was unreachable (down, starting, a wrong address)."""

    message: str
    refused: bool

    def __str__(self) -> str:
        return self.message


async def broker_problem(settings: Settings) -> BrokerProblem | None:
    """None once a bootstrap broker accepts a connection (TLS and SASL included) with these
    settings; else one line saying why not (a refusal first), naming the setting to fix."""
    problems = [BrokerProblem("CSPULSE_BROKER names no broker", refused=True)]
    for address in settings.bootstrap.split(","):
        host, _, port = address.strip().rpartition(":")
        try:
            timeout_ms = int(PROBE_TIMEOUT * 1000)
            connecting = create_conn(host, int(port), request_timeout_ms=timeout_ms, **security(settings))
            conn = await asyncio.wait_for(connecting, PROBE_TIMEOUT)
        except Exception as exc:
            problems.append(_describe(exc, address, settings))
            continue
        try:  # one request: a listener that wants SASL answers nothing before it
            await asyncio.wait_for(conn.send(MetadataRequest([])), PROBE_TIMEOUT)
        except Exception as exc:
            problems.append(_describe(exc, address, settings))
            continue
        finally:
            conn.close()
        return None
    return max(problems[1:] or problems, key=lambda p: p.refused)


def _describe(exc: BaseException, address: str, settings: Settings) -> BrokerProblem:
    refused = _refusal(exc, address, settings)
    if refused is not None:
        return BrokerProblem(refused, refused=True)
    if isinstance(exc, TimeoutError):
        reason = f"no answer within {PROBE_TIMEOUT:g} s"
    else:
        reason = str(exc) or type(exc).__name__
    return BrokerProblem(f"cannot reach the broker at {address}: {reason}", refused=False)


def _refusal(exc: BaseException, address: str, settings: Settings) -> str | None:
    if isinstance(exc, ssl.SSLCertVerificationError):
        return (
            f"the TLS certificate of the broker at {address} is not trusted ({exc.verify_message}); "
            "set CSPULSE_KAFKA_SSL_CAFILE to the CA that signed it"
        )
    if isinstance(exc, ssl.SSLError):
        return (
            f"TLS with the broker at {address} failed ({exc.reason or exc}); "
            "does CSPULSE_KAFKA_SECURITY_PROTOCOL match that listener?"
        )
    if isinstance(exc, kafka_errors.SaslAuthenticationFailed | kafka_errors.AuthenticationFailedError):
        return (
            f"the broker at {address} rejected the {settings.kafka_sasl_mechanism} credentials of user "
            f"{settings.kafka_sasl_username!r} (CSPULSE_KAFKA_SASL_USERNAME, CSPULSE_KAFKA_SASL_PASSWORD)"
        )
    if isinstance(exc, kafka_errors.UnsupportedSaslMechanismError):
        return (
            f"the broker at {address} does not offer SASL mechanism {settings.kafka_sasl_mechanism} "
            "(CSPULSE_KAFKA_SASL_MECHANISM)"
        )
    closed = isinstance(exc, kafka_errors.KafkaConnectionError) and "closed" in str(exc)
    if closed or isinstance(exc, ConnectionResetError):
        return (
            f"the broker at {address} closed the connection; does CSPULSE_KAFKA_SECURITY_PROTOCOL="
            f"{settings.kafka_security_protocol} match that listener?"
        )
    return None


def producer(settings: Settings, **overrides: Any) -> AIOKafkaProducer:
    """A producer with the settings above; `overrides` only where a caller must differ."""
    return AIOKafkaProducer(
        bootstrap_servers=settings.bootstrap, **security(settings), **{**PRODUCER, **overrides}
    )


def broker_refused(settings: Settings, command: str) -> bool:
    """Connect once before a command starts; True after telling the user in one line why not."""
    problem = asyncio.run(broker_problem(settings))
    if problem is not None:
        print(f"cspulse {command}: {problem}", file=sys.stderr)
    return problem is not None


async def started_producer(settings: Settings, command: str) -> AIOKafkaProducer | None:
    """A started producer, or None after telling the user in one line why there is none."""
    problem = await broker_problem(settings)
    if problem is None:
        prod = producer(settings)
        try:
            await prod.start()
            return prod
        except Exception as exc:
            problem = BrokerProblem(f"cannot reach the broker at {settings.bootstrap}: {exc}", refused=False)
            await prod.stop()
    print(f"cspulse {command}: {problem}", file=sys.stderr)
    return None


def consumer(settings: Settings, *topics: str, **overrides: Any) -> AIOKafkaConsumer:
    """A consumer that reads from the beginning and never commits on its own."""
    return AIOKafkaConsumer(
        *topics, bootstrap_servers=settings.bootstrap, **security(settings), **{**CONSUMER, **overrides}
    )


@asynccontextmanager
async def admin(settings: Settings) -> AsyncIterator[AIOKafkaAdminClient]:
    """A started admin client, closed on the way out."""
    client = AIOKafkaAdminClient(bootstrap_servers=settings.bootstrap, **security(settings))
    await client.start()
    try:
        yield client
    finally:
        await client.close()
