"""The store's merge and month files, against a brute force and against the plain pandas path.

* ``_contested`` (which stored or new rows lose) gives what a brute force over every key gives:
  per key the row with the newest date wins (a missing date is older than any), ties to the later
  row (without a date column, the later row); order ids compared as the integers of
  ``io.order_keys``, odd ids and missing ones included; the same when the orders of one row on
  each side are settled pair by pair (``_pairs``).
* ``write_parts`` writes the new rows from one Arrow table, a batch of months at a time; its
  files are byte for byte the files of the frame's own ``to_parquet``, month by month (the path
  it takes for frames Arrow cannot stand for), with stored rows losing and new rows losing.
"""

from __future__ import annotations

import hashlib
from concurrent.futures import ThreadPoolExecutor

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from oos_analysis.io.order_keys import order_keys
from oos_analysis.store import parts

_IDS = ["111-0000001-0000001", "111-0000001-0000002", "S01-0000001", " 111-0000001-0000001",
        "", None]
_DAYS = [None, "2026-01-31 23:00", "2026-02-01 01:00", "2026-02-01 01:00", "2025-12-01 00:00",
         "2026-03-15 12:00"]
# line numbers: mostly small ones (compared as they are), sometimes odd ones (factorized)
_row = st.tuples(st.sampled_from(_IDS), st.sampled_from(["A", "B", None]),
                 st.sampled_from([0, 1, 0, 1, -1, 1 << 40]), st.sampled_from(_DAYS))


def _deciding(rows, start: int) -> pd.DataFrame:
    frame = pd.DataFrame({
        "order_id": pd.Series([r[0] for r in rows], dtype="str"),
        "sku": pd.Series([r[1] for r in rows], dtype="str"),
        "sku_line": pd.Series([r[2] for r in rows], dtype="int64"),
        "last_updated_date": pd.to_datetime(pd.Series([r[3] for r in rows], dtype=object),
                                            utc=True).astype("datetime64[s, UTC]"),
    })
    return frame.set_axis(pd.RangeIndex(start, start + 3 * len(rows), 3))  # labels, not rows


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(_row, max_size=6), min_size=1, max_size=4),
       st.sampled_from(["all_orders", "cancel_download"]))
def test_losing_rows_are_those_of_a_brute_force(frames, kind):
    frames = [_deciding(rows, 10 * n) for n, rows in enumerate(frames)]
    keys, newest = parts.MERGE_RULES[kind]  # the cancel download: the later row wins
    if newest is None:
        frames = [f[list(keys)] for f in frames]
    sources, labels = parts._contested(frames, keys, newest)
    best = {}  # key -> (has a date, the date, position), (frame, label) of the winner so far
    rows = [(n, label, r) for n, f in enumerate(frames) for label, r in f.iterrows()]
    for position, (n, label, r) in enumerate(rows):
        key = tuple(None if pd.isna(r[c]) else r[c] for c in keys)
        dated = newest is not None and pd.notna(r[newest])
        rank = (dated, r[newest].value if dated else 0, position)
        if key not in best or rank > best[key][0]:
            best[key] = (rank, (n, label))
    winners = {w for _, w in best.values()}
    want = sorted((n, label) for n, label, _ in rows if (n, label) not in winners)
    assert sorted(zip(sources.tolist(), labels.tolist(), strict=True)) == want
    # the last frame as an import into the others: the orders of one row on each side are
    # settled pair by pair, the others grouped; the same rows lose
    ids = parts._id_codes(*order_keys(*(f["order_id"] for f in frames)))
    pairs = parts._pairs(ids[0][:-1], ids[0][-1], ids[1])
    sources, labels = parts._contested(frames, keys, newest, ids, pairs)
    assert sorted(zip(sources.tolist(), labels.tolist(), strict=True)) == want


def _orders(rows, start: int) -> pd.DataFrame:
    """All Orders rows as the reader gives them (the columns and dtypes that matter here)."""
    n = len(rows)
    return pd.DataFrame({
        "order_id": pd.Series([f"111-0000000-{start + i % 5:07d}" for i in range(n)], dtype="str"),
        "purchase_date": pd.to_datetime(pd.Series([r[0] for r in rows], dtype=object),
                                        utc=True).astype("datetime64[s, UTC]"),
        "last_updated_date": pd.Series(pd.Timestamp("2026-04-01", tz="UTC"), index=range(n))
        + pd.to_timedelta([r[1] for r in rows], unit="h"),
        "order_status": pd.Series([r[2] for r in rows], dtype="str"),
        "quantity": pd.Series([r[1] for r in rows], dtype="Int64"),
        "item_price": pd.Series([None if r[1] == 2 else r[1] * 1.5 for r in rows],
                                dtype="Float64"),
        "is_business_order": pd.Series([r[1] == 1 for r in rows], dtype="boolean"),
        "sku": pd.Series(["SKU-1"] * n, dtype="str"),
        "sku_line": pd.Series([i // 5 for i in range(n)], dtype="int64"),
    }).astype({"last_updated_date": "datetime64[s, UTC]"})


_order_row = st.tuples(st.sampled_from(_DAYS), st.integers(0, 3),
                       st.sampled_from(["Shipped", "Cancelled", None]))


def _written(folder) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


@settings(max_examples=40, deadline=None)
@given(st.lists(_order_row, max_size=12), st.lists(_order_row, max_size=12), st.booleans(),
       st.integers(1, 4))
def test_month_files_are_the_bytes_of_the_frames_own_parquet(tmp_path_factory, stored, new,
                                                             two_files, batch):
    root = tmp_path_factory.mktemp("parts")
    frames = [_orders(stored, 0)]
    dtypes = {str(c): str(t) for c, t in frames[0].dtypes.items()}
    incoming = [_orders(new, 2)] + ([_orders(new[::-1], 3)] if two_files else [])
    results, firsts = {}, {}
    with ThreadPoolExecutor(2) as pool:
        for way in ("arrow", "pandas"):
            saved = parts._as_written, parts._BATCH
            try:
                parts._BATCH = batch  # several batches of months even for a few rows
                if way == "pandas":
                    parts._as_written = lambda frame: None
                # into an empty store (nothing to merge with), then into that store
                base = parts.write_parts("all_orders", [], frames, dtypes,
                                         root / f"base-{way}", pool)
                firsts[way] = (base, _written(root / f"base-{way}"))
                old = [{"path": root / f"base-{way}" / p["file"],
                        "month": parts._code(p["month"]), "rows": p["rows"]} for p in base]
                listed = parts.write_parts("all_orders", old, incoming, dtypes, root / way, pool)
            finally:
                parts._as_written, parts._BATCH = saved
            results[way] = (listed, _written(root / way))
    assert firsts["arrow"] == firsts["pandas"]
    assert results["arrow"] == results["pandas"]
    assert sum(p["rows"] for p in results["arrow"][0]) <= len(stored) + len(new) * (1 + two_files)
