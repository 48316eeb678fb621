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


# --- rate --store --from/--to reads only the months its windows reach -------------------------
#
# The independent computation is the read of every month: the rate, its notes and its errors
# from the months read must be those from everything, for every window, time zone, marketplace
# and --include-partial; and `rate --store` must print what `rate` prints on the files.

import datetime as dt  # noqa: E402

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from oos_analysis.cli.common import asof_notes  # noqa: E402
from oos_analysis.cli.rate import coverage_note  # noqa: E402
from oos_analysis.exceptions import ParameterError  # noqa: E402
from oos_analysis.metric.rate import daily_rate  # noqa: E402
from oos_analysis.metric.months import in_window, read_window, window_months  # noqa: E402
from oos_analysis.store.spans import gap_days  # noqa: E402

TZS = ("UTC", "America/Los_Angeles", "Asia/Tokyo")
WINDOWED = [*ZOO, "big", "edges"]


def _edge_export(big: Path, out: Path) -> Path:
    """Orders at the edges of the big profile's year, made from its own rows: a marketplace whose
    only MFN orders are in its second month, one with FBA orders alone, one new in its last days,
    an order of January updated after the data's last day, orders on UTC month ends, a
    marketplace whose first order is early in a month whose end a window shows, and an item of
    December without its order id (a warning whatever the window)."""
    lines = big.read_text(encoding="utf-8").splitlines()
    header = lines[0].split("\t")
    at = {name: header.index(name) for name in header}
    mfn = [line.split("\t") for line in lines[1:200]
           if "\tMerchant\tAmazon.com\t" in line][:12]

    def row(n, base, purchase, updated, channel="Amazon.com", fulfilment="Merchant",
            status="Shipped"):
        cells = list(base)
        cells[at["amazon-order-id"]] = f"{900 + n // 10:03d}-0000000-00000{n:02d}"
        cells[at["purchase-date"]], cells[at["last-updated-date"]] = purchase, updated
        cells[at["sales-channel"]], cells[at["fulfillment-channel"]] = channel, fulfilment
        cells[at["order-status"]] = cells[at["item-status"]] = status
        return "\t".join(cells)

    rows = [
        row(1, mfn[0], "2025-12-10T10:00:00+00:00", "2025-12-11T10:00:00+00:00", "Amazon.com.mx"),
        row(2, mfn[1], "2025-12-20T10:00:00+00:00", "2025-12-21T10:00:00+00:00", "Amazon.com.mx",
            status="Cancelled"),
        row(3, mfn[2], "2026-03-15T10:00:00+00:00", "2026-03-16T10:00:00+00:00", "Amazon.de",
            "Amazon"),
        row(4, mfn[3], "2026-11-23T10:00:00+00:00", "2026-11-23T12:00:00+00:00", "Amazon.com.br"),
        row(5, mfn[4], "2026-01-05T10:00:00+00:00", "2026-11-26T12:00:00+00:00"),
        row(6, mfn[5], "2026-03-31T23:30:00+00:00", "2026-04-01T10:00:00+00:00",
            status="Cancelled"),
        row(7, mfn[6], "2026-04-30T07:30:00+00:00", "2026-05-01T10:00:00+00:00"),
        row(8, mfn[7], "2026-06-30T23:59:59+00:00", "2026-07-01T10:00:00+00:00",
            status="Cancelled"),
        row(9, mfn[8], "2026-06-02T10:00:00+00:00", "2026-06-03T10:00:00+00:00", "Amazon.com.au"),
        row(10, mfn[9], "2026-06-20T10:00:00+00:00", "2026-06-21T10:00:00+00:00",
            "Amazon.com.au"),
        row(11, mfn[10], "2025-12-15T10:00:00+00:00", "2025-12-16T10:00:00+00:00"),
    ]
    rows[-1] = "\t".join(["", *rows[-1].split("\t")[1:]])  # an item without its order id
    out.write_text("\n".join([lines[0], *rows]) + "\n", encoding="utf-8")
    return out


@pytest.fixture(scope="module")
def windowed(zoo, tmp_path_factory) -> dict[str, tuple[list[Path], Path]]:
    """The zoo, the big profile (a year: thirteen months) and the big one with edge orders."""
    root = tmp_path_factory.mktemp("store-windowed")
    built = dict(zoo)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        big = sorted(generate_profile(root / "big", "big").values())
        edges = [*big, _edge_export(big[0], root / "edge-orders.txt")]
        for name, files in (("big", big), ("edges", edges)):
            store.import_files(files, store=root / f"{name}-store")
            built[name] = (files, root / f"{name}-store")
    return built


def _windows(first: dt.date, last: dt.date) -> list[tuple[str | None, str | None]]:
    """Windows around a history: its last week, month ends and starts, one end open, outside."""
    day = dt.timedelta(days=1)
    month_start = dt.date(last.year, last.month, 1)
    return [(str(d) if d else None, str(e) if e else None) for d, e in [
        (last - 6 * day, last),
        (month_start + 6 * day, month_start + 6 * day),
        (month_start - 3 * day, month_start - day),
        (None, first + 9 * day),
        (first + 20 * day, None),
        (last + 5 * day, last + 40 * day),
        (first - 30 * day, first - day),
    ]]


@pytest.fixture(scope="module")
def full_reads(windowed):
    """Per profile: the orders of every month, its gaps, and its first and last purchase day."""
    reads = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, (_, root) in windowed.items():
            orders = orders_from_exports(store.load(root, columns=INPUT_COLUMNS, compact=True))
            days = orders["purchase_date"].dropna()
            reads[name] = (orders, gap_days(root, kind="all_orders"),
                           days.min().date(), days.max().date())
    return reads


def _outcome(call):
    try:
        return call()
    except ParameterError as exc:
        return f"ParameterError: {exc}"


def _same(a, b, what) -> None:
    if isinstance(a, pd.DataFrame) and isinstance(b, pd.DataFrame):
        pd.testing.assert_frame_equal(a, b, obj=str(what))
    else:
        assert a == b, what


@pytest.mark.parametrize("profile", WINDOWED)
def test_the_months_a_window_reaches_give_what_every_month_gives(windowed, full_reads, profile):
    _, root = windowed[profile]
    full, gaps, first, last = full_reads[profile]
    markets = sorted(full.loc[full["in_metric"], "marketplace"].dropna().unique())
    for n, (start, end) in enumerate(_windows(first, last)):
        # each window in one time zone here, each in every zone over the profiles
        for tz in [TZS[(n + WINDOWED.index(profile)) % len(TZS)]]:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                window = read_window(root, start=start, end=end, tz=tz, columns=INPUT_COLUMNS,
                                     compact=True)
            assert window is not None
            assert window.files_read <= window.files_held
            what = (profile, start, end, tz)
            _same(asof_notes(window.orders, tz=tz, extent=window.extent, today=last),
                  asof_notes(full, tz=tz, today=last), what)
            _same(coverage_note(in_window(window.orders, start, end, tz)),
                  coverage_note(in_window(full, start, end, tz)), what)
            for partial in (False, True):
                for market in [None, *markets[1:2], "amazon.fr"]:
                    args = dict(tz=tz, start=start, end=end, include_partial=partial,
                                marketplace=market, gaps=gaps)
                    _same(_outcome(lambda a=args: daily_rate(window.orders, extent=window.extent,
                                                             **a)),
                          _outcome(lambda a=args: daily_rate(full, **a)), (*what, partial, market))


def test_a_narrow_window_reads_a_fraction_of_the_year(windowed, full_reads):
    _, root = windowed["big"]
    last = full_reads["big"][3]
    window = read_window(root, start=str(last - dt.timedelta(days=6)), end=str(last), tz="UTC",
                         columns=INPUT_COLUMNS, compact=True)
    # the last week's windows reach back 13 days, all in the data's last month (November)
    assert last.day >= 14
    assert (window.files_read, window.files_held) == (1, 13)
    assert window.files_edge == 1  # the oldest month has every marketplace: the scan stops


def test_orders_the_log_names_are_found_in_the_months_not_read(windowed, full_reads):
    files, root = windowed["big"]
    last = full_reads["big"][3]
    log = read_exports([str(f) for f in files]).stockout_log
    window = read_window(root, start=str(last), end=str(last), tz="UTC",
                         columns=INPUT_COLUMNS, compact=True)
    named = set(log["order_id"].str.strip())
    assert named <= set(window.orders["order_id"])  # a year of stuck orders, not one month's
    early = window.orders["purchase_date"] < pd.Timestamp(last.replace(day=1), tz="UTC")
    assert early.any() and window.orders.loc[early, "order_id"].isin(named).all()


@pytest.mark.parametrize("tz,start,months", [
    ("UTC", "2026-03-08", ["2026-03"]),            # windows from 2 March; the UTC day before: 1 March
    ("UTC", "2026-03-07", ["2026-02", "2026-03"]),  # from 1 March; 28 February may hold its orders
    ("Asia/Tokyo", "2026-03-08", ["2026-03"]),
    ("America/Los_Angeles", "2026-03-07", ["2026-02", "2026-03"]),
])
def test_the_months_of_a_window_reach_a_utc_day_beyond_each_end(tz, start, months):
    code = {f"{1970 + m // 12}-{m % 12 + 1:02d}": m for m in range(670, 700)}
    chosen = window_months(start, "2026-03-31", tz, sorted(code.values()))
    assert [k for k, v in code.items() if v in chosen] == [*months, "2026-04"]


@settings(max_examples=12)
@given(start=st.integers(-40, 400) | st.none(), length=st.integers(0, 60) | st.none(),
       tz=st.sampled_from(TZS), partial=st.booleans())
def test_any_window_of_the_year_is_read_as_from_every_month(windowed, full_reads, start, length,
                                                           tz, partial):
    _, root = windowed["edges"]
    full, gaps, first, _ = full_reads["edges"]
    lo = None if start is None else first + dt.timedelta(days=start)
    hi = None if length is None else (lo or first + dt.timedelta(days=200)) + dt.timedelta(
        days=length)
    if lo is None and hi is None:
        return
    lo, hi = (str(lo) if lo else None), (str(hi) if hi else None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        window = read_window(root, start=lo, end=hi, tz=tz, columns=INPUT_COLUMNS, compact=True)
    args = dict(tz=tz, start=lo, end=hi, include_partial=partial, gaps=gaps)
    pd.testing.assert_frame_equal(daily_rate(window.orders, extent=window.extent, **args),
                                  daily_rate(full, **args))


@pytest.mark.parametrize("profile", WINDOWED)
def test_rate_store_with_a_window_prints_what_rate_on_the_files_prints(windowed, full_reads,
                                                                       profile, capsys):
    files, root = windowed[profile]
    _, _, first, last = full_reads[profile]
    windows = _windows(first, last)
    for n, fmt in enumerate(("csv", "json", "table")):
        start, end = windows[(n + len(profile)) % len(windows)]
        tz = TZS[(n + len(profile)) % 3]
        argv = ["--format", fmt, "--tz", tz, *(["--from", start] if start else []),
                *(["--to", end] if end else []), *(["--include-partial"] if n == 1 else []),
                *(["--marketplace", "amazon.com"] if n == 2 and profile != "jp" else [])]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            code = main(["rate", *map(str, files), *argv])
            on_files = capsys.readouterr()
            assert main(["rate", "--store", str(root), *argv]) == code
            on_store = capsys.readouterr()
        assert on_store.out == on_files.out, (profile, argv)
        assert on_store.err == on_files.err, (profile, argv)


def test_the_latest_update_comes_from_statistics_or_else_from_the_column(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    from oos_analysis.store.loader import _column_max

    stamps = pa.array([1_700_000_000_000, None, 1_800_000_000_000, 1_750_000_000_000],
                      pa.timestamp("ms", tz="UTC"))
    table = pa.table({"last_updated_date": stamps, "n": [1, 2, 3, 4]})
    newest = pd.Timestamp(1_800_000_000_000, unit="ms", tz="UTC")
    for stats in (True, False):  # row groups of 2 rows: the maximum is in the second
        pq.write_table(table, tmp_path / f"{stats}.parquet", row_group_size=2,
                       write_statistics=stats)
        assert _column_max(tmp_path / f"{stats}.parquet", "last_updated_date") == newest
    empty = pa.table({"last_updated_date": pa.array([None], pa.timestamp("ms", tz="UTC"))})
    pq.write_table(empty, tmp_path / "empty.parquet")
    assert _column_max(tmp_path / "empty.parquet", "last_updated_date") is None
    assert _column_max(tmp_path / "empty.parquet", "not_there") is None


def test_a_store_kept_whole_is_read_whole_with_the_same_rate(tmp_path, windowed, full_reads,
                                                              capsys):
    import json
    import shutil

    files, root = windowed["default"]
    old = tmp_path / "old"
    shutil.copytree(root, old)
    live = old / (old / "CURRENT").read_text().strip()
    book = json.loads((live / "manifest.json").read_text())
    frame = store.load(old).all_orders
    shutil.rmtree(live / "all_orders")
    frame.to_parquet(live / "all_orders.parquet", index=False)
    book = {k: v for k, v in book.items() if k not in ("parts", "columns")} | {"format": 1}
    (live / "manifest.json").write_text(json.dumps(book))
    last = str(full_reads["default"][3])
    assert read_window(old, start=last, end=last, tz="UTC", columns=INPUT_COLUMNS) is None
    argv = ["--from", last, "--format", "table"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert main(["rate", "--store", str(old), *argv]) == 0
        whole = capsys.readouterr()
        assert main(["rate", *map(str, files), *argv]) == 0
    assert whole.out == capsys.readouterr().out


def test_the_closing_note_counts_the_orders_of_the_windows_shown(windowed, full_reads, capsys):
    files, _ = windowed["default"]
    full, _, _, last = full_reads["default"]
    start = last - dt.timedelta(days=2)
    days = full["purchase_date"].dt.date
    shown = full[(days >= start - dt.timedelta(days=6)) & (days <= last)]
    everything = int(full["in_metric"].sum())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert main(["rate", *map(str, files), "--from", str(start)]) == 0
        windowed_note = capsys.readouterr().out
        assert main(["rate", *map(str, files)]) == 0
        whole_note = capsys.readouterr().out
    assert 0 < int(shown["in_metric"].sum()) < everything
    assert f"Included {int(shown['in_metric'].sum())} MFN orders" in windowed_note
    assert f"Included {everything} MFN orders" in whole_note


@pytest.mark.parametrize("tz", TZS)
def test_a_marketplace_begun_early_in_the_windows_month_is_not_taken_to_begin_in_it(
        windowed, full_reads, tz, capsys):
    # amazon.com.au sells on 2 and 20 June: its windows from 8 June on are complete
    files, root = windowed["edges"]
    full, gaps, _, _ = full_reads["edges"]
    args = dict(tz=tz, start="2026-06-15", end="2026-06-20", gaps=gaps)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        window = read_window(root, start="2026-06-15", end="2026-06-20", tz=tz,
                             columns=INPUT_COLUMNS, compact=True)
    # the order of 2 June is outside the window's reach: not among the orders read
    assert "900-0000000-0000009" not in set(window.orders["order_id"])
    assert "900-0000000-0000009" in set(full["order_id"])
    got = daily_rate(window.orders, extent=window.extent, **args)
    pd.testing.assert_frame_equal(got, daily_rate(full, **args))
    au = got[got["marketplace"] == "amazon.com.au"]
    assert au["date"].dt.day.tolist() == list(range(15, 21)) and au["complete"].all()
