"""The daily 7-day rate (cancellation-rules.md section 3), checked against hand counts."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oos_analysis.exceptions import ParameterError
from oos_analysis.metric.rate import daily_rate


def make_orders(purchases, *, counted=(), marketplace="amazon.com", in_metric=None, unknown=()):
    """purchases: ISO strings; counted/unknown: positions of counted / unattributed orders."""
    n = len(purchases)
    is_counted = np.zeros(n, bool)
    is_counted[list(counted)] = True
    attribution = pd.Series([pd.NA] * n, dtype="str")
    attribution[is_counted] = "seller"
    attribution[list(unknown)] = "unknown"
    return pd.DataFrame({
        "order_id": [f"O{i}" for i in range(n)],
        "marketplace": pd.Series([marketplace] * n, dtype="str"),
        "purchase_date": pd.to_datetime(list(purchases), utc=True),
        "in_metric": np.ones(n, bool) if in_metric is None else np.asarray(in_metric),
        "cancelled": is_counted,
        "counted": is_counted,
        "attribution": attribution,
    })


def day(d, hour=12):
    return f"2026-03-{d:02d}T{hour:02d}:00:00+00:00"


def at(frame, date, marketplace="amazon.com"):
    row = frame[(frame["marketplace"] == marketplace) & (frame["date"] == pd.Timestamp(date))]
    assert len(row) == 1, row
    return row.iloc[0]


@pytest.mark.parametrize(("n", "status"), [(40, "breach"), (41, "ok"), (39, "breach"), (80, "ok")])
def test_one_cancellation_breaches_up_to_40_orders(n, status):
    orders = make_orders([day(1)] * (n - 1) + [day(7)], counted=[0])
    result = daily_rate(orders)
    assert len(result) == 1
    row = result.iloc[0]
    assert row["date"] == pd.Timestamp("2026-03-07")
    assert (row["orders"], row["seller_cancellations"], row["status"]) == (n, 1, status)
    assert row["rate"] == pytest.approx(1 / n)
    assert row["complete"]


def test_exactly_at_threshold_is_breach_for_other_threshold():
    orders = make_orders([day(7)] * 49 + [day(1)], counted=[0])  # 1 in 50 = 2 %
    assert at(daily_rate(orders, threshold=0.02), "2026-03-07")["status"] == "breach"
    assert at(daily_rate(orders, threshold=0.0201), "2026-03-07")["status"] == "ok"


def test_buyer_official_stays_in_denominator_and_out_of_numerator():
    # 41 orders, two cancelled: one counted, one official buyer request (counted=False).
    orders = make_orders([day(1)] * 40 + [day(7)], counted=[0])
    orders.loc[1, "cancelled"] = True
    orders.loc[1, "attribution"] = "buyer_official"
    row = at(daily_rate(orders), "2026-03-07")
    assert (row["orders"], row["seller_cancellations"], row["status"]) == (41, 1, "ok")


def test_excluded_orders_are_ignored():
    in_metric = [True] * 41 + [False] * 10
    orders = make_orders([day(1)] * 40 + [day(7)] + [day(3)] * 10, counted=[0, 45], in_metric=in_metric)
    orders.loc[45, "counted"] = False  # orders_from_items never counts an excluded order
    row = at(daily_rate(orders), "2026-03-07")
    assert (row["orders"], row["seller_cancellations"]) == (41, 1)


def test_window_rolls_and_cancellation_leaves_after_seven_days():
    # one order a day from Mar 1 to Mar 14, the Mar 2 order cancelled
    orders = make_orders([day(d) for d in range(1, 15)], counted=[1])
    r = daily_rate(orders).set_index("date")
    assert r.index.min() == pd.Timestamp("2026-03-07") and r.index.max() == pd.Timestamp("2026-03-14")
    assert (r["orders"] == 7).all()
    # Mar 2 is in the windows of Mar 2..Mar 8 and leaves on Mar 9
    assert r.loc["2026-03-08", "seller_cancellations"] == 1
    assert r.loc["2026-03-09", "seller_cancellations"] == 0
    assert r.loc["2026-03-09", "status"] == "ok"


def test_partial_windows_only_on_request_and_marked():
    orders = make_orders([day(d) for d in range(1, 9)])
    assert daily_rate(orders)["date"].tolist() == [pd.Timestamp("2026-03-07"), pd.Timestamp("2026-03-08")]
    partial = daily_rate(orders, include_partial=True)
    assert len(partial) == 8
    assert partial["complete"].tolist() == [False] * 6 + [True] * 2
    assert partial["orders"].tolist() == [1, 2, 3, 4, 5, 6, 7, 7]


def test_gap_gives_no_orders_days():
    orders = make_orders([day(1), day(20)])
    r = daily_rate(orders).set_index("date")
    assert r.loc["2026-03-07", "orders"] == 1 and r.loc["2026-03-07", "status"] == "ok"
    assert r.loc["2026-03-08", "status"] == "no-orders" and np.isnan(r.loc["2026-03-08", "rate"])
    assert r.loc["2026-03-20", "orders"] == 1


def test_midnight_with_offsets_lands_on_the_right_day():
    purchases = [
        "2026-03-09T16:59:59-07:00",  # 23:59:59 UTC on Mar 9; Mar 9 in LA
        "2026-03-09T17:00:00-07:00",  # 00:00 UTC on Mar 10; Mar 9 in LA
        "2026-03-09T23:30:00-07:00",  # 06:30 UTC on Mar 10; Mar 9 in LA
        "2026-03-10T00:30:00-07:00",  # 07:30 UTC on Mar 10; Mar 10 in LA
    ]
    utc = daily_rate(make_orders(purchases), include_partial=True).set_index("date")["orders"]
    assert utc.to_dict() == {pd.Timestamp("2026-03-09"): 1, pd.Timestamp("2026-03-10"): 4}
    la = daily_rate(make_orders(purchases), include_partial=True, tz="America/Los_Angeles")
    la = la.set_index("date")["orders"]
    assert la.to_dict() == {pd.Timestamp("2026-03-09"): 3, pd.Timestamp("2026-03-10"): 4}
    tokyo = daily_rate(make_orders(purchases), include_partial=True, tz="Asia/Tokyo")
    # +09:00: 08:59:59 on Mar 10, then 09:00, 15:30, 16:30 on Mar 10
    assert tokyo.set_index("date")["orders"].to_dict() == {pd.Timestamp("2026-03-10"): 4}


def test_marketplaces_are_separate_and_filters_apply():
    us = make_orders([day(d) for d in range(1, 11)], counted=[9])
    jp = make_orders([day(d) for d in range(3, 10)], marketplace="amazon.co.jp")
    both = pd.concat([us, jp], ignore_index=True)
    r = daily_rate(both)
    assert r.groupby("marketplace")["date"].agg(["min", "max"]).to_dict("index") == {
        "amazon.co.jp": {"min": pd.Timestamp("2026-03-09"), "max": pd.Timestamp("2026-03-09")},
        "amazon.com": {"min": pd.Timestamp("2026-03-07"), "max": pd.Timestamp("2026-03-10")},
    }
    assert at(r, "2026-03-10")["seller_cancellations"] == 1
    assert at(r, "2026-03-10")["status"] == "breach"  # 1 of 7
    only = daily_rate(both, marketplace="amazon.com", start="2026-03-08", end="2026-03-09")
    assert only["date"].tolist() == [pd.Timestamp("2026-03-08"), pd.Timestamp("2026-03-09")]
    assert set(only["marketplace"]) == {"amazon.com"}


def test_unattributed_are_counted_and_reported():
    orders = make_orders([day(1)] * 40 + [day(7)], counted=[0, 1], unknown=[1])
    row = at(daily_rate(orders), "2026-03-07")
    assert (row["seller_cancellations"], row["unattributed"]) == (2, 1)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [({"tz": "Mars/Olympus"}, "America/Los_Angeles"), ({"threshold": 2.5}, "0.025"),
     ({"marketplace": "amazon.de"}, "amazon.com"), ({"start": "yesterday-ish"}, "2026-03-09")],
)
def test_bad_parameters(kwargs, match):
    with pytest.raises(ParameterError, match=match):
        daily_rate(make_orders([day(1)]), **kwargs)


def test_empty_and_input_unchanged():
    orders = make_orders([day(1)] * 3, counted=[0])
    before = orders.copy(deep=True)
    daily_rate(orders, tz="Asia/Tokyo", include_partial=True)
    pd.testing.assert_frame_equal(before, orders)
    empty = daily_rate(orders.iloc[:0])
    assert list(empty.columns)[:6] == ["marketplace", "date", "orders", "seller_cancellations", "rate", "status"]
    assert len(empty) == 0


def brute_force(orders, threshold=0.025):
    """Day-by-day reference: count orders in D-6..D with plain Python.

    Data spanning fewer than 7 days has no complete window: then every day is shown (partial).
    """
    days = orders["purchase_date"].dt.floor("D").dt.tz_localize(None)
    out = {}
    short = days.max() - days.min() < pd.Timedelta(days=6)
    first = days.min() if short else days.min() + pd.Timedelta(days=6)
    for d in pd.date_range(first, days.max()):
        inside = (days >= d - pd.Timedelta(days=6)) & (days <= d)
        n = int(inside.sum())
        c = int((inside & orders["counted"]).sum())
        out[d] = (n, c, "no-orders" if n == 0 else ("breach" if c * 40 >= n else "ok"))
    return out


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 20), st.integers(0, 23), st.booleans()), min_size=1, max_size=80)
)
def test_matches_brute_force_and_rate_bounds(rows):
    purchases = [f"2026-03-{1 + d:02d}T{h:02d}:00:00+00:00" for d, h, _ in rows]
    counted = [i for i, (_, _, c) in enumerate(rows) if c]
    orders = make_orders(purchases, counted=counted)
    got = daily_rate(orders)
    expected = brute_force(orders)
    assert {d: (n, c, s) for d, n, c, s in got[["date", "orders", "seller_cancellations", "status"]].itertuples(
        index=False
    )} == expected
    rates = got["rate"].dropna()
    assert ((rates >= 0) & (rates <= 1)).all()


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 13), min_size=2, max_size=60), st.data())
def test_adding_a_counted_cancellation_never_lowers_the_rate(day_offsets, data):
    purchases = [day(1 + d) for d in day_offsets]
    base = make_orders(purchases)
    extra = base.copy()
    extra.loc[data.draw(st.integers(0, len(base) - 1)), "counted"] = True
    a = daily_rate(base, include_partial=True)
    b = daily_rate(extra, include_partial=True)
    assert (b["rate"].fillna(0) >= a["rate"].fillna(0)).all()
    assert (b["orders"] == a["orders"]).all()
