"""Issue 12, item 6 (endpoints): a real Prometheus scrapes a real worker through TLS and
basic auth configured by CSPULSE_WEB_CONFIG_FILE (Prometheus' own web.config.file
format); a scrape without credentials gets 401, one that does not trust the
certificate fails; and the worker listens on 127.0.0.1 only by default."""

from __future__ import annotations

import asyncio
import base64
import http.client
import ipaddress
import json
import os
import ssl
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import bcrypt
import pytest

from bench.common import free_port
from tests.certs import make_ca, make_server_cert
from tests.factories import event, raw
from tests.integration.conftest import produce_raw
from tests.integration.stack import PrometheusProcess, parse_metrics, wait_for

PASSWORD = "scrape-me-if-you-can"


def _get(url: str, context: ssl.SSLContext | None, password: str | None) -> tuple[int, str]:
    request = urllib.request.Request(url)
    if password is not None:
        token = base64.b64encode(f"prometheus:{password}".encode()).decode()
        request.add_header("Authorization", f"Basic {token}")
    try:
        with urllib.request.urlopen(request, timeout=5, context=context) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def _secured_web(tmp_path: Path) -> tuple[Path, Path]:
    """(web.config.file, CA certificate): TLS with a certificate of a test CA, one bcrypt user."""
    ca = make_ca(tmp_path / "tls", "web-ca")
    make_server_cert(tmp_path / "tls", ca)
    hashed = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(rounds=10)).decode()
    path = tmp_path / "web.yml"
    path.write_text(
        "tls_server_config:\n  cert_file: tls/server.pem\n  key_file: tls/server.key\n"
        f"basic_auth_users:\n  prometheus: '{hashed}'\n"
    )
    return path, ca[0]


def _job(name: str, target: str, **extra: object) -> dict:
    return {"job_name": name, "scheme": "https", "static_configs": [{"targets": [target]}], **extra}


def test_prometheus_scrapes_the_worker_through_tls_and_basic_auth(engine_factory, tmp_path: Path) -> None:
    web_config, ca = _secured_web(tmp_path)
    engine = engine_factory(CSPULSE_WEB_CONFIG_FILE=str(web_config))
    worker = engine.start_worker()
    topic = engine.topic("surveys")
    records = [
        raw(event("survey.responded", customer=f"cus_{i}", minutes=i, score=i % 11)) for i in range(30)
    ]
    asyncio.run(produce_raw([(topic, f"cus_{i}".encode(), body, None) for i, body in enumerate(records)]))
    url, trusted = f"https://127.0.0.1:{worker.port}/metrics", ssl.create_default_context(cafile=str(ca))
    applied = f'cs_events_total{{outcome="applied",topic="{topic}"}}'

    def served() -> bool:
        status, body = _get(url, trusted, PASSWORD)
        return status == 200 and parse_metrics(body).get(applied) == 30

    wait_for(served, 90, "30 applied on https /metrics with the password", [worker])
    for page in ("/metrics", "/api/accounts", "/"):  # every page of the worker's web server
        assert _get(f"https://127.0.0.1:{worker.port}{page}", trusted, None)[0] == 401, page
        assert _get(f"https://127.0.0.1:{worker.port}{page}", trusted, "guess")[0] == 401, page
    with pytest.raises(urllib.error.URLError, match="CERTIFICATE_VERIFY_FAILED"):
        _get(url, ssl.create_default_context(), PASSWORD)  # the system's CAs do not know it
    with pytest.raises((urllib.error.URLError, ConnectionError, http.client.HTTPException)):
        _get(f"http://127.0.0.1:{worker.port}/metrics", None, PASSWORD)  # no plain HTTP

    target = f"127.0.0.1:{worker.port}"
    tls, auth = (
        {"tls_config": {"ca_file": str(ca)}},
        {"basic_auth": {"username": "prometheus", "password": PASSWORD}},
    )
    prom = PrometheusProcess(
        targets=[],
        tmp=tmp_path / "prometheus",
        rule_files=[],
        jobs=[
            _job("cspulse-secured", target, **tls, **auth),
            _job("cspulse-no-credentials", target, **tls),
            _job("cspulse-untrusted", target, **auth),
        ],
    ).start()
    try:
        query = f'sum(cs_events_total{{job="cspulse-secured",outcome="applied",topic="{topic}"}})'

        def scraped() -> bool:
            result = prom.query(query)["data"]["result"]
            return bool(result) and float(result[0]["value"][1]) == 30

        wait_for(
            scraped, 60, "Prometheus to scrape 30 applied through TLS and basic auth", detail=prom.log_tail
        )
        errors = _target_errors(prom.url)
        assert errors["cspulse-secured"] == ("up", ""), errors
        assert errors["cspulse-no-credentials"][0] == "down" and "401" in errors["cspulse-no-credentials"][1]
        assert errors["cspulse-untrusted"][0] == "down" and "certificate" in errors["cspulse-untrusted"][1]
    finally:
        prom.stop()


def _target_errors(prometheus_url: str) -> dict[str, tuple[str, str]]:
    def seen() -> bool:
        targets = _targets(prometheus_url)
        return len(targets) == 3 and all(t["health"] != "unknown" for t in targets)

    wait_for(seen, 30, "every target scraped once")
    return {t["labels"]["job"]: (t["health"], t["lastError"]) for t in _targets(prometheus_url)}


def _targets(prometheus_url: str) -> list[dict]:
    with urllib.request.urlopen(f"{prometheus_url}/api/v1/targets", timeout=5) as resp:
        return list(json.loads(resp.read())["data"]["activeTargets"])


def _listening(port: int) -> set[str]:
    """The local addresses of the sockets listening on `port` (Linux /proc/net/tcp, tcp6)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, _, hexport = local.partition(":")
            if state == "0A" and int(hexport, 16) == port:  # 0A: LISTEN
                raw = bytes.fromhex(address)
                words = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))  # host order
                ip = ipaddress.ip_address(words)
                found.add(str(getattr(ip, "ipv4_mapped", None) or ip))
    return found


def test_the_worker_listens_on_localhost_only_by_default(engine) -> None:
    assert "CSPULSE_WEB_BIND" not in engine.env
    worker = engine.start_worker()
    wait_for(lambda: "cs_build_info" in worker.metrics_text(), 60, "/metrics on 127.0.0.1", [worker])
    assert _listening(worker.port) == {"127.0.0.1"}
    for page in ("/table/", "/router/"):  # Faust's pages of table data and key owners: off
        with pytest.raises(urllib.error.HTTPError, match="404"):
            urllib.request.urlopen(f"http://127.0.0.1:{worker.port}{page}", timeout=5)


def test_the_wallboard_serves_https_with_basic_auth(tmp_path: Path) -> None:
    web_config, ca = _secured_web(tmp_path)
    port = free_port()
    env = {**os.environ, "CSPULSE_WEB_CONFIG_FILE": str(web_config), "CSPULSE_WALLBOARD_PORT": str(port)}
    log = tmp_path / "wallboard.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streams.cli", "wallboard"], env=env, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        trusted = ssl.create_default_context(cafile=str(ca))
        url = f"https://127.0.0.1:{port}"
        wait_for(lambda: _get(f"{url}/healthz", trusted, PASSWORD)[0] == 200, 30, "the wallboard on https")
        for page in ("/", "/api/kpis", "/healthz"):
            assert _get(f"{url}{page}", trusted, None)[0] == 401, page
        assert _get(f"{url}/api/kpis", trusted, PASSWORD)[0] == 200
        assert _listening(port) == {"127.0.0.1"}
    finally:
        proc.terminate()
        proc.wait(10)
    assert log.read_text().startswith(f"cspulse wallboard: https://127.0.0.1:{port}/")
