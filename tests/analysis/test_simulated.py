"""Simulated records (SMPI, "simulated": true) are reported apart from
measured ones: their own section and tables/simulated_scaling.csv, never a
point of a measured scaling series."""

from __future__ import annotations

import csv
import math
import subprocess

from synthetic import COMMAND, record, strong_study, write_jsonl

REQUIRED = ("ranks", "schedule", "task_us", "items", "makespan_s", "ideal_s", "efficiency",
            "overhead_us_per_task")


def sim_map(ranks, schedule, task_us, items, makespan, **fields) -> dict:
    """A bench-scale map record whose figures follow the bench's arithmetic."""
    ideal = items * task_us * 1e-6 / ranks
    return record(app="bench-scale", method="map", items=items, size=0, ranks=ranks,
                  nodes=max(1, ranks // 4), seconds=[makespan], simulated=True,
                  platform="fat-tree-256", schedule=schedule, task_us=task_us,
                  makespan_s=makespan, ideal_s=ideal, efficiency=ideal / makespan,
                  overhead_us_per_task=(makespan - ideal) * ranks / items * 1e6, **fields)


def simulated_rows(tmp_path, *options) -> list:
    """Runs hmp-report on tmp_path/in into tmp_path/out; the rows of its
    tables/simulated_scaling.csv."""
    done = subprocess.run([*COMMAND, "--out", str(tmp_path / "out"), *options, str(tmp_path / "in")],
                          capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr
    with open(tmp_path / "out" / "tables" / "simulated_scaling.csv", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_simulated_records_get_their_own_table(tmp_path):
    measured = strong_study(workers=(2, 4))
    simulated = [sim_map(64, "dynamic", 100.0, 1000, 1000 * 100e-6 / 64 * 1.25),
                 sim_map(256, "dynamic", 100.0, 1000, 1000 * 100e-6 / 256 * 1.25,
                         elapsed_seconds=12.5, peak_rss_bytes=3 << 30)]
    # The same configuration twice: the record of median makespan is shown.
    simulated += [sim_map(64, "dynamic", 100.0, 1000, m) for m in (9.0, 1e-9)]
    simulated.append(record(app="bench-scale", method="task_error", items=100, size=0, ranks=64,
                            nodes=16, seconds=[2e-4], simulated=True, platform="fat-tree-256",
                            schedule="default", task_us=0, makespan_s=2e-4, error_reach_s=2e-4,
                            same_error_everywhere=True))
    write_jsonl(tmp_path / "in" / "measured.jsonl", measured)
    write_jsonl(tmp_path / "in" / "simulated.jsonl", simulated)
    rows = simulated_rows(tmp_path)
    assert set(REQUIRED) <= set(rows[0])
    maps = sorted((r for r in rows if r["method"] == "map"), key=lambda r: int(r["ranks"]))
    assert [int(r["ranks"]) for r in maps] == [64, 256]
    assert [int(r["records"]) for r in maps] == [3, 1]
    # What the simulation cost here, when the sweep recorded it.
    assert [(r["wall_s"], r["peak_rss_bytes"]) for r in maps] == [("", ""), ("12.5", str(3 << 30))]
    for r in maps:
        ranks, items, task_us = int(r["ranks"]), int(r["items"]), float(r["task_us"])
        makespan = 1000 * 100e-6 / ranks * 1.25
        assert math.isclose(float(r["makespan_s"]), makespan)
        assert math.isclose(float(r["ideal_s"]), items * task_us * 1e-6 / ranks)
        assert math.isclose(float(r["efficiency"]), 0.8)
        assert math.isclose(float(r["overhead_us_per_task"]), 25.0)
        assert r["platform"] == "fat-tree-256" and r["schedule"] == "dynamic"
    (error,) = [r for r in rows if r["method"] == "task_error"]
    assert error["same_error_everywhere"] == "True" and float(error["error_reach_s"]) == 2e-4
    # Measured series hold only measured records.
    with open(tmp_path / "out" / "tables" / "strong_scaling.csv", encoding="utf-8") as handle:
        strong = list(csv.DictReader(handle))
    assert strong and all(r["app"] == "fft2" for r in strong)
    text = (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
    assert "Simulated scaling (SimGrid SMPI)" in text
    assert "| 12.5 | 3.00 |" in text  # the 256-rank map's wall time and memory here
    # The maps by ranks: one row for the series, a column per rank count.
    assert "| tasks | schedule | 64 ranks | 256 ranks |" in text
    assert "| 1,000 × 100 µs | dynamic | 80.0%, 25 µs | 80.0%, 25 µs |" in text
    # What the simulations cost here, by ranks: only the 256-rank record says.
    assert "| 256 | 1 | 0.2 | 12 (map dynamic, 1,000 × 100 µs) | 3.00 |" in text
    assert text.index("Strong scaling") < text.index("Simulated scaling")


def test_a_simulated_record_without_platform_is_skipped(tmp_path):
    bad = sim_map(64, "dynamic", 100.0, 1000, 0.01)
    del bad["platform"]
    write_jsonl(tmp_path / "in" / "r.jsonl", strong_study(workers=(2,)) + [bad])
    done = subprocess.run([*COMMAND, "--out", str(tmp_path / "out"), str(tmp_path / "in")],
                          capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr
    assert "missing field: platform" in done.stderr
    assert not (tmp_path / "out" / "tables" / "simulated_scaling.csv").exists()


def test_a_rerun_on_a_newer_build_is_shown_and_marked(tmp_path):
    """Pooled with --mixed, a configuration run on two builds shows the newer
    build's record (not a median across builds), and the maps by ranks mark
    each figure not of the section's most common build."""
    old, new = "v0.1-0-gabc1234", "v0.1-5-gdef5678"
    late = "2025-01-02T12:00:00Z"
    makespan = 1000 * 100e-6 / 64 * 1.25  # efficiency 80%
    simulated = [sim_map(64, "dynamic", 100.0, 1000, makespan, elapsed_seconds=6.0,
                         peak_rss_bytes=1 << 30),
                 sim_map(64, "guided", 100.0, 1000, makespan),
                 sim_map(256, "dynamic", 100.0, 1000, 1.0),  # efficiency 0.04%: then rerun
                 sim_map(256, "dynamic", 100.0, 1000, 1000 * 100e-6 / 256 * 2, build=new,
                         time=late, elapsed_seconds=30.0, peak_rss_bytes=2 << 30),
                 record(app="bench-scale", method="task_error", items=100, size=0, ranks=256,
                        nodes=64, seconds=[3e-4], simulated=True, platform="fat-tree-256",
                        schedule="default", task_us=0, makespan_s=3e-4, error_reach_s=2e-4,
                        same_error_everywhere=False, build=new, time=late)]
    write_jsonl(tmp_path / "in" / "simulated.jsonl", simulated)
    rows = {(int(r["ranks"]), r["schedule"]): r for r in simulated_rows(tmp_path, "--mixed")}
    rerun = rows[(256, "dynamic")]
    assert (rerun["build"], rerun["records"]) == (new, "1")
    assert math.isclose(float(rerun["efficiency"]), 0.5)
    assert rows[(64, "dynamic")]["build"] == old
    text = (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
    assert f"a figure marked [build] ran on that build, every other on {old}" in text
    assert f"| 1,000 × 100 µs | dynamic | 80.0%, 25 µs | 50.0%, 100 µs [{new}] |" in text
    # Every table of the section has the build column.
    assert (f"| fat-tree-256 | 64 | 16 | guided | 100 | 1000 | strong | 0.00195 | 0.00156 | 0.80 | 25 | {old} | – | – |"
            in text)
    assert f"| fat-tree-256 | task_error | 256 | 64 | 100 | 0.0003 | 0.0002 | NO | passed | {new} | – | – |" in text
    # What the simulations cost, by size and build.
    assert f"| 64 | {old} | 1 | 0.1 | 6 (map dynamic, 1,000 × 100 µs) | 1.00 |" in text
    assert f"| 256 | {new} | 1 | 0.5 | 30 (map dynamic, 1,000 × 100 µs) | 2.00 |" in text


def test_a_weak_series_is_shown_apart_from_the_fixed_items_one(tmp_path):
    """Weak scaling (the same tasks a rank at every rank count) is a series
    of its own, by tasks a rank, beside the fixed-items series of the same
    schedule; a given chunksize is a series of its own too."""
    def over(ranks, items, lost_us):  # a makespan losing lost_us a task
        return items * 100e-6 / ranks + lost_us * 1e-6 * items / ranks

    simulated = [sim_map(64, "dynamic", 100.0, 100000, over(64, 100000, 0.7)),
                 sim_map(256, "dynamic", 100.0, 100000, over(256, 100000, 3.0)),
                 sim_map(64, "dynamic", 100.0, 64 * 244, over(64, 64 * 244, 1.5), scaling="weak"),
                 sim_map(256, "dynamic", 100.0, 256 * 244, over(256, 256 * 244, 2.0), scaling="weak",
                         elapsed_seconds=10.0, peak_rss_bytes=1 << 30),
                 sim_map(64, "dynamic", 100.0, 64 * 244, over(64, 64 * 244, 2.5), scaling="weak",
                         chunksize=1),
                 sim_map(256, "dynamic", 100.0, 256 * 244, over(256, 256 * 244, 4.0), scaling="weak",
                         chunksize=1, elapsed_seconds=20.0, peak_rss_bytes=1 << 30)]
    write_jsonl(tmp_path / "in" / "simulated.jsonl", simulated)
    rows = simulated_rows(tmp_path)
    got = sorted((r["scaling"], r["chunksize"], int(r["ranks"]), int(r["items"]),
                  round(float(r["overhead_us_per_task"]), 3)) for r in rows)
    assert got == [("strong", "0", 64, 100000, 0.7), ("strong", "0", 256, 100000, 3.0),
                   ("weak", "0", 64, 15616, 1.5), ("weak", "0", 256, 62464, 2.0),
                   ("weak", "1", 64, 15616, 2.5), ("weak", "1", 256, 62464, 4.0)]
    text = (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
    assert "| 100,000 × 100 µs | dynamic | 99.3%, 0.7 µs | 97.1%, 3 µs |" in text
    assert "| 244 a rank (weak) × 100 µs | dynamic | 98.5%, 1.5 µs | 98.0%, 2 µs |" in text
    assert "| 244 a rank (weak) × 100 µs | dynamic, chunksize 1 | 97.6%, 2.5 µs | 96.2%, 4 µs |" in text
    # The slowest simulation of a size names its chunk too.
    assert "(map dynamic, chunksize 1, 62,464 × 100 µs)" in text


def test_a_task_cost_of_1_ms_is_written_1000_in_the_maps_table(tmp_path):
    """The maps table's "task (µs)" column writes 1,000 (a 1 ms task), not
    three significant digits' 1e+03."""
    simulated = [sim_map(64, "dynamic", 1000.0, 1000, 1000 * 1000e-6 / 64 * 1.25),
                 sim_map(64, "dynamic", 10.0, 1000, 1000 * 10e-6 / 64 * 1.25)]
    write_jsonl(tmp_path / "in" / "simulated.jsonl", simulated)
    simulated_rows(tmp_path)
    text = (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
    assert "| fat-tree-256 | 64 | 16 | dynamic | 1,000 | 1000 | strong | 0.0195 | 0.0156 | 0.80 |" in text
    assert "| fat-tree-256 | 64 | 16 | dynamic | 10 | 1000 | strong |" in text
    assert "1e+03 |" not in text


def test_host_time_not_replayed_is_a_series_of_its_own(tmp_path):
    """Two records of one configuration, the host's computation replayed in
    one (a record from before the field: replayed) and not in the other, are
    two rows and two series, never one median."""
    replayed = 1000 * 100e-6 / 64 * 2.0    # efficiency 50%
    skipped = 1000 * 100e-6 / 64 * 1.25    # efficiency 80%
    old = sim_map(64, "dynamic", 100.0, 1000, replayed)
    assert "host_time" not in old
    simulated = [old, sim_map(64, "dynamic", 100.0, 1000, skipped, host_time="skipped")]
    write_jsonl(tmp_path / "in" / "simulated.jsonl", simulated)
    rows = simulated_rows(tmp_path)
    assert sorted((r["host_time"], r["records"], round(float(r["efficiency"]), 6)) for r in rows) == [
        ("replayed", "1", 0.5), ("skipped", "1", 0.8)]
    assert all(r["platform"] == "fat-tree-256" and r["ranks"] == "64" for r in rows)
    text = (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
    assert "| 1,000 × 100 µs | dynamic | 50.0%, 100 µs |" in text
    assert "| 1,000 × 100 µs, host time not replayed | dynamic | 80.0%, 25 µs |" in text
    assert "| fat-tree-256, host time not replayed | 64 | 16 | dynamic | 100 |" in text
    assert "| fat-tree-256 | 64 | 16 | dynamic | 100 |" in text


def test_a_host_time_outside_the_schema_is_skipped(tmp_path):
    bad = sim_map(64, "dynamic", 100.0, 1000, 0.01, host_time="fast")
    write_jsonl(tmp_path / "in" / "r.jsonl", strong_study(workers=(2,)) + [bad])
    done = subprocess.run([*COMMAND, "--out", str(tmp_path / "out"), str(tmp_path / "in")],
                          capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr
    assert "host_time: 'fast' is not one of ['replayed', 'skipped']" in done.stderr
    assert not (tmp_path / "out" / "tables" / "simulated_scaling.csv").exists()
