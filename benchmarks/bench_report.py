"""Benchmark: the report's render path, against plain papermill + nbconvert.

Three whole processes, alternated in this run, median of 5 each by default:

* plain: papermill executes a one-cell notebook and nbconvert's ``HTMLExporter`` writes its HTML,
  every default left as it is (the floor anyone would start from);
* the kit's path on the same one-cell notebook (``oos-analysis report --notebook ...``):
  at most 3 s on 2 cores (issue "Speed at the floor");
* the sample weekly report end to end (``oos-analysis report``, every marketplace of the
  sample): at most 2x the kit's one-cell render.

Usage: python benchmarks/bench_report.py [--repeat N] [--timeline]

``--timeline`` renders the sample report once more and prints where its time went: the parent
process's steps (kernel started, notebook inspected, exports read and checked, the report model's
builder started, papermill's run, HTML written) and each notebook cell's start and duration in the
kernel, as papermill recorded them, all in seconds from the process start.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import alternate, load_note, verdict  # noqa: E402

PY = sys.executable
PLAIN = (
    "import sys, papermill as pm\n"
    "from nbconvert import HTMLExporter\n"
    "pm.execute_notebook(sys.argv[1], sys.argv[2], parameters={'asof': '2026-11-24'},\n"
    "                    progress_bar=False)\n"
    "body, _ = HTMLExporter().from_filename(sys.argv[2])\n"
    "open(sys.argv[3], 'w', encoding='utf-8').write(body)\n"
)


# Runs `oos-analysis report` in this process with timers around the render path's steps.
TIMELINE = r"""
import contextlib, datetime as dt, glob, io, json, sys, time
t0 = time.time()
marks = []
def timed(owner, name, label, keep=lambda *a, **k: True):
    inner = getattr(owner, name)
    def wrapper(*args, **kwargs):
        start = time.time()
        try:
            return inner(*args, **kwargs)
        finally:
            if keep(*args, **kwargs):
                marks.append((start - t0, time.time() - start, label))
    setattr(owner, name, wrapper)
# Only light modules are patched here, so that nothing heavy is imported before the command.
import oos_analysis.report.kernel as kernel, oos_analysis.report.render as render
timed(kernel.ReportKernel, "__init__", "parent: kernel launched (it starts on its own)")
timed(render, "notebook_parameters", "parent: notebook inspected (imports papermill)",
      lambda *a, **k: not any(m[2].startswith("parent: notebook") for m in marks))
timed(render, "render_report", "parent: from inputs read and checked to HTML written")
timed(render, "_hand_over_report",
      "parent: report model's builder forked (it runs beside papermill's start)")
timed(render, "_warm_html_exporter", "parent thread: HTML exporter warmed")
timed(render, "notebook_to_html", "parent: HTML exported",
      lambda nb, **k: len(getattr(nb, "cells", ())) > 2)
from oos_analysis.cli import main
with contextlib.redirect_stdout(io.StringIO()):
    main(["report", "--out", sys.argv[1]])
marks.append((time.time() - t0, 0.0, "parent: done"))
nb = json.load(open(glob.glob(sys.argv[1] + "/*.ipynb")[0], encoding="utf-8"))
run = nb["metadata"]["papermill"]
marks.append((dt.datetime.fromisoformat(run["start_time"]).timestamp() - t0, run["duration"],
              "papermill: the run, from waiting for the kernel to its last cell"))
for cell in nb["cells"]:
    pm = cell["metadata"].get("papermill", {})
    if cell["cell_type"] == "code" and pm.get("start_time"):
        start = dt.datetime.fromisoformat(pm["start_time"]).timestamp() - t0
        first = "".join(cell["source"]).strip().splitlines()[0][:44]
        marks.append((start, pm["duration"], f"kernel: cell {first}"))
for start, took, label in sorted(marks):
    print(f"  {start:6.2f} s  {took:5.2f} s  {label}")
"""


def _one_cell(path: Path) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    cell = nbformat.v4.new_code_cell('asof: str = ""  # ISO date\nmarketplace: str = ""  # name')
    cell.metadata["tags"] = ["parameters"]
    nb.cells = [cell]
    nbformat.write(nb, path)
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--timeline", action="store_true",
                        help="also print where one sample report's time goes")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench_report_"))
    try:
        one = _one_cell(work / "one-cell.ipynb")
        cli = [PY, "-m", "oos_analysis", "report"]
        note = load_note()
        got = alternate({
            "plain papermill + nbconvert, one cell": [
                PY, "-c", PLAIN, str(one), str(work / "plain.ipynb"), str(work / "plain.html")],
            "kit's render path, one cell": [
                *cli, "--notebook", str(one), "--asof", "2026-11-24", "--marketplace",
                "amazon.com", "--out", str(work / "one")],
            "sample weekly report": [*cli, "--out", str(work / "report")],
        }, args.repeat)
        if args.timeline:
            import subprocess

            timeline = subprocess.run([PY, "-c", TIMELINE, str(work / "timeline")],
                                      capture_output=True, text=True, check=True).stdout
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"report rendering, median of {args.repeat} alternated runs, whole process; {note} "
          f"before, {load_note()} after")
    for name, (wall, rss, cpu) in got.items():
        print(f"  {name:40}{wall:6.2f} s  CPU {cpu:5.2f} s  peak {rss:5.0f} MiB")
    plain = got["plain papermill + nbconvert, one cell"][0]
    one_cell = got["kit's render path, one cell"][0]
    sample = got["sample weekly report"][0]
    print(f"  kit one cell: {one_cell:.2f} s ({verdict(one_cell, 3.0)} the 3 s goal); "
          f"{one_cell / plain:.2f}x plain papermill + nbconvert")
    print(f"  sample report / kit one cell: {sample / one_cell:.2f}x ({verdict(sample / one_cell, 2.0)}"
          " the 2x target)")
    if args.timeline:
        print("where one sample report's time goes (start from process start, duration, step):")
        print(timeline.rstrip())
    return 0


if __name__ == "__main__":
    sys.exit(main())
