"""Benchmark: a backtest over a year of daily start days, 7-day horizon, 5,000 paths each.

A synthetic seller (a year of about 30 MFN orders a day with weekday swings, 4 % stock-outs
in same-SKU bursts, a stock-out log with requests, reminders and losses) is backtested with
``--every 1``. The target is under 60 s on 2 cores. The floor, timed in the same run, is bare
numpy drawing the same paths: Poisson orders and binomial counted cancellations of shape
(7, 5000) for each start day.

Run: ``.venv/bin/python benchmarks/bench_backtest.py``
"""

from __future__ import annotations

import os
import sys
import time

import numpy as np
import pandas as pd

DAYS = 365 + 35
DRAWS = 5_000
HORIZON = 7


def seller(seed: int = 0):
    """Orders (one row per order) and a stock-out log, as the kit builds them from exports."""
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2025-10-01", tz="UTC")
    day = np.arange(DAYS)
    weekday = (day + start.day_of_week) % 7
    per_day = rng.poisson(30 * np.where(weekday >= 5, 0.8, 1.08) * rng.gamma(20, 1 / 20, DAYS))
    order_day = np.repeat(day, per_day)
    n = order_day.size
    seconds = rng.integers(0, 86_400, n)
    purchase = start + pd.to_timedelta(order_day * 86_400 + seconds, unit="s")
    skus = np.array([f"SKU-{i:03d}" for i in range(150)])
    sku = skus[rng.integers(0, skus.size, n)]
    stockout = rng.random(n) < 0.03
    # bursts: the next orders of a SKU that ran dry in the last 2 days stock out too
    last_dry = {}
    for i in np.argsort(purchase.to_numpy(), kind="stable"):
        d = order_day[i]
        if d - last_dry.get(sku[i], -99) <= 2:
            stockout[i] = True
        if stockout[i]:
            last_dry[sku[i]] = d
    resolution = np.where(rng.random(n) < 0.7, "bought", "no_inventory")
    requested = (resolution == "no_inventory") & (rng.random(n) < 0.8)
    official = requested & (rng.random(n) < 0.25)
    resolution = np.where(official, "buyer_cancelled", resolution)
    counted = stockout & (resolution == "no_inventory")
    ids = np.array([f"111-{i:07d}-{(7 * i) % 10_000_000:07d}" for i in range(n)])
    orders = pd.DataFrame({
        "order_id": ids, "marketplace": "amazon.com", "purchase_date": purchase,
        "last_updated_date": purchase + pd.Timedelta(days=1), "in_metric": True,
        "counted": counted,
    })
    s = np.flatnonzero(stockout)
    detected = purchase[s] + pd.Timedelta(hours=2)
    log = pd.DataFrame({
        "order_id": ids[s], "marketplace": "amazon.com", "sku": sku[s],
        "detected_at": detected, "ship_by": detected + pd.Timedelta(days=3),
        "loss_if_bought": pd.array(np.where(resolution[s] == "bought",
                                            rng.uniform(1, 15, s.size).round(2), np.nan),
                                   dtype="Float64"),
        "request_sent_at": detected.where(requested[s]) + pd.Timedelta(hours=1),
        "reminder_sent_at": (detected + pd.Timedelta(days=1)).where(
            requested[s] & ~official[s]),
        "official_request_at": (detected + pd.Timedelta(hours=20)).where(official[s]),
        "resolution": resolution[s],
        "resolved_at": detected + pd.Timedelta(days=1, hours=6),
    })
    return orders, log


def floor(starts: int) -> float:
    rng = np.random.default_rng(1)
    started = time.perf_counter()
    for _ in range(starts):
        o = rng.poisson(30.0, size=(HORIZON, DRAWS))
        rng.binomial(o, 0.012)
    return time.perf_counter() - started


def main() -> int:
    from oos_analysis.forecast.backtest import backtest

    orders, log = seller()
    started = time.perf_counter()
    cpu0 = time.process_time()
    result = backtest(orders, log, horizon=HORIZON, every=1, draws=DRAWS, rng=1)
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu0
    base = floor(len(result.starts))
    print(f"backtest: {len(result.starts)} daily start days, {HORIZON}-day horizon, "
          f"{DRAWS:,} paths each ({len(orders):,} orders, {len(log):,} stock-outs)")
    print(f"{'backtest (estimate + simulate per day)':44}{wall:8.2f} s wall {cpu:8.2f} s CPU"
          "   (target < 60 s)")
    print(f"{'bare numpy draws of the same paths':44}{base:8.2f} s wall   ratio "
          f"{wall / base:5.2f}")
    print(result.verdict)
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    return 0


if __name__ == "__main__":
    sys.exit(main())
