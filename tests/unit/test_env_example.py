"""Every setting is documented in .env.example and the README, with its real default."""

from pathlib import Path

from streams.settings import Settings, load_settings

ROOT = Path(__file__).resolve().parents[2]


def _example() -> dict[str, str]:
    out = {}
    for line in (ROOT / ".env.example").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, value = line.partition("=")
            out[name] = value
    return out


def test_every_setting_is_in_env_example_and_readme():
    names = {f"CSPULSE_{field.upper()}" for field in Settings.model_fields}
    example = _example()
    assert names == set(example), f"mismatch: {names ^ set(example)}"
    readme = (ROOT / "README.md").read_text()
    missing = sorted(n for n in names if f"`{n}`" not in readme)
    assert not missing, f"README configuration table lacks {missing}"


def test_env_example_values_are_the_defaults():
    assert load_settings(_example()) == load_settings({})
