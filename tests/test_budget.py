"""Budget arithmetic, summary, roll-off and listing risk (cancellation-rules.md section 3)."""

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oos_analysis.exceptions import ParameterError
from oos_analysis.metric.budget import clean_orders_needed, remaining_cancellations

FAST = settings(max_examples=200, deadline=None)


# --- remaining_cancellations / clean_orders_needed ----------------------------------------------
@pytest.mark.parametrize(
    ("c", "n", "expected"),
    [
        (0, 0, 0),
        (0, 39, 0),  # 1/39 >= 2.5 %
        (0, 40, 0),  # 1/40 == 2.5 % is a breach
        (0, 41, 1),  # 1/41 < 2.5 %
        (0, 80, 1),  # 2/80 == 2.5 %
        (0, 81, 2),
        (1, 81, 1),
        (2, 81, 0),
        (3, 81, 0),  # already over: never negative
        (5, 1000, 19),  # 24/1000 < 0.025 <= 25/1000
    ],
)
def test_remaining_hand_computed(c, n, expected):
    assert remaining_cancellations(c, n) == expected


def test_remaining_other_threshold_exact():
    # 2 % = 1/50: 100 orders allow 1 (2/100 == 2 % is not under), 101 allow 2.
    assert remaining_cancellations(0, 100, threshold=0.02) == 1
    assert remaining_cancellations(0, 101, threshold=0.02) == 2
    # 0.1 is not exact in binary; str() makes it 1/10: 10 orders allow 0, 11 allow 1.
    assert remaining_cancellations(0, 10, threshold=0.1) == 0
    assert remaining_cancellations(0, 11, threshold=0.1) == 1


def test_remaining_returns_python_int_for_scalars():
    assert type(remaining_cancellations(np.int64(0), np.int64(41))) is int


def test_remaining_arrays_match_scalar_path():
    rng = np.random.default_rng(1)
    n = rng.integers(0, 500, size=(7, 11))
    c = (n * rng.random(size=n.shape) * 0.1).astype(np.int64)
    got = remaining_cancellations(c, n)
    assert got.shape == n.shape and got.dtype == np.int64
    expected = np.vectorize(lambda ci, ni: remaining_cancellations(int(ci), int(ni)))(c, n)
    np.testing.assert_array_equal(got, expected)


def test_remaining_broadcasts():
    got = remaining_cancellations(np.array([0, 1, 2]), 81)
    np.testing.assert_array_equal(got, [2, 1, 0])


def test_remaining_huge_counts_do_not_overflow():
    n = 10**17
    assert remaining_cancellations(0, n, threshold=0.0123456789) == -(-123456789 * n // 10**10) - 1


@pytest.mark.parametrize(
    ("c", "n", "kwargs"),
    [(-1, 10, {}), (1, -10, {}), (5, 4, {}), (0.5, 10, {}), (0, 10, {"threshold": 0}),
     (0, 10, {"threshold": 1.5}), (0, 10, {"threshold": "abc"})],
)
def test_remaining_rejects_bad_input(c, n, kwargs):
    with pytest.raises(ParameterError):
        remaining_cancellations(c, n, **kwargs)


def test_remaining_rejects_bad_array_entry():
    with pytest.raises(ParameterError, match="exceed"):
        remaining_cancellations(np.array([0, 3]), np.array([10, 2]))


@FAST
@given(
    n=st.integers(0, 100_000),
    frac=st.fractions(0, 1),
    threshold=st.sampled_from([0.025, 0.02, 0.01, 0.05, 0.1, 0.333]),
)
def test_remaining_is_exact_at_boundary(n, frac, threshold):
    c = int(n * frac)
    t = Fraction(str(threshold))
    k = remaining_cancellations(c, n, threshold=threshold)
    assert k >= 0
    if k > 0:
        assert Fraction(c + k, n) < t
    if n > 0 and Fraction(c, n) < t:
        assert Fraction(c + k + 1, n) >= t
        assert Fraction(c + k, n) < t


@FAST
@given(n=st.integers(1, 100_000), frac=st.fractions(0, 1))
def test_adding_a_cancellation_never_raises_remaining(n, frac):
    c = int((n - 1) * frac)
    assert remaining_cancellations(c + 1, n) <= remaining_cancellations(c, n)


@pytest.mark.parametrize(
    ("c", "n", "expected"),
    [(0, 0, 0), (0, 5, 0), (1, 1, 40), (1, 40, 1), (1, 41, 0), (3, 100, 21), (2, 79, 2)],
)
def test_clean_orders_needed_hand_computed(c, n, expected):
    assert clean_orders_needed(c, n) == expected


@FAST
@given(n=st.integers(0, 50_000), frac=st.fractions(0, 1),
       threshold=st.sampled_from([0.025, 0.02, 0.05, 0.1]))
def test_clean_orders_needed_is_minimal(n, frac, threshold):
    c = int(n * frac)
    t = Fraction(str(threshold))
    m = clean_orders_needed(c, n, threshold=threshold)
    if c == 0:
        assert m == 0
        return
    assert Fraction(c, n + m) < t
    if m > 0:
        assert Fraction(c, n + m - 1) >= t


def test_clean_orders_needed_arrays():
    got = clean_orders_needed(np.array([0, 1, 1, 3]), np.array([10, 40, 41, 100]))
    np.testing.assert_array_equal(got, [0, 1, 0, 21])


# --- budget_summary, roll-off, recovery, listing risk -------------------------------------------
import pandas as pd  # noqa: E402

from oos_analysis.metric.budget import back_under_target_on, budget_summary, roll_off_calendar  # noqa: E402
from oos_analysis.metric.listing import listing_risk  # noqa: E402


def orders_frame(spec, marketplace="amazon.com"):
    """spec: list of (order_id, ISO purchase, counted, attribution)."""
    return pd.DataFrame({
        "order_id": pd.Series([s[0] for s in spec], dtype="str"),
        "marketplace": pd.Series([marketplace] * len(spec), dtype="str"),
        "purchase_date": pd.to_datetime([s[1] for s in spec], utc=True),
        "in_metric": True,
        "counted": [s[2] for s in spec],
        "attribution": pd.Series([s[3] for s in spec], dtype="str"),
    })


def daily(day, count, prefix, counted=0):
    return [(f"{prefix}{day}-{i}", f"2026-03-{day:02d}T12:00:00Z", i < counted,
             "unknown" if i < counted else None) for i in range(count)]


def test_budget_summary_hand_computed():
    # 10 orders a day Mar 1..10; 2 counted on Mar 5 (one unknown, one seller), 1 on Mar 9.
    spec = []
    for d in range(1, 11):
        spec += daily(d, 10, "O", counted=2 if d == 5 else (1 if d == 9 else 0))
    frame = orders_frame(spec)
    frame.loc[frame["order_id"] == "O5-1", "attribution"] = "seller"
    row = budget_summary(frame, asof="2026-03-10").iloc[0]
    # window Mar 4..10: 70 orders, 3 counted; 3/70 = 4.29 %: breach
    assert (row["orders"], row["seller_cancellations"], row["unattributed"]) == (70, 3, 2)
    assert row["status"] == "breach" and row["remaining"] == 0
    assert row["clean_orders_needed"] == 51  # 3/121 < 2.5 % <= 3/120
    assert row["window_start"] == pd.Timestamp("2026-03-04") and row["complete"]
    # projection at 10/day: Mar 11 window 5..11 still has 3/70; Mar 12 (5 gone) 1/70 = 1.43 %
    assert row["back_under_target_on"] == pd.Timestamp("2026-03-12")
    assert row["daily_orders"] == 10


def test_budget_summary_healthy_is_asof_and_default_asof_is_last_day():
    spec = daily(1, 41, "A", counted=1) + daily(3, 1, "B")
    row = budget_summary(orders_frame(spec)).iloc[0]
    assert row["asof"] == pd.Timestamp("2026-03-03") and not row["complete"]
    assert (row["orders"], row["remaining"], row["status"]) == (42, 0, "ok")
    assert row["back_under_target_on"] == row["asof"]


def test_default_asof_is_one_day_for_every_marketplace():
    # amazon.ca's last order is on Mar 2, amazon.com's on Mar 9: both are summarised as of Mar 9,
    # so the small marketplace's Mar 1-2 orders have left its window.
    com = orders_frame(daily(3, 40, "C") + daily(9, 40, "D"))
    ca = orders_frame(daily(1, 5, "E", counted=1) + daily(2, 5, "F"), marketplace="amazon.ca")
    summary = budget_summary(pd.concat([com, ca], ignore_index=True)).set_index("marketplace")
    assert (summary["asof"] == pd.Timestamp("2026-03-09")).all()
    assert (summary.loc["amazon.com", "orders"], summary.loc["amazon.ca", "orders"]) == (80, 0)
    assert summary.loc["amazon.ca", "status"] == "no-orders"


def test_budget_recovery_projects_average_of_available_days():
    # 5 orders on Mar 1 (1 counted) is all the history: 5 orders a day projected.
    # Mar 1+j has 1/(5+5j) until Mar 1 leaves on Mar 8: 1/35 on Mar 7 is still >= 2.5 %.
    row = budget_summary(orders_frame(daily(1, 5, "A", counted=1))).iloc[0]
    assert row["status"] == "breach" and row["daily_orders"] == 5
    assert row["back_under_target_on"] == pd.Timestamp("2026-03-08")


def test_back_under_target_on_cases():
    # one order, cancelled, and 27 empty days before it: 1/28 order a day; under once it rolls off
    assert back_under_target_on({0: 1}, {0: 1}, 0, first_day=-27) == 7
    # enough projected orders dilute it before the roll-off: 100/day -> day 0: 1/100 already ok
    assert back_under_target_on({0: 100}, {0: 1}, 0, first_day=0) == 0
    # 20/day: 1/20, 1/40 (breach), 1/60 -> day 2
    assert back_under_target_on({0: 20}, {0: 1}, 0, first_day=0) == 2
    # no orders in the last 28 days: the window never has a rate again -> None (NaT)
    assert back_under_target_on({-100: 3}, {-100: 1}, 0, first_day=-100) is None


def test_budget_summary_no_recovery_is_nat():
    spec = daily(1, 2, "A", counted=1)
    row = budget_summary(orders_frame(spec), asof="2026-04-15").iloc[0]
    assert row["orders"] == 0 and row["status"] == "no-orders"
    assert pd.isna(row["back_under_target_on"])


def test_budget_summary_per_marketplace_and_tz():
    us = orders_frame(daily(1, 41, "U", counted=1))
    jp = orders_frame([("J1", "2026-03-01T16:00:00Z", True, "seller"),
                       ("J2", "2026-03-01T14:00:00Z", False, None)], marketplace="amazon.co.jp")
    s = budget_summary(pd.concat([us, jp], ignore_index=True), tz="Asia/Tokyo").set_index("marketplace")
    # 16:00Z is Mar 2 in Tokyo, 14:00Z is Mar 1 23:00 there: the JP window as of Mar 2 holds both
    assert s.loc["amazon.co.jp", "asof"] == pd.Timestamp("2026-03-02")
    assert s.loc["amazon.co.jp", ["orders", "seller_cancellations"]].tolist() == [2, 1]
    assert s.loc["amazon.com", ["orders", "remaining", "status"]].tolist() == [41, 0, "ok"]


def test_roll_off_calendar_hand_computed():
    spec = [("A", "2026-03-02T23:30:00Z", True, "unknown"), ("B", "2026-03-04T01:00:00Z", True, "seller"),
            ("C", "2026-03-05T01:00:00Z", False, None), ("D", "2026-02-20T01:00:00Z", True, "seller"),
            ("E", "2026-03-08T01:00:00Z", False, None)]
    cal = roll_off_calendar(orders_frame(spec))  # as of Mar 8: window Mar 2..8
    assert cal["order_id"].tolist() == ["A", "B"]
    assert cal["leaves_window_on"].tolist() == [pd.Timestamp("2026-03-09"), pd.Timestamp("2026-03-11")]
    assert cal["attribution"].tolist() == ["unknown", "seller"]
    la = roll_off_calendar(orders_frame(spec), tz="America/Los_Angeles")
    # in LA, A was placed on Mar 2 (15:30 local), B on Mar 3 (17:00 local), E on Mar 7: window Mar 1..7
    assert la["leaves_window_on"].tolist() == [pd.Timestamp("2026-03-09"), pd.Timestamp("2026-03-10")]


def test_listing_risk_levels_and_partial_cancellations():
    items = pd.DataFrame({
        "order_id": ["A", "A", "B", "C", "D", "E"],
        "sku": ["S1", "S2", "S1", "S3", "S1", "S4"],
        "asin": ["B01", "B02", "B01", "B03", "B01", "B04"],
        "product_name": ["one", "two", "one", "three", "one", "four"],
        "order_status": ["shipped", "shipped", "cancelled", "cancelled", "cancelled", "cancelled"],
        "item_status": ["cancelled", "shipped", None, None, None, None],
    })
    orders = orders_frame([
        ("A", "2026-03-01T10:00:00Z", True, "seller"),     # partial: only S1 is blamed
        ("B", "2026-03-20T10:00:00Z", True, "unknown"),
        ("C", "2026-03-25T10:00:00Z", True, "seller"),
        ("D", "2026-01-10T10:00:00Z", True, "seller"),     # older than 30 days
        ("E", "2026-03-26T10:00:00Z", False, "buyer_official"),
    ])
    risk = listing_risk(items, orders)  # as of Mar 26: orders from Feb 25 on
    assert risk[["sku", "asin", "seller_cancellations", "level", "last_cancelled_order"]].values.tolist() == [
        ["S1", "B01", 2, "at_risk", "B"],
        ["S3", "B03", 1, "warning", "C"],
    ]
    assert listing_risk(items, orders, days=5)["sku"].tolist() == ["S3"]


def test_summary_functions_do_not_mutate_inputs():
    frame = orders_frame(daily(1, 41, "A", counted=2))
    items = pd.DataFrame({"order_id": frame["order_id"], "sku": "S", "order_status": "cancelled"})
    before, items_before = frame.copy(deep=True), items.copy(deep=True)
    budget_summary(frame, tz="Asia/Tokyo")
    roll_off_calendar(frame)
    listing_risk(items, frame)
    pd.testing.assert_frame_equal(before, frame)
    pd.testing.assert_frame_equal(items_before, items)


def test_bad_asof_is_a_parameter_error():
    with pytest.raises(ParameterError, match="asof"):
        budget_summary(orders_frame(daily(1, 3, "A")), asof="not a date")
