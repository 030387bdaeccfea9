"""The charts' scale: the axis reaches just above the largest value, not an order of magnitude beyond."""
from __future__ import annotations

import pytest

from ink.attendance.svg import _scale_max, bar_chart


@pytest.mark.parametrize(("values", "top"), [([], 5), ([0], 5), ([3], 5), ([7], 10), ([24], 25), ([680], 1000),
                                             ([1001], 2500), ([168, 472, 680], 1000), ([5000], 5000)])
def test_scale_is_the_smallest_nice_number_that_fits(values: list[float], top: float) -> None:
    """Regression: values up to 680 were drawn against an axis of 5000 (the bars a fifth of the height)."""
    assert _scale_max(values) == top


def test_bar_chart_axis_labels() -> None:
    chart = str(bar_chart("Title", "Desc", ["Jan", "Feb"], [680, 120]))
    assert ">1000</text>" in chart and ">5000</text>" not in chart
