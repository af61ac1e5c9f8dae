"""The wallboard in headless Chromium, fed by a real worker and a real Prometheus.

A worker processes hand-made events that give every window data (the dashboards test's)
and a day of simulator history, then live simulator traffic; a Prometheus of the test's
own scrapes it every second with the recording rules. `cspulse wallboard` (refresh 1s,
stale after 8s) reads that Prometheus and the test's Redis. The page must show the
recording rules' values of the moment it says it shows, update without a reload, show
the accounts at risk the workers scored, come back by itself after a server restart,
say loudly that its data is stale once the worker stops, and withhold every number once
Prometheus is gone. Screenshots go to $CSPULSE_TEST_ARTIFACTS (or the test's tmp dir).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest

from bench.common import free_port
from tests.integration.browser import artifacts_dir, chromium
from tests.integration.conftest import EngineHarness, produce_raw
from tests.integration.report_check import simulate
from tests.integration.stack import PrometheusProcess, WorkerProcess, run, scrape_sum, wait_for
from tests.integration.test_dashboards_live import _handmade
from tests.integration.wallboard_harness import WallboardProcess, range_values, read_page

pytestmark = pytest.mark.integration

REFRESH = 1.0
STALE_AFTER = 8
BURST = 3000
# What each tile must equal: the recording rules (and plain sums), written out here
# rather than taken from the wallboard's own catalogue.
RULES = {
    "mrr": "cs:mrr:sum",
    "net_new_mrr": 'cs:mrr_net_new:sum{window="24h"}',
    "customer_churn": 'cs:customer_churn_rate:ratio{window="30d"}',
    "nrr": 'cs:net_revenue_retention:ratio{window="30d"}',
    "frt_p50": 'cs:first_response_seconds:p50{window="24h"}',
    "frt_p90": 'cs:first_response_seconds:p90{window="24h"}',
    "fcr": 'cs:fcr_rate:ratio{window="24h"}',
    "nps": 'cs:nps:score{window="30d"}',
    "csat": 'cs:csat:percent{window="30d"}',
    "ces": 'cs:ces:mean{window="30d"}',
}
SUMS = {  # no series means none
    "tickets_open": "sum(cs_tickets_open)",
    "tickets_overdue": "sum(cs_tickets_first_response_overdue)",
}


def wait_page(driver: Any, check: Callable[[dict[str, Any]], bool], timeout: float, what: str) -> dict:
    deadline = time.monotonic() + timeout
    page: dict[str, Any] = {}
    while time.monotonic() < deadline:
        page = read_page(driver)
        if check(page):
            return page
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout}s waiting for the page to {what}; it shows {page}")


def live_with_numbers(page: dict[str, Any]) -> bool:
    tiles = page["tiles"]
    return page["state"] == "live" and all(tiles.get(k, {}).get("value") for k in (*RULES, *SUMS))


def feed(engine: EngineHarness, worker: WorkerProcess) -> None:
    handmade = _handmade(datetime.now(UTC))
    records = [(engine.topic(f), e["customer_id"].encode(), orjson.dumps(e), None) for f, e in handmade]
    run(produce_raw(records))
    simulate(engine.env, "--count", str(BURST), "--span", "1d", "--seed", "42")

    def handled(got: dict[str, float]) -> float:
        return sum(v for k, v in got.items() if k.startswith(("cs_events_total{", "cs_deadletter_total{")))

    wanted = BURST + len(handmade)
    wait_for(lambda: handled(scrape_sum([worker])) >= wanted, 120, f"{wanted} records handled", [worker])


def live_traffic(engine: EngineHarness) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "streams.cli", "simulate", "--rate", "20", "--seed", "7", "--no-progress"],
        env={**os.environ, **engine.env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def check_api(board: WallboardProcess) -> None:
    kind, body = board.get("/api/kpis")
    assert kind.startswith("application/json")
    snapshot = orjson.loads(body)
    ok = {"ok": True, "error": None}
    assert snapshot["sources"] == {"prometheus": ok, "redis": ok}
    assert set(RULES) | set(SUMS) <= set(snapshot["kpis"])
    assert snapshot["workers"] == {"up": 1, "targets": 1}
    assert snapshot["currency"] == "USD"
    kind, _ = board.get("/")
    assert kind.startswith("text/html")


def check_numbers(driver: Any, prom: PrometheusProcess) -> None:
    """Each number equals the rule's value at the moment the page says (within one refresh)."""
    page = read_page(driver)
    at = float(page["at"])
    assert time.time() - at < 3 * REFRESH, f"the page is not current: at={at}"
    for key, expr in {**RULES, **SUMS}.items():
        shown = float(page["tiles"][key]["value"])
        values = range_values(prom, expr, at - REFRESH, at + REFRESH) or ({0.0} if key in SUMS else set())
        assert shown in values, f"{key}: page shows {shown}, {expr} was {sorted(values)} around {at}"
        assert page["tiles"][key]["fresh"].startswith("as of "), page["tiles"][key]
    tiles = page["tiles"]
    assert tiles["tickets_open"]["text"] == f"{round(float(tiles['tickets_open']['value'])):,}"
    assert float(tiles["nps"]["text"]) == pytest.approx(float(tiles["nps"]["value"]), abs=0.5)
    assert tiles["csat"]["text"] == f"{float(tiles['csat']['value']):.1f}%"
    assert page["banner"] == "", page["banner"]
    assert page["comments"], "no survey comments shown"


def check_boards(driver: Any, url: str, shots: Path) -> None:
    cases = (("support", "frt_p90", "mrr"), ("revenue", "nrr", "csat"), ("voc", "nps", "mrr"))
    for board, shown, hidden in cases:  # a tile the board shows, one it hides
        driver.get(f"{url}/?board={board}")
        page = wait_page(driver, lambda p: p["state"] == "live" and bool(p["tiles"]), 30, f"show {board}")
        assert not page["tiles"][shown]["hidden"] and page["tiles"][hidden]["hidden"], board
        driver.save_screenshot(str(shots / f"wallboard-{board}.png"))
    driver.get(f"{url}/")
    wait_page(driver, live_with_numbers, 30, "show every board again")


def check_at_risk(driver: Any, board: WallboardProcess) -> None:
    """The worker's health scores reach the page: the at-risk panel lists what the
    wallboard's /api/accounts serves (at_risk and critical, most MRR first)."""
    page = wait_page(driver, lambda p: bool(p["atRisk"]), 30, "show the accounts at risk")
    for _ in range(10):  # live traffic moves scores: compare a page and an answer of one moment
        _, body = board.get("/api/accounts?limit=10")
        served = orjson.loads(body)["accounts"]
        page = read_page(driver)
        if [line.split("\n")[0] for line in page["atRisk"]] == [a["customer_id"] for a in served]:
            break
        time.sleep(0.5)
    else:
        raise AssertionError(f"page {page['atRisk']} != served {[a['customer_id'] for a in served]}")
    assert all(a["band"] in ("at_risk", "critical") and a["reasons"] for a in served), served
    assert [a["mrr"] for a in served] == sorted((a["mrr"] for a in served), reverse=True)
    first = served[0]
    assert page["atRisk"][0].split("\n")[1].startswith(f"{first['band']} · score {first['score']} · MRR ")
    with pytest.raises(urllib.error.HTTPError) as bad:
        board.get("/api/accounts?band=bogus")
    assert bad.value.code == 400


def check_updates(driver: Any, engine: EngineHarness) -> None:
    """New events reach the open page without a reload (the marker survives)."""
    driver.execute_script("window.__cspulseMarker = 'no-reload'")
    before = read_page(driver)
    now = datetime.now(UTC).isoformat()
    text = f"wallboard check {uuid.uuid4().hex[:8]}"
    sub = {"event_id": f"wb-{uuid.uuid4().hex}", "type": "subscription.created", "occurred_at": now,
           "customer_id": "wb-big", "subscription_id": "s-wb-big", "status": "active", "plan": "pro",
           "currency": "USD", "amount_minor": 100_000_000, "quantity": 1, "interval": "month"}  # fmt: skip
    survey = {"event_id": f"wb-{uuid.uuid4().hex}", "type": "survey.responded", "occurred_at": now,
              "customer_id": "wb-big", "survey": "nps", "score": 10, "comment": text}  # fmt: skip
    run(produce_raw([(engine.topic("subscriptions"), b"wb-big", orjson.dumps(sub), None),
                     (engine.topic("surveys"), b"wb-big", orjson.dumps(survey), None)]))  # fmt: skip
    mrr = float(before["tiles"]["mrr"]["value"])
    after = wait_page(
        driver,
        lambda p: any(text in c for c in p["comments"]) and float(p["tiles"]["mrr"]["value"]) > mrr + 500_000,
        30,
        "show the new comment and the new MRR",
    )
    assert after["marker"] == "no-reload"
    assert float(after["at"]) > float(before["at"])
    assert any("NPS 10 · promoter" in c for c in after["comments"] if text in c), after["comments"]


def check_reconnect(driver: Any, board: WallboardProcess, shots: Path) -> None:
    """The page's EventSource comes back by itself after the server restarts."""
    before = read_page(driver)
    board.stop()
    wait_page(driver, lambda p: p["state"] == "offline" and "Lost the wallboard server" in p["banner"], 15,
              "say it lost the server")  # fmt: skip
    driver.save_screenshot(str(shots / "wallboard-offline.png"))
    board.start()
    after = wait_page(driver, lambda p: p["state"] == "live" and float(p["at"]) > float(before["at"]), 20,
                      "reconnect")  # fmt: skip
    assert after["marker"] == "no-reload"
    assert after["banner"] == ""


def _all_stale(page: dict[str, Any]) -> bool:
    visible = [t for t in page["tiles"].values() if not t["hidden"]]
    return bool(visible) and all(t["stale"] == "true" for t in visible)


def check_stale(
    driver: Any, board: WallboardProcess, worker: WorkerProcess, live: subprocess.Popen[bytes], shots: Path
) -> None:
    os.killpg(live.pid, signal.SIGTERM)
    live.wait(30)
    worker.stop()
    # each topic turns stale on its own last event, a second or so apart: wait for all of them
    flagged = lambda p: p["state"] == "stale" and "Stale data" in p["banner"] and _all_stale(p)  # noqa: E731
    page = wait_page(driver, flagged, STALE_AFTER + 15, "flag every tile's data stale")
    visible = [t for t in page["tiles"].values() if not t["hidden"]]
    assert visible and all(t["stale"] == "true" for t in visible), page["tiles"]
    assert orjson.loads(board.get("/api/kpis")[1])["workers"] == {"up": 0, "targets": 1}
    driver.save_screenshot(str(shots / "wallboard-stale.png"))


def check_prometheus_down(driver: Any, prom: PrometheusProcess, shots: Path) -> None:
    """Without Prometheus the page says so and shows no number at all."""
    prom.stop()
    page = wait_page(driver, lambda p: "Prometheus unreachable" in p["banner"], 15, "say Prometheus is down")
    visible = [t for t in page["tiles"].values() if not t["hidden"]]
    assert visible and all(t["value"] == "" and t["text"] == "—" for t in visible), page["tiles"]
    driver.save_screenshot(str(shots / "wallboard-prometheus-down.png"))


def test_wallboard_shows_the_rules_live(engine: EngineHarness, tmp_path: Path) -> None:
    started = time.monotonic()
    shots = artifacts_dir(tmp_path / "screenshots")
    worker = engine.start_worker(port=free_port())
    prom = PrometheusProcess([f"127.0.0.1:{worker.port}"], tmp_path / "prometheus").start()
    env = {**engine.env, "CSPULSE_PROMETHEUS_URL": prom.url, "CSPULSE_WALLBOARD_REFRESH": str(REFRESH),
           "CSPULSE_WALLBOARD_STALE_AFTER": f"{STALE_AFTER}s"}  # fmt: skip
    board = WallboardProcess(env, tmp_path / "wallboard.log")
    live = None
    try:
        feed(engine, worker)
        live = live_traffic(engine)
        board.start()
        with chromium() as driver:
            driver.get(f"{board.url}/")
            wait_page(driver, live_with_numbers, 60, "show live numbers")
            check_api(board)
            check_numbers(driver, prom)
            driver.save_screenshot(str(shots / "wallboard.png"))
            check_boards(driver, board.url, shots)
            check_updates(driver, engine)
            check_at_risk(driver, board)
            check_reconnect(driver, board, shots)
            check_stale(driver, board, worker, live, shots)
            check_prometheus_down(driver, prom, shots)
        print(f"\nwallboard checks passed in {time.monotonic() - started:.0f}s; screenshots in {shots}")
    finally:
        if live is not None and live.poll() is None:
            os.killpg(live.pid, signal.SIGTERM)
            live.wait(30)
        board.stop()
        prom.stop()
