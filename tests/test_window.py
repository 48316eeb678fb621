"""``metric.window``: the window's arithmetic needs no pandas, and its day parser agrees with it."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from oos_analysis.metric.window import day_number

_DAY_NS = 86_400 * 10**9


def test_importing_the_window_does_not_import_pandas():
    code = ("import sys; import oos_analysis.metric.window as w; "
            "w.remaining_cancellations(1, 80); w.day_number('2026-03-09', 'UTC', 'asof'); "
            "print('pandas' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


@settings(max_examples=200, deadline=None)
@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2200, 12, 31)))
def test_plain_days_are_the_days_pandas_gives(day):
    expected = pd.Timestamp(day).normalize().value // _DAY_NS
    assert int(day_number(day, "UTC", "asof")) == expected
    assert int(day_number(day.isoformat(), "Asia/Tokyo", "asof")) == expected  # naive: local
    assert int(day_number(dt.datetime(day.year, day.month, day.day, 23, 59), "UTC", "x")) == expected


def test_day_numbers_by_hand():
    assert int(day_number("1970-01-01", "UTC", "asof")) == 0
    assert int(day_number(dt.date(1969, 12, 31), "UTC", "asof")) == -1
    assert int(day_number("2026-03-09", "UTC", "asof")) == 20521  # 56 years, 14 leap days, 67
    assert day_number(None, "UTC", "asof") is None


def test_an_impossible_day_is_one_paragraph():
    import pytest

    from oos_analysis.exceptions import ParameterError

    with pytest.raises(ParameterError, match="--asof expects a date such as 2026-03-09"):
        day_number("2026-02-30", "UTC", "--asof")
