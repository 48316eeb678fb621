"""The training course's exercises, their forgiving checks, and the worked examples' numbers.

The notebooks narrate; the numbers and the answer checking live here so they are tested. Every
rule used is from ``cancellation-rules.md``: the rate is seller cancellations / all MFN orders of
the 7-day window, healthy iff below 2.5 % (section 3), only Amazon's official request keeps a
cancellation out of the rate (section 2), the playbook is buy, else ask, else cancel (section 1),
Amazon's help pages advise against asking for a cancellation for lack of stock (section 4), two
seller cancellations on one listing in 30 days put the offer at risk, and an order Amazon
auto-cancels after its ship-by date counts.

Checks forgive what a person types: a number is read as a number (``1``, ``1.0``, ``"1"``,
``"１"``, ``"1.9 %"``) and compared within the exercise's tolerance; a yes/no answer may be a
bool or a word in English or Japanese (``"yes"``, ``"True"``, ``"はい"``, ``"いいえ"``); a choice
may be its key, its label in either language or its number; an order may be a sequence of part
keys or each part's position. :class:`Quiz` keeps the attempts: a hint on the first miss, the
answer after the second miss or on request, and a running score.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

import pandas as pd

from ..exceptions import ParameterError
from ..metric.budget import remaining_cancellations
from ..metric.rate import DEFAULT_THRESHOLD

__all__ = [
    "MESSAGE_PARTS",
    "EXERCISES",
    "Exercise",
    "Verdict",
    "Quiz",
    "check_answer",
    "read_number",
    "read_yes_no",
    "choice_effects",
    "small_seller_table",
]

MESSAGE_PARTS = ("thanks", "apology", "reason", "request", "procedure_url", "apology_again")
"""The six parts of a cancellation request, in order (section 1 of the rules)."""

CHOICES = ("buy", "ask", "cancel")
"""The playbook's three choices for a stuck order, in its order of preference."""

_YES = {"yes", "y", "true", "t", "1", "1.0", "はい", "ハイ", "はい。", "ええ", "うん", "正しい"}
_NO = {"no", "n", "false", "f", "0", "0.0", "いいえ", "いえ", "いや", "いいえ。", "違う"}


@dataclass(frozen=True)
class Exercise:
    """One question's kind and right answer; its words are in the course text per language.

    ``kind`` is ``"number"`` (answer a float, right within ``tolerance``), ``"yesno"`` (a bool),
    ``"choice"`` (one of ``options``) or ``"order"`` (``options`` in their right order).
    """

    kind: str
    answer: object
    tolerance: float = 0.0
    options: tuple[str, ...] = ()


EXERCISES = {
    # 40 * (1 + 1) = 80 < 120, 40 * (1 + 2) = 120 is not under 120.
    "budget": Exercise("number", remaining_cancellations(1, 120)),
    # 3 / 160 = 1.875 %; 1.9 (one decimal) is right too.
    "rate": Exercise("number", 1.875, tolerance=0.03),
    # 1 / 35 = 2.86 % >= 2.5 %.
    "small_seller": Exercise("yesno", 1 / 35 >= DEFAULT_THRESHOLD),
    "message_only": Exercise("yesno", True),
    "first_choice": Exercise("choice", "buy", options=CHOICES),
    "amazon_rule": Exercise("yesno", False),
    "auto_cancel": Exercise("yesno", True),
    "listing": Exercise("yesno", True),
    "message_order": Exercise("order", MESSAGE_PARTS, options=MESSAGE_PARTS),
}
"""The course's exercises by name, in the order the course asks them."""


@dataclass(frozen=True)
class Verdict:
    """What a check found: ``status`` is ``right``, ``wrong``, ``empty`` or ``unreadable``.

    ``given`` is the answer as the check read it (a float, a bool, a choice key or a tuple of
    part keys), or None when it could not be read.
    """

    status: str
    given: object = None

    @property
    def right(self) -> bool:
        return self.status == "right"

    @property
    def counts_as_try(self) -> bool:
        """A blank or unreadable answer is not held against anyone."""
        return self.status in ("right", "wrong")


def _text(value) -> str:
    return unicodedata.normalize("NFKC", str(value)).strip().lower()


def read_number(value) -> float | None:
    """Read a number the way a person types it; None when it is not one.

    Examples
    --------
    >>> [read_number(v) for v in (1, 1.0, "1", " 1.0 ", "１", "1.9 %", "1,200", "2.5％")]
    [1.0, 1.0, 1.0, 1.0, 1.0, 1.9, 1200.0, 2.5]
    >>> read_number("one"), read_number(True), read_number(None), read_number("")
    (None, None, None, None)
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value) if value == value else None
    text = _text(value).replace(",", "").replace("%", "").replace("件", "").strip()
    if not re.fullmatch(r"[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?", text):
        return None
    return float(text)


def read_yes_no(value) -> bool | None:
    """Read yes or no in English or Japanese, as a bool or a number; None when it is neither.

    Examples
    --------
    >>> [read_yes_no(v) for v in (True, "True", "yes", " Y ", "はい", 1, 1.0, "1")]
    [True, True, True, True, True, True, True, True]
    >>> [read_yes_no(v) for v in (False, "false", "No", "いいえ", 0, "0")]
    [False, False, False, False, False, False]
    >>> read_yes_no("maybe"), read_yes_no(None), read_yes_no(2)
    (None, None, None)
    """
    if isinstance(value, bool):
        return value
    if value is None:
        return None
    if isinstance(value, int | float):
        return {1: True, 0: False}.get(value)
    text = _text(value)
    if text in _YES:
        return True
    if text in _NO:
        return False
    return None


def _read_choice(value, exercise: Exercise, labels: dict) -> str | None:
    text = _text(value) if value is not None else ""
    for i, key in enumerate(exercise.options, start=1):
        names = {key, str(i), *(_text(label) for label in labels.get(key, ()))}
        if text in names:
            return key
    return None


def _read_order(value, exercise: Exercise) -> tuple | None:
    """Parts in order, from a sequence of keys or a ``{part: position}`` mapping."""
    parts = exercise.options
    if isinstance(value, str):
        value = [v for v in re.split(r"[,\s、]+", _text(value)) if v]
    if isinstance(value, dict):
        positions = {k: read_number(v) for k, v in value.items()}
        wanted = set(range(1, len(parts) + 1))
        if set(positions) != set(parts) or {p for p in positions.values()} != wanted:
            return None
        return tuple(sorted(parts, key=lambda k: positions[k]))
    try:
        keys = tuple(_text(v) for v in value)
    except TypeError:
        return None
    if sorted(keys) != sorted(parts):
        return None
    return keys


def check_answer(name: str, answer, *, labels: dict | None = None) -> Verdict:
    """Check an answer to exercise ``name``, forgivingly; return a :class:`Verdict`.

    Parameters
    ----------
    name : str
        A key of :data:`EXERCISES`.
    answer : object
        What the person gave; None or blank is ``empty``.
    labels : dict, optional
        For choices, option key to the labels a person may type instead of the key (the course
        passes the labels of both languages).

    Examples
    --------
    >>> [check_answer("budget", a).status for a in (1, 1.0, "1", "2", None, "one")]
    ['right', 'right', 'right', 'wrong', 'empty', 'unreadable']
    >>> [check_answer("small_seller", a).status for a in ("はい", "yes", "True", "いいえ")]
    ['right', 'right', 'right', 'wrong']
    """
    if name not in EXERCISES:
        raise ParameterError(f"no exercise called {name!r}; the exercises are {list(EXERCISES)}.")
    exercise = EXERCISES[name]
    if answer is None or (isinstance(answer, str) and not answer.strip()):
        return Verdict("empty")
    if exercise.kind == "number":
        given = read_number(answer)
        ok = given is not None and abs(given - exercise.answer) <= exercise.tolerance + 1e-9
    elif exercise.kind == "yesno":
        given = read_yes_no(answer)
        ok = given is exercise.answer
    elif exercise.kind == "choice":
        given = _read_choice(answer, exercise, labels or {})
        ok = given == exercise.answer
    else:
        given = _read_order(answer, exercise)
        ok = given == tuple(exercise.answer)
    if given is None:
        return Verdict("unreadable")
    return Verdict("right" if ok else "wrong", given)


@dataclass
class Quiz:
    """A person's attempts at the exercises: hints, answers and the running score.

    The first wrong answer to an exercise earns a hint, the second reveals the answer; asking
    for the answer reveals it at once. An exercise scores when it is answered right before its
    answer was revealed. Blank and unreadable answers are not counted as tries.

    Examples
    --------
    >>> quiz = Quiz()
    >>> quiz.attempt("budget", 3)
    'hint'
    >>> quiz.attempt("budget", "1.0")
    'right'
    >>> quiz.attempt("rate", 5), quiz.attempt("rate", 6)
    ('hint', 'revealed')
    >>> quiz.right, quiz.answered
    (1, 2)
    """

    labels: dict = field(default_factory=dict)
    tries: dict = field(default_factory=dict)
    scored: set = field(default_factory=set)
    revealed: set = field(default_factory=set)

    @property
    def total(self) -> int:
        return len(EXERCISES)

    @property
    def right(self) -> int:
        return len(self.scored)

    @property
    def answered(self) -> int:
        return len(self.scored | self.revealed)

    def attempt(self, name: str, answer) -> str:
        """Check one answer; return ``right``, ``hint``, ``revealed``, ``empty`` or ``unreadable``.

        An answer right after the reveal is still ``right`` but does not score.
        """
        verdict = check_answer(name, answer, labels=self.labels.get(name))
        if not verdict.counts_as_try:
            return verdict.status
        self.tries[name] = self.tries.get(name, 0) + 1
        if verdict.right:
            if name not in self.revealed:
                self.scored.add(name)
            return "right"
        if self.tries[name] >= 2 or name in self.revealed:
            self.revealed.add(name)
            return "revealed"
        return "hint"

    def reveal(self, name: str) -> None:
        """The person asked for the answer."""
        if name not in EXERCISES:
            raise ParameterError(f"no exercise called {name!r}.")
        if name not in self.scored:
            self.revealed.add(name)


def small_seller_table(sizes=(20, 35, 40, 41, 80, 81, 120, 200), *,
                       threshold: float = DEFAULT_THRESHOLD) -> pd.DataFrame:
    """What one cancellation does to windows of several sizes.

    Returns
    -------
    DataFrame
        ``orders``, ``one_cancellation`` (the rate with one), ``breach_with_one`` and
        ``affordable`` (counted cancellations the window can take and stay under).

    Examples
    --------
    >>> small_seller_table((40, 41, 200))[["orders", "breach_with_one", "affordable"]]
       orders  breach_with_one  affordable
    0      40             True           0
    1      41            False           1
    2     200            False           4
    """
    n = pd.Series([int(s) for s in sizes], dtype="int64")
    return pd.DataFrame({
        "orders": n,
        "one_cancellation": 1 / n,
        "breach_with_one": remaining_cancellations(0, n.to_numpy(), threshold=threshold) == 0,
        "affordable": remaining_cancellations(0, n.to_numpy(), threshold=threshold),
    })


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
        One row per choice (:data:`CHOICES`): ``choice``, ``counts`` (against the rate),
        ``rate``, ``remaining`` (budget left) and ``cost``.

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
    counts = [False, False, True]
    counted = [c + k for k in counts]
    return pd.DataFrame(
        {
            "choice": list(CHOICES),
            "counts": counts,
            "rate": [k / n for k in counted],
            "remaining": [remaining_cancellations(k, n, threshold=threshold) for k in counted],
            "cost": [loss_if_bought, 0.0, 0.0],
        }
    )


def playbook_policy_costs(
    orders: pd.DataFrame,
    stockout_log: pd.DataFrame | None,
    *,
    asof,
    marketplace: str,
    threshold: float = DEFAULT_THRESHOLD,
    tz: str = "UTC",
    horizon: int = 28,
    draws: int = 4000,
    rng=0,
) -> tuple[pd.DataFrame, bool]:
    """Compare the shop's playbook (``request``) with Amazon's rule (``no-request``).

    Both run on one set of simulated futures (common random numbers). When the simulator knows
    the two playbook policies (``SimulationInputs.with_playbook``) they come from it; otherwise
    Amazon's rule is the playbook with the official-cancel share set to 0 and no requests sent,
    which is what following the rule means in the older model: every stock-out not bought counts.

    Returns
    -------
    (DataFrame, bool)
        One row per policy: ``policy``, ``p_any_breach``, ``expected_cancellations``,
        ``expected_loss``, ``expected_requests``; and whether the simulator's own policies were
        used (False: the official-cancel share was set to 0).
    """
    from dataclasses import replace

    from ..forecast.simulation import SimulationInputs, simulate

    inputs = SimulationInputs.from_history(orders, stockout_log, asof=asof,
                                           marketplace=marketplace, tz=tz)
    exact = hasattr(inputs, "with_playbook")
    if exact:
        policies = [inputs.with_playbook("request"), inputs.with_playbook("no-request")]
    else:
        policies = [inputs, replace(inputs, buyer_accept=0.0, reminder_rate=0.0)]
    result = simulate(orders, stockout_log=stockout_log, inputs=inputs, policies=policies,
                      draws=1, policy_draws=draws, rng=rng, asof=asof, horizon=horizon,
                      marketplace=marketplace, threshold=threshold, tz=tz)
    frame = result.policies.reset_index(drop=True)
    frame = frame.assign(policy=["request", "no-request"])
    if not exact:
        frame.loc[1, "expected_requests"] = 0.0
    columns = ["policy", "p_any_breach", "expected_cancellations", "expected_loss",
               "expected_requests"]
    return frame[columns], exact
