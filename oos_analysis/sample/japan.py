"""The small amazon.co.jp variant: a few weeks of a Japanese shop, for encodings and offsets.

It exists to exercise what differs in Japan: cp932 files, ``+09:00`` timestamps, Japanese product
names and a stock-out log written in Japanese. Orders are drawn like the US ones
(:mod:`oos_analysis.sample.story`), a handful of them run into a stock-out, and two cases are still
open on the last day.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from .catalog import JP_PLACES, JP_PRODUCTS
from .story import (
    _US_HOURS,
    HOUR,
    JST,
    SNAPSHOT_HOUR,
    Case,
    Order,
    Story,
    _at,
    _cancel,
    _Ids,
    _items,
    _settle,
    _times,
)

__all__ = ["jp_story"]

_JP_HOURS = np.roll(_US_HOURS, -9)  # the same daily shape, nine hours earlier (JST daytime)


def jp_story(rng: np.random.Generator, end: dt.date, days_back: int = 18) -> Story:
    days = [end - dt.timedelta(days=days_back - 1 - i) for i in range(days_back)]
    snapshot = _at(end, SNAPSHOT_HOUR)
    ids = _Ids(rng, ("249", "250", "503"))
    orders = []
    for day in days:
        for channel, count in (("MFN", int(rng.integers(3, 9))), ("AFN", int(rng.integers(0, 3)))):
            for when in _times(rng, day, count, _JP_HOURS):
                order = Order(ids.order(), "amazon.co.jp", channel, when,
                              _items(rng, JP_PRODUCTS, ids, 0.1),
                              JP_PLACES[rng.integers(len(JP_PLACES))], int(rng.integers(1, 10000)),
                              offset=JST)
                _settle(rng, order, snapshot)
                orders.append(order)
    orders = [o for o in orders if o.purchased < snapshot]
    story = Story(days[0], end, snapshot, orders, [])
    mfn = [o for o in orders if o.channel == "MFN" and o.status != "Pending" and len(o.items) == 1]
    old = [o for o in mfn if o.day <= days[-6]]
    recent = [o for o in mfn if days[-3] <= o.day < days[-1]]
    picks = [old[i] for i in rng.choice(len(old), size=4, replace=False)]
    endings = ("bought", "no_inventory", "no_inventory", "buyer_cancelled")
    for order, resolution in zip(picks, endings, strict=True):
        start = order.purchased + HOUR * float(rng.uniform(1, 6))
        if resolution == "bought":
            done = start + HOUR * 3
            order.status, order.updated = "Shipped", done + HOUR * 20
            story.cases.append(Case(order, order.items[0].product.sku, start, "bought",
                                    float(int(rng.integers(2, 12)) * 100), None, None, None, done,
                                    "メルカリで確保、赤字"))
            continue
        request = start + HOUR
        arrived = request + HOUR * 20 if resolution == "buyer_cancelled" else None
        reminder = None if arrived else request + HOUR * 48
        done = (arrived or reminder) + HOUR * 6
        _cancel(order, done, whole=True)
        if arrived:
            order.buyer_request = "Other"
        note = "購入者様がキャンセル手続き済み" if arrived else (
            "楽天・Yahoo!ショッピングとも在庫切れ")
        story.cases.append(Case(order, order.items[0].product.sku, start, resolution, None,
                                request, reminder, arrived, done, note))
    first_two = sorted(recent, key=lambda o: o.purchased)[:2]
    for order, request in zip(first_two, (True, False), strict=True):
        order.status, order.updated = "Unshipped", order.purchased + dt.timedelta(minutes=5)
        start = order.purchased + HOUR * 2
        story.cases.append(Case(order, order.items[0].product.sku, start, "open", None,
                                start + HOUR if request else None, None, None, None,
                                "キャンセル依頼メール送信済み" if request else "仕入れ先を確認中"))
    story.cases.sort(key=lambda case: (case.detected, case.order.order_id))
    return story
