"""A clone holds everything its documents and comments point to: no tracked
file names a path outside the repository (the folders beside a checkout,
absolute paths of the machine it was written on, or relative links that
climb above the repository's root).

Exempt: the test that starts the test machine's Slurm cluster through its
scripts (tests/jobs/test_slurm.py) may say where it looks for them.
"""
import os
import re
import subprocess

EXEMPT = {"tests/jobs/test_slurm.py"}
# Paths that only exist beside a checkout or on one machine.
OUTSIDE = re.compile("|".join([r"\.\./shared\b", "/" + "work/", r"\bshared/" + "DESIGN", r"\bDESIGN\.md\b"]))
# Markdown links and images: [text](target).
LINK = re.compile(r"\]\(([^)\s#]+)")


def tracked_files(repo):
    out = subprocess.run(["git", "-C", repo, "ls-files", "-z"], capture_output=True, check=True).stdout
    return [f for f in out.decode().split("\0") if f]


def climbs_out(repo, source, target):
    if re.match(r"^[a-z]+:", target):  # https:, mailto:, data:
        return False
    here = os.path.dirname(os.path.join(repo, source))
    resolved = os.path.normpath(os.path.join(here, target))
    return os.path.relpath(resolved, repo).startswith("..")


def problems_in(repo, path):
    try:
        text = open(os.path.join(repo, path), encoding="utf-8").read()
    except (UnicodeDecodeError, FileNotFoundError, IsADirectoryError):
        return []  # binary files (figures), removed-but-tracked files
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        for m in OUTSIDE.finditer(line):
            found.append(f"{path}:{number}: names {m.group(0)!r}, outside the repository")
        if path.endswith(".md"):
            for target in LINK.findall(line):
                if climbs_out(repo, path, target):
                    found.append(f"{path}:{number}: links to {target!r}, outside the repository")
    return found


def test_no_tracked_file_names_a_path_outside_the_repository():
    repo = os.path.realpath(os.path.join(os.path.dirname(__file__), "..", ".."))
    files = [f for f in tracked_files(repo) if f not in EXEMPT]
    assert len(files) > 100, f"only {len(files)} tracked files: is {repo} the repository?"
    problems = [p for f in files for p in problems_in(repo, f)]
    assert problems == [], "\n".join(problems)


def test_the_checks_catch_what_they_should():
    assert climbs_out("/r", "docs/a.md", "../../x")
    assert not climbs_out("/r", "docs/a.md", "../README.md")
    assert not climbs_out("/r", "README.md", "https://example.org/x")
    assert OUTSIDE.search("see .." + "/shared/x") and OUTSIDE.search("DESIGN" + ".md")
