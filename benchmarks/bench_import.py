"""Import 1M-row All Orders exports into a store, against reading the same export alone.

Each case times the import and the kit's read of the same export as whole processes, alternated
in this run, and prints the ratio against its target:

* a 1M-row export spanning three years, rows in no date order (a first backfill), into an empty
  store: at most 2.5x (issue "Speed at the floor");
* 1M changed items of that backfill (each stored item again, with another ship service level)
  into the store holding it: at most 3x (every stored month file is rewritten);
* an export of 1M new order items (90 days, date order) into a store holding 1M: at most 3x
  (issue "Keep history", section 5);
* the held 90-day items again with a changed column (every stored row loses): at most 3x.

    .venv/bin/python benchmarks/bench_import.py [ROWS] [--repeat N] [--only WORD...]

``--only changed`` runs the cases whose name holds "changed"; CPU is user + system seconds of the
whole process (both use the machine's cores: the ratio that matters is wall on a quiet machine).

Files go to ``benchmarks/_work/`` (git-ignored). The store is copied fresh before every timed
import, because importing the same file twice is (by design) a no-op. The base store is rebuilt
when it was written in another store format than the current one.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import measure_cpu, write_all_orders  # noqa: E402

from oos_analysis.store import lock as store_lock  # noqa: E402

WORK = Path(__file__).resolve().parent / "_work"
PY = sys.executable
STORE_FORMAT = store_lock.STORE_FORMAT


def _store_format(root: Path) -> int | None:
    try:
        live = root / (root / "CURRENT").read_text().strip()
        return json.loads((live / "manifest.json").read_text())["format"]
    except (OSError, ValueError, KeyError):
        return None


def _time_import(export: Path, base: Path | None, repeat: int) -> tuple[tuple, tuple]:
    """Median (wall, peak RSS, CPU) of reading ``export`` alone and of importing it into ``base``.

    ``base`` None: into an empty store."""
    read_code = f"from oos_analysis.io.readers import read_export; read_export({str(export)!r})"
    run_store = WORK / "store-run"
    import_cmd = [PY, "-m", "oos_analysis", "import", str(export), "--store", str(run_store)]
    reads, imports = [], []
    for _ in range(repeat):  # interleaved, so both see the same machine
        reads.append(measure_cpu([PY, "-c", read_code]))
        shutil.rmtree(run_store, ignore_errors=True)
        if base is not None:
            shutil.copytree(base, run_store)
        imports.append(measure_cpu(import_cmd))
    shutil.rmtree(run_store, ignore_errors=True)
    median = lambda runs, i: statistics.median(r[i] for r in runs)  # noqa: E731
    return tuple(tuple(median(runs, i) for i in range(3)) for runs in (reads, imports))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rows", nargs="?", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--only", nargs="*", metavar="WORD",
                        help="only the cases whose name holds one of these words")
    args = parser.parse_args()

    WORK.mkdir(exist_ok=True)
    held = WORK / f"import-held-{args.rows}.txt"
    new = WORK / f"import-new-{args.rows}.txt"
    for path, seed in [(held, 11), (new, 12)]:
        if not path.exists():
            write_all_orders(path, args.rows, seed=seed)
    backfill = WORK / f"import-backfill-{args.rows}.txt"
    if not backfill.exists():
        write_all_orders(backfill, args.rows, seed=21, days=3 * 365, start="2023-09-01",
                         unsorted=True)
    changed = WORK / f"import-changed-{args.rows}.txt"
    refill = WORK / f"import-backfill-changed-{args.rows}.txt"
    for source, target in [(held, changed), (backfill, refill)]:
        if not target.exists():  # the stored items again, each with another ship service level
            target.write_bytes(source.read_bytes().replace(b"\tStandard\t", b"\tExpedited\t"))
    base = WORK / f"store-base-{args.rows}"
    back = WORK / f"store-backfill-{args.rows}"
    for store, source in [(base, held), (back, backfill)]:
        if store.exists() and _store_format(store) != STORE_FORMAT:
            shutil.rmtree(store)  # built by an older oos_analysis: time the current layout
        if not store.exists():
            subprocess.run(
                [PY, "-m", "oos_analysis", "import", str(source), "--store", str(store)],
                check=True, capture_output=True,
            )

    load_before = os.getloadavg()[0]
    cases = [("3-year unsorted backfill into an empty store", backfill, None, 2.5),
             ("every item of that backfill changed, into its store", refill, back, 3.0),
             ("90 days of new items into a 1M-row store", new, base, 3.0),
             ("every stored item of the 90 days changed", changed, base, 3.0)]
    cases = [c for c in cases if not args.only or any(w in c[0] for w in args.only)]
    results = [(name, *_time_import(path, store, args.repeat), target)
               for name, path, store, target in cases]
    load_after = os.getloadavg()[0]

    size = new.stat().st_size / 2**20
    print(f"exports: {args.rows:,} rows ({size:.0f} MiB) each; a store holds {args.rows:,} rows")
    print(f"store layout: format {STORE_FORMAT}; 1-min load average {load_before:.2f} before, "
          f"{load_after:.2f} after on {os.cpu_count()} CPU(s) (re-run if above ~1.5)")
    print(f"median of {args.repeat} runs, whole process:")
    for name, (read_wall, read_rss, read_cpu), (imp_wall, imp_rss, imp_cpu), target in results:
        ratio = imp_wall / read_wall
        verdict = "meets" if ratio <= target else "MISSES"
        print(f"  {name}:")
        print(f"    read the export alone (baseline): {read_wall:6.2f} s   CPU {read_cpu:6.2f} s   "
              f"peak RSS {read_rss:6.0f} MiB")
        print(f"    import it into the store:         {imp_wall:6.2f} s   CPU {imp_cpu:6.2f} s   "
              f"peak RSS {imp_rss:6.0f} MiB")
        print(f"    ratio import / read: {ratio:.2f}x wall ({verdict} the {target:g}x target), "
              f"{imp_cpu / read_cpu:.2f}x CPU, {imp_rss / read_rss:.2f}x peak memory")
    return 0


if __name__ == "__main__":
    sys.exit(main())
