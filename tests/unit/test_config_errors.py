"""Every invalid CSPULSE_* value: one line naming the variable and what is wrong, exit 2.

No traceback, whatever the value (JSON ones included), and a secret is never echoed.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from streams.cli import main
from streams.settings import Settings

INVALID: dict[str, list[str]] = {
    "partitions": ["x", "0", "-3", "1.5"],
    "replication_factor": ["0", "three"],
    "store": ["s3://bucket", ""],
    "web_port": ["0", "70000", "http"],
    "reporting_currency": ["usd", "EURO", "12"],
    "fx_rates": ["{bad", "[1]", '{"EUR": "-1"}', '{"EUR": "abc"}', '{"eur": "1"}', "null"],
    "windows": ["0s", "1x", "", "10s"],
    "dedupe_horizon": ["soon", "7y"],
    "max_clock_skew": ["5 minutes"],
    "counted_statuses": ["bogus", "active,{"],
    "frt_targets": ["urgent", "urgent=1h", "urgent=x,high=1h,normal=1h,low=1h"],
    "business_hours": ["{bad", "[1]", '{"tz": "Nowhere/X"}', "42"],
    "redis_url": ["http://h:1/0", "localhost"],
    "session_timeout": ["forever"],
    "commit_interval": ["0", "-1", "fast"],
    "batch_size": ["0", "many"],
    "batch_within": ["0", "-0.1"],
    "faust_sensor": ["maybe", "2"],
    "label_limit": ["0", "lots"],
    "log_level": ["loud", "DEBUG!"],
    "prometheus_url": ["localhost:9090", "ftp://h"],
    "wallboard_port": ["0", "65536", "tv"],
    "wallboard_refresh": ["0", "-1", "often"],
    "wallboard_stale_after": ["soon", "5 minutes"],
    "health_enabled": ["maybe", "2"],
    "health_weights": [
        "usage=0.5,support=0.2,sentiment=0.2,billing=0.2",  # sums to 1.1
        "usage=0.35,support=0.2,sentiment=0.2",  # one missing
        "usage=x,support=0.2,sentiment=0.2,billing=0.25",
        "usage=-0.35,support=0.9,sentiment=0.2,billing=0.25",
        "usage",
        "usage=0.35,support=0.2,sentiment=0.2,billing=0.25,mood=0",
    ],
    "health_bands": [
        "healthy=40,at_risk=70",
        "healthy=70",
        "healthy=70,at_risk=0",
        "healthy=101,at_risk=40",
        "healthy=high,at_risk=40",
    ],
    "health_windows": [
        "usage=7d,billing=30d",
        "usage=7x,billing=30d,sentiment=90d",
        "usage=0s,billing=30d,sentiment=90d",
    ],
    "health_penalties": [
        "open_ticket=15",
        "open_ticket=-1,overdue_ticket=35,failed_payment=40",
        "open_ticket=a,overdue_ticket=35,failed_payment=40",
    ],
    "health_sentiment": ["positive=100,neutral=60,negative=0", "positive=101,neutral=60,negative=0,none=60"],
    "health_large_account_mrr": ["-1", "lots", "nan"],
    # SASL_* without a user and password set is one line naming the protocol
    "kafka_security_protocol": ["TLS", "SASL_SSL", "sasl_plaintext", "sasl-ssl"],
    "kafka_sasl_mechanism": ["GSSAPI", "scram", "OAUTHBEARER"],
    "kafka_ssl_cafile": ["/nonexistent/ca.pem", "/", "README.md"],
    "web_config_file": ["/nonexistent/web.yml", "/", "README.md"],
}
# Free text: any string is a valid value (a name, a path, an address, a password).
FREE_TEXT = {
    "app_id",
    "broker",
    "data_dir",
    "web_bind",
    "wallboard_bind",
    "topic_deadletter",
    "activation_features",  # feature names; empty: any feature
    "kafka_sasl_username",
    "kafka_sasl_password",
}


def test_every_setting_is_either_free_text_or_has_invalid_examples() -> None:
    fields = set(Settings.model_fields)
    topics = {f for f in fields if f.startswith("topic_")}
    assert fields - topics - FREE_TEXT == set(INVALID)


@pytest.mark.parametrize(
    ("field", "value"), [(f, v) for f, values in INVALID.items() for v in values], ids=repr
)
def test_an_invalid_value_is_one_line_naming_the_variable(
    field: str,
    value: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for name in [n for n in os.environ if n.startswith("CSPULSE_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv(f"CSPULSE_{field.upper()}", value)
    events = tmp_path / "none.jsonl"
    events.write_text("")
    with pytest.raises(SystemExit) as exit_info:
        main(["report", str(events), "--json"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(f"cspulse: invalid configuration: CSPULSE_{field.upper()}: "), err
    assert "Traceback" not in err
    if field == "redis_url":
        assert value not in err  # a URL may hold a password


def test_the_kafka_password_is_never_echoed_nor_in_help(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in [n for n in os.environ if n.startswith("CSPULSE_")]:
        monkeypatch.delenv(name)
    secret = "pa55-w0rd-never-shown"
    monkeypatch.setenv("CSPULSE_KAFKA_SECURITY_PROTOCOL", "SASL_SSL")
    monkeypatch.setenv("CSPULSE_KAFKA_SASL_USERNAME", "cspulse")
    monkeypatch.setenv("CSPULSE_KAFKA_SASL_PASSWORD", secret)
    monkeypatch.setenv("CSPULSE_KAFKA_SSL_CAFILE", "/nonexistent/ca.pem")
    with pytest.raises(SystemExit) as exit_info:
        main(["topics", "describe"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("cspulse: invalid configuration: CSPULSE_KAFKA_SSL_CAFILE: "), err
    assert secret not in err
    monkeypatch.delenv("CSPULSE_KAFKA_SSL_CAFILE")
    settings = Settings()
    assert secret not in repr(settings) and secret not in str(settings.model_dump())
    for command in ([], ["worker"], ["simulate"], ["produce"], ["report"], ["topics"], ["wallboard"]):
        with pytest.raises(SystemExit):
            main([*command, "--help"])
        assert secret not in capsys.readouterr().out
