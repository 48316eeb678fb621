"""Import a 1M-row All Orders export into a store already holding 1M rows, against reading it alone.

Target (issue "local history store", section 5): the import takes at most 3x the wall time of
reading the same export with the kit's reader, both measured as whole processes in this run.

    .venv/bin/python benchmarks/bench_import.py [ROWS] [--repeat N]

Files go to ``benchmarks/_work/`` (git-ignored). The store is copied fresh before every timed
import, because importing the same file twice is (by design) a no-op.
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

from oos_analysis import store  # noqa: E402

WORK = Path(__file__).resolve().parent / "_work"
PY = sys.executable
STORE_FORMAT = store._FORMAT


def _store_format(root: Path) -> int | None:
    try:
        live = root / (root / "CURRENT").read_text().strip()
        return json.loads((live / "manifest.json").read_text())["format"]
    except (OSError, ValueError, KeyError):
        return None


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
    base = WORK / f"store-base-{args.rows}"
    if base.exists() and _store_format(base) != STORE_FORMAT:
        shutil.rmtree(base)  # built by an older oos_analysis: time the current layout
    if not base.exists():
        subprocess.run(
            [PY, "-m", "oos_analysis", "import", str(held), "--store", str(base)],
            check=True, capture_output=True,
        )

    read_code = f"from oos_analysis.readers import read_export; read_export({str(new)!r})"
    read_cmd = [PY, "-c", read_code]
    run_store = WORK / "store-run"
    import_cmd = [PY, "-m", "oos_analysis", "import", str(new), "--store", str(run_store)]

    load_before = os.getloadavg()[0]
    reads, imports = [], []
    for _ in range(args.repeat):
        reads.append(measure(read_cmd))
        shutil.rmtree(run_store, ignore_errors=True)
        shutil.copytree(base, run_store)
        imports.append(measure(import_cmd))
    shutil.rmtree(run_store, ignore_errors=True)

    read_wall = statistics.median(r[0] for r in reads)
    read_rss = statistics.median(r[1] for r in reads)
    imp_wall = statistics.median(r[0] for r in imports)
    imp_rss = statistics.median(r[1] for r in imports)
    size = new.stat().st_size / 2**20
    print(f"export: {args.rows:,} rows ({size:.0f} MiB); store already holds {args.rows:,} rows")
    print(f"store layout: format {STORE_FORMAT}; 1-min load average {load_before:.2f} before, "
          f"{os.getloadavg()[0]:.2f} after on {os.cpu_count()} CPU(s) (re-run if above ~1.5)")
    print(f"median of {args.repeat} runs, whole process:")
    print(f"  read the export alone (baseline): {read_wall:7.2f} s   peak RSS {read_rss:7.0f} MiB")
    print(f"  import it into the store:         {imp_wall:7.2f} s   peak RSS {imp_rss:7.0f} MiB")
    ratio = imp_wall / read_wall
    verdict = "meets" if ratio <= 3 else "MISSES"
    print(f"  ratio import / read: {ratio:.2f}x wall ({verdict} the 3x target), "
          f"{imp_rss / read_rss:.2f}x peak memory")
    return 0


if __name__ == "__main__":
    sys.exit(main())
