"""``oos-analysis status``: one line per marketplace, OK / AT RISK / BREACH / NO DATA and why.

The same status as the weekly report's first screen (:mod:`oos_analysis.report.status`), for the
same files and as-of day. With ``--fail-on`` the exit status tells a cron job whether to alert:

* ``0``: nothing to report at that level (the status lines are printed either way);
* ``1``: the inputs could not be read or make no report (one paragraph on standard error);
* ``2``: the command line itself is wrong (argparse's usage error);
* ``10``: ``--fail-on at-risk`` and some marketplace is AT RISK or NO DATA;
* ``11``: ``--fail-on at-risk`` or ``--fail-on breach`` and some marketplace is in BREACH.

The two alert codes stay clear of the kit's other codes (2 usage, 3-8 ``fetch``), so a typo in
a crontab line never reads as AT RISK.

Example crontab line (every morning at 07:00, mail only when something needs doing)::

    0 7 * * * /opt/oos/.venv/bin/oos-analysis status /data/us/* --fail-on at-risk >/dev/null || echo "check the cancel rate"
"""

from __future__ import annotations

import sys

from .arguments import THRESHOLD, add_policy_argument
from .common import (
    add_format_argument,
    add_input_arguments,
    add_pending_argument,
    coverage_gaps,
    load_exports,
    parse_date,
    parse_tz,
    write_json,
)

__all__ = ["add_parser", "run", "EXIT_AT_RISK", "EXIT_BREACH"]

EXIT_AT_RISK = 10
EXIT_BREACH = 11


def add_parser(subparsers) -> None:
    """Register the ``status`` subcommand."""
    parser = subparsers.add_parser(
        "status",
        help="OK / AT RISK / BREACH / NO DATA per marketplace, with the reason (for cron)",
        description=(
            "Print one line per marketplace with MFN orders: its status as of --asof (default: "
            "the last purchase day in the data) and the one-sentence reason, the same as the "
            "weekly report's first screen. Exit status with --fail-on: 10 when a marketplace is "
            "AT RISK or NO DATA (at-risk only), 11 when one is in BREACH; 1 on bad input, 2 on "
            "a usage error."
        ),
    )
    add_input_arguments(parser)
    parser.add_argument("--asof", metavar="DATE", help="the day, YYYY-MM-DD (default: last day)")
    parser.add_argument("--marketplace", metavar="M", action="append",
                        help="only this marketplace (repeatable; default: every one)")
    parser.add_argument("--tz", default="UTC", metavar="ZONE",
                        help="time zone of the day boundaries (default: UTC)")
    parser.add_argument("--threshold", type=float, default=THRESHOLD, metavar="F",
                        help="the target as a fraction (default: 0.025)")
    parser.add_argument("--risk", type=float, default=0.05, metavar="P",
                        help="breach chance within 7 days that makes a marketplace AT RISK "
                        "(default: 0.05)")
    parser.add_argument("--stockout-rate", type=float, metavar="RATE",
                        help="forecast stock-out rate (default: estimated)")
    parser.add_argument("--draws", type=int, default=10_000, metavar="N",
                        help="simulated paths of the 7-day forecast (default: 10000, as the report)")
    parser.add_argument("--seed", type=int, default=0, metavar="N",
                        help="random seed (default: 0, the report's)")
    add_policy_argument(parser)
    add_pending_argument(parser)
    parser.add_argument("--fail-on", choices=["at-risk", "breach"],
                        help="exit 10 on AT RISK or NO DATA (at-risk), 11 on BREACH")
    add_format_argument(parser, choices=("table", "json"))
    parser.set_defaults(func=run)


def exit_status(words, fail_on: str | None) -> int:
    """The exit status for these status words under ``--fail-on`` (see the module docstring).

    Examples
    --------
    >>> exit_status(["OK", "AT RISK"], None), exit_status(["OK", "AT RISK"], "at-risk")
    (0, 10)
    >>> exit_status(["AT RISK", "BREACH"], "breach"), exit_status(["NO DATA"], "breach")
    (11, 0)
    """
    words = set(words)
    if fail_on and "BREACH" in words:
        return EXIT_BREACH
    if fail_on == "at-risk" and words & {"AT RISK", "NO DATA"}:
        return EXIT_AT_RISK
    return 0


def run(args) -> int:
    """Print the status lines (or JSON) and return the exit status."""
    from ..report.model import weekly_report

    tz = parse_tz(args.tz)
    asof = parse_date(args.asof, name="--asof").date() if args.asof else None
    exports = load_exports(args)
    gaps = coverage_gaps(args, exports)
    # The report's own horizon: the 7- and 14-day chances come off the same simulated paths as
    # the weekly report's, so the two never disagree on the same data and seed.
    report = weekly_report(exports, asof=asof, marketplaces=args.marketplace, tz=tz,
                           threshold=args.threshold, risk=args.risk,
                           stockout_rate=args.stockout_rate, draws=args.draws, seed=args.seed,
                           gaps=gaps, policies=False, policy=args.policy,
                           exclude_pending=args.exclude_pending)
    summary = report.summary()
    if args.format == "json":
        write_json([{**row, "asof": report.asof.isoformat()}
                    for row in summary.drop(columns="p_breach_14d").to_dict(orient="records")])
    else:
        width = max(len(m) for m in summary["marketplace"])
        for row in summary.itertuples(index=False):
            sys.stdout.write(f"{row.marketplace:<{width}}  {row.status:<7}  {row.reason}\n")
    return exit_status(summary["status"], args.fail_on)
