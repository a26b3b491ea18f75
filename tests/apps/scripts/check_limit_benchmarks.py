"""hmp-bench-fma and hmp-bench-fftw (the limits run-app-benchmarks --set
limits compares with) print one JSON line of positive figures, and refuse a
bad argument with exit 2 and one line. Times are never asserted.

run: pytest check_limit_benchmarks.py --arg=APPS_DIR
"""
import json
import os

from apptest import fail, run


def figures(binary):
    res = run([binary, "1"], timeout=120)
    if res.returncode != 0:
        fail(f"{binary} 1: exit {res.returncode}\n{res.stdout}\n{res.stderr}")
    try:
        return json.loads(res.stdout)
    except ValueError:
        fail(f"{binary} 1: not one JSON line: {res.stdout!r}")


def test_limit_benchmarks_print_their_ratios(argv):
    (apps,) = argv
    fma = os.path.join(apps, "hmp-bench-fma")
    if os.path.exists(fma):  # built on x86-64 only
        r = figures(fma)
        if not (r["fma_median_gflops"] > 0 and r["fma_best_gflops"] >= r["fma_median_gflops"]
                and r["isa"] in ("avx512f", "avx2")):
            fail(f"hmp-bench-fma: {r}")
        print(f"ok: hmp-bench-fma {r}")
    r = figures(os.path.join(apps, "hmp-bench-fftw"))
    for key in ("fft2_100x100_us", "autocorr_100x100_pair_us"):
        if sorted(r[key]) != ["1", "2", "4", "8"] or not all(v > 0 for v in r[key].values()):
            fail(f"hmp-bench-fftw: {key} = {r.get(key)}")
    if r["autocorr_padded"] != 200:  # next 2^a 3^b 5^c 7^d size >= 2 * 100 - 1
        fail(f"hmp-bench-fftw: padded size {r['autocorr_padded']}, expected 200")
    print(f"ok: hmp-bench-fftw {r}")
    for binary in (fma, os.path.join(apps, "hmp-bench-fftw")):
        if not os.path.exists(binary):
            continue
        for bad in (["0"], ["7x"], ["1", "2"]):
            res = run([binary, *bad])
            lines = res.stderr.strip().splitlines()
            if res.returncode != 2 or len(lines) != 1 or "repeat from 1 to 1000" not in lines[0]:
                fail(f"{binary} {' '.join(bad)}: exit {res.returncode}, stderr {res.stderr!r}")
    print("ok: bad arguments refused")

