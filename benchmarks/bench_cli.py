"""Benchmark: the command line pays only for what it uses.

``oos-analysis --help`` and ``oos-analysis simulate --help`` must each run in under 0.3 s (issue
"Speed at the floor"); ``python -c pass`` in the same run shows the interpreter's own start. The
``--help`` of every other command is printed for information. Median of 5 alternated runs.

Usage: python benchmarks/bench_cli.py [--repeat N]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import alternate, load_note  # noqa: E402

from oos_analysis.cli import COMMANDS  # noqa: E402

PY = sys.executable
GOAL = 0.3


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    commands = {"python -c pass": [PY, "-c", "pass"],
                "oos-analysis --help": [PY, "-m", "oos_analysis", "--help"]}
    commands |= {f"oos-analysis {name} --help": [PY, "-m", "oos_analysis", name, "--help"]
                 for name in COMMANDS}
    got = alternate(commands, args.repeat)
    print(f"command line start-up, median of {args.repeat} alternated runs; {load_note()}")
    for name, (wall, rss, _) in got.items():
        goal = ""
        if name in ("oos-analysis --help", "oos-analysis simulate --help"):
            goal = f"  ({'meets' if wall < GOAL else 'MISSES'} the {GOAL} s goal)"
        print(f"  {name:36}{wall:6.2f} s {rss:6.0f} MiB{goal}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
