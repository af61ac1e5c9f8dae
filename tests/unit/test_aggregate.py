"""PartitionSums: windows bucketed at W/24 and read at the partition clock."""

from hypothesis import given
from hypothesis import strategies as st

from streams.metrics.aggregate import PartitionSums, bucket_size, read_all
from streams.metrics.base import Due, series, slot_of
from streams.metrics.readout import flat_name

KEY = series("cs_x", kind="a")
K = slot_of(KEY)  # contributions are keyed by interned series


def _windowed(key, window):  # type: ignore[no-untyped-def]
    return (key[0], tuple(sorted((*key[1], ("window", window)))))


def test_window_covers_half_open_interval_with_bucket_granularity():
    sums = PartitionSums({"1h": 3600})
    b = bucket_size(3600)
    assert b == 150
    sums.add({(K, 10_000): 1, (K, 10_000 + 3600): 2})
    sums.advance(10_000 + 3600)
    # the event exactly W before the clock lies in a bucket at or below the floor
    assert sums.read()[(KEY[0], (("kind", "a"), ("window", "1h")))] == 2


@given(
    events=st.lists(st.tuples(st.integers(0, 200_000), st.integers(1, 5)), min_size=1, max_size=60),
    extra=st.integers(0, 50_000),
)
def test_window_error_at_most_one_bucket(events, extra):
    window = 3600
    b = bucket_size(window)
    clock = max(t for t, _ in events) + extra
    got = read_all([{(K, t): v} for t, v in events], clock, {"1h": window})
    got_value = got.get((KEY[0], (("kind", "a"), ("window", "1h"))), 0)
    exact = sum(v for t, v in events if clock - window < t <= clock)
    loose = sum(v for t, v in events if clock - window - b < t <= clock)
    assert exact - sum(v for t, v in events if clock - window < t < clock - window + b) <= got_value
    assert got_value <= loose


def test_due_counts_once_clock_reaches_deadline():
    sums = PartitionSums({"1h": 3600})
    key = series("cs_overdue", priority="high")
    sums.add({(slot_of(key), Due(500)): 1})
    sums.advance(499)
    assert sums.read()[key] == 0
    sums.advance(500)
    assert sums.read()[key] == 1


def test_expire_drops_only_invisible_buckets():
    sums = PartitionSums({"1h": 3600, "24h": 86400})
    sums.add({(K, 0): 1, (K, 90_000): 1})
    before = sums.read()
    sums.advance(90_000)
    after_read = sums.read()
    sums.expire()
    assert sums.read() == after_read
    assert before != after_read


def test_expire_frees_the_buckets_a_window_left_and_a_late_one_at_its_next_move():
    sums = PartitionSums({"1h": 3600})  # buckets of 150 s
    sums.add({(K, 0): 1, (K, 3700): 1})
    sums.advance(3750)  # the window is (150, 3750]: bucket 0 is out
    sums.expire()
    assert sorted(sums.grids["1h"].cells.values()) == [1]
    sums.add({(K, 10): 1})  # late, below the window: never read
    sums.expire()  # the floor has not moved: left for the next move
    assert sums.read() == {_windowed(KEY, "1h"): 1}
    sums.advance(3900)
    sums.expire()
    assert list(sums.grids["1h"].cells.values()) == [1]
    assert sums.read() == {_windowed(KEY, "1h"): 1}


def test_flat_name_sorts_labels():
    assert flat_name(("cs_a", (("z", "1"), ("a", "2")))) == 'cs_a{a="2",z="1"}'
    assert flat_name(("cs_a", ())) == "cs_a"
