"""The report's Tutorial section from synthetic records of the tutorial study:
one figure per app (every method at its largest layout), the tutorial's
published points on the same axes, and what changed said in numbers."""

from hmp_tools.report.analyse import analyse
from hmp_tools.report.records import Loaded, parse_record
from hmp_tools.report.report import write_report
from hmp_tools.report.tutorial import PUBLISHED, TUTORIAL_WORKERS
from synthetic import record

ITEMS = {"autocorr": (2, 10, 30), "fft2": (10, 30, 500), "determinants": (10, 1000, 100000)}
SIZE = {"autocorr": 100, "fft2": 100, "determinants": 10}
POOL = {"autocorr": ("pool.map", "pool.shared_array"), "fft2": ("pool.map", "pool.shared_array"),
        "determinants": ("pool.shared_array", "pool.not_shared")}


def tutorial_records():
    out = []
    for app, items in ITEMS.items():
        extra = {"algorithm": "direct"} if app == "autocorr" else {}
        for m in items:
            t = 0.5 * m
            out.append(record(app=app, size=SIZE[app], items=m, method="sequential", seconds=[t], **extra))
            for threads in (1, 2):
                out.append(record(app=app, size=SIZE[app], items=m, method="openmp", threads=threads,
                                  seconds=[t / threads], **extra))
            for method in POOL[app]:
                for ranks in (1, 2):   # the figure keeps the 2-rank line only
                    out.append(record(app=app, size=SIZE[app], items=m, method=method, ranks=ranks,
                                      seconds=[t / ranks + 0.01], **extra))
    # A single point (no sweep over items) draws no line.
    out.append(record(app="fft2", size=100, items=30, method="pool.map", ranks=1, threads=2, seconds=[9.0]))
    return out


def _analyse(dicts):
    return analyse(Loaded(records=[parse_record(d, "mem", i) for i, d in enumerate(dicts, 1)]))


def test_one_figure_per_app_every_method_at_its_largest_layout():
    (section,) = _analyse(tutorial_records()).sections
    figures = {f.app: f for f in section.items}
    assert sorted(figures) == ["autocorr", "determinants", "fft2"]
    fft2 = figures["fft2"]
    assert list(fft2.lines) == ["sequential", "openmp (1 rank × 2 threads)",
                                "pool.map (2 ranks × 1 thread)", "pool.shared_array (2 ranks × 1 thread)"]
    assert [c.items for c in fft2.lines["pool.map (2 ranks × 1 thread)"]] == [10, 30, 500]
    assert [c.median for c in fft2.lines["sequential"]] == [5.0, 15.0, 250.0]


def test_published_points_go_on_their_own_figures():
    (section,) = _analyse(tutorial_records()).sections
    figures = {f.app: f for f in section.items}
    assert [(p.method, p.items, p.seconds, p.workers) for p in figures["fft2"].published] == \
        [("sequential", 30, 0.00698, 1), ("pool.map", 30, 1.903, 12)]
    assert [(p.method, p.seconds) for p in figures["autocorr"].published] == \
        [("sequential", 15.63), ("pool.map", 5.57)]
    assert figures["determinants"].published == ()
    assert "pool of 12 workers" in figures["fft2"].published[1].label
    # correlate2d's published points are the direct method's, not FFTW's.
    fft_alg = [record(app="autocorr", size=100, items=m, algorithm="fft", seconds=[1.0]) for m in (1, 30)]
    (section,) = _analyse(fft_alg).sections
    assert section.items[0].published == ()


def test_what_changed_gives_both_sets_of_numbers_and_the_workers():
    (section,) = _analyse(tutorial_records()).sections
    text = {f.app: f.what_changed() for f in section.items}
    assert f"a pool of {TUTORIAL_WORKERS} workers" in text["fft2"]
    assert "pool.map 1.9 s" in text["fft2"] and "sequential 0.00698 s" in text["fft2"]
    assert "Here, at 30 matrices: sequential 15 s" in text["fft2"]
    assert "pool.map (2 ranks × 1 thread) 7.51 s" in text["fft2"]
    assert "shipping" in text["fft2"]
    # Speed-ups over sequential, the tutorial's and these records'.
    assert "pool.map 0.0037×" in text["fft2"]
    assert "pool.map (2 ranks × 1 thread) 2×" in text["fft2"]   # 15 / 7.51
    assert "pool.map 2.8×" in text["autocorr"]
    assert "no timings" in text["determinants"]


def test_report_has_the_tutorial_section_with_three_figures(tmp_path):
    out = write_report(_analyse(tutorial_records()), tmp_path)
    md = (tmp_path / "report.md").read_text()
    assert "Tutorial: runtime against the number of matrices" in md
    tutorial_figures = [f for f in out["figures"] if "_items_" in f]
    assert len(tutorial_figures) == 3
    for f in tutorial_figures:
        assert (tmp_path / f).stat().st_size > 10_000
    assert md.count(f"pool of {TUTORIAL_WORKERS} workers") >= 3
    assert len(PUBLISHED) == 4
