"""Benchmark: ``oos-analysis simulate`` (100,000 paths x 30 days) against the model's floor.

The floor is a bare Python process that imports pandas and numpy and draws the same Poisson
orders (100,000 x 30) and binomial counted cancellations: what any implementation of this model
has to pay. The kit's run also estimates nothing (all inputs given) but computes the per-day
quantiles, the remaining budget, the JSON output and the policy comparison (11 policies on
10,000 shared paths). Each command runs 3 times, interleaved, in a fresh process; the medians
are printed, wall time and CPU time (user + sys, less sensitive to other load on the machine),
with their ratios.

Run: ``.venv/bin/python benchmarks/bench_simulate.py``
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
KIT = [
    str(BIN / "oos-analysis"), "simulate", "--start", "2026-12-01", "--horizon", "30",
    "--orders-per-day", "30", "--stockout-rate", "0.03", "--buy-at-loss", "0.5",
    "--buyer-accept", "0.3", "--draws", "100000", "--seed", "1", "--format", "json",
]
BARE = [
    sys.executable, "-c",
    "import pandas, numpy as np\n"
    "rng = np.random.default_rng(1)\n"
    "orders = rng.poisson(30.0, size=(30, 100_000))\n"
    "counted = rng.binomial(orders, 0.03 * (1 - 0.5) * (1 - 0.3))\n"
    "print(int(counted.sum()))\n",
]
REPEAT = 3


def run_once(argv: list[str]) -> tuple[float, float, float]:
    """Return (wall s, CPU s, peak RSS MiB) of one run of ``argv`` in a fresh process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(["/usr/bin/time", "-v", *argv], capture_output=True, text=True,
                          check=False, env={**os.environ, "PYTHONHASHSEED": "0"})
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise RuntimeError(f"{argv!r} failed ({done.returncode}):\n{done.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    peak = float("nan")
    for line in done.stderr.splitlines():
        if "Maximum resident set size" in line:
            peak = int(line.rsplit(":", 1)[1]) / 1024
    return wall, cpu, peak


def medians(runs) -> tuple[float, float, float]:
    return tuple(statistics.median(r[i] for r in runs) for i in range(3))


def main() -> int:
    # Interleaved, so that a change in the machine's load hits both sides alike.
    pairs = [(run_once(KIT), run_once(BARE)) for _ in range(REPEAT)]
    kit, bare = medians([k for k, _ in pairs]), medians([b for _, b in pairs])
    print("simulate: 100,000 paths x 30 days, whole process, median of 3")
    print(f"{'':28}{'wall s':>9}{'CPU s':>9}{'peak MiB':>10}")
    print(f"{'oos-analysis simulate':28}{kit[0]:9.3f}{kit[1]:9.3f}{kit[2]:10.1f}")
    print(f"{'bare numpy floor':28}{bare[0]:9.3f}{bare[1]:9.3f}{bare[2]:10.1f}")
    print(f"{'ratio (target <= 1.5)':28}{kit[0] / bare[0]:9.2f}{kit[1] / bare[1]:9.2f}"
          f"{kit[2] / bare[2]:10.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
