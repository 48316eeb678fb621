"""The daily 7-day pre-fulfillment cancel rate, per marketplace.

Definitions follow ``cancellation-rules.md`` section 3:

* an order belongs to the window of its **purchase date**; the window for day D is D-6 ... D;
* days are **UTC days by default** (Amazon's Seller Performance JSON reports whole UTC days); a
  ``tz`` option buckets by marketplace-local days instead;
* the denominator is **all MFN orders** placed in the window, whatever their status; the numerator
  is the counted cancellations among them (unattributed ones included, conservatively);
* a day is a **breach iff rate >= threshold**; exactly 2.5 % (1 in 40) is not healthy.
"""

from __future__ import annotations

import zoneinfo

import numpy as np
import pandas as pd

from .exceptions import ParameterError

__all__ = [
    "DEFAULT_THRESHOLD",
    "WINDOW_DAYS",
    "check_threshold",
    "check_tz",
    "local_day",
    "daily_rate",
]

DEFAULT_THRESHOLD = 0.025
"""Amazon's target: healthy iff the rate is under 2.5 % (``targetCondition LESS_THAN``)."""
WINDOW_DAYS = 7
"""The window: the day itself and the six before it."""

_DAY_NS = 86_400 * 10**9


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


def local_day(timestamps: pd.Series, tz: str = "UTC") -> np.ndarray:
    """Return the day of each UTC timestamp in ``tz`` as int64 days since 1970-01-01 (NaT -> min).

    Examples
    --------
    >>> s = pd.Series(pd.to_datetime(["2026-03-09T23:30:00-07:00"], utc=True))
    >>> local_day(s).astype("datetime64[D]"), local_day(s, "America/Los_Angeles").astype("datetime64[D]")
    (array(['2026-03-10'], dtype='datetime64[D]'), array(['2026-03-09'], dtype='datetime64[D]'))
    """
    tz = check_tz(tz)
    stamps = pd.Series(timestamps)
    if not isinstance(stamps.dtype, pd.DatetimeTZDtype):
        raise ParameterError(
            f"purchase dates must be tz-aware timestamps (UTC); got dtype {stamps.dtype}. Build the "
            "orders frame with orders_from_items() from read_exports()."
        )
    if tz != "UTC":
        stamps = stamps.dt.tz_convert(tz).dt.tz_localize(None)
    values = stamps.to_numpy(dtype="datetime64[ns]").view(np.int64)
    nat = values == np.iinfo(np.int64).min
    days = values // _DAY_NS
    days[nat] = np.iinfo(np.int64).min
    return days
