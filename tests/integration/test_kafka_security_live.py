"""Issue 12, item 5: every Kafka client of cspulse through the broker's SASL_SSL listener
(TLS with the CA scripts/stack made, SCRAM-SHA-512 user made with Kafka's ConfigCommand),
and one clear line, a non-zero exit and no secret when the credentials or the certificate
are wrong."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest

from bench.common import free_port
from tests.certs import make_ca
from tests.integration.report_check import differences, report_from_topics
from tests.integration.secured import cli, sasl_env
from tests.integration.stack import WorkerProcess, isolated_env, scrape_sum, wait_for


def test_worker_and_cli_end_to_end_through_sasl_ssl(engine_factory, tmp_path: Path) -> None:
    secured = sasl_env()
    password = secured["CSPULSE_KAFKA_SASL_PASSWORD"]
    engine = engine_factory(**secured)  # topics created by the admin client, through SASL_SSL
    assert engine.settings.kafka_security_protocol == "SASL_SSL"
    events = tmp_path / "events.jsonl"
    made = cli(
        engine.env, "simulate", "--count", "400", "--seed", "12", "--out", str(events), "--no-progress"
    )
    assert made.returncode == 0, made.stderr
    # a burst may overshoot "now" by a few event gaps; produce refuses those (future_timestamp)
    now = datetime.now(UTC)
    lines = events.read_bytes().splitlines()
    events.write_bytes(
        b"".join(x + b"\n" for x in lines if datetime.fromisoformat(orjson.loads(x)["occurred_at"]) <= now)
    )

    worker = engine.start_worker()
    produced = cli(engine.env, "produce", str(events), "--no-progress")
    assert produced.returncode == 0, produced.stderr
    simulated = cli(engine.env, "simulate", "--count", "150", "--seed", "13", "--no-progress")
    assert simulated.returncode == 0, simulated.stderr
    described = cli(engine.env, "topics", "describe")
    assert described.returncode == 0, described.stdout + described.stderr

    want = report_from_topics(engine.env)  # read back through SASL_SSL too
    counted = sum(v for k, v in want.items() if k.startswith(("cs_events_total{", "cs_deadletter_total{")))
    assert counted == len(events.read_bytes().splitlines()) + 150, want  # every event, once

    def equal() -> bool:
        return not differences(scrape_sum([worker]), want)

    wait_for(equal, 120, "the worker's /metrics to equal report --from-topics", [worker])
    worker.stop()
    outputs = [made, produced, simulated, described]
    seen = worker.log.read_text(errors="replace") + "".join(o.stdout + o.stderr for o in outputs)
    assert "(SASL_SSL)" in seen  # the worker says how it connects ...
    assert password not in seen  # ... and never with what


def _wrong(kind: str, tmp_path: Path) -> tuple[dict[str, str], str]:
    """Settings that the secured listener refuses, and the phrase the error line must hold."""
    env = sasl_env()
    if kind == "password":
        env["CSPULSE_KAFKA_SASL_PASSWORD"] = "not-" + env["CSPULSE_KAFKA_SASL_PASSWORD"][::-1]
        return env, "rejected the SCRAM-SHA-512 credentials of user 'cspulse'"
    if kind == "user":
        env["CSPULSE_KAFKA_SASL_USERNAME"] = "mallory"
        return env, "rejected the SCRAM-SHA-512 credentials of user 'mallory'"
    other_ca, _ = make_ca(tmp_path / "other", "another-ca")
    env["CSPULSE_KAFKA_SSL_CAFILE"] = str(other_ca)
    return env, "TLS certificate of the broker at 127.0.0.1:"


@pytest.mark.parametrize("kind", ["password", "user", "untrusted-ca"])
def test_refused_credentials_or_certificate_are_one_line_and_exit_1(kind: str, tmp_path: Path) -> None:
    env, phrase = _wrong(kind, tmp_path)
    secret = env["CSPULSE_KAFKA_SASL_PASSWORD"]
    events = tmp_path / "one.jsonl"
    assert cli(env, "simulate", "--count", "3", "--out", str(events), "--no-progress").returncode == 0
    commands = {
        "topics": ["topics", "create"],
        "produce": ["produce", str(events), "--no-progress"],
        "simulate": ["simulate", "--count", "5", "--no-progress"],
        "report": ["report", "--from-topics", "--json"],
    }
    for name, args in commands.items():
        out = cli(isolated_env(**env), *args, timeout=60)
        lines = out.stderr.strip().splitlines()
        assert out.returncode == 1, (name, out.returncode, out.stderr)
        assert len(lines) == 1 and lines[0].startswith(f"cspulse {name}: "), (name, out.stderr)
        assert phrase in lines[0], (name, lines[0])
        assert secret not in out.stdout + out.stderr, name

    worker = WorkerProcess(
        isolated_env(**env), port=free_port(), data_dir=tmp_path / "w", log=tmp_path / "w.log"
    ).start()
    assert worker.proc is not None
    assert worker.proc.wait(60) == 1
    worker.stop()
    log = worker.log.read_text(errors="replace")
    assert log.strip().splitlines() == [line for line in log.strip().splitlines() if phrase in line], log
    assert log.startswith("cspulse worker: ") and "Traceback" not in log, log
    assert secret not in log


def test_an_unreachable_broker_is_one_line_too(tmp_path: Path) -> None:
    """Faust alone stops with a traceback whose reason hides the cause; the worker says it."""
    env = isolated_env(CSPULSE_BROKER=f"kafka://127.0.0.1:{free_port()}")
    worker = WorkerProcess(env, port=free_port(), data_dir=tmp_path / "w", log=tmp_path / "w.log").start()
    assert worker.proc is not None
    assert worker.proc.wait(30) == 1
    worker.stop()
    lines = worker.log.read_text().strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("cspulse worker: cannot reach the broker at 127.0.0.1:"), (
        lines
    )
