"""hmp-determinants with each kernel (per-matrix, batched) and every method
gives numpy.linalg.det's dets of a tensor made by numpy, singular and
ill-conditioned slices included.

run: pytest check_determinants_numpy.py --arg=MPIRUN --arg=NP --arg=APPS_DIR
"""
import os
import tempfile

import numpy as np

from apptest import fail, mpirun


def tensor(size, items, rng):
    """(size, size, items): random integers as the tutorial's, with special slices."""
    mats = rng.integers(-5, 5, (items, size, size)).astype(np.float64)
    mats[1] = 0                                   # all zero
    mats[2][:, 3] = 0                             # a zero column
    mats[3][7] = mats[3][2]                       # two equal rows
    mats[4][9] = mats[4][0] + 1e-10               # rows equal but for 1e-10
    i, j = np.indices((size, size))
    mats[5] = 1.0 / (i + j + 1)                   # Hilbert: det 2.2e-53, condition 1.6e13
    mats[6] = rng.standard_normal((size, size)) * np.logspace(-8, 8, size)  # rows scaled over 16 decades
    mats[7] = np.where((i + j) % 2, 1.0, -1.0)    # ties for every pivot (rank 1)
    return np.ascontiguousarray(np.moveaxis(mats, 0, 2)), mats


def bound(mats):
    """What any backward-stable LU may differ from the exact det by: ~ n eps ||A||_F^n."""
    n = mats.shape[-1]
    return 8 * n * np.finfo(np.float64).eps * np.linalg.norm(mats, axis=(1, 2)) ** n


def test_determinants_match_numpy(argv):
    mpirun_cmd, nranks, apps = argv
    exe = os.path.join(apps, "hmp-determinants")
    rng = np.random.default_rng(18)
    t, mats = tensor(10, 203, rng)  # 203: blocks of 16 and a remainder
    want = np.linalg.det(mats)
    tol = bound(mats)
    with tempfile.TemporaryDirectory() as tmp:
        inp, out = os.path.join(tmp, "t.npy"), os.path.join(tmp, "dets.npy")
        np.save(inp, t)
        for kernel in ("per-matrix", "batched"):
            for method in ("sequential", "openmp", "pool.shared_array", "pool.not_shared", "pool.shared_memory"):
                res = mpirun(mpirun_cmd, nranks, [exe, "--input", inp, "--output", out, "--kernel", kernel,
                                                  "--method", method, "--repeat", "1", "--warmup", "0"])
                if res.returncode != 0:
                    fail(f"--kernel {kernel} --method {method}: exit {res.returncode}\n{res.stdout}\n{res.stderr}")
                got = np.load(out)
                if got.shape != want.shape or not np.all(np.isfinite(got)):
                    fail(f"--kernel {kernel} --method {method}: got {got.shape}, finite {np.isfinite(got).all()}")
                bad = np.abs(got - want) > tol
                if bad.any():
                    k = int(np.argmax(bad))
                    fail(f"--kernel {kernel} --method {method}: slice {k}: {got[k]!r} vs numpy {want[k]!r} "
                         f"(bound {tol[k]:.3g})")
                if got[1] != 0 or got[2] != 0:
                    fail(f"--kernel {kernel} --method {method}: zero slice / zero column gave {got[1]}, {got[2]}")
                print(f"ok: --kernel {kernel} --method {method}: {len(got)} dets within the rounding bound of numpy's")

