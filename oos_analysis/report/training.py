"""Exercises and worked examples for the cancellation-rules training notebook.

The notebook narrates; the numbers and the answer checking live here so they are tested. Every
rule used is from ``cancellation-rules.md``: the rate is seller cancellations / all MFN orders of
the 7-day window, healthy iff below 2.5 % (section 3), only Amazon's official request keeps a
cancellation out of the rate (section 2), and the playbook is buy, else ask, else cancel
(section 1).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ..exceptions import ParameterError
from ..metric.budget import remaining_cancellations
from ..metric.rate import DEFAULT_THRESHOLD

__all__ = ["MESSAGE_PARTS", "EXERCISES", "Exercise", "check_answer", "choice_effects"]

MESSAGE_PARTS = ("thanks", "apology", "reason", "request", "procedure_url", "apology_again")
"""The six parts of a cancellation request, in order (section 1 of the rules)."""


@dataclass(frozen=True)
class Exercise:
    """One question, its answer and why."""

    question: str
    answer: object
    explanation: str


EXERCISES = {
    "budget": Exercise(
        "A 7-day window has 120 orders and 1 counted cancellation. How many more counted "
        "cancellations can it take and stay under 2.5 %? (a whole number)",
        remaining_cancellations(1, 120),
        "Under 2.5 % means 40 x cancellations < orders. 40 x 2 = 80 < 120 is fine, "
        "40 x 3 = 120 is not under 120, so only one more.",
    ),
    "small_seller": Exercise(
        "Your window has 35 orders and no cancellation yet. Does one No Inventory cancellation "
        "put you over the target? (True or False)",
        True,
        "1 / 35 = 2.86 %, which is not under 2.5 %. With 40 orders or fewer a single "
        "cancellation is already a breach (1 / 40 is exactly 2.5 %, still not under).",
    ),
    "message_only": Exercise(
        "A buyer answers your request by e-mail only: 'OK, please cancel'. You cancel and choose "
        "the reason Buyer Canceled. Does the cancellation count against the rate? (True or False)",
        True,
        "Only a request made through Amazon's own Request cancellation button keeps it out of "
        "the rate. A message is unofficial, whatever reason you pick. Ask the buyer to use the "
        "link in your message.",
    ),
    "first_choice": Exercise(
        "No Japanese shop has the item at the original price, but one sells it at a loss of "
        "800 yen. What do you do first: 'buy', 'ask' or 'cancel'?",
        "buy",
        "Buy even at a loss (赤字でも仕入れる): the stock-out is our mistake, not the buyer's. "
        "Asking or cancelling is for when no source has stock, or the loss would be very large.",
    ),
    "message_order": Exercise(
        "Put the six parts of a cancellation request in order, as a list of these names: "
        + ", ".join(sorted(MESSAGE_PARTS))
        + ".",
        list(MESSAGE_PARTS),
        "Thanks, apology, the reason, the request to cancel, the URL of Amazon's cancellation "
        "procedure, and an apology again.",
    ),
}
"""The notebook's exercises by name."""


def check_answer(name: str, answer) -> str:
    """Say whether ``answer`` to exercise ``name`` is right, and why.

    ``None`` (the notebook's default) gives a reminder instead of a verdict, so the notebook runs
    top to bottom before anyone has answered.

    Examples
    --------
    >>> check_answer("small_seller", None).startswith("Not answered yet")
    True
    >>> check_answer("budget", 1).startswith("Right")
    True
    >>> check_answer("first_choice", "Cancel").startswith("Not quite")
    True
    """
    if name not in EXERCISES:
        raise ParameterError(f"no exercise called {name!r}; the exercises are {sorted(EXERCISES)}.")
    exercise = EXERCISES[name]
    if answer is None:
        return "Not answered yet: set the answer variable above and run the cell again."
    given = answer.strip().lower() if isinstance(answer, str) else answer
    if isinstance(given, tuple):
        given = list(given)
    right = given == exercise.answer and type(given) is type(exercise.answer)
    verdict = "Right." if right else f"Not quite: the answer is {exercise.answer!r}."
    return f"{verdict} {exercise.explanation}"


def choice_effects(
    orders_in_window: int,
    counted_in_window: int,
    *,
    loss_if_bought: float | None,
    threshold: float = DEFAULT_THRESHOLD,
) -> pd.DataFrame:
    """Show what each of the three choices does to the window's rate, budget and cost.

    The stuck order is already among ``orders_in_window`` (it was placed in the window).

    Parameters
    ----------
    orders_in_window, counted_in_window : int
        The window's MFN orders and counted cancellations before the choice.
    loss_if_bought : float or None
        What buying from the cheapest source would lose; None when no source has stock.
    threshold : float, default 0.025

    Returns
    -------
    DataFrame
        One row per choice: ``choice``, ``counts`` (against the rate), ``rate``,
        ``remaining`` (budget left) and ``cost``.

    Examples
    --------
    >>> choice_effects(81, 1, loss_if_bought=5.0)[["counts", "rate", "remaining", "cost"]].round(4)
       counts    rate  remaining  cost
    0   False  0.0123          1   5.0
    1   False  0.0123          1   0.0
    2    True  0.0247          0   0.0
    """
    n, c = int(orders_in_window), int(counted_in_window)
    if n < 1 or not 0 <= c < n:
        raise ParameterError(
            f"the window needs at least one order and fewer counted cancellations than orders "
            f"(the stuck order is one of them); got {n} orders and {c} cancellations."
        )
    rows = [
        ("buy it, even at a loss", False, c, loss_if_bought),
        ("ask; buyer cancels via Amazon's official request", False, c, 0.0),
        ("cancel yourself as No Inventory", True, c + 1, 0.0),
    ]
    return pd.DataFrame(
        {
            "choice": [r[0] for r in rows],
            "counts": [r[1] for r in rows],
            "rate": [r[2] / n for r in rows],
            "remaining": [remaining_cancellations(r[2], n, threshold=threshold) for r in rows],
            "cost": [r[3] for r in rows],
        }
    )
