"""A record's `build` is `git describe` of the sources when the build last
ran, not when cmake configured it: cmake/build_id.cmake, run by every build,
rewrites build_id.cpp when (and only when) the answer changes; the apps
report what that file says.

run: pytest check_build_id.py --arg=CMAKE --arg=SOURCE_DIR --arg=BUILD_ID_CPP --arg=HMP_SUM
"""
import json
import os
import subprocess

from build_id_file import build_id_in

GIT = ["git", "-c", "user.name=hmp test", "-c", "user.email=test@hmp.invalid", "-c", "commit.gpgsign=false"]


def git(repo, *args):
    return subprocess.run([*GIT, "-C", str(repo), *args], check=True, capture_output=True, text=True,
                          timeout=60).stdout.strip()


def generate(cmake, source_dir, repo, output):
    """What the build does: the script run over `repo`; returns the id the file now holds."""
    subprocess.run([cmake, f"-DSOURCE_DIR={repo}", f"-DOUTPUT={output}", "-P",
                    os.path.join(source_dir, "cmake", "build_id.cmake")], check=True, timeout=60)
    return build_id_in(output)


def test_each_build_names_the_commit_it_builds(argv, tmp_path):
    cmake, source_dir = argv[0], argv[1]
    repo, out = tmp_path / "repo", tmp_path / "build_id.cpp"
    repo.mkdir()
    git(repo, "init", "-q")
    (repo / "a.txt").write_text("one\n")
    git(repo, "add", "a.txt")
    git(repo, "commit", "-q", "-m", "first")
    first = git(repo, "rev-parse", "--short", "HEAD")
    assert generate(cmake, source_dir, repo, out) == first

    # Unchanged: the file is not rewritten (nothing recompiles).
    os.utime(out, ns=(1_000_000_000, 1_000_000_000))
    assert generate(cmake, source_dir, repo, out) == first
    assert out.stat().st_mtime_ns == 1_000_000_000, "build_id.cpp rewritten with the same id"

    # A commit after the build folder was made: the next build names it.
    (repo / "a.txt").write_text("two\n")
    assert generate(cmake, source_dir, repo, out) == first + "-dirty"
    git(repo, "commit", "-q", "-am", "second")
    second = git(repo, "rev-parse", "--short", "HEAD")
    assert second != first
    assert generate(cmake, source_dir, repo, out) == second
    git(repo, "tag", "v9.9")
    assert generate(cmake, source_dir, repo, out) == "v9.9"


def test_outside_a_checkout_the_build_is_unknown(argv, tmp_path, monkeypatch):
    cmake, source_dir = argv[0], argv[1]
    plain = tmp_path / "plain"
    plain.mkdir()
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))  # no checkout above it counts
    assert generate(cmake, source_dir, plain, tmp_path / "build_id.cpp") == "unknown"


def test_the_app_records_what_its_build_generated(argv, tmp_path):
    build_id_cpp, hmp_sum = argv[2], argv[3]
    records = tmp_path / "records.jsonl"
    res = subprocess.run([hmp_sum, "--items", "10", "--method", "sequential", "--records", str(records)],
                         capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stderr
    record = json.loads(records.read_text().splitlines()[0])
    assert record["build"] == build_id_in(build_id_cpp) != ""
