"""The cancellation-request message: six parts in order, en and ja, reminder, templates."""

from __future__ import annotations

import pandas as pd
import pytest

from oos_analysis import InputFileError, ParameterError, ReportFormatError
from oos_analysis.playbook.messages import (
    CANCELLATION_URLS,
    cancellation_message,
    cancellation_messages,
    cancellation_url,
    message_language,
    render_message,
)

COM_URL = "https://www.amazon.com/gp/help/customer/display.html?nodeId=GSL37WQTJZUYA9QE"
JP_URL = "https://www.amazon.co.jp/gp/help/customer/display.html?nodeId=GSL37WQTJZUYA9QE"

# One marker per required part, in the playbook's order: thanks, apology, reason, request,
# URL (filled in per test), apology again.
MARKERS = {
    "en": ["Thank you", "truly sorry", "sold out at every supplier", "Request cancellation", None,
           "Once again, we sincerely apologise"],
    "ja": ["ありがとうございます", "大変申し訳ございません", "在庫切れ", "キャンセルをお願い", None,
           "重ねてお詫び申し上げます"],
}
REMINDER_MARKERS = {
    "en": ["Thank you again", "We apologise for writing", "sold out at every supplier",
           "Request cancellation", None, "Once again, we sincerely apologise"],
    "ja": ["ありがとうございます", "大変申し訳ございません", "在庫切れ", "キャンセルをお願い", None,
           "重ねてお詫び申し上げます"],
}


def stockout_log():
    return pd.DataFrame({
        "order_id": ["111-1111111-1111111", "503-2222222-2222222", "026-3333333-3333333",
                     "111-4444444-4444444", "111-5555555-5555555"],
        "marketplace": ["amazon.com", "amazon.co.jp", "amazon.co.uk", "amazon.com", "amazon.com"],
        "sku": ["MUG-01", "KYUSU-7", "FAN-3", "LAMP-2", "OLD-1"],
        "product_name": ["Hand-painted tea mug", "常滑焼 急須", None, "<script>{{ 7*7 }}", "x"],
        "request_sent_at": pd.to_datetime(
            ["2026-11-21T15:00Z", "2026-11-21T16:30Z", None, "2026-11-22T01:00Z", None], utc=True
        ),
        "resolution": ["open", "open", "open", "open", "bought"],
    })


def positions(text, markers, url):
    return [text.index(url if marker is None else marker) for marker in markers]


@pytest.mark.parametrize(
    ("order_id", "lang", "url"),
    [("111-1111111-1111111", "en", COM_URL), ("503-2222222-2222222", "ja", JP_URL)],
)
@pytest.mark.parametrize("reminder", [False, True])
def test_six_parts_in_order(order_id, lang, url, reminder):
    text = cancellation_message(stockout_log(), order_id, reminder=reminder, shop_name="Kaede")
    markers = (REMINDER_MARKERS if reminder else MARKERS)[lang]
    found = positions(text, markers, url)
    assert found == sorted(found)
    assert len(set(found)) == 6
    assert order_id in text
    assert text.rstrip().endswith("Kaede")


def test_language_follows_the_marketplace_and_can_be_forced():
    log = stockout_log()
    assert "ありがとうございます" in cancellation_message(log, "503-2222222-2222222")
    english = cancellation_message(log, "503-2222222-2222222", lang="en")
    assert "Thank you very much" in english and JP_URL in english
    assert "Amazon.co.jp" in english
    japanese = cancellation_message(log, "111-1111111-1111111", lang="ja")
    assert "ありがとうございます" in japanese and COM_URL in japanese


def test_reminder_differs_and_names_the_first_request():
    log = stockout_log()
    first = cancellation_message(log, "111-1111111-1111111")
    again = cancellation_message(log, "111-1111111-1111111", reminder=True)
    assert first != again
    assert "2026-11-21" in again and "2026-11-21" not in first
    # 16:30 UTC on the 21st is already the 22nd in Japan, the day the buyer got the mail.
    ja = cancellation_message(log, "503-2222222-2222222", reminder=True)
    assert "2026年11月22日" in ja


def test_reminder_without_a_first_request_is_refused():
    with pytest.raises(ParameterError, match="no request_sent_at"):
        cancellation_message(stockout_log(), "026-3333333-3333333", reminder=True)


def test_product_falls_back_to_order_report_then_sku():
    log = stockout_log()
    text = cancellation_message(log, "026-3333333-3333333")
    assert "(SKU FAN-3)" in text
    assert "https://www.amazon.co.uk/gp/help/customer/display.html?nodeId=GSL37WQTJZUYA9QE" in text
    report = pd.DataFrame({
        "order_id": ["026-3333333-3333333", "026-3333333-3333333"],
        "sku": ["OTHER", "FAN-3"],
        "product_name": ["Other item", "Desk fan"],
    })
    assert "(Desk fan)" in cancellation_message(log, "026-3333333-3333333", order_report=report)
    all_orders = pd.DataFrame({"order_id": ["026-3333333-3333333"], "sku": ["FAN-3"],
                               "product_name": ["Fan from All Orders"]})
    assert "(Fan from All Orders)" in cancellation_message(log, "026-3333333-3333333",
                                                           all_orders=all_orders)
    both = cancellation_message(log, "026-3333333-3333333", order_report=report,
                                all_orders=all_orders)
    assert "(Desk fan)" in both


def test_product_name_is_printed_literally():
    text = cancellation_message(stockout_log(), "111-4444444-4444444")
    assert "(<script>{{ 7*7 }})" in text
    assert "49" not in text


def test_no_personal_data_is_used_even_when_present():
    log = stockout_log().assign(buyer_name="Jane Smith", buyer_email="jane@example.com")
    report = pd.DataFrame({"order_id": ["026-3333333-3333333"], "product_name": ["Desk fan"],
                           "recipient_name": ["Jane Smith"], "ship_address_1": ["1 Elm St"]})
    for order_id in log.loc[log["resolution"] == "open", "order_id"]:
        for reminder in (False, True):
            if reminder and pd.isna(log.set_index("order_id").loc[order_id, "request_sent_at"]):
                continue
            text = cancellation_message(log, order_id, reminder=reminder, order_report=report)
            assert "Jane" not in text and "jane@" not in text and "Elm" not in text


def test_text_never_suggests_a_false_reason_or_a_reply_instead():
    for lang in ("en", "ja"):
        for reminder in (False, True):
            text = cancellation_message(stockout_log(), "111-1111111-1111111", lang=lang,
                                        reminder=reminder)
            lowered = text.lower()
            assert "buyer canceled" not in lowered and "buyer cancelled" not in lowered
            assert "reason" not in lowered and "理由" not in text
            assert "reply to this message" not in lowered or "no need to reply" in lowered


def test_override_template_dir_wins_and_others_fall_back(tmp_path):
    (tmp_path / "request_en.txt.j2").write_text(
        "Custom for {{ order_id }} via {{ cancellation_url }} from {{ shop_name }}\n",
        encoding="utf-8",
    )
    log = stockout_log()
    text = cancellation_message(log, "111-1111111-1111111", template_dir=tmp_path, shop_name="K")
    assert text == f"Custom for 111-1111111-1111111 via {COM_URL} from K\n"
    reminder = cancellation_message(log, "111-1111111-1111111", template_dir=tmp_path,
                                    reminder=True)
    assert "Thank you again" in reminder


def test_url_table_is_one_place_and_overridable():
    assert CANCELLATION_URLS["amazon.com"] == COM_URL
    assert cancellation_url("amazon.co.jp") == JP_URL
    assert cancellation_url("amazon.de") == (
        "https://www.amazon.de/gp/help/customer/display.html?nodeId=GSL37WQTJZUYA9QE"
    )
    custom = {"amazon.com": "https://example.test/cancel"}
    assert cancellation_url("amazon.com", urls=custom) == "https://example.test/cancel"
    text = cancellation_message(stockout_log(), "111-1111111-1111111", urls=custom)
    assert "https://example.test/cancel" in text and COM_URL not in text
    assert CANCELLATION_URLS["amazon.com"] == COM_URL  # the override did not leak
    with pytest.raises(ParameterError, match="not an Amazon site"):
        cancellation_url("non-amazon")


def test_message_language():
    assert message_language("amazon.co.jp") == "ja"
    assert [message_language(m) for m in ("amazon.com", "amazon.ca", "amazon.co.uk")] == ["en"] * 3


def test_unknown_or_closed_order():
    with pytest.raises(ParameterError, match="not in the stock-out log"):
        cancellation_message(stockout_log(), "999-0000000-0000000")
    with pytest.raises(ParameterError, match="closed.*'bought'"):
        cancellation_message(stockout_log(), "111-5555555-5555555")


def test_missing_marketplace():
    log = stockout_log()
    log.loc[0, "marketplace"] = None
    with pytest.raises(ReportFormatError, match="has no marketplace"):
        cancellation_message(log, "111-1111111-1111111")


def test_template_problems_are_reported(tmp_path):
    context = {"order_id": "1", "product_name": None, "sku": "S", "marketplace": "amazon.com",
               "cancellation_url": COM_URL, "shop_name": ""}
    with pytest.raises(InputFileError, match="does not exist"):
        render_message(context, template_dir=tmp_path / "missing")
    with pytest.raises(InputFileError, match="no message template request_de.txt.j2"):
        render_message(context, lang="de")
    (tmp_path / "request_en.txt.j2").write_text("Hi\n{% if %}\n", encoding="utf-8")
    with pytest.raises(ReportFormatError, match=r"request_en\.txt\.j2, line 2: .*syntax error"):
        render_message(context, template_dir=tmp_path)
    (tmp_path / "request_en.txt.j2").write_text("{{ buyer_name }}", encoding="utf-8")
    with pytest.raises(ReportFormatError, match="'buyer_name' is undefined.*available: "):
        render_message(context, template_dir=tmp_path)
    (tmp_path / "request_en.txt.j2").write_text(
        "{{ ''.__class__.__mro__[1].__subclasses__() }}", encoding="utf-8"
    )
    with pytest.raises(ReportFormatError, match="sandbox forbids"):
        render_message(context, template_dir=tmp_path)


def test_drafts_for_the_actions_that_send_a_message():
    log = stockout_log()
    actions = pd.DataFrame({
        "order_id": ["111-1111111-1111111", "503-2222222-2222222", "026-3333333-3333333"],
        "marketplace": ["amazon.com", "amazon.co.jp", "amazon.co.uk"],
        "action": ["send_reminder", "wait", "send_request"],
    })
    before_log, before_actions = log.copy(), actions.copy()
    drafts = cancellation_messages(actions, log, shop_name="Kaede")
    assert list(drafts["order_id"]) == ["111-1111111-1111111", "026-3333333-3333333"]
    assert list(drafts["lang"]) == ["en", "en"]
    assert "Thank you again" in drafts["text"].iloc[0]
    assert "Thank you very much" in drafts["text"].iloc[1]
    pd.testing.assert_frame_equal(log, before_log)
    pd.testing.assert_frame_equal(actions, before_actions)


def test_input_frames_are_not_modified():
    log = stockout_log()
    report = pd.DataFrame({"order_id": ["026-3333333-3333333"], "product_name": ["Desk fan"]})
    before, report_before = log.copy(), report.copy()
    cancellation_message(log, "111-1111111-1111111", reminder=True, order_report=report)
    cancellation_message(log, "026-3333333-3333333", order_report=report)
    pd.testing.assert_frame_equal(log, before)
    pd.testing.assert_frame_equal(report, report_before)
