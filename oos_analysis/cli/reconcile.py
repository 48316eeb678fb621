"""``oos-analysis reconcile``: the kit's cancel rate beside Amazon's Seller Performance report."""

from __future__ import annotations

import sys

from ..exceptions import ParameterError
from .arguments import THRESHOLD
from .common import add_format_argument, add_input_arguments, write_frame
from .rate import load_orders

__all__ = ["add_parser", "run"]


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "reconcile",
        help="compare the kit's cancel rate with Amazon's Seller Performance report",
        description=(
            "Count orders and cancellations from the exports over the reporting range of the "
            "Seller Performance JSON (UTC days) and show them beside Amazon's numbers, with the "
            "likely reason for any difference."
        ),
    )
    add_input_arguments(parser)
    parser.add_argument("--threshold", type=float, default=THRESHOLD, metavar="X",
                        help="target for the kit's status (default: 0.025)")
    add_format_argument(parser)
    parser.set_defaults(func=run)


def run(args) -> int:
    from ..metric.rate import check_threshold
    from ..metric.reconciliation import reconcile

    threshold = check_threshold(args.threshold)
    exports, orders = load_orders(args)
    if exports.seller_performance.empty:
        raise ParameterError(
            "none of the files is a Seller Performance report; reconcile needs the "
            "GET_V2_SELLER_PERFORMANCE_REPORT JSON (Account Health) next to the All Orders export."
        )
    perf = exports.seller_performance
    if not perf["metric"].eq("pre_fulfillment_cancel_rate").fillna(False).any():
        names = [f.source for f in exports.files if f.kind == "seller_performance"]
        found = sorted(set(perf["metric"].dropna()))
        raise ParameterError(
            f"{', '.join(names)} is a Seller Performance report but holds no pre-fulfillment "
            f"cancel rate metric (it has {', '.join(found) if found else 'no metric at all'}); "
            "the metric is missing from that file, so there is nothing to compare. Request the "
            "Account Health report (GET_V2_SELLER_PERFORMANCE_REPORT) again for a marketplace "
            "with seller-fulfilled orders."
        )
    result = reconcile(orders, perf, threshold=threshold)
    if args.format != "table":
        write_frame(result, args.format)
        return 0
    out = sys.stdout
    for row in result.itertuples(index=False):
        out.write(f"\n{row.marketplace}: {row.date_from:%Y-%m-%d %H:%M} .. {row.date_to:%Y-%m-%d %H:%M} UTC\n")
        out.write(f"  {'':14}{'Amazon':>10}{'kit':>10}\n")
        out.write(f"  {'orders':14}{_num(row.amazon_orders):>10}{row.kit_orders:>10}\n")
        out.write(f"  {'cancellations':14}{_num(row.amazon_cancellations):>10}{row.kit_cancellations:>10}\n")
        out.write(f"  {'rate':14}{_pct(row.amazon_rate):>10}{_pct(row.kit_rate):>10}\n")
        out.write(f"  Likely reason: {row.likely_reason}\n")
    return 0


def _num(value) -> str:
    return "" if value is None or value != value else str(int(value))


def _pct(value) -> str:
    return "" if value is None or value != value else f"{value:.2%}"
