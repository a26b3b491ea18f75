"""A report folder appears whole or not at all."""

import pytest

from hmp_tools.report.atomic import MARKER, OutputError, staged_directory


def test_interrupted_write_leaves_the_old_report_and_no_staging(tmp_path):
    out = tmp_path / "report"
    with staged_directory(out) as staging:
        (staging / "report.md").write_text("old")
    with pytest.raises(KeyboardInterrupt):
        with staged_directory(out) as staging:
            (staging / "report.md").write_text("half of the new one")
            raise KeyboardInterrupt
    assert (out / "report.md").read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report"]


def test_finished_write_replaces_the_whole_folder(tmp_path):
    out = tmp_path / "report"
    with staged_directory(out) as staging:
        (staging / "stale.png").write_text("x")
    with staged_directory(out) as staging:
        (staging / "report.md").write_text("new")
    assert sorted(p.name for p in out.iterdir()) == [MARKER, "report.md"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report"]


def test_a_file_or_foreign_folder_is_never_replaced(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(OutputError, match="not a folder"):
        with staged_directory(tmp_path / "file"):
            pass
    (tmp_path / "empty").mkdir()
    with staged_directory(tmp_path / "empty") as staging:   # empty folders are fine
        (staging / "report.md").write_text("new")
    assert (tmp_path / "empty" / "report.md").is_file()
