"""Done-when of issue 2: a file with duplicates and bad records, through `cspulse produce` and kcat."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys

import orjson

from tests.factories import event, raw
from tests.integration.conftest import consume_all
from tests.integration.stack import BOOTSTRAP, scrape_sum, wait_for


def test_produce_file_with_duplicates_and_bad_lines(engine, tmp_path):
    worker = engine.start_worker()
    good = [raw(event("survey.responded", customer=f"cus_{i}", minutes=i, score=i % 11)) for i in range(30)]
    bad = [b"{nope", raw(event("survey.responded", customer="cus_x", score=42))]
    lines = [*good, good[0], good[1], bad[0], *good[2:5], bad[1]]  # two duplicates, two rejects
    path = tmp_path / "events.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    env = {**os.environ, **engine.env}
    cmd = [sys.executable, "-m", "streams.cli", "produce", str(path), "--no-progress"]
    out = subprocess.run(cmd, env=env, capture_output=True, timeout=120)
    assert out.returncode == 3, out.stderr  # some lines were rejected
    stderr = out.stderr.decode()
    assert "line 33: malformed_json" in stderr
    assert "line 37: schema_violation" in stderr
    assert b"2 line(s) rejected" in out.stdout
    applied = f'cs_events_total{{outcome="applied",topic="{engine.topic("surveys")}"}}'
    duplicate = f'cs_events_total{{outcome="duplicate",topic="{engine.topic("surveys")}"}}'
    wait_for(lambda: scrape_sum([worker]).get(applied) == 30, 60, "30 applied", [worker])
    wait_for(lambda: scrape_sum([worker]).get(duplicate) == 5, 30, "5 duplicates", [worker])
    got = scrape_sum([worker])
    assert not any(k.startswith("cs_deadletter_total") for k in got), "produce published a rejected line"

    # the same bad lines sent raw with kcat reach the dead-letter topic with their reasons
    kcat = shutil.which("kcat")
    assert kcat, "kcat is missing: run scripts/install-deps"
    subprocess.run(
        [
            kcat,
            "-P",
            "-b",
            BOOTSTRAP,
            "-t",
            engine.topic("surveys"),
            "-K",
            "\t",
            "-X",
            "partitioner=murmur2_random",
        ],
        input=b"".join(b"cus_x\t" + line + b"\n" for line in bad),
        check=True,
        timeout=60,
    )
    reasons = {
        f'cs_deadletter_total{{reason="{r}",topic="{engine.topic("surveys")}"}}'
        for r in ("malformed_json", "schema_violation")
    }
    wait_for(lambda: all(scrape_sum([worker]).get(k) == 1 for k in reasons), 60, "kcat rejects", [worker])
    dead = asyncio.run(consume_all(engine.settings.topic_deadletter, 2))
    assert sorted(r.value for r in dead) == sorted(bad)
    assert {dict(r.headers)["cs.error.reason"] for r in dead} == {b"malformed_json", b"schema_violation"}
    assert orjson.loads(bad[1])["score"] == 42
