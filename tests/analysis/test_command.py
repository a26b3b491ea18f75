"""The real hmp-report command, run as the main job runs it."""

import csv
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest
from matplotlib import image

from synthetic import COMMAND, record, run_report, strong_study, write_jsonl

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
CONSTRUCTED = {2: 1.9, 4: 3.6, 8: 6.4, 16: 10.0}   # p -> speed-up of pool.map, T1 = 12 s


def _study():
    recs = [record(method="sequential", seconds=[11.8, 12.0, 12.5])]
    recs += [record(method="pool.map", ranks=p, seconds=[12 / s * 0.97, 12 / s, 12 / s * 1.04])
             for p, s in CONSTRUCTED.items()]
    for m in (8, 16, 32, 64):           # the tutorial's sweeps over the number of matrices
        recs.append(record(app="autocorr", algorithm="direct", size=64, items=m,
                           seconds=[0.02 * m, 0.021 * m]))
        recs.append(record(app="autocorr", algorithm="direct", size=64, items=m,
                           method="pool.map", ranks=4, seconds=[0.006 * m, 0.007 * m]))
        recs.append(record(app="determinants", size=32, items=m, seconds=[0.01 * m]))
        recs.append(record(app="determinants", size=32, items=m, method="openmp", threads=4,
                           seconds=[0.003 * m, 0.0032 * m]))
    recs += [record(app="sum", size=1000, items=100 * p, method="pool.map", ranks=p,
                    scaling="weak", seconds=[1.0 + 0.05 * p]) for p in (1, 2, 4)]
    recs.append(record(method="pool.map", ranks=32, seconds=[], status="failed"))
    return recs


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    base = tmp_path_factory.mktemp("study")
    write_jsonl(base / "records" / "sweep.jsonl", _study(),
                raw_lines=['{"app": "fft2", "method": "pool.map", "ite'])
    out = base / "report"
    result = run_report("--out", out, base / "records")
    return out, result, base


def test_command_succeeds_and_ends_with_the_report_path(report):
    out, result, _ = report
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert lines[-1] == f"report: {out / 'report.html'}"
    assert len(lines) <= 24                      # one screen
    assert any("pool.map" in line and "S=10.00" in line for line in lines)


def test_bad_line_is_reported_with_file_and_line_and_skipped(report):
    out, result, base = report
    source = base / "records" / "sweep.jsonl"
    n = len(_study())
    assert f"{source}:{n + 1}: invalid JSON" in result.stderr
    assert "1 line(s) skipped" in result.stdout
    with open(out / "tables" / "skipped.csv") as handle:
        assert [row["line"] for row in csv.DictReader(handle)] == [str(n + 1)]
    assert f"{n} records" in result.stdout      # every other record was used


def test_speedup_csv_equals_the_constructed_table(report):
    out, _, _ = report
    with open(out / "tables" / "strong_scaling.csv") as handle:
        rows = [r for r in csv.DictReader(handle)
                if r["app"] == "fft2" and r["method"] == "pool.map"]
    got = {int(r["workers"]): float(r["speedup"]) for r in rows}
    assert got == pytest.approx(CONSTRUCTED, rel=1e-12)
    assert {float(r["baseline_s"]) for r in rows} == {12.0}


def test_report_files_exist_and_name_everything(report):
    out, _, _ = report
    md = (out / "report.md").read_text()
    for name in ("configurations", "strong_scaling", "amdahl", "weak_scaling",
                 "failed", "skipped"):
        assert (out / "tables" / f"{name}.csv").is_file()
        assert f"tables/{name}.csv" in md
    assert "Failed configurations" in md and "status failed" in md
    assert "MIXED" not in md and "different build/host" not in md


def test_plots_are_valid_non_blank_pngs(report):
    out, _, _ = report
    pngs = sorted((out / "figures").glob("*.png"))
    kinds = {p.name.split("_")[1] for p in pngs}
    assert kinds == {"strong", "weak", "items"}
    # autocorr and determinants sweeps over items: the tutorial's two figures.
    assert sum("items_" in p.name for p in pngs) == 2
    for png in pngs:
        assert png.read_bytes()[:8] == PNG_SIGNATURE
        pixels = image.imread(png)
        assert pixels.shape[0] > 200 and pixels.shape[1] > 300
        rgb = pixels[..., :3].reshape(-1, 3)
        # Not blank: a real plot has many colours and a fair share of ink.
        assert len(np.unique(rgb, axis=0)) > 20
        assert np.mean(rgb.min(axis=1) < 0.9) > 0.01


def test_html_is_self_contained_with_every_figure_inlined(report):
    out, _, _ = report
    html = (out / "report.html").read_text()
    n = len(list((out / "figures").glob("*.png")))
    assert html.count("<img") == html.count('src="data:image/png;base64,') == n > 0
    # Readable offline: nothing is fetched from anywhere.
    assert "http://" not in html and "https://" not in html


def test_no_staging_folder_is_left_and_a_rerun_replaces_the_report(report, tmp_path):
    out, _, base = report
    again = run_report("--out", out, base / "records" / "sweep.jsonl")
    assert again.returncode == 0
    assert sorted(p.name for p in out.parent.iterdir() if p.name.startswith(".")) == []
    assert (out / "report.md").is_file()


def test_mixed_hosts_and_builds_are_flagged(tmp_path):
    a = write_jsonl(tmp_path / "a.jsonl", strong_study(f=0.1, workers=(2, 4)))
    b = write_jsonl(tmp_path / "b.jsonl", strong_study(f=0.2, workers=(2, 4), host="node07",
                                                       build="v0.2-1-gdef"))
    separate = run_report("--out", tmp_path / "sep", a, b)
    assert separate.returncode == 0, separate.stderr
    assert "2 build/host combinations, reported separately" in separate.stdout
    md = (tmp_path / "sep" / "report.md").read_text()
    assert "Section 1: build v0.1-0-gabc1234 on host node01" in md
    assert "Section 2: build v0.2-1-gdef on host node07" in md
    pooled = run_report("--out", tmp_path / "pooled", "--mixed", a, b)
    assert pooled.returncode == 0, pooled.stderr
    assert "MIXED builds v0.1-0-gabc1234, v0.2-1-gdef / hosts node01, node07" in pooled.stdout
    md = (tmp_path / "pooled" / "report.md").read_text()
    assert "Warning: MIXED records" in md
    with open(tmp_path / "pooled" / "tables" / "configurations.csv") as handle:
        assert {r["host"] for r in csv.DictReader(handle)} == {"node01;node07"}


def _one_line_exit_2(result):
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert result.stdout == ""
    return result.stderr


def test_empty_input_exits_2(tmp_path):
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    assert "no usable records" in _one_line_exit_2(run_report("--out", tmp_path / "r", empty))
    assert not (tmp_path / "r").exists()


def test_only_bad_lines_exit_2_after_reporting_them(tmp_path):
    bad = write_jsonl(tmp_path / "bad.jsonl", [], raw_lines=["not json"])
    result = run_report("--out", tmp_path / "r", bad)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"{bad}:1: invalid JSON (truncated or corrupt line): Expecting value at column 1",
        f"hmp-report: no usable records in {bad} (1 file(s), 1 line(s) skipped)"]


def test_deeply_nested_lines_are_bad_lines_not_a_traceback(tmp_path):
    deep = "[" * 100_000 + "]" * 100_000
    below_the_limit = "[" * 900 + "]" * 900          # parses, then would break a recursive walk
    bad = write_jsonl(tmp_path / "deep.jsonl", [], raw_lines=[deep, '{"app": ' + below_the_limit + "}"])
    result = run_report("--out", tmp_path / "r", bad)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [
        f"{bad}:1: invalid JSON (truncated or corrupt line): arrays or objects nested more than 64 levels deep at column 1",
        f"{bad}:2: invalid JSON (truncated or corrupt line): arrays or objects nested more than 64 levels deep at column 1",
        f"hmp-report: no usable records in {bad} (1 file(s), 2 line(s) skipped)"]


def test_missing_path_and_empty_folder_exit_2(tmp_path):
    assert "no such file or directory" in _one_line_exit_2(
        run_report("--out", tmp_path / "r", tmp_path / "missing.jsonl"))
    (tmp_path / "folder").mkdir()
    assert "no record files" in _one_line_exit_2(
        run_report("--out", tmp_path / "r", tmp_path / "folder"))


def test_bad_usage_exits_2_with_one_line(tmp_path):
    assert "--out" in _one_line_exit_2(run_report(tmp_path))
    assert "unrecognized arguments" in _one_line_exit_2(
        run_report("--out", tmp_path / "r", "--frobnicate", tmp_path))


def test_refuses_to_replace_a_folder_it_did_not_make(tmp_path):
    records = write_jsonl(tmp_path / "r.jsonl", strong_study())
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "thesis.tex").write_text("keep me")
    assert "refusing" in _one_line_exit_2(run_report("--out", precious, records))
    assert (precious / "thesis.tex").read_text() == "keep me"


def test_source_tree_entry_point_runs_the_package():
    script = Path(__file__).resolve().parents[2] / "analysis" / "hmp-report"
    assert os.access(script, os.X_OK)
    done = subprocess.run([str(script), "--help"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage: hmp-report ")


def test_report_leads_with_findings_and_folds_inputs(tmp_path):
    recs = strong_study(method="pool.map", workers=(2, 4), study="s1")
    recs += [r for r in strong_study(method="openmp", f=0.3, workers=(2, 4), study="s1")
             if r["method"] != "sequential"]
    out = tmp_path / "report"
    assert run_report("--out", out, write_jsonl(tmp_path / "r.jsonl", recs)).returncode == 0
    md = (out / "report.md").read_text()
    findings, scaling = md.index("## Findings"), md.index("## Strong scaling")
    fold, inputs = md.index("<details>"), md.index("## Inputs")
    assert findings < scaling < fold < inputs
    # The headline row: pool.map (f = 0.05) beats openmp (f = 0.3) at p = 4.
    row = next(l for l in md[findings:scaling].splitlines() if l.startswith("| fft2"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    t4 = 8.0 * (0.05 + 0.95 / 4)
    assert cells[1:6] == ["pool.map (best of 2)", "4 × 1 (p = 4)", f"{t4:.3g}", f"{8.0 / t4:.2f}×",
                          f"{8.0 / t4 / 4:.2f}"]
    assert cells[6] == "sequential 1×1: 8 s"
    html = (out / "report.html").read_text()
    assert html.index('<table class="findings">') < html.index("<img")
    assert html.index("<details><summary>Inputs and provenance</summary>") > html.rindex("<img")


def test_progress_says_each_figure_and_the_time_left(tmp_path):
    recs = strong_study(method="pool.map", workers=(2, 4), study="s1")
    recs += strong_study(method="pool.map", workers=(2, 4), study="s1", app="autocorr")
    out = tmp_path / "report"
    done = run_report("--progress", "--out", out, write_jsonl(tmp_path / "r.jsonl", recs))
    assert done.returncode == 0, done.stderr
    lines = [l for l in done.stderr.splitlines() if l.startswith("hmp-report: figure ")]
    assert len(lines) == 2 == len(list((out / "figures").glob("*.png")))
    for k, line in enumerate(lines, start=1):
        assert line.startswith(f"hmp-report: figure {k}/2 (Strong scaling of ")
        assert ", elapsed " in line and line.endswith(" remaining")
    # Without --progress, stderr stays for warnings only.
    quiet = run_report("--out", tmp_path / "quiet", tmp_path / "r.jsonl")
    assert quiet.stderr == ""
