"""Benchmark: ``oos-analysis rate`` over 1M-row exports and over the store, against the floors.

Whole processes, alternated in this run, median of 5 by default (issue "Speed at the floor"):

1. ``rate FILE --format csv`` on a 1M-row All Orders export (90 days) against a bare
   ``pd.read_csv(FILE, sep="\\t", engine="pyarrow")``: at most 1.5x the wall time, and peak memory
   at most 1.2x the bare read's; bytes per row printed.
2. ``rate --store`` on a store holding a 1M-row 3-year backfill written in no date order,
   against ``rate`` on that export: at most 1.5x.
3. In-process, for information: ``daily_rate`` over the orders frame (target < 100 ms, issue
   "Daily rate") and the time to build that frame.

Usage: python benchmarks/bench_rate.py [ROWS] [--repeat N]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import WORK, alternate, cached_all_orders, load_note, verdict  # noqa: E402

PY = sys.executable


def _timed(fn, repeat):
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        runs.append(time.perf_counter() - started)
    return statistics.median(runs), result


def _store_of(export: Path) -> Path:
    store = WORK / f"store-rate-{export.stem}"
    if not (store / "CURRENT").exists():
        subprocess.run([PY, "-m", "oos_analysis", "import", str(export), "--store", str(store)],
                       check=True, capture_output=True)
    return store


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rows", nargs="?", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    plain = cached_all_orders(args.rows)
    backfill = cached_all_orders(args.rows, seed=21, days=3 * 365, start="2023-09-01",
                                 unsorted=True)
    store = _store_of(backfill)
    rate = [PY, "-m", "oos_analysis", "rate"]
    bare = ("import sys, pandas as pd; pd.read_csv(sys.argv[1], sep='\\t', engine='pyarrow')")
    note = load_note()
    got = alternate({
        "bare pd.read_csv": [PY, "-c", bare, str(plain)],
        "oos-analysis rate FILE": [*rate, str(plain), "--format", "csv"],
        "rate on the backfill FILE": [*rate, str(backfill), "--format", "csv"],
        "rate --store (its store)": [*rate, "--store", str(store), "--format", "csv"],
    }, args.repeat)
    print(f"rate over {args.rows:,} rows, median of {args.repeat} alternated runs, whole process; "
          f"{note} before, {load_note()} after")
    for name, (wall, rss, cpu) in got.items():
        print(f"  {name:28}{wall:7.2f} s  CPU {cpu:6.2f} s  peak {rss:6.0f} MiB "
              f"({rss * 2**20 / args.rows:5.0f} bytes/row)")
    (bw, brss, _), (kw, krss, _) = got["bare pd.read_csv"], got["oos-analysis rate FILE"]
    fw, sw = got["rate on the backfill FILE"][0], got["rate --store (its store)"][0]
    print(f"  rate / pd.read_csv:          {kw / bw:5.2f}x wall ({verdict(kw / bw, 1.5)} the 1.5x "
          "target)")
    print(f"  rate / pd.read_csv memory:   {krss / brss:5.2f}x peak ({verdict(krss / brss, 1.2)} "
          f"the 1.2x target); {krss * 2**20 / args.rows:.0f} bytes per row")
    print(f"  rate --store / rate on file: {sw / fw:5.2f}x wall ({verdict(sw / fw, 1.5)} the 1.5x "
          "target)")

    from oos_analysis import daily_rate, orders_from_items, read_exports

    read_time, exports = _timed(lambda: read_exports([plain]), 1)
    build_time, orders = _timed(lambda: orders_from_items(exports.all_orders), 3)
    series_time, series = _timed(lambda: daily_rate(orders), 7)
    print(f"in-process, {len(orders):,} orders: read_exports {read_time * 1000:.0f} ms, "
          f"orders_from_items {build_time * 1000:.0f} ms, daily_rate {series_time * 1000:.1f} ms "
          f"(target < 100 ms), {len(series)} rows")
    return 0


if __name__ == "__main__":
    sys.exit(main())
