"""The orders frame needs only INPUT_COLUMNS of the big kinds (what `rate --store` reads).

Each readable All Orders fixture, with the sample seller's other reports, gives the same orders
from its frames cut to INPUT_COLUMNS as from the whole frames.
"""

from __future__ import annotations

import dataclasses
import warnings
from pathlib import Path

import pandas as pd
import pytest

from oos_analysis.exceptions import OOSAnalysisError
from oos_analysis.io.readers import read_exports
from oos_analysis.metric.orders import INPUT_COLUMNS, orders_from_exports

ROOT = Path(__file__).resolve().parent
SAMPLE = sorted((ROOT.parent / "data" / "sample" / "us").iterdir())
ORDER_FILES = sorted(p for p in (ROOT / "fixtures").iterdir() if p.name.startswith("all-orders"))


def _cut(exports):
    cut = {kind: getattr(exports, kind)[[c for c in getattr(exports, kind).columns
                                         if c in columns]]
           for kind, columns in INPUT_COLUMNS.items()}
    return dataclasses.replace(exports, **cut)


@pytest.mark.parametrize("orders_file", [None, *ORDER_FILES], ids=lambda p: getattr(p, "name", "sample"))
def test_orders_from_the_input_columns_alone(orders_file):
    files = SAMPLE if orders_file is None else [
        orders_file, *(p for p in SAMPLE if "all-orders" not in p.name)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            exports = read_exports(files)
        except OOSAnalysisError:
            pytest.skip("a fixture the readers refuse")
        if exports.all_orders.empty:
            pytest.skip("no order rows")
        whole = orders_from_exports(exports)
        some = orders_from_exports(_cut(exports))
    pd.testing.assert_frame_equal(some, whole)


_SEEN: set = set()


class _Spy(pd.DataFrame):
    """A frame that notes every column asked for by name (``frame[c]``, ``c in frame``)."""

    @property
    def _constructor(self):
        return pd.DataFrame

    def __getitem__(self, key):
        for name in key if isinstance(key, list) else [key]:
            if isinstance(name, str):
                _SEEN.add(name)
        return super().__getitem__(key)

    def __contains__(self, key):
        _SEEN.add(key)
        return super().__contains__(key)


@pytest.mark.parametrize("kind", list(INPUT_COLUMNS))
def test_no_other_column_of_the_big_kinds_is_asked_for(kind):
    exports = read_exports(SAMPLE)
    spied = dataclasses.replace(exports, **{kind: _Spy(getattr(exports, kind))})
    _SEEN.clear()
    orders_from_exports(spied)
    asked = {c for c in _SEEN if c in set(getattr(exports, kind).columns)}
    assert asked and asked <= set(INPUT_COLUMNS[kind])


def test_the_sample_exercises_the_columns_beyond_status():
    exports = read_exports(SAMPLE)
    orders = orders_from_exports(exports)
    assert orders["cancelled"].any() and orders["counted"].any()
    assert (orders["attribution_source"] == "order_report").any()


def test_fulfilment_channels_are_read_once_per_distinct_value():
    from oos_analysis.metric.orders import _channels

    values = pd.Series([" merchant ", "AFN", None, "mfn", "Amazon", "weird", "MFN"], dtype="str")
    got = _channels(values)
    assert got.tolist()[:2] == ["MFN", "AFN"] and pd.isna(got.iloc[2])
    assert got.tolist()[3:5] == ["MFN", "AFN"] and pd.isna(got.iloc[5]) and got.iloc[6] == "MFN"
    assert str(got.dtype) == "str" and got.index.equals(values.index)


@pytest.mark.parametrize("orders_file", [*(p for p in SAMPLE if "all-orders" in p.name),
                                         *ORDER_FILES[:4]], ids=lambda p: p.name)
def test_one_file_combined_is_its_rows_canonical_columns_first(orders_file):
    from oos_analysis.io.readers import empty_frame

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        exports = read_exports([orders_file])
    alone, combined = exports.files[0].frame, exports.all_orders
    canonical = list(empty_frame("all_orders").columns)
    assert list(combined.columns)[: len(canonical)] == canonical
    assert set(alone.columns) <= set(combined.columns)
    assert combined[[c for c in combined.columns if c not in alone]].isna().all().all()
    shared = [c for c in combined.columns if c in alone]
    pd.testing.assert_frame_equal(combined[shared], alone[shared], check_dtype=False)
