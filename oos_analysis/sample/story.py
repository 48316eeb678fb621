"""The sample seller's orders and stock-outs, as plain Python objects.

:func:`us_story` and :func:`jp_story` draw every order from one ``numpy`` Generator in a fixed
order, then decide which orders ran into a stock-out and how each case ended. The cancellations
that count against the Cancellation Rate are placed on purpose rather than at random, so that every
seed tells the same story: a quiet background, one breach episode of four or five days, and a last
window that is healthy with a small budget left (rule in ``cancellation-rules.md`` section 3:
purchase-day windows D-6..D, breach iff ``40 * counted >= orders``).
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field

import numpy as np

from .catalog import CA_PLACES, US_PLACES, US_PRODUCTS, Product

__all__ = ["Item", "Order", "Case", "Story", "us_story", "counted_by_day", "breach_days"]

UTC = dt.UTC
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)
PACIFIC = dt.timezone(dt.timedelta(hours=-7))
JST = dt.timezone(dt.timedelta(hours=9))
SNAPSHOT_HOUR = 14  # exports pulled at 14:00 UTC on the end day (23:00 in Japan)
HANDLING_DAYS = 4  # ship-by = purchase day + 4 (the shop buys in Japan, then ships)
# UTC hour-of-day weights: US buyers shop in their daytime and evening.
_US_HOURS = np.array(
    [6, 5, 4, 3, 2, 1, 1, 1, 1, 1, 2, 3, 4, 6, 7, 8, 8, 8, 8, 8, 8, 8, 7, 7], float)
# amazon.com MFN mean orders per weekday, Monday first.
_WEEKDAY_MEAN = (31, 30, 29, 28, 26, 23, 27)


@dataclass
class Item:
    product: Product
    quantity: int
    item_id: str
    cancelled: bool = False


@dataclass
class Order:
    order_id: str
    marketplace: str  # amazon.com, amazon.ca, amazon.co.jp or non-amazon
    channel: str  # MFN or AFN
    purchased: dt.datetime
    items: list[Item]
    place: tuple[str, str, str]
    buyer: int
    offset: dt.timezone = UTC
    status: str = "Unshipped"
    updated: dt.datetime | None = None
    business: bool = False
    promotion: bool = False
    # The buyer's reason when they used Amazon's own request flow: the evidence that keeps a
    # cancellation out of the rate (order-report flag, or the log's official_request_at).
    buyer_request: str | None = None

    @property
    def day(self) -> dt.date:
        return self.purchased.date()

    @property
    def ship_by(self) -> dt.date:
        japan = self.marketplace == "amazon.co.jp"
        local = self.purchased.astimezone(JST) if japan else self.purchased
        return local.date() + dt.timedelta(days=HANDLING_DAYS)

    @property
    def cancelled(self) -> bool:
        return self.status == "Cancelled" or any(item.cancelled for item in self.items)


@dataclass
class Case:
    """One stock-out log row."""

    order: Order
    sku: str
    detected: dt.datetime
    resolution: str
    loss: float | None = None
    request: dt.datetime | None = None
    reminder: dt.datetime | None = None
    official: dt.datetime | None = None
    resolved: dt.datetime | None = None
    note: str = ""
    situation: str = ""  # for open cases: which playbook situation it illustrates


@dataclass
class Story:
    start: dt.date
    end: dt.date
    snapshot: dt.datetime
    orders: list[Order]
    cases: list[Case]
    episode: list[dt.date] = field(default_factory=list)


class _Ids:
    def __init__(self, rng: np.random.Generator, prefixes: tuple[str, ...]):
        self.rng, self.prefixes, self.seen = rng, prefixes, set()

    def order(self) -> str:
        while True:
            a, b = self.rng.integers(0, 10**7, size=2)
            value = f"{self.prefixes[self.rng.integers(len(self.prefixes))]}-{a:07d}-{b:07d}"
            if value not in self.seen:
                self.seen.add(value)
                return value

    def item(self) -> str:
        return f"{self.rng.integers(10**13, 10**14):014d}"


def _items(rng, products, ids, multi_share) -> list[Item]:
    weights = np.array([p.weight for p in products], float)
    count = int(rng.choice([2, 2, 3])) if rng.random() < multi_share else 1
    picks = rng.choice(len(products), size=count, replace=False, p=weights / weights.sum())
    return [Item(products[i], 1 if rng.random() < 0.9 else 2, ids.item()) for i in picks]


def _times(rng, day: dt.date, count: int, hours: np.ndarray) -> list[dt.datetime]:
    start = dt.datetime.combine(day, dt.time(), UTC)
    hour = rng.choice(24, size=count, p=hours / hours.sum())
    second = rng.integers(0, 3600, size=count)
    offsets = (int(h * 3600 + s) for h, s in zip(hour, second, strict=True))
    return sorted(start + dt.timedelta(seconds=offset) for offset in offsets)


def _settle(rng, order: Order, snapshot: dt.datetime) -> None:
    """Default life of an order that nothing went wrong with."""
    age = snapshot - order.purchased
    order.updated = order.purchased + dt.timedelta(minutes=int(rng.integers(1, 40)))
    ships = order.purchased + HOUR * float(rng.uniform(40, 90) if order.channel == "MFN"
                                           else rng.uniform(4, 30))
    if age < dt.timedelta(minutes=45):
        order.status, order.updated = "Pending", order.purchased
    elif ships <= snapshot:
        order.status, order.updated = "Shipped", ships
    else:
        order.status = "Unshipped"
    if order.updated > snapshot:
        order.updated = snapshot


def counted_by_day(orders, days, marketplace="amazon.com") -> tuple[np.ndarray, np.ndarray]:
    """Per-day MFN order count and counted-cancellation count (the kit's rule, by UTC day)."""
    index = {d: i for i, d in enumerate(days)}
    n, c = np.zeros(len(days), int), np.zeros(len(days), int)
    for o in orders:
        if o.marketplace == marketplace and o.channel == "MFN" and o.day in index:
            n[index[o.day]] += 1
            c[index[o.day]] += o.cancelled and o.buyer_request is None
    return n, c


def breach_days(n: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Per day: does the window ending that day breach (``40 * c >= n``, partial windows kept)."""
    kernel = np.ones(7, int)
    wn, wc = np.convolve(n, kernel)[: len(n)], np.convolve(c, kernel)[: len(c)]
    return (wn > 0) & (40 * wc >= wn)


def _runs(flags: np.ndarray) -> list[tuple[int, int]]:
    runs, start = [], None
    for i, flag in enumerate(list(flags) + [False]):
        if flag and start is None:
            start = i
        elif not flag and start is not None:
            runs.append((start, i - start))
            start = None
    return runs


def _episode(n: np.ndarray, c: np.ndarray, first: int) -> np.ndarray:
    """Extra counted cancellations on days first..first+3 giving one breach run of 4-5 days."""
    combos = sorted(itertools.product(range(5), repeat=4), key=lambda a: (sum(a), [-x for x in a]))
    for combo in combos:
        extra = np.zeros(len(n), int)
        extra[first:first + 4] = combo
        runs = _runs(breach_days(n, c + extra))
        if len(runs) == 1 and 4 <= runs[0][1] <= 5:
            return extra
    raise RuntimeError("no breach episode fits these order counts")  # pragma: no cover


def _at(day: dt.date, hours: float) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), UTC) + HOUR * hours


def us_story(rng: np.random.Generator, end: dt.date, weeks: int) -> Story:
    days = [end - dt.timedelta(days=7 * weeks - 1 - i) for i in range(7 * weeks)]
    snapshot = _at(end, SNAPSHOT_HOUR)
    us_ids, ca_ids = _Ids(rng, ("111", "112", "113", "114")), _Ids(rng, ("701", "702"))
    mcf_ids = _Ids(rng, ("S01",))
    orders: list[Order] = []

    def add(marketplace, channel, when, ids, places, multi_share):
        order = Order(ids.order(), marketplace, channel, when, _items(rng, US_PRODUCTS, ids,
                      multi_share), places[rng.integers(len(places))], int(rng.integers(1, 10000)))
        order.offset = PACIFIC if rng.random() < 0.15 else UTC
        order.business = bool(rng.random() < 0.03)
        order.promotion = bool(rng.random() < 0.05)
        _settle(rng, order, snapshot)
        orders.append(order)

    for i, day in enumerate(days):
        mean = _WEEKDAY_MEAN[day.weekday()] * (0.95 + 0.1 * i / len(days))
        for when in _times(rng, day, int(np.clip(rng.poisson(mean), 20, 40)), _US_HOURS):
            add("amazon.com", "MFN", when, us_ids, US_PLACES, 0.15)
        for when in _times(rng, day, int(rng.integers(1, 5)), _US_HOURS):
            add("amazon.ca", "MFN", when, ca_ids, CA_PLACES, 0.1)
        for when in _times(rng, day, int(rng.integers(2, 6)), _US_HOURS):
            add("amazon.com", "AFN", when, us_ids, US_PLACES, 0.05)
        if rng.random() < 0.08:
            add("non-amazon", "AFN", _times(rng, day, 1, _US_HOURS)[0], mcf_ids, US_PLACES, 0)
    orders = [o for o in orders if o.purchased < snapshot]
    for o in orders:
        if o.channel == "AFN" and o.status == "Shipped" and rng.random() < 0.03:
            _cancel(o, o.purchased + HOUR * float(rng.uniform(1, 20)), whole=True)
    story = Story(days[0], end, snapshot, orders, [])
    _us_cases(rng, story, days)
    return story


def _cancel(order: Order, when: dt.datetime, *, whole: bool, item: Item | None = None) -> None:
    if whole:
        order.status = "Cancelled"
    else:
        item.cancelled = True
    order.updated = max(order.updated, when) if not whole else when


def _pick(rng, pool: list[Order], *, multi: bool | None = None) -> Order | None:
    choices = [o for o in pool if multi is None or (len(o.items) > 1) == multi]
    if not choices:
        return None
    order = choices[int(rng.integers(len(choices)))]
    pool.remove(order)
    return order


def _us_cases(rng, story: Story, days: list[dt.date]) -> None:
    last = len(days) - 1
    free = {}
    for o in story.orders:
        if o.channel == "MFN" and o.status != "Pending":
            free.setdefault((o.marketplace, o.day), []).append(o)
    pool = lambda market, i: free.get((market, days[i]), [])  # noqa: E731

    def no_inventory(order, *, partial=False, reminder=True):
        start = order.purchased + HOUR * float(rng.uniform(2, 20))
        request = start + HOUR * float(rng.uniform(0.5, 3))
        second = request + HOUR * float(rng.uniform(40, 50)) if reminder else None
        done = (second or request) + HOUR * float(rng.uniform(10, 24))
        item = order.items[-1] if partial else order.items[0]
        _cancel(order, done, whole=not partial, item=item)
        if partial:
            order.status = "Shipped"
            order.updated = max(order.updated, done + HOUR * float(rng.uniform(2, 30)))
        note = ("partial: cancelled one item, shipped the rest" if partial
                else "no stock at Amazon.co.jp, Rakuten or Yahoo")
        story.cases.append(Case(order, item.product.sku, start, "no_inventory", None, request,
                                second, None, done, note))

    def official(order, *, reason="Other"):
        start = order.purchased + HOUR * float(rng.uniform(2, 20))
        request = start + HOUR * float(rng.uniform(0.5, 3))
        arrived = request + HOUR * float(rng.uniform(4, 40))
        done = arrived + HOUR * float(rng.uniform(0.5, 6))
        _cancel(order, done, whole=True)
        order.buyer_request = reason
        story.cases.append(Case(order, order.items[0].product.sku, start, "buyer_cancelled", None,
                                request, None, arrived, done, "buyer used Amazon's cancel request"))

    n, _ = counted_by_day(story.orders, days)
    counted, tail = np.zeros(len(days), int), np.zeros(len(days), int)
    tail[[last - 5, last - 3]] = 1
    kernel = np.ones(7, int)
    wn = np.convolve(n, kernel)[: len(n)]
    # The breach episode: a popular teapot sells out everywhere in Japan for a few days.
    first = max(7, len(days) - 30)
    quiet = set(range(first - 7, first + 14)) | set(range(last - 9, last + 1)) | set(range(7))
    for i in range(len(days)):
        if i in quiet or rng.random() >= 0.3:
            continue
        trial = counted.copy()
        trial[i] += 1
        wc = np.convolve(trial, kernel)[: len(n)]
        if np.all(40 * (wc[i:i + 7] + 1) < wn[i:i + 7]):
            counted = trial
    extra = _episode(n, counted + tail, first)
    story.episode = [days[i] for i in np.flatnonzero(breach_days(n, counted + extra + tail))]
    slots = [(i, bool(extra[i])) for i in range(len(days)) for _ in range(counted[i] + extra[i])]
    kinds = ["whole"] * len(slots)
    episode_slots = [k for k, (_, ep) in enumerate(slots) if ep]
    background = [k for k, (_, ep) in enumerate(slots) if not ep]
    kinds[episode_slots[len(episode_slots) // 2]] = "partial"
    if background:
        kinds[background[-1]] = "partial"
    if len(background) > 1:
        kinds[background[len(background) // 3]] = "unattributed"
    teapot = US_PRODUCTS[0]
    for (i, in_episode), kind in zip(slots, kinds, strict=True):
        order = _pick(rng, pool("amazon.com", i), multi=kind == "partial")
        if order is None:
            kind, order = "whole", _pick(rng, pool("amazon.com", i))
        if in_episode:
            # The sold-out teapot is the item that gets cancelled (the last one of a partial).
            held = [item for item in order.items if item.product == teapot]
            if held:
                order.items.remove(held[0])
                order.items.append(held[0])
            else:
                order.items[-1].product = teapot
        if kind == "unattributed":
            _cancel(order, order.purchased + HOUR * float(rng.uniform(20, 50)), whole=True)
        else:
            no_inventory(order, partial=kind == "partial", reminder=rng.random() < 0.6)
    # The last window: one buyer who only asked by message (counted), one unattributed.
    order = _pick(rng, pool("amazon.com", last - 5), multi=False)
    start = order.purchased + HOUR * float(rng.uniform(2, 12))
    request = start + HOUR
    done = request + HOUR * float(rng.uniform(10, 24))
    _cancel(order, done, whole=True)
    story.cases.append(Case(order, order.items[0].product.sku, start, "buyer_cancelled", None,
                            request, None, None, done,
                            "buyer replied by message, never used Amazon's cancel request"))
    order = _pick(rng, pool("amazon.com", last - 3), multi=False)
    _cancel(order, order.purchased + HOUR * float(rng.uniform(10, 30)), whole=True)
    # Not counted: official buyer requests after a stock-out, and buyers who changed their mind.
    for i in [i for i in range(7, last - 9) if rng.random() < 0.12] + [last - 6]:
        official(_pick(rng, pool("amazon.com", i), multi=False))
    for i, reason in ((last - 20, "Order Created By Mistake"),
                      (last - 4, "Found Cheaper Somewhere Else")):
        order = _pick(rng, pool("amazon.com", i))
        _cancel(order, order.purchased + HOUR * float(rng.uniform(1, 8)), whole=True)
        order.buyer_request = reason
    # amazon.ca: one counted No Inventory early on, one official request.
    ca_days = [i for i in range(7, last - 9) if pool("amazon.ca", i)]
    no_inventory(_pick(rng, pool("amazon.ca", ca_days[len(ca_days) // 3])))
    official(_pick(rng, pool("amazon.ca", ca_days[2 * len(ca_days) // 3])))
    _open_cases(rng, story, days, pool)
    # Most stock-outs are simply bought at a small loss.
    for i in range(last - 1):
        for market in ("amazon.com", "amazon.ca"):
            for order in list(pool(market, i)):
                if rng.random() < 0.025:
                    pool(market, i).remove(order)
                    _bought(rng, story, order)
    story.cases.sort(key=lambda case: (case.detected, case.order.order_id))


def _bought(rng, story: Story, order: Order) -> None:
    start = order.purchased + HOUR * float(rng.uniform(2, 20))
    done = start + HOUR * float(rng.uniform(1, 10))
    loss = round(float(rng.uniform(0.5, 14)), 2)
    ships = done + HOUR * float(rng.uniform(20, 40))
    if ships <= story.snapshot:
        order.status, order.updated = "Shipped", ships
    else:
        order.status, order.updated = "Unshipped", done
    note = "" if rng.random() < 0.6 else "only Rakuten had it, price went up"
    story.cases.append(Case(order, order.items[0].product.sku, start, "bought", loss, None, None,
                            None, done, note))


def _open_cases(rng, story: Story, days, pool) -> None:
    """Open cases for as-of = end day, one per playbook situation; all dated before that day."""
    last = len(days) - 1

    def earliest(i):
        candidates = sorted((o for o in pool("amazon.com", i) if len(o.items) == 1),
                            key=lambda o: o.purchased)
        pool("amazon.com", i).remove(candidates[0])
        order = candidates[0]
        order.status, order.updated = "Unshipped", order.purchased + dt.timedelta(minutes=12)
        return order

    end0 = _at(days[last], 0)
    plans = [
        (1, "buy at a loss: a source has it", "Yahoo shop has it, a little over our price",
         dict(loss=round(float(rng.uniform(3, 9)), 2))),
        (1, "send the cancellation request: no source, nothing sent yet",
         "sold out at Amazon.co.jp, Rakuten and Yahoo", {}),
        (2, "wait: request sent yesterday", "asked buyer to cancel via Amazon's page",
         dict(request=end0 - HOUR * 14)),
        (3, "send the reminder: request two days old", "asked buyer to cancel, no answer yet",
         dict(request=1.0)),
        (3, "cancel as Buyer Cancelled: Amazon's request mail arrived",
         "Amazon cancellation request mail received", dict(request=1.5, official=end0 - HOUR * 8)),
        (4, "cancel as No Inventory: reminder sent, ship-by day reached",
         "reminder sent, still no answer", dict(request=1.0, reminder=end0 - HOUR * 30)),
        (6, "past its ship-by day: reminder sent, still open",
         "reminder sent; nobody followed up", dict(request=1.0, reminder=end0 - HOUR * 80)),
    ]
    for back, situation, note, plan in plans:
        order = earliest(last - back)
        detected = order.purchased + HOUR * 2
        request = plan.get("request")
        if isinstance(request, float):
            request = detected + HOUR * request
        case = Case(order, order.items[0].product.sku, detected, "open", plan.get("loss"),
                    request, plan.get("reminder"), plan.get("official"), None, note,
                    situation)
        if case.official is not None:
            order.buyer_request = "Other"
        stamps = [order.purchased, detected, request, case.reminder, case.official, end0]
        stamps = [s for s in stamps if s is not None]
        assert stamps == sorted(stamps), situation
        story.cases.append(case)
