"""``oos-analysis budget``: the window as of a day, what is left, and when it recovers."""

from __future__ import annotations

import sys

from .common import (
    add_format_argument,
    add_input_arguments,
    add_pending_argument,
    asof_notes,
    coverage_gaps,
    format_dates,
    parse_date,
    parse_tz,
    write_json,
)
from .rate import add_threshold_tz, coverage_note, load_orders

__all__ = ["add_parser", "run"]

_LISTINGS_SHOWN = 10


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "budget",
        help="remaining cancellations, roll-off calendar, recovery date, listings at risk",
        description=(
            "For the 7-day window ending on --asof (default: the last purchase day in the data), "
            "per marketplace: orders, counted cancellations, rate, how many more cancellations "
            "stay under target, how many clean orders would bring it back, when each counted "
            "cancellation leaves the window and the listings with seller cancellations in the "
            "last 30 days."
        ),
    )
    add_input_arguments(parser)
    parser.add_argument("--asof", metavar="DATE", help="day of the window, YYYY-MM-DD")
    add_threshold_tz(parser)
    add_pending_argument(parser)
    add_format_argument(parser, choices=("table", "json"))
    parser.set_defaults(func=run)


def run(args) -> int:
    from ..metric.budget import budget_summary, roll_off_calendar
    from ..metric.listing import listing_risk
    from ..metric.rate import check_threshold

    threshold = check_threshold(args.threshold)
    tz = parse_tz(args.tz)
    asof = parse_date(args.asof, name="--asof") if args.asof else None
    exports, orders = load_orders(args)
    summary = budget_summary(orders, asof=asof, threshold=threshold, tz=tz,
                             gaps=coverage_gaps(args, exports))
    notes = asof_notes(orders, asof=asof, tz=tz)
    calendar = roll_off_calendar(orders, asof=asof, tz=tz)
    risk = listing_risk(exports.all_orders, orders, asof=asof, tz=tz)
    if args.format == "json":
        records = []
        for row in format_dates(summary).to_dict(orient="records"):
            market = row["marketplace"]
            rolls = calendar[calendar["marketplace"] == market]
            row["rolls_off"] = format_dates(
                rolls[["order_id", "purchase_date", "attribution", "leaves_window_on"]]
            ).to_dict(orient="records")
            row["listing_risk"] = risk[risk["marketplace"] == market].drop(
                columns="marketplace").to_dict(orient="records")
            records.append(row)
        write_json(records)
        for note in notes:
            sys.stderr.write(note + "\n")
        return 0
    for note in notes:
        sys.stdout.write(note + "\n")
    _table(summary, calendar, risk, orders, threshold=threshold, tz=tz,
           exclude_pending=bool(args.exclude_pending))
    return 0


def _partial(row, end) -> str:
    if row.complete:
        return ""
    if row.gap_days:
        return f" - partial: {row.gap_days} day(s) in it no export covers (unknown, not zero)"
    if end is not None and row.window_end >= end:
        return (" - partial: it ends on or after the data's last day, which the data may not "
                "hold whole")
    return " - partial: the data starts inside it"


def _table(summary, calendar, risk, orders, *, threshold, tz, exclude_pending=False) -> None:
    from ..metric.budget import HORIZON_DAYS
    from ..metric.rate import data_end, day_label

    out = sys.stdout
    last, whole = data_end(orders, tz)
    end = None if last is None or whole else day_label(last)  # a last day that may be partial
    for row in summary.itertuples(index=False):
        out.write(f"\n{row.marketplace}: window {row.window_start:%Y-%m-%d} .. {row.window_end:%Y-%m-%d}"
                  f" ({tz} days){_partial(row, end)}\n")
        if row.orders == 0:
            out.write("  no MFN orders in this window.\n")
            continue
        mark = "BREACH" if row.status == "breach" else "ok"
        out.write(f"  {row.seller_cancellations} counted cancellation(s) of {row.orders} orders = "
                  f"{row.rate:.2%} (target under {threshold:.2%}): {mark}\n")
        if row.unattributed:
            out.write(f"  {row.unattributed} of them could not be attributed and are counted.\n")
        if row.pending:
            out.write(f"  {row.pending} cancellation(s) in it look like pending orders the buyer "
                      "cancelled (no price, no payment; Amazon probably does not count them): "
                      + ("left out (--exclude-pending).\n" if exclude_pending
                         else "counted, the cautious reading (--exclude-pending leaves them "
                         "out).\n"))
        if row.status == "breach":
            out.write(f"  Over target: {row.clean_orders_needed} more clean order(s) would bring it "
                      "back under, if nothing else is cancelled.\n")
            if row.back_under_target_on is not None and row.back_under_target_on == row.back_under_target_on:
                out.write(f"  Back under target on {row.back_under_target_on:%Y-%m-%d} with no more "
                          f"cancellations and ~{row.daily_orders:.1f} orders a day.\n")
            else:
                out.write(f"  Not back under target within {HORIZON_DAYS} days at the current "
                          "order volume.\n")
        else:
            out.write(f"  Room for {row.remaining} more cancellation(s) in this window.\n")
        rolls = calendar[calendar["marketplace"] == row.marketplace]
        for r in rolls.itertuples(index=False):
            out.write(f"  - {r.order_id} (placed {r.purchase_date:%Y-%m-%d %H:%M} UTC, "
                      f"{r.attribution}) leaves the window on {r.leaves_window_on:%Y-%m-%d}\n")
        mine = risk[risk["marketplace"] == row.marketplace]
        if len(mine):
            out.write("  Listings with counted seller cancellations in the last 30 days:\n")
            for r in mine.head(_LISTINGS_SHOWN).itertuples(index=False):
                label = ("AT RISK: the offer may be removed" if r.level == "at_risk"
                         else "warning: one more can get the offer removed")
                out.write(f"  - {r.sku}: {r.seller_cancellations} ({label})\n")
            if len(mine) > _LISTINGS_SHOWN:
                out.write(f"  ... and {len(mine) - _LISTINGS_SHOWN} more with one each "
                          "(see --format json).\n")
    out.write(f"\n{coverage_note(orders)}\n")
