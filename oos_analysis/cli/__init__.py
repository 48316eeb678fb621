"""The ``oos-analysis`` command line.

Each subcommand lives in its own module under ``oos_analysis.cli`` and exposes two names:
``add_parser(subparsers)``, which declares its arguments and sets ``func``, and the function it
sets. :func:`main` turns every :class:`~oos_analysis.exceptions.OOSAnalysisError` into one
paragraph on standard error and exit status 1, so a scheduled job never shows a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import warnings

from .. import __version__
from ..exceptions import DataQualityWarning, OOSAnalysisError

__all__ = ["main", "build_parser"]

# Subcommand modules, in the order ``--help`` lists them.
COMMANDS: tuple[str, ...] = ("check", "sample", "store", "rate", "budget", "reconcile",
                              "actions", "message", "simulate", "report")


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser with every subcommand registered."""
    parser = argparse.ArgumentParser(
        prog="oos-analysis",
        description=(
            "Account-health kit for Amazon sellers who sell without holding stock: reads "
            "Seller Central exports and answers what the pre-fulfillment cancel rate is, "
            "how many more cancellations it can absorb, and what to do next."
        ),
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"{__name__}.{name}").add_parser(subparsers)
    return parser


def _show_warning(message, category, filename, lineno, file=None, line=None):  # noqa: ARG001
    label = "warning" if issubclass(category, DataQualityWarning) else category.__name__
    print(f"{label}: {message}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status (0 ok, 1 bad input, 2 bad usage)."""
    parser = build_parser()
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
            return 1
        except BrokenPipeError:
            return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
