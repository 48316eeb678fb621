"""Benchmark: ``oos-analysis rate`` over a 1M-row All Orders export, and the daily series in-process.

1. Whole process: ``oos-analysis rate FILE --format csv`` against a bare
   ``pd.read_csv(FILE, sep="\\t", engine="pyarrow")`` in a fresh interpreter (target: <= 2x).
2. In-process: :func:`oos_analysis.daily_rate` over the orders frame built from the same file
   (about 0.9M orders), median of several runs (target: < 100 ms); the orders frame's build time
   is printed too, to show where the command's time goes.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import median_measure, write_all_orders  # noqa: E402

ROWS = 1_000_000


def _timed(fn, repeat):
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        runs.append(time.perf_counter() - started)
    return statistics.median(runs), result


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        path = write_all_orders(Path(tmp) / "all-orders.txt", ROWS, seed=0)
        baseline = [sys.executable, "-c",
                    f"import pandas as pd; pd.read_csv({str(path)!r}, sep='\\t', engine='pyarrow')"]
        kit = [sys.executable, "-m", "oos_analysis", "rate", str(path), "--format", "csv"]
        base_wall, base_rss = median_measure(baseline)
        kit_wall, kit_rss = median_measure(kit)
        print(f"rate CLI over {ROWS:,} rows (whole process, median of 3):")
        print(f"  bare pandas+pyarrow read : {base_wall:6.2f} s  {base_rss:7.0f} MiB")
        print(f"  oos-analysis rate        : {kit_wall:6.2f} s  {kit_rss:7.0f} MiB")
        print(f"  ratio (target <= 2x)     : {kit_wall / base_wall:6.2f}x wall, "
              f"{kit_rss / base_rss:.2f}x peak memory")

        from oos_analysis import daily_rate, orders_from_items, read_exports

        read_time, exports = _timed(lambda: read_exports([path]), 1)
        build_time, orders = _timed(lambda: orders_from_items(exports.all_orders), 3)
        series_time, series = _timed(lambda: daily_rate(orders), 7)
        local_time, _ = _timed(lambda: daily_rate(orders, tz="America/Los_Angeles"), 7)
        print(f"in-process, {len(orders):,} orders ({int(orders['in_metric'].sum()):,} in the metric):")
        print(f"  read_exports             : {read_time * 1000:8.0f} ms")
        print(f"  orders_from_items        : {build_time * 1000:8.0f} ms (median of 3)")
        print(f"  daily_rate (UTC)         : {series_time * 1000:8.1f} ms (median of 7; target < 100 ms)"
              f", {len(series)} rows")
        print(f"  daily_rate (tz=LA)       : {local_time * 1000:8.1f} ms (median of 7)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
