"""Benchmark: the forecast (100,000 paths x 30 days) against bare numpy draws of the same shape.

The floor is what any implementation of a model has to pay: numpy alone (no pandas) drawing the
random numbers the model cannot do without. There are two floors, one per model:

* the **Poisson floor**: Poisson orders and binomial counted cancellations; it is the floor of
  the plain model (Poisson days, independent stock-outs);
* the **negative-binomial floor**: the same, with each day's mean scaled by a gamma day effect
  and a gamma level per path, the numbers the full model adds. It still leaves out the
  stock-out episodes' lengths and further stock-outs, which the full model draws too, so it is
  lower than the full model's true floor.

Each floor is drawn in the shape of the work it is the floor of. A forecast of 30 days draws 31
rows per path: row 0 is the rest of the as-of day, which the first days' 7-day windows hold. The
command also scores its policy grid on 10,000 paths of its own, after the 100,000. So the floor
of ``simulate()`` is 31 x 100,000 numbers of each kind, and the floor of the command is 31 x
110,000. The floors of the bare 30 x 100,000 shape are printed too, for information (the last
closing notes judged against those).

Two comparisons, each interleaved with its floors, medians printed with the ratio:

* in one process, CPU time of :func:`oos_analysis.simulate` with the full model (negative
  binomial days, level uncertainty, stock-out episodes, both playbook policies on common random
  numbers) and with the plain Poisson model, each against its floor; the target is 1.5x;
* whole processes: ``oos-analysis simulate`` with every input given (the policy grid and JSON
  output included), once with the full model and once with the Poisson model, against
  ``python -c`` drawing each floor without importing pandas; the target is 1.2x of wall time.
  All run with a bytecode cache, as every run after the first does on a normal install: the
  children get ``PYTHONPYCACHEPREFIX`` (a temporary folder, filled by one warm-up run of each)
  and never ``PYTHONDONTWRITEBYTECODE``, which would otherwise make the kit compile its own
  modules from source on every run (about 50 ms) while numpy's come precompiled. The simulator
  draws the next chunk of paths in a worker thread while it scores the current one, so its
  wall time is below its CPU time on two cores; both are printed.

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

BIN = Path(sys.executable).parent
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
ROWS, PATHS, GRID = 31, 100_000, 10_000  # rows drawn for 30 days; paths; the grid's paths


def _floor_code(rows: int, paths: int, nb: bool, seed: int = 1) -> str:
    """Code drawing a floor of ``rows`` x ``paths`` (see the module's text): run by ``python -c``
    for the whole-process floors, and in this process for the in-process ones. The
    negative-binomial one draws the gamma day effects (shape ``dispersion`` 20) and path levels
    (shape 1 / level_sd**2 = 400) first."""
    code = f"import numpy as np\nrng = np.random.default_rng({seed})\n"
    if nb:
        code += (f"day = rng.standard_gamma(20.0, size=({rows}, {paths}), dtype=np.float32)\n"
                 f"level = rng.standard_gamma(400.0, size={paths}, dtype=np.float32)\n")
        mean = "day * level * np.float32(30.0 / 20.0 / 400.0)"
    else:
        mean = f"30.0, size=({rows}, {paths})"
    return code + (f"orders = rng.poisson({mean})\n"
                   "counted = rng.binomial(orders, 0.03 * (1 - 0.5) * (1 - 0.3))\n"
                   "total = int(counted.sum())\n")


BARE = [sys.executable, "-c", _floor_code(ROWS, PATHS + GRID, nb=False) + "print(total)"]
BARE_NB = [sys.executable, "-c", _floor_code(ROWS, PATHS + GRID, nb=True) + "print(total)"]
BARE_OLD = [sys.executable, "-c", _floor_code(30, PATHS, nb=False) + "print(total)"]
BARE_NB_OLD = [sys.executable, "-c", _floor_code(30, PATHS, nb=True) + "print(total)"]
REPEAT = 7
# OpenBLAS on one thread for the floors as for the command (which sets it: see oos_analysis.cli)
_ENV = {**{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},
        "PYTHONHASHSEED": "0", "OPENBLAS_NUM_THREADS": "1"}


def floor_draws(seed: int, nb: bool, shape=(ROWS, PATHS)) -> None:
    """A floor's draws in this process: the code the whole-process floor runs."""
    exec(_floor_code(*shape, nb=nb, seed=seed), {})


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
    kw = dict(start="2026-12-01", horizon=30, draws=PATHS)
    simulate(None, inputs=rich, start="2026-12-01", horizon=30, draws=1000, rng=0)  # warm up
    old = (30, PATHS)
    runs = {"bare": [], "bare_nb": [], "bare_old": [], "bare_nb_old": [], "rich": [],
            "plain": []}
    for i in range(REPEAT):
        runs["bare"].append(cpu(lambda i=i: floor_draws(i, False)))
        runs["bare_nb"].append(cpu(lambda i=i: floor_draws(i, True)))
        runs["bare_old"].append(cpu(lambda i=i: floor_draws(i, False, old)))
        runs["bare_nb_old"].append(cpu(lambda i=i: floor_draws(i, True, old)))
        runs["rich"].append(cpu(lambda i=i: simulate(None, inputs=rich, rng=i, **kw)))
        runs["plain"].append(cpu(lambda i=i: simulate(None, inputs=plain, rng=i, **kw)))
    med = {k: statistics.median(v) for k, v in runs.items()}
    print(f"simulate: 100,000 paths x 30 days, in one process, CPU s, median of {REPEAT}")
    print(f"{'Poisson floor: numpy draws, 31 x 100,000':52}{med['bare']:8.3f}")
    print(f"{'negative-binomial floor: the same':52}{med['bare_nb']:8.3f}")
    for name, floor, label, target in (
            ("rich", "bare_nb", "simulate(), full model / negative-binomial floor",
             "(target <= 1.5)"),
            ("plain", "bare", "simulate(), Poisson / Poisson floor", "(target <= 1.5)"),
            ("rich", "bare_nb_old", "the full model / its floor of 30 x 100,000", "(information)"),
            ("plain", "bare_old", "Poisson / its floor of 30 x 100,000", "(information)"),
            ("rich", "bare", "full model / Poisson floor", "(information)")):
        print(f"{label:52}{med[name]:8.3f}   ratio {med[name] / med[floor]:5.2f}  {target}")
    cases = {"kit": KIT, "kit_plain": KIT_PLAIN, "bare": BARE, "bare_nb": BARE_NB,
             "bare_old": BARE_OLD, "bare_nb_old": BARE_NB_OLD}
    with tempfile.TemporaryDirectory(prefix="oos-bench-pycache-") as cache:
        _ENV["PYTHONPYCACHEPREFIX"] = cache
        for argv in cases.values():  # warm-up: fills the bytecode cache
            run_once(argv)
        runs = [{name: run_once(argv) for name, argv in cases.items()} for _ in range(REPEAT)]
    got = {name: [statistics.median(r[name][i] for r in runs) for i in range(2)]
           for name in cases}
    print(f"\nwhole process, median of {REPEAT}: the command draws 31 rows for its 100,000 paths "
          "and its")
    print("policy grid's 10,000 and writes JSON; the floors draw 31 x 110,000 of each kind "
          "without pandas;")
    print("all with a bytecode cache")
    print(f"{'':52}{'wall s':>8}{'CPU s':>8}")
    for name, label in (("kit", "oos-analysis simulate (full model)"),
                        ("kit_plain", "oos-analysis simulate (Poisson)"),
                        ("bare_nb", "python -c: negative-binomial floor"),
                        ("bare", "python -c: Poisson floor"),
                        ("bare_nb_old", "python -c: negative-binomial floor, 30 x 100,000"),
                        ("bare_old", "python -c: Poisson floor, 30 x 100,000")):
        print(f"{label:52}{got[name][0]:8.3f}{got[name][1]:8.3f}")
    for kit, floor, label, target in (
            ("kit", "bare_nb", "full model / negative-binomial floor", "(target <= 1.2)"),
            ("kit_plain", "bare", "Poisson / Poisson floor", "(target <= 1.2)"),
            ("kit", "bare_nb_old", "full model / its floor of 30 x 100,000", "(information)"),
            ("kit_plain", "bare_old", "Poisson / its floor of 30 x 100,000", "(information)"),
            ("kit", "bare", "full model / Poisson floor", "(information)")):
        print(f"{'ratio, ' + label:52}{got[kit][0] / got[floor][0]:8.2f}"
              f"{got[kit][1] / got[floor][1]:8.2f}  {target}")
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    return 0


if __name__ == "__main__":
    sys.exit(main())
