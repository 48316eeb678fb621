"""Order ids as integers (io.order_keys) give the partition the plain pandas expression gives.

``order_keys`` replaces ``pd.factorize(pd.concat(columns), use_na_sentinel=False)``: two ids get
the same integer exactly when they are the same text, or both missing. Checked on generated ids
mixing Amazon's form, near misses (a letter, an underscore, Arabic-Indic digits, one digit too
many), padded and blank ids and missing values, spread over several columns of ``string`` or
``large_string`` chunks, and object columns.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from oos_analysis.io.order_keys import STRING_KEYS, amazon_keys, order_keys

_amazon = st.builds(lambda a, b, c: f"{a:03d}-{b:07d}-{c:07d}", st.integers(0, 999),
                    st.integers(0, 9_999_999), st.integers(0, 9_999_999))
_near = st.sampled_from(["111-0000001-0000001", "111-0000001-000000x", "111_0000001-0000001",
                         "1110000001-00000012", "١١١-0000001-0000001", "111-0000001-00000011",
                         "111-0000001-0000001 ", " 111-0000001-0000001", "000-0000000-0000000"])
_id = st.one_of(_amazon, _near, st.none(), st.just(""), st.just("  "),
                st.text(alphabet="S01-9 ", max_size=6))


def _column(values: list, cuts: list[int], how: str) -> pd.Series:
    if how == "object":
        return pd.Series(values, dtype=object)
    kind = pa.large_string() if how == "large" else pa.string()
    bounds = sorted({0, len(values), *(c % (len(values) + 1) for c in cuts)})
    chunks = [pa.array(values[a:b], type=kind)
              for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
    return pd.Series(pd.array(pa.chunked_array(chunks, type=kind), dtype="str"))


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.lists(_id, max_size=25), st.lists(st.integers(0, 25), max_size=3),
                          st.sampled_from(["small", "large", "object"])),
                min_size=1, max_size=3))
def test_same_key_exactly_when_same_id_across_columns(columns):
    series = [_column(values, cuts, how) for values, cuts, how in columns]
    keys = order_keys(*series)
    assert [len(k) for k in keys] == [len(s) for s in series]
    assert all(k.dtype == np.int64 for k in keys)
    values = [v for s in series for v in s.astype(object).where(s.notna(), None)]
    got = np.concatenate(keys)
    # the plain expression: factorize the ids as text, missing as one more value
    want, _ = pd.factorize(pd.Series(values, dtype=object), use_na_sentinel=False)
    assert pd.factorize(got)[0].tolist() == want.tolist()
    for value, key in zip(values, got.tolist(), strict=True):
        if value is None:
            assert key == -1
        elif len(value) == 19 and value[3] == value[11] == "-" and all(
                c in "0123456789" for i, c in enumerate(value) if i not in (3, 11)):
            assert key == int(value.replace("-", ""))  # Amazon's form: its digits
        else:
            assert key >= STRING_KEYS  # anything else: numbered as text, apart


def test_a_sliced_chunk_and_a_big_block_read_the_right_bytes():
    base = [f"{i % 997:03d}-{i:07d}-{(7 * i) % 10**7:07d}" for i in range(3000)]
    base[1500] = "S01-" + base[1500]
    sliced = pa.array(base, type=pa.large_string()).slice(700, 2000)  # an offset into the buffers
    keys, ok = amazon_keys(sliced)
    assert ok.tolist() == [i != 1500 for i in range(700, 2700)]
    assert keys[ok].tolist() == [int(v.replace("-", "")) for v in base[700:2700] if "S" not in v]
    (whole,) = order_keys(sliced)
    assert whole[~ok].tolist() == [STRING_KEYS]


def test_no_ids_and_all_missing_ids():
    empty, missing = order_keys(pd.Series([], dtype="str"), pd.Series([None, np.nan], dtype="str"))
    assert empty.tolist() == [] and missing.tolist() == [-1, -1]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(_amazon, _near, st.none(), st.just("")), max_size=30),
       st.sampled_from(["small", "large", "object"]))
def test_the_text_rule_and_the_keys_agree_on_amazons_form(values, how):
    # is_amazon_order_id (a pattern, for the stock-out log and the actions) and amazon_keys (the
    # bytes, for the store) must call the same ids Amazon's: ASCII digits only, so "١١١-..."
    # with Arabic-Indic digits is neither
    from oos_analysis.io.order_files import is_amazon_order_id

    series = _column(values, [], how)
    by_text = is_amazon_order_id(series)
    _, by_bytes = amazon_keys(pa.array(values, type=pa.string()))
    assert by_text.tolist() == by_bytes.tolist()
    assert by_text.tolist() == [v is not None and len(v) == 19 and v[3] == v[11] == "-"
                                and v.replace("-", "").isascii() and v.replace("-", "").isdigit()
                                for v in values]
