"""Status at a glance: one word per marketplace and the one sentence that explains it.

The words, checked in this order (the first that applies wins):

``NO DATA``
    No MFN orders in the current 7-day window, or the window reaches into days no export covers
    (a gap in the store, or days before the data starts or after it ends).
``BREACH``
    The window's rate is at or above the target.
``AT RISK``
    Not in breach, but: cancelling the stuck orders whose No Inventory cancellation is due by the
    next day would use up the room left or breach; or no room is left (one more counted
    cancellation breaches); or the forecast gives at least ``risk`` chance of a breach day within
    the next 7 days.
``OK``
    Otherwise.

The same :class:`Status` drives the report's first screen and ``oos-analysis status``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["STATUSES", "Status", "marketplace_status"]

OK, AT_RISK, BREACH, NO_DATA = "OK", "AT RISK", "BREACH", "NO DATA"
STATUSES = (OK, AT_RISK, BREACH, NO_DATA)
"""The status words, calmest first."""


@dataclass(frozen=True)
class Status:
    """A status word and the sentence that explains it.

    Examples
    --------
    >>> str(Status("OK", "1.00% (1 counted cancellation in 100 orders); room for 2 more."))
    'OK: 1.00% (1 counted cancellation in 100 orders); room for 2 more.'
    """

    word: str
    reason: str

    def __str__(self) -> str:
        return f"{self.word}: {self.reason}"

    @property
    def css(self) -> str:
        """The word as a CSS class name: ``ok``, ``at-risk``, ``breach``, ``no-data``."""
        return self.word.lower().replace(" ", "-")


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _ids(ids: Sequence[str]) -> str:
    ids = [str(i) for i in ids]
    return ", ".join(ids[:3]) + (f" and {len(ids) - 3} more" if len(ids) > 3 else "")


def _day(value) -> str:
    return value.isoformat()[:10] if hasattr(value, "isoformat") else str(value)[:10]


def marketplace_status(
    *,
    orders: int,
    cancellations: int,
    remaining: int,
    breach: bool,
    window: tuple[dt.date, dt.date],
    uncovered: str | None = None,
    due_cancels: Sequence[str] = (),
    due_by: dt.date | None = None,
    open_stuck: int = 0,
    p_breach_7d: float | None = None,
    risk: float = 0.05,
    threshold: float = 0.025,
) -> Status:
    """Decide the status of one marketplace from the figures of its current window.

    Parameters
    ----------
    orders, cancellations : int
        MFN orders and counted cancellations in the window.
    remaining : int
        Counted cancellations the window can still take and stay under the target.
    breach : bool
        The window's rate is at or above the target (decided in exact arithmetic by the caller).
    window : (date, date)
        First and last day of the window.
    uncovered : str, optional
        Why the window is not fully covered by data (a phrase), or None when it is.
    due_cancels : sequence of str
        Order ids of stuck orders whose No Inventory cancellation is due by ``due_by``.
    due_by : date, optional
        The next day (the day ``due_cancels`` are due by).
    open_stuck : int, default 0
        Open stuck orders in the stock-out log (named in the forecast's sentence).
    p_breach_7d : float, optional
        Chance of at least one breach day within 7 days (None: no forecast).
    risk : float, default 0.05
    threshold : float, default 0.025

    Examples
    --------
    >>> w = (dt.date(2026, 11, 18), dt.date(2026, 11, 24))
    >>> marketplace_status(orders=278, cancellations=3, remaining=3, breach=False, window=w,
    ...     due_cancels=["111-1", "111-2"], due_by=dt.date(2026, 11, 25)).word
    'OK'
    >>> print(marketplace_status(orders=278, cancellations=3, remaining=2, breach=False, window=w,
    ...     due_cancels=["111-1", "111-2"], due_by=dt.date(2026, 11, 25)).reason)
    2 stuck orders (111-1, 111-2) are due for No Inventory by 2026-11-25; cancelling both leaves 0 room.
    >>> str(marketplace_status(orders=40, cancellations=1, remaining=0, breach=True, window=w))
    'BREACH: 2.50% (1 counted cancellation in 40 orders, 2026-11-18 to 2026-11-24) is at or above the 2.5% target.'
    """
    span = f"{_day(window[0])} to {_day(window[1])}"
    if orders == 0:
        return Status(NO_DATA, f"no MFN orders were placed from {span}, so there is no rate.")
    if uncovered:
        return Status(NO_DATA, f"the window {span} {uncovered}, so its rate is not known.")
    rate = cancellations / orders
    figures = f"{rate:.2%} ({_plural(cancellations, 'counted cancellation')} in {orders} orders"
    if breach:
        return Status(BREACH, f"{figures}, {span}) is at or above the {threshold:.1%} target.")
    k = len(due_cancels)
    if k and k >= remaining:
        who = "it" if k == 1 else "both" if k == 2 else f"all {k}"
        verb = "is" if k == 1 else "are"
        outcome = ("leaves 0 room" if k == remaining
                   else f"would breach the target ({_plural(remaining, 'cancellation')} of room left)")
        return Status(AT_RISK, f"{_plural(k, 'stuck order')} ({_ids(due_cancels)}) {verb} due for "
                               f"No Inventory by {_day(due_by)}; cancelling {who} {outcome}.")
    if remaining == 0:
        return Status(AT_RISK, f"no room left: with {_plural(orders, 'order')} placed {span} and "
                               f"{_plural(cancellations, 'counted cancellation')} so far, one "
                               "more breaches the target.")
    if p_breach_7d is not None and p_breach_7d >= risk:
        stuck = f", with {_plural(open_stuck, 'stuck order')} still open" if open_stuck else ""
        return Status(AT_RISK, f"the forecast gives a {p_breach_7d:.0%} chance of a breach day "
                               f"within 7 days{stuck} (accepted risk {risk:.0%}).")
    return Status(OK, f"{figures}); room for {remaining} more counted cancellation"
                      f"{'' if remaining == 1 else 's'} this week.")
