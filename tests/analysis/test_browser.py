"""report.html as a reader meets it: rendered by a real browser (Debian's
Chromium, headless), every image loads, the findings table is on the first
screen, and the page logs no errors. Skipped, saying so, without Chromium."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from synthetic import record, run_report, strong_study, write_jsonl

WIDTH, HEIGHT = 1280, 800
# Flags for a sandbox-less, offline, throw-away browser (tests run as root in
# containers; the network here refuses Google's hosts).
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-default-apps", "--mute-audio", "--disable-dev-shm-usage",
         f"--window-size={WIDTH},{HEIGHT}"]
# Injected into a copy of the report: records what the browser saw into the DOM.
PROBE = """<script>
(function () {
  var errors = [];
  window.addEventListener('error', function (e) {
    errors.push(e.message || ('failed to load ' + (e.target && (e.target.src || e.target.href))));
  }, true);
  var error = console.error;
  console.error = function () { errors.push(Array.from(arguments).join(' ')); error.apply(console, arguments); };
  window.addEventListener('load', function () {
    var images = Array.from(document.images).map(function (img) {
      return {alt: img.alt, complete: img.complete, width: img.naturalWidth};
    });
    var table = document.querySelector('table.findings');
    var probe = {
      images: images,
      errors: errors,
      viewport: window.innerHeight,
      findings_top: table ? table.getBoundingClientRect().top : null,
      findings_bottom: table ? table.getBoundingClientRect().bottom : null,
      first_heading: (document.querySelector('h2') || {}).textContent || null
    };
    var pre = document.createElement('pre');
    pre.id = 'hmp-probe';
    pre.textContent = JSON.stringify(probe);
    document.body.appendChild(pre);
  });
})();
</script>"""


def chromium():
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    pytest.skip("Chromium is not installed (Debian: apt-get install chromium; "
                "scripts/setup.sh installs it)")


def browse(browser, page: Path, profile: Path, *what):
    done = subprocess.run([browser, *FLAGS, f"--user-data-dir={profile}", *what, page.as_uri()],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return done


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    base = tmp_path_factory.mktemp("browser")
    recs = strong_study(method="pool.map", study="smoke", workers=(1, 2, 4), spread=0.05)
    recs += [r for r in strong_study(method="openmp", f=0.1, study="smoke", workers=(2, 4))
             if r["method"] != "sequential"]
    recs += strong_study(method="pool.shared_array", app="determinants", size=50, t1=2.0,
                         study="smoke", workers=(2, 4))
    recs.append(record(method="pool.map", ranks=4, seconds=[0.1], status="failed", study="smoke"))
    write_jsonl(base / "records" / "smoke.jsonl", recs)
    done = run_report("--out", base / "report", base / "records")
    assert done.returncode == 0, done.stderr
    return base / "report"


def test_report_reads_in_a_real_browser(report, tmp_path):
    browser = chromium()
    page = tmp_path / "probed.html"
    text = (report / "report.html").read_text(encoding="utf-8")
    page.write_text(text.replace("<head>", "<head>" + PROBE, 1), encoding="utf-8")
    dom = browse(browser, page, tmp_path / "profile-dom", "--virtual-time-budget=10000",
                 "--dump-dom").stdout
    start = dom.index('<pre id="hmp-probe">') + len('<pre id="hmp-probe">')
    probe = json.loads(dom[start:dom.index("</pre>", start)].replace("&quot;", '"')
                       .replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&"))

    figures = sorted((report / "figures").glob("*.png"))
    assert len(probe["images"]) == len(figures) >= 2
    broken = [i["alt"] for i in probe["images"] if not i["complete"] or i["width"] <= 0]
    assert broken == [], f"images that did not load: {broken}"
    assert probe["errors"] == []
    assert probe["first_heading"] == "Findings"
    assert probe["findings_top"] is not None, "no findings table"
    assert probe["findings_bottom"] <= probe["viewport"], \
        f"the findings table ends at {probe['findings_bottom']}px, below the first screen " \
        f"({probe['viewport']}px)"


def test_screenshot_of_the_first_screen(report, tmp_path):
    browser = chromium()
    shot = tmp_path / "first-screen.png"
    browse(browser, report / "report.html", tmp_path / "profile-shot", f"--screenshot={shot}")
    from matplotlib import image
    pixels = image.imread(str(shot))
    assert pixels.shape[:2] == (HEIGHT, WIDTH)
    # Something is drawn: not one flat colour.
    assert pixels[..., :3].std() > 0.05
