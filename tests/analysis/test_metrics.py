"""The formulas against hand-computed values and known serial fractions."""

import math

import pytest

from hmp_tools.report import metrics


def test_karp_flatt_matches_hand_computed_values():
    # T1 = 10 s; T2 = 6, T4 = 4, T8 = 3.25 s, worked out on paper:
    # S2 = 10/6: (0.6 - 0.5)/0.5 = 0.2; S4 = 2.5: (0.4 - 0.25)/0.75 = 0.2;
    # S8 = 10/3.25: (0.325 - 0.125)/0.875 = 0.2/0.875 = 8/35.
    expected = {2: 0.2, 4: 0.2, 8: 8 / 35}
    for p, t in {2: 6.0, 4: 4.0, 8: 3.25}.items():
        s = metrics.speedup(10.0, t)
        assert metrics.karp_flatt(s, p) == pytest.approx(expected[p], rel=1e-12)


def test_karp_flatt_is_undefined_at_one_worker_and_zero_for_ideal_speedup():
    assert math.isnan(metrics.karp_flatt(1.0, 1))
    assert metrics.karp_flatt(16.0, 16) == pytest.approx(0.0, abs=1e-15)


def test_speedup_and_efficiency():
    assert metrics.speedup(12.0, 3.0) == 4.0
    assert metrics.efficiency(4.0, 8) == 0.5
    # Against a 2-worker baseline, a 2x faster run at p=4 is perfectly efficient.
    assert metrics.efficiency(2.0, 4, p_base=2) == 1.0


@pytest.mark.parametrize("f", [0.0, 0.01, 0.07, 0.3])
def test_amdahl_fit_recovers_exact_serial_fraction(f):
    workers = [1, 2, 4, 8, 16, 32]
    fit = metrics.fit_amdahl(workers, metrics.amdahl_speedup(f, workers))
    assert fit.serial_fraction == pytest.approx(f, abs=1e-12)
    assert fit.points == 5            # p = 1 carries no information
    assert fit.rms_relative_error < 1e-12


def test_amdahl_fit_recovers_serial_fraction_within_one_percent_under_noise():
    f, workers = 0.07, [2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64]
    # Deterministic ±1% timing noise, alternating so it does not bias f.
    noise = [1.01, 0.99, 1.005, 0.995, 1.0, 1.01, 0.99, 1.008, 0.992, 1.004, 0.996]
    speedups = [s / n for s, n in zip(metrics.amdahl_speedup(f, workers), noise)]
    fit = metrics.fit_amdahl(workers, speedups)
    assert abs(fit.serial_fraction - f) / f < 0.01
    assert 0.0 < fit.rms_relative_error < 0.02
    assert fit.max_speedup == pytest.approx(1 / fit.serial_fraction)


def test_amdahl_fit_needs_two_worker_counts_above_one():
    assert metrics.fit_amdahl([1, 4], [1.0, 3.0]) is None
    assert metrics.fit_amdahl([1, 4, 4], [1.0, 3.0, 3.1]) is None
    assert metrics.fit_amdahl([1, 2, 4], [1.0, 1.9, 3.4]) is not None


def test_amdahl_fit_is_the_least_squares_minimum_in_inverse_speedup():
    workers = [2, 4, 8, 16]
    speedups = [1.7, 3.5, 5.2, 9.9]            # deliberately not Amdahl-shaped

    def cost(f):
        return sum((1 / s - f - (1 - f) / p) ** 2 for p, s in zip(workers, speedups))

    f = metrics.fit_amdahl(workers, speedups).serial_fraction
    assert cost(f) < cost(f + 1e-4) and cost(f) < cost(f - 1e-4)
