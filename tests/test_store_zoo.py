"""``rate --store`` prints what ``rate`` on the files prints, on every sample profile.

Each profile's files are imported into a store; the rate table from the store (read as
``rate --store`` reads it: a few columns, the few-valued text ones as Categorical) must be the one
from the files, in every format; the orders frame built from that compact read must be the one
built from the files, order by order; and the compact read holds the same values as the plain one.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
import pytest

from oos_analysis import store
from oos_analysis.cli import main
from oos_analysis.io.readers import read_exports
from oos_analysis.metric.orders import INPUT_COLUMNS, orders_from_exports
from oos_analysis.sample.profiles import PROFILES, generate_profile
from oos_analysis.store.loader import COMPACT_TEXT

ZOO = [p for p in PROFILES if p != "big"]  # a year of orders: the 10M benchmark covers scale


@pytest.fixture(scope="module")
def zoo(tmp_path_factory) -> dict[str, tuple[list[Path], Path]]:
    root = tmp_path_factory.mktemp("store-zoo")
    built = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for profile in ZOO:
            files = sorted(generate_profile(root / profile, profile).values())
            store.import_files(files, store=root / f"{profile}-store")
            built[profile] = (files, root / f"{profile}-store")
    return built


def _by_order(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values("order_id", kind="stable").reset_index(drop=True)


@pytest.mark.parametrize("profile", ZOO)
def test_rate_from_the_store_is_the_rate_from_the_files(zoo, profile, capsys):
    files, root = zoo[profile]
    for fmt in ("csv", "json", "table"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            assert main(["rate", *map(str, files), "--format", fmt, "--include-partial"]) == 0
            on_files = capsys.readouterr()
            assert main(["rate", "--store", str(root), "--format", fmt,
                         "--include-partial"]) == 0
            on_store = capsys.readouterr()
        assert on_store.out == on_files.out, (profile, fmt)
        assert on_store.err == on_files.err, (profile, fmt)


@pytest.mark.parametrize("profile", ZOO)
def test_the_compact_read_gives_the_orders_the_files_give(zoo, profile):
    files, root = zoo[profile]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        compact = store.load(root, columns=INPUT_COLUMNS, compact=True)
        plain = store.load(root, columns=INPUT_COLUMNS)
        on_files = orders_from_exports(read_exports([str(f) for f in files]))
        from_store = orders_from_exports(compact)
    pd.testing.assert_frame_equal(_by_order(from_store), _by_order(on_files))
    for kind in INPUT_COLUMNS:
        small, whole = getattr(compact, kind), getattr(plain, kind)
        assert list(small.columns) == list(whole.columns)
        for column in small.columns:
            if column in COMPACT_TEXT:
                assert isinstance(small[column].dtype, pd.CategoricalDtype), column
                pd.testing.assert_series_equal(small[column].astype("str"), whole[column])
            else:
                pd.testing.assert_series_equal(small[column], whole[column])


def test_timestamps_come_back_in_the_recorded_unit_only_when_no_digit_is_lost():
    import pyarrow as pa

    from oos_analysis.store.loader import _in_units

    ms = pa.timestamp("ms", tz="UTC")
    whole = pa.table({"t": pa.array([2000, None], ms), "n": [1, 2]})
    cut = pa.table({"t": pa.array([1500], ms)})
    wanted = {"t": "datetime64[s, UTC]", "n": "int64"}
    assert _in_units(whole, wanted).schema.field("t").type == pa.timestamp("s", tz="UTC")
    assert _in_units(whole, wanted).column("t").to_pylist() == whole.column("t").to_pylist()
    assert _in_units(cut, wanted).equals(cut)  # 1.5 s is not a whole second: left as read
    assert _in_units(whole, {}).equals(whole)
