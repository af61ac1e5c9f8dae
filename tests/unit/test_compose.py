"""docker-compose.yml and Dockerfile, checked against the repository.

There is no Docker engine where this project is developed, so the compose file is
parsed and every reference in it (build contexts, mounted files, config files,
ports, settings) is checked against the repo, and compose itself validates it with
`config` (the Docker CLI plugin, or Debian's docker-compose from scripts/install-deps,
neither of which needs a daemon for that).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path, PurePosixPath

import yaml

from tests.tools import compose, promtool

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

COMPOSE_FILE = ROOT / "docker-compose.yml"
COMPOSE = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
SERVICES: dict[str, dict] = COMPOSE["services"]
# Services that must be reachable from the host and report their health.
SERVED = {"kafka", "redis", "worker", "prometheus", "grafana"}
ONE_SHOT = {"topics"}


def _mounts(service: dict) -> list[tuple[str, str, str]]:
    """(kind, source, target) of every volume entry: kind is 'bind' or 'volume'."""
    out = []
    for entry in service.get("volumes", []):
        if isinstance(entry, dict):
            out.append((entry.get("type", "volume"), entry["source"], entry["target"]))
            continue
        source, target = entry.split(":")[:2]
        kind = "bind" if source.startswith((".", "/", "~")) else "volume"
        out.append((kind, source, target))
    return out


def _host_path(service: dict, container_path: str) -> Path | None:
    """The repo path a container path comes from, through the service's bind mounts."""
    wanted = PurePosixPath(container_path)
    for kind, source, target in _mounts(service):
        if kind != "bind":
            continue
        target_path = PurePosixPath(target)
        if wanted == target_path or target_path in wanted.parents:
            return (ROOT / source / wanted.relative_to(target_path)).resolve()
    return None


def _env(service: dict) -> dict[str, str]:
    env = service.get("environment", {})
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {k: str(v) for k, v in env.items()}


def _container_ports(service: dict) -> set[int]:
    ports = set()
    for entry in service.get("ports", []):
        if isinstance(entry, dict):
            ports.add(int(entry["target"]))
        else:
            ports.add(int(str(entry).rsplit(":", 1)[-1].split("/")[0]))
    return ports


def test_expected_services() -> None:
    assert {"kafka", "redis", "topics", "worker", "simulator", "prometheus", "grafana"} <= set(SERVICES)


def test_images_name_no_registry_host() -> None:
    for name, service in SERVICES.items():
        image = service.get("image")
        if image is None:
            assert "build" in service, f"{name}: neither image nor build"
            continue
        first = image.split("/")[0]
        assert "/" not in image or not ("." in first or ":" in first or first == "localhost"), (
            f"{name}: image {image} names a registry host"
        )
    assert SERVICES["kafka"]["image"] == "apache/kafka:4.1.1"
    assert SERVICES["redis"]["image"] == "redis:7-alpine"


def test_build_contexts_and_dockerfile_exist() -> None:
    built = [name for name, s in SERVICES.items() if "build" in s]
    assert {"topics", "worker", "simulator"} <= set(built)
    for name in built:
        build = SERVICES[name]["build"]
        context = ROOT / (build if isinstance(build, str) else build.get("context", "."))
        dockerfile = "Dockerfile" if isinstance(build, str) else build.get("dockerfile", "Dockerfile")
        assert context.is_dir(), f"{name}: build context {context} missing"
        assert (context / dockerfile).is_file(), f"{name}: {dockerfile} missing"


def test_dockerfile() -> None:
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    lines = [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]
    assert lines[0] == "FROM python:3.11-slim"
    assert re.search(r'^CMD \["cspulse", ?"worker"\]$', text, re.MULTILINE)
    assert re.search(r"^EXPOSE 6066$", text, re.MULTILINE)
    assert re.search(r"^RUN pip install \"?\.(\[[\w,]+\])?\"?$", text, re.MULTILINE)
    users = re.findall(r"^USER (\S+)$", text, re.MULTILINE)
    assert users and users[-1] not in {"root", "0", "0:0"}, "the image must not run as root"
    for line in lines:
        if line.startswith("COPY") and "--from" not in line:
            *sources, _dest = line.split()[1:]
            for source in sources:
                if source.startswith("--"):
                    continue
                assert list(ROOT.glob(source)), f"Dockerfile copies {source}, missing from repo"
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    assert ".venv" in ignored and ".git" in ignored


def test_bind_mounts_exist_in_repo_and_volumes_are_declared() -> None:
    declared = set(COMPOSE.get("volumes") or {})
    for name, service in SERVICES.items():
        for kind, source, target in _mounts(service):
            if kind == "bind":
                assert source.startswith("./"), f"{name}: mount {source} is not repo-relative"
                assert (ROOT / source).exists(), f"{name}: mounted {source} missing"
            else:
                assert source in declared, f"{name}: volume {source} not declared"
            assert target.startswith("/"), f"{name}: {target}"


def test_config_files_resolve_to_repo_files() -> None:
    checked = 0
    for name, service in SERVICES.items():
        for arg in service.get("command", []) or []:
            match = re.match(r"--config\.file=(\S+)", str(arg))
            if match:
                host = _host_path(service, match.group(1))
                assert host is not None and host.is_file(), f"{name}: {match.group(1)} not mounted"
                checked += 1
    assert checked >= 2  # prometheus, alertmanager

    prometheus = SERVICES["prometheus"]
    config_path = _host_path(prometheus, "/etc/prometheus/prometheus.compose.yml")
    assert config_path == ROOT / "prometheus" / "prometheus.compose.yml"
    config = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    for pattern in config["rule_files"]:
        assert list(config_path.parent.glob(pattern)), f"rule_files {pattern} matches nothing"


def test_prometheus_compose_config_is_valid() -> None:
    result = subprocess.run(
        [promtool(), "check", "config", "prometheus/prometheus.compose.yml"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_prometheus_scrapes_the_worker_port() -> None:
    config = yaml.safe_load((ROOT / "prometheus" / "prometheus.compose.yml").read_text())
    [job] = [j for j in config["scrape_configs"] if j["job_name"] == "cspulse"]
    port = int(_env(SERVICES["worker"])["CSPULSE_WEB_PORT"])
    targets = [f"{n}:{sd['port']}" for sd in job.get("dns_sd_configs", []) for n in sd["names"]] + [
        t for sc in job.get("static_configs", []) for t in sc["targets"]
    ]
    assert f"worker:{port}" in targets
    [alertmanagers] = config["alerting"]["alertmanagers"]
    for target in alertmanagers["static_configs"][0]["targets"]:
        assert target.split(":")[0] in SERVICES


def test_grafana_mounts_provisioning_and_dashboards() -> None:
    grafana = SERVICES["grafana"]
    provisioning = _host_path(grafana, "/etc/grafana/provisioning/datasources/prometheus.yml")
    assert provisioning is not None and provisioning.is_file()
    assert _host_path(grafana, "/etc/grafana/provisioning/dashboards/cspulse.yml").is_file()
    provider = yaml.safe_load((ROOT / "grafana" / "provisioning" / "dashboards" / "cspulse.yml").read_text())[
        "providers"
    ][0]
    dashboards = _host_path(grafana, provider["options"]["path"])
    assert dashboards == ROOT / "grafana" / "dashboards"
    assert list(dashboards.glob("*.json"))
    home = _env(grafana).get("GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH")
    if home:
        assert _host_path(grafana, home).is_file()


def test_grafana_password_comes_from_the_environment() -> None:
    env = _env(SERVICES["grafana"])
    password = env["GF_SECURITY_ADMIN_PASSWORD"]
    # ${VAR:?message}: compose refuses to start when VAR is unset or empty.
    assert re.fullmatch(r"\$\{[A-Z_][A-Z0-9_]*:\?[^}]*\}", password), password
    assert password.lower() != "admin" and ":-admin" not in password
    for key, value in env.items():
        if "PASSWORD" in key:
            assert value.lower() not in {"admin", ""}, key


def test_long_running_services_have_ports_and_healthchecks() -> None:
    for name, service in SERVICES.items():
        if name in ONE_SHOT:
            assert service.get("restart") == "no"
            continue
        if name in SERVED:
            assert service.get("ports"), f"{name}: no ports"
        if name in SERVED or service.get("ports"):
            health = service.get("healthcheck", {})
            assert health.get("test") and not health.get("disable"), f"{name}: no healthcheck"
        for port in service.get("ports", []):
            assert str(port).startswith("127.0.0.1:"), f"{name}: {port} published on all interfaces"


def test_dependencies_wait_for_health_and_completion() -> None:
    for name, service in SERVICES.items():
        depends = service.get("depends_on", {})
        if isinstance(depends, list):
            depends = {d: {"condition": "service_started"} for d in depends}
        for dep, spec in depends.items():
            assert dep in SERVICES, f"{name} depends on unknown {dep}"
            if spec.get("condition") == "service_healthy":
                assert SERVICES[dep].get("healthcheck"), f"{name} waits on {dep} health"
    worker = SERVICES["worker"]["depends_on"]
    assert worker["kafka"]["condition"] == "service_healthy"
    assert worker["redis"]["condition"] == "service_healthy"
    assert worker["topics"]["condition"] == "service_completed_successfully"
    assert SERVICES["topics"]["command"] == ["cspulse", "topics", "create"]
    simulate = SERVICES["simulator"]["command"]
    assert simulate[:4] == ["cspulse", "simulate", "--rate", "20"]


def test_worker_environment_is_cspulse_settings() -> None:
    from streams.settings import Settings

    known = {f"CSPULSE_{field.upper()}" for field in Settings.model_fields}
    for name in ("topics", "worker", "simulator"):
        env = _env(SERVICES[name])
        for key in env:
            assert key.startswith("CSPULSE_"), f"{name}: {key}"
            assert key in known, f"{name}: {key} is not a cspulse setting"
        assert env["CSPULSE_BROKER"] == "kafka://kafka:9092"
        assert env["CSPULSE_REDIS_URL"].startswith("redis://redis:6379/")

    worker = SERVICES["worker"]
    env = _env(worker)
    port = int(env["CSPULSE_WEB_PORT"])
    assert env["CSPULSE_WEB_BIND"] == "0.0.0.0"
    assert _container_ports(worker) == {port}
    assert f":{port}/metrics" in " ".join(worker["healthcheck"]["test"])
    assert re.search(rf"^EXPOSE {port}$", (ROOT / "Dockerfile").read_text(), re.MULTILINE)


def test_kafka_is_a_kraft_single_node() -> None:
    env = _env(SERVICES["kafka"])
    assert set(env["KAFKA_PROCESS_ROLES"].split(",")) == {"broker", "controller"}
    assert env["KAFKA_CONTROLLER_QUORUM_VOTERS"] == f"{env['KAFKA_NODE_ID']}@kafka:9093"
    assert "PLAINTEXT://kafka:9092" in env["KAFKA_ADVERTISED_LISTENERS"]
    assert env["KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR"] == "1"


def _compose_config(**env: str) -> subprocess.CompletedProcess[str]:
    # Only what the test sets: a GRAFANA_* from the caller's shell must not decide it.
    base = {k: v for k, v in os.environ.items() if not k.startswith("GRAFANA_")}
    return subprocess.run(
        [*compose(), "-f", str(COMPOSE_FILE), "config", "-q"],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_docker_compose_config_is_valid() -> None:
    result = _compose_config(GRAFANA_ADMIN_PASSWORD="compose-config-check")
    assert result.returncode == 0, result.stdout + result.stderr


def test_docker_compose_refuses_to_run_without_a_grafana_password() -> None:
    result = _compose_config()
    assert result.returncode != 0
    assert "GRAFANA_ADMIN_PASSWORD" in result.stdout + result.stderr
