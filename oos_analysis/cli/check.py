"""``oos-analysis check FILE...``: say what each file is and whether the kit can read it.

Per file: the detected type, encoding, rows, distinct orders, the UTC date range, marketplaces and
warnings. A file that cannot be read gets its one-paragraph explanation on standard error, the other
files are still checked, and the exit status is 1.
"""

from __future__ import annotations

import argparse
import sys
import warnings


from ..exceptions import DataQualityWarning, OOSAnalysisError, ParameterError
from ..io import schema
from ..io.files import KIND_LABELS
from .common import add_input_arguments

__all__ = ["add_parser", "run"]

_DATES_LABEL = {
    schema.ALL_ORDERS: "purchases",
    schema.ORDER_REPORT: "purchases",
    schema.CANCEL_DOWNLOAD: "order dates",
    schema.STOCKOUT_LOG: "detected",
    schema.SELLER_PERFORMANCE: "reporting range",
}


def add_parser(subparsers) -> None:
    """Register ``check``."""
    parser = subparsers.add_parser(
        "check", help="tell what each export file is and whether it can be read",
        description=(
            "Say what each file is and whether the kit can read it: detected type, encoding, "
            "rows, orders, date range (UTC), marketplaces and warnings. Exit status 1 when a "
            "file cannot be read (the others are still checked)."
        ),
    )
    add_input_arguments(parser, store=False)
    parser.set_defaults(func=run)


def _day(value) -> str:
    return "?" if value is None else value.strftime("%Y-%m-%d")


def run(args: argparse.Namespace) -> int:
    """Check each file; print the summary on stdout and errors on stderr."""
    # no pandas here: most All Orders reports are checked on their Arrow columns alone
    from ..io.readers import summarise_file

    if not args.files:
        raise ParameterError(
            "check needs at least one export file, e.g. `oos-analysis check data/sample/us/*`."
        )
    status = 0
    for path in args.files:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DataQualityWarning)
                # every check of the whole read is made; only the columns shown are kept
                row = summarise_file(path, encoding=args.encoding)
        except OOSAnalysisError as exc:
            print(f"error: {exc}", file=sys.stderr)
            status = 1
            continue
        orders = "n/a" if row["orders"] is None else row["orders"]
        print(path)
        print(f"  type: {KIND_LABELS[row['kind']]}   encoding: {row['encoding']}   "
              f"rows: {row['rows']}   orders: {orders}")
        print(f"  {_DATES_LABEL[row['kind']]}: {_day(row['first_date'])} .. "
              f"{_day(row['last_date'])} (UTC)   marketplaces: {row['marketplaces'] or 'none'}")
        print(f"  warnings: {row['warnings'] or 'none'}")
    return status
