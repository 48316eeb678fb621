"""The course's exercises: forgiving checks, hints and answers, the score, the worked numbers."""

from __future__ import annotations

import pytest

from oos_analysis.exceptions import ParameterError
from oos_analysis.report.exercise_widgets import _both_languages
from oos_analysis.report.training import (
    EXERCISES,
    MESSAGE_PARTS,
    Quiz,
    check_answer,
    choice_effects,
    read_number,
    read_yes_no,
    small_seller_table,
)

# Every exercise's right and wrong answers, in the forms a person types. The right answers are
# worked by hand: 40 * (1 + 1) = 80 < 120 but 40 * 3 = 120 is not < 120; 3 / 160 = 1.875 %;
# 1 / 35 = 2.86 % >= 2.5 %; a message-only cancellation counts; buy first; Amazon's help page
# says not to ask; an auto-cancel counts; two cancellations on a listing in 30 days put it at risk.
RIGHT = {
    "budget": [1, 1.0, "1", "1.0", " 1 ", "１", "1件"],
    "rate": [1.875, "1.875", "1.9", "1.88 %", "1.85", "１．８７５"],
    "small_seller": [True, "True", "true", "yes", "Yes", "y", "はい", 1, 1.0, "1"],
    "message_only": [True, "yes", "はい", "TRUE"],
    "first_choice": ["buy", " Buy ", "1", 1, "Buy it, even at a loss", "赤字でも仕入れる"],
    "amazon_rule": [False, "False", "no", "No", "いいえ", 0, 0.0, "0"],
    "auto_cancel": [True, "yes", "はい"],
    "listing": [True, "yes", "はい", "True"],
    "message_order": [
        MESSAGE_PARTS,
        list(MESSAGE_PARTS),
        "thanks, apology, reason, request, procedure_url, apology_again",
        {"request": 4, "apology_again": 6, "thanks": 1, "procedure_url": 5, "reason": 3,
         "apology": 2},
        {"request": "4", "apology_again": 6.0, "thanks": "1", "procedure_url": 5, "reason": 3,
         "apology": 2},
    ],
}
WRONG = {
    "budget": [2, "2", 0, 1.5, "3"],
    "rate": [2.5, "1.8", 0.01875, "2"],  # 0.01875 is the fraction, not the percent asked for
    "small_seller": [False, "no", "いいえ", "False", 0],
    "message_only": [False, "no", "いいえ"],
    "first_choice": ["ask", "cancel", "2", 3, "当店から No Inventory でキャンセル"],
    "amazon_rule": [True, "yes", "はい", 1],
    "auto_cancel": [False, "no", "いいえ"],
    "listing": [False, "no", "いいえ"],
    "message_order": [
        ("apology", "thanks", "reason", "request", "procedure_url", "apology_again"),
        {"request": 1, "apology_again": 6, "thanks": 4, "procedure_url": 5, "reason": 3,
         "apology": 2},
    ],
}
UNREADABLE = {
    "budget": ["one", True, "1/2"],
    "rate": ["about two"],
    "small_seller": ["maybe", 2, "たぶん"],
    "message_only": ["perhaps"],
    "first_choice": ["phone the buyer", "4"],
    "amazon_rule": ["it depends"],
    "auto_cancel": ["?"],
    "listing": ["sometimes"],
    "message_order": [("thanks", "apology"), {"thanks": 1, "apology": 1, "reason": 3,
                                              "request": 4, "procedure_url": 5,
                                              "apology_again": 6}, 42],
}


def _labels(name):
    return _both_languages(name)


def test_every_exercise_is_covered_by_the_tables():
    assert set(RIGHT) == set(WRONG) == set(UNREADABLE) == set(EXERCISES)


@pytest.mark.parametrize(("name", "answer"), [(n, a) for n, v in RIGHT.items() for a in v])
def test_right_answers_in_every_form(name, answer):
    assert check_answer(name, answer, labels=_labels(name)).status == "right"


@pytest.mark.parametrize(("name", "answer"), [(n, a) for n, v in WRONG.items() for a in v])
def test_wrong_answers(name, answer):
    assert check_answer(name, answer, labels=_labels(name)).status == "wrong"


@pytest.mark.parametrize(("name", "answer"), [(n, a) for n, v in UNREADABLE.items() for a in v])
def test_unreadable_answers_are_not_misses(name, answer):
    assert check_answer(name, answer, labels=_labels(name)).status == "unreadable"


@pytest.mark.parametrize("name", list(EXERCISES))
@pytest.mark.parametrize("blank", [None, "", "   "])
def test_blank_is_empty(name, blank):
    assert check_answer(name, blank).status == "empty"


def test_unknown_exercise():
    with pytest.raises(ParameterError, match="no exercise called 'nope'"):
        check_answer("nope", 1)


def test_readers_normalise_what_people_type():
    assert read_number("2,500") == 2500.0 and read_number("２.５％") == 2.5
    assert read_number(float("nan")) is None and read_number("1e2") == 100.0
    assert read_yes_no("ＹＥＳ") is True and read_yes_no(" いいえ ") is False


def test_quiz_hint_then_answer_and_score():
    quiz = Quiz(labels={n: _labels(n) for n in EXERCISES})
    assert quiz.attempt("budget", "") == "empty"  # not a try
    assert quiz.attempt("budget", "lots") == "unreadable"  # not a try either
    assert quiz.attempt("budget", 2) == "hint"  # first miss: a hint
    assert quiz.attempt("budget", 3) == "revealed"  # second miss: the answer
    assert quiz.attempt("budget", 1) == "right"  # right now, but it was revealed
    assert (quiz.right, quiz.answered, quiz.total) == (0, 1, len(EXERCISES))
    assert quiz.attempt("small_seller", "no") == "hint"
    assert quiz.attempt("small_seller", "はい") == "right"  # right on the second try scores
    assert quiz.attempt("listing", "yes") == "right"
    assert quiz.attempt("listing", "yes") == "right"  # scores once
    assert (quiz.right, quiz.answered) == (2, 3)


def test_quiz_show_answer_on_request():
    quiz = Quiz()
    quiz.reveal("rate")
    assert quiz.attempt("rate", 1.875) == "right" and quiz.right == 0
    assert quiz.attempt("rate", 5) == "revealed"  # after a reveal, a miss shows the answer
    quiz.attempt("budget", 1)
    quiz.reveal("budget")  # asking after scoring takes nothing away
    assert quiz.right == 1
    with pytest.raises(ParameterError):
        quiz.reveal("nope")


def test_small_seller_table_by_hand():
    table = small_seller_table((20, 40, 41, 80, 81, 200))
    assert table["breach_with_one"].tolist() == [True, True, False, False, False, False]
    # 40 (c) < n: 41 -> 1, 80 -> 1 (40*2 = 80 is not < 80), 81 -> 2, 200 -> 4 (40*5 = 200).
    assert table["affordable"].tolist() == [0, 0, 1, 1, 2, 4]
    assert table.loc[1, "one_cancellation"] == 0.025


def test_choice_effects_hand_computed():
    frame = choice_effects(40, 0, loss_if_bought=12.5)
    assert frame["choice"].tolist() == ["buy", "ask", "cancel"]
    assert frame["counts"].tolist() == [False, False, True]
    assert frame["rate"].tolist() == [0.0, 0.0, 0.025]  # 1 in 40 is exactly the target
    assert frame["remaining"].tolist() == [0, 0, 0]  # 40 orders: not even one cancellation
    assert frame["cost"].tolist() == [12.5, 0.0, 0.0]
    bigger = choice_effects(200, 2, loss_if_bought=None)
    assert bigger["remaining"].tolist() == [2, 2, 1]  # 40 * (2 + 2) = 160 < 200; 40 * 5 = 200
    assert bigger["cost"].isna().tolist() == [True, False, False]


@pytest.mark.parametrize(("n", "c"), [(0, 0), (10, 10), (10, -1)])
def test_choice_effects_rejects_impossible_windows(n, c):
    with pytest.raises(ParameterError):
        choice_effects(n, c, loss_if_bought=1.0)
