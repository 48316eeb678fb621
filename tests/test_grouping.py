"""The integer-code grouping of metric.grouping gives what the plain pandas expressions give.

Each function is checked against the pandas expression its docstring names, on generated data:
order ids mixing Amazon's form, padded and blank ids, other text and missing values, in one or
several Arrow chunks of ``string`` or ``large_string``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from oos_analysis.metric import grouping

_amazon = st.builds(lambda a, b, c: f"{a:03d}-{b:07d}-{c:07d}", st.integers(0, 999),
                    st.integers(0, 9_999_999), st.integers(0, 9_999_999))
_near = st.sampled_from(["111-0000001-0000001", "111-0000001-000000x", "111_0000001-0000001",
                         "1110000001-00000012", "١١١-0000001-0000001", "111-0000001-00000011"])
_id = st.one_of(
    _amazon, _near, st.none(), st.just(""), st.just("   "),
    st.builds(lambda s, pad: pad + s + pad, st.one_of(_amazon, _near), st.sampled_from([" ", "\t"])),
    st.text(alphabet="AB-1 ", max_size=6),
)


def _series(values: list, cuts: list[int], large: bool) -> pd.Series:
    kind = pa.large_string() if large else pa.string()
    bounds = sorted({0, len(values), *(c % (len(values) + 1) for c in cuts)})
    chunks = [pa.array(values[a:b], type=kind) for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
    return pd.Series(pd.array(pa.chunked_array(chunks, type=kind), dtype="str"))


@settings(max_examples=150, deadline=None)
@given(st.lists(_id, max_size=40), st.lists(st.integers(0, 40), max_size=3), st.booleans())
def test_order_codes_are_the_factorized_stripped_ids(values, cuts, large):
    ids = _series(values, cuts, large)
    codes, uniques = grouping.order_codes(ids)
    want_codes, want = pd.factorize(ids.str.strip().replace("", None))
    assert codes.tolist() == want_codes.tolist()
    pd.testing.assert_series_equal(uniques, pd.Series(want, dtype="str"))
    # an id of object dtype takes the plain way, with the same answer
    codes_obj, uniques_obj = grouping.order_codes(ids.astype(object))
    assert codes_obj.tolist() == want_codes.tolist()
    assert uniques_obj.tolist() == uniques.tolist()


def test_a_sliced_chunk_and_a_big_block_read_the_right_bytes():
    base = [f"{i % 997:03d}-{i:07d}-{(7 * i) % 10**7:07d}" for i in range(3000)]
    base[1500] = " " + base[1500]
    sliced = pa.array(base, type=pa.large_string()).slice(700, 2000)  # offset into the buffers
    ids = pd.Series(pd.array(sliced, dtype="str"))
    codes, uniques = grouping.order_codes(ids)
    want_codes, want = pd.factorize(ids.str.strip())
    assert codes.tolist() == want_codes.tolist() and uniques.tolist() == list(want)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(-1, 6), max_size=50))
def test_first_rows_are_the_first_occurrences(raw):
    codes, _ = pd.factorize(pd.Series([None if c < 0 else c for c in raw], dtype="float"))
    expected = [int(i) for i in pd.Series(codes)[codes >= 0].drop_duplicates().index]
    assert grouping.first_rows(codes).tolist() == expected


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 5), st.one_of(st.none(), st.integers(0, 10**9))),
                min_size=1, max_size=40),
       st.sampled_from(["UTC", "Asia/Tokyo"]), st.sampled_from(["s", "ms", "us"]))
def test_min_and_max_per_order_skip_missing_times(rows, tz, unit):
    codes, _ = pd.factorize(pd.Series([c for c, _ in rows]))
    stamps = pd.Series(pd.to_datetime([None if t is None else t for _, t in rows], unit="s",
                                      utc=True)).dt.tz_convert(tz).astype(f"datetime64[{unit}, {tz}]")
    k = int(codes.max()) + 1
    for got, how in ((grouping.group_min(stamps, codes, k), "min"),
                     (grouping.group_max(stamps, codes, k), "max")):
        want = getattr(stamps.groupby(codes, sort=True), how)().reset_index(drop=True)
        pd.testing.assert_series_equal(got, want, check_names=False)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(["", "unknown", "seller", "buyer_official"]), max_size=30))
def test_labels_and_codes_decode_to_the_strings(values):
    array = np.array(values, dtype=object)
    want = pd.Series(array, dtype="str").replace("", pd.NA)
    pd.testing.assert_series_equal(grouping.labels(array), want)
    codes, distinct = pd.factorize(pd.Series(values, dtype="str").replace("", None))
    pd.testing.assert_series_equal(
        grouping.from_codes(codes, list(distinct)),
        pd.Series(np.array([*distinct, None], dtype=object)[codes], dtype="str"))
    category = pd.Series(pd.Categorical(pd.Series(values).replace("", None)))
    pd.testing.assert_series_equal(grouping.as_text(category), category.astype("str"))
