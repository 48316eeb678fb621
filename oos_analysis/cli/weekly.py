"""``oos-analysis weekly``: the one command for cron, for one account or many.

One account (``--config FILE`` or ``$OOS_ANALYSIS_CONFIG``): fetch from Amazon when ``[spapi]``
is configured, import the inbox folder when ``inbox`` is set, work out every marketplace's
status, render the report of every marketplace and decide the alert. On success the only output
is the report's HTML path; everything else goes to ``<store>/logs/weekly.log`` (``-v`` shows it
too). A progress bar appears on a terminal, never under cron. On failure: one paragraph on
standard error and the exit status of the failure (see :mod:`oos_analysis.fetch.errors`).

Many accounts (``--accounts FILE [--jobs N]``): every account in its own process, then an index
page; prints the index path, one line per failed account on standard error, exit status 1 if any
failed. ``--account NAME`` runs one account of the file (what each process runs).

Crontab line (Mondays 07:00)::

    0 7 * * 1 /opt/oos/.venv/bin/oos-analysis weekly --config /data/oos-analysis.toml
"""

from __future__ import annotations

import sys

from .arguments import add_config_argument, read_config_argument

__all__ = ["add_parser", "run"]


def add_parser(subparsers) -> None:
    """Register the ``weekly`` subcommand."""
    parser = subparsers.add_parser(
        "weekly",
        help="the cron job: fetch, import, report every marketplace, alert when it matters",
        description=(
            "Fetch the reports from Amazon (when [spapi] is configured), import them, render the "
            "report of every marketplace and send an alert when a status changed, a marketplace "
            "is AT RISK or in BREACH, or the run failed. Prints only the report's path; the rest "
            "goes to STORE/logs/weekly.log. With --accounts, runs every account of the file in "
            "parallel processes and writes an index page."
        ),
    )
    add_config_argument(parser)
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="also show the log's lines on standard error")
    parser.add_argument("--accounts", metavar="FILE",
                        help="a TOML file listing accounts ([[account]] tables)")
    parser.add_argument("--account", metavar="NAME",
                        help="with --accounts: run only this account, in this process")
    parser.add_argument("--jobs", metavar="N", type=int, default=2,
                        help="with --accounts: accounts run at the same time (default: 2)")
    parser.set_defaults(func=run)


def _one(config, name: str, verbose: bool) -> int:
    from ..weekly.run import run_account

    result = run_account(config, account=name, verbose=verbose, stderr=sys.stderr)
    if result.error:
        print(f"error: {result.error}", file=sys.stderr)
        return result.exit_code or 1
    print(result.html)
    return 0


def run(args) -> int:
    """Run the weekly job; see the module description."""
    from ..exceptions import ParameterError

    if args.accounts and args.config:
        raise ParameterError("give --accounts or --config, not both: each account names its "
                             "own config in the accounts file.")
    if args.account and not args.accounts:
        raise ParameterError("--account NAME picks an account of an --accounts file; give both.")
    if args.jobs < 1:
        raise ParameterError(f"--jobs must be 1 or more, got {args.jobs}.")
    if not args.accounts:
        return _one(read_config_argument(args), "", args.verbose)
    from ..weekly.accounts import read_accounts, run_accounts

    if args.account:
        _, accounts = read_accounts(args.accounts)
        chosen = [a for a in accounts if a.name == args.account]
        if not chosen:
            raise ParameterError(f"{args.accounts}: no account named {args.account!r} (it has "
                                 f"{', '.join(a.name for a in accounts)}).")
        return _one(chosen[0].config, chosen[0].name, args.verbose)
    index, results = run_accounts(args.accounts, jobs=args.jobs, verbose=False)
    for result in results:
        if result.error:
            first = result.error.strip().splitlines()[0] if result.error.strip() else ""
            print(f"error: account {result.account} failed: {first}", file=sys.stderr)
    print(index)
    return 1 if any(r.error for r in results) else 0
