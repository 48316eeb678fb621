"""The store's fast paths change no part file and no output.

A multi-year export written in no date order (a backfill) is made from the sample's All Orders
report. Its part files must be, byte for byte, what writing each month's rows on their own gives (with
the store's Parquet options);
reading the store back, whole or a few columns, must give the rows the readers give; and ``rate
--store`` must print what ``rate`` on the files prints.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import io
import json
import random
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from oos_analysis import store
from oos_analysis.cli import main
from oos_analysis.io.readers import read_export, read_exports
from oos_analysis.metric.orders import INPUT_COLUMNS, orders_from_exports
from oos_analysis.store import importer, parts

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "sample" / "us" / "all-orders.txt"
STAMP = _dt.datetime(2026, 11, 1, 12, 0, 0, tzinfo=_dt.UTC)


class _Frozen(_dt.datetime):
    @classmethod
    def now(cls, tz=None):
        return STAMP.astimezone(tz)


@pytest.fixture
def frozen(monkeypatch):
    monkeypatch.setattr(importer, "datetime", _Frozen)


def _backfill(folder: Path, *, changed: bool = False) -> Path:
    """The sample's rows moved into 2023-2026 (by order id) and shuffled; ``changed`` alters the
    ship service level of every other order, so those stored items lose to the new ones."""
    header, *rows = SAMPLE.read_text(encoding="utf-8").splitlines()
    out = []
    for row in rows:
        cells = row.split("\t")
        year = 2023 + int(hashlib.sha256(cells[0].encode()).hexdigest(), 16) % 4
        cells[2] = f"{year}{cells[2][4:]}"
        cells[3] = f"{year}{cells[3][4:]}"
        if changed and int(cells[0][-1]) % 2:
            cells[8] = "Expedited" if cells[8] == "Standard" else "Standard"
        out.append("\t".join(cells))
    random.Random(7).shuffle(out)
    path = folder / ("backfill-changed.txt" if changed else "backfill.txt")
    path.write_text("\n".join([header, *out]) + "\n", encoding="utf-8")
    return path


def _parts(root: Path) -> dict[str, bytes]:
    live = store.lock.current_version(root)
    return {p.name: p.read_bytes() for p in sorted((live / "all_orders").glob("*.parquet"))}


def test_part_files_are_each_months_rows_written_alone(tmp_path, frozen):
    export = _backfill(tmp_path)
    store.import_files([export], store=tmp_path / "s")
    frame = importer.with_provenance(read_export(export).frame, export.name,
                                     hashlib.sha256(export.read_bytes()).hexdigest(),
                                     pd.Timestamp(STAMP).as_unit("us"))
    days = frame["purchase_date"].dt.tz_localize(None).to_numpy()
    months = days.astype("datetime64[M]")
    expected = {}
    for month in np.unique(months):
        buffer = io.BytesIO()
        frame[months == month].to_parquet(buffer, engine="pyarrow", index=False,
                                          **parts.parquet_options(frame.columns))
        expected[f"{month}.parquet"] = buffer.getvalue()
    assert len(expected) >= 10  # the export spans many months, in no order
    assert _parts(tmp_path / "s") == expected


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    drop = [c for c in store.PROVENANCE_COLUMNS if c in frame]
    return (frame.drop(columns=drop).sort_values(["order_id", "sku"], kind="stable")
            .reset_index(drop=True))


def test_changed_items_into_a_backfilled_store(tmp_path, frozen):
    first, second = _backfill(tmp_path), _backfill(tmp_path, changed=True)
    root = tmp_path / "s"
    store.import_files([first], store=root)
    before = _parts(root)
    store.import_files([second], store=root)
    after = _parts(root)
    assert set(before) == set(after) and all(before[n] != after[n] for n in before)
    held = store.load(root)
    pd.testing.assert_frame_equal(_sorted(held.all_orders),
                                  _sorted(read_exports([second]).all_orders))
    assert [len(f.frame) for f in held.files] == [0, len(held.all_orders)]
    # a few columns only: the same orders, and exactly those columns
    some = store.load(root, columns=INPUT_COLUMNS)
    assert set(some.all_orders.columns) == set(INPUT_COLUMNS["all_orders"])
    assert some.files == ()
    pd.testing.assert_frame_equal(orders_from_exports(some), orders_from_exports(held))
    pd.testing.assert_frame_equal(
        some.all_orders, held.all_orders[list(some.all_orders.columns)])


@pytest.mark.parametrize("fmt", ["csv", "json", "table"])
def test_rate_on_the_store_prints_what_rate_on_the_files_prints(tmp_path, capsys, fmt):
    first, second = _backfill(tmp_path), _backfill(tmp_path, changed=True)
    root = tmp_path / "s"
    store.import_files([first], store=root)
    store.import_files([second], store=root)
    assert main(["rate", str(second), "--format", fmt, "--include-partial"]) == 0
    on_file = capsys.readouterr().out
    assert main(["rate", "--store", str(root), "--format", fmt, "--include-partial"]) == 0
    on_store = capsys.readouterr().out
    if fmt == "csv":
        assert on_store == on_file
    elif fmt == "json":  # gap columns from the store's manifest or from the file alike
        rows = json.loads(on_store)
        assert all(r["in_gap"] is False and r["window_gap_days"] == 0 for r in rows)
        assert rows == json.loads(on_file)
    else:
        assert on_store.replace(" GAP", "") == on_file


def test_footers_hold_what_the_snapshot_reads_and_dictionaries_where_they_pay(tmp_path):
    """The statistics a ``Snapshot`` answers from (newest update, months' purchase spans, missing
    order ids) are in every part file; the loader's compact columns keep their dictionary pages;
    the near-unique columns are written plain; and the statistics agree with the rows."""
    import pyarrow.parquet as pq

    from oos_analysis.store.loader import COMPACT_TEXT

    store.import_files([_backfill(tmp_path)], store=tmp_path / "s")
    files = sorted((store.lock.current_version(tmp_path / "s") / "all_orders").glob("*.parquet"))
    assert len(files) >= 10
    for path in files:
        meta = pq.ParquetFile(path).metadata
        names = meta.schema.to_arrow_schema().names
        rows = pd.read_parquet(path)
        for group in range(meta.num_row_groups):
            chunks = {name: meta.row_group(group).column(i) for i, name in enumerate(names)}
            for name in ("purchase_date", "last_updated_date"):
                stats = chunks[name].statistics
                assert stats.has_min_max
                assert pd.Timestamp(stats.max) == rows[name].max()
                assert pd.Timestamp(stats.min) == rows[name].min()
            assert chunks["order_id"].statistics.null_count == rows["order_id"].isna().sum()
            assert chunks["product_name"].statistics is None  # nothing reads it
            for name in COMPACT_TEXT:
                assert "RLE_DICTIONARY" in chunks[name].encodings, name
            for name in parts.PLAIN_COLUMNS:
                assert "RLE_DICTIONARY" not in chunks[name].encodings, name
