"""Import a 1M-row All Orders export into a store already holding 1M rows, against reading it alone.

Target (issue "Keep history", section 5): the import takes at most 3x the wall time of reading the
same export with the kit's reader, both measured as whole processes in this run. That case is an
export of new order items (the target). A second case, printed for information, imports the
stored items again with a changed column, so every stored row loses to a new one and every stored
file is replaced: the most work an import of that size can cause.

    .venv/bin/python benchmarks/bench_import.py [ROWS] [--repeat N]

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
from common import measure, write_all_orders  # noqa: E402

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


def _time_import(export: Path, base: Path, repeat: int) -> tuple[tuple, tuple]:
    """Median (wall, peak RSS) of reading ``export`` alone and of importing it into ``base``."""
    read_code = f"from oos_analysis.io.readers import read_export; read_export({str(export)!r})"
    run_store = WORK / "store-run"
    import_cmd = [PY, "-m", "oos_analysis", "import", str(export), "--store", str(run_store)]
    reads, imports = [], []
    for _ in range(repeat):  # interleaved, so both see the same machine
        reads.append(measure([PY, "-c", read_code]))
        shutil.rmtree(run_store, ignore_errors=True)
        shutil.copytree(base, run_store)
        imports.append(measure(import_cmd))
    shutil.rmtree(run_store, ignore_errors=True)
    median = lambda runs, i: statistics.median(r[i] for r in runs)  # noqa: E731
    return (median(reads, 0), median(reads, 1)), (median(imports, 0), median(imports, 1))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rows", nargs="?", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    WORK.mkdir(exist_ok=True)
    held = WORK / f"import-held-{args.rows}.txt"
    new = WORK / f"import-new-{args.rows}.txt"
    for path, seed in [(held, 11), (new, 12)]:
        if not path.exists():
            write_all_orders(path, args.rows, seed=seed)
    changed = WORK / f"import-changed-{args.rows}.txt"
    if not changed.exists():  # the held items again, each with another ship service level
        changed.write_bytes(held.read_bytes().replace(b"\tStandard\t", b"\tExpedited\t"))
    base = WORK / f"store-base-{args.rows}"
    if base.exists() and _store_format(base) != STORE_FORMAT:
        shutil.rmtree(base)  # built by an older oos_analysis: time the current layout
    if not base.exists():
        subprocess.run(
            [PY, "-m", "oos_analysis", "import", str(held), "--store", str(base)],
            check=True, capture_output=True,
        )

    load_before = os.getloadavg()[0]
    cases = [("new items (target)", new), ("every stored item changed", changed)]
    results = [(name, *_time_import(path, base, args.repeat)) for name, path in cases]
    load_after = os.getloadavg()[0]

    size = new.stat().st_size / 2**20
    print(f"export: {args.rows:,} rows ({size:.0f} MiB); store already holds {args.rows:,} rows")
    print(f"store layout: format {STORE_FORMAT}; 1-min load average {load_before:.2f} before, "
          f"{load_after:.2f} after on {os.cpu_count()} CPU(s) (re-run if above ~1.5)")
    print(f"median of {args.repeat} runs, whole process:")
    for name, (read_wall, read_rss), (imp_wall, imp_rss) in results:
        ratio = imp_wall / read_wall
        verdict = "meets" if ratio <= 3 else "MISSES"
        print(f"  {name}:")
        print(f"    read the export alone (baseline): {read_wall:6.2f} s   peak RSS "
              f"{read_rss:6.0f} MiB")
        print(f"    import it into the store:         {imp_wall:6.2f} s   peak RSS "
              f"{imp_rss:6.0f} MiB")
        print(f"    ratio import / read: {ratio:.2f}x wall ({verdict} the 3x target), "
              f"{imp_rss / read_rss:.2f}x peak memory")
    return 0


if __name__ == "__main__":
    sys.exit(main())
