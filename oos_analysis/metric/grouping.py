"""Item rows grouped into orders on integer codes, without a pass of Python or pandas per row.

A large seller's quarter is ten million item rows. Hashing ten million id strings, taking string
columns row by row, grouping tz-aware columns and building string columns from NumPy objects cost
most of ``rate`` on such a store. Here:

* an Amazon order id (``ddd-ddddddd-ddddddd``) is read as one 64-bit integer straight from the
  Arrow buffer (:mod:`oos_analysis.io.order_keys`), so the ids are factorized as integers; any
  other id, stripped, as a string;
* the first row of each order comes from the codes in one pass (they number orders by first
  appearance);
* the earliest and latest timestamp per order are scattered into an array of integers;
* string columns of few distinct values are built from codes and the distinct values
  (dictionary-decoded by Arrow), and Categorical columns are turned into text the same way.

Every function gives what the plain pandas expression in its docstring gives, dtypes included.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..io.order_keys import STRING_KEYS as _STRING_KEYS
from ..io.order_keys import amazon_keys as _amazon_keys
from ..io.order_keys import arrow_strings as _arrow
from ..io.order_keys import key_codes as _key_codes

__all__ = ["order_codes", "first_rows", "group_min", "group_max", "from_codes", "as_text",
           "labels"]

_NAT = np.iinfo(np.int64).min
_TOP = np.iinfo(np.int64).max


def order_codes(ids: pd.Series) -> tuple[np.ndarray, pd.Series]:
    """Codes of the stripped ids by first appearance (-1 where missing or blank), and the ids.

    The same as ``pd.factorize(ids.astype("str").str.strip().replace("", None))``, with the
    distinct ids as a ``str`` Series.

    Examples
    --------
    >>> ids = pd.Series(["111-0000001-0000001", " X-1 ", "", "111-0000001-0000001 ", "X-1"],
    ...                 dtype="str")
    >>> codes, uniques = order_codes(ids)
    >>> codes.tolist(), uniques.tolist()
    ([0, 1, -1, 0, 1], ['111-0000001-0000001', 'X-1'])
    """
    arrow = _arrow(ids)
    if arrow is None:  # objects, a Categorical, a frame built by hand: the plain way
        codes, uniques = pd.factorize(as_text(ids).str.strip().replace("", None))
        return codes, pd.Series(uniques, dtype="str")
    n = len(ids)
    keys, odd_rows, odd_values, at = np.empty(n, dtype=np.int64), [], [], 0
    for chunk in arrow.chunks:
        chunk_keys, ok = _amazon_keys(chunk)
        keys[at:at + len(chunk)] = chunk_keys
        bad = np.flatnonzero(~ok)
        if len(bad):
            odd_rows.append(bad + at)
            odd_values.append(chunk.take(pa.array(bad)).cast(pa.large_string()))
        at += len(chunk)
    strip = bool(odd_rows)
    if strip:  # stripped, an id may be in Amazon's form after all; the rest are hashed as text
        rows = np.concatenate(odd_rows)
        values = pc.utf8_trim_whitespace(pa.concat_arrays(odd_values))
        odd_keys, ok = _amazon_keys(values)
        text = pd.Series(pd.array(values.filter(pa.array(~ok)), dtype="str"))
        text_codes, _ = pd.factorize(text.replace("", None))
        odd_keys[~ok] = np.where(text_codes >= 0, _STRING_KEYS + text_codes, -1)
        keys[rows] = odd_keys
    codes = _key_codes(keys)
    uniques = arrow.take(pa.array(first_rows(codes)))
    if strip:
        uniques = pc.utf8_trim_whitespace(uniques)
    return codes, pd.Series(pd.array(uniques.combine_chunks(), dtype="str"))


def first_rows(codes: np.ndarray) -> np.ndarray:
    """The row where each code first appears, in code order, for codes numbered by first
    appearance (as ``pd.factorize`` numbers them; -1 is skipped).

    A code is new where it exceeds every code before it.

    Examples
    --------
    >>> first_rows(np.array([0, 1, 0, -1, 2, 1])).tolist()
    [0, 1, 4]
    """
    codes = np.asarray(codes)
    if not len(codes):
        return np.zeros(0, dtype=np.intp)
    top = np.maximum.accumulate(codes)
    new = np.empty(len(codes), dtype=bool)
    new[0] = codes[0] >= 0
    np.greater(top[1:], top[:-1], out=new[1:])
    return np.flatnonzero(new)


def _extreme(values: pd.Series, codes: np.ndarray, k: int, how: str) -> pd.Series:
    dtype = values.dtype
    if not isinstance(dtype, pd.DatetimeTZDtype):
        grouped = values.groupby(codes, sort=True)
        return getattr(grouped, how)().reset_index(drop=True)
    ints = values.array.asi8
    if how == "min":  # NaT is the smallest integer: skip it, as groupby does
        out = np.full(k, _TOP, dtype=np.int64)
        np.minimum.at(out, codes, np.where(ints == _NAT, _TOP, ints))
        out[out == _TOP] = _NAT
    else:
        out = np.full(k, _NAT, dtype=np.int64)
        np.maximum.at(out, codes, ints)
    naive = pd.Series(out.view(f"datetime64[{dtype.unit}]"))
    return naive.dt.tz_localize("UTC").dt.tz_convert(dtype.tz)


def group_min(values: pd.Series, codes: np.ndarray, k: int) -> pd.Series:
    """``values.groupby(codes, sort=True).min().reset_index(drop=True)`` for codes 0..k-1, all
    present (missing values skipped)."""
    return _extreme(values, codes, k, "min")


def group_max(values: pd.Series, codes: np.ndarray, k: int) -> pd.Series:
    """``values.groupby(codes, sort=True).max().reset_index(drop=True)``, as :func:`group_min`."""
    return _extreme(values, codes, k, "max")


def from_codes(codes: np.ndarray, values, index=None) -> pd.Series:
    """``pd.Series(np.array([*values, None], dtype=object)[codes], dtype="str")``: the value of
    each code, missing for -1 (and where the value is None), decoded by Arrow.

    Examples
    --------
    >>> from_codes(np.array([1, -1, 0]), ["a", "b"]).tolist()
    ['b', nan, 'a']
    """
    codes = np.asarray(codes)
    # code -1 points at a missing entry added to the table: no validity mask to build
    indices = np.where(codes < 0, len(values), codes).astype(np.int32, copy=False)
    table = pa.array([*(None if v is None else str(v) for v in values), None],
                     type=pa.large_string())
    text = pa.DictionaryArray.from_arrays(pa.array(indices), table).cast(pa.large_string())
    return pd.Series(pd.array(text, dtype="str"), index=index)


def as_text(series: pd.Series) -> pd.Series:
    """``series.astype("str")``; a Categorical is decoded from its codes, not value by value."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        categories = series.cat.categories
        if categories.dtype == object or isinstance(categories.dtype, pd.StringDtype):
            return from_codes(series.cat.codes.to_numpy(), list(categories), index=series.index)
    return series.astype("str")


def labels(values: np.ndarray, rows: np.ndarray | None = None) -> pd.Series:
    """``pd.Series(values, dtype="str").replace("", pd.NA)`` for an object array of few
    distinct strings, mostly blank: only the non-blank ones are hashed. ``rows``, if given, are
    the only rows that may be non-blank (the others are not looked at).

    Examples
    --------
    >>> labels(np.array(["", "seller", "", "unknown"], dtype=object), np.array([1, 3])).tolist()
    [nan, 'seller', nan, 'unknown']
    """
    values = np.asarray(values, dtype=object)
    rows = np.arange(len(values)) if rows is None else np.asarray(rows)
    filled = rows[values[rows].astype(bool)]
    codes = np.full(len(values), -1, dtype=np.int32)
    codes[filled], distinct = pd.factorize(values[filled])
    return from_codes(codes, list(distinct))
