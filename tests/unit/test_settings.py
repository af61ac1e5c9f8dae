import pytest
from pydantic import ValidationError

from streams.settings import load_settings, parse_duration


def test_defaults_follow_the_contract():
    s = load_settings({})
    assert s.windows == {"1h": 3600, "24h": 86400, "7d": 604800, "30d": 2592000}
    assert s.dedupe_horizon == 7 * 86400
    assert s.max_clock_skew == 300
    assert s.web_port == 6066 and s.web_bind == "127.0.0.1"
    assert s.counted_statuses == {"active", "past_due"}
    assert s.frt_targets == {"urgent": 3600, "high": 14400, "normal": 86400, "low": 172800}
    assert s.bootstrap == "127.0.0.1:9092"


def test_parses_env_strings():
    s = load_settings(
        {
            "CSPULSE_WINDOWS": "15m,1d",
            "CSPULSE_FX_RATES": '{"EUR": "1.10"}',
            "CSPULSE_COUNTED_STATUSES": "active",
            "CSPULSE_FRT_TARGETS": "urgent=30m,high=2h,normal=8h,low=1d",
            "CSPULSE_PARTITIONS": "8",
            "CSPULSE_BROKER": "broker-a:9092",
            "NOT_OURS": "ignored",
        }
    )
    assert s.windows == {"15m": 900, "1d": 86400}
    assert s.fx_rates == {"EUR": "1.10"}
    assert s.counted_statuses == {"active"}
    assert s.frt_targets["urgent"] == 1800
    assert s.partitions == 8
    assert s.broker == "kafka://broker-a:9092"


@pytest.mark.parametrize(
    ("name", "value", "needle"),
    [
        ("CSPULSE_FX_RATES", '{"EUR": "-1"}', "positive"),
        ("CSPULSE_FX_RATES", "not json", "JSON object"),
        ("CSPULSE_FX_RATES", '{"euro": "1"}', "ISO 4217"),
        ("CSPULSE_WINDOWS", "1x", "not a duration"),
        ("CSPULSE_COUNTED_STATUSES", "active,gone", "unknown"),
        ("CSPULSE_FRT_TARGETS", "urgent=1h", "missing priorities"),
        ("CSPULSE_STORE", "redis://x", "memory:// or rocksdb://"),
        ("CSPULSE_PARTITIONS", "0", "greater than or equal"),
    ],
)
def test_bad_configuration_is_explained(name, value, needle):
    with pytest.raises(ValidationError) as err:
        load_settings({name: value})
    assert needle in str(err.value)


def test_settings_are_frozen():
    s = load_settings({})
    with pytest.raises(ValidationError):
        s.partitions = 3  # type: ignore[misc]


def test_parse_duration():
    assert parse_duration("90s") == 90
    assert parse_duration("2w") == 14 * 86400
    assert parse_duration("120") == 120
    with pytest.raises(ValueError):
        parse_duration("soon")
