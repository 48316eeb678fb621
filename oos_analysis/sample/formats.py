"""Render a :class:`~oos_analysis.sample.story.Story` in Amazon's raw export formats.

Each function returns the file's text; :func:`oos_analysis.sample.generate_sample` encodes and
writes it. Layouts follow ``amazon-reports.md``: the 33-column SP-API All Orders report (section
1.2), the Order Report with every optional column switched on (section 1.4),
``GET_V2_SELLER_PERFORMANCE_REPORT`` (section 4.4) and the Account Health cancel-rate download.
Nothing here draws random numbers: every choice is a function of the story, so the same story
always gives the same bytes.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math

from ..io.schema import STOCKOUT_LOG_COLUMNS
from .story import DAY, Order, Story, breach_days, counted_by_day

__all__ = ["ALL_ORDERS_HEADER", "ORDER_REPORT_HEADER", "all_orders", "order_report",
           "seller_performance", "cancel_download", "stockout_log", "template"]

ALL_ORDERS_HEADER = (
    "amazon-order-id", "merchant-order-id", "purchase-date", "last-updated-date", "order-status",
    "fulfillment-channel", "sales-channel", "order-channel", "ship-service-level", "product-name",
    "sku", "asin", "item-status", "quantity", "currency", "item-price", "item-tax",
    "shipping-price", "shipping-tax", "gift-wrap-price", "gift-wrap-tax",
    "item-promotion-discount", "ship-promotion-discount", "ship-city", "ship-state",
    "ship-postal-code", "ship-country", "promotion-ids", "cpf", "is-business-order",
    "purchase-order-number", "price-designation", "signature-confirmation-recommended",
)
ORDER_REPORT_HEADER = (
    "order-id", "order-item-id", "purchase-date", "payments-date", "reporting-date",
    "promise-date", "days-past-promise", "buyer-email", "buyer-name", "cpf",
    "buyer-phone-number", "sku", "number-of-items", "product-name", "quantity-purchased",
    "quantity-shipped", "quantity-to-ship", "ship-service-level", "ship-service-name",
    "recipient-name", "ship-address-1", "ship-address-2", "ship-address-3", "ship-city",
    "ship-state", "ship-postal-code", "ship-country", "sales-channel", "customized-url",
    "customized-page", "is-business-order", "purchase-order-number", "price-designation",
    "is-prime", "is-buyer-requested-cancellation", "buyer-requested-cancel-reason",
    "verge-of-cancellation", "verge-of-lateShipment", "signature-confirmation-recommended",
    "buyer-identification-number", "buyer-identification-type",
)
_CURRENCY = {"amazon.com": "USD", "non-amazon": "USD", "amazon.ca": "CAD", "amazon.co.jp": "JPY"}
_COUNTRY = {"amazon.com": "US", "non-amazon": "US", "amazon.ca": "CA", "amazon.co.jp": "JP"}
_TAX = {"USD": 0.07, "CAD": 0.13, "JPY": 0.0}
_PERFORMANCE_IDS = (("ATVPDKIKX0DER", "amazon.com"), ("A2EUQ1WTGCTBG2", "amazon.ca"))


def _stamp(when: dt.datetime, tz: dt.tzinfo) -> str:
    return when.astimezone(tz).isoformat(timespec="seconds")


def _money(value: float, currency: str) -> str:
    return str(int(round(value))) if currency == "JPY" else f"{value:.2f}"


def _tsv(rows) -> str:
    return "".join("\t".join(row) + "\n" for row in rows)


def _channel(order: Order) -> str:
    return "Non-Amazon" if order.marketplace == "non-amazon" else "A" + order.marketplace[1:]


def _sorted(orders):
    return sorted(orders, key=lambda o: (o.purchased, o.order_id))


def all_orders(story: Story) -> str:
    """The All Orders report by order date: one row per item, fields never quoted."""
    rows = [ALL_ORDERS_HEADER]
    for o in _sorted(story.orders):
        currency = _CURRENCY[o.marketplace]
        amazon = o.marketplace != "non-amazon"
        for n, item in enumerate(o.items):
            unit = item.product.price
            price = _money(unit * item.quantity, currency)
            money = [price, _money(unit * item.quantity * _TAX[currency], currency),
                     _money(0, currency), _money(0, currency), "", "", _money(0, currency),
                     _money(0, currency)]
            promo = ""
            if o.promotion and n == 0 and not o.cancelled:
                money[2], money[7] = _money(4.99, currency), _money(-4.99, currency)
                promo = "US Core Free Shipping Promotion 8802141751"
            status = "Shipped" if o.status == "Shipped" else "Unshipped"
            quantity, cur = item.quantity, currency
            if o.status == "Cancelled":
                # As in real downloads: empty item-status, quantity 0, price sometimes kept.
                status, quantity = "", 0
                keep = int(o.order_id[-1]) % 5 < 3
                cur = currency if keep else ""
                money = [repr(float(unit)) if keep else ""] + [""] * 7
            elif item.cancelled:
                status, quantity, money = "Cancelled", 0, [""] * 8
            elif o.status == "Pending":
                money = [""] * 8
            rows.append((
                o.order_id, "" if amazon else f"WEB-{o.buyer:05d}", _stamp(o.purchased, o.offset),
                _stamp(o.updated, o.offset), o.status,
                "Merchant" if o.channel == "MFN" else "Amazon", _channel(o),
                "WebsiteOrderChannel" if amazon else "",
                "Expedited" if o.channel == "AFN" and o.buyer % 4 == 0 else "Standard",
                item.product.name, item.product.sku, item.product.asin, status, str(quantity), cur,
                *money, *o.place, _COUNTRY[o.marketplace], promo, "",
                "true" if o.business else "false",
                f"PO-{o.buyer:05d}" if o.business and o.buyer % 2 else "",
                "BusinessPrice" if o.business and o.buyer % 3 == 0 else "", "false",
            ))
    return _tsv(rows)


def order_report(story: Story, *, days: int = 30) -> str:
    """The Order Report (MFN, last ``days`` days, with fake buyer PII), every row complete.

    Real downloads sometimes drop empty trailing fields; the readers accept that with a
    warning (tested on fixtures), but the sample must open without any warning of its own.
    """
    first = story.end - dt.timedelta(days=days - 1)
    rows = [ORDER_REPORT_HEADER]
    for o in _sorted(story.orders):
        if o.channel != "MFN" or o.status == "Pending" or o.day < first:
            continue
        name = f"Sample Buyer {o.buyer}"
        paid = o.purchased + dt.timedelta(minutes=1 + o.buyer % 29)
        promise = dt.datetime.combine(o.ship_by, dt.time(7, 59, 59), dt.UTC)
        late = ""
        if o.status == "Unshipped":
            late = str(math.floor((story.snapshot - promise) / DAY))
        waiting = o.status == "Unshipped"
        for item in o.items:
            shipped = item.quantity if o.status == "Shipped" and not item.cancelled else 0
            to_ship = item.quantity if waiting else 0
            row = [
                o.order_id, item.item_id, _stamp(o.purchased, dt.UTC),
                _stamp(paid, dt.timezone(dt.timedelta(hours=-7))),
                _stamp(paid + dt.timedelta(minutes=30), dt.UTC), _stamp(promise, dt.UTC), late,
                f"buyer{o.buyer:04d}@example.com", name, "", f"+1 555-01{o.buyer % 100:02d}",
                item.product.sku, str(sum(i.quantity for i in o.items)), item.product.name,
                str(item.quantity), str(shipped), str(to_ship), "Standard",
                f"Std {_COUNTRY[o.marketplace]} D2D Dom", name,
                f"{o.buyer % 900 + 1} Example Street",
                f"Apt {o.buyer % 20 + 1}" if o.buyer % 3 == 0 else "", "", *o.place,
                _COUNTRY[o.marketplace], _channel(o), "", "", "true" if o.business else "false",
                f"PO-{o.buyer:05d}" if o.business and o.buyer % 2 else "",
                "BusinessPrice" if o.business and o.buyer % 3 == 0 else "", "false",
                "true" if o.buyer_request else "false", o.buyer_request or "",
                "true" if waiting and o.ship_by < story.end else "false",
                "true" if waiting and o.ship_by <= story.end else "false", "false", "", "",
            ]
            rows.append(row)
    return _tsv(rows)


def _range(first: dt.date, last: dt.date) -> dict:
    return {"reportingDateFrom": f"{first.isoformat()}T00:00:00Z",
            "reportingDateTo": f"{last.isoformat()}T23:59:59Z"}


def _days(story: Story) -> list[dt.date]:
    return [story.start + dt.timedelta(days=i) for i in range((story.end - story.start).days + 1)]


def cancel_window(story: Story) -> tuple[dt.date, dt.date]:
    """The Seller Performance report's 7-day range: the last 7 full UTC days before the end day."""
    return story.end - dt.timedelta(days=7), story.end - dt.timedelta(days=1)


def seller_performance(story: Story) -> str:
    """``GET_V2_SELLER_PERFORMANCE_REPORT`` JSON for amazon.com and amazon.ca."""
    first, last = cancel_window(story)
    days = _days(story)
    metrics = []
    for marketplace_id, marketplace in _PERFORMANCE_IDS:
        n, c = counted_by_day(story.orders, days, marketplace)
        pick = slice(days.index(first), days.index(last) + 1)
        orders, cancels = int(n[pick].sum()), int(c[pick].sum())
        rate = cancels / orders if orders else 0.0
        mfn = [o for o in story.orders if o.marketplace == marketplace and o.channel == "MFN"]
        afn = [o for o in story.orders if o.marketplace == marketplace and o.channel == "AFN"]
        since30, since60 = last - dt.timedelta(days=29), last - dt.timedelta(days=59)
        shipped = [o for o in mfn if o.status == "Shipped" and since30 <= o.day <= last]
        month = sum(since30 <= o.day <= last for o in mfn)
        late = len(shipped) // 90
        invalid = len(shipped) // 120

        def defects(group, count, since60=since60, mfn=mfn):
            total = sum(since60 <= o.day <= last for o in group)
            return {
                "reportingDateRange": _range(since60, last), "orderCount": total,
                "orderWithDefects": {"count": count, "status": "GOOD"},
                "claims": {"count": count // 2, "status": "NONE"},
                "chargebacks": {"count": 0, "status": "NONE"},
                "negativeFeedback": {"count": count - count // 2, "status": "NONE"},
                "fulfillmentType": "mfn" if group is mfn else "afn", "status": "GOOD",
                "rate": count / total if total else 0.0, "targetValue": 0.01,
                "targetCondition": "LESS_THAN",
            }

        metrics.append({
            "marketplaceId": marketplace_id,
            "preFulfillmentCancellationRate": {
                "reportingDateRange": _range(first, last), "orderCount": orders,
                "cancellationCount": cancels, "status": "GOOD" if rate < 0.025 else "BAD",
                "rate": rate, "targetValue": 0.025, "targetCondition": "LESS_THAN",
            },
            "lateShipmentRate": {
                "reportingDateRange": _range(since30, last), "orderCount": month,
                "lateShipmentCount": late, "status": "GOOD",
                "rate": late / month if month else 0.0, "targetValue": 0.04,
                "targetCondition": "LESS_THAN",
            },
            "validTrackingRate": {
                "reportingDateRange": _range(since30, last), "shipmentCount": len(shipped),
                "validTrackingCount": len(shipped) - invalid, "status": "GOOD",
                "rate": (len(shipped) - invalid) / len(shipped) if shipped else 1.0,
                "targetValue": 0.95, "targetCondition": "GREATER_THAN",
            },
            "orderDefectRate": {"mfn": defects(mfn, len(mfn) // 400),
                                "afn": defects(afn, len(afn) // 300)},
        })
    report = {
        "accountStatuses": [{"marketplaceId": mid, "status": "NORMAL"}
                            for mid, _ in _PERFORMANCE_IDS],
        "performanceMetrics": metrics,
    }
    return json.dumps(report, indent=2) + "\n"


def cancel_download(story: Story) -> str:
    """Account Health "Pre-fulfillment cancel rate" download for the report's 7-day range."""
    first, last = cancel_window(story)
    rows = ["Order Date,Order ID,Impacts Account Health"]
    for o in sorted(story.orders, key=lambda o: (o.day, o.order_id)):
        if (o.marketplace == "amazon.com" and o.channel == "MFN" and o.cancelled
                and first <= o.day <= last):
            rows.append(f"{o.day.isoformat()},{o.order_id},{'No' if o.buyer_request else 'Yes'}")
    return "\n".join(rows) + "\n"


def stockout_log(story: Story, *, tz: dt.tzinfo = dt.UTC, newline: str = "\n") -> str:
    """The kit's stock-out log (template columns, then ``currency`` and ``notes``)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=newline)
    writer.writerow((*STOCKOUT_LOG_COLUMNS, "currency", "notes"))
    for case in story.cases:
        currency = _CURRENCY[case.order.marketplace]
        stamps = [None if t is None else _stamp(t, tz)
                  for t in (case.request, case.reminder, case.official)]
        writer.writerow((
            case.order.order_id, case.order.marketplace, case.sku, _stamp(case.detected, tz),
            case.order.ship_by.isoformat(),
            "" if case.loss is None else _money(case.loss, currency), *stamps, case.resolution,
            "" if case.resolved is None else _stamp(case.resolved, tz), currency,
            case.note,
        ))
    return out.getvalue()


def template() -> str:
    """The stock-out log template: the header line only."""
    return ",".join(STOCKOUT_LOG_COLUMNS) + "\n"


def story_facts(story: Story) -> dict:
    """Numbers the README quotes: window counts, the breach episode, the open cases."""
    days = _days(story)
    n, c = counted_by_day(story.orders, days)
    first, last = cancel_window(story)
    pick = slice(days.index(first), days.index(last) + 1)
    return {
        "breach": [d for d, flag in zip(days, breach_days(n, c), strict=True) if flag],
        "json": (first, last, int(n[pick].sum()), int(c[pick].sum())),
        "current": (int(n[-7:].sum()), int(c[-7:].sum())),
        "mfn_days": (int(n[:-1].min()), int(n[:-1].max())),  # the last day is partial
    }
