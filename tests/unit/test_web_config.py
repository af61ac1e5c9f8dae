"""CSPULSE_WEB_CONFIG_FILE: Prometheus' web.config.file format, parsed and enforced.

Basic auth is checked on a real aiohttp server (the wallboard's app), TLS with a
certificate made by openssl for the test; the live worker and a real Prometheus
scraping through both are in tests/integration/test_web_security_live.py.
"""

from __future__ import annotations

import asyncio
import base64
import re
import ssl
from pathlib import Path

import bcrypt
import pytest
from aiohttp import ClientSession, web
from aiohttp.test_utils import TestClient, TestServer

from bench.common import free_port
from streams.cli import main
from streams.exposition.wallboard.server import make_app
from streams.settings import load_settings
from streams.webconfig import WebConfig, auth_middleware, load_web_config
from tests.certs import make_ca, make_server_cert

PASSWORD = "correct horse battery staple"


def _hash(password: str = PASSWORD) -> str:
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=4)).decode()


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "web.yml"
    path.write_text(text)
    return path


def test_users_and_tls_parsed_relative_to_the_file(tmp_path: Path) -> None:
    ca = make_ca(tmp_path / "tls", "ca")
    make_server_cert(tmp_path / "tls", ca)
    hashed = _hash()
    path = _write(
        tmp_path,
        f"tls_server_config:\n  cert_file: tls/server.pem\n  key_file: tls/server.key\n"
        f"basic_auth_users:\n  prometheus: '{hashed}'\n",
    )
    config = load_web_config(path)
    assert config.tls and config.cert_file == tmp_path / "tls" / "server.pem"
    assert isinstance(config.ssl_context(), ssl.SSLContext)
    assert config.authorized(_basic("prometheus", PASSWORD))
    assert config.authorized(_basic("prometheus", PASSWORD))  # remembered, still right
    for header in (
        None,
        "",
        _basic("prometheus", PASSWORD + "x"),
        _basic("someone", PASSWORD),
        "Basic not-base64!",
        "Basic " + base64.b64encode(b"no-colon").decode(),
        "Bearer " + PASSWORD,
    ):
        assert not config.authorized(header), header
    assert WebConfig().authorized(None)  # no users: no auth
    assert WebConfig().ssl_context() is None


def test_htpasswd_style_2y_hashes_are_accepted(tmp_path: Path) -> None:
    hashed = "$2y$" + _hash()[4:]  # what `htpasswd -B` writes
    config = load_web_config(_write(tmp_path, f"basic_auth_users:\n  tv: '{hashed}'\n"))
    assert config.authorized(_basic("tv", PASSWORD))


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("tls_server_config: [\n", "not valid YAML"),
        ("- a\n- b\n", "expected a mapping"),
        ("http_server_config:\n  http2: false\n", "not supported by cspulse: http_server_config"),
        ("tls_server_config:\n  cert_file: a.pem\n", "needs exactly cert_file and key_file"),
        (
            "tls_server_config:\n  cert_file: a.pem\n  key_file: a.key\n  client_auth_type: Verify\n",
            "not supported: client_auth_type",
        ),
        (
            "tls_server_config:\n  cert_file: missing.pem\n  key_file: missing.key\n",
            "cannot load cert_file/key_file",
        ),
        ("basic_auth_users:\n  tv: hunter2\n", "basic_auth_users[tv] is not a bcrypt hash"),
        ("basic_auth_users: []\n", "must map user names to bcrypt hashes"),
    ],
)
def test_an_invalid_file_says_what_is_wrong(tmp_path: Path, text: str, says: str) -> None:
    with pytest.raises(ValueError, match=re.escape(says)) as info:
        load_web_config(_write(tmp_path, text))
    assert "hunter2" not in str(info.value)


def test_an_invalid_file_stops_the_cli_with_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CSPULSE_WEB_CONFIG_FILE", str(_write(tmp_path, "basic_auth_users:\n  tv: hunter2\n")))
    with pytest.raises(SystemExit) as exit_info:
        main(["wallboard"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("cspulse: invalid configuration: CSPULSE_WEB_CONFIG_FILE: ")
    assert "is not a bcrypt hash" in err[0] and "hunter2" not in err[0]


async def test_the_wallboard_answers_401_without_credentials(tmp_path: Path) -> None:
    path = _write(tmp_path, f"basic_auth_users:\n  tv: '{_hash()}'\n")
    settings = load_settings(
        {
            "CSPULSE_WEB_CONFIG_FILE": str(path),
            "CSPULSE_PROMETHEUS_URL": f"http://127.0.0.1:{free_port()}",
            "CSPULSE_REDIS_URL": f"redis://127.0.0.1:{free_port()}/0",
        }
    )
    async with TestClient(TestServer(make_app(settings))) as client:
        for page in ("/", "/api/kpis", "/healthz", "/static/wallboard.js"):
            refused = await client.get(page)
            assert refused.status == 401, page
            assert refused.headers["WWW-Authenticate"] == 'Basic realm="cspulse"'
            wrong = await client.get(page, headers={"Authorization": _basic("tv", "guess")})
            assert wrong.status == 401, page
        ok = await client.get("/healthz", headers={"Authorization": _basic("tv", PASSWORD)})
        assert ok.status == 200 and await ok.text() == "ok\n"


async def test_tls_from_the_file_serves_https_trusted_by_its_ca(tmp_path: Path) -> None:
    ca = make_ca(tmp_path, "ca")
    cert, key = make_server_cert(tmp_path, ca)
    config = load_web_config(
        _write(tmp_path, f"tls_server_config:\n  cert_file: {cert}\n  key_file: {key}\n")
    )
    app = web.Application()
    app.router.add_get("/", lambda request: web.Response(text="secret page"))
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port, ssl_context=config.ssl_context()).start()
    try:
        async with ClientSession() as session:
            trusted = ssl.create_default_context(cafile=str(ca[0]))
            async with session.get(f"https://127.0.0.1:{port}/", ssl=trusted) as resp:
                assert await resp.text() == "secret page"
            with pytest.raises(Exception, match="CERTIFICATE_VERIFY_FAILED"):
                await session.get(f"https://127.0.0.1:{port}/", ssl=ssl.create_default_context())
    finally:
        await runner.cleanup()


async def test_a_bcrypt_check_never_stalls_the_event_loop(tmp_path: Path) -> None:
    hashed = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(rounds=12)).decode()  # ~0.3 s a check
    config = load_web_config(_write(tmp_path, f"basic_auth_users:\n  tv: '{hashed}'\n"))
    app = web.Application(middlewares=[auth_middleware(config)])
    app.router.add_get("/", lambda request: web.Response(text="ok"))
    loop = asyncio.get_running_loop()
    async with TestClient(TestServer(app)) as client:
        gaps: list[float] = []

        async def tick() -> None:
            last = loop.time()
            while True:
                await asyncio.sleep(0.01)
                now = loop.time()
                gaps.append(now - last)
                last = now

        ticker = asyncio.create_task(tick())
        started = loop.time()
        wrong = await client.get("/", headers={"Authorization": _basic("tv", "guess")})
        took = loop.time() - started
        ticker.cancel()
    assert wrong.status == 401
    assert max(gaps) < took / 2, (max(gaps), took)
