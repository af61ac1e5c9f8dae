"""Results: the headline figures, targets, the printed table, results.json and RESULTS.md."""

from __future__ import annotations

import contextlib
import json
import os
import platform
import re
import subprocess
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from bench.common import fmt_bytes, jsonable

ROOT = Path(__file__).resolve().parent.parent
LATEST_BEGIN, LATEST_END = "<!-- bench:latest -->", "<!-- /bench:latest -->"
HISTORY_MARK = "<!-- bench:history (one row per --record run; add notes below the table) -->"
HISTORY_HEADER = (
    "| date (UTC) | commit | events | engine memory /s | engine rocksdb /s | ceiling /s | peer /s "
    "| engine/ceiling | engine/peer | p50 s | p99 s | B/customer | B/open ticket | recovery rocksdb s "
    "| recovery memory s |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
)

# name, result key, comparison, target, unit
TARGETS = (
    ("events/s per worker, all metrics on", "engine_events_per_s", ">=", 50_000, "/s"),
    ("engine / Quix Streams peer", "engine_over_peer", ">=", 2.0, "x"),
    ("p99 produce-to-/metrics latency at half load", "latency_p99_s", "<=", 1.0, "s"),
    (
        "RSS per customer of state (worker that processed the events)",
        "rss_bytes_per_customer",
        "<=",
        1024,
        "B",
    ),
    ("RSS per open ticket", "rss_bytes_per_open_ticket", "<=", 2048, "B"),
    ("restart to processing, rocksdict store", "recovery_s_rocksdict", "<=", 30.0, "s"),
)


def _ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a and b else None


def headline(r: dict[str, Any]) -> dict[str, Any]:
    """The flat figures of results.json (numbers; None where a phase did not run)."""
    tp = r.get("throughput", {})
    mem, rocks = tp.get("memory", {}), tp.get("rocksdb", {})
    engine = mem.get("events_per_s") or rocks.get("events_per_s")
    ceiling = r.get("ceiling", {}).get("events_per_s")
    peer = r.get("peer", {}).get("events_per_s")
    sizes = r.get("memory", {}).get("customers", [])
    tickets = r.get("memory", {}).get("open_tickets")
    rec = r.get("recovery", {})
    out = {
        "engine_events_per_s": engine,
        "engine_memory_events_per_s": mem.get("events_per_s"),
        "engine_rocksdb_events_per_s": rocks.get("events_per_s"),
        "ceiling_events_per_s": ceiling,
        "peer_events_per_s": peer,
        "engine_over_ceiling": _ratio(engine, ceiling),
        "engine_over_peer": _ratio(engine, peer),
        "engine_rocksdb_over_ceiling": _ratio(rocks.get("events_per_s"), ceiling),
        "engine_rocksdb_over_peer": _ratio(rocks.get("events_per_s"), peer),
        "engine_rss_bytes_after_throughput": mem.get("rss_bytes"),
        "engine_over_baseline": _ratio(
            tp.get(r.get("baseline", {}).get("store_key", ""), {}).get("events_per_s"),
            r.get("baseline", {}).get("events_per_s"),
        ),
        "latency_p50_s": r.get("latency", {}).get("p50_s"),
        "latency_p99_s": r.get("latency", {}).get("p99_s"),
        # a worker that processed the events (conservative: orjson's output buffers and
        # start-up overheads included); restored records at the largest size as well
        "rss_bytes_per_customer": (
            r["memory"]["processed"]["bytes_per_unit"]
            if r.get("memory", {}).get("processed")
            else (sizes[-1]["bytes_per_unit"] if sizes else None)
        ),
        "rss_bytes_per_customer_restored": sizes[-1]["bytes_per_unit"] if sizes else None,
        # the memory-store throughput worker after all N events: the same processing at
        # `customers` scale, where start-up and buffer overheads weigh less than at 10k
        "rss_bytes_per_customer_processed_at_scale": _per(
            mem.get("rss_bytes"), r.get("memory", {}).get("idle_rss_bytes"), r.get("config", {})
        ),
        "rss_bytes_per_open_ticket": tickets["bytes_per_unit"] if tickets else None,
        # the production store restarted on the largest state, once every customer is re-armed
        "rss_bytes_per_customer_restarted_rocksdb": _per(
            rec.get("rocksdb", {}).get("rss_after_rearm"),
            r.get("memory", {}).get("idle_rss_bytes"),
            {"customers": rec.get("rocksdb", {}).get("customers")},
        ),
        "recovery_s_rocksdict": rec.get("rocksdb", {}).get("recovery_s"),
        "recovery_s_memory": rec.get("memory", {}).get("recovery_s"),
    }
    return out


def _per(rss: int | None, idle: int | None, config: dict[str, Any]) -> float | None:
    customers = config.get("customers")
    if not rss or not idle or not customers:
        return None
    return float((rss - idle) / customers)


def targets(flat: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for name, key, op, target, unit in TARGETS:
        value = flat.get(key)
        met = None if value is None else (value >= target if op == ">=" else value <= target)
        rows.append(
            {"target": name, "key": key, "want": f"{op} {target:g}{unit}", "value": value, "met": met}
        )
    return rows


def environment(peer_versions: dict[str, str] | None) -> dict[str, Any]:
    def ver(name: str) -> str:
        try:
            return version(name)
        except PackageNotFoundError:
            return "-"

    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_kb = 0
    with contextlib.suppress(OSError, ValueError, IndexError):
        mem_kb = int(Path("/proc/meminfo").read_text().split()[1])
    stack = (ROOT / "scripts" / "stack").read_text() if (ROOT / "scripts" / "stack").exists() else ""
    kafka = m.group(1) if (m := re.search(r"KAFKA_VERSION=(\S+)", stack)) else "?"
    versions = {
        name: ver(name)
        for name in (
            "cspulse",
            "faust-streaming",
            "aiokafka",
            "orjson",
            "msgspec",
            "pydantic",
            "rocksdict",
            "prometheus-client",
            "py-spy",
        )
    }
    versions.update(python=platform.python_version(), kafka_broker=kafka, **(peer_versions or {}))
    return {
        "machine": {
            "cpu": cpu,
            "cores": os.cpu_count(),
            "memory_bytes": mem_kb * 1024,
            "kernel": platform.release(),
        },
        "versions": versions,
        "git": _git(),
    }


def _git() -> dict[str, Any]:
    def run(*args: str) -> str:
        out = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
        return out.stdout.strip()

    dirty = run("status", "--porcelain", "--", "streams", "schemas")
    return {"commit": run("rev-parse", "--short", "HEAD"), "engine_dirty": bool(dirty)}


# -- rendering ---------------------------------------------------------------------------


def _num(value: Any, unit: str = "") -> str:
    if value is None:
        return "-"
    if unit == "/s":
        return f"{value:,.0f}/s"
    if unit == "x":
        return f"{value:.3g}x"
    if unit == "s":
        return f"{value:.3f} s" if value < 10 else f"{value:.1f} s"
    if unit == "B":
        return fmt_bytes(value)
    return f"{value:,}" if isinstance(value, int) else f"{value:.3g}"


def _family_rows(fam: dict[str, Any] | None) -> list[tuple[str, str, str]]:
    """The `families` phase: usage alone next to all seven families, and state per user."""
    if not fam:
        return []
    out = []
    for name in ("usage only", "all seven families", "all seven families, health off"):
        if t := fam.get(name):
            note = f"{t['records']:,} events in {t['seconds']:.1f} s ({t['store']})"
            out.append((f"engine throughput, {name}", _num(t["events_per_s"], "/s"), note))
    on, off = fam.get("all seven families"), fam.get("all seven families, health off")
    if on and off and off["events_per_s"]:
        cost = 1 - on["events_per_s"] / off["events_per_s"]
        out.append(("cost of the joined step (health, TTV)", f"{cost:.0%}", "throughput lost, one run"))
    if u := fam.get("usage_state"):
        note = f"{u['users']:,} users of {u['customers']:,} customers, {u['features_per_user']} features each"
        out.append(("RSS per tracked user (usage state)", _num(round(u["rss_bytes_per_user"]), "B"), note))
    return out


def rows(r: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(figure, value, note) rows for the table and the markdown."""
    flat = r
    out: list[tuple[str, str, str]] = []
    tp = r.get("throughput", {})
    n = r["config"]["events"]
    for store, t in tp.items():
        out.append(
            (
                f"engine throughput, {store} store",
                _num(t["events_per_s"], "/s"),
                f"{n:,} events in {t['seconds']:.1f} s, CPU {t['cpu_utilisation']:.0%} of a core, "
                f"RSS after {fmt_bytes(t['rss_bytes'])}",
            )
        )
    if b := r.get("baseline"):
        out.append(
            (
                f"engine at baseline {b['rev']} ({b['commit']}), {b['store']}",
                _num(b["events_per_s"], "/s"),
                f"same topics, same run; now / baseline = {_num(flat.get('engine_over_baseline'), 'x')}",
            )
        )
    if c := r.get("ceiling"):
        out.append(("ceiling: aiokafka getmany + orjson.loads", _num(c["events_per_s"], "/s"), ""))
    if p := r.get("peer"):
        out.append(
            (
                "peer: Quix Streams, same aggregations",
                _num(p["events_per_s"], "/s"),
                f"RSS {fmt_bytes(p['rss_bytes'])}",
            )
        )
    for key, label in (
        ("engine_over_ceiling", "engine (memory) / ceiling"),
        ("engine_rocksdb_over_ceiling", "engine (rocksdb) / ceiling"),
        ("engine_over_peer", "engine (memory) / peer"),
        ("engine_rocksdb_over_peer", "engine (rocksdb) / peer"),
    ):
        if flat.get(key) is not None:
            out.append((label, _num(flat[key], "x"), ""))
    out.extend(_family_rows(r.get("families")))
    if lat := r.get("latency"):
        note = (
            f"{lat['probes']} probes at {lat['rate_sent']:,.0f} events/s for {lat['seconds']:.0f} s, "
            f"max {lat['max_s']:.3f} s, missed {lat['missed']}"
        )
        out.append(("latency p50 (produce to /metrics)", _num(lat["p50_s"], "s"), note))
        out.append(("latency p99", _num(lat["p99_s"], "s"), ""))
    if mem := r.get("memory"):
        out.append(("idle worker RSS", _num(mem["idle_rss_bytes"], "B"), ""))
        for size in mem.get("customers", []):
            out.append(
                (
                    f"RSS per customer at {size['count']:,}",
                    _num(size["bytes_per_unit"], "B"),
                    f"RSS {fmt_bytes(size['rss_bytes'])}, {size['records']:,} records of "
                    f"{fmt_bytes(size['record_bytes'])}, restored in {size['restore_s']:.1f} s",
                )
            )
        for key in sorted(k for k in mem if k.startswith("processed")):
            proc = mem[key]
            store = proc.get("store", "memory://")
            out.append(
                (
                    f"RSS per customer at {proc['count']:,}, by processing, {store}",
                    _num(proc["bytes_per_unit"], "B"),
                    f"cross-check: the worker processed {proc['events']:,} events instead of restoring "
                    f"records; RSS {fmt_bytes(proc['rss_bytes'])}",
                )
            )
        if (at_scale := flat.get("rss_bytes_per_customer_processed_at_scale")) is not None:
            out.append(
                (
                    f"RSS per customer at {r['config']['customers']:,}, by processing",
                    _num(at_scale, "B"),
                    "the memory-store throughput worker after every event, less the idle RSS",
                )
            )
        if t := mem.get("open_tickets"):
            out.append(
                (
                    f"RSS per open ticket at {t['count']:,}",
                    _num(t["bytes_per_unit"], "B"),
                    f"RSS {fmt_bytes(t['rss_bytes'])}, {t['customers']:,} customers",
                )
            )
    for store, rec in r.get("recovery", {}).items():
        note = f"{rec['customers']:,} customers ({rec['records']:,} records)"
        if "cold_restore_s" in rec:
            note += f"; first start from the changelog {rec['cold_restore_s']:.1f} s"
        if rec.get("all_probes_processed") is False:
            note += "; **a probe sent at start-up was never processed** (an event lost on restart)"
        out.append((f"recovery after kill -9, {store} store", _num(rec["recovery_s"], "s"), note))
        if rec.get("rss_after_rearm"):
            idle = (r.get("memory") or {}).get("idle_rss_bytes")
            per = _per(rec["rss_after_rearm"], idle, rec)
            per_note = f", {per:,.0f} B per customer" if per is not None else ""
            out.append(
                (
                    f"RSS after the restart, {store} store, once re-armed",
                    fmt_bytes(rec["rss_after_rearm"]),
                    f"{rec['customers']:,} customers{per_note} (RSS - idle worker); "
                    f"background re-arm {rec['rearm_s']:.0f} s",
                )
            )
    return out


def print_table(r: dict[str, Any], console: Console) -> None:
    table = Table(title=f"cspulse benchmark ({r['date']})", title_justify="left")
    table.add_column("figure")
    table.add_column("value", justify="right")
    table.add_column("note", overflow="fold")
    for figure, value, note in rows(r):
        table.add_row(figure, value, note)
    console.print(table)
    t = Table(title="targets (issue 5)", title_justify="left")
    for col in ("target", "want", "measured", "met"):
        t.add_column(col)
    for row in r["targets"]:
        unit = next(u for _, k, _, _, u in TARGETS if k == row["key"])
        met = {True: "[green]yes[/green]", False: "[red]no[/red]", None: "-"}[row["met"]]
        t.add_row(row["target"], row["want"], _num(row["value"], unit), met)
    console.print(t)
    if r.get("phase_seconds"):
        console.print(
            "phase durations: " + ", ".join(f"{k} {v:.0f} s" for k, v in r["phase_seconds"].items())
        )


def markdown(r: dict[str, Any]) -> str:
    env, cfg = r["environment"], r["config"]
    m = env["machine"]
    lines = [
        f"### Run of {r['date']}",
        "",
        f"- command: `{r['command']}`",
        f"- machine: {m['cpu']}, {m['cores']} cores, {fmt_bytes(m['memory_bytes'])} RAM, kernel "
        f"{m['kernel']}, load average {', '.join(f'{x:.2f}' for x in m['loadavg_at_start'])} at the start "
        f"and {', '.join(f'{x:.2f}' for x in m['loadavg_at_end'])} at the end (shared with other engineers)",
        "- versions: " + ", ".join(f"{k} {v}" for k, v in env["versions"].items()),
        f"- commit {env['git']['commit']}"
        + (" (engine files modified)" if env["git"]["engine_dirty"] else ""),
        f"- phases: {', '.join(cfg['phases'])}; stores {', '.join(cfg['stores'])}; "
        f"{cfg['partitions']} partitions",
    ]
    if wl := r.get("workload"):
        lines.append(
            f"- workload: {cfg['events']:,} simulated events over {cfg['customers']:,} customers, "
            f"per topic {wl['per_family']}"
        )
    lines += [
        "",
        "| figure | value | note |",
        "|---|---:|---|",
    ]
    lines += [f"| {a} | {b} | {c} |" for a, b, c in rows(r)]
    lines += ["", "| target (issue 5) | want | measured | met |", "|---|---|---:|---|"]
    for row in r["targets"]:
        unit = next(u for _, k, _, _, u in TARGETS if k == row["key"])
        met = {True: "yes", False: "**no**", None: "-"}[row["met"]]
        lines.append(f"| {row['target']} | {row['want']} | {_num(row['value'], unit)} | {met} |")
    if r.get("phase_seconds"):
        lines += [
            "",
            "Phase durations: " + ", ".join(f"{k} {v:.0f} s" for k, v in r["phase_seconds"].items()) + ".",
        ]
    if prof := r.get("profile", {}).get("by_package"):
        lines += ["", "Profile of the engine (py-spy, share of samples, inclusive by leaf-most package):", ""]
        lines += [f"- {k}: {v:.1%}" for k, v in list(prof.items())[:10]]
    if check := r.get("peer", {}).get("cross_check"):
        lines += ["", "Peer vs engine on the figures both compute (engine, peer):", ""]
        lines += [f"- {k}: {a:,.2f} / {b:,.2f}" for k, (a, b) in check.items()]
    if r.get("notes"):
        lines += ["", "Notes:", ""] + [f"- {n}" for n in r["notes"]]
    if r.get("errors"):
        lines += ["", "Errors:", ""] + [f"- {k}: {v}" for k, v in r["errors"].items()]
    return "\n".join(lines) + "\n"


def history_row(r: dict[str, Any]) -> str:
    f = r
    g = r["environment"]["git"]
    cells = [
        r["date"][:16].replace("T", " "),
        g["commit"] + ("+" if g["engine_dirty"] else ""),
        f"{r['config']['events']:,}",
        _num(f["engine_memory_events_per_s"], "/s"),
        _num(f["engine_rocksdb_events_per_s"], "/s"),
        _num(f["ceiling_events_per_s"], "/s"),
        _num(f["peer_events_per_s"], "/s"),
        _num(f["engine_over_ceiling"], "x"),
        _num(f["engine_over_peer"], "x"),
        _num(f["latency_p50_s"], "s"),
        _num(f["latency_p99_s"], "s"),
        _num(f["rss_bytes_per_customer"], "B")
        + (
            f" ({_num(f['rss_bytes_per_customer_restored'], 'B')} restored)"
            if f.get("rss_bytes_per_customer_restored")
            else ""
        ),
        _num(f["rss_bytes_per_open_ticket"], "B"),
        _num(f["recovery_s_rocksdict"], "s"),
        _num(f["recovery_s_memory"], "s"),
    ]
    return "| " + " | ".join(cells) + " |"


def update_results_md(path: Path, r: dict[str, Any]) -> None:
    """Replace the latest-run block and append a before/after row; the rest is left alone."""
    text = path.read_text() if path.exists() else _skeleton()
    block = f"{LATEST_BEGIN}\n{markdown(r)}{LATEST_END}"
    if LATEST_BEGIN in text and LATEST_END in text:
        head, rest = text.split(LATEST_BEGIN, 1)
        text = head + block + rest.split(LATEST_END, 1)[1]
    else:
        text += "\n" + block + "\n"
    if HISTORY_MARK not in text:
        text += f"\n## Before / after\n\n{HISTORY_MARK}\n\n{HISTORY_HEADER}\n"
    head, rest = text.split(HISTORY_MARK, 1)
    table_end = _table_end(rest)
    text = (
        head + HISTORY_MARK + rest[:table_end].rstrip("\n") + "\n" + history_row(r) + "\n" + rest[table_end:]
    )
    path.write_text(text)


def _table_end(text: str) -> int:
    """Offset just after the last row of the first markdown table in `text`."""
    pos = 0
    seen = False
    for line in text.splitlines(keepends=True):
        if line.startswith("|"):
            seen = True
        elif seen:
            return pos
        pos += len(line)
    return pos


def _skeleton() -> str:
    return "# Benchmark results\n\nWritten by `python -m bench.run --record`.\n\n## Latest run\n\n"


def write_json(path: Path, r: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(jsonable(r), indent=2) + "\n")


def now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
