"""Helpers shared by the app test scripts: run under mpirun with a timeout,
fail with a message saying what was expected."""
import os
import subprocess

import pytest


def fail(message):
    pytest.fail(message, pytrace=False)


def run(cmd, timeout=60, env=None):
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        fail(f"timed out after {timeout} s waiting for: {' '.join(cmd)}")


def mpirun(mpirun_cmd, np, argv, timeout=60, env=None):
    flags = os.environ.get("HMP_MPIRUN_FLAGS", "--oversubscribe --bind-to none").split()
    return run([mpirun_cmd, "-np", str(np), *flags, *argv], timeout, env)


def app_lines(stderr, app):
    """The lines an app printed itself (mpirun adds its own on failure)."""
    return [l for l in stderr.splitlines() if l.startswith(f"hmp-{app}: ")]
