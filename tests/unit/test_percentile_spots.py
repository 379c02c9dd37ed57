"""Where a percentile lies among n sorted values, and its figure from the two values read there:
the same as PostgreSQL's percentile_cont (and Python's "inclusive" quantiles), from either end."""

from __future__ import annotations

import random
import statistics

import pytest

from desk.services.reports.percentiles import Spot


def read(values: list[float], spot: Spot) -> list[float]:
    """What ``LIMIT spot.limit OFFSET spot.offset`` returns, walking from the spot's end."""
    ordered = sorted(values) if spot.from_low_end else sorted(values, reverse=True)
    return ordered[spot.offset:spot.offset + spot.limit]


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 10, 11, 101])
@pytest.mark.parametrize("p", [0.5, 0.9])
def test_a_spot_reads_the_values_around_its_position(n, p):
    values = random.Random(n).sample(range(10_000), n)
    spot = Spot((), p, n)
    expected = values[0] if n == 1 else statistics.quantiles(values, n=10, method="inclusive")[int(p * 10) - 1]
    assert spot.interpolate(read(values, spot)) == pytest.approx(expected)


def test_the_median_walks_from_the_low_end_and_the_90th_percentile_from_the_high_end():
    median, p90 = Spot((), 0.5, 1001), Spot((), 0.9, 1001)
    assert (median.from_low_end, median.offset, median.limit) == (True, 500, 1)  # exactly the 501st value
    assert (p90.from_low_end, p90.offset, p90.limit) == (False, 100, 1)  # the 101st from the top
    five = Spot((), 0.9, 5)  # position 3.6: the 4th and 5th values, 0.6 of the way
    assert (five.from_low_end, five.offset, five.limit) == (False, 0, 2)
    assert five.interpolate([7.5, 7.0]) == pytest.approx(7.3)


def test_a_group_that_emptied_between_count_and_walk_has_no_figure():
    assert Spot(("agent",), 0.5, 3).interpolate([]) is None
