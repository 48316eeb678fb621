"""The training module: exercise checking and the three choices' effects."""

from __future__ import annotations

import pytest

from oos_analysis.exceptions import ParameterError
from oos_analysis.report.training import EXERCISES, MESSAGE_PARTS, check_answer, choice_effects


def test_every_exercise_has_a_checkable_answer():
    for name, exercise in EXERCISES.items():
        assert check_answer(name, None).startswith("Not answered yet")
        assert check_answer(name, exercise.answer).startswith("Right.")


@pytest.mark.parametrize(
    ("name", "answer", "right"),
    [
        ("budget", 1, True),  # 40 * (1 + 1) = 80 < 120, 40 * 3 = 120 is not under 120
        ("budget", 2, False),
        ("small_seller", True, True),  # 1 / 35 = 2.86 %
        ("small_seller", False, False),
        ("small_seller", 1, False),  # 1 == True in Python, but it is not the yes/no asked for
        ("message_only", False, False),
        ("first_choice", " Buy ", True),
        ("first_choice", "ask", False),
        (
            "message_order",
            ("thanks", "apology", "reason", "request", "procedure_url", "apology_again"),
            True,
        ),
        (
            "message_order",
            ["apology", "thanks", "reason", "request", "procedure_url", "apology_again"],
            False,
        ),
    ],
)
def test_check_answer(name, answer, right):
    assert check_answer(name, answer).startswith("Right." if right else "Not quite")


def test_unknown_exercise():
    with pytest.raises(ParameterError, match="no exercise called 'nope'"):
        check_answer("nope", 1)


def test_six_message_parts():
    assert len(MESSAGE_PARTS) == 6 and MESSAGE_PARTS[-1] == "apology_again"


def test_choice_effects_hand_computed():
    frame = choice_effects(40, 0, loss_if_bought=12.5)
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
