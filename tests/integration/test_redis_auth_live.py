"""Issue 12, item 6 (Redis): a password and TLS through CSPULSE_REDIS_URL
(`redis://:password@host:port/0`, `rediss://...?ssl_ca_certs=ca.pem`), against real
redis-servers started with `--requirepass` (and `--tls-port`), and the password never
printed: not by the worker, not on a refused write."""

from __future__ import annotations

import asyncio
import logging
import secrets
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.common import free_port
from streams.exposition.wallboard.lists import RedisLists
from streams.settings import load_settings
from streams.worker.serving import ServingStore
from tests.certs import make_ca, make_server_cert
from tests.factories import event, raw
from tests.integration.conftest import produce_raw
from tests.integration.stack import wait_for


class SecuredRedis:
    """A private redis-server (the stack's binary) that wants a password, over TLS if asked."""

    def __init__(self, workdir: Path, tls: bool) -> None:
        self.workdir, self.tls = workdir, tls
        self.port = free_port()
        self.password = secrets.token_hex(12)
        args = ["--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(workdir)]
        args += ["--requirepass", self.password]
        if tls:
            self.ca, _ = ca = make_ca(workdir / "tls", "redis-ca")
            cert, key = make_server_cert(workdir / "tls", ca)
            args += ["--port", "0", "--tls-port", str(self.port), "--tls-cert-file", str(cert)]
            args += [
                "--tls-key-file",
                str(key),
                "--tls-ca-cert-file",
                str(self.ca),
                "--tls-auth-clients",
                "no",
            ]
        else:
            args += ["--port", str(self.port)]
        binary = shutil.which("redis-server")
        assert binary, "redis-server is missing: scripts/install-deps installs it"
        self.proc = subprocess.Popen([binary, *args], stdout=subprocess.DEVNULL)

    def url(self, password: str | None = None) -> str:
        secret = self.password if password is None else password
        if self.tls:
            return f"rediss://:{secret}@127.0.0.1:{self.port}/0?ssl_ca_certs={self.ca}"
        return f"redis://:{secret}@127.0.0.1:{self.port}/0"

    async def comments(self, prefix: str) -> list[dict]:
        """The comments stored under `prefix`, read with the password (and the CA)."""
        store = ServingStore(self.url(), prefix)
        try:
            return await store.recent_comments(limit=1000)
        finally:
            await store.close()

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)


@pytest.fixture(params=["password", "tls+password"])
def redis_server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SecuredRedis]:
    server = SecuredRedis(tmp_path, tls=request.param == "tls+password")
    try:
        wait_for(lambda: asyncio.run(server.comments("ping")) == [], 20, "redis-server to answer")
        yield server
    finally:
        server.stop()


def test_the_worker_writes_comments_with_the_password_and_never_shows_it(
    engine_factory, redis_server
) -> None:
    engine = engine_factory(CSPULSE_REDIS_URL=redis_server.url())
    assert engine.settings.redis_url.get_secret_value() == redis_server.url()
    assert redis_server.password not in repr(engine.settings) + str(engine.settings.model_dump())
    worker = engine.start_worker()
    surveys = [
        raw(event("survey.responded", customer=f"cus_{i}", minutes=i, score=i % 11, comment=f"note {i}"))
        for i in range(20)
    ]
    topic = engine.topic("surveys")
    asyncio.run(produce_raw([(topic, f"cus_{i}".encode(), body, None) for i, body in enumerate(surveys)]))
    def stored() -> bool:
        return len(asyncio.run(redis_server.comments(engine.settings.app_id))) == 20

    wait_for(stored, 90, "20 comments in the password-protected Redis", [worker])

    async def wallboard_reads() -> list[dict]:
        lists = RedisLists(redis_server.url(), engine.settings.app_id, comments=50)
        try:
            return await lists.recent_comments()
        finally:
            await lists.close()

    assert sorted(c["comment"] for c in asyncio.run(wallboard_reads())) == sorted(
        f"note {i}" for i in range(20)
    )
    worker.stop()
    assert redis_server.password not in worker.log.read_text(errors="replace")


def test_a_wrong_password_is_refused_logged_without_it_and_nothing_lost(
    redis_server, caplog: pytest.LogCaptureFixture
) -> None:
    from schemas.events import SurveyEvent

    wrong = "not-" + redis_server.password
    settings = load_settings({"CSPULSE_REDIS_URL": redis_server.url(wrong)})
    survey = SurveyEvent.model_validate(event("survey.responded", customer="c1", score=9, comment="hi"))

    async def attempt(url: str) -> tuple[int, int, int]:
        store = ServingStore(url, "t")
        try:
            return await store.publish([survey]), store.errors, len(store.pending)
        finally:
            await store.close()

    with caplog.at_level(logging.WARNING, logger="cspulse.serving"):
        assert asyncio.run(attempt(settings.redis_url.get_secret_value())) == (0, 1, 1)
    assert "comments wait for Redis" in caplog.text
    assert wrong not in caplog.text and redis_server.password not in caplog.text
    assert asyncio.run(attempt(redis_server.url())) == (1, 0, 0)
    assert [c["comment"] for c in asyncio.run(redis_server.comments("t"))] == ["hi"]
