"""Inputs made by numpy, passed with --input; --output loads with numpy.load
and equals numpy's sum / linalg.det / fft.fft2 and scipy's correlate2d on the
same inputs: float64, the tutorial's int64 (np.random.randint), float32,
other integer, unsigned, bool and float16 dtypes, big-endian files, and
rectangular matrices.

run: pytest check_npy_io.py --arg=MPIRUN --arg=NP --arg=APPS_DIR
"""
import os
import tempfile

import numpy as np
import scipy.signal

from apptest import fail, mpirun


def run_app(mpirun_cmd, nranks, binary, inp, out, *extra):
    res = mpirun(mpirun_cmd, nranks, [binary, "--input", inp, "--output", out, "--method", "all", "--check",
                                      "--repeat", "1", "--warmup", "0", *extra])
    if res.returncode != 0:
        fail(f"{os.path.basename(binary)} --input {inp}: exit {res.returncode}\n{res.stdout}\n{res.stderr}")
    return np.load(out)


def expect(name, got, want, rtol, atol):
    if got.dtype != want.dtype or got.shape != want.shape:
        fail(f"{name}: got {got.dtype} {got.shape}, expected {want.dtype} {want.shape}")
    if not np.allclose(got, want, rtol=rtol, atol=atol):
        k = np.unravel_index(np.argmax(np.abs(got - want)), got.shape)
        fail(f"{name}: differs at {k}: {got[k]} vs {want[k]}")
    print(f"ok: {name} {got.dtype} {got.shape}")


def test_npy_round_trips(argv):
    mpirun_cmd, nranks, apps = argv
    exe = lambda app: os.path.join(apps, f"hmp-{app}")  # noqa: E731
    rng = np.random.default_rng(6)
    with tempfile.TemporaryDirectory() as tmp:
        p = lambda name: os.path.join(tmp, name)  # noqa: E731
        out = p("out.npy")

        def app(name, arr, *extra):
            np.save(p("in.npy"), arr)
            return run_app(mpirun_cmd, nranks, exe(name), p("in.npy"), out, *extra)

        x = rng.random(1001)
        expect("sum float64", app("sum", x), np.array(np.sum(x)), 1e-12, 0)
        xi = rng.integers(-2**40, 2**40, 777, dtype=np.int64)
        expect("sum int64", app("sum", xi), np.array(np.sum(xi)), 0, 0)
        x32 = rng.random(999).astype(np.float32)
        expect("sum float32", app("sum", x32), np.array(np.sum(x32, dtype=np.float64)), 1e-12, 0)
        for dt in (np.int8, np.int16, np.int32, np.bool_):
            xs = rng.integers(0, 2, 301).astype(dt) if dt is np.bool_ else rng.integers(-100, 100, 301).astype(dt)
            expect(f"sum {np.dtype(dt).name}", app("sum", xs), np.array(np.sum(xs)), 0, 0)
        xu = np.array([2**64 - 1, 5, 2**63], dtype=np.uint64)  # numpy's uint64 sum wraps modulo 2^64
        expect("sum uint64", app("sum", xu), np.array(np.sum(xu)), 0, 0)
        xb = rng.integers(-9, 9, 55).astype(">i4")
        expect("sum >i4 (big-endian)", app("sum", xb), np.array(np.sum(xb)), 0, 0)

        t = rng.integers(-5, 5, (6, 6, 12))  # the tutorial's np.random.randint: int64, (size, size, items)
        want = np.linalg.det(np.moveaxis(t, 2, 0))
        expect("determinants int64", app("determinants", t), want, 1e-9, 1e-9)
        expect("determinants float64", app("determinants", t.astype(np.float64)), want, 1e-9, 1e-9)
        t32 = rng.standard_normal((5, 5, 9)).astype(np.float32)
        expect("determinants float32", app("determinants", t32),
               np.linalg.det(np.moveaxis(t32, 2, 0).astype(np.float64)), 1e-9, 1e-9)
        tu = rng.integers(0, 4, (4, 4, 7)).astype(np.uint8)
        expect("determinants uint8", app("determinants", tu), np.linalg.det(np.moveaxis(tu, 2, 0)), 1e-9, 1e-9)
        tb = rng.integers(0, 2, (3, 3, 8)).astype(bool)
        expect("determinants bool", app("determinants", tb), np.linalg.det(np.moveaxis(tb, 2, 0)), 1e-9, 1e-9)

        c = rng.standard_normal((7, 8, 8)) + 1j * rng.standard_normal((7, 8, 8))
        expect("fft2 complex128", app("fft2", c), np.fft.fft2(c), 1e-12, 1e-12)
        expect("fft2 complex64", app("fft2", c.astype(np.complex64)), np.fft.fft2(c.astype(np.complex64)),
               1e-12, 1e-12)
        r = rng.standard_normal((3, 5, 5))
        expect("fft2 float64", app("fft2", r), np.fft.fft2(r), 1e-12, 1e-12)
        ri = rng.integers(0, 10, (30, 10, 10))  # the tutorial's input: int64
        expect("fft2 int64", app("fft2", ri), np.fft.fft2(ri), 1e-12, 1e-9)
        rf = rng.standard_normal((4, 6, 9)).astype(np.float32)  # rectangular
        expect("fft2 float32 (4, 6, 9)", app("fft2", rf), np.fft.fft2(rf), 1e-12, 1e-9)
        rh = rng.standard_normal((2, 3, 7)).astype(np.float16)
        expect("fft2 float16 (2, 3, 7)", app("fft2", rh), np.fft.fft2(rh), 1e-12, 1e-9)
        rb = rng.integers(0, 2, (2, 5, 4)).astype(bool)
        expect("fft2 bool (2, 5, 4)", app("fft2", rb), np.fft.fft2(rb), 1e-12, 1e-9)

        a = rng.standard_normal((4, 9, 9))
        want = np.stack([scipy.signal.correlate2d(m, m, "full") for m in a])
        for alg in ("direct", "fft", "auto"):
            expect(f"autocorr float64 --algorithm {alg}", app("autocorr", a, "--algorithm", alg), want, 1e-10, 1e-10)
        ai = rng.integers(0, 10, (3, 7, 12))  # int64, rectangular: scipy keeps int64, hmp gives float64
        want = np.stack([scipy.signal.correlate2d(m, m, "full") for m in ai]).astype(np.float64)
        for alg in ("direct", "fft"):
            expect(f"autocorr int64 (3, 7, 12) --algorithm {alg}", app("autocorr", ai, "--algorithm", alg), want,
                   1e-12, 1e-9)
        af = rng.standard_normal((2, 11, 5)).astype(np.float32)
        want = np.stack([scipy.signal.correlate2d(m, m, "full") for m in af.astype(np.float64)])
        expect("autocorr float32 (2, 11, 5)", app("autocorr", af), want, 1e-10, 1e-10)
        au = rng.integers(0, 200, (2, 4, 6)).astype(np.uint8)
        want = np.stack([scipy.signal.correlate2d(m, m, "full") for m in au.astype(np.int64)]).astype(np.float64)
        expect("autocorr uint8 (2, 4, 6)", app("autocorr", au), want, 1e-12, 1e-9)

        res = mpirun(mpirun_cmd, nranks, [exe("processes"), "--show", "no", "--items", "6", "--output", out,
                                          "--check", "--repeat", "1", "--warmup", "0"])
        if res.returncode != 0:
            fail(f"hmp-processes --output: exit {res.returncode}\n{res.stdout}\n{res.stderr}")
        expect("processes", np.load(out), np.tile(np.arange(6, dtype=np.int64), (2, 1)), 0, 0)
    print("PASS")

