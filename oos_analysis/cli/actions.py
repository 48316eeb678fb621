"""``oos-analysis actions``: what to do today for every open stock-out (the playbook)."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from ..exceptions import ParameterError
from ..io.schema import STOCKOUT_LOG
from ..playbook.actions import next_actions
from .common import add_format_argument, add_input_arguments, load_exports, parse_date, write_frame

__all__ = ["add_parser", "run", "stockout_log_of"]

_SHOWN = ["order_id", "marketplace", "sku", "action", "due", "past_ship_by", "ship_by",
          "decision_deadline", "reason", "rate_before", "rate_after", "remaining_before",
          "remaining_after"]


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "actions",
        help="next action per open stock-out (buy, request, remind, cancel)",
        description=(
            "Read the stock-out log (and, where given, the Order/Unshipped report and the All "
            "Orders report) and print one next action per open stock-out: buy_at_loss, "
            "send_request, wait, send_reminder, cancel_buyer_request or cancel_no_inventory, "
            "with the day it is due and why."
        ),
    )
    add_input_arguments(parser)
    parser.add_argument("--asof", metavar="DATE",
                        help="day the list is for, YYYY-MM-DD (default: today, UTC)")
    parser.add_argument("--loss-cap", type=float, metavar="X",
                        help="largest acceptable loss when buying from a source (default: no cap)")
    parser.add_argument("--reminder-days", type=int, default=2, metavar="N",
                        help="days between the request and the reminder (default: 2)")
    parser.add_argument("--margin-days", type=int, default=0, metavar="N",
                        help="decide No Inventory this many days before ship-by (default: 0)")
    add_format_argument(parser)
    parser.set_defaults(func=run)


def stockout_log_of(exports):
    """Return the stock-out log of ``exports``, named after its file; error when none was given."""
    logs = [f.source for f in exports.files if f.kind == STOCKOUT_LOG]
    if not logs:
        found = ", ".join(f"{f.source} ({f.kind})" for f in exports.files) or "nothing"
        raise ParameterError(
            f"none of the files is a stock-out log (found: {found}); pass the log, a CSV with "
            "order_id, marketplace, sku, detected_at, ship_by, ..., resolution columns (template "
            "in data/sample/)."
        )
    log = exports.stockout_log.copy(deep=False)
    log.attrs = {"source": logs[0] if len(logs) == 1 else "stock-out logs"}
    return log


def run(args) -> int:
    asof = (
        parse_date(args.asof, name="--asof") if args.asof
        else dt.datetime.now(dt.UTC).date()
    )
    exports = load_exports(args)
    if args.asof:
        from ..metric.known import known_on  # the log and the orders as known on that day

        exports = known_on(exports, asof)
    orders = None
    if not exports.all_orders.empty:
        from ..metric.orders import orders_from_exports

        orders = orders_from_exports(exports)
    actions = next_actions(
        stockout_log_of(exports),
        asof=asof,
        loss_cap=args.loss_cap,
        reminder_days=args.reminder_days,
        margin_days=args.margin_days,
        order_report=exports.order_report,
        orders=orders,
    )
    shown = actions[_SHOWN].copy()
    for column in ("due", "decision_deadline"):
        shown[column] = shown[column].astype("str")
    if args.format == "table":
        _table(actions, asof=asof)
    else:
        write_frame(shown, args.format)
    return 0


def _table(actions, *, asof) -> None:
    """One block per open stock-out: due day, action, order, then the reason and the effect."""
    if actions.empty:
        print(f"No open stock-outs in the log as of {asof:%Y-%m-%d}.")
        return
    print(f"Next action per open stock-out as of {asof:%Y-%m-%d} ({len(actions)} open), "
          "most urgent first:")
    for row in actions.itertuples(index=False):
        flag = "  PAST SHIP-BY" if row.past_ship_by else ""
        print(f"\n{row.due}  {row.action:<20} {row.order_id}  {row.sku}  "
              f"({row.marketplace}, ship by {row.ship_by:%Y-%m-%d}){flag}")
        print(f"    {row.reason}")
        if row.action == "cancel_no_inventory" and not pd.isna(row.rate_before):
            print(f"    Effect on the current window: rate {row.rate_before:.2%} -> "
                  f"{row.rate_after:.2%}, room for {row.remaining_before} -> "
                  f"{row.remaining_after} more cancellation(s).")
