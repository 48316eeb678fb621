"""``oos-analysis rate``: the daily 7-day cancellation rate per marketplace."""

from __future__ import annotations

import sys

from ..exceptions import ParameterError
from .arguments import THRESHOLD
from .common import (
    add_format_argument,
    add_input_arguments,
    add_pending_argument,
    asof_notes,
    coverage_gaps,
    load_exports,
    parse_date,
    parse_tz,
    write_frame,
)

__all__ = ["add_parser", "run", "CSV_COLUMNS", "load_orders", "load_window", "coverage_note"]

_NO_ALL_ORDERS = (
    "none of the files is an All Orders report with orders in it, and the rate needs one: "
    "download Reports > Fulfillment > All Orders (by order date) from Seller Central and "
    "pass it with the other files.")

CSV_COLUMNS = ["marketplace", "date", "orders", "seller_cancellations", "rate", "status",
               "complete"]


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "rate",
        help="daily 7-day cancellation rate per marketplace",
        description=(
            "Compute the pre-fulfillment cancel rate for every day: MFN orders placed in the 7 "
            "days ending that day, the counted cancellations among them, and whether the rate "
            "is at or above the threshold (a breach). With --from/--to, a --store reads only the "
            "months those days' windows reach, and the table's closing note counts the orders "
            "behind the rates shown (purchased from 6 days before --from to --to)."
        ),
    )
    add_input_arguments(parser)
    add_threshold_tz(parser)
    parser.add_argument("--from", dest="start", metavar="DATE", help="first day to show, YYYY-MM-DD")
    parser.add_argument("--to", dest="end", metavar="DATE", help="last day to show, YYYY-MM-DD")
    parser.add_argument("--marketplace", metavar="M", help="only this marketplace, e.g. amazon.com")
    parser.add_argument("--include-partial", action="store_true",
                        help="also show the first six days, whose windows start before the data")
    add_pending_argument(parser)
    add_format_argument(parser)
    parser.set_defaults(func=run)


def add_threshold_tz(parser) -> None:
    """Add ``--threshold`` and ``--tz`` (shared by rate and budget)."""
    parser.add_argument("--threshold", type=float, default=THRESHOLD, metavar="X",
                        help="breach when rate >= X, a fraction (default: 0.025)")
    parser.add_argument("--tz", default="UTC", metavar="TZ",
                        help="time zone of the day boundary (default: UTC, as Amazon's report; "
                        "e.g. America/Los_Angeles)")


def load_orders(args, *, columns=None, compact: bool = False):
    """Read the files and return (exports, orders); error when there is no All Orders export.

    ``columns`` (kind -> column names) limits what is read of the store or the files to those
    columns (the checks of a whole file's read are still made), and ``compact`` reads the
    few-valued text ones of a store as Categorical (the orders come out the same). With
    ``args.asof`` the exports are read as known at the end of that day (later cancellations have
    not happened yet), as the weekly report and ``status`` read them.
    """
    from ..metric.orders import orders_from_exports

    exports = load_exports(args, columns=columns, compact=compact)
    if getattr(args, "asof", None):
        from ..metric.known import known_on

        exports = known_on(exports, parse_date(args.asof, name="--asof"),
                           tz=parse_tz(getattr(args, "tz", "UTC")))
    if exports.all_orders.empty:
        raise ParameterError(_NO_ALL_ORDERS)
    return exports, orders_from_exports(
        exports, exclude_pending=bool(getattr(args, "exclude_pending", False)))


def load_window(args, *, start, end, tz):
    """(exports, orders, extent) for the rate of the days ``start`` ... ``end`` in ``tz``.

    From a store with ``--from``/``--to``, only the months those days' windows reach are read
    (:func:`oos_analysis.metric.months.read_window`) and ``extent`` is the whole store's; else
    everything is read, as :func:`load_orders` does, and ``extent`` is None (the orders' own).
    """
    from ..metric.orders import INPUT_COLUMNS

    if getattr(args, "store", None) and not getattr(args, "files", None) and \
            not getattr(args, "asof", None) and (start is not None or end is not None):
        from ..metric.months import read_window

        window = read_window(args.store, start=start, end=end, tz=tz, columns=INPUT_COLUMNS,
                             compact=True,
                             exclude_pending=bool(getattr(args, "exclude_pending", False)))
        if window is not None:
            return window.exports, window.orders, window.extent
    exports, orders = load_orders(args, columns=INPUT_COLUMNS, compact=True)
    return exports, orders, None


def coverage_note(orders) -> str:
    """One line saying what was left out of the metric and how many counted were unattributed."""
    from ..metric.orders import coverage

    cov = coverage(orders).sum(numeric_only=True)
    left = [f"{int(cov[k])} {label}" for k, label in
            (("excluded_afn", "FBA (AFN)"), ("excluded_non_amazon", "non-Amazon channel"),
             ("excluded_no_channel", "without a channel")) if cov[k]]
    text = f"Included {int(cov['included'])} MFN orders on Amazon channels"
    text += f"; left out {', '.join(left)}." if left else "; nothing left out."
    if cov["buyer_official"]:
        text += f" {int(cov['buyer_official'])} official buyer-requested cancellation(s) not counted."
    if cov["unattributed"]:
        text += (f" {int(cov['unattributed'])} cancellation(s) could not be attributed and are "
                 "counted (conservative); the order report's buyer-request column or Amazon's "
                 "Account Health download would settle them.")
    if cov["pending"]:
        counted = bool(orders.loc[orders["attribution"].eq("pending").fillna(False),
                                  "counted"].any())
        text += (f" {int(cov['pending'])} cancellation(s) look like orders the buyer cancelled "
                 "while pending (no price, no payment), which Amazon probably does not count: "
                 + ("counted anyway (--exclude-pending leaves them out)." if counted
                    else "left out (--exclude-pending)."))
    if cov["conflict"]:
        text += (f" {int(cov['conflict'])} cancellation(s) have conflicting evidence (log: "
                 "no_inventory, order report: buyer request) and are counted.")
    return text


def run(args) -> int:
    from ..metric.months import in_window
    from ..metric.rate import check_threshold, daily_rate

    threshold = check_threshold(args.threshold)
    tz = parse_tz(args.tz)
    start = parse_date(args.start, name="--from") if args.start else None
    end = parse_date(args.end, name="--to") if args.end else None
    if start is not None and end is not None and start > end:
        raise ParameterError(
            f"--from {args.start.strip()} is after --to {args.end.strip()}, so no day lies "
            "between them; give the first day with --from and the last with --to."
        )
    exports, orders, extent = load_window(args, start=start, end=end, tz=tz)
    # days no export covers are unknown, not zero: from the store, or between the files given
    result = daily_rate(orders, threshold=threshold, tz=tz, start=start, end=end,
                        marketplace=args.marketplace, include_partial=args.include_partial,
                        gaps=coverage_gaps(args, exports), extent=extent)
    notes = asof_notes(orders, tz=tz, extent=extent) + _why_partial(result) + \
        _outside_data(result, orders, extent, start, end, tz)
    # the closing note counts the orders behind the rates shown: those of their windows
    orders = in_window(orders, start, end, tz)
    if args.format == "csv":
        # The CSV's columns are fixed (a contract with spreadsheets and scripts): the day's
        # status (gap included) and whether its window is complete.
        write_frame(result[CSV_COLUMNS], "csv")
    elif args.format == "json":
        write_frame(result, "json")
    else:
        _table(result, orders, threshold=threshold, tz=tz)
    for note in notes:
        (sys.stdout if args.format == "table" else sys.stderr).write(note + "\n")
    return 0


def _outside_data(result, orders, extent, start, end, tz) -> list[str]:
    """Say where the data lies when --from/--to select none of its days.

    ``extent`` is the whole data's (from a store's window read), or None: then ``orders`` are
    all of it.
    """
    if not result.empty or (start is None and end is None):
        return []
    import datetime as dt

    from ..metric.rate import data_extent

    extent = extent or data_extent(orders, tz)
    if not extent.days:
        return []

    first = min(lo for lo, _ in extent.days.values())
    last = max(hi for _, hi in extent.days.values())
    day = [(dt.date(1970, 1, 1) + dt.timedelta(days=int(d))).isoformat() for d in (first, last)]
    return [f"No day of the data lies in the days asked for: its MFN orders run from {day[0]} "
            f"to {day[1]} ({extent.tz} days). Choose --from and --to within those days."]


def _why_partial(result) -> list[str]:
    """Say why there is no complete window, when there is none."""
    if result.empty or result["complete"].any():
        return []
    return ["No day has a complete 7-day window: the data spans fewer than 7 days, or every "
            "window reaches into days no export covers. The partial windows are shown "
            "(complete = false); export at least 7 whole days of All Orders for a rate Amazon "
            "would compare."]


def _table(result, orders, *, threshold, tz) -> None:
    out = sys.stdout
    out.write(f"Cancellation rate over 7-day windows by purchase date ({tz} days); "
              f"breach when rate >= {threshold:.2%}.\n")
    shown = result.assign(
        date=result["date"].dt.strftime("%Y-%m-%d") + result["complete"].map({True: "", False: "*"}),
        rate=result["rate"].map(lambda r: "" if r != r else f"{r:.2%}"),
        status=result["status"].map({"breach": "BREACH <<", "ok": "ok", "no-orders": "no orders",
                                     "gap": "GAP: no export"}),
    )[["marketplace", "date", "orders", "seller_cancellations", "rate", "status", "unattributed"]]
    if "window_gap_days" in result:
        gap = result["window_gap_days"].gt(0) & result["status"].ne("gap")
        shown["status"] = shown["status"].where(~gap, shown["status"] + " GAP")
    shown = shown.rename(columns={"seller_cancellations": "cancellations"})
    write_frame(shown, "table")
    if (~result["complete"]).any():
        out.write("* partial window: it starts before the data, reaches into days no export "
                  "covers, or ends on a last day the data may not hold whole.\n")
    if "window_gap_days" in result and result["window_gap_days"].any():
        out.write(f"{int(result['window_gap_days'].gt(0).sum())} day(s) have a 7-day window "
                  "reaching into days no export covers (marked GAP): their orders are "
                  "unknown, not zero; add the All Orders exports for the missing days.\n")
    breaches = int((result["status"] == "breach").sum())
    out.write(f"{breaches} breach day(s) of {len(result)}. {coverage_note(orders)}\n")
