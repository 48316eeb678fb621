"""The ``oos-analysis`` command line.

Each subcommand lives in its own module under ``oos_analysis.cli`` and exposes two names:
``add_parser(subparsers)``, which declares its arguments and sets ``func``, and the function it
sets. :data:`COMMANDS` names every subcommand with its module and its one-line help; a command's
module is imported only when that command runs (or its ``--help`` is asked for), so ``--help`` and
a light command do not pay for pandas, the store or the simulator. Adding a command is one line in
:data:`COMMANDS` plus its module.

:func:`main` turns every :class:`~oos_analysis.exceptions.OOSAnalysisError` into one paragraph on
standard error and exit status 1, so a scheduled job never shows a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import warnings

from ..exceptions import DataQualityWarning, OOSAnalysisError

# The kit multiplies no big matrices, so OpenBLAS's worker thread, started when numpy loads (after
# this: a command imports numpy when it runs), only takes CPU from Arrow's threads: measured on 2
# cores, reading a 1M-row export cost 0.3 s more CPU with it. One thread, unless the user set
# it; the report's kernels inherit this too.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

__all__ = ["COMMANDS", "main", "build_parser"]

# Subcommand -> (module under oos_analysis.cli, one-line help), in the order ``--help`` lists them.
# The help must be the one the module's add_parser gives (a test compares them). A module may
# register several commands (``store`` registers ``import`` and ``store``): list each.
COMMANDS: dict[str, tuple[str, str]] = {
    "check": ("check", "tell what each export file is and whether it can be read"),
    "sample": ("sample", "write synthetic practice exports (a US dropshipper plus a small "
               "amazon.co.jp shop)"),
    "import": ("store", "merge exports into the local history store"),
    "store": ("store", "look into the history store"),
    "rate": ("rate", "daily 7-day cancellation rate per marketplace"),
    "budget": ("budget", "remaining cancellations, roll-off calendar, recovery date, listings "
               "at risk"),
    "reconcile": ("reconcile", "compare the kit's cancel rate with Amazon's Seller Performance "
                  "report"),
    "actions": ("actions", "next action per open stock-out (buy, request, remind, cancel)"),
    "message": ("message", "the cancellation-request message for one open stock-out"),
    "simulate": ("simulate", "chance of breaching the cancellation-rate target in the coming "
                 "weeks, and the cheapest buying policy that stays safe"),
    "backtest": ("backtest", "score the forecast on your own history (Brier score against a "
                 "naive forecast, reliability table)"),
    "status": ("status", "OK / AT RISK / BREACH / NO DATA per marketplace, with the reason "
               "(for cron)"),
    "report": ("report", "render the weekly HTML report (no code, no buyer data)"),
    "training": ("training", "render the training course as an HTML handout (Japanese or "
                 "English)"),
    "fetch": ("fetch", "download the reports from Amazon's SP-API and import them "
              "(extra [spapi])"),
    "weekly": ("weekly", "the cron job: fetch, import, report every marketplace, alert when it "
               "matters"),
}

_ALL = object()


class _Version(argparse.Action):
    """``--version``, looking the version up only when asked: importlib.metadata costs more
    than a light command (about 30 ms)."""

    def __init__(self, option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS,
                 help="show program's version number and exit"):  # noqa: A002 (argparse's name)
        super().__init__(option_strings=option_strings, dest=dest, default=default, nargs=0,
                         help=help)

    def __call__(self, parser, namespace, values, option_string=None):
        from .. import __version__

        print(f"{parser.prog} {__version__}")
        parser.exit()


def build_parser(only: str | None | object = _ALL) -> argparse.ArgumentParser:
    """Build the argument parser.

    By default every subcommand is registered in full (every command module is imported). With
    ``only`` a command name, only the module of that command is imported and registered; the
    others are listed by name and help alone. With ``only=None`` no module is imported: enough
    for ``--help``, ``--version`` and the message about an unknown command.
    """
    parser = argparse.ArgumentParser(
        prog="oos-analysis",
        description=(
            "Account-health kit for Amazon sellers who sell without holding stock: reads "
            "Seller Central exports and answers what the pre-fulfillment cancel rate is, "
            "how many more cancellations it can absorb, and what to do next."
        ),
    )
    parser.add_argument("--version", action=_Version)
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    wanted = COMMANDS[only][0] if isinstance(only, str) and only in COMMANDS else None
    for name, (module, help_) in COMMANDS.items():
        if name in subparsers.choices:
            continue  # registered with an earlier command of the same module
        if only is _ALL or module == wanted:
            importlib.import_module(f"{__name__}.{module}").add_parser(subparsers)
        else:
            subparsers.add_parser(name, help=help_)
    return parser


def _command_in(argv: list[str]) -> str | None:
    """The subcommand named in ``argv``: its first word that is not an option, if any."""
    for word in argv:
        if word == "--":
            return None
        if not word.startswith("-"):
            return word
    return None


def _show_warning(message, category, filename, lineno, file=None, line=None):  # noqa: ARG001
    label = "warning" if issubclass(category, DataQualityWarning) else category.__name__
    print(f"{label}: {message}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status (0 ok, 1 bad input, 2 bad usage).

    ``fetch`` and ``weekly`` use more: 3 credentials, 4 marketplace, 5 throttled, 6 report
    failed at Amazon, 7 network, 8 optional library missing (see :mod:`oos_analysis.fetch.errors`).
    """
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(only=_command_in(argv))
    args = parser.parse_args(argv)
    if getattr(args, "func", None) is None:
        parser.print_help(sys.stderr)
        return 2
    with warnings.catch_warnings():
        warnings.simplefilter("default", DataQualityWarning)
        warnings.showwarning = _show_warning
        try:
            return int(args.func(args) or 0)
        except OOSAnalysisError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return int(getattr(exc, "exit_code", 1))
        except BrokenPipeError:
            return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
