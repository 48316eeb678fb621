"""Benchmark: read a 1M-row All Orders export with the kit vs a bare pyarrow-engine read_csv.

Each read runs in its own Python process (interpreter start and imports included), five times;
the medians of wall time, peak RSS and CPU time are printed side by side with the kit/bare
ratios. The target is at most 1.5x on both. Exits non-zero only if a run fails.

Then the same file with a handful of odd rows (a timestamp without offset as the last row, a row
missing its trailing fields, the header repeated in the middle, as when two exports are
concatenated) is read by the kit, alternating with the clean file in the same run, seven times: the
fallback re-reads only what is odd, so the target is at most 1.5x the clean file in wall time and
peak RSS, read on the median of the seven paired ratios (see :func:`paired`).

Both files are written once, into ``benchmarks/_work/`` (git-ignored).

Usage: python benchmarks/bench_read.py [ROWS]
"""

from __future__ import annotations

import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import alternate, alternate_runs, cached_all_orders, verdict  # noqa: E402

KIT = (
    "import sys; from oos_analysis import read_all_orders; "
    "df = read_all_orders(sys.argv[1]); assert len(df) == int(sys.argv[2])"
)
BARE = (
    "import sys; import pandas as pd; "
    "df = pd.read_csv(sys.argv[1], sep='\\t', engine='pyarrow'); assert len(df) == int(sys.argv[2])"
)


def median_runs(argv: list[str], repeat: int = 5) -> tuple[float, float, float]:
    """Median wall seconds, peak RSS (MiB) and CPU seconds (user + system) of ``repeat`` runs in
    a row.

    CPU time is printed as well because wall time on a busy machine mostly measures the others.
    """
    return alternate({"run": argv}, repeat)["run"]


def write_odd(clean: Path, odd: Path) -> None:
    """Copy ``clean`` with a short row, a repeated header and a last time lacking its offset."""
    lines = clean.read_bytes().split(b"\n")
    header, body = lines[0], lines[1:-1]
    middle = len(body) // 2
    short = body[middle // 2].split(b"\t")
    body[middle // 2] = b"\t".join(short[: len(short) - 3])  # Amazon drops trailing fields
    last = body[-1].split(b"\t")
    last[2] = last[2][:19]  # purchase-date without its +00:00 / -07:00
    body[-1] = b"\t".join(last)
    body.insert(middle, header)
    odd.write_bytes(b"\n".join([header, *body, b""]))


def paired(first: list[str], second: list[str], repeat: int = 7):
    """Each command ``repeat`` times, alternately so both see the same load: the medians of
    (wall, peak, CPU) of each, and the median of each run of ``second`` over the run of ``first``
    just before it.

    The paired ratio is what the target is read on: this machine has phases of some seconds in
    which the same read takes half as long again (mostly the kernel zeroing fresh pages). A phase
    that falls on more runs of one command than of the other moves the ratio of medians; the two
    runs of a pair mostly share theirs.
    """
    runs = alternate_runs({"first": first, "second": second}, repeat)
    runs = (runs["first"], runs["second"])
    medians = [tuple(statistics.median(r[i] for r in rs) for i in range(3)) for rs in runs]
    ratios = tuple(statistics.median(b[i] / a[i] for a, b in zip(*runs, strict=True))
                   for i in range(3))
    return (*medians, ratios)


def main() -> int:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    path = cached_all_orders(rows)  # in benchmarks/_work/, written once
    odd = path.with_name(f"{path.stem}-odd.txt")
    if not odd.exists():
        partial = odd.with_suffix(".part")
        write_odd(path, partial)
        partial.rename(odd)
    size = path.stat().st_size / 2**20
    print(f"All Orders export: {rows:,} rows, {size:.0f} MiB ({path.name})")
    try:
        bare = median_runs([sys.executable, "-c", BARE, str(path), str(rows)])
        kit = median_runs([sys.executable, "-c", KIT, str(path), str(rows)])
        clean, rough, ratios = paired(
            [sys.executable, "-c", KIT, str(path), str(rows)],
            [sys.executable, "-W", "ignore", "-c", KIT, str(odd), str(rows)])
    except RuntimeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"{'':24}{'wall s':>10}{'peak RSS MiB':>15}{'CPU s':>10}")
    print(f"{'bare pd.read_csv':24}{bare[0]:>10.2f}{bare[1]:>15.0f}{bare[2]:>10.2f}")
    print(f"{'oos_analysis':24}{kit[0]:>10.2f}{kit[1]:>15.0f}{kit[2]:>10.2f}")
    print(f"{'ratio kit/bare':24}{kit[0] / bare[0]:>10.2f}{kit[1] / bare[1]:>15.2f}"
          f"{kit[2] / bare[2]:>10.2f}")
    print("target: ratios <= 1.50 (median of 5 runs, whole process against whole process)")
    print()
    print("the same file with a short row, a repeated header and a time without offset (last row)")
    print(f"{'':24}{'wall s':>10}{'peak RSS MiB':>15}{'CPU s':>10}")
    print(f"{'clean file':24}{clean[0]:>10.2f}{clean[1]:>15.0f}{clean[2]:>10.2f}")
    print(f"{'odd rows':24}{rough[0]:>10.2f}{rough[1]:>15.0f}{rough[2]:>10.2f}")
    print(f"{'ratio of the medians':24}{rough[0] / clean[0]:>10.2f}{rough[1] / clean[1]:>15.2f}"
          f"{rough[2] / clean[2]:>10.2f}")
    print(f"{'median of paired ratios':24}{ratios[0]:>10.2f}{ratios[1]:>15.2f}{ratios[2]:>10.2f}")
    print(f"target: paired ratios <= 1.50 (7 pairs, each odd run over the clean run just before): "
          f"{verdict(max(ratios[0], ratios[1]), 1.5)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
