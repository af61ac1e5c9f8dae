"""`cspulse` command line: worker, simulate, produce, report, topics, wallboard."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError
from pydantic_settings import SettingsError

from streams.settings import Settings, load_settings

EPILOG = (
    "Configuration comes from CSPULSE_* environment variables (see the README's "
    "configuration table and .env.example)."
)


def _settings() -> Settings:
    """The settings from the environment; an invalid variable is one line and exit status 2."""
    try:
        return load_settings(None)
    except ValidationError as exc:
        lines = [_config_error("_".join(str(p) for p in e["loc"]), e["msg"]) for e in exc.errors()]
    except SettingsError as exc:  # a value pydantic-settings could not even decode
        field = exc.args[0].split('"')[1] if '"' in exc.args[0] else "?"
        lines = [_config_error(field, "cannot be parsed (expected JSON)")]
    print("\n".join(lines), file=sys.stderr)
    sys.exit(2)


def _config_error(field: str, message: str) -> str:
    message = message.removeprefix("Value error, ").replace("\n", " ")
    return f"cspulse: invalid configuration: CSPULSE_{field.upper()}: {message}"


def _positive_int(text: str) -> int:
    value = int(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text}")
    return value


def _share(text: str) -> float:
    value = float(text)
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, got {text}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cspulse",
        description="Real-time customer-success metrics from Kafka events.",
        epilog=EPILOG,
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for add in (_worker, _simulate, _produce, _report, _topics, _wallboard):
        add(sub)
    return parser


Subparsers = Any  # argparse's _SubParsersAction, private in typeshed


def _worker(sub: Subparsers) -> None:
    worker = sub.add_parser(
        "worker",
        help="run a stream-processing worker (scale out by starting more)",
        description="Consume the cs.* topics, keep metric state, serve /metrics.",
        epilog=EPILOG,
    )
    worker.add_argument("--web-port", type=int, help="override CSPULSE_WEB_PORT for this worker")
    worker.add_argument("--data-dir", help="override CSPULSE_DATA_DIR (one per worker)")
    worker.add_argument("--loglevel", help="override CSPULSE_LOG_LEVEL (debug, info, warning)")


def _simulate(sub: Subparsers) -> None:
    sim = sub.add_parser(
        "simulate",
        help="publish realistic synthetic events (live rate or a burst)",
        description=(
            "Generate subscription, payment, ticket and survey events per the contract. "
            "Either --rate (live: event time is now, paced to wall clock, until Ctrl-C or "
            "--count) or --count alone (a burst of history ending now, with a progress bar)."
        ),
        epilog=EPILOG,
    )
    mode = sim.add_argument_group("mode")
    mode.add_argument("--rate", type=float, help="events per second, live")
    mode.add_argument("--count", type=_positive_int, help="number of events to publish")
    mode.add_argument(
        "--scenario",
        choices=("churn-spike", "response-time-spike"),
        help="a quiet history, then an incident now that should raise its alert (--customers sizes it)",
    )
    sim.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    sim.add_argument("--customers", type=_positive_int, default=1000, help="customers (default 1000)")
    sim.add_argument("--churn-rate", type=_share, default=0.02, help="cancel chance per step")
    sim.add_argument("--expansion-rate", type=_share, default=0.05, help="upgrade chance per step")
    sim.add_argument("--contraction-rate", type=_share, default=0.03, help="downgrade chance")
    sim.add_argument(
        "--mix",
        help="family shares (default usage=0.4,tickets=0.18,subscriptions=0.12,payments=0.12,"
        "surveys=0.08,growth=0.07,costs=0.03), e.g. usage=0.9,subscriptions=0.05,payments=0.05",
    )
    sim.add_argument("--span", default="7d", help="event-time span of a burst, ending now (default 7d)")
    sim.add_argument("--out-of-order", type=_share, default=0.0, help="share of late events")
    sim.add_argument("--duplicates", type=_share, default=0.0, help="share sent twice")
    sim.add_argument("--bad-records", type=_share, default=0.0, help="share of invalid records")
    sim.add_argument(
        "--spike-delay", type=float, default=0.0, metavar="S", help="--scenario: pause before the spike"
    )
    sim.add_argument("--out", metavar="FILE.jsonl", help="write to a file instead of Kafka")
    sim.add_argument("--no-progress", action="store_true", help="no progress bar")


def _produce(sub: Subparsers) -> None:
    produce = sub.add_parser(
        "produce",
        help="validate a JSONL file of events and publish the valid ones",
        description=(
            "Each line is one event. Valid events go to their family's topic keyed by "
            "customer_id; rejected lines are listed with their line number and reason and "
            "not published (unless --send-invalid). Exit status 3 when lines were rejected."
        ),
        epilog=EPILOG,
    )
    produce.add_argument("file", metavar="FILE.jsonl", help="events, one JSON object per line ('-' = stdin)")
    produce.add_argument("--topic", help="publish every line to this topic instead of by type")
    produce.add_argument(
        "--send-invalid",
        action="store_true",
        help="also publish rejected lines unchanged, for the worker to dead-letter (testing)",
    )
    produce.add_argument("--no-progress", action="store_true", help="no progress bar")


def _report(sub: Subparsers) -> None:
    report = sub.add_parser(
        "report",
        help="compute every metric offline from a JSONL file or the topics",
        description=(
            "Runs the engine's own domain code with no broker (FILE) or over the topics "
            "read back from the beginning (--from-topics). --json prints the series exactly "
            "as /metrics reads summed across workers."
        ),
        epilog=EPILOG,
    )
    report.add_argument("file", nargs="?", metavar="FILE.jsonl", help="events ('-' = stdin)")
    report.add_argument("--from-topics", action="store_true", help="read the cs.* topics instead")
    report.add_argument("--json", action="store_true", help="flat JSON of every series (or of --accounts)")
    report.add_argument(
        "--accounts",
        action="store_true",
        help="per-customer health instead: score, band, MRR, components and reasons, most MRR first",
    )
    report.add_argument(
        "--band",
        metavar="BANDS",
        help="with --accounts: healthy, at_risk, critical or a comma list (default: every band)",
    )


def _topics(sub: Subparsers) -> None:
    topics = sub.add_parser("topics", help="create or describe the engine's topics", epilog=EPILOG)
    topics.add_argument("action", choices=["create", "describe"])


def _wallboard(sub: Subparsers) -> None:
    wallboard = sub.add_parser(
        "wallboard",
        help="serve the live KPI wallboard (web page, /api/kpis, SSE)",
        description=(
            "Headline KPIs from Prometheus (CSPULSE_PROMETHEUS_URL) and survey comments from "
            "Redis, pushed to the page every CSPULSE_WALLBOARD_REFRESH seconds. "
            "?board=support|revenue|voc picks one board."
        ),
        epilog=EPILOG,
    )
    wallboard.add_argument("--bind", help="override CSPULSE_WALLBOARD_BIND")
    wallboard.add_argument("--port", type=int, help="override CSPULSE_WALLBOARD_PORT")


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    settings = _settings()
    if args.command == "worker":
        from streams.commands.worker import run_worker

        return run_worker(settings, args)
    if args.command == "simulate":
        from streams.commands.simulate import run_simulate

        return run_simulate(settings, args)
    if args.command == "produce":
        from streams.commands.produce import run_produce

        return run_produce(settings, args)
    if args.command == "report":
        from streams.commands.report import run_report

        return run_report(settings, args)
    if args.command == "wallboard":
        from streams.commands.wallboard import run_wallboard

        return run_wallboard(settings, args)
    from streams.commands.topics import run_topics

    return run_topics(settings, args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
