"""``oos-analysis actions`` and ``oos-analysis message`` on small export files built here."""

from __future__ import annotations

import json
import re

import pytest

from oos_analysis.cli import main

LOG_HEADER = ("order_id,marketplace,sku,detected_at,ship_by,loss_if_bought,request_sent_at,"
              "reminder_sent_at,official_request_at,resolution,resolved_at,product_name")
# Every action for as-of 2026-11-24 (see the comments), loss cap 20.
LOG_ROWS = [
    "111-0000001-0000001,amazon.com,MUG,2026-11-22,2026-11-26,8.5,,,,open,,Tea mug",  # buy
    "111-0000002-0000002,amazon.com,FAN,2026-11-22,2026-11-26,,,,,open,,Desk fan",  # send_request
    "111-0000003-0000003,amazon.com,LAMP,2026-11-22,2026-11-27,35,2026-11-23 10:00,,,open,,Lamp",
    "111-0000004-0000004,amazon.com,CUP,2026-11-19,2026-11-26,,2026-11-21 09:00,,,open,,Cup",
    "111-0000005-0000005,amazon.com,BAG,2026-11-19,2026-11-26,,2026-11-20,2026-11-22,"
    "2026-11-23 18:00,open,,Bag",  # cancel_buyer_request
    "111-0000006-0000006,amazon.com,PEN,2026-11-19,2026-11-24,,2026-11-20,2026-11-22,,open,,Pen",
    "111-0000007-0000007,amazon.com,INK,2026-11-18,2026-11-22,4,,,,bought,2026-11-18,Ink",
    "111-0000008-0000008,amazon.com,TOY,2026-11-21,2026-11-26,,2026-11-22,,,open,,Toy",  # flag
    "111-0000009-0000009,amazon.com,HAT,2026-11-21,,3,,,,open,,Hat",  # ship-by from report
]
EXPECTED = {
    "111-0000001-0000001": ("buy_at_loss", "2026-11-24"),
    "111-0000002-0000002": ("send_request", "2026-11-24"),
    "111-0000003-0000003": ("wait", "2026-11-25"),
    "111-0000004-0000004": ("send_reminder", "2026-11-23"),
    "111-0000005-0000005": ("cancel_buyer_request", "2026-11-24"),
    "111-0000006-0000006": ("cancel_no_inventory", "2026-11-24"),
    "111-0000008-0000008": ("cancel_buyer_request", "2026-11-24"),
    "111-0000009-0000009": ("buy_at_loss", "2026-11-24"),
}
REPORT_HEADER = ("order-id\torder-item-id\tpurchase-date\tpromise-date\tbuyer-name\tsku\t"
                 "product-name\tquantity-purchased\tsales-channel\tis-buyer-requested-cancellation")
AO_HEADER = ("amazon-order-id\tpurchase-date\tlast-updated-date\torder-status\t"
             "fulfillment-channel\tsales-channel\tsku\titem-status\tquantity")


def _stamp(day: int, hour: int = 10) -> str:
    return f"2026-11-{day:02d}T{hour:02d}:00:00+00:00"


@pytest.fixture
def files(tmp_path):
    log = tmp_path / "stockout-log.csv"
    log.write_text("\n".join([LOG_HEADER, *LOG_ROWS]) + "\n", encoding="utf-8")
    report = tmp_path / "order-report.txt"
    report.write_text("\n".join([
        REPORT_HEADER,
        f"111-0000008-0000008\t1\t{_stamp(21)}\t{_stamp(26, 7)}\tJane Doe\tTOY\tToy\t1\t"
        "Amazon.com\ttrue",
        f"111-0000009-0000009\t2\t{_stamp(21)}\t{_stamp(23, 7)}\tJohn Roe\tHAT\tHat\t1\t"
        "Amazon.com\tfalse",
    ]) + "\n", encoding="utf-8")
    # 100 MFN orders placed 2026-11-18 ... 24 on amazon.com, one of them seller-cancelled.
    rows = [AO_HEADER]
    log_orders = [row.split(",")[0] for row in LOG_ROWS]
    for number in range(100):
        order_id = log_orders[number] if number < len(log_orders) else f"112-{number:07d}-0000000"
        day = 19 if number == 5 else 18 + number % 7
        status, item = ("Cancelled", "Cancelled") if number == 50 else ("Pending", "Unshipped")
        rows.append(f"{order_id}\t{_stamp(day)}\t{_stamp(day)}\t{status}\tMerchant\tAmazon.com\t"
                    f"SKU{number}\t{item}\t1")
    all_orders = tmp_path / "all-orders.txt"
    all_orders.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return {"log": str(log), "report": str(report), "all_orders": str(all_orders),
            "dir": tmp_path}


def run(capsys, *argv):
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_actions_json_covers_every_action(files, capsys):
    status, out, err = run(capsys, "actions", files["log"], files["report"], "--asof",
                           "2026-11-24", "--loss-cap", "20", "--format", "json")
    assert status == 0, err
    records = json.loads(out)
    assert {r["order_id"]: (r["action"], r["due"]) for r in records} == EXPECTED
    for record in records:
        assert {"order_id", "action", "due", "reason"} <= set(record)
        assert record["reason"]
    hat = next(r for r in records if r["order_id"] == "111-0000009-0000009")
    assert hat["past_ship_by"] is True
    # sorted by due day first
    assert [r["due"] for r in records] == sorted(r["due"] for r in records)


def test_actions_parameters_change_the_answer(files, capsys):
    status, out, _ = run(capsys, "actions", files["log"], files["report"], "--asof",
                         "2026-11-24", "--loss-cap", "5", "--reminder-days", "4",
                         "--margin-days", "1", "--format", "json")
    assert status == 0
    got = {r["order_id"]: r["action"] for r in json.loads(out)}
    assert got["111-0000001-0000001"] == "send_request"  # loss 8.5 above cap 5
    assert got["111-0000004-0000004"] == "wait"  # request 3 days old, reminder after 4
    assert got["111-0000009-0000009"] == "buy_at_loss"  # loss 3 within cap 5


def test_actions_show_the_effect_of_no_inventory(files, capsys):
    status, out, err = run(capsys, "actions", files["log"], files["report"], files["all_orders"],
                           "--asof", "2026-11-24", "--loss-cap", "20", "--format", "json")
    assert status == 0, err
    records = {r["order_id"]: r for r in json.loads(out)}
    pen = records["111-0000006-0000006"]
    # 100 orders in the window 18-24 Nov, one counted: 1 % now; 40 * (1 + k) < 100 allows k = 1.
    assert pen["rate_before"] == pytest.approx(0.01)
    assert pen["rate_after"] == pytest.approx(0.02)
    assert (pen["remaining_before"], pen["remaining_after"]) == (1, 0)
    assert records["111-0000001-0000001"]["rate_after"] is None


def test_actions_table_and_csv(files, capsys):
    status, out, _ = run(capsys, "actions", files["log"], files["report"], "--asof",
                         "2026-11-24", "--loss-cap", "20")
    assert status == 0
    assert "cancel_no_inventory" in out and "111-0000002-0000002" in out
    assert "Effect on the current window" not in out  # no All Orders report: no effect
    status, out, err = run(capsys, "actions", files["log"], files["report"], files["all_orders"],
                           "--asof", "2026-11-24", "--loss-cap", "20")
    assert status == 0, err
    assert re.search(r"Effect on the current window: rate \d+\.\d\d% -> \d+\.\d\d%, "
                     r"room for 1 -> 0 more", out)
    assert "PAST SHIP-BY" in out and out.index("PAST SHIP-BY") < out.index("send_request")
    status, out, _ = run(capsys, "actions", files["log"], files["report"], "--asof",
                         "2026-11-24", "--loss-cap", "20", "--format", "csv")
    assert status == 0
    header, *lines = out.strip().splitlines()
    assert header.startswith("order_id,marketplace,sku,action,due")
    assert len(lines) == len(EXPECTED)


def test_actions_default_asof_is_the_data_last_purchase_day(files, capsys):
    # The All Orders export ends on 24 November: the same list as --asof 2026-11-24, whatever
    # today's date, and the command says which day it chose.
    status, out, err = run(capsys, "actions", files["log"], files["report"], files["all_orders"],
                           "--loss-cap", "20", "--format", "json")
    assert status == 0, err
    got = {r["order_id"]: (r["action"], r["due"]) for r in json.loads(out)}
    assert got == EXPECTED
    assert "As of 2026-11-24, the data's last purchase day (UTC), partial" in err
    assert "Amazon cancels an order that is not confirmed" in err


def test_actions_bad_log_is_one_paragraph_naming_rows(files, capsys, tmp_path):
    bad = tmp_path / "bad-log.csv"
    bad.write_text("\n".join([
        LOG_HEADER,
        "111-0000001-0000001,amazon.com,MUG,2026-11-22,2026-11-26,,,2026-11-23,,open,,Mug",
        "111-0000002-0000002,amazon.com,FAN,2026-11-22,,,,,,open,,Fan",
    ]) + "\n", encoding="utf-8")
    before = bad.read_bytes()
    status, out, err = run(capsys, "actions", str(bad), "--asof", "2026-11-24")
    assert status == 1 and out == ""
    assert err.startswith("error: ") and err.count("\n") == 1
    assert "line 2 (order 111-0000001-0000001)" in err and "request_sent_at is empty" in err
    assert "line 3 (order 111-0000002-0000002)" in err and "no ship-by date" in err
    assert "Traceback" not in err
    assert bad.read_bytes() == before


def test_actions_bad_asof(files, capsys):
    status, _, err = run(capsys, "actions", files["log"], "--asof", "24/11/2026")
    assert status in (1, 2)
    assert "--asof" in err


def test_message_prints_the_request(files, capsys):
    status, out, err = run(capsys, "message", "111-0000002-0000002", files["log"],
                           "--shop", "Kaede Goods")
    assert status == 0, err
    assert "Desk fan" in out
    assert "https://www.amazon.com/gp/help/customer/display.html?nodeId=GSL37WQTJZUYA9QE" in out
    assert out.rstrip().endswith("Kaede Goods")


def test_message_reminder_japanese_and_templates(files, capsys):
    status, out, _ = run(capsys, "message", "111-0000004-0000004", files["log"], "--reminder")
    assert status == 0 and "2026-11-21" in out and "Thank you again" in out
    status, out, _ = run(capsys, "message", "111-0000004-0000004", files["log"], "--lang", "ja")
    assert status == 0 and "ありがとうございます" in out
    custom = files["dir"] / "templates"
    custom.mkdir()
    (custom / "request_en.txt.j2").write_text("Order {{ order_id }}: {{ cancellation_url }}\n",
                                             encoding="utf-8")
    status, out, _ = run(capsys, "message", "111-0000002-0000002", files["log"],
                         "--templates", str(custom))
    assert status == 0
    assert out == ("Order 111-0000002-0000002: "
                   "https://www.amazon.com/gp/help/customer/display.html?nodeId=GSL37WQTJZUYA9QE\n")


def test_message_uses_no_buyer_data(files, capsys):
    status, out, _ = run(capsys, "message", "111-0000009-0000009", files["log"], files["report"])
    assert status == 0
    assert "John" not in out and "Roe" not in out


def test_message_errors(files, capsys):
    status, out, err = run(capsys, "message", "999-9999999-9999999", files["log"])
    assert status == 1 and out == "" and "not in the stock-out log" in err
    status, _, err = run(capsys, "message", "111-0000002-0000002", files["log"], "--reminder")
    assert status == 1 and "no request_sent_at" in err
    status, _, err = run(capsys, "message", "111-0000007-0000007", files["log"])
    assert status == 1 and "closed" in err
