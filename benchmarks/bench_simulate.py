"""Benchmark: the forecast (100,000 paths x 30 days) against bare numpy draws of the same shape.

The floor is what any implementation of a model has to pay: numpy alone (no pandas) drawing the
random numbers the model cannot do without. There are two floors, one per model:

* the **Poisson floor**: Poisson orders (30 x 100,000) and binomial counted cancellations; it is
  the floor of the plain model (Poisson days, independent stock-outs);
* the **negative-binomial floor**: the same, with each day's mean scaled by a gamma day effect
  (30 x 100,000) and a gamma level per path (100,000), the numbers the full model adds. It still
  leaves out the stock-out episodes' lengths and further stock-outs, which the full model draws
  too, so it is lower than the full model's true floor.

Two comparisons, each interleaved with its floors, medians printed with the ratio:

* in one process, CPU time of :func:`oos_analysis.simulate` with the full model (negative
  binomial days, level uncertainty, stock-out episodes, both playbook policies on common random
  numbers) and with the plain Poisson model, each against its floor; the target is 1.5x;
* whole processes: ``oos-analysis simulate`` with every input given (the policy grid and JSON
  output included), once with the full model and once with the Poisson model, against
  ``python -c`` drawing each floor without importing pandas; the target is 1.2x of wall time.
  The full model against the Poisson floor is printed too, for information: the gamma numbers
  alone cost about a fifth of that floor. All run with a bytecode cache, as every run after the
  first does on a normal install: the children get ``PYTHONPYCACHEPREFIX`` (a temporary folder,
  filled by one warm-up run of each) and never ``PYTHONDONTWRITEBYTECODE``, which would
  otherwise make the kit compile its own modules from source on every run (about 50 ms) while
  numpy's come precompiled. The simulator draws the next chunk of paths in a worker thread
  while it scores the current one, so its wall time is below its CPU time on two cores; both
  are printed.

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
# The negative-binomial floor: the gamma day effects (shape ``dispersion`` 20) and path levels
# (shape 1 / level_sd**2 = 400) the full model adds, then the same Poisson and binomial draws.
BARE_NB_CODE = (
    "import numpy as np\n"
    "rng = np.random.default_rng(1)\n"
    "day = rng.standard_gamma(20.0, size=(30, 100_000), dtype=np.float32)\n"
    "level = rng.standard_gamma(400.0, size=100_000, dtype=np.float32)\n"
    "orders = rng.poisson(day * level * np.float32(30.0 / 20.0 / 400.0))\n"
    "counted = rng.binomial(orders, 0.03 * (1 - 0.5) * (1 - 0.3))\n"
    "print(int(counted.sum()))\n"
)
BARE = [sys.executable, "-c", BARE_CODE]
BARE_NB = [sys.executable, "-c", BARE_NB_CODE]
REPEAT = 7
_ENV = {**{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},
        "PYTHONHASHSEED": "0"}


def bare_draws(seed: int) -> None:
    rng = np.random.default_rng(seed)
    orders = rng.poisson(30.0, size=SHAPE)
    rng.binomial(orders, 0.03 * (1 - 0.5) * (1 - 0.3))


def bare_nb_draws(seed: int) -> None:
    rng = np.random.default_rng(seed)
    day = rng.standard_gamma(20.0, size=SHAPE, dtype=np.float32)
    level = rng.standard_gamma(400.0, size=SHAPE[1], dtype=np.float32)
    orders = rng.poisson(day * level * np.float32(30.0 / 20.0 / 400.0))
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
    runs = {"bare": [], "bare_nb": [], "rich": [], "plain": []}
    for i in range(REPEAT):
        runs["bare"].append(cpu(lambda i=i: bare_draws(i)))
        runs["bare_nb"].append(cpu(lambda i=i: bare_nb_draws(i)))
        runs["rich"].append(cpu(lambda i=i: simulate(None, inputs=rich, rng=i, **kw)))
        runs["plain"].append(cpu(lambda i=i: simulate(None, inputs=plain, rng=i, **kw)))
    med = {k: statistics.median(v) for k, v in runs.items()}
    print(f"simulate: 100,000 paths x 30 days, in one process, CPU s, median of {REPEAT}")
    print(f"{'Poisson floor: bare numpy draws':48}{med['bare']:8.3f}")
    print(f"{'negative-binomial floor: bare numpy draws':48}{med['bare_nb']:8.3f}")
    for name, floor, label in (
            ("rich", "bare_nb", "simulate(), full model / negative-binomial floor"),
            ("plain", "bare", "simulate(), Poisson / Poisson floor")):
        print(f"{label:48}{med[name]:8.3f}   ratio {med[name] / med[floor]:5.2f}"
              "  (target <= 1.5)")
    print(f"{'simulate(), full model / Poisson floor':48}{med['rich']:8.3f}   ratio "
          f"{med['rich'] / med['bare']:5.2f}  (information)")
    cases = {"kit": KIT, "kit_plain": KIT_PLAIN, "bare": BARE, "bare_nb": BARE_NB}
    with tempfile.TemporaryDirectory(prefix="oos-bench-pycache-") as cache:
        _ENV["PYTHONPYCACHEPREFIX"] = cache
        for argv in cases.values():  # warm-up: fills the bytecode cache
            run_once(argv)
        runs = [{name: run_once(argv) for name, argv in cases.items()} for _ in range(REPEAT)]
    got = {name: [statistics.median(r[name][i] for r in runs) for i in range(2)]
           for name in cases}
    print(f"\nwhole process, median of {REPEAT} (the command also runs the policy grid on "
          "10,000 paths")
    print("and writes JSON; the floors do not import pandas; all with a bytecode cache)")
    print(f"{'':48}{'wall s':>8}{'CPU s':>8}")
    for name, label in (("kit", "oos-analysis simulate (full model)"),
                        ("kit_plain", "oos-analysis simulate (Poisson)"),
                        ("bare_nb", "python -c: negative-binomial floor"),
                        ("bare", "python -c: Poisson floor")):
        print(f"{label:48}{got[name][0]:8.3f}{got[name][1]:8.3f}")
    for kit, floor, label, target in (
            ("kit", "bare_nb", "full model / negative-binomial floor", "(target <= 1.2)"),
            ("kit_plain", "bare", "Poisson / Poisson floor", "(target <= 1.2)"),
            ("kit", "bare", "full model / Poisson floor", "(information)")):
        print(f"{'ratio, ' + label:48}{got[kit][0] / got[floor][0]:8.2f}"
              f"{got[kit][1] / got[floor][1]:8.2f}  {target}")
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    return 0


if __name__ == "__main__":
    sys.exit(main())
