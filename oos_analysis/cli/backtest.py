"""``oos-analysis backtest FILE...``: how well the forecast did on your own history.

For each start day (every ``--every`` days, once 4 weeks of history are there) the forecast is
made from the data as known that day and held against what happened in the next ``--horizon``
days. Prints the Brier score of "any breach within the horizon", that of a naive forecast (the
share of past days in breach) and a reliability table (forecast bins against the observed
frequency).
"""

from __future__ import annotations

import argparse
import sys

from .arguments import THRESHOLD as _THRESHOLD
from .arguments import add_format_argument, add_input_arguments, add_pending_argument

# Declaring the arguments imports neither pandas nor the simulator; run() imports them.

__all__ = ["add_parser", "run"]


def _whole(name):
    def parse(text):
        try:
            return int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name} expects a whole number, got {text!r}"
                                             ) from None
    return parse


def add_parser(subparsers) -> None:
    """Register ``backtest``."""
    parser = subparsers.add_parser(
        "backtest",
        help="score the forecast on your own history (Brier score against a naive forecast, "
        "reliability table)",
        description=__doc__.splitlines()[0].split(": ", 1)[1],
    )
    add_input_arguments(parser)
    parser.add_argument("--horizon", type=_whole("--horizon"), default=7, metavar="DAYS",
                        help="days ahead; the event scored is a breach on any of them "
                        "(default: 7)")
    parser.add_argument("--every", type=_whole("--every"), default=7, metavar="DAYS",
                        help="days between start days (default: 7; 1 = every day)")
    parser.add_argument("--draws", type=_whole("--draws"), default=5_000, metavar="N",
                        help="simulated paths per start day (default: 5000)")
    parser.add_argument("--seed", type=_whole("--seed"), metavar="S",
                        help="random seed (default: fresh, printed)")
    parser.add_argument("--marketplace", metavar="NAME",
                        help="e.g. amazon.com (default: the one with most MFN orders)")
    parser.add_argument("--threshold", type=float, default=_THRESHOLD, metavar="T",
                        help="target as a fraction (default: 0.025)")
    parser.add_argument("--tz", default="UTC", metavar="ZONE",
                        help="time zone of the day boundaries (default: UTC)")
    add_pending_argument(parser)
    add_format_argument(parser, choices=("table", "json"))
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the backtest and print it in ``args.format``."""
    import numpy as np

    from ..forecast.backtest import backtest
    from ..metric.orders import orders_from_exports
    from .common import load_exports, parse_tz, write_json

    tz = parse_tz(args.tz)
    exports = load_exports(args)
    seed = args.seed if args.seed is not None else int(np.random.SeedSequence().entropy % 2**32)
    result = backtest(orders_from_exports(exports, exclude_pending=args.exclude_pending),
                      exports.stockout_log,
                      marketplace=args.marketplace, horizon=args.horizon, every=args.every,
                      draws=args.draws, rng=seed, threshold=args.threshold, tz=tz)
    if args.format == "json":
        write_json(document(result, seed))
    else:
        sys.stdout.write(table(result, seed))
    return 0


def document(result, seed=None) -> dict:
    """The JSON object: ``brier``, ``naive_brier``, ``starts``, ``reliability`` and more."""
    return {
        "marketplace": result.marketplace,
        "brier": result.brier,
        "naive_brier": result.naive_brier,
        "starts": len(result.starts),
        "horizon": result.horizon,
        "every": result.every,
        "draws": result.draws,
        "seed": seed,
        "verdict": result.verdict,
        "reliability": result.reliability.to_dict(orient="records"),
        "start_days": result.starts.to_dict(orient="records"),
        "skipped": list(result.skipped),
    }


def table(result, seed=None) -> str:
    """The text a person reads."""
    lines = [
        f"Backtest of {result.marketplace or 'no marketplace'}: {len(result.starts)} start "
        f"day(s) every {result.every} day(s), {result.horizon}-day horizon, "
        f"{result.draws:,} paths each (seed {seed}).",
        f"Brier score (lower is better): {result.brier:.4f}",
        f"Naive forecast's Brier score:  {result.naive_brier:.4f}",
        result.verdict,
        "",
        "Reliability: forecast bin   mean forecast   observed breach share   start days",
    ]
    for row in result.reliability.itertuples(index=False):
        lines.append(f"             {100 * row.bin_low:3.0f}-{100 * row.bin_high:3.0f}%"
                     f"   {100 * row.forecast:12.1f}%   {100 * row.observed:20.1f}%"
                     f"   {row.count:10d}")
    for reason in result.skipped:
        lines.append(f"skipped {reason}")
    return "\n".join(lines) + "\n"
