"""Interned series: one number per series key, the key read back from it."""

from __future__ import annotations

from uuid import uuid4

from hypothesis import given
from hypothesis import strategies as st

from streams.metrics.base import key_of, series, slot, slot_of

names = st.text("abcxyz_", min_size=1, max_size=8)
labels = st.dictionaries(st.sampled_from(["a", "b", "kind"]), st.text("pqr", max_size=3), max_size=3)


@given(name=names, first=labels, second=labels)
def test_a_series_has_one_number_and_reads_back_as_itself(name, first, second) -> None:
    # a name no earlier test (nor a process this one was forked from) has interned
    name = f"cs_test_slot_{name}_{uuid4().hex}"
    one, other = series(name, **first), series(name, **second)
    number = slot_of(one)
    assert isinstance(number, int)
    assert slot_of(one) == number == slot(name, **first)
    assert key_of(number) == one
    assert (slot_of(other) == number) == (other == one)
    assert key_of(slot_of(other)) == other
