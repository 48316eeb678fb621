"""The rate, budget and reconcile subcommands on export files written in tmp_path."""

import json

import pytest

from oos_analysis.cli import main

HEADER = ("amazon-order-id\tmerchant-order-id\tpurchase-date\tlast-updated-date\torder-status\t"
          "fulfillment-channel\tsales-channel\tproduct-name\tsku\tasin\titem-status\tquantity\n")


def line(oid, purchase, status="Shipped", item="Shipped", channel="Merchant", sales="Amazon.com",
         sku="SKU-1"):
    return f"{oid}\t\t{purchase}\t{purchase}\t{status}\t{channel}\t{sales}\tMug\t{sku}\tB0{sku[-1]}\t{item}\t1\n"


def write_orders(path, per_day, *, cancelled=(), extra=""):
    """per_day: {day_of_march: count}; cancelled: order ids to mark Cancelled."""
    rows = [HEADER]
    for d, count in per_day.items():
        for i in range(count):
            oid = f"111-{d:07d}-{i:07d}"
            if oid in cancelled:
                rows.append(line(oid, f"2026-03-{d:02d}T12:00:00+00:00", "Cancelled", ""))
            else:
                rows.append(line(oid, f"2026-03-{d:02d}T12:00:00+00:00"))
    path.write_text("".join(rows) + extra, encoding="utf-8")
    return path


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(("n", "status"), [(40, "breach"), (41, "ok")])
def test_rate_csv_40_vs_41(tmp_path, capsys, n, status):
    # n-1 orders on Mar 1 (one cancelled), one on Mar 7: the Mar 7 window holds n orders
    f = write_orders(tmp_path / "all.txt", {1: n - 1, 7: 1}, cancelled={"111-0000001-0000000"})
    code, out, _ = run(capsys, "rate", str(f), "--format", "csv")
    assert code == 0
    # the file's newest update is 7 March 12:00, so 7 March may be partial: not complete
    assert out.splitlines() == [
        "marketplace,date,orders,seller_cancellations,rate,status,complete",
        f"amazon.com,2026-03-07,{n},1,{1 / n!r},{status},False",
    ]


def test_rate_csv_partial_and_empty_rate(tmp_path, capsys):
    f = write_orders(tmp_path / "all.txt", {1: 2, 9: 1}, cancelled={"111-0000001-0000001"})
    code, out, _ = run(capsys, "rate", str(f), "--format", "csv", "--include-partial",
                       "--from", "2026-03-01", "--to", "2026-03-09")
    lines = out.splitlines()
    assert lines[1] == "amazon.com,2026-03-01,2,1,0.5,breach,False"
    assert lines[7] == "amazon.com,2026-03-07,2,1,0.5,breach,True"
    assert lines[8] == "amazon.com,2026-03-08,0,0,,no-orders,True"
    assert lines[9] == "amazon.com,2026-03-09,1,0,0.0,ok,False"  # the last day may be partial
    assert len(lines) == 10


def test_rate_ignores_afn_and_non_amazon_and_tz_moves_days(tmp_path, capsys):
    f = tmp_path / "all.txt"
    f.write_text(
        HEADER
        + line("111-1", "2026-03-09T23:30:00-07:00")  # Mar 10 UTC, Mar 9 in LA
        + line("111-2", "2026-03-09T16:00:00-07:00")  # Mar 9 both
        + line("111-3", "2026-03-09T12:00:00+00:00", "Cancelled", "", channel="Amazon")
        + line("111-4", "2026-03-09T12:00:00+00:00", "Cancelled", "", sales="Non-Amazon"),
        encoding="utf-8",
    )
    _, out, _ = run(capsys, "rate", str(f), "--format", "csv", "--include-partial")
    assert out.splitlines()[1:] == ["amazon.com,2026-03-09,1,0,0.0,ok,False",
                                    "amazon.com,2026-03-10,2,0,0.0,ok,False"]
    _, out, _ = run(capsys, "rate", str(f), "--format", "csv", "--include-partial",
                    "--tz", "America/Los_Angeles")
    assert out.splitlines()[1:] == ["amazon.com,2026-03-09,2,0,0.0,ok,False"]


def test_rate_table_is_for_people(tmp_path, capsys):
    f = write_orders(tmp_path / "all.txt", {1: 39, 7: 1}, cancelled={"111-0000001-0000000"},
                     extra=line("111-9", "2026-03-02T12:00:00+00:00", channel="Amazon"))
    code, out, _ = run(capsys, "rate", str(f))
    assert code == 0
    assert "2.50%" in out and "BREACH" in out and ">= 2.50%" in out
    assert "left out 1 FBA (AFN)" in out and "1 cancellation(s) could not be attributed" in out


def test_budget_json(tmp_path, capsys):
    f = write_orders(tmp_path / "all.txt", {d: 10 for d in range(1, 11)},
                     cancelled={"111-0000005-0000000", "111-0000009-0000003"})
    before = f.read_bytes()
    code, out, _ = run(capsys, "budget", str(f), "--format", "json")
    assert code == 0 and f.read_bytes() == before
    [obj] = json.loads(out)
    assert {k: obj[k] for k in ("marketplace", "asof", "orders", "seller_cancellations",
                                 "remaining", "back_under_target_on")} == {
        "marketplace": "amazon.com", "asof": "2026-03-10", "orders": 70, "seller_cancellations": 2,
        "remaining": 0, "back_under_target_on": "2026-03-12",
    }
    assert obj["rate"] == pytest.approx(2 / 70)
    assert obj["rolls_off"] == [
        {"order_id": "111-0000005-0000000", "purchase_date": "2026-03-05T12:00:00Z",
         "attribution": "unknown", "leaves_window_on": "2026-03-12"},
        {"order_id": "111-0000009-0000003", "purchase_date": "2026-03-09T12:00:00Z",
         "attribution": "unknown", "leaves_window_on": "2026-03-16"},
    ]
    assert [(r["sku"], r["seller_cancellations"], r["level"]) for r in obj["listing_risk"]] == [
        ("SKU-1", 2, "at_risk")
    ]
    code, out, _ = run(capsys, "budget", str(f), "--asof", "2026-03-10")
    assert code == 0 and "BREACH" in out and "leaves the window on 2026-03-12" in out
    assert "AT RISK" in out


def test_cancel_download_override_through_cli(tmp_path, capsys):
    f = write_orders(tmp_path / "all.txt", {1: 40, 7: 1}, cancelled={"111-0000001-0000000",
                                                                       "111-0000001-0000001"})
    d = tmp_path / "cancel.csv"
    d.write_text("Order Date,Order ID,Impacts Account Health\n2026-03-01,111-0000001-0000001,No\n",
                 encoding="utf-8")
    _, out, _ = run(capsys, "rate", str(f), "--format", "csv")
    assert out.splitlines()[1] == f"amazon.com,2026-03-07,41,2,{2 / 41!r},breach,False"
    _, out, _ = run(capsys, "rate", str(f), str(d), "--format", "csv")
    assert out.splitlines()[1] == f"amazon.com,2026-03-07,41,1,{1 / 41!r},ok,False"


def test_reconcile_cli(tmp_path, capsys):
    f = write_orders(tmp_path / "all.txt", {d: 10 for d in range(2, 9)}, cancelled={"111-0000003-0000000"})
    p = tmp_path / "perf.json"
    p.write_text(json.dumps({"performanceMetrics": [{"marketplaceId": "ATVPDKIKX0DER",
        "preFulfillmentCancellationRate": {"reportingDateRange": {
            "reportingDateFrom": "2026-03-02T00:00:00Z", "reportingDateTo": "2026-03-08T23:59:59Z"},
            "orderCount": 70, "cancellationCount": 0, "status": "GOOD", "rate": 0.0,
            "targetValue": 0.025, "targetCondition": "LESS_THAN"}}]}), encoding="utf-8")
    code, out, _ = run(capsys, "reconcile", str(f), str(p), "--format", "json")
    assert code == 0
    [row] = json.loads(out)
    assert (row["amazon_orders"], row["kit_orders"], row["amazon_cancellations"],
            row["kit_cancellations"]) == (70, 70, 0, 1)
    assert row["likely_reason"].startswith("unattributed cancellations")
    code, out, _ = run(capsys, "reconcile", str(f), str(p))
    assert "Likely reason" in out and "1.43%" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [(["rate"], "no export file given"), (["rate", "{f}", "--tz", "Nowhere/Land"], "--tz"),
     (["rate", "{f}", "--from", "03/01/2026"], "--from expects YYYY-MM-DD"),
     (["rate", "{f}", "--from", "2026-03-09", "--to", "2026-03-01"],
      "--from 2026-03-09 is after --to 2026-03-01"),
     (["rate", "{f}", "--threshold", "2.5"], "0.025"),
     (["budget", "{f}", "--asof", "tomorrow"], "--asof expects YYYY-MM-DD"),
     (["reconcile", "{f}"], "Seller Performance"),
     (["rate", "{f}", "--marketplace", "amazon.de"], "amazon.com")],
)
def test_errors_are_one_paragraph(tmp_path, capsys, argv, message):
    f = write_orders(tmp_path / "all.txt", {1: 3})
    code, out, err = run(capsys, *[a.replace("{f}", str(f)) for a in argv])
    assert code == 1 and out == ""
    assert err.startswith("error: ") and message in err and "Traceback" not in err


@pytest.mark.parametrize("window", [["--from", "2026-04-01"], ["--to", "2026-02-20"],
                                    ["--from", "2026-02-01", "--to", "2026-02-27"]])
def test_rate_window_outside_the_data_says_where_the_data_is(tmp_path, capsys, window):
    # orders on 1 and 9 March (UTC): in Tokyo the 12:00 UTC orders fall on the same days
    f = write_orders(tmp_path / "all.txt", {1: 2, 9: 1})
    code, out, err = run(capsys, "rate", str(f), "--format", "csv", "--tz", "Asia/Tokyo",
                         *window)
    assert code == 0
    assert out.splitlines() == ["marketplace,date,orders,seller_cancellations,rate,status,complete"]
    assert ("No day of the data lies in the days asked for: its MFN orders run from 2026-03-01 "
            "to 2026-03-09 (Asia/Tokyo days).") in err


def test_rate_window_inside_the_data_adds_no_such_note(tmp_path, capsys):
    f = write_orders(tmp_path / "all.txt", {1: 2, 9: 1})
    code, out, err = run(capsys, "rate", str(f), "--format", "csv", "--from", "2026-03-08")
    assert code == 0 and len(out.splitlines()) == 3 and "No day of the data" not in err
