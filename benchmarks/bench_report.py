"""Benchmark: render the sample weekly report end to end against a one-cell notebook.

Both go through the same path, ``oos-analysis report`` in a fresh process (papermill executes the
notebook in a new kernel, nbconvert writes the HTML without code), so kernel start-up and imports
are in both; the ratio is what the report itself adds. Median of 3 runs each. Target: <= 2.5x.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import median_measure  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
TARGET = 2.5


def _one_cell(path: Path) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    cell = nbformat.v4.new_code_cell('asof: str = ""  # ISO date\nmarketplace: str = ""  # name')
    cell.metadata["tags"] = ["parameters"]
    nb.cells = [cell]
    nbformat.write(nb, path)
    return path


def main() -> int:
    work = Path(tempfile.mkdtemp(prefix="bench_report_"))
    try:
        baseline_nb = _one_cell(work / "one-cell.ipynb")
        cli = [sys.executable, "-m", "oos_analysis", "report"]
        samples = sorted(str(p) for p in (ROOT / "data" / "sample" / "us").iterdir())
        report = [*cli, *samples, "--out", str(work / "report")]
        baseline = [
            *cli,
            "--notebook",
            str(baseline_nb),
            "--asof",
            "2026-11-24",
            "--marketplace",
            "amazon.com",
            "--out",
            str(work / "baseline"),
        ]
        base_wall, base_rss = median_measure(baseline)
        kit_wall, kit_rss = median_measure(report)
        ratio = kit_wall / base_wall
        rows = [
            ("one-cell notebook (papermill + nbconvert)", base_wall, base_rss),
            ("sample weekly report, end to end", kit_wall, kit_rss),
        ]
        for label, wall, rss in rows:
            print(f"{label:<42} {wall:6.2f} s  peak {rss:6.0f} MiB")
        verdict = "ok" if ratio <= TARGET else "OVER"
        print(f"ratio: {ratio:.2f}x (target <= {TARGET}x) -> {verdict}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
