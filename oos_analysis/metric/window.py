"""The 7-day window and its target, in exact arithmetic on counts (no frames, no pandas).

``cancellation-rules.md`` section 3: the window of day D is the MFN orders placed on D-6 ... D
(:data:`WINDOW_DAYS`), a day is a breach iff ``c / n >= threshold`` (:func:`exceeds`), the
remaining budget is the largest ``k >= 0`` with ``(c + k) / n < threshold``
(:func:`remaining_cancellations`) and the clean orders needed the smallest ``m`` with
``c / (n + m) < threshold`` (:func:`clean_orders_needed`), all decided on integers with
``threshold = p / q``. :func:`check_threshold`, :func:`check_tz` and :func:`day_number` check
the options every command takes. This module imports numpy only, so that the simulator with
given inputs never pays for pandas; :mod:`~oos_analysis.metric.rate` and
:mod:`~oos_analysis.metric.budget` re-export its names.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from fractions import Fraction

import numpy as np

from ..exceptions import ParameterError

__all__ = [
    "DEFAULT_THRESHOLD",
    "WINDOW_DAYS",
    "check_threshold",
    "check_tz",
    "day_number",
    "exceeds",
    "remaining_cancellations",
    "clean_orders_needed",
]

DEFAULT_THRESHOLD = 0.025
"""Amazon's target: healthy iff the rate is under 2.5 % (``targetCondition LESS_THAN``)."""
WINDOW_DAYS = 7
"""The window: the day itself and the six before it."""

_DAY_NS = 86_400 * 10**9
_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def check_threshold(threshold) -> float:
    """Return ``threshold`` as a float, or raise :class:`ParameterError` if it is not in (0, 1]."""
    try:
        value = float(threshold)
    except (TypeError, ValueError):
        value = float("nan")
    if not (0 < value <= 1):
        raise ParameterError(
            f"threshold must be a fraction between 0 and 1 (0.025 for Amazon's 2.5 % target); "
            f"got {threshold!r}. Write 2.5 % as 0.025."
        )
    return value


def check_tz(tz) -> str:
    """Return ``tz`` if it names an IANA time zone, else raise :class:`ParameterError`."""
    if tz is None:
        return "UTC"
    name = str(tz)
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError):
        raise ParameterError(
            f"unknown time zone {name!r}; expected an IANA name such as 'UTC', "
            "'America/Los_Angeles' or 'Asia/Tokyo'."
        ) from None
    return name


def exceeds(cancellations, orders, threshold: float) -> np.ndarray:
    """Return ``cancellations / orders >= threshold`` decided in exact integer arithmetic."""
    frac = Fraction(str(check_threshold(threshold)))
    c = np.asarray(cancellations, dtype=np.int64)
    n = np.asarray(orders, dtype=np.int64)
    return frac.denominator * c >= frac.numerator * n


def day_number(value, tz: str, name: str) -> np.int64 | None:
    """Return the day (days since 1970-01-01) of a date-like ``value`` in ``tz``; None stays None.

    A tz-aware value is converted to ``tz`` first; a naive one is taken as already local.
    ``name`` is the option's name for the error message. A ``YYYY-MM-DD`` string or a
    :class:`datetime.date` is read without pandas; anything else goes through
    :class:`pandas.Timestamp`.

    Examples
    --------
    >>> int(day_number("2026-03-10T05:30:00Z", "America/Los_Angeles", "asof"))  # 9 March locally
    20521
    >>> int(day_number("2026-03-09", "UTC", "asof")), int(day_number(dt.date(2026, 3, 9), "UTC", "asof"))
    (20521, 20521)
    """
    if value is None:
        return None
    day = _plain_day(value)
    if day is not None:
        return np.int64(day.toordinal() - _EPOCH_ORDINAL)
    import pandas as pd

    try:
        stamp = pd.Timestamp(value)
    except (TypeError, ValueError):
        stamp = pd.NaT
    if stamp is pd.NaT:
        raise ParameterError(f"{name} expects a date such as 2026-03-09; got {value!r}.")
    if stamp.tzinfo is not None:
        stamp = stamp.tz_convert(tz).tz_localize(None)
    return np.int64(stamp.normalize().value // _DAY_NS)


def _plain_day(value) -> dt.date | None:
    """The day of a ``datetime.date`` (not a datetime) or of a valid ``YYYY-MM-DD`` string, else
    None (pandas decides)."""
    if type(value) is dt.date:
        return value
    if isinstance(value, str) and _ISO_DAY.fullmatch(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return None
    return None


# Beyond this the int64 products p*n and q*c might overflow; fall back to Python integers.
_INT64_SAFE = 2**62


def _as_fraction(threshold: float) -> Fraction:
    check_threshold(threshold)
    # str() first so that 0.025 becomes exactly 1/40, not the binary float next to it.
    return Fraction(str(threshold))


def _counts(cancellations, orders):
    c = np.asarray(cancellations)
    n = np.asarray(orders)
    for name, value in (("cancellations", c), ("orders", n)):
        if value.dtype.kind not in "iub" and not (
            value.dtype.kind == "f" and np.all(np.isfinite(value)) and np.all(value == np.floor(value))
        ):
            raise ParameterError(
                f"{name} must be whole counts (integers); got values of type {value.dtype}. "
                "Pass order and cancellation counts, not rates."
            )
        if np.any(value < 0):
            raise ParameterError(
                f"{name} must be zero or more; got a negative count. Pass counts of orders "
                "and of counted cancellations in the 7-day window."
            )
    if np.any(c > n):
        raise ParameterError(
            "cancellations cannot exceed orders: every counted cancellation is one of the orders "
            "in the window (the denominator is all MFN orders placed in it). Check the arguments' order: "
            "remaining_cancellations(cancellations, orders)."
        )
    return c, n


def _integer_work(c, n, *factors):
    """Return c, n as arrays whose products with ``factors`` cannot overflow."""
    biggest = max([int(np.max(c, initial=0)), int(np.max(n, initial=0)), 1])
    if biggest * max(factors) * 2 < _INT64_SAFE:
        return c.astype(np.int64), n.astype(np.int64)
    return c.astype(object), n.astype(object)


def _operands(cancellations, orders, threshold):
    """The checked counts ``c, n`` (as arrays safe from overflow), ``threshold = p / q`` and
    whether both counts were scalars."""
    frac = _as_fraction(threshold)
    p, q = frac.numerator, frac.denominator
    scalar = np.ndim(cancellations) == 0 and np.ndim(orders) == 0
    c, n = _counts(cancellations, orders)
    c, n = _integer_work(c, n, p, q)
    return c, n, p, q, scalar


def _result(value, scalar: bool):
    if scalar:
        return int(value)
    return np.asarray(value).astype(np.int64)


def remaining_cancellations(cancellations, orders, *, threshold: float = DEFAULT_THRESHOLD):
    """Return how many more counted cancellations the window can take and stay under target.

    The answer is the largest ``k >= 0`` with ``(c + k) / n < threshold``, in exact integer
    arithmetic on ``threshold = p / q`` (``cancellation-rules.md`` section 3, "Remaining budget"):
    ``k = ceil(p * n / q) - 1 - c``, and 0 when that is negative. It assumes the next
    cancellations hit orders already in the window, so ``n`` does not grow. Exactly at the
    threshold is a breach, so with 40 orders and a 2.5 % target nothing can be cancelled.

    Parameters
    ----------
    cancellations : int or array of int
        Counted cancellations ``c`` in the window.
    orders : int or array of int
        MFN orders ``n`` placed in the window (``c <= n``).
    threshold : float, default 0.025
        The target as a fraction; healthy iff ``rate < threshold``.

    Returns
    -------
    int or numpy.ndarray of int64
        A Python int for scalar inputs; an array of the broadcast shape otherwise.

    Raises
    ------
    ParameterError
        Negative or non-integer counts, ``c > n``, or a threshold outside (0, 1].

    Examples
    --------
    >>> remaining_cancellations(0, 40), remaining_cancellations(0, 41), remaining_cancellations(1, 120)
    (0, 1, 1)
    >>> remaining_cancellations(np.array([0, 1, 3]), np.array([81, 81, 81]))
    array([2, 1, 0])
    """
    c, n, p, q, scalar = _operands(cancellations, orders, threshold)
    # ceil(p*n/q) == -((-p*n) // q) for integers.
    k = -((-p * n) // q) - 1 - c
    return _result(np.maximum(k, 0), scalar)


def clean_orders_needed(cancellations, orders, *, threshold: float = DEFAULT_THRESHOLD):
    """Return how many more clean orders bring the window back under target (0 when healthy).

    The smallest ``m >= 0`` with ``c / (n + m) < threshold`` in exact arithmetic: with
    ``threshold = p / q`` that is ``m = floor(q * c / p) + 1 - n``, and 0 when negative or when
    there is no counted cancellation. It answers the "dilute it with more sales" question sellers
    ask; it assumes none of the new orders is cancelled and none of the old ones rolls off.

    Parameters
    ----------
    cancellations : int or array of int
        Counted cancellations ``c`` in the window.
    orders : int or array of int
        MFN orders ``n`` placed in the window (``c <= n``).
    threshold : float, default 0.025

    Returns
    -------
    int or numpy.ndarray of int64

    Raises
    ------
    ParameterError
        As for :func:`remaining_cancellations`.

    Examples
    --------
    >>> clean_orders_needed(1, 40), clean_orders_needed(1, 41), clean_orders_needed(3, 100)
    (1, 0, 21)
    """
    c, n, p, q, scalar = _operands(cancellations, orders, threshold)
    m = (q * c) // p + 1 - n
    m = np.where(c == 0, 0, np.maximum(m, 0))
    return _result(m, scalar)
