"""How many more cancellations a window can absorb, and how it recovers.

The rules come from ``cancellation-rules.md`` section 3: the rate is ``c / n`` over the MFN orders
placed in the 7 days D-6 ... D, healthy iff it is strictly below the threshold, and the remaining
budget is the largest ``k >= 0`` with ``(c + k) / n < threshold`` computed in exact arithmetic
(for 2.5 %: ``40 * (c + k) < n``). Counts, not rates, are what a small seller can act on.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from .exceptions import ParameterError
from .rate import DEFAULT_THRESHOLD, check_threshold

__all__ = [
    "remaining_cancellations",
    "clean_orders_needed",
]

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
    frac = _as_fraction(threshold)
    p, q = frac.numerator, frac.denominator
    scalar = np.ndim(cancellations) == 0 and np.ndim(orders) == 0
    c, n = _counts(cancellations, orders)
    c, n = _integer_work(c, n, p, q)
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
    frac = _as_fraction(threshold)
    p, q = frac.numerator, frac.denominator
    scalar = np.ndim(cancellations) == 0 and np.ndim(orders) == 0
    c, n = _counts(cancellations, orders)
    c, n = _integer_work(c, n, p, q)
    m = (q * c) // p + 1 - n
    m = np.where(c == 0, 0, np.maximum(m, 0))
    return _result(m, scalar)
