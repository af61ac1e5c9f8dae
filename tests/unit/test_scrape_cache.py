"""The collector serves a scrape that finds nothing changed the read-out before it, and
only then: every scrape, cached or not, is what a fresh collector reads from the same
sums (events applied between scrapes, scrapes with nothing between them, a partition
replaced by its recovered copy, a folding decision learned from the registry)."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st
from prometheus_client import CollectorRegistry, generate_latest

from bench.state import TEMPLATE_ENV
from bench.workload import Workload
from streams.engine.checkpoint import dump_sums, load_sums
from streams.engine.offline import OfflineRun
from streams.exposition import SumsCollector
from streams.metrics.aggregate import PartitionSums
from streams.metrics.base import Due
from streams.metrics.readout import LabelFolder
from streams.settings import load_settings

SETTINGS = load_settings({**TEMPLATE_ENV, "CSPULSE_PARTITIONS": "4"})
LINES = [value for _, _, value in Workload(3000, 200, seed=5).records()]


def page(run: OfflineRun, collector: SumsCollector | None = None, limit: int = 3) -> bytes:
    registry = CollectorRegistry()
    registry.register(collector or SumsCollector(run.engine.exposed, label_limit=limit))
    return generate_latest(registry)


@settings(max_examples=25, deadline=None)
@example(["feed", "learn"])
@example(["feed", "scrape", "dup", "recover", "feed"])
@given(st.lists(st.sampled_from(["feed", "scrape", "dup", "recover", "learn"]), min_size=1, max_size=12))
def test_every_scrape_reads_what_a_fresh_collector_reads(steps: list[str]) -> None:
    run = OfflineRun(SETTINGS)
    folder = LabelFolder(3, shared=True)  # values are kept only as the registry decides
    cached = SumsCollector(run.engine.exposed, folder=folder)
    fed: list[bytes] = []  # fed again whole each time: line numbers are the offsets, old ones skipped
    for step in steps:
        if step == "feed" and len(fed) < len(LINES):
            fed += LINES[len(fed) : len(fed) + 300]
            run.feed_lines(fed)
        elif step == "dup" and fed:  # an event again under a new offset: a duplicate, no clock moves
            fed.append(fed[-1])
            run.feed_lines(fed)
        elif step == "recover":  # every partition replaced by a copy read from its checkpoint
            for proc in run.engine.exposed:
                for partition, sums in list(proc.sums.items()):
                    copy = load_sums(dump_sums(sums), proc.windows)
                    assert copy is not None
                    proc.sums[partition] = copy
        elif step == "learn":  # the registry decides: two of the plans seen are kept
            seen = folder.kept.get("plan", set()) | folder.unknown.get("plan", set())
            folder.learn("plan", sorted(seen)[:2])
        fresh_folder = LabelFolder(3, shared=True)
        fresh_folder.kept = {label: set(values) for label, values in folder.kept.items()}
        want = page(run, SumsCollector(run.engine.exposed, folder=fresh_folder))
        assert page(run, cached) == want


def test_a_scrape_with_nothing_changed_reuses_the_read_out() -> None:
    run = OfflineRun(SETTINGS)
    run.feed_lines(LINES[:500])
    collector = SumsCollector(run.engine.exposed, label_limit=3)
    first = list(collector.collect())
    assert list(collector.collect()) == first  # the same Metric objects
    run.feed_lines(LINES[:510])  # line numbers are the offsets: 10 new events
    assert list(collector.collect()) != first


KEYS = [("cs_a", ()), ("cs_b", (("plan", "pro"),))]
ops = st.one_of(
    st.tuples(
        st.just("add"),
        st.sampled_from(KEYS),
        st.one_of(st.none(), st.integers(0, 400_000), st.builds(Due, st.integers(0, 400_000))),
        st.integers(-3, 3),
    ),
    st.tuples(st.just("advance"), st.integers(0, 400_000)),
    st.tuples(st.sampled_from(["expire", "maybe_expire", "read"])),
)


@given(st.lists(ops, max_size=30))
def test_the_stamp_moves_whenever_a_read_could_differ(steps: list[tuple]) -> None:
    sums = PartitionSums({"1h": 3600, "24h": 86400})
    seen, stamp = sums.read(), sums.stamp
    for step in steps:
        if step[0] == "add":
            sums.add({(step[1], step[2]): step[3]})
        elif step[0] == "advance":
            sums.advance(step[1])
        elif step[0] != "read":
            getattr(sums, step[0])()
        now = sums.read()
        assert now == seen or sums.stamp != stamp, step
        seen, stamp = now, sums.stamp
