"""The compile benchmark's growth exponent: which sizes it is fitted over (both the full and the --quick run
need at least two), and the fit itself on exact power laws."""

from __future__ import annotations

import pytest

from bench.compile_cost import QUICK_SIZES, SIZES, fit_points, fitted_exponent


def test_full_and_quick_runs_fit_over_two_sizes_or_more() -> None:
    assert [SIZES[i] for i in fit_points(SIZES)] == [1_000, 3_000, 10_000]
    assert [QUICK_SIZES[i] for i in fit_points(QUICK_SIZES)] == [100, 1_000]


@pytest.mark.parametrize("power", [0.5, 1.0, 1.5])
def test_the_fit_finds_the_power_once_the_fixed_time_is_taken_off(power: float) -> None:
    sizes = [1_000, 3_000, 10_000]
    base = 0.3
    assert fitted_exponent(sizes, [base + 1e-4 * n ** power for n in sizes], base) == pytest.approx(power)
