"""A zoo of sellers: sample exports shaped like the inputs real sellers have, for tests and trials.

:func:`generate_profile` writes one seller's files, flat in a folder, named as Seller Central names
its downloads (``all-orders.txt``, ``order-report.txt``, ``seller-performance.json``,
``account-health-cancel-rate.csv``, ``stockout-log.csv``). Each profile is the default sample's
story (:mod:`oos_analysis.sample.story`) cut or changed one way:

============  ====================================================================================
profile       the seller
============  ====================================================================================
default       the committed sample's US seller, every file (``data/sample/us/``)
small         fewer than 40 MFN orders a week, with its stuck orders and log
jp            the amazon.co.jp shop alone: All Orders and the log in cp932
multi         amazon.com, amazon.ca and amazon.co.jp: two All Orders exports and two logs
no-log        every Amazon file, but no stock-out log
no-cancel     a seller without a single cancellation (and an empty log)
all-unknown   cancellations no file attributes: All Orders and Seller Performance only
short         an All Orders export of the last 5 days, with the log
big           a year of history (52 weeks), All Orders and the log
============  ====================================================================================

``data/sample/`` stays exactly what :func:`~oos_analysis.sample.generate_sample` writes; the
profiles never touch it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import numpy as np

from ..exceptions import ParameterError
from . import DEFAULT_END, DEFAULT_SEED, _end_day, formats
from .japan import jp_story
from .story import JST, Story, us_story

__all__ = ["PROFILES", "generate_profile"]

PROFILES = ("default", "small", "jp", "multi", "no-log", "no-cancel", "all-unknown", "short",
            "big")
"""The profile names, in the order of the module docstring."""

_SMALL_SHARE = 0.08  # of amazon.com's ~28 MFN orders a day: with the stuck ones, under 40 a week
_SHORT_DAYS = 5


def _thin(story: Story, rng: np.random.Generator, share: float) -> Story:
    """Keep every order of a stock-out case and ``share`` of the others."""
    stuck = {case.order.order_id for case in story.cases}
    keep = [o for o in story.orders if o.order_id in stuck or rng.random() < share]
    return dataclasses.replace(story, orders=keep)


def _recent(story: Story, days: int) -> Story:
    first = story.end - dt.timedelta(days=days - 1)
    orders = [o for o in story.orders if o.day >= first]
    kept = {o.order_id for o in orders}
    cases = [c for c in story.cases if c.order.order_id in kept]
    return dataclasses.replace(story, start=first, orders=orders, cases=cases)


def _without_cancellations(story: Story) -> Story:
    for order in story.orders:
        if order.cancelled:
            order.status = "Shipped"
            order.buyer_request = None
            for item in order.items:
                item.cancelled = False
    return dataclasses.replace(story, cases=[])


def _us(story: Story, names=("all-orders.txt", "order-report.txt", "seller-performance.json",
                             "account-health-cancel-rate.csv", "stockout-log.csv")) -> dict:
    render = {
        "all-orders.txt": lambda: formats.all_orders(story),
        "order-report.txt": lambda: formats.order_report(story),
        "seller-performance.json": lambda: formats.seller_performance(story),
        "account-health-cancel-rate.csv": lambda: formats.cancel_download(story),
        "stockout-log.csv": lambda: formats.stockout_log(story),
    }
    return {name: (render[name](), "utf-8") for name in names}


def _jp(story: Story, suffix: str = "") -> dict:
    return {
        f"all-orders{suffix}.txt": (formats.all_orders(story), "cp932"),
        f"stockout-log{suffix}.csv": (formats.stockout_log(story, tz=JST, newline="\r\n"),
                                      "cp932"),
    }


def generate_profile(out_dir, profile: str, *, seed: int = DEFAULT_SEED,
                     end=DEFAULT_END) -> dict[str, Path]:
    """Write the files of one seller profile into ``out_dir``; return name -> path.

    Parameters
    ----------
    out_dir : str or Path
        Created if missing; the profile's files are overwritten, other files left alone.
    profile : str
        One of :data:`PROFILES`.
    seed : int, default 2026
    end : str or date, default "2026-11-24"
        The last day of data.

    Raises
    ------
    ParameterError
        An unknown profile (the message lists them).

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     sorted(generate_profile(folder, "jp"))
    ['all-orders.txt', 'stockout-log.csv']
    """
    if profile not in PROFILES:
        raise ParameterError(
            f"unknown sample profile {profile!r}; expected one of {', '.join(PROFILES)}."
        )
    end_day = _end_day(end)
    rng = np.random.default_rng(seed)
    weeks = {"big": 52, "default": 13}.get(profile, 5)
    us = us_story(rng, end_day, weeks)
    if profile in ("default", "big"):
        names = None if profile == "default" else ("all-orders.txt", "stockout-log.csv")
        texts = _us(us) if names is None else _us(us, names)
    elif profile == "small":
        texts = _us(_thin(us, rng, _SMALL_SHARE))
    elif profile == "jp":
        texts = _jp(jp_story(rng, end_day))
    elif profile == "multi":
        texts = {**_us(us, ("all-orders.txt", "stockout-log.csv")),
                 **_jp(jp_story(rng, end_day), "-jp")}
    elif profile == "no-log":
        texts = _us(us, ("all-orders.txt", "order-report.txt", "seller-performance.json",
                         "account-health-cancel-rate.csv"))
    elif profile == "no-cancel":
        texts = _us(_without_cancellations(us), ("all-orders.txt", "order-report.txt",
                                                 "seller-performance.json", "stockout-log.csv"))
    elif profile == "all-unknown":
        texts = _us(us, ("all-orders.txt", "seller-performance.json"))
    else:  # short
        texts = _us(_recent(us, _SHORT_DAYS), ("all-orders.txt", "stockout-log.csv"))
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = {}
    for name, (text, encoding) in texts.items():
        path = out / name
        path.write_bytes(text.encode(encoding))
        written[name] = path
    return written
