#!/usr/bin/python3
"""Inputs made by numpy, passed with --input; --output loads with numpy.load
and equals numpy's sum / linalg.det / fft.fft2 and scipy's correlate2d on the
same inputs.

usage: check_npy_io.py MPIRUN NP APPS_DIR
"""
import os
import sys
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


def main():
    mpirun_cmd, nranks, apps = sys.argv[1:]
    exe = lambda app: os.path.join(apps, f"hmp-{app}")  # noqa: E731
    rng = np.random.default_rng(6)
    with tempfile.TemporaryDirectory() as tmp:
        p = lambda name: os.path.join(tmp, name)  # noqa: E731
        out = p("out.npy")

        x = rng.random(1001)
        np.save(p("x.npy"), x)
        expect("sum float64", run_app(mpirun_cmd, nranks, exe("sum"), p("x.npy"), out), np.array(np.sum(x)),
               1e-12, 0)
        xi = rng.integers(-2**40, 2**40, 777, dtype=np.int64)
        np.save(p("xi.npy"), xi)
        got = run_app(mpirun_cmd, nranks, exe("sum"), p("xi.npy"), out)
        expect("sum int64", got, np.array(np.sum(xi)), 0, 0)

        t = rng.integers(-5, 5, (6, 6, 12)).astype(np.float64)  # the tutorial's (size, size, items)
        np.save(p("t.npy"), t)
        want = np.linalg.det(np.moveaxis(t, 2, 0))
        expect("determinants", run_app(mpirun_cmd, nranks, exe("determinants"), p("t.npy"), out), want, 1e-9, 1e-9)

        c = rng.standard_normal((7, 8, 8)) + 1j * rng.standard_normal((7, 8, 8))
        np.save(p("c.npy"), c)
        expect("fft2 complex128", run_app(mpirun_cmd, nranks, exe("fft2"), p("c.npy"), out), np.fft.fft2(c),
               1e-12, 1e-12)
        r = rng.standard_normal((3, 5, 5))
        np.save(p("r.npy"), r)
        expect("fft2 float64", run_app(mpirun_cmd, nranks, exe("fft2"), p("r.npy"), out), np.fft.fft2(r),
               1e-12, 1e-12)

        a = rng.standard_normal((4, 9, 9))
        np.save(p("a.npy"), a)
        want = np.stack([scipy.signal.correlate2d(m, m, "full") for m in a])
        for alg in ("direct", "fft", "auto"):
            got = run_app(mpirun_cmd, nranks, exe("autocorr"), p("a.npy"), out, "--algorithm", alg)
            expect(f"autocorr --algorithm {alg}", got, want, 1e-10, 1e-10)

        res = mpirun(mpirun_cmd, nranks, [exe("processes"), "--show", "no", "--items", "6", "--output", out,
                                          "--check", "--repeat", "1", "--warmup", "0"])
        if res.returncode != 0:
            fail(f"hmp-processes --output: exit {res.returncode}\n{res.stdout}\n{res.stderr}")
        expect("processes", np.load(out), np.tile(np.arange(6, dtype=np.int64), (2, 1)), 0, 0)
    print("PASS")


main()
