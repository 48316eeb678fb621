"""Canonical names: report kinds, frame columns and the values they may hold.

Every frame the kit passes between modules is described here once, so that readers, the metric,
the simulator and the report agree on spelling. Column names are snake_case versions of Amazon's
headers (``amazon-order-id`` becomes ``order_id``, ``verge-of-lateShipment`` becomes
``verge_of_late_shipment``). Timestamps are tz-aware UTC; rates are fractions.
"""

from __future__ import annotations

import re

__all__ = [
    "REQUEST",
    "NO_REQUEST",
    "POLICIES",
    "MARKETPLACE_TIME_ZONES",
    "marketplace_time_zone",
    "ALL_ORDERS",
    "ORDER_REPORT",
    "CANCEL_DOWNLOAD",
    "SELLER_PERFORMANCE",
    "STOCKOUT_LOG",
    "REPORT_KINDS",
    "ORDER_STATUSES",
    "CANCELLED",
    "MFN",
    "AFN",
    "NON_AMAZON",
    "RESOLUTIONS",
    "ATTRIBUTIONS",
    "STOCKOUT_LOG_COLUMNS",
    "MARKETPLACE_IDS",
    "snake_case",
    "is_pii_column",
    "marketplace_from_channel",
    "require_columns",
]

# --- report kinds -------------------------------------------------------------------------------
ALL_ORDERS = "all_orders"
"""Flat File All Orders report, by order date or by last update (one row per order item)."""
ORDER_REPORT = "order_report"
"""Order Report ("New Orders") or Unshipped Orders report (one row per order item, has buyer PII)."""
CANCEL_DOWNLOAD = "cancel_download"
"""Account Health, Pre-fulfillment cancel rate, "Download report" (one row per listed order)."""
SELLER_PERFORMANCE = "seller_performance"
"""``GET_V2_SELLER_PERFORMANCE_REPORT`` JSON (one row per marketplace and metric)."""
STOCKOUT_LOG = "stockout_log"
"""The kit's own stock-out log kept by staff (one row per stuck order)."""

REPORT_KINDS = (ALL_ORDERS, ORDER_REPORT, CANCEL_DOWNLOAD, SELLER_PERFORMANCE, STOCKOUT_LOG)

# --- values -------------------------------------------------------------------------------------
ORDER_STATUSES = (
    "pending",
    "pending_availability",
    "unshipped",
    "partially_shipped",
    "shipping",
    "shipped",
    "complete",
    "cancelled",
    "unfulfillable",
    "invoice_unconfirmed",
)
"""Canonical ``order_status`` / ``item_status`` values (``Canceled``, ``CANCELLED`` -> cancelled)."""
CANCELLED = "cancelled"

MFN = "MFN"
AFN = "AFN"
NON_AMAZON = "non-amazon"
"""``marketplace`` value for orders from a non-Amazon sales channel (Multi-Channel Fulfillment)."""

RESOLUTIONS = ("open", "bought", "buyer_cancelled", "no_inventory")
"""Values of the stock-out log's ``resolution`` column."""

REQUEST = "request"
"""Playbook policy: buy at a loss, else ask the buyer to request cancellation, else No Inventory."""
NO_REQUEST = "no-request"
"""Playbook policy of Amazon's written rule: buy at a loss, else cancel as No Inventory, no message."""
POLICIES = (REQUEST, NO_REQUEST)
"""The playbook policies (``--policy``); the first is the default. Defined here, below both the
playbook and the forecast, so that both use the same names."""

ATTRIBUTIONS = ("seller", "buyer_official", "conflict", "pending", "unknown")
"""Who a cancellation is attributed to (``cancellation-rules.md`` section 3)."""

STOCKOUT_LOG_COLUMNS = (
    "order_id",
    "marketplace",
    "sku",
    "detected_at",
    "ship_by",
    "loss_if_bought",
    "request_sent_at",
    "reminder_sent_at",
    "official_request_at",
    "resolution",
    "resolved_at",
)
"""The stock-out log's columns, in the order of the template in ``data/sample/``."""

MARKETPLACE_IDS = {
    "ATVPDKIKX0DER": "amazon.com",
    "A2EUQ1WTGCTBG2": "amazon.ca",
    "A1AM78C64UM0Y8": "amazon.com.mx",
    "A2Q3Y263D00KWC": "amazon.com.br",
    "A1F83G8C2ARO7P": "amazon.co.uk",
    "A1PA6795UKMFR9": "amazon.de",
    "A13V1IB3VIYZZH": "amazon.fr",
    "APJ6JRA9NG5V4": "amazon.it",
    "A1RKKUPIHCS9HS": "amazon.es",
    "A1805IZSGTT6HS": "amazon.nl",
    "A2NODRKZP88ZB9": "amazon.se",
    "A1C3SOZRARQ6R3": "amazon.pl",
    "AMEN7PMS3EDWL": "amazon.com.be",
    "A33AVAJ2PDY3EV": "amazon.com.tr",
    "A21TJRUUN4KGV": "amazon.in",
    "A2VIGQ35RCS4UG": "amazon.ae",
    "A17E79C6D8DWNP": "amazon.sa",
    "ARBP9OOSHTCHU": "amazon.eg",
    "A1VC38T7YXB528": "amazon.co.jp",
    "A39IBJ37TRP1C6": "amazon.com.au",
    "A19VAU5U5O7RUS": "amazon.sg",
}
"""Amazon marketplace ids (as in the Seller Performance JSON) and the kit's marketplace names."""

# --- helpers ------------------------------------------------------------------------------------
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_NON_WORD = re.compile(r"[^0-9a-z]+")

_PII_EXACT = {
    "buyer_email",
    "buyer_name",
    "buyer_phone_number",
    "buyer_company_name",
    "buyer_identification_number",
    "buyer_identification_type",
    "buyer_tax_registration_id",
    "cpf",
    "recipient_name",
    "ship_address_1",
    "ship_address_2",
    "ship_address_3",
    "ship_phone_number",
    "bill_name",
    "bill_address_1",
    "bill_address_2",
    "bill_address_3",
    "bill_phone_number",
    "delivery_instructions",
    "gift_message_text",
}
_PII_PATTERN = re.compile(r"(e_?mail|phone|address|recipient|^buyer_(?!requested_|cancel_))")


def snake_case(name: str) -> str:
    """Return the canonical snake_case spelling of a report header.

    Examples
    --------
    >>> snake_case("amazon-order-id")
    'amazon_order_id'
    >>> snake_case("verge-of-lateShipment")
    'verge_of_late_shipment'
    >>> snake_case("  Impacts Account Health ")
    'impacts_account_health'
    """
    spaced = _CAMEL.sub("_", name.strip())
    return _NON_WORD.sub("_", spaced.lower()).strip("_")


def is_pii_column(name: str) -> bool:
    """Tell whether a (snake_case) column holds buyer PII and must be dropped at read time.

    Names, e-mails, phones, street address lines and buyer identification numbers are PII. The
    buyer-request columns (``is_buyer_requested_cancellation``, ``buyer_requested_cancel_reason``)
    are not. City, state, postal code and country are kept: the All Orders report carries them and
    Amazon describes that report as free of customer-identifying information.

    Examples
    --------
    >>> is_pii_column("buyer_email"), is_pii_column("ship_address_2"), is_pii_column("sku")
    (True, True, False)
    >>> is_pii_column("buyer_requested_cancel_reason"), is_pii_column("buyer_cancel_reason")
    (False, False)
    """
    return name in _PII_EXACT or bool(_PII_PATTERN.search(name))


def marketplace_from_channel(sales_channel: str | None) -> str | None:
    """Map a sales-channel string to the kit's marketplace name.

    ``Amazon.com`` becomes ``amazon.com``; any channel that is not an Amazon site becomes
    :data:`NON_AMAZON`; a missing channel stays missing.

    Examples
    --------
    >>> marketplace_from_channel("Amazon.co.jp")
    'amazon.co.jp'
    >>> marketplace_from_channel("Non-Amazon")
    'non-amazon'
    >>> marketplace_from_channel("") is None
    True
    """
    if sales_channel is None:
        return None
    value = str(sales_channel).strip().lower()
    if not value or value in {"nan", "<na>", "none"}:
        return None
    if value.startswith("www."):
        value = value[4:]
    if re.fullmatch(r"amazon\.[a-z.]+", value):
        return value
    return NON_AMAZON


def require_columns(frame, columns, *, what: str, advice: str) -> None:
    """Raise :class:`~oos_analysis.exceptions.ParameterError` unless ``frame`` has ``columns``.

    ``what`` names the frame in the message ("the orders frame"), ``advice`` says where a frame of
    the right shape comes from.

    Examples
    --------
    >>> import pandas as pd
    >>> require_columns(pd.DataFrame({"a": [1]}), ["a"], what="the test frame", advice="")
    >>> require_columns(pd.DataFrame({"a": [1]}), ["a", "b"], what="f", advice="Add b.")
    Traceback (most recent call last):
    oos_analysis.exceptions.ParameterError: f lacks column(s) ['b']; found ['a']. Add b.
    """
    from ..exceptions import ParameterError

    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ParameterError(
            f"{what} lacks column(s) {missing}; found {list(frame.columns)}. {advice}".rstrip()
        )


# --- marketplace time zones ----------------------------------------------------------------------
MARKETPLACE_TIME_ZONES = {
    "amazon.com": "America/Los_Angeles",
    "amazon.ca": "America/Toronto",
    "amazon.com.mx": "America/Mexico_City",
    "amazon.com.br": "America/Sao_Paulo",
    "amazon.co.uk": "Europe/London",
    "amazon.ie": "Europe/Dublin",
    "amazon.de": "Europe/Berlin",
    "amazon.fr": "Europe/Paris",
    "amazon.it": "Europe/Rome",
    "amazon.es": "Europe/Madrid",
    "amazon.nl": "Europe/Amsterdam",
    "amazon.com.be": "Europe/Brussels",
    "amazon.se": "Europe/Stockholm",
    "amazon.pl": "Europe/Warsaw",
    "amazon.com.tr": "Europe/Istanbul",
    "amazon.ae": "Asia/Dubai",
    "amazon.sa": "Asia/Riyadh",
    "amazon.eg": "Africa/Cairo",
    "amazon.in": "Asia/Kolkata",
    "amazon.sg": "Asia/Singapore",
    "amazon.co.jp": "Asia/Tokyo",
    "amazon.com.au": "Australia/Sydney",
}
"""The time zone whose calendar day a marketplace's ship-by dates end on (the one table).

Amazon writes a ship-by (``promise-date``, latest ship date) as the last second of a day in the
marketplace's own zone: ``2026-11-24T07:59:59Z`` on amazon.com is the end of 23 November, Pacific.
"""


def marketplace_time_zone(marketplace) -> str:
    """The IANA zone of a marketplace (``amazon.com`` form); UTC when the kit does not know it.

    Examples
    --------
    >>> marketplace_time_zone("amazon.co.jp"), marketplace_time_zone("Amazon.ca"), marketplace_time_zone(None)
    ('Asia/Tokyo', 'America/Toronto', 'UTC')
    """
    if not isinstance(marketplace, str):
        return "UTC"
    name = marketplace_from_channel(marketplace) or marketplace.strip().lower()
    return MARKETPLACE_TIME_ZONES.get(name, "UTC")
