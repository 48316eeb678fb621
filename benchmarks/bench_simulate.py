"""Benchmark: the forecast (100,000 paths x 30 days) against bare numpy draws of the same shape.

The floor is what any implementation of the model has to pay: numpy alone (no pandas) drawing
Poisson orders (30 x 100,000) and binomial counted cancellations. Two comparisons, each run
interleaved with its floor, medians printed with the ratio:

* in one process, CPU time of the draws against CPU time of :func:`oos_analysis.simulate` with
  the full model (negative binomial days, level uncertainty, stock-out episodes, both playbook
  policies on common random numbers), and with the plain Poisson model; the target is 1.5x;
* whole processes: ``oos-analysis simulate`` with every input given (the policy grid and JSON
  output included), once with the full model and once with the Poisson model the floor draws,
  against ``python -c`` doing the bare draws without importing pandas; the
  target is 1.2x. Both run with a bytecode cache, as every run after the first does on a normal
  install: the children get ``PYTHONPYCACHEPREFIX`` (a temporary folder, filled by one warm-up
  run of each) and never ``PYTHONDONTWRITEBYTECODE``, which would otherwise make the kit compile
  its own modules from source on every run (about 50 ms) while numpy's come precompiled.

Run: ``.venv/bin/python benchmarks/bench_simulate.py``
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

BIN = Path(sys.executable).parent
SHAPE = (30, 100_000)
RICH = dict(dispersion=20.0, level_sd=0.05, burst_orders=1.3, burst_days=1.5,
            burst_no_source=0.2)
KIT = [
    str(BIN / "oos-analysis"), "simulate", "--start", "2026-12-01", "--horizon", "30",
    "--orders-per-day", "30", "--stockout-rate", "0.03", "--buy-at-loss", "0.5",
    "--buyer-accept", "0.3", "--dispersion", "20", "--level-sd", "0.05", "--burst-orders", "1.3",
    "--burst-days", "1.5", "--burst-no-source", "0.2", "--draws", "100000", "--seed", "1",
    "--format", "json",
]
# The model the floor draws (Poisson days, independent stock-outs): the same command without
# the negative-binomial days, the level uncertainty and the bursts, which draw numbers the
# floor does not.
KIT_PLAIN = [a for i, a in enumerate(KIT) if not (
    a.startswith(("--dispersion", "--level-sd", "--burst")) or
    KIT[i - 1].startswith(("--dispersion", "--level-sd", "--burst")))]
BARE_CODE = (
    "import numpy as np\n"
    "rng = np.random.default_rng(1)\n"
    "orders = rng.poisson(30.0, size=(30, 100_000))\n"
    "counted = rng.binomial(orders, 0.03 * (1 - 0.5) * (1 - 0.3))\n"
    "print(int(counted.sum()))\n"
)
BARE = [sys.executable, "-c", BARE_CODE]
REPEAT = 5
_ENV = {**{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},
        "PYTHONHASHSEED": "0"}


def bare_draws(seed: int) -> None:
    rng = np.random.default_rng(seed)
    orders = rng.poisson(30.0, size=SHAPE)
    rng.binomial(orders, 0.03 * (1 - 0.5) * (1 - 0.3))


def cpu(fn) -> float:
    started = time.process_time()
    fn()
    return time.process_time() - started


def run_once(argv: list[str]) -> tuple[float, float]:
    """Return (wall s, CPU s) of one run of ``argv`` in a fresh process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True, check=False, env=_ENV)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise RuntimeError(f"{argv!r} failed ({done.returncode}):\n{done.stderr}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> int:
    from oos_analysis import SimulationInputs, simulate

    plain = SimulationInputs(orders_per_day=30, stockout_rate=0.03, buy_at_loss=0.5,
                             buyer_accept=0.3)
    rich = plain.replace(**RICH)
    kw = dict(start="2026-12-01", horizon=30, draws=SHAPE[1])
    simulate(None, inputs=rich, start="2026-12-01", horizon=30, draws=1000, rng=0)  # warm up
    runs = {"bare": [], "rich": [], "plain": []}
    for i in range(REPEAT):
        runs["bare"].append(cpu(lambda i=i: bare_draws(i)))
        runs["rich"].append(cpu(lambda i=i: simulate(None, inputs=rich, rng=i, **kw)))
        runs["plain"].append(cpu(lambda i=i: simulate(None, inputs=plain, rng=i, **kw)))
    med = {k: statistics.median(v) for k, v in runs.items()}
    print(f"simulate: 100,000 paths x 30 days, in one process, CPU s, median of {REPEAT}")
    print(f"{'bare numpy draws (floor)':44}{med['bare']:8.3f}")
    for name, label in (("rich", "simulate(), full model, both playbooks"),
                        ("plain", "simulate(), Poisson, independent stock-outs")):
        print(f"{label:44}{med[name]:8.3f}   ratio {med[name] / med['bare']:5.2f}"
              "  (target <= 1.5)")
    with tempfile.TemporaryDirectory(prefix="oos-bench-pycache-") as cache:
        _ENV["PYTHONPYCACHEPREFIX"] = cache
        run_once(KIT), run_once(KIT_PLAIN), run_once(BARE)  # warm-up: fills the bytecode cache
        runs = [(run_once(KIT), run_once(KIT_PLAIN), run_once(BARE)) for _ in range(REPEAT)]
    kit, kit_plain, bare = ([statistics.median(r[j][i] for r in runs) for i in range(2)]
                            for j in range(3))
    print(f"\nwhole process, median of {REPEAT} (the command also runs the policy grid on "
          "10,000 paths")
    print("and writes JSON; the floor does not import pandas; both with a bytecode cache)")
    print(f"{'':44}{'wall s':>8}{'CPU s':>8}")
    print(f"{'oos-analysis simulate (full model)':44}{kit[0]:8.3f}{kit[1]:8.3f}")
    print(f"{'oos-analysis simulate (Poisson, as the floor)':44}{kit_plain[0]:8.3f}"
          f"{kit_plain[1]:8.3f}")
    print(f"{'python -c: bare numpy draws':44}{bare[0]:8.3f}{bare[1]:8.3f}")
    for name, got in (("full model", kit), ("Poisson", kit_plain)):
        print(f"{'ratio, ' + name:44}{got[0] / bare[0]:8.2f}{got[1] / bare[1]:8.2f}"
              "  (target <= 1.2)")
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    return 0


if __name__ == "__main__":
    sys.exit(main())
