"""What the health score reads of the payment and usage records, at their edges.

Windows are `(clock - W, clock]` (README "Definitions"): a failure or an activity at exactly
`clock - W` is outside. A usage record whose activation features were never used, or whose
first uses are unknown (an upgraded record), has no first value.
"""

from __future__ import annotations

from array import array

from streams.metrics.health import HealthConfig
from streams.metrics.health_inputs import _payments, _usage
from streams.metrics.payments import PaymentState
from streams.metrics.usage import NEVER_USED, UsageState

CLOCK = 1_772_442_000
CONFIG = HealthConfig()
BILLING = 30 * 86400
USAGE = 7 * 86400
FAILED, SUCCEEDED = 1, 0


def test_a_failure_at_the_window_edge_is_outside() -> None:
    floor = CLOCK - BILLING
    state = PaymentState(history=[(floor, FAILED, 100), (floor + 1, FAILED, 100), (CLOCK, SUCCEEDED, 100)])
    assert _payments(None, state, CLOCK, CONFIG) == [floor + 1]


def test_an_activity_at_the_window_edge_is_outside() -> None:
    floor = CLOCK - USAGE
    users = {"u1": array("q", (floor, floor)), "u2": array("q", (floor, floor + 1))}
    state = UsageState(features=["export"], uses=[2], users=users, latest=floor + 1, firsts=[floor])
    assert _usage(None, state, CLOCK, CONFIG) == [[floor + 1], floor]


def test_no_first_value_without_a_known_first_use_of_an_activation_feature() -> None:
    state = UsageState(features=["export"], uses=[1], firsts=[CLOCK])
    only_search = HealthConfig(activation=frozenset({"search"}))
    assert _usage(None, state, CLOCK, only_search) == [[], None]
    upgraded = UsageState(features=["export"], uses=[1], firsts=[NEVER_USED])
    assert _usage(None, upgraded, CLOCK, CONFIG) == [[], None]
