"""Bad options, bad --input files and bad environment settings: exit status
2 and ONE line naming the option (file, variable) and what is allowed; under
mpirun only root prints it.

run: pytest check_bad_input.py --arg=MPIRUN --arg=APPS_DIR
"""
import os
import tempfile

import numpy as np

from apptest import app_lines, fail, mpirun, run


def expect_error(binary, app, args, needle, mpi=None, setting=None, unset=()):
    """Run alone (a singleton MPI job), or under mpirun with `mpi` ranks;
    `setting` (NAME, value) is set in the environment, `unset` removed."""
    env = {k: v for k, v in os.environ.items() if k not in unset}
    env.update([setting] if setting else [])
    res = mpirun(*mpi, [binary, *args], env=env) if mpi else run([binary, *args], env=env)
    where = (f"{setting[0]}={setting[1]} " if setting else "") + f"hmp-{app} {' '.join(args)}" + \
        (f" at {mpi[1]} ranks" if mpi else "")
    if res.returncode != 2:
        fail(f"{where}: exit status {res.returncode}, expected 2\n{res.stdout}\n{res.stderr}")
    mine = app_lines(res.stderr, app)
    if len(mine) != 1:
        fail(f"{where}: expected exactly one 'hmp-{app}: ' line on stderr, got {len(mine)}:\n{res.stderr}")
    if not mpi and res.stderr.strip().count("\n") != 0:
        fail(f"{where}: stderr has more than one line:\n{res.stderr}")
    if needle not in mine[0]:
        fail(f"{where}: message {mine[0]!r} does not say {needle!r}")
    print(f"ok: {where}: {mine[0]}")


def test_bad_input_is_one_line_and_exit_2(argv):
    mpirun_cmd, apps_dir = argv
    exe = lambda app: os.path.join(apps_dir, f"hmp-{app}")  # noqa: E731
    cases = [
        ("sum", ["--items", "0"], "--items '0': expected a whole number from 1"),
        ("sum", ["--items", "12x"], "--items '12x'"),
        ("sum", ["--dtype", "float32"], "--dtype 'float32': allowed: float64, int64"),
        ("sum", ["--threads", "-1"], "--threads"),
        ("sum", ["--repeat", "0"], "--repeat '0': expected a whole number from 1"),
        ("determinants", ["--bogus"], "unknown option or argument '--bogus': allowed options: --items"),
        ("determinants", ["--size"], "--size"),
        ("determinants", ["--method", "pool.nope"], "--method 'pool.nope': allowed: sequential, openmp"),
        ("fft2", ["--seed", "-3"], "--seed '-3'"),
        ("fft2", ["--records", ""], "--records"),
        ("autocorr", ["--algorithm", "fast"], "--algorithm 'fast': allowed: direct, fft, auto"),
        ("autocorr", ["--items", "1000000", "--size", "1000000"], "more than 2^36 elements"),
        ("processes", ["--method", "sequential"], "--method 'sequential': allowed: one-by-one, together, all"),
        ("processes", ["--show", "maybe"], "--show 'maybe': allowed: yes, no"),
        ("processes", ["--input", "x.npy"], "--input: hmp-processes takes no input file"),
        # Sizes beyond memory: refused before anything is allocated.
        ("sum", ["--items", "60000000000"], "--items 60000000000: needs about 960.0 GB of memory on the host"),
        ("fft2", ["--items", "4000", "--size", "4000"], "--items 4000 --size 4000: needs about"),
        ("determinants", ["--size", "4000", "--items", "4000"], "--items 4000 --size 4000: needs about"),
        ("autocorr", ["--items", "4000", "--size", "2000"], "--items 4000 --size 2000: needs about"),
        ("processes", ["--items", "999999999"], "--items 999999999: needs about"),
    ]
    for app, args, needle in cases:
        expect_error(exe(app), app, args, needle)
    expect_error(exe("autocorr"), "autocorr", ["--algorithm", "fast"], "--algorithm 'fast'", (mpirun_cmd, 2))
    expect_error(exe("fft2"), "fft2", ["--items", "4000", "--size", "4000"], "(4 ranks there)", (mpirun_cmd, 4))

    with tempfile.TemporaryDirectory() as tmp:
        p = lambda name: os.path.join(tmp, name)  # noqa: E731
        np.save(p("m2d.npy"), np.ones((3, 3)))
        np.save(p("m4d.npy"), np.ones((2, 4, 4, 1), dtype=np.int64))
        np.save(p("rect.npy"), np.ones((2, 4, 5)))
        np.save(p("cplx.npy"), np.ones(5, dtype=np.complex128))
        np.save(p("c3d.npy"), np.ones((2, 3, 3), dtype=np.complex64))
        np.save(p("strings.npy"), np.array(["a", "bc"]))
        np.save(p("fortran.npy"), np.asfortranarray(np.ones((3, 3, 2))))
        np.save(p("ok.npy"), np.ones((2, 4, 4)))
        np.save(p("none.npy"), np.ones((0,)))
        np.save(p("no_matrices.npy"), np.ones((0, 4, 4)))
        np.save(p("no_slices.npy"), np.ones((3, 3, 0)))
        np.save(p("empty_matrices.npy"), np.ones((4, 0, 0)))
        with open(p("ok.npy"), "rb") as f:
            whole = f.read()
        with open(p("short.npy"), "wb") as f:
            f.write(whole[:-8])
        with open(p("text.npy"), "w") as f:
            f.write("1 2 3\n")
        bad_files = [
            ("determinants", "m2d.npy", "shape (3, 3): expected (size, size, items)"),
            ("determinants", "rect.npy", "shape (2, 4, 5): expected (size, size, items)"),
            ("fft2", "m4d.npy", "shape (2, 4, 4, 1): expected (items, rows, cols)"),
            ("autocorr", "m4d.npy", "shape (2, 4, 4, 1): expected (items, rows, cols)"),
            ("sum", "cplx.npy", "dtype complex128: allowed bool, integer and float dtypes"),
            ("autocorr", "c3d.npy", "dtype complex64: allowed bool, integer and float dtypes"),
            ("sum", "strings.npy", "dtype '<U2' is not supported"),
            ("determinants", "fortran.npy", "fortran_order is True"),
            ("fft2", "short.npy", "truncated"),
            ("sum", "text.npy", "not a NumPy .npy file"),
            ("fft2", "missing.npy", "cannot open"),
            # No items: the rule of --items 0 and --size 0.
            ("sum", "none.npy", "shape (0,) holds no numbers: an input needs at least 1 item"),
            ("fft2", "no_matrices.npy", "shape (0, 4, 4) holds no numbers"),
            ("autocorr", "no_matrices.npy", "shape (0, 4, 4) holds no numbers"),
            ("fft2", "empty_matrices.npy", "shape (4, 0, 0) holds no numbers"),
            ("determinants", "no_slices.npy", "shape (3, 3, 0) holds no numbers"),
        ]
        for app, name, needle in bad_files:
            expect_error(exe(app), app, ["--input", p(name)], needle)
        expect_error(exe("fft2"), "fft2", ["--input", p("short.npy")], "truncated", (mpirun_cmd, 2))
        expect_error(exe("determinants"), "determinants", ["--input", p("no_slices.npy")], "holds no numbers",
                     (mpirun_cmd, 4))

    # Settings the methods read, checked before anything runs.
    small = ["--items", "3", "--size", "4"]
    planner = "HMP_FFTW_PLANNER='exhaustive' is not allowed: give estimate, measure (the default) or patient"
    expect_error(exe("fft2"), "fft2", small, planner, setting=("HMP_FFTW_PLANNER", "exhaustive"))
    expect_error(exe("autocorr"), "autocorr", small, planner, (mpirun_cmd, 2), ("HMP_FFTW_PLANNER", "exhaustive"))
    expect_error(exe("sum"), "sum", ["--items", "10"], "HMP_WAIT_TIMEOUT='-3' is not allowed: give a positive number",
                 (mpirun_cmd, 2), ("HMP_WAIT_TIMEOUT", "-3"))
    expect_error(exe("determinants"), "determinants", small, "HMP_CROSS_MEMORY='yes' is not allowed: give 1",
                 setting=("HMP_CROSS_MEMORY", "yes"))

    # The Runtime's own settings, refused before any rank starts its work.
    threads = "OMP_NUM_THREADS='5000' is not allowed: give a whole number of threads from 1 to 4096"
    expect_error(exe("sum"), "sum", ["--items", "10"], threads, setting=("OMP_NUM_THREADS", "5000"))
    expect_error(exe("info"), "info", [], threads, (mpirun_cmd, 2), ("OMP_NUM_THREADS", "5000"))
    expect_error(exe("determinants"), "determinants", small,
                 "SLURM_CPUS_PER_TASK='0' is not allowed: give a whole number of CPUs per task from 1 to 4096",
                 (mpirun_cmd, 2), ("SLURM_CPUS_PER_TASK", "0"), unset=("OMP_NUM_THREADS",))
    expect_error(exe("fft2"), "fft2", small,
                 "HMP_SIMULATE_NODES='3' is not allowed: give a whole number of nodes from 1 to the number of ranks (2)",
                 (mpirun_cmd, 2), ("HMP_SIMULATE_NODES", "3"))

    res = run([exe("fft2"), "--help"])
    if res.returncode != 0 or "--items" not in res.stdout or "--method" not in res.stdout:
        fail(f"--help: exit {res.returncode}, expected 0 and the options listed:\n{res.stdout}")
    print("PASS")

