"""Benchmark: ``rate --store`` on a store of 10M order items (a large seller's quarter).

Goal (issue "Speed at the floor"): at most 20 s and 3 GB peak on 2 cores; the bytes per stored
row are printed. The store is built here, not kept in the repository: ten weekly-style All Orders
exports of 1M rows each (about nine days apiece, 90 days in all) are generated and imported one
after the other into ``benchmarks/_work/store-scale-<ROWS>`` and reused by later runs. Building
it takes several minutes on 2 cores, so ``make bench`` runs this only when ``OOS_BENCH_SCALE=1``
is set (or ``--run`` is given); otherwise it prints how to run it.

Beside the full history, ``rate --store --from <last 7 days>`` (what a weekly look costs) is timed
in the same rounds: it reads only the month files the shown windows reach (and a few columns of the
oldest month, for where each marketplace begins); its time and peak are printed against the full
history's, with the number of month files read of those held.

``--profile`` adds one more run under pyinstrument (the ``bench`` extra; cProfile if it is not
installed) and prints the calls that took at least 3 % of it: what holds the time now.

Usage: python benchmarks/bench_scale.py --run [--rows 10000000] [--repeat N] [--profile]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import WORK, alternate, load_note, verdict, write_all_orders  # noqa: E402

PY = sys.executable
RATE = ["-m", "oos_analysis", "rate", "--store"]
PER_FILE = 1_000_000


def _build(rows: int) -> Path:
    store = WORK / f"store-scale-{rows}"
    done = store / "built"
    if done.exists():
        return store
    WORK.mkdir(exist_ok=True)
    files = max(1, rows // PER_FILE)
    for i in range(files):
        export = WORK / f"scale-week-{i}.txt"
        start = (dt.date(2026, 8, 1) + dt.timedelta(days=9 * i)).isoformat()
        write_all_orders(export, min(PER_FILE, rows - i * PER_FILE), seed=1000 + i, days=9,
                         start=start)
        subprocess.run([PY, "-m", "oos_analysis", "import", str(export), "--store", str(store)],
                       check=True, capture_output=True)
        export.unlink()
        print(f"  built {i + 1}/{files}", flush=True)
    done.write_text("ok\n")
    return store


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", action="store_true", help="build (once) and time the store")
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--profile", action="store_true",
                        help="also profile one run and print where its time goes")
    args = parser.parse_args()
    if not (args.run or os.environ.get("OOS_BENCH_SCALE") == "1"):
        print("10M-item store: skipped (building it takes minutes); run `OOS_BENCH_SCALE=1 make "
              "bench` or `python benchmarks/bench_scale.py --run`.")
        return 0
    store = _build(args.rows)
    note = load_note()
    first, last = _last_week(store)
    week = ["--from", first, "--to", last]
    got = alternate({"rate --store": [PY, *RATE, str(store), "--format", "csv"],
                     "rate --store, last 7 days": [PY, *RATE, str(store), "--format", "csv",
                                                   *week]}, args.repeat)
    wall, rss, cpu = got["rate --store"]
    live = store / (store / "CURRENT").read_text().strip()
    size = sum(p.stat().st_size for p in live.rglob("*.parquet"))
    print(f"rate --store over {args.rows:,} stored order items, median of {args.repeat} runs; "
          f"{note} before, {load_note()} after")
    print(f"  {wall:.2f} s wall ({verdict(wall, 20)} the 20 s goal), CPU {cpu:.2f} s, peak "
          f"{rss / 1024:.2f} GiB ({verdict(rss / 1024, 3)} the 3 GB goal), "
          f"{rss * 2**20 / args.rows:.0f} bytes per row in memory, "
          f"{size / args.rows:.0f} bytes per row on disk")
    w_wall, w_rss, w_cpu = got["rate --store, last 7 days"]
    read, edge, held = _files_read(store, first, last)
    print(f"rate --store --from {first} --to {last} (the last 7 days): {w_wall:.2f} s wall "
          f"({w_wall / wall:.2f}x the full history's), CPU {w_cpu:.2f} s, peak "
          f"{w_rss / 1024:.2f} GiB ({w_rss / rss:.2f}x); month files read {read} of {held}, "
          f"and a few columns of {edge} more (where each marketplace's orders begin)")
    if args.profile:
        _profile([*RATE, str(store), "--format", "csv"])
    return 0


def _last_week(store: Path) -> tuple[str, str]:
    """The last seven UTC days the store's All Orders exports cover."""
    from oos_analysis.store.spans import manifest

    files = manifest(store)
    last = files.loc[files["kind"] == "all_orders", "date_to"].max()
    return str((last - dt.timedelta(days=6)).date()), str(last.date())


def _files_read(store: Path, first: str, last: str) -> tuple[int, int, int]:
    """How many month files ``rate --store --from first --to last`` reads whole, reads a few
    columns of, and the store holds (one read, outside the timed runs)."""
    from oos_analysis.metric.months import read_window
    from oos_analysis.metric.orders import INPUT_COLUMNS

    window = read_window(store, start=first, end=last, tz="UTC", columns=INPUT_COLUMNS,
                         compact=True)
    return window.files_read, window.files_edge, window.files_held


def _profile(argv: list[str]) -> None:
    """One run under pyinstrument (else cProfile): the calls taking at least 3 % of it."""
    try:
        import pyinstrument  # noqa: F401
    except ImportError:
        done = subprocess.run([PY, "-m", "cProfile", "-s", "cumulative", *argv],
                              capture_output=True, text=True, check=True)
        table = done.stdout[done.stdout.index("   ncalls"):].splitlines()
        print("profile (cProfile, cumulative; pip install -e '.[bench]' for a call tree):")
        print("\n".join(table[:30]))
        return
    done = subprocess.run([PY, "-m", "pyinstrument", "-r", "text", "-o",
                           "/dev/stderr", *argv], capture_output=True, text=True, check=True)
    lines = [re.sub(r"\x1b\[[0-9;]*m", "", line) for line in done.stderr.splitlines()]
    total = next((float(m.group(1)) for line in lines
                  if (m := re.search(r"Duration: ([0-9.]+)", line))), 0.0)
    print(f"profile of one run (pyinstrument, {total:.1f} s; calls of at least 3 %):")
    for line in lines:
        found = re.match(r"^[\s│├└─]*([0-9]+\.[0-9]+) ", line)
        if found and total and float(found.group(1)) >= 0.03 * total:
            print("  " + line.rstrip())


if __name__ == "__main__":
    sys.exit(main())
