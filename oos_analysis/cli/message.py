"""``oos-analysis message``: print the cancellation request (or reminder) for one order."""

from __future__ import annotations

import sys

from ..exceptions import ParameterError
from .actions import stockout_log_of
from .arguments import add_policy_argument
from .common import add_input_arguments, load_exports

__all__ = ["add_parser", "run"]


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "message",
        help="the cancellation-request message for one open stock-out",
        description=(
            "Print the message that asks the buyer to cancel ORDER_ID through Amazon's own "
            "'Request cancellation' (thanks, apology, reason, request, help URL, apology). "
            "Nothing is sent; paste it into Buyer-Seller Messaging."
        ),
    )
    parser.add_argument("order_id", metavar="ORDER_ID", help="Amazon order id")
    add_input_arguments(parser)
    parser.add_argument("--lang", choices=["en", "ja"],
                        help="language (default: ja for amazon.co.jp, en elsewhere)")
    parser.add_argument("--reminder", action="store_true",
                        help="the reminder, naming the day of the first request")
    parser.add_argument("--shop", default="", metavar="NAME", help="shop name to sign with")
    parser.add_argument("--templates", metavar="DIR",
                        help="folder whose request_<lang>.txt.j2 / reminder_<lang>.txt.j2 "
                             "replace the shipped ones")
    add_policy_argument(parser)
    parser.set_defaults(func=run)


def run(args) -> int:
    from ..playbook.messages import cancellation_message
    from ..playbook.policy import CAUTION, NO_REQUEST

    if args.policy == NO_REQUEST:
        raise ParameterError(
            "with --policy no-request the kit writes no message to the buyer: Amazon's rule is to "
            "cancel an order you cannot fulfil for lack of inventory as No Inventory, without "
            "asking the buyer to request the cancellation. Run `oos-analysis actions --policy "
            "no-request` for the list, or use --policy request for the seller's playbook.")
    exports = load_exports(args)
    text = cancellation_message(
        stockout_log_of(exports),
        args.order_id,
        reminder=args.reminder,
        lang=args.lang,
        shop_name=args.shop,
        template_dir=args.templates,
        order_report=exports.order_report,
        all_orders=exports.all_orders,
    )
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    sys.stderr.write(CAUTION + "\n")  # apart from the text to paste, but always shown
    return 0
