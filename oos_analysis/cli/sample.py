"""``oos-analysis sample OUT_DIR``: write the practice data set (see :mod:`oos_analysis.sample`)."""

from __future__ import annotations

import argparse

from ..sample import DEFAULT_END, DEFAULT_SEED, DEFAULT_WEEKS, generate_sample

__all__ = ["add_parser", "run"]


def add_parser(subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "sample",
        help="write synthetic practice exports (a US dropshipper plus a small amazon.co.jp shop)",
        description=(
            "Write the sample seller's Seller Central exports (All Orders, Order Report, Seller "
            "Performance JSON, Account Health download, stock-out logs) into OUT_DIR. The same "
            "seed, end day and length always give byte-identical files."
        ),
    )
    parser.add_argument("out_dir", metavar="OUT_DIR",
                        help="folder to write into (created if missing)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED,
                        help=f"random seed (default {DEFAULT_SEED})")
    parser.add_argument("--end", default=DEFAULT_END, metavar="YYYY-MM-DD",
                        help=f"last day of data, UTC (default {DEFAULT_END})")
    parser.add_argument("--weeks", type=int, default=DEFAULT_WEEKS,
                        help=f"weeks of US history, 4 or more (default {DEFAULT_WEEKS})")
    parser.add_argument("--profile", default="default", metavar="NAME",
                        help="another kind of seller, written flat into OUT_DIR: small, jp, "
                        "multi, no-log, no-cancel, all-unknown, short or big (default: the "
                        "committed sample, us/ and jp/)")
    parser.set_defaults(func=run)
    return parser


def run(args: argparse.Namespace) -> int:
    if args.profile != "default":
        from ..sample.profiles import generate_profile

        files = generate_profile(args.out_dir, args.profile, seed=args.seed, end=args.end)
    else:
        files = generate_sample(args.out_dir, seed=args.seed, end=args.end, weeks=args.weeks)
    for name, path in files.items():
        print(f"wrote {path} ({name})")
    return 0
