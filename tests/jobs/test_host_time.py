"""Simulated runs with the host's computation not replayed (host_time
"skipped"): the launcher's smpirun options and environment, a study's
"simulated.host_time", and the records the sweep checks and writes
(docs/scaling.md, "Host time not replayed"). No simulator runs here."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hmp_tools import schema
from hmp_tools.sweep import records, smpi, study as studies

REPO = Path(__file__).resolve().parents[2]
PLATFORM = REPO / "jobs" / "platforms" / "ethernet-64.xml"
NOT_REPLAYED = "--cfg=smpi/simulate-computation:no"


def test_the_cfg_is_given_only_when_skipped(tmp_path):
    default = smpi.smpirun_argv(PLATFORM, tmp_path / "h", 4, "prog", ["--items", "8"])
    replayed = smpi.smpirun_argv(PLATFORM, tmp_path / "h", 4, "prog", ["--items", "8"], "replayed")
    skipped = smpi.smpirun_argv(PLATFORM, tmp_path / "h", 4, "prog", ["--items", "8"], "skipped")
    assert NOT_REPLAYED not in default and default == replayed
    assert skipped.count(NOT_REPLAYED) == 1
    # smpirun's options, then the program and its own arguments, untouched.
    assert skipped[skipped.index(NOT_REPLAYED) + 1:] == ["prog", "--items", "8"]
    assert [a for a in skipped if a != NOT_REPLAYED] == replayed
    with pytest.raises(smpi.PlatformError, match="allowed: replayed, skipped"):
        smpi.smpirun_argv(PLATFORM, tmp_path / "h", 4, "prog", (), "no")


def test_prepare_tells_the_program(tmp_path):
    argv, env = smpi.prepare(tmp_path, PLATFORM, 8, "prog", ranks_per_host=4, host_time="skipped")
    assert NOT_REPLAYED in argv and env["HMP_HOST_TIME"] == "skipped"
    assert env["HMP_PLATFORM"] == "ethernet-64"
    argv, env = smpi.prepare(tmp_path, PLATFORM, 8, "prog", ranks_per_host=4)
    assert NOT_REPLAYED not in argv and env["HMP_HOST_TIME"] == "replayed"


def test_the_launcher_refuses_another_value(capsys):
    with pytest.raises(SystemExit) as done:
        smpi.main(["--platform", str(PLATFORM), "--np", "4", "--host-time", "none", "prog"])
    assert done.value.code == 2
    err = capsys.readouterr().err
    assert "--host-time: invalid choice: 'none' (choose from 'replayed', 'skipped')" in err


STUDY = {"name": "sim", "simulated": {"platform": "ethernet-64", "ranks_per_host": 4},
         "ranks": [4, 8], "apps": [{"app": "bench-scale", "methods": ["map"], "items": [64]}]}


def load(simulated: dict):
    text = json.dumps({**STUDY, "simulated": {**STUDY["simulated"], **simulated}})
    return studies.load("s.json", lambda app: ("map", "lock"), text)


def test_a_study_takes_host_time_replayed_by_default():
    assert load({}).host_time == "replayed"
    study = load({"host_time": "skipped"})
    assert study.host_time == "skipped"
    assert {c.host_time for c in studies.plan_simulated(study)} == {"skipped"}


@pytest.mark.parametrize("value", ["none", "Skipped", True, ["skipped"], None])
def test_a_bad_host_time_is_a_study_error(value):
    with pytest.raises(studies.StudyError) as error:
        load({"host_time": value})
    message = str(error.value)
    assert message.startswith("s.json: simulated.host_time: unknown value "), message
    assert message.endswith("; allowed: replayed, skipped"), message


def ok_record(config, **fields) -> dict:
    """A simulated record as hmp-bench-scale writes it for `config`."""
    rec = {"app": config.app, "method": config.method, "items": config.items, "size": 0,
           "ranks": config.ranks, "nodes": 1, "ranks_per_node": config.ranks, "threads": 1,
           "seconds": [0.01], "seconds_min": 0.01, "seconds_median": 0.01,
           "busy_seconds": [0.01] * config.ranks, "check": "passed", "build": "b", "host": "eth-0",
           "job_id": None, "time": "2026-12-01T10:00:00Z", "simulated": True,
           "platform": "ethernet-64", **fields}
    assert schema.problems(rec) == []
    return rec


def test_the_sweep_takes_only_records_of_the_studys_host_time():
    skipped = studies.plan_simulated(load({"host_time": "skipped"}))[0]
    replayed = studies.plan_simulated(load({}))[0]
    line = json.dumps(ok_record(skipped, host_time="skipped"))
    assert records.problems([line], skipped) is None
    assert "host_time" in records.problems([line], replayed)
    # A record from before the field: replayed.
    old = json.dumps(ok_record(replayed))
    assert records.problems([old], replayed) is None
    assert "host_time" in records.problems([old], skipped)


def test_a_failed_record_says_its_host_time(tmp_path):
    study = load({"host_time": "skipped"})
    config = studies.plan_simulated(study)[0]
    rec = records.failed_record(study, config, tmp_path, 1, "it failed", "", 1.0)
    assert (rec["simulated"], rec["platform"], rec["host_time"]) == (True, "ethernet-64", "skipped")
    assert schema.problems(rec) == []
    assert schema.host_time(rec) == "skipped"


def test_the_schema_allows_two_values_and_a_record_without_one():
    assert schema.host_times() == ("replayed", "skipped")
    assert schema.host_time({"simulated": True, "platform": "p"}) == "replayed"
    assert schema.host_time({"simulated": False}) is None
