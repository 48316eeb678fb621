"""Shared helpers for the benchmark scripts: a synthetic All Orders export and process timing.

``write_all_orders`` writes a realistic tab-separated All Orders report (the 33-column 2022 SP-API
layout) without a per-row Python loop, so a million rows take a few seconds. ``measure`` runs a
command in its own process under ``/usr/bin/time -v`` and returns its wall time and peak RSS, so the
kit and a baseline are compared whole process against whole process.
"""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

# Every process measured, the kit's and the baselines', runs as the kit's command line does:
# OpenBLAS on one thread (see oos_analysis.cli), inherited from here.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

__all__ = ["ALL_ORDERS_HEADER", "write_all_orders", "measure", "median_measure", "WORK",
           "cached_all_orders", "alternate", "alternate_runs", "load_note", "verdict"]

ALL_ORDERS_HEADER = (
    "amazon-order-id merchant-order-id purchase-date last-updated-date order-status "
    "fulfillment-channel sales-channel order-channel ship-service-level product-name sku asin "
    "item-status quantity currency item-price item-tax shipping-price shipping-tax gift-wrap-price "
    "gift-wrap-tax item-promotion-discount ship-promotion-discount ship-city ship-state "
    "ship-postal-code ship-country promotion-ids cpf is-business-order purchase-order-number "
    "price-designation signature-confirmation-recommended"
).split()

_PRODUCTS = np.array(
    [
        "Beyond Meat Beyond Burger Plant-Based Patties 2 pk, 8 oz (Frozen)",
        '"Kyoto" matcha whisk set',
        "Hario V60 Ceramic Coffee Dripper Size 02 | White",
        "Zojirushi Stainless Mug 480ml ",
        "Pilot Kakuno Fountain Pen, Fine Nib",
        "Tenugui cotton hand towel 90x35cm",
        "Shun Classic 8-inch Chef's Knife",
        "Muji Gel Ink Ballpoint Pen 0.5mm 10 pack",
    ]
)
_CHANNELS = np.array(["Amazon.com", "Amazon.ca", "Amazon.com.mx", "Non-Amazon"])
_CURRENCY = np.array(["USD", "CAD", "MXN", "USD"])
_STATES = np.array(["TX", "FL", "PA", "IL", "CA", "NY", "WA", "GA"])
_CITIES = np.array(["AUSTIN", "MIAMI", "PITTSBURGH", "CHICAGO", "SAN JOSE", "ALBANY", "SEATTLE"])


def _iso(seconds: np.ndarray, offset_hours: np.ndarray) -> pa.Array:
    """Render epoch seconds as ISO 8601 local times with a ``+HH:MM``/``-HH:MM`` offset."""
    local = (seconds + offset_hours * 3600).astype("datetime64[s]")
    text = np.datetime_as_string(local, unit="s")
    suffix = np.where(offset_hours == 0, "+00:00", "-07:00")
    return pc.binary_join_element_wise(pa.array(text), pa.array(suffix), "")


def _digits(values: np.ndarray, width: int) -> pa.Array:
    return pc.utf8_lpad(pa.array(values.astype(str)), width=width, padding="0")


def write_all_orders(path: str | os.PathLike, rows: int, *, seed: int = 0, days: int = 90,
                     start: str = "2026-08-26", unsorted: bool = False) -> Path:
    """Write a synthetic All Orders report with ``rows`` order-item rows and return its path.

    About 15 % of orders have two or three items (consecutive rows sharing the order id and dates),
    about 4 % of orders are cancelled (status ``Cancelled``, empty item status, quantity 0 as in real
    files), 20 % are fulfilled by Amazon, one order in twenty has its timestamps written with a
    ``-07:00`` offset, and one product name in eight starts with a double quote. Purchases fall in
    the ``days`` days from ``start``, in date order unless ``unsorted`` (a multi-year backfill
    written in no particular order: orders shuffled, the items of an order kept together).
    """
    rng = np.random.default_rng(seed)
    path = Path(path)
    items_per_order = rng.choice([1, 2, 3], size=rows, p=[0.85, 0.1, 0.05])
    order_index = np.repeat(np.arange(rows), items_per_order)[:rows]
    n_orders = int(order_index[-1]) + 1 if rows else 0

    first = np.datetime64(f"{start}T00:00:00", "s").astype(np.int64)
    purchase = np.sort(first + rng.integers(0, days * 86400, size=n_orders))
    if unsorted:
        purchase = purchase[np.random.default_rng(seed + 1).permutation(n_orders)]
    updated = purchase + rng.integers(600, 5 * 86400, size=n_orders)
    cancelled = rng.random(n_orders) < 0.04
    afn = rng.random(n_orders) < 0.2
    channel = rng.choice(len(_CHANNELS), size=n_orders, p=[0.8, 0.1, 0.07, 0.03])
    oid_a = rng.integers(111, 115, size=n_orders)
    oid_b = rng.integers(0, 10_000_000, size=n_orders)
    oid_c = rng.integers(0, 10_000_000, size=n_orders)

    o = order_index
    offset = np.where(rng.random(n_orders) < 0.05, -7, 0)[o]
    product = rng.integers(0, len(_PRODUCTS), size=rows)
    quantity = np.where(cancelled[o], 0, rng.integers(1, 4, size=rows))
    price = np.round(rng.uniform(5, 120, size=rows) * np.maximum(quantity, 1), 2)
    first_row = np.searchsorted(order_index, order_index)
    # distinct SKUs within an order: one order item per SKU, as in real files
    sku_n = (rng.integers(0, 5000, size=n_orders)[o] + 7 * (np.arange(rows) - first_row)) % 5000
    empty = pa.nulls(rows, pa.string()).fill_null("")

    order_id = pc.binary_join_element_wise(
        pa.array(oid_a[o].astype(str)), _digits(oid_b[o], 7), _digits(oid_c[o], 7), "-"
    )
    columns = {
        "amazon-order-id": order_id,
        "merchant-order-id": empty,
        "purchase-date": _iso(purchase[o], offset),
        "last-updated-date": _iso(updated[o], offset),
        "order-status": pa.array(np.where(cancelled[o], "Cancelled", "Shipped")),
        "fulfillment-channel": pa.array(np.where(afn[o], "Amazon", "Merchant")),
        "sales-channel": pa.array(_CHANNELS[channel[o]]),
        "order-channel": pa.array(np.where(afn[o], "", "WebsiteOrderChannel")),
        "ship-service-level": pa.array(rng.choice(["Standard", "Expedited"], size=rows)),
        "product-name": pa.array(_PRODUCTS[product]),
        "sku": pc.binary_join_element_wise(pa.array(["SKU"] * rows), _digits(sku_n, 5), "-"),
        "asin": pc.binary_join_element_wise(pa.array(["B0"] * rows), _digits(sku_n, 8), ""),
        "item-status": pa.array(np.where(cancelled[o], "", "Shipped")),
        "quantity": pa.array(quantity.astype(str)),
        "currency": pa.array(_CURRENCY[channel[o]]),
        "item-price": pa.array(np.char.mod("%.2f", price)),
        "item-tax": pa.array(np.char.mod("%.2f", np.round(price * 0.08, 2))),
        "shipping-price": pa.array(np.where(afn[o], "0.00", "4.99")),
        "shipping-tax": empty,
        "gift-wrap-price": empty,
        "gift-wrap-tax": empty,
        "item-promotion-discount": empty,
        "ship-promotion-discount": empty,
        "ship-city": pa.array(rng.choice(_CITIES, size=rows)),
        "ship-state": pa.array(rng.choice(_STATES, size=rows)),
        "ship-postal-code": _digits(rng.integers(0, 99999, size=rows), 5),
        "ship-country": pa.array(np.where(channel[o] == 1, "CA", "US")),
        "promotion-ids": empty,
        "cpf": empty,
        "is-business-order": pa.array(np.where(rng.random(rows) < 0.05, "true", "false")),
        "purchase-order-number": empty,
        "price-designation": empty,
        "signature-confirmation-recommended": pa.array(["false"] * rows),
    }
    assert list(columns) == ALL_ORDERS_HEADER
    lines = pc.binary_join_element_wise(*columns.values(), "\t")
    with path.open("wb") as fh:
        fh.write(("\t".join(ALL_ORDERS_HEADER) + "\n").encode())
        chunk = 200_000
        for begin in range(0, rows, chunk):
            part = lines.slice(begin, chunk).to_pylist()
            fh.write(("\n".join(part) + "\n").encode("utf-8"))
    return path


def measure(argv: list[str]) -> tuple[float, float]:
    """Run ``argv`` in a fresh process; return (wall seconds, peak RSS in MiB).

    Uses ``/usr/bin/time -v`` for the peak RSS of that one process; raises ``RuntimeError`` with the
    process's error output if it fails.
    """
    return measure_cpu(argv)[:2]


def measure_cpu(argv: list[str]) -> tuple[float, float, float]:
    """:func:`measure`, and the CPU seconds (user + system) of the process as a third figure.

    Files written before (an export just generated, a store just copied) are written back to
    disk first, so that the timed run does not share the machine with that write-back.
    """
    os.sync()
    started = time.perf_counter()
    done = subprocess.run(
        ["/usr/bin/time", "-v", *argv], capture_output=True, text=True, check=False
    )
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"{argv!r} failed ({done.returncode}):\n{done.stderr}")
    found = re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)
    peak = int(found.group(1)) / 1024 if found else float("nan")
    cpu = sum(float(m) for m in re.findall(r"(?:User|System) time \(seconds\): ([\d.]+)",
                                          done.stderr))
    return wall, peak, cpu


def median_measure(argv: list[str], repeat: int = 3) -> tuple[float, float]:
    """Median wall time and median peak RSS of ``repeat`` runs of ``argv``."""
    runs = [measure(argv) for _ in range(repeat)]
    return statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)


if __name__ == "__main__":  # pragma: no cover - handy for making a file by hand
    write_all_orders(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 1000)


WORK = Path(__file__).resolve().parent / "_work"


def cached_all_orders(rows: int, *, seed: int = 0, **shape) -> Path:
    """``write_all_orders`` into ``benchmarks/_work/`` (git-ignored), once per shape."""
    WORK.mkdir(exist_ok=True)
    tag = "-".join(f"{k}{v}" for k, v in sorted(shape.items()))
    path = WORK / f"all-orders-{rows}-s{seed}{'-' + tag if tag else ''}.txt"
    if not path.exists():
        partial = path.with_suffix(".part")
        write_all_orders(partial, rows, seed=seed, **shape)
        partial.rename(path)
    return path


def _cpu_children() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def alternate_runs(commands: dict[str, list[str]], repeat: int = 3, *,
                   before=None) -> dict[str, list[tuple[float, float, float]]]:
    """Run every command ``repeat`` times, round-robin (kit and baseline see the same machine).

    ``before(name)``, if given, runs before each timed run (e.g. to copy a fresh store). Returns
    name -> one (wall s, peak RSS MiB, CPU s of the process) per run, in order.
    """
    runs: dict[str, list[tuple[float, float, float]]] = {name: [] for name in commands}
    for _ in range(repeat):
        for name, argv in commands.items():
            if before is not None:
                before(name)
            cpu = _cpu_children()
            wall, peak = measure(argv)
            runs[name].append((wall, peak, _cpu_children() - cpu))
    return runs


def alternate(commands: dict[str, list[str]], repeat: int = 3, *,
              before=None) -> dict[str, tuple[float, float, float]]:
    """:func:`alternate_runs`, each command's runs as their medians: name -> (median wall s,
    median peak RSS MiB, median CPU s of the process)."""
    return {name: tuple(statistics.median(r[i] for r in got) for i in range(3))
            for name, got in alternate_runs(commands, repeat, before=before).items()}


def load_note() -> str:
    """The 1-minute load average and the CPU count, for the reader to judge the noise."""
    return f"1-min load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPU(s)"


def verdict(ratio: float, target: float) -> str:
    return "meets" if ratio <= target else "MISSES"
