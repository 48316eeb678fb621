"""oos_analysis.io.files: gzip, BOM, encodings, report-kind detection and the errors for non-reports."""

from __future__ import annotations

import gzip
import hashlib
import io

import pytest

from oos_analysis.exceptions import InputFileError, ReportFormatError, UnknownReportError
from oos_analysis.io import schema
from oos_analysis.io.files import detect_encoding, detect_kind, header_fields, load, read_head


def test_utf8_plain_and_bom(fixtures):
    plain = load(fixtures / "all-orders-2022-real.txt")
    assert plain.encoding == "utf-8"
    bom = load(fixtures / "all-orders-bom-crlf.txt")
    assert bom.encoding == "utf-8-sig"
    assert bom.data.startswith(b"amazon-order-id\t")


def test_gzip_is_sniffed_by_magic_bytes_not_name(fixtures, tmp_path):
    plain = load(fixtures / "all-orders-2022-real.txt").data
    assert load(fixtures / "all-orders.txt.gz").data == plain
    disguised = tmp_path / "report.txt"  # gzip content, no .gz suffix
    disguised.write_bytes(gzip.compress(plain))
    assert load(disguised).data == plain
    assert read_head(disguised)[1] is True


def test_damaged_gzip_is_explained(tmp_path):
    broken = tmp_path / "cut.txt.gz"
    broken.write_bytes(gzip.compress(b"amazon-order-id\torder-status\n" * 50)[:20])
    with pytest.raises(ReportFormatError, match="cannot be decompressed"):
        load(broken)


def test_utf16_from_spreadsheet_is_decoded(fixtures):
    loaded = load(fixtures / "all-orders-utf16.txt")
    assert loaded.encoding == "utf-16"
    assert loaded.data.decode("utf-8").startswith("amazon-order-id\tmerchant-order-id")


@pytest.mark.parametrize(
    ("text", "codec", "expected"),
    [
        ("注文 在庫切れ", "utf-8", "utf-8"),
        ("在庫切れの抹茶セット", "cp932", "cp932"),
        ("Crème brûlée torch", "cp1252", "cp1252"),
        ("plain ascii", "ascii", "utf-8"),
    ],
)
def test_detect_encoding(text, codec, expected):
    assert detect_encoding(text.encode(codec)) == expected


def test_cp932_chosen_for_amazon_co_jp_even_without_kana():
    data = "Amazon.co.jp\t東京都\n".encode("cp932")
    assert detect_encoding(data) == "cp932"


def test_encoding_override_and_bad_override(fixtures):
    loaded = load(fixtures / "all-orders-cp932.txt", encoding="cp932")
    assert "在庫切れの抹茶セット" in loaded.data.decode("utf-8")
    with pytest.raises(ReportFormatError, match="unknown encoding 'klingon'"):
        load(fixtures / "all-orders-cp932.txt", encoding="klingon")
    with pytest.raises(ReportFormatError, match="not valid ascii"):
        load(io.BytesIO(b"\x82\xa0"), encoding="ascii")


def test_text_file_objects_are_taken_as_decoded():
    loaded = load(io.StringIO("order_id\n在庫\n"))
    assert loaded.encoding == "text"
    assert loaded.data == "order_id\n在庫\n".encode()


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(InputFileError, match="no such file"):
        load(tmp_path / "nope.txt")
    with pytest.raises(InputFileError, match="folder"):
        load(tmp_path)


@pytest.mark.parametrize(
    ("header", "kind"),
    [
        ("amazon-order-id\tpurchase-date\torder-status", schema.ALL_ORDERS),
        ("order-id\torder-item-id\tpurchase-date", schema.ORDER_REPORT),
        ("Order Date,Order ID,Impacts Account Health", schema.CANCEL_DOWNLOAD),
        ("order id\tORDER DATE\timpacts account health", schema.CANCEL_DOWNLOAD),
        (",".join(schema.STOCKOUT_LOG_COLUMNS), schema.STOCKOUT_LOG),
        ('{"accountStatuses": [], "performanceMetrics": []}', schema.SELLER_PERFORMANCE),
    ],
)
def test_detect_kind(header, kind):
    assert detect_kind(header + "\n") == kind


@pytest.mark.parametrize(
    ("name", "error", "says"),
    [
        ("empty.txt", ReportFormatError, "empty"),
        ("s3-error.xml", ReportFormatError, "Request has expired"),
        ("signin-page.html", ReportFormatError, "web page"),
        ("garbage.bin", ReportFormatError, "binary"),
        ("inventory-report.txt", UnknownReportError, "inventory or listings"),
    ],
)
def test_non_reports_are_explained(fixtures, name, error, says):
    head = read_head(fixtures / name)[0]
    with pytest.raises(error, match=says) as caught:
        detect_kind(head, source=name)
    message = str(caught.value)
    assert name in message
    assert "\n" not in message


def test_unknown_report_lists_what_the_kit_reads():
    with pytest.raises(UnknownReportError) as caught:
        detect_kind("sku\tasin\tprice\tquantity\n")
    assert "All Orders report" in str(caught.value)
    assert "stock-out log" in str(caught.value)


def test_json_that_is_not_the_performance_report():
    with pytest.raises(UnknownReportError, match="performanceMetrics"):
        detect_kind('{"payload": []}')


def test_header_fields_strips_spreadsheet_quotes():
    assert header_fields('"order_id","sku"\r\n') == (["order_id", "sku"], ",")
    assert header_fields("a\tb,c\n") == (["a", "b,c"], "\t")


def test_loading_never_changes_the_file(fixtures):
    for name in ("all-orders-bom-crlf.txt", "all-orders-cp932.txt", "all-orders.txt.gz"):
        path = fixtures / name
        before = hashlib.sha256(path.read_bytes()).hexdigest()
        load(path)
        read_head(path)
        assert hashlib.sha256(path.read_bytes()).hexdigest() == before
