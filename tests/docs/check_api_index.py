"""The API reference is the public headers (docs/api.md says why). Checks
that docs/api.md lists every public header (src/hmp/*.hpp) and nothing that
does not exist, and that every public header opens with a comment saying
what it holds.

    pytest check_api_index.py --arg=SRC_HMP_DIR --arg=API_MD
"""
import os
import re


def test_api_index_lists_every_public_header(argv):
    src, api = argv
    headers = sorted(f for f in os.listdir(src) if f.endswith(".hpp"))
    assert headers, f"no public headers in {src}"
    text = open(api, encoding="utf-8").read()
    listed = set(re.findall(r"`hmp/([A-Za-z0-9_]+\.hpp)`", text))
    problems = [f"src/hmp/{h} is not listed in {api} (as `hmp/{h}`)" for h in headers if h not in listed]
    problems += [f"{api} lists `hmp/{h}`, which does not exist" for h in sorted(listed - set(headers))]
    for h in headers:
        first = open(os.path.join(src, h), encoding="utf-8").readline()
        if not first.startswith("//"):
            problems.append(f"src/hmp/{h} does not open with a comment saying what it holds")
    assert problems == [], "\n".join(problems)
