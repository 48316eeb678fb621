"""mark_gaps against a brute force: each day's window looked up one day at a time in a set."""

from __future__ import annotations

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from oos_analysis.metric.gaps import mark_gaps

MARKETS = ["amazon.com", "amazon.ca", "amazon.co.jp"]
ZONES = ["UTC", "America/Los_Angeles", "Asia/Tokyo"]


def _brute(daily, gaps, tz):
    uncovered = set()
    for market, stamp in zip(gaps["marketplace"], gaps["date"], strict=True):
        for instant in (stamp, stamp + pd.Timedelta(days=1) - pd.Timedelta(microseconds=1)):
            local = instant.tz_convert(tz).tz_localize(None).normalize()
            uncovered.add((market, local))
    in_gap, window = [], []
    for market, day in zip(daily["marketplace"], daily["date"], strict=True):
        in_gap.append((market, day) in uncovered)
        window.append(sum((market, day - pd.Timedelta(days=k)) in uncovered for k in range(7)))
    return in_gap, window


@settings(max_examples=40)
@given(
    days=st.lists(st.tuples(st.sampled_from(MARKETS), st.integers(0, 40)), max_size=30),
    gaps=st.lists(st.tuples(st.sampled_from(MARKETS), st.integers(-3, 45)), max_size=15),
    tz=st.sampled_from(ZONES),
)
def test_mark_gaps_matches_a_day_by_day_count(days, gaps, tz):
    origin = pd.Timestamp("2026-03-01")
    daily = pd.DataFrame({
        "marketplace": pd.Series([m for m, _ in days], dtype="str"),
        "date": pd.Series([origin + pd.Timedelta(days=d) for _, d in days],
                          dtype="datetime64[ns]"),
    })
    gap_frame = pd.DataFrame({
        "marketplace": pd.Series([m for m, _ in gaps], dtype="str"),
        "date": pd.Series([origin.tz_localize("UTC") + pd.Timedelta(days=d) for _, d in gaps],
                          dtype="datetime64[ns, UTC]"),
    })
    marked = mark_gaps(daily, gap_frame, tz=tz)
    in_gap, window = _brute(daily, gap_frame, tz)
    assert marked["in_gap"].tolist() == in_gap
    assert marked["window_gap_days"].tolist() == window
    assert list(marked.columns) == [*daily.columns, "in_gap", "window_gap_days"]
