"""Root of the Python tests: with pytest's default (prepend) import mode this
file's folder is importable, so the tests share tests/python_tools.py.

Tests that CTest runs against built programs take their arguments as
repeated --arg options (`pytest check_npy_io.py --arg=mpirun --arg=2
--arg=build/apps`), handed to them in order as the fixture `argv`."""

import pytest


def pytest_addoption(parser):
    parser.addoption("--arg", action="append", default=[], metavar="VALUE",
                     help="one argument of a test that takes them (fixture argv), in order")


@pytest.fixture
def argv(request):
    return list(request.config.getoption("arg"))
