"""docs/apps.md's table of inputs: each row's numpy line makes a file its app
accepts, and the app's --output has the shape and dtype the row says.

run: pytest check_doc_inputs.py --arg=MPIRUN --arg=APPS_DIR --arg=DOCS_APPS_MD
"""
import os
import re
import tempfile

import numpy as np

from apptest import fail, mpirun

# The output each row promises, for its own numpy line's input.
EXPECTED = {
    "sum": lambda a: ((), np.uint64 if a.dtype.kind == "u" else np.float64 if a.dtype.kind == "f" else np.int64),
    "determinants": lambda a: ((a.shape[2],), np.float64),
    "fft2": lambda a: (a.shape, np.complex128),
    "autocorr": lambda a: ((a.shape[0], 2 * a.shape[1] - 1, 2 * a.shape[2] - 1), np.float64),
}


def rows(doc):
    """(app, numpy line) of every table row with a line in its last cell."""
    for line in open(doc):
        m = re.match(r"\| `hmp-(\w+)` \|.*\| `(np\.save\(.*\))` \|$", line.strip())
        if m:
            yield m.group(1), m.group(2)


def test_documented_inputs_run(argv):
    mpirun_cmd, apps, doc = argv
    found = list(rows(doc))
    if sorted(a for a, _ in found) != sorted(EXPECTED):
        fail(f"{doc}: expected one numpy line for each of {sorted(EXPECTED)}, found {[a for a, _ in found]}")
    with tempfile.TemporaryDirectory() as tmp:
        os.chdir(tmp)
        for app, line in found:
            exec(line, {"np": np})  # the doc's own line: np.save("<name>.npy", ...)
            name = re.search(r'np\.save\("([\w.]+)"', line).group(1)
            a = np.load(name)
            res = mpirun(mpirun_cmd, 2, [os.path.join(apps, f"hmp-{app}"), "--input", name, "--output", "out.npy",
                                         "--method", "sequential", "--repeat", "1", "--warmup", "0"], timeout=120)
            if res.returncode != 0:
                fail(f"hmp-{app} --input from `{line}`: exit {res.returncode}\n{res.stderr}")
            got = np.load("out.npy")
            shape, dtype = EXPECTED[app](a)
            if got.shape != shape or got.dtype != dtype:
                fail(f"hmp-{app} on `{line}`: output {got.dtype} {got.shape}, the table says {np.dtype(dtype)} {shape}")
            print(f"ok: hmp-{app} on `{line}`: {got.dtype} {got.shape}")
    print("PASS")

