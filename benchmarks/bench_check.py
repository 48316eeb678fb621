"""Benchmark: `oos-analysis check` and the kit's read of a 1M-row All Orders export, at the floor.

The floors, each a fresh process reading the same file, alternated with the kit in this run:
``pyarrow.csv.read_csv`` (the true floor: Arrow's parser alone, no pandas) and
``pd.read_csv(engine="pyarrow")`` (what a pandas user would write). Targets (issue "Speed at the
floor"): ``check`` at most 1.2x ``pd.read_csv`` and at most 1.6x ``pyarrow.csv``. The kit's read
(``read_all_orders``) is printed against both for information.

Usage: python benchmarks/bench_check.py [ROWS] [--repeat N]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import alternate, cached_all_orders, load_note, verdict  # noqa: E402

PY = sys.executable
ARROW = ("import sys, pyarrow.csv as c; t = c.read_csv(sys.argv[1], parse_options="
         "c.ParseOptions(delimiter='\\t')); assert t.num_rows == int(sys.argv[2])")
PANDAS = ("import sys, pandas as pd; df = pd.read_csv(sys.argv[1], sep='\\t', engine='pyarrow'); "
          "assert len(df) == int(sys.argv[2])")
READ = ("import sys; from oos_analysis import read_all_orders; "
        "df = read_all_orders(sys.argv[1]); assert len(df) == int(sys.argv[2])")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rows", nargs="?", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    path = cached_all_orders(args.rows)
    n = str(args.rows)
    before = load_note()
    got = alternate({
        "pyarrow.csv.read_csv": [PY, "-c", ARROW, str(path), n],
        'pd.read_csv(engine="pyarrow")': [PY, "-c", PANDAS, str(path), n],
        "oos-analysis check": [PY, "-m", "oos_analysis", "check", str(path)],
        "read_all_orders": [PY, "-c", READ, str(path), n],
    }, args.repeat)
    print(f"check / read of a {args.rows:,}-row All Orders export ({path.stat().st_size / 2**20:.0f}"
          f" MiB), median of {args.repeat} alternated runs, whole process; {before} before, "
          f"{load_note()} after")
    print(f"  {'':32}{'wall s':>8}{'CPU s':>8}{'peak MiB':>10}")
    for name, (wall, rss, cpu) in got.items():
        print(f"  {name:32}{wall:8.2f}{cpu:8.2f}{rss:10.0f}")
    arrow, pandas = got["pyarrow.csv.read_csv"][0], got['pd.read_csv(engine="pyarrow")'][0]
    check, read = got["oos-analysis check"][0], got["read_all_orders"][0]
    print(f"  check / pd.read_csv:   {check / pandas:5.2f}x  ({verdict(check / pandas, 1.2)} the "
          "1.2x target)")
    print(f"  check / pyarrow.csv:   {check / arrow:5.2f}x  ({verdict(check / arrow, 1.6)} the "
          "1.6x target)")
    print(f"  read / pd.read_csv:    {read / pandas:5.2f}x;  read / pyarrow.csv: {read / arrow:5.2f}x"
          " (information)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
