"""Item rows grouped into orders on integer codes, without a pass of Python or pandas per row.

A large seller's quarter is ten million item rows. Hashing ten million id strings, taking string
columns row by row, grouping tz-aware columns and building string columns from NumPy objects cost
most of ``rate`` on such a store. Here:

* an Amazon order id (``ddd-ddddddd-ddddddd``) is read as one 64-bit integer straight from the
  Arrow buffer, so the ids are factorized as integers; any other id, stripped, as a string;
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

__all__ = ["order_codes", "first_rows", "group_min", "group_max", "from_codes", "as_text",
           "labels"]

_WIDTH = 19  # ddd-ddddddd-ddddddd
_DASHES = (3, 11)
_DIGITS = np.array([i for i in range(_WIDTH) if i not in _DASHES])
_POWERS = 10 ** np.arange(len(_DIGITS) - 1, -1, -1, dtype=np.int64)
_STRING_KEYS = 10**17  # keys of ids not in Amazon's form start here, past every numeric one
_BLOCK = 1 << 20  # rows converted at a time, so the byte matrix stays small
_NAT = np.iinfo(np.int64).min
_TOP = np.iinfo(np.int64).max


def _arrow(series: pd.Series) -> pa.ChunkedArray | None:
    """The Arrow strings behind a pyarrow-backed string Series (no copy), else None."""
    dtype = series.dtype
    if isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow":
        return series.array.__arrow_array__()
    return None


def _amazon_keys(chunk: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(key, ok) per value: ``ok`` where it is exactly ``ddd-ddddddd-ddddddd``, key its digits."""
    n = len(chunk)
    keys, ok = np.zeros(n, dtype=np.int64), np.zeros(n, dtype=bool)
    if not n:
        return keys, ok
    wide = pa.types.is_large_string(chunk.type)
    _, offsets, data = chunk.buffers()
    offsets = np.frombuffer(offsets, dtype=np.int64 if wide else np.int32)[
        chunk.offset:chunk.offset + n + 1].astype(np.int64)
    data = np.frombuffer(data, dtype=np.uint8) if data is not None else np.zeros(0, np.uint8)
    fits = np.diff(offsets) == _WIDTH
    if chunk.null_count:
        fits &= chunk.is_valid().to_numpy(zero_copy_only=False)
    for begin in range(0, n, _BLOCK):
        rows = np.arange(begin, min(begin + _BLOCK, n))
        start, stop = offsets[rows[0]], offsets[rows[-1] + 1]
        if fits[rows].all() and stop - start == _WIDTH * len(rows):
            matrix = data[start:stop].reshape(len(rows), _WIDTH)  # a view: no gather
        else:
            rows = rows[fits[rows]]
            matrix = data[offsets[rows][:, None] + np.arange(_WIDTH)]
        digits = matrix[:, _DIGITS] - np.uint8(48)  # a non-digit wraps to >= 10
        good = (digits < 10).all(axis=1)
        for dash in _DASHES:
            good &= matrix[:, dash] == ord("-")
        keys[rows] = digits.astype(np.int64) @ _POWERS
        ok[rows] = good
    return keys, ok


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
    valid = keys >= 0
    # sized up front: growing the table through millions of distinct ids costs a third more
    if valid.all():
        codes, _ = pd.factorize(keys, size_hint=n)
    else:
        codes = np.full(n, -1, dtype=np.intp)
        codes[valid], _ = pd.factorize(keys[valid], size_hint=int(valid.sum()))
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
