"""The course text: both languages say the same things; the course fills in from the sample."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest

from oos_analysis.report.course import LANGUAGES, Course, _money, course_text, placeholders
from oos_analysis.report.exercise_widgets import (
    ExerciseBook,
    answer_text,
    feedback_text,
    worked_answer,
)
from oos_analysis.report.training import EXERCISES

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = [ROOT / "data" / "sample" / "us" / name for name in (
    "all-orders.txt", "order-report.txt", "account-health-cancel-rate.csv",
    "seller-performance.json", "stockout-log.csv")]
AMAZON_TERMS = ("Pre-fulfillment Cancel Rate", "No Inventory", "Buyer Cancelled",
                "Request cancellation", "Order cancellations", "US/CA")


def _strings(tree, path=()):
    if isinstance(tree, dict):
        for key, value in tree.items():
            yield from _strings(value, (*path, key))
    else:
        yield path, tree


def _numbers(text: str) -> set[str]:
    text = unicodedata.normalize("NFKC", text)
    text = re.sub(r"\{[a-z_]+\}", "", text)
    return set(re.findall(r"\d+(?:\.\d+)?", text))


EN, JA = dict(_strings(course_text("en"))), dict(_strings(course_text("ja")))


def test_both_languages_have_the_same_keys():
    assert set(EN) == set(JA)
    assert {p[:2] for p in EN if p[0] == "exercises"} == {("exercises", n) for n in EXERCISES}


@pytest.mark.parametrize("path", sorted(EN))
def test_both_languages_say_the_same_things(path):
    en, ja = EN[path], JA[path]
    assert placeholders(en) == placeholders(ja)
    assert _numbers(en) == _numbers(ja), "the same figures in both languages"
    assert set(re.findall(r"https?://\S+", en)) == set(re.findall(r"https?://\S+", ja))
    for term in AMAZON_TERMS:  # Amazon's English terms stay English in the Japanese text
        assert (term in en) == (term in ja), term


def test_japanese_is_japanese():
    for path, text in JA.items():
        if path[0] in ("sections", "exercises") and path[-1] not in ("parts",):
            assert re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", text), path


def test_unknown_language_is_refused():
    with pytest.raises(Exception, match="written in ja, en"):
        course_text("fr")


def test_money_keeps_its_currency_and_yen_has_no_decimals():
    assert _money(2.333, "USD") == "2.33 USD"
    assert _money(1300, "JPY") == "1,300 JPY" and _money(799.6, "JPY") == "800 JPY"
    assert _money(None, "USD") == "" and _money(float("nan"), "JPY") == ""


@pytest.fixture(scope="module", params=LANGUAGES)
def course(request):
    return Course.from_files(SAMPLE, lang=request.param, draws=500)


def test_every_section_fills_in_from_the_sample(course):
    for key in course.text["sections"]:
        text = course.section(key).data
        assert "{" not in text and "}" not in text, key
    context = course.context()
    # The sample's window as of its last day (hand-checked in test_sample's story): amazon.com.
    assert (context["asof"], context["marketplace"]) == ("2026-11-24", "amazon.com")
    assert context["orders"] > 40 and 0 <= context["remaining"] <= 3


def test_tables_are_in_the_course_language(course):
    html = course.todays_actions().to_html()
    words = course.text["columns"]
    assert words["action"] in html and words["due"] in html
    values = course.text["values"]
    assert any(values[a] in html for a in ("send_request", "wait", "cancel_no_inventory"))
    choices = course.choice_table().to_html()
    assert values["buy"] in choices and " USD" in choices


def test_policy_costs_compare_the_playbook_with_amazons_rule(course):
    from oos_analysis.report.training import playbook_policy_costs

    frame, _ = playbook_policy_costs(course.orders, course.exports.stockout_log,
                                     asof=course.asof, marketplace=course.marketplace, draws=2000)
    request, no_request = frame.iloc[0], frame.iloc[1]
    assert list(frame["policy"]) == ["request", "no-request"]
    # Same futures, same buying: never asking can only add counted cancellations.
    assert no_request["p_any_breach"] >= request["p_any_breach"]
    assert no_request["expected_cancellations"] > request["expected_cancellations"]
    assert no_request["expected_loss"] == pytest.approx(request["expected_loss"])
    assert no_request["expected_requests"] == 0


@pytest.mark.parametrize("lang", LANGUAGES)
def test_worked_answers_hold_the_answer(lang):
    for name in EXERCISES:
        text = worked_answer(name, lang)
        assert answer_text(name, lang) in text
        assert course_text(lang)["exercises"][name]["explanation"] in text
    book = ExerciseBook(lang, handout=True)
    assert set(book._repr_mimebundle_()) == {"text/markdown"}


def test_feedback_for_every_status():
    assert feedback_text("rate", "right", "en").startswith("Right.")
    assert feedback_text("rate", "hint", "ja").startswith("惜しいです。ヒント：")
    assert "1.875" in feedback_text("rate", "revealed", "en")
    assert feedback_text("rate", "shown", "en").startswith("The answer is 1.875.")
    assert feedback_text("budget", "empty", "en").startswith("Not answered yet")
    assert "yes or no" in feedback_text("listing", "unreadable", "en")


def test_widgets_check_hint_answer_and_score():
    book = ExerciseBook("ja")
    bundle = book._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert "**解説**：" in bundle["text/plain"]  # what shows where widgets cannot be drawn
    cards = book.widget.children[1:-1]
    assert len(cards) == len(EXERCISES)
    budget = cards[list(EXERCISES).index("budget")]
    box, (check, show), feedback = budget.children[1], budget.children[2].children, \
        budget.children[3]
    box.value = "3"
    check.click()
    assert "ヒント" in feedback.value
    box.value = "1.0"
    check.click()
    assert "正解です" in feedback.value and "1問正解" in book.score.value
    order = cards[list(EXERCISES).index("message_order")]
    rows = order.children[1].children
    right = {"thanks": 1, "apology": 2, "reason": 3, "request": 4, "procedure_url": 5,
             "apology_again": 6}
    from oos_analysis.report.exercise_widgets import SHUFFLED_PARTS

    for key, row in zip(SHUFFLED_PARTS, rows, strict=True):
        row.children[0].value = right[key]
    order.children[2].children[0].click()
    assert "正解です" in order.children[3].value and "2問正解" in book.score.value
    listing = cards[list(EXERCISES).index("listing")]
    listing.children[2].children[1].click()  # Show answer
    assert "正解は はい です" in listing.children[3].value
    assert "回答済み3問" in book.score.value
