"""The sample generator: byte-stable, consistent with the rule, and shaped like Amazon's files.

The consistency checks recount everything from the raw files with plain pandas (tab-separated,
quoting off, every field a string), independently of the generator's own bookkeeping.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oos_analysis import generate_sample
from oos_analysis.cli import main
from oos_analysis.exceptions import InputFileError, ParameterError
from oos_analysis.sample import SAMPLE_FILES

COMMITTED = Path(__file__).resolve().parents[1] / "data" / "sample"
LOG_HEADER = ("order_id,marketplace,sku,detected_at,ship_by,loss_if_bought,request_sent_at,"
              "reminder_sent_at,official_request_at,resolution,resolved_at")


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("sample")
    generate_sample(folder)
    return folder


def tsv(path: Path, encoding: str = "utf-8") -> pd.DataFrame:
    return pd.read_csv(path, sep="\t", quoting=3, dtype=str, keep_default_na=False,
                       encoding=encoding)


def log_csv(path: Path, encoding: str = "utf-8") -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding=encoding)


def recount(folder: Path, marketplace: str = "amazon.com"):
    """Hand-rolled cancel-rate inputs per order: UTC day, cancelled, officially buyer-requested."""
    items = tsv(folder / "us" / "all-orders.txt")
    channel = "A" + marketplace[1:]
    mfn = items[(items["fulfillment-channel"] == "Merchant") & (items["sales-channel"] == channel)]
    mfn = mfn.assign(
        day=pd.to_datetime(mfn["purchase-date"], utc=True, format="ISO8601").dt.date,
        cancelled=(mfn["order-status"] == "Cancelled") | (mfn["item-status"] == "Cancelled"),
    )
    orders = mfn.groupby("amazon-order-id").agg(day=("day", "first"),
                                                cancelled=("cancelled", "any"))
    report = tsv(folder / "us" / "order-report.txt")
    log = log_csv(folder / "us" / "stockout-log.csv")
    official = set(report.loc[report["is-buyer-requested-cancellation"] == "true", "order-id"])
    official |= set(log.loc[(log["resolution"] == "buyer_cancelled")
                            & (log["official_request_at"] != ""), "order_id"])
    orders["official"] = orders.index.isin(official)
    orders["counted"] = orders["cancelled"] & ~orders["official"]
    return orders


def performance(folder: Path) -> dict:
    report = json.loads((folder / "us" / "seller-performance.json").read_text())
    return {m["marketplaceId"]: m for m in report["performanceMetrics"]}


def json_range(metric: dict) -> tuple[dt.date, dt.date]:
    span = metric["preFulfillmentCancellationRate"]["reportingDateRange"]
    assert span["reportingDateFrom"].endswith("T00:00:00Z")
    assert span["reportingDateTo"].endswith("T23:59:59Z")
    return (dt.date.fromisoformat(span["reportingDateFrom"][:10]),
            dt.date.fromisoformat(span["reportingDateTo"][:10]))


def check_consistency(folder: Path, end: dt.date) -> None:
    metrics = performance(folder)
    assert set(metrics) == {"ATVPDKIKX0DER", "A2EUQ1WTGCTBG2"}
    for marketplace_id, marketplace in (("ATVPDKIKX0DER", "amazon.com"),
                                        ("A2EUQ1WTGCTBG2", "amazon.ca")):
        metric = metrics[marketplace_id]
        first, last = json_range(metric)
        assert (first, last) == (end - dt.timedelta(days=7), end - dt.timedelta(days=1))
        orders = recount(folder, marketplace)
        window = orders[(orders["day"] >= first) & (orders["day"] <= last)]
        cancel = metric["preFulfillmentCancellationRate"]
        assert cancel["orderCount"] == len(window)
        assert cancel["cancellationCount"] == int(window["counted"].sum())
        assert cancel["rate"] == pytest.approx(window["counted"].sum() / len(window), abs=0)
        assert cancel["targetValue"] == 0.025 and cancel["targetCondition"] == "LESS_THAN"
        assert cancel["status"] == ("GOOD" if 40 * window["counted"].sum() < len(window) else "BAD")
    # The Account Health download: every cancelled amazon.com MFN order of the JSON range, once.
    first, last = json_range(metrics["ATVPDKIKX0DER"])
    orders = recount(folder)
    listed = orders[orders["cancelled"] & (orders["day"] >= first) & (orders["day"] <= last)]
    expected = {(day.isoformat(), order_id, "Yes" if counted else "No")
                for order_id, day, counted in zip(listed.index, listed["day"], listed["counted"],
                                                   strict=True)}
    download = pd.read_csv(folder / "us" / "account-health-cancel-rate.csv", dtype=str)
    assert list(download.columns) == ["Order Date", "Order ID", "Impacts Account Health"]
    assert set(map(tuple, download.to_numpy())) == expected
    assert len(download) == len(expected)


# --- the committed data and determinism ------------------------------------------------------

def test_committed_sample_is_exactly_what_the_generator_writes(sample):
    committed = sorted(p.relative_to(COMMITTED).as_posix() for p in COMMITTED.rglob("*")
                       if p.is_file())
    assert committed == sorted(SAMPLE_FILES)
    for name in SAMPLE_FILES:
        assert (sample / name).read_bytes() == (COMMITTED / name).read_bytes(), name


def test_another_seed_gives_other_data(sample, tmp_path):
    files = generate_sample(tmp_path, seed=7)
    assert sorted(files) == sorted(SAMPLE_FILES)
    for name in ("us/all-orders.txt", "us/stockout-log.csv", "jp/all-orders.txt"):
        assert files[name].read_bytes() != (sample / name).read_bytes(), name
    assert files["stockout-log-template.csv"].read_bytes() == (
        sample / "stockout-log-template.csv").read_bytes()


def test_returns_the_paths_it_wrote(tmp_path):
    files = generate_sample(tmp_path / "new" / "folder", weeks=4)
    assert {name: path.relative_to(tmp_path / "new" / "folder").as_posix()
            for name, path in files.items()} == {name: name for name in SAMPLE_FILES}
    assert all(path.stat().st_size > 0 for path in files.values())


# --- consistency with the rule ---------------------------------------------------------------

def test_json_and_download_agree_with_a_hand_count(sample):
    check_consistency(sample, dt.date(2026, 11, 24))


def test_the_json_window_exercises_every_kind_of_evidence(sample):
    first, last = json_range(performance(sample)["ATVPDKIKX0DER"])
    orders = recount(sample)
    window = orders[(orders["day"] >= first) & (orders["day"] <= last)]
    log = log_csv(sample / "us" / "stockout-log.csv").set_index("order_id")
    cancelled = window[window["cancelled"]]
    assert cancelled["official"].sum() >= 1 and cancelled["counted"].sum() >= 1
    counted = cancelled.index[cancelled["counted"]]
    # A buyer who asked by message only: buyer_cancelled without official_request_at, counted.
    message_only = [o for o in counted if o in log.index
                    and log.loc[o, "resolution"] == "buyer_cancelled"]
    assert len(message_only) == 1 and log.loc[message_only[0], "official_request_at"] == ""
    unattributed = [o for o in counted if o not in log.index]
    assert len(unattributed) == 1


def test_story_one_breach_episode_and_a_healthy_last_window(sample):
    orders = recount(sample)
    days = pd.date_range("2026-08-26", "2026-11-24").date
    n = orders.groupby("day").size().reindex(days, fill_value=0).to_numpy()
    c = orders.groupby("day")["counted"].sum().reindex(days, fill_value=0).to_numpy()
    wn = np.array([n[max(0, i - 6): i + 1].sum() for i in range(len(days))])
    wc = np.array([c[max(0, i - 6): i + 1].sum() for i in range(len(days))])
    breach = 40 * wc >= wn
    starts = np.flatnonzero(np.diff(np.r_[0, breach.astype(int)]) == 1)
    assert len(starts) == 1
    assert 4 <= breach.sum() <= 5 and breach[starts[0]: starts[0] + breach.sum()].all()
    assert not breach[-7:].any()
    assert 1 <= wc[-1] <= 3
    budget = next(k for k in range(100) if 40 * (wc[-1] + k + 1) >= wn[-1])
    assert 1 <= budget <= 5
    cancelled = orders[orders["cancelled"]]
    assert cancelled["official"].sum() >= 5 and cancelled["counted"].sum() >= 15


def test_every_log_row_matches_its_order(sample):
    for folder, encoding in (("us", "utf-8"), ("jp", "cp932")):
        items = tsv(sample / folder / "all-orders.txt", encoding)
        log = log_csv(sample / folder / "stockout-log.csv", encoding)
        assert ",".join(log.columns[:11]) == LOG_HEADER
        assert log["order_id"].is_unique
        for row in log.itertuples():
            rows = items[items["amazon-order-id"] == row.order_id]
            assert len(rows), row.order_id
            assert rows["fulfillment-channel"].eq("Merchant").all()
            assert rows["sales-channel"].str.lower().eq(row.marketplace).all()
            status = set(rows["order-status"])
            assert len(status) == 1
            status = status.pop()
            item_cancelled = rows["item-status"].eq("Cancelled").any()
            if row.resolution == "bought":
                assert status in {"Shipped", "Unshipped"} and not item_cancelled
                assert row.loss_if_bought != ""
            elif row.resolution == "buyer_cancelled":
                assert status == "Cancelled"
            elif row.resolution == "no_inventory":
                assert status == "Cancelled" or (status == "Shipped" and item_cancelled)
                if status == "Shipped":
                    cancelled_skus = set(rows.loc[rows["item-status"] == "Cancelled", "sku"])
                    assert cancelled_skus == {row.sku}
            else:
                assert row.resolution == "open" and status in {"Unshipped", "Pending"}
            if row.resolution != "open":
                assert row.resolved_at != ""
            assert row.sku in set(rows["sku"])


def test_open_cases_cover_every_playbook_situation(sample):
    log = log_csv(sample / "us" / "stockout-log.csv")
    stamps = ["detected_at", "request_sent_at", "reminder_sent_at", "official_request_at"]
    opened = log[log["resolution"] == "open"].copy()
    for column in stamps:
        opened[column] = pd.to_datetime(opened[column].replace("", None), utc=True,
                                        format="ISO8601")
    end = pd.Timestamp("2026-11-24", tz="UTC")
    assert (opened[stamps].max(axis=1) < end).all()
    ship_by = pd.to_datetime(opened["ship_by"]).dt.date
    no_source = opened["loss_if_bought"] == ""
    request_age = (end - opened["request_sent_at"]) / pd.Timedelta(days=1)
    situations = {
        "buy at a loss": (~no_source).sum(),
        "send request": (no_source & opened["request_sent_at"].isna()).sum(),
        "request < 2 days": (request_age < 2).sum(),
        "request >= 2 days, no reminder": (
            (request_age >= 2) & opened["reminder_sent_at"].isna()
            & opened["official_request_at"].isna()).sum(),
        "official request": opened["official_request_at"].notna().sum(),
        "reminder, ship-by reached": (
            opened["reminder_sent_at"].notna() & (ship_by == end.date())).sum(),
        "past ship-by": (ship_by < end.date()).sum(),
    }
    assert situations == dict.fromkeys(situations, 1)
    assert len(opened) == 7


# --- the shape of the raw exports ------------------------------------------------------------

def test_all_orders_looks_like_the_sp_api_report(sample):
    raw = (sample / "us" / "all-orders.txt").read_bytes()
    assert b"\r\n" not in raw and not raw.startswith(b"\xef\xbb\xbf")
    header = raw.decode().split("\n")[0].split("\t")
    assert len(header) == 33 and "url" not in header
    assert header[28] == "cpf" and header[-1] == "signature-confirmation-recommended"
    items = tsv(sample / "us" / "all-orders.txt")
    offsets = items["purchase-date"].str[-6:].value_counts()
    assert set(offsets.index) == {"+00:00", "-07:00"}
    assert offsets["+00:00"] > 3 * offsets["-07:00"] > 0
    names = set(items["product-name"])
    assert any(n.startswith('"') and not n.endswith('"') for n in names)
    assert any("|" in n and "," in n for n in names)
    assert any(n.endswith(" ") for n in names)
    whole = items[items["order-status"] == "Cancelled"]
    assert whole["item-status"].eq("").all() and whole["quantity"].eq("0").all()
    assert whole["item-price"].eq("").any() and whole["item-price"].ne("").any()
    partial = items[(items["order-status"] == "Shipped") & (items["item-status"] == "Cancelled")]
    assert partial["amazon-order-id"].nunique() == 2
    assert partial["fulfillment-channel"].eq("Merchant").all()
    afn = items[items["fulfillment-channel"] == "Amazon"]
    assert afn["order-status"].eq("Cancelled").any()
    assert set(afn["sales-channel"]) == {"Amazon.com", "Non-Amazon"}
    assert items["sales-channel"].eq("Amazon.ca").any()


def test_order_volume_and_mix(sample):
    items = tsv(sample / "us" / "all-orders.txt")
    items["day"] = pd.to_datetime(items["purchase-date"], utc=True, format="ISO8601").dt.date
    merchant = items["fulfillment-channel"] == "Merchant"
    com = items[merchant & (items["sales-channel"] == "Amazon.com")]
    per_day = com.groupby("day")["amazon-order-id"].nunique()
    assert (per_day.index.max() - per_day.index.min()).days + 1 >= 84
    assert ((per_day >= 20) & (per_day <= 40)).mean() >= 0.9
    weekday = per_day.groupby(pd.to_datetime(per_day.index).day_of_week).mean()
    assert weekday.max() - weekday.min() >= 2
    size = com.groupby("amazon-order-id").size()
    assert 0.08 <= (size > 1).mean() <= 0.25 and size.max() == 3
    ca = items[merchant & (items["sales-channel"] == "Amazon.ca")]
    assert ca.groupby("day")["amazon-order-id"].nunique().between(1, 4).all()


def test_order_report_has_buyer_request_columns_and_fake_pii(sample):
    path = sample / "us" / "order-report.txt"
    text = path.read_text()
    lines = text.split("\n")[:-1]
    header = lines[0].split("\t")
    for column in ("is-buyer-requested-cancellation", "buyer-requested-cancel-reason",
                   "sales-channel", "promise-date", "buyer-email", "buyer-name", "ship-address-1"):
        assert column in header
    widths = {len(line.split("\t")) for line in lines[1:]}
    assert widths == {len(header)}  # every row complete: the sample opens without a warning
    report = tsv(path)
    assert report["buyer-email"].str.fullmatch(r"buyer\d{4}@example\.com").all()
    assert report["buyer-name"].str.fullmatch(r"Sample Buyer \d+").all()
    assert report["ship-address-1"].str.fullmatch(r"\d+ Example Street").all()
    assert set(report["sales-channel"]) == {"Amazon.com", "Amazon.ca"}
    assert set(report["is-buyer-requested-cancellation"]) == {"true", "false"}
    flagged = report[report["is-buyer-requested-cancellation"] == "true"]
    assert flagged["buyer-requested-cancel-reason"].ne("").all()
    days = pd.to_datetime(report["purchase-date"], utc=True, format="ISO8601").dt.date
    assert days.min() == dt.date(2026, 10, 26) and days.max() == dt.date(2026, 11, 24)
    items = tsv(sample / "us" / "all-orders.txt")
    mfn = set(items.loc[items["fulfillment-channel"] == "Merchant", "amazon-order-id"])
    assert set(report["order-id"]) <= mfn


def test_no_real_amazon_relay_address_anywhere(sample):
    for name in SAMPLE_FILES:
        assert b"@marketplace.amazon" not in (sample / name).read_bytes(), name


def test_jp_variant_is_cp932_with_jst_offsets(sample):
    raw = (sample / "jp" / "all-orders.txt").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    text = raw.decode("cp932")
    assert "南部鉄器 急須 0.6L" in text
    items = tsv(sample / "jp" / "all-orders.txt", "cp932")
    assert items["purchase-date"].str.endswith("+09:00").all()
    assert set(items["sales-channel"]) == {"Amazon.co.jp"} and set(items["currency"]) <= {"JPY", ""}
    days = pd.to_datetime(items["purchase-date"], utc=True, format="ISO8601").dt.date
    assert 14 <= (days.max() - days.min()).days + 1 <= 21
    log = (sample / "jp" / "stockout-log.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        log.decode("utf-8")
    assert log.count(b"\r\n") == log.count(b"\n") == 7
    assert "+09:00" in log.decode("cp932")


def test_template_is_the_header_only(sample):
    assert (sample / "stockout-log-template.csv").read_text() == LOG_HEADER + "\n"


def test_readme_names_the_exact_command(sample):
    readme = (sample / "README.md").read_text()
    command = "python -m oos_analysis.sample data/sample --seed 2026 --end 2026-11-24 --weeks 13"
    assert command in readme
    assert re.search(r"2\.5% from \w{3} 2026-1\d-\d\d to \w{3} 2026-1\d-\d\d \([45] days\)", readme)


# --- invariants over seeds, end days and lengths ---------------------------------------------

@settings(max_examples=6, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), weeks=st.integers(4, 6),
       end=st.dates(dt.date(2024, 1, 1), dt.date(2030, 12, 31)))
def test_any_seed_gives_consistent_files(tmp_path_factory, seed, weeks, end):
    folder = tmp_path_factory.mktemp("any")
    generate_sample(folder, seed=seed, weeks=weeks, end=end)
    check_consistency(folder, end)
    orders = recount(folder)
    assert orders["day"].max() == end
    assert (end - orders["day"].min()).days + 1 == 7 * weeks


# --- errors and the command line -------------------------------------------------------------

@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"weeks": 3}, "at least 4 whole weeks"),
        ({"weeks": 4.5}, "at least 4 whole weeks"),
        ({"seed": -1}, "expected a whole number"),
        ({"seed": "x"}, "expected a whole number"),
        ({"end": "2026-13-01"}, "is not a date"),
        ({"end": "24.11.2026"}, "is not a date"),
    ],
)
def test_bad_parameters(tmp_path, kwargs, message):
    with pytest.raises(ParameterError, match=message):
        generate_sample(tmp_path, **kwargs)
    assert not any(tmp_path.iterdir())


def test_out_dir_that_is_a_file(tmp_path):
    target = tmp_path / "taken"
    target.write_text("keep me")
    with pytest.raises(InputFileError, match="cannot write the sample there"):
        generate_sample(target, weeks=4)
    assert target.read_text() == "keep me"


def test_cli_writes_the_files_and_reports_errors(tmp_path, capsys):
    assert main(["sample", str(tmp_path / "out"), "--weeks", "4", "--seed", "3"]) == 0
    out = capsys.readouterr().out
    assert out.count("wrote ") == len(SAMPLE_FILES)
    assert (tmp_path / "out" / "us" / "all-orders.txt").exists()
    assert main(["sample", str(tmp_path / "bad"), "--end", "someday"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: end='someday' is not a date") and "Traceback" not in err


# --- read back with the kit's own readers ----------------------------------------------------

def test_the_kit_reads_the_us_files_and_reconciles_with_amazon(sample):
    from oos_analysis import daily_rate, orders_from_exports
    from oos_analysis.exceptions import DataQualityWarning
    from oos_analysis.io.readers import read_exports
    from oos_analysis.io.schema import is_pii_column, snake_case
    from oos_analysis.metric.reconciliation import reconcile
    from oos_analysis.sample.formats import ORDER_REPORT_HEADER

    with warnings.catch_warnings():
        warnings.simplefilter("error", DataQualityWarning)  # the sample opens cleanly
        exports = read_exports(sorted((sample / "us").iterdir()))
    assert set(exports.summary()["kind"]) == {"all_orders", "order_report", "cancel_download",
                                              "seller_performance", "stockout_log"}
    report = exports.order_report
    pii = {"buyer_email", "buyer_name", "buyer_phone_number", "recipient_name", "ship_address_1",
           "ship_address_2", "ship_address_3", "cpf", "buyer_identification_number"}
    assert pii <= {c for c in map(snake_case, ORDER_REPORT_HEADER) if is_pii_column(c)}
    assert not pii & set(report.columns)
    text = report.astype(str)
    assert not text.apply(lambda s: s.str.contains("example", regex=False)).any().any()
    orders = orders_from_exports(exports)
    table = reconcile(orders, exports.seller_performance).set_index("marketplace")
    assert (table["kit_orders"] == table["amazon_orders"]).all()
    assert (table["kit_cancellations"] == table["amazon_cancellations"]).all()
    assert set(table["likely_reason"]) == {"all consistent"}
    rate = daily_rate(orders, marketplace="amazon.com")
    assert 4 <= (rate["status"] == "breach").sum() <= 5
    assert rate.iloc[-1]["status"] != "breach"


def test_the_playbook_finds_one_case_per_situation(sample):
    from oos_analysis import next_actions
    from oos_analysis.io.readers import read_stockout_log

    log = read_stockout_log(sample / "us" / "stockout-log.csv")
    actions = next_actions(log, asof="2026-11-24")
    assert sorted(actions["action"]) == sorted([
        "buy_at_loss", "send_request", "wait", "send_reminder", "cancel_buyer_request",
        "cancel_no_inventory", "cancel_no_inventory"])
    assert actions["past_ship_by"].sum() == 1


def test_the_kit_reads_the_jp_files_as_cp932(sample):
    from oos_analysis.io.readers import read_exports

    exports = read_exports(sorted((sample / "jp").iterdir()))
    assert set(exports.summary()["encoding"]) == {"cp932"}
    items = exports.all_orders
    assert "南部鉄器 急須 0.6L" in set(items["product_name"])
    assert set(items["marketplace"]) == {"amazon.co.jp"}
    assert str(items["purchase_date"].dt.tz) == "UTC"
    log = exports.stockout_log
    assert set(log["order_id"]) <= set(items["order_id"])
    assert log["notes"].str.contains("在庫切れ").any()
