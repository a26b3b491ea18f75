"""Reading records: what is accepted, what is skipped, and why."""

import json

import pytest

from hmp_tools.report.records import BadRecord, InputError, load, parse_record, record_files
from synthetic import record, write_jsonl


def test_valid_record_is_parsed_with_optional_fields_and_unknown_ones_ignored():
    r = parse_record({**record(method="pool.map", ranks=4, threads=2, seconds=[3.0, 1.0, 2.0]),
                      "study": "s1", "scaling": "Weak", "algorithm": "fft",
                      "some_future_field": {"x": 1}})
    assert (r.workers, r.seconds, r.study, r.scaling, r.algorithm) == \
        (8, (3.0, 1.0, 2.0), "s1", "weak", "fft")
    assert r.time.tzinfo is not None and r.failure is None


@pytest.mark.parametrize("change, reason", [
    ({"seconds": ["abc"]}, "seconds[0]: not a non-negative number"),
    ({"seconds": []}, "seconds: empty list"),
    ({"seconds_median": "fast"}, "seconds_median: not a non-negative number"),
    ({"seconds": [float("nan")]}, "seconds[0]: not a non-negative number"),
    ({"busy_seconds": [1.0, None]}, "busy_seconds[1]"),
    ({"ranks": 0}, "ranks: must be >= 1"),
    ({"threads": 1.5}, "threads: expected an integer"),
    ({"items": True}, "items: expected an integer"),
    ({"check": "maybe"}, "check: expected one of"),
    ({"time": "yesterday"}, "time: not an ISO 8601 timestamp"),
    ({"app": ""}, "app: expected a non-empty string"),
])
def test_bad_values_give_a_reason(change, reason):
    with pytest.raises(BadRecord, match=reason.replace("[", r"\[").replace("]", r"\]")):
        parse_record({**record(), **change})


def test_missing_fields_are_named():
    obj = record()
    del obj["busy_seconds"], obj["host"]
    with pytest.raises(BadRecord, match="missing fields: busy_seconds, host"):
        parse_record(obj)


def test_failed_run_needs_no_timings_and_is_marked_failed():
    obj = record(method="pool.map", ranks=8, status="failed")
    for name in ("seconds", "seconds_min", "seconds_median", "busy_seconds"):
        del obj[name]
    assert parse_record(obj).failure == "status failed"
    assert parse_record(record(check="failed")).failure == "check failed"


def test_load_skips_bad_lines_with_file_and_line(tmp_path):
    path = write_jsonl(tmp_path / "runs.jsonl", [record(), record(method="openmp", threads=2)],
                       raw_lines=['{"app": "fft2", "method": "seq',          # truncated
                                  "", "[1, 2]",                              # blank; not an object
                                  json.dumps({**record(), "seconds": [1.0, "x"]})])
    with open(path, "a") as handle:
        handle.write(json.dumps(record(items=7)))                            # no final newline
    loaded = load([path])
    assert len(loaded.records) == 3 and loaded.records[2].items == 7
    where = [(s.source, s.line) for s in loaded.skipped]
    assert where == [(str(path), 3), (str(path), 5), (str(path), 6)]
    assert "truncated" in loaded.skipped[0].reason
    assert str(loaded.skipped[0]).startswith(f"{path}:3: invalid JSON")


def test_folders_are_searched_recursively_for_record_files_only(tmp_path):
    write_jsonl(tmp_path / "a" / "one.jsonl", [record()])
    write_jsonl(tmp_path / "a" / "deep" / "two.ndjson", [record()])
    (tmp_path / "a" / "info.json").write_text("{}")
    files = record_files([tmp_path / "a", tmp_path / "a" / "one.jsonl"])
    assert sorted(p.name for p in files) == ["one.jsonl", "two.ndjson"]   # listed once


def test_missing_path_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="no such file or directory"):
        record_files([tmp_path / "nope.jsonl"])
