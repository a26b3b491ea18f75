"""--check must catch a wrong result: with one method's last item spoiled
(HMP_TEST_PERTURB_METHOD), the app exits 1 naming that method and item, and
its record says check "failed" while the others say "passed".

run: pytest check_mismatch.py --arg=MPIRUN --arg=APPS_DIR
"""
import json
import os
import tempfile

from apptest import app_lines, fail, mpirun

CASES = {
    "sum": (["--items", "1000"], "item 0: got"),
    "sum-int64": (["--items", "1000", "--dtype", "int64"], "item 0 (the total): got"),
    "determinants": (["--items", "9", "--size", "4"], "item 8: got"),
    "fft2": (["--items", "5", "--size", "6"], "item 4 (element [5, 5])"),
    "autocorr": (["--items", "3", "--size", "5"], "item 2 (element [8, 8])"),
    "processes": (["--items", "3", "--show", "no"], "item 1 (Process-2): number 2 is 3, expected 2"),
}
# (spoiled method, a method that must still pass) per app; default (openmp, sequential).
SPOIL = {"processes": ("together", "one-by-one")}


def test_check_detects_a_mismatch(argv):
    mpirun_cmd, apps = argv
    with tempfile.TemporaryDirectory() as tmp:
        for case, (args, needle) in CASES.items():
            app = case.split("-")[0]
            spoiled, clean = SPOIL.get(app, ("openmp", "sequential"))
            os.environ["HMP_TEST_PERTURB_METHOD"] = spoiled
            records = os.path.join(tmp, f"{case}.jsonl")
            res = mpirun(mpirun_cmd, 2, [os.path.join(apps, f"hmp-{app}"), "--check", "--repeat", "1",
                                         "--records", records, *args])
            if res.returncode != 1:
                fail(f"{app}: exit {res.returncode}, expected 1\n{res.stdout}\n{res.stderr}")
            lines = [l for l in app_lines(res.stderr, app) if "--check" in l]
            if len(lines) != 1 or f"method {spoiled}" not in lines[0] or needle not in lines[0]:
                fail(f"{app}: expected one '--check: method {spoiled} ... {needle}' line, got:\n{res.stderr}")
            with open(records) as f:
                checks = {r["method"]: r["check"] for r in map(json.loads, f)}
            if checks.get(spoiled) != "failed" or checks.get(clean) != "passed":
                fail(f"{app}: record checks {checks}, expected {spoiled} failed and {clean} passed")
            print(f"ok: {app}: {lines[0]}")
    print("PASS")

