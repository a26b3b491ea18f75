"""Scaling tables built from synthetic studies whose answers are known."""

import math

import pytest

from hmp_tools.report.analyse import analyse
from hmp_tools.report.records import Loaded, parse_record
from synthetic import amdahl_time, record, strong_study

T1 = 12.0
CONSTRUCTED = {1: 1.0, 2: 1.9, 4: 3.6, 8: 6.4, 16: 10.0}   # p -> speed-up


def _analyse(dicts, mixed=False):
    return analyse(Loaded(records=[parse_record(d, "mem", i) for i, d in enumerate(dicts, 1)]),
                   mixed=mixed)


def _constructed_study(**fields):
    out = [record(method="sequential", seconds=[T1 * 0.98, T1, T1 * 1.05], **fields)]
    for p, s in CONSTRUCTED.items():
        t = T1 / s
        out.append(record(method="pool.map", ranks=p, seconds=[t * 1.02, t * 0.97, t], **fields))
    return out


def test_speedup_table_equals_the_constructed_one():
    (group,) = _analyse(_constructed_study()).sections[0].strong
    table = {p.workers: p.speedup for s in group.series if s.method == "pool.map"
             for p in s.points}
    assert table == pytest.approx(CONSTRUCTED, rel=1e-12)
    pool = next(s for s in group.series if s.method == "pool.map")
    assert [p.efficiency for p in pool.points] == \
        pytest.approx([s / p for p, s in CONSTRUCTED.items()], rel=1e-12)
    # The spread comes from the min-max of the repeats: S_lo = T1/Tmax, S_hi = T1/Tmin.
    p16 = pool.points[-1]
    assert (p16.speedup_lo, p16.speedup_hi) == pytest.approx((10.0 / 1.02, 10.0 / 0.97))
    assert group.baseline_note.startswith("sequential")


def test_karp_flatt_per_point_and_amdahl_fit_through_the_pipeline():
    f = 0.04
    (group,) = _analyse(strong_study(f=f, t1=5.0, workers=(2, 4, 8, 32))).sections[0].strong
    pool = next(s for s in group.series if s.method == "pool.map")
    # Under exact Amdahl timings, Karp-Flatt equals f at every p.
    assert [p.karp_flatt for p in pool.points] == pytest.approx([f] * 4, rel=1e-9)
    assert abs(pool.fit.serial_fraction - f) / f < 0.01


def test_repeats_of_one_configuration_are_pooled_before_the_median():
    recs = [record(method="sequential", seconds=[10.0]),
            record(method="pool.map", ranks=2, seconds=[4.0, 9.0]),
            record(method="pool.map", ranks=2, seconds=[5.0])]
    (group,) = _analyse(recs).sections[0].strong
    pool = group.series[1].points[0]
    assert (pool.config.median, pool.config.min, pool.config.max, pool.config.records) == \
        (5.0, 4.0, 9.0, 2)
    assert pool.speedup == 2.0


def test_sequential_of_a_method_all_job_is_the_one_core_baseline():
    # `--method all` at 2 ranks records sequential at ranks 2, threads 1: it
    # still ran on root alone, so it is the 1 × 1 baseline, not a "p=2" series.
    recs = [record(method="sequential", ranks=2, seconds=[10.0]),
            record(method="pool.map", ranks=2, seconds=[4.0]),
            record(method="sequential", ranks=1, seconds=[12.0])]
    (group,) = _analyse(recs).sections[0].strong
    seq = [s for s in group.series if s.method == "sequential"]
    assert [(p.workers, p.config.ranks) for s in seq for p in s.points] == [(1, 1)]
    assert seq[0].points[0].config.seconds == (10.0, 12.0)   # both runs pooled
    assert group.baseline_note.startswith("sequential")
    pool = next(s for s in group.series if s.method == "pool.map")
    assert pool.points[0].speedup == pytest.approx(11.0 / 4.0)


def test_without_sequential_each_method_uses_its_smallest_run():
    recs = [record(method="pool.map", ranks=p, seconds=[8.0 / p]) for p in (2, 4, 8)]
    (group,) = _analyse(recs).sections[0].strong
    (series,) = group.series
    assert series.baseline.workers == 2
    assert [p.speedup for p in series.points] == pytest.approx([1, 2, 4])
    assert [p.efficiency for p in series.points] == pytest.approx([1, 1, 1])
    # No true T1: neither Karp-Flatt nor Amdahl can be stated.
    assert all(math.isnan(p.karp_flatt) for p in series.points) and series.fit is None


def test_layouts_with_the_same_worker_count_become_separate_series():
    recs = [record(method="sequential", seconds=[8.0])]
    recs += [record(method="pool.map", ranks=r, threads=t, seconds=[8.0 / (r * t)])
             for r in (1, 2, 4) for t in (1, 2)]
    (group,) = _analyse(recs).sections[0].strong
    labels = [s.label for s in group.series]
    assert labels == ["sequential", "pool.map (1 thread/rank)", "pool.map (2 threads/rank)"]
    assert [p.workers for p in group.series[2].points] == [2, 4, 8]


def test_weak_scaling_efficiency_is_t1_over_tp():
    recs = [record(method="sequential", items=10, scaling="weak", seconds=[2.0])]
    recs += [record(method="pool.map", items=10 * p, ranks=p, scaling="weak",
                    seconds=[2.0 * (1 + 0.1 * p)]) for p in (1, 2, 4)]
    section = _analyse(recs).sections[0]
    assert section.strong == []
    (group,) = section.weak
    pool = next(s for s in group.series if s.method == "pool.map")
    assert [p.efficiency for p in pool.points] == pytest.approx([1 / 1.1, 1 / 1.2, 1 / 1.4])


def test_load_imbalance_is_max_over_mean_of_busy_seconds():
    recs = [record(method="pool.map", ranks=4, seconds=[1.0], busy_seconds=[1.0, 1.0, 1.0, 3.0])]
    (config,) = _analyse(recs).sections[0].configs
    assert config.imbalance == pytest.approx(3.0 / 1.5)


def test_failed_runs_are_listed_and_kept_out_of_the_tables():
    recs = strong_study(f=0.1, workers=(2, 4))
    recs.append(record(method="pool.map", ranks=8, seconds=[0.1], status="failed"))
    recs.append(record(method="pool.map", ranks=16, seconds=[0.1], check="failed"))
    section = _analyse(recs).sections[0]
    assert sorted(p.workers for p in section.strong[0].points) == [1, 2, 4]
    assert [(f.ranks, f.reasons) for f in section.failed] == \
        [(8, ("status failed",)), (16, ("check failed",))]


def test_builds_and_hosts_are_separated_unless_pooled_on_purpose():
    recs = strong_study(f=0.1) + strong_study(f=0.2, host="node02") \
        + strong_study(f=0.3, build="v0.2")
    separate = _analyse(recs)
    assert len(separate.sections) == 3 and not separate.mixed
    fits = sorted(round(g.series[1].fit.serial_fraction, 6)
                  for s in separate.sections for g in s.strong)
    assert fits == [0.1, 0.2, 0.3]
    pooled = _analyse(recs, mixed=True)
    assert len(pooled.sections) == 1 and pooled.mixed
    assert "MIXED" in pooled.sections[0].provenance.label


def test_amdahl_helper_matches_the_law():
    assert amdahl_time(10.0, 0.1, 4) == pytest.approx(10.0 * (0.1 + 0.9 / 4))
