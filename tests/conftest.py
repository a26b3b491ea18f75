"""Root of the Python tests: with pytest's default (prepend) import mode this
file's folder is importable, so the tests share tests/python_tools.py."""
