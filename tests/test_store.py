"""The history store: merging, idempotence, all-or-nothing imports, provenance, coverage, CLI."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oos_analysis import store
from oos_analysis.cli import main
from oos_analysis.exceptions import InputFileError, ReportFormatError
from oos_analysis.io.readers import read_exports
from oos_analysis.metric.gaps import mark_gaps
from oos_analysis.store.parts import MAX_SEGMENTS

HEADER = (
    "amazon-order-id merchant-order-id purchase-date last-updated-date order-status "
    "fulfillment-channel sales-channel order-channel ship-service-level product-name sku asin "
    "item-status quantity currency item-price item-tax shipping-price shipping-tax gift-wrap-price "
    "gift-wrap-tax item-promotion-discount ship-promotion-discount ship-city ship-state "
    "ship-postal-code ship-country promotion-ids cpf is-business-order purchase-order-number "
    "price-designation signature-confirmation-recommended"
).split()


def item(order_id, purchased, updated, status="Shipped", *, sku="SKU-1", asin="B000000001",
         channel="Merchant", sales="Amazon.com"):
    """One All Orders row (as a dict of the Amazon headers); dates are 'YYYY-MM-DD HH:MM' UTC."""
    cancelled = status == "Cancelled"
    return {
        "amazon-order-id": order_id,
        "purchase-date": pd.Timestamp(purchased).strftime("%Y-%m-%dT%H:%M:%S+00:00"),
        "last-updated-date": pd.Timestamp(updated).strftime("%Y-%m-%dT%H:%M:%S+00:00"),
        "order-status": status,
        "fulfillment-channel": channel,
        "sales-channel": sales,
        "order-channel": "WebsiteOrderChannel",
        "ship-service-level": "Standard",
        "product-name": "Hario V60 dripper",
        "sku": sku,
        "asin": asin,
        "item-status": "" if cancelled else status,
        "quantity": "0" if cancelled else "1",
        "currency": "USD",
        "item-price": "19.00",
        "ship-state": "TX",
        "ship-country": "US",
        "is-business-order": "false",
        "signature-confirmation-recommended": "false",
    }


def write_all_orders(path: Path, rows: list[dict]) -> Path:
    lines = ["\t".join(HEADER)] + ["\t".join(r.get(h, "") for h in HEADER) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_stockout_log(path: Path, rows: list[tuple[str, str]]) -> Path:
    lines = ["order_id,marketplace,sku,detected_at,resolution"]
    lines += [f"{oid},amazon.com,SKU-1,2026-11-02,{resolution}" for oid, resolution in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def snapshot(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name != ".lock"
    }


def canonical(frame: pd.DataFrame) -> pd.DataFrame:
    """Drop provenance, order rows and columns, so store and file frames can be compared."""
    frame = frame.drop(columns=[c for c in store.PROVENANCE_COLUMNS if c in frame])
    frame = frame[sorted(frame.columns)]
    return frame.sort_values(["order_id", "sku"]).reset_index(drop=True)


@pytest.fixture
def week1(tmp_path):
    return write_all_orders(tmp_path / "week1.txt", [
        item("111-0000001-0000001", "2026-11-02 10:00", "2026-11-02 11:00", "Unshipped"),
        item("111-0000002-0000002", "2026-11-03 09:00", "2026-11-04 09:00", "Shipped"),
        item("111-0000003-0000003", "2026-11-08 20:00", "2026-11-08 21:00", "Shipped"),
    ])


@pytest.fixture
def week2(tmp_path):
    return write_all_orders(tmp_path / "week2.txt", [
        item("111-0000001-0000001", "2026-11-02 10:00", "2026-11-09 08:00", "Cancelled"),
        item("111-0000004-0000004", "2026-11-09 12:00", "2026-11-09 13:00", "Shipped"),
        item("111-0000005-0000005", "2026-11-15 07:00", "2026-11-15 08:00", "Shipped"),
    ])


# --- merging ----------------------------------------------------------------------------------
@pytest.mark.parametrize("order", [("week1", "week2"), ("week2", "week1")])
def test_newest_last_update_wins_whatever_the_import_order(tmp_path, week1, week2, order):
    files = {"week1": week1, "week2": week2}
    for name in order:
        store.import_files([files[name]], store=tmp_path / "s")
    orders = store.load(tmp_path / "s").all_orders.set_index("order_id")
    assert len(orders) == 5
    assert orders.loc["111-0000001-0000001", "order_status"] == "cancelled"
    assert orders.loc["111-0000001-0000001", "source_file"] == "week2.txt"
    assert orders.loc["111-0000002-0000002", "source_file"] == "week1.txt"


def test_equal_last_update_goes_to_the_later_import(tmp_path):
    a = write_all_orders(tmp_path / "a.txt", [item("111-0000001-0000001", "2026-11-02 10:00",
                                                   "2026-11-03 10:00", "Shipped")])
    b = write_all_orders(tmp_path / "b.txt", [item("111-0000001-0000001", "2026-11-02 10:00",
                                                   "2026-11-03 10:00", "Cancelled")])
    store.import_files([a], store=tmp_path / "s")
    store.import_files([b], store=tmp_path / "s")
    orders = store.load(tmp_path / "s").all_orders
    assert orders["order_status"].tolist() == ["cancelled"]
    assert orders["source_file"].tolist() == ["b.txt"]


def test_store_gives_what_the_files_give(tmp_path, week1, week2):
    store.import_files([week1], store=tmp_path / "s")
    store.import_files([week2], store=tmp_path / "s")
    from_store = canonical(store.load(tmp_path / "s").all_orders)
    from_files = canonical(read_exports([week1, week2]).all_orders)
    pd.testing.assert_frame_equal(from_store, from_files)


def test_provenance_on_every_row(tmp_path, week1):
    before = datetime.now(UTC)
    store.import_files([week1], store=tmp_path / "s")
    after = datetime.now(UTC)
    orders = store.load(tmp_path / "s").all_orders
    assert (orders["source_file"] == "week1.txt").all()
    assert (orders["source_sha256"] == hashlib.sha256(week1.read_bytes()).hexdigest()).all()
    assert str(orders["imported_at"].dtype) == "datetime64[us, UTC]"
    assert orders["imported_at"].between(before, after).all()


def test_stockout_logs_merge_per_order_newest_row_wins(tmp_path):
    first = write_stockout_log(tmp_path / "log1.csv", [("111-0000001-0000001", "open"),
                                                       ("111-0000002-0000002", "open")])
    second = tmp_path / "log2.csv"
    second.write_text("order_id,marketplace,sku,detected_at,resolution,resolved_at\n"
                      "111-0000001-0000001,amazon.com,SKU-1,2026-11-02,bought,2026-11-03\n"
                      "111-0000003-0000003,amazon.com,SKU-9,2026-11-04,open,\n", encoding="utf-8")
    # an older copy of the first log, imported last: its row is older, so it does not win
    stale = write_stockout_log(tmp_path / "log0.csv", [("111-0000001-0000001", "no_inventory")])
    for path in (first, second, stale):
        store.import_files([path], store=tmp_path / "s")
    log = store.load(tmp_path / "s").stockout_log.set_index("order_id").sort_index()
    assert log.index.tolist() == ["111-0000001-0000001", "111-0000002-0000002",
                                  "111-0000003-0000003"]
    assert log["resolution"].tolist() == ["bought", "open", "open"]
    assert log["source_file"].tolist() == ["log2.csv", "log1.csv", "log2.csv"]
    # equal dates: the later import wins
    tie = write_stockout_log(tmp_path / "log3.csv", [("111-0000002-0000002", "buyer_cancelled")])
    store.import_files([tie], store=tmp_path / "s")
    log = store.load(tmp_path / "s").stockout_log.set_index("order_id")
    assert log.loc["111-0000002-0000002", "resolution"] == "buyer_cancelled"
    assert log.loc["111-0000002-0000002", "source_file"] == "log3.csv"
    assert len(log) == 3


def test_the_us_and_jp_sample_logs_are_both_kept(tmp_path, capsys):
    sample = Path(__file__).resolve().parent.parent / "data" / "sample"
    us, jp = sample / "us" / "stockout-log.csv", sample / "jp" / "stockout-log.csv"
    n_us, n_jp = len(read_exports([us]).stockout_log), len(read_exports([jp]).stockout_log)
    assert main(["import", str(us), "--store", str(tmp_path / "s")]) == 0
    assert main(["import", str(jp), "--store", str(tmp_path / "s")]) == 0
    log = store.load(tmp_path / "s").stockout_log
    assert len(log) == n_us + n_jp
    assert sorted(log["source_file"].unique()) == ["stockout-log.csv"]
    assert set(log["marketplace"]) >= {"amazon.com", "amazon.co.jp"}
    capsys.readouterr()
    assert main(["store", "info", "--store", str(tmp_path / "s")]) == 0
    held = [line.split() for line in capsys.readouterr().out.splitlines()]
    assert ["stockout_log", str(n_us + n_jp), "2"] in held


# --- idempotence and all-or-nothing ----------------------------------------------------------
def test_same_file_twice_changes_nothing(tmp_path, week1):
    store.import_files([week1], store=tmp_path / "s")
    before = snapshot(tmp_path / "s")
    renamed = tmp_path / "copy-of-week1.txt"
    renamed.write_bytes(week1.read_bytes())
    done = store.import_files([week1, renamed], store=tmp_path / "s")
    assert done["status"].tolist() == ["already in store", "already in store"]
    assert snapshot(tmp_path / "s") == before


def test_same_file_twice_in_one_import(tmp_path, week1):
    copy = tmp_path / "again.txt"
    copy.write_bytes(week1.read_bytes())
    done = store.import_files([week1, copy], store=tmp_path / "s")
    assert done["status"].tolist() == ["imported", "duplicate in this import"]
    assert len(store.manifest(tmp_path / "s")) == 1


@pytest.mark.parametrize("bad_content", ["not a report\nat all\n", ""])
def test_bad_file_among_good_ones_imports_nothing(tmp_path, week1, week2, bad_content):
    store.import_files([week1], store=tmp_path / "s")
    before = snapshot(tmp_path / "s")
    bad = tmp_path / "bad.txt"
    bad.write_text(bad_content)
    with pytest.raises(ReportFormatError, match="bad.txt"):
        store.import_files([week2, bad], store=tmp_path / "s")
    assert snapshot(tmp_path / "s") == before


def test_missing_file_imports_nothing(tmp_path, week1):
    with pytest.raises(InputFileError, match="nope.txt"):
        store.import_files([week1, tmp_path / "nope.txt"], store=tmp_path / "s")
    assert not (tmp_path / "s" / "CURRENT").exists()


def test_input_files_are_not_modified(tmp_path, week1, week2):
    before = {p: p.read_bytes() for p in (week1, week2)}
    store.import_files([week1, week2], store=tmp_path / "s")
    assert {p: p.read_bytes() for p in (week1, week2)} == before


def test_reading_an_empty_folder_says_what_to_do(tmp_path):
    with pytest.raises(InputFileError, match="oos-analysis import"):
        store.load(tmp_path)


# --- coverage and gaps ------------------------------------------------------------------------
def test_missing_week_is_a_gap_and_an_empty_export_covers_nothing(tmp_path):
    s = tmp_path / "s"
    write_all_orders(tmp_path / "w1.txt", [
        item("111-0000001-0000001", "2026-11-02 10:00", "2026-11-02 11:00"),
        item("111-0000002-0000002", "2026-11-08 10:00", "2026-11-08 11:00"),
        item("111-0000003-0000003", "2026-11-05 10:00", "2026-11-05 11:00", sales="Amazon.ca"),
    ])
    write_all_orders(tmp_path / "w3.txt", [
        item("111-0000004-0000004", "2026-11-16 00:30", "2026-11-16 11:00"),
        item("111-0000005-0000005", "2026-11-22 23:59", "2026-11-23 11:00"),
    ])
    write_all_orders(tmp_path / "empty.txt", [])
    store.import_files([tmp_path / "w1.txt", tmp_path / "w3.txt", tmp_path / "empty.txt"],
                       store=s)
    spans = store.coverage(s)
    us = spans[spans["marketplace"] == "amazon.com"]
    day = lambda text: pd.Timestamp(text, tz="UTC")  # noqa: E731
    assert us["start"].tolist() == [day("2026-11-02"), day("2026-11-09"), day("2026-11-16")]
    assert us["end"].tolist() == [day("2026-11-08"), day("2026-11-15"), day("2026-11-22")]
    assert us["covered"].tolist() == [True, False, True]
    assert us["days"].tolist() == [7, 7, 7]
    # amazon.ca appears in w1 only, and w1 covers 2026-11-02 .. 2026-11-08 for it
    ca = spans[spans["marketplace"] == "amazon.ca"]
    assert ca[["start", "end", "covered"]].to_numpy().tolist() == [
        [day("2026-11-02"), day("2026-11-08"), True]]
    gaps = store.gap_days(s, kind="all_orders")
    assert gaps["marketplace"].unique().tolist() == ["amazon.com"]
    assert gaps["date"].tolist() == list(pd.date_range("2026-11-09", "2026-11-15", tz="UTC"))
    files = store.manifest(s).set_index("name")
    assert pd.isna(files.loc["empty.txt", "date_from"])


def test_overlapping_and_touching_exports_have_no_gap(tmp_path):
    s = tmp_path / "s"
    for n, (first, last) in enumerate([("2026-11-01", "2026-11-10"), ("2026-11-05", "2026-11-12"),
                                       ("2026-11-13", "2026-11-14")]):
        write_all_orders(tmp_path / f"{n}.txt", [
            item(f"111-000000{n}-0000001", f"{first} 01:00", f"{first} 02:00"),
            item(f"111-000000{n}-0000002", f"{last} 01:00", f"{last} 02:00"),
        ])
        store.import_files([tmp_path / f"{n}.txt"], store=s)
    spans = store.coverage(s)
    assert spans["covered"].tolist() == [True]
    assert spans["days"].tolist() == [14]
    assert store.gap_days(s).empty


# --- property: the store equals "newest row per key" -----------------------------------------
_ids = [f"111-000000{i}-000000{i}" for i in range(4)]


def _assert_store_holds(root, expected):
    """The store holds exactly the expected order ids, each with its (status, source file)."""
    if not expected:
        return
    got = store.load(root).all_orders.set_index("order_id")
    assert sorted(got.index) == sorted(expected)
    for oid, (_, status, source) in expected.items():
        assert got.loc[oid, "order_status"] == status
        assert got.loc[oid, "source_file"] == source


@settings(max_examples=15, deadline=None)
@given(
    st.lists(
        st.lists(
            st.tuples(st.sampled_from(_ids), st.integers(0, 5),
                      st.sampled_from(["Shipped", "Cancelled", "Unshipped"])),
            max_size=4,
            unique_by=lambda t: t[0],
        ),
        min_size=1,
        max_size=4,
    )
)
def test_store_keeps_the_newest_version_of_each_item(tmp_path_factory, exports):
    root = tmp_path_factory.mktemp("prop")
    expected, contents = {}, set()
    for n, rows in enumerate(exports):
        path = write_all_orders(root / f"e{n}.txt", [
            item(oid, "2026-11-02 10:00", f"2026-11-03 {hour:02d}:00", status)
            for oid, hour, status in rows
        ])
        store.import_files([path], store=root / "s")
        if path.read_bytes() in contents:
            continue  # the same bytes again: recognised and skipped
        contents.add(path.read_bytes())
        for oid, hour, status in rows:
            # newest update wins; on a tie the later import (this one) wins
            if oid not in expected or hour >= expected[oid][0]:
                expected[oid] = (hour, status.lower(), path.name)
    _assert_store_holds(root / "s", expected)


@settings(max_examples=25, deadline=None)
@given(
    st.lists(  # imports, each of one or two files
        st.lists(
            st.lists(  # rows: order, purchase day either side of a month's end, update hour
                st.tuples(st.sampled_from(_ids), st.booleans(), st.integers(0, 3),
                          st.sampled_from(["Shipped", "Cancelled"])),
                max_size=4,
                unique_by=lambda t: t[0],
            ),
            min_size=1,
            max_size=2,
        ),
        min_size=1,
        max_size=4,
    )
)
def test_store_keeps_the_newest_version_across_months_and_batches(tmp_path_factory, imports):
    root = tmp_path_factory.mktemp("prop")
    expected, contents, n = {}, set(), 0
    for batch in imports:
        paths = []
        for rows in batch:
            n += 1
            paths.append(write_all_orders(root / f"e{n}.txt", [
                item(oid, "2026-11-01 01:00" if late else "2026-10-31 23:00",
                     f"2026-11-03 {hour:02d}:00", status)
                for oid, late, hour, status in rows
            ]))
        store.import_files(paths, store=root / "s")
        for path, rows in zip(paths, batch, strict=True):
            if path.read_bytes() in contents:
                continue
            contents.add(path.read_bytes())
            for oid, _, hour, status in rows:
                if oid not in expected or hour >= expected[oid][0]:
                    expected[oid] = (hour, status.lower(), path.name)
    _assert_store_holds(root / "s", expected)


# --- concurrency ------------------------------------------------------------------------------
def test_two_imports_at_once_never_corrupt(tmp_path, week1, week2):
    s = tmp_path / "s"
    argv = [sys.executable, "-m", "oos_analysis", "import", "--store", str(s), "--wait", "60"]
    procs = [subprocess.Popen([*argv, str(f)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for f in (week1, week2)]
    results = [p.communicate(timeout=120) + (p.returncode,) for p in procs]
    assert [r[2] for r in results] == [0, 0], results
    assert sorted(store.manifest(s)["name"]) == ["week1.txt", "week2.txt"]
    orders = store.load(s).all_orders.set_index("order_id")
    assert orders.loc["111-0000001-0000001", "order_status"] == "cancelled"


# --- command line -----------------------------------------------------------------------------
def test_cli_import_and_info(tmp_path, week1, capsys):
    s = str(tmp_path / "s")
    write_all_orders(tmp_path / "w3.txt", [
        item("111-0000009-0000009", "2026-11-16 10:00", "2026-11-16 11:00")])
    assert main(["import", str(week1), str(tmp_path / "w3.txt"), "--store", s]) == 0
    out = capsys.readouterr().out
    assert "2 of 2 file(s) imported" in out
    assert "week1.txt  (all_orders, 3 rows, 2026-11-02 .. 2026-11-08)" in out
    assert main(["import", str(week1), "--store", s]) == 0
    assert "skipped           " in capsys.readouterr().out
    assert main(["store", "info", "--store", s]) == 0
    out = capsys.readouterr().out
    assert ("amazon.com  all_orders: 2026-11-02 .. 2026-11-16, 8 day(s) covered, "
            "7 day(s) in gaps") in out
    assert "GAP 2026-11-09 .. 2026-11-15 (7 day(s))" in out


def test_cli_errors_are_one_paragraph(tmp_path, week1, capsys):
    bad = tmp_path / "bad.txt"
    bad.write_text("hello\n")
    assert main(["import", str(week1), str(bad), "--store", str(tmp_path / "s")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "bad.txt" in err and "Traceback" not in err
    assert main(["store", "info", "--store", str(tmp_path / "s")]) == 1
    assert "oos-analysis import" in capsys.readouterr().err


def test_manifest_records_each_file(tmp_path, week1):
    store.import_files([week1], store=tmp_path / "s")
    files = store.manifest(tmp_path / "s")
    assert files[["name", "kind", "rows"]].to_numpy().tolist() == [["week1.txt", "all_orders", 3]]
    assert files.loc[0, "sha256"] == hashlib.sha256(week1.read_bytes()).hexdigest()
    assert files.loc[0, "date_from"] == pd.Timestamp("2026-11-02", tz="UTC")
    assert files.loc[0, "date_to"] == pd.Timestamp("2026-11-08", tz="UTC")
    assert files.loc[0, "marketplaces"] == "amazon.com"
    live = (tmp_path / "s" / (tmp_path / "s" / "CURRENT").read_text().strip())
    assert json.loads((live / "manifest.json").read_text())["rows"] == {"all_orders": 3}


# --- every command reads the store as it reads the files -------------------------------------
@pytest.fixture(scope="module")
def sample_us(tmp_path_factory):
    """The sample seller's US exports, with All Orders split into two overlapping downloads."""
    from oos_analysis.sample import generate_sample

    root = tmp_path_factory.mktemp("sample")
    files = generate_sample(root, weeks=4)
    header, *rows = files["us/all-orders.txt"].read_text(encoding="utf-8").splitlines()
    early, late = root / "all-orders-early.txt", root / "all-orders-late.txt"
    early.write_text("\n".join([header, *rows[: len(rows) * 2 // 3]]) + "\n", encoding="utf-8")
    late.write_text("\n".join([header, *rows[len(rows) // 3:]]) + "\n", encoding="utf-8")
    others = [files[f"us/{n}"] for n in ("order-report.txt", "account-health-cancel-rate.csv",
                                          "seller-performance.json", "stockout-log.csv")]
    paths = [str(p) for p in [early, late, *others]]
    s = root / "store"
    for path in paths:  # one import per file, as a weekly job would
        assert main(["import", path, "--store", str(s)]) == 0
    return paths, str(s)


@pytest.mark.parametrize("command", [["rate"], ["rate", "--format", "json"],
                                     ["rate", "--format", "csv"], ["budget"], ["reconcile"],
                                     ["actions"], ["simulate", "--seed", "7", "--draws", "2000"]])
def test_commands_give_the_same_with_store_as_with_files(sample_us, command, capsys):
    paths, s = sample_us
    capsys.readouterr()
    assert main([*command, *paths]) == 0
    from_files = capsys.readouterr().out
    assert main([*command, "--store", s]) == 0
    from_store = capsys.readouterr().out
    if command[-1] == "json":  # gaps come from the store's manifest or from the files alike
        rows = json.loads(from_store)
        rows = rows if isinstance(rows, list) else rows["rows"]
        assert not any(r["in_gap"] or r["window_gap_days"] for r in rows)
    assert from_store == from_files
    assert len(from_files.splitlines()) > 3


def test_store_and_files_together_are_refused(sample_us, capsys):
    paths, s = sample_us
    assert main(["rate", paths[0], "--store", s]) == 1
    assert "not both" in capsys.readouterr().err


def test_rate_marks_days_whose_window_reaches_a_gap(tmp_path, capsys):
    s = str(tmp_path / "s")
    rows1 = [item(f"111-00000{d:02d}-0000001", f"2026-11-{d:02d} 10:00", f"2026-11-{d:02d} 11:00")
             for d in range(1, 8)]
    rows2 = [item(f"111-00000{d:02d}-0000002", f"2026-11-{d:02d} 10:00", f"2026-11-{d:02d} 11:00")
             for d in range(10, 17)]
    write_all_orders(tmp_path / "a.txt", rows1)
    write_all_orders(tmp_path / "b.txt", rows2)
    assert main(["import", str(tmp_path / "a.txt"), str(tmp_path / "b.txt"), "--store", s]) == 0
    capsys.readouterr()
    assert main(["rate", "--store", s, "--format", "csv"]) == 0
    csv_header = capsys.readouterr().out.splitlines()[0]
    assert csv_header == "marketplace,date,orders,seller_cancellations,rate,status,complete"
    assert main(["rate", "--store", s, "--format", "json"]) == 0
    table = pd.DataFrame(json.loads(capsys.readouterr().out)).set_index("date")
    # 8 and 9 November are not covered; windows ending 8 .. 15 November reach them
    assert table.loc["2026-11-07", "window_gap_days"] == 0
    assert table.loc["2026-11-08", "in_gap"] and table.loc["2026-11-09", "in_gap"]
    assert table.loc["2026-11-10", "window_gap_days"] == 2
    assert table.loc["2026-11-14", "window_gap_days"] == 2  # window 8 .. 14
    assert table.loc["2026-11-15", "window_gap_days"] == 1  # window 9 .. 15
    assert table.loc["2026-11-16", "window_gap_days"] == 0
    assert not table.loc["2026-11-10", "in_gap"]
    # the uncovered days are a gap, not days without orders; windows reaching them are partial
    assert table.loc["2026-11-08", "status"] == "gap" and table.loc["2026-11-09", "status"] == "gap"
    assert table.loc["2026-11-07", "complete"]
    assert not table.loc["2026-11-10":"2026-11-15", "complete"].any()
    assert main(["rate", "--store", s]) == 0
    out = capsys.readouterr().out
    assert "GAP" in out and "unknown, not zero" in out


def test_mark_gaps_does_not_change_its_input():
    daily = pd.DataFrame({"marketplace": ["amazon.com", "amazon.ca"],
                          "date": pd.to_datetime(["2026-11-09", "2026-11-09"])})
    gaps = pd.DataFrame({"marketplace": ["amazon.com"],
                         "date": [pd.Timestamp("2026-11-09", tz="UTC")]})
    before = daily.copy(), gaps.copy()
    marked = mark_gaps(daily, gaps)
    assert marked["in_gap"].tolist() == [True, False]
    pd.testing.assert_frame_equal(daily, before[0])
    pd.testing.assert_frame_equal(gaps, before[1])


def test_mark_gaps_in_a_local_time_zone():
    # the UTC day 9 November touches 8 and 9 November in Los Angeles
    daily = pd.DataFrame({"marketplace": "amazon.com",
                          "date": pd.date_range("2026-11-07", "2026-11-10")})
    gaps = pd.DataFrame({"marketplace": ["amazon.com"],
                         "date": [pd.Timestamp("2026-11-09", tz="UTC")]})
    marked = mark_gaps(daily, gaps, tz="America/Los_Angeles")
    assert marked["in_gap"].tolist() == [False, True, True, False]


def test_cli_store_without_action_shows_usage(capsys):
    assert main(["store"]) == 2
    assert "info" in capsys.readouterr().err


def test_exports_of_different_layouts_merge_like_the_reader(tmp_path):
    old = tmp_path / "old-layout.txt"
    old.write_text(
        "amazon-order-id\tpurchase-date\tlast-updated-date\torder-status\tfulfillment-channel\t"
        "sales-channel\tsku\n"
        "111-0000001-0000001\t2026-11-01T10:00:00+00:00\t2026-11-01T11:00:00+00:00\tShipped\t"
        "Merchant\tAmazon.com\tA\n", encoding="utf-8")
    new = write_all_orders(tmp_path / "new-layout.txt", [
        item("111-0000001-0000001", "2026-11-01 10:00", "2026-11-02 11:00", "Cancelled", sku="A"),
        item("111-0000002-0000002", "2026-11-02 10:00", "2026-11-02 11:00", sku="B"),
    ])
    store.import_files([old], store=tmp_path / "s")
    store.import_files([new], store=tmp_path / "s")
    got = store.load(tmp_path / "s").all_orders
    assert list(got.columns[-3:]) == list(store.PROVENANCE_COLUMNS)
    pd.testing.assert_frame_equal(got.drop(columns=list(store.PROVENANCE_COLUMNS)),
                                  read_exports([old, new]).all_orders)
    assert got["order_status"].tolist() == ["cancelled", "shipped"]


# --- layout: one or more part files per purchase month ----------------------------------------
def _parts(root: Path) -> dict[str, Path]:
    live = root / (root / "CURRENT").read_text().strip()
    return {p.name: p for p in sorted((live / "all_orders").iterdir())}


def test_import_touching_one_month_leaves_the_other_months_alone(tmp_path):
    s = tmp_path / "s"
    oct_nov = write_all_orders(tmp_path / "a.txt", [
        item("111-0000001-0000001", "2026-10-30 10:00", "2026-10-30 11:00"),
        item("111-0000002-0000002", "2026-10-31 23:59", "2026-11-01 11:00"),
        item("111-0000003-0000003", "2026-11-01 00:00", "2026-11-01 12:00", "Unshipped"),
    ])
    store.import_files([oct_nov], store=s)
    before = {name: (p.stat().st_ino, p.read_bytes()) for name, p in _parts(s).items()}
    assert sorted(before) == ["2026-10.parquet", "2026-11.parquet"]
    old_rows = store.load(s).all_orders
    # a November-only export: one item updated, one new
    nov = write_all_orders(tmp_path / "b.txt", [
        item("111-0000003-0000003", "2026-11-01 00:00", "2026-11-02 09:00", "Cancelled"),
        item("111-0000004-0000004", "2026-11-02 10:00", "2026-11-02 11:00"),
    ])
    store.import_files([nov], store=s)
    after = _parts(s)
    assert (after["2026-10.parquet"].stat().st_ino, after["2026-10.parquet"].read_bytes()) == \
        before["2026-10.parquet"]
    rows = store.load(s).all_orders
    october = rows[rows["purchase_date"] < pd.Timestamp("2026-11-01", tz="UTC")]
    pd.testing.assert_frame_equal(october.reset_index(drop=True), old_rows.iloc[:2])
    november = rows.set_index("order_id").iloc[2:]
    assert november.index.tolist() == ["111-0000003-0000003", "111-0000004-0000004"]
    assert november["order_status"].tolist() == ["cancelled", "shipped"]
    assert november["source_file"].tolist() == ["b.txt", "b.txt"]
    assert json.loads((s / (s / "CURRENT").read_text().strip() / "manifest.json").read_text())[
        "rows"] == {"all_orders": 4}


def test_new_rows_go_to_new_files_and_untouched_files_are_shared(tmp_path):
    s = tmp_path / "s"
    first = write_all_orders(tmp_path / "a.txt", [
        item("111-0000001-0000001", "2026-11-02 10:00", "2026-11-02 11:00")])
    second = write_all_orders(tmp_path / "b.txt", [
        item("111-0000002-0000002", "2026-11-03 10:00", "2026-11-03 11:00")])
    store.import_files([first], store=s)
    inode = _parts(s)["2026-11.parquet"].stat().st_ino
    store.import_files([second], store=s)
    parts = _parts(s)
    assert sorted(parts) == ["2026-11.1.parquet", "2026-11.parquet"]
    assert parts["2026-11.parquet"].stat().st_ino == inode
    assert store.load(s).all_orders["source_file"].tolist() == ["a.txt", "b.txt"]


def test_a_row_whose_purchase_month_moved_is_still_merged(tmp_path):
    # the same order item dated 31 October in one export and 1 November in a later one
    s = tmp_path / "s"
    a = write_all_orders(tmp_path / "a.txt", [
        item("111-0000001-0000001", "2026-10-31 23:00", "2026-11-01 08:00", "Unshipped")])
    b = write_all_orders(tmp_path / "b.txt", [
        item("111-0000001-0000001", "2026-11-01 01:00", "2026-11-02 08:00", "Cancelled")])
    c = write_all_orders(tmp_path / "c.txt", [  # an older update: loses, stored nowhere
        item("111-0000001-0000001", "2026-10-31 23:00", "2026-11-01 09:00", "Shipped")])
    for path in (a, b, c):
        store.import_files([path], store=s)
    rows = store.load(s).all_orders
    assert rows["order_status"].tolist() == ["cancelled"]
    assert rows["source_file"].tolist() == ["b.txt"]
    assert list(_parts(s)) == ["2026-11.parquet"]


def test_one_import_of_several_files_equals_one_import_each(tmp_path, week1, week2):
    store.import_files([week2, week1], store=tmp_path / "one")
    store.import_files([week2], store=tmp_path / "each")
    store.import_files([week1], store=tmp_path / "each")
    one, each = store.load(tmp_path / "one").all_orders, store.load(tmp_path / "each").all_orders
    pd.testing.assert_frame_equal(canonical(one), canonical(each))
    assert one.set_index("order_id").loc["111-0000001-0000001", "source_file"] == "week2.txt"


def test_a_month_imported_piecemeal_is_compacted(tmp_path):
    s = tmp_path / "s"
    for n in range(MAX_SEGMENTS + 1):
        path = write_all_orders(tmp_path / f"{n}.txt", [
            item(f"111-00000{n:02d}-0000001", f"2026-11-{n + 1:02d} 10:00",
                 f"2026-11-{n + 1:02d} 11:00")])
        store.import_files([path], store=s)
        assert len(_parts(s)) == (n + 1 if n < MAX_SEGMENTS else 1)
    rows = store.load(s).all_orders
    assert rows["source_file"].tolist() == [f"{n}.txt" for n in range(MAX_SEGMENTS + 1)]


def test_a_store_of_format_1_is_read_and_rewritten_by_the_next_import(tmp_path, week1, week2):
    # format 1 kept each kind in one file, <version>/all_orders.parquet, and no part list
    s = tmp_path / "s"
    store.import_files([week1], store=s)
    live = s / (s / "CURRENT").read_text().strip()
    book = json.loads((live / "manifest.json").read_text())
    frame = store.load(s).all_orders
    (live / "all_orders").rename(tmp_path / "parts")
    frame.to_parquet(live / "all_orders.parquet", index=False)
    book = {k: v for k, v in book.items() if k not in ("parts", "columns")} | {"format": 1}
    (live / "manifest.json").write_text(json.dumps(book))
    pd.testing.assert_frame_equal(store.load(s).all_orders, frame)

    store.import_files([week2], store=s)
    live = s / (s / "CURRENT").read_text().strip()
    assert json.loads((live / "manifest.json").read_text())["format"] == 2
    assert not (live / "all_orders.parquet").exists()
    pd.testing.assert_frame_equal(canonical(store.load(s).all_orders),
                                  canonical(read_exports([week1, week2]).all_orders))


def test_a_store_of_a_newer_format_is_refused(tmp_path, week1):
    s = tmp_path / "s"
    store.import_files([week1], store=s)
    manifest_path = s / (s / "CURRENT").read_text().strip() / "manifest.json"
    manifest_path.write_text(json.dumps(json.loads(manifest_path.read_text()) | {"format": 9}))
    with pytest.raises(InputFileError, match="store format 9.*Upgrade oos_analysis"):
        store.load(s)


def test_load_and_import_do_not_change_their_inputs(tmp_path, week1):
    s = tmp_path / "s"
    paths = [week1]
    store.import_files(paths, store=s)
    assert paths == [week1]
    before = snapshot(s)
    store.load(s)
    store.manifest(s)
    store.coverage(s)
    assert snapshot(s) == before


def test_a_damaged_store_is_reported_not_a_traceback(tmp_path, week1, week2, capsys):
    s = tmp_path / "s"
    store.import_files([week1], store=s)
    next(iter(_parts(s).values())).unlink()
    with pytest.raises(InputFileError, match="2026-11.parquet: this file of the store is damaged"):
        store.load(s)
    assert main(["import", str(week2), "--store", str(s)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "re-import" in err and "Traceback" not in err
    assert main(["rate", "--store", str(s)]) == 1
    assert "store verify" in capsys.readouterr().err


@pytest.mark.parametrize("damage", ["truncate", "alter"])
def test_store_verify_names_a_damaged_part(tmp_path, week1, week2, damage, capsys):
    s = tmp_path / "s"
    store.import_files([week1], store=s)
    store.import_files([week2], store=s)
    book = json.loads((store.lock.current_version(s) / "manifest.json").read_text())
    part = sorted(_parts(s).values())[0]
    name = f"{part.parent.name}/{part.name}"
    assert book["checksums"][name] == {"bytes": part.stat().st_size,
                                       "sha256": hashlib.sha256(part.read_bytes()).hexdigest()}
    assert main(["store", "verify", "--store", str(s)]) == 0
    assert "intact" in capsys.readouterr().out
    data = part.read_bytes()
    part.unlink()  # the part is a hard link shared with the previous version: break the link
    if damage == "truncate":
        part.write_bytes(data[: len(data) // 2])
    else:  # one byte changed inside, same size
        middle = len(data) // 2
        part.write_bytes(data[:middle] + bytes([data[middle] ^ 0xFF]) + data[middle + 1:])
    for command in (["store", "verify"], ["store", "info"], ["rate"], ["actions"]):
        assert main([*command, "--store", str(s)]) == 1, command
        err = capsys.readouterr().err
        assert part.name in err and "damaged" in err and "re-import" in err, command
        assert "Traceback" not in err and "Parquet" not in err.replace("Parquet file", ""), command
    with pytest.raises(InputFileError, match="damaged"):
        store.load(s)


def test_a_store_written_before_sku_line_pairs_its_rows_with_new_exports(tmp_path):
    """Part files of an older kit have no ``sku_line``; their rows are line 0, not new lines."""
    import json

    import pyarrow.parquet as pq

    s = tmp_path / "s"
    first = [item("111-0000001-0000001", "2026-11-01T10:00:00+00:00", "2026-11-01T10:00:00+00:00",
                  "Pending"),
             item("111-0000002-0000002", "2026-11-01T11:00:00+00:00", "2026-11-01T11:00:00+00:00")]
    store.import_files([write_all_orders(tmp_path / "week1.txt", first)], store=s)
    # Make the store look as an older kit left it: no sku_line column, no checksums.
    live = s / (s / "CURRENT").read_text().strip()
    for part in (live / "all_orders").glob("*.parquet"):
        table = pq.read_table(part)
        pq.write_table(table.drop_columns(["sku_line"]), part)
    book = json.loads((live / "manifest.json").read_text())
    book.pop("checksums", None)
    for section in ("dtypes", "columns"):
        held = book.get(section, {}).get("all_orders")
        if isinstance(held, dict):
            held.pop("sku_line", None)
        elif isinstance(held, list) and "sku_line" in held:
            held.remove("sku_line")
    (live / "manifest.json").write_text(json.dumps(book))
    assert store.load(s).all_orders["sku_line"].tolist() == [0, 0]
    some = store.load(s, columns={"all_orders": ["order_id", "sku_line"]}).all_orders
    assert some.columns.tolist() == ["order_id", "sku_line"] and some["sku_line"].tolist() == [0, 0]
    from oos_analysis.metric.orders import INPUT_COLUMNS, orders_from_exports
    compact = store.load(s, columns=INPUT_COLUMNS, compact=True)
    assert "sku_line" not in compact.all_orders
    pd.testing.assert_frame_equal(orders_from_exports(compact), orders_from_exports(store.load(s)))
    # The next export updates the first order: it replaces the stored line, it is not added.
    later = [item("111-0000001-0000001", "2026-11-01T10:00:00+00:00",
                  "2026-11-03T09:00:00+00:00", "Cancelled")]
    store.import_files([write_all_orders(tmp_path / "week2.txt", later)], store=s)
    rows = store.load(s).all_orders.sort_values("order_id")
    assert rows["order_id"].tolist() == ["111-0000001-0000001", "111-0000002-0000002"]
    assert rows["order_status"].tolist() == ["cancelled", "shipped"]


def test_a_window_warns_once_of_every_blank_order_id_in_the_store(tmp_path):
    # Blank ids in September (2) and November (1); the window reads November only, yet it says
    # what a read of every month says: 3 rows left out, in one warning of its own class.
    import warnings

    from oos_analysis import MissingOrderIdWarning
    from oos_analysis.metric.months import read_window
    from oos_analysis.metric.orders import orders_from_exports

    rows = [item("111-0000001-0000001", "2026-09-02 10:00", "2026-09-02 11:00"),
            item("", "2026-09-03 10:00", "2026-09-03 11:00", sku="SKU-2"),
            item(" ", "2026-09-04 10:00", "2026-09-04 11:00", sku="SKU-3"),
            item("111-0000002-0000002", "2026-11-02 10:00", "2026-11-02 11:00", "Cancelled"),
            item("", "2026-11-05 10:00", "2026-11-05 11:00", sku="SKU-4")]
    path = write_all_orders(tmp_path / "all.txt", rows)
    with warnings.catch_warnings(record=True) as whole:
        warnings.simplefilter("always")
        exports = read_exports([path])
        orders_from_exports(exports)
    said = [w for w in whole if issubclass(w.category, MissingOrderIdWarning)]
    assert [str(w.message).split(" ")[0] for w in said] == ["3"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        store.import_files([path], store=tmp_path / "store")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        window = read_window(tmp_path / "store", start=pd.Timestamp("2026-11-01").date(),
                             end=pd.Timestamp("2026-11-07").date(), tz="UTC", columns=None)
    assert window is not None
    assert set(window.orders["order_id"]) == {"111-0000002-0000002"}
    blank = [w for w in caught if issubclass(w.category, MissingOrderIdWarning)]
    assert [str(w.message) for w in blank] == [str(said[0].message)]
