"""Budget arithmetic, summary, roll-off and listing risk (cancellation-rules.md section 3)."""

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oos_analysis.budget import clean_orders_needed, remaining_cancellations
from oos_analysis.exceptions import ParameterError

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
