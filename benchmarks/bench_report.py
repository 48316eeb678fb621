"""Benchmark: the report's render path, against plain papermill + nbconvert.

Three whole processes, alternated in this run, median of 3 each:

* plain: papermill executes a one-cell notebook and nbconvert's ``HTMLExporter`` writes its HTML,
  every default left as it is (the floor anyone would start from);
* the kit's path on the same one-cell notebook (``oos-analysis report --notebook ...``):
  at most 3 s on 2 cores (issue "Speed at the floor");
* the sample weekly report end to end (``oos-analysis report``, every marketplace of the
  sample): at most 2x the kit's one-cell render.

Usage: python benchmarks/bench_report.py [--repeat N]
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
    parser.add_argument("--repeat", type=int, default=3)
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
    return 0


if __name__ == "__main__":
    sys.exit(main())
