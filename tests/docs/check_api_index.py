#!/usr/bin/env python3
"""The API reference is the public headers (docs/api.md says why). Checks
that docs/api.md lists every public header (src/hmp/*.hpp) and nothing that
does not exist, and that every public header opens with a comment saying
what it holds.

    check_api_index.py SRC_HMP_DIR API_MD
"""
import os
import re
import sys


def main():
    if len(sys.argv) != 3:
        print("usage: check_api_index.py SRC_HMP_DIR API_MD")
        return 2
    src, api = sys.argv[1], sys.argv[2]
    headers = sorted(f for f in os.listdir(src) if f.endswith(".hpp"))
    text = open(api, encoding="utf-8").read()
    listed = set(re.findall(r"`hmp/([A-Za-z0-9_]+\.hpp)`", text))
    problems = [f"src/hmp/{h} is not listed in {api} (as `hmp/{h}`)" for h in headers if h not in listed]
    problems += [f"{api} lists `hmp/{h}`, which does not exist" for h in sorted(listed - set(headers))]
    for h in headers:
        first = open(os.path.join(src, h), encoding="utf-8").readline()
        if not first.startswith("//"):
            problems.append(f"src/hmp/{h} does not open with a comment saying what it holds")
    for p in problems:
        print(p)
    print(f"{len(headers)} public headers, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
