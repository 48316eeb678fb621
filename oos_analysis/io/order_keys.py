"""Order ids as 64-bit integers: one integer per id, equal exactly when the ids are equal.

Hashing a million order-id strings costs most of de-duplicating, grouping and merging a big
export. An Amazon order id (``ddd-ddddddd-ddddddd``) is its 17 digits, an integer below
``10**17``, read here straight from the Arrow string buffer without one Python object per id.
Any other id (a multi-channel id, a test order, an id with a stray space) falls back to
factorizing those few ids as text; they get integers from :data:`STRING_KEYS` up. A missing id is
-1, so missing equals missing, as it does in ``pd.factorize(..., use_na_sentinel=False)``.

:func:`amazon_keys` reads one Arrow array; :func:`order_keys` numbers ids given in several
places at once (the stored rows and a new export, say), so that their integers compare across
them. ``metric.grouping`` uses the first to number orders, the store the second to merge rows.
"""

from __future__ import annotations

import sys

import numpy as np
import pyarrow as pa

from ..lazy import lazy_module
from .arrays import arrow_of, filled, numbers

pd = lazy_module("pandas")  # imported on first use: the keys of Arrow columns need none
pc = lazy_module("pyarrow.compute")  # the same

__all__ = ["STRING_KEYS", "amazon_keys", "arrow_strings", "order_keys", "key_codes"]

_WIDTH = 19  # ddd-ddddddd-ddddddd
_DASHES = (3, 11)
_DIGITS = np.array([i for i in range(_WIDTH) if i not in _DASHES])
_POWERS = 10 ** np.arange(len(_DIGITS) - 1, -1, -1, dtype=np.int64)
STRING_KEYS = 10**17
"""Keys of ids not in Amazon's form start here, past every Amazon id's 17 digits."""
_BLOCK = 1 << 20  # rows converted at a time, so the byte matrix stays small


def arrow_strings(series: pd.Series) -> pa.ChunkedArray | None:
    """The Arrow strings behind a pyarrow-backed string Series (no copy), else None."""
    dtype = series.dtype
    if isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow":
        return series.array.__arrow_array__()
    return None


def amazon_keys(chunk: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(key, ok) per value of a ``string`` or ``large_string`` array: ``ok`` where the value is
    exactly ``ddd-ddddddd-ddddddd`` (ASCII digits), ``key`` its 17 digits as one integer there
    (0 elsewhere).

    Examples
    --------
    >>> keys, ok = amazon_keys(pa.array(["111-2223333-4445555", "S01-1", None]))
    >>> keys.tolist(), ok.tolist()
    ([11122233334445555, 0, 0], [True, False, False])
    """
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
        fits &= numbers(chunk.is_valid())
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
        keys[rows] = np.where(good, digits.astype(np.int64) @ _POWERS, 0)
        ok[rows] = good
    return keys, ok


def _as_arrow(ids) -> pa.ChunkedArray:
    if isinstance(ids, pa.ChunkedArray):
        return ids
    if isinstance(ids, pa.Array):
        return pa.chunked_array([ids])
    ids = pd.Series(ids) if not isinstance(ids, pd.Series) else ids
    arrow = arrow_strings(ids)
    if arrow is not None:
        return arrow
    values = pa.array(ids, type=pa.large_string(), from_pandas=True)
    return values if isinstance(values, pa.ChunkedArray) else pa.chunked_array([values])


def order_keys(*ids) -> list[np.ndarray]:
    """One int64 per id, for each of several id columns: two ids anywhere among them have the same
    key exactly when they are the same text (or both missing).

    ``ids`` are Series (or Arrow arrays) of text. Amazon's ``ddd-ddddddd-ddddddd`` ids are their
    digits; other ids are numbered from :data:`STRING_KEYS` in order of first appearance across
    all the columns; missing ids are -1. Ids are compared as they are: not stripped.

    Examples
    --------
    >>> stored = pd.Series(["111-0000001-0000001", "S01-9", None], dtype="str")
    >>> new = pd.Series(["S01-9", "111-0000001-0000001", "111-0000001-0000002"], dtype="str")
    >>> old, now = order_keys(stored, new)
    >>> old.tolist()
    [11100000010000001, 100000000000000000, -1]
    >>> now.tolist()
    [100000000000000000, 11100000010000001, 11100000010000002]
    """
    columns = [_as_arrow(column) for column in ids]
    out, odd_at, odd_values = [], [], []
    for number, column in enumerate(columns):
        keys, at = np.empty(len(column), dtype=np.int64), 0
        for chunk in column.chunks:
            chunk_keys, ok = amazon_keys(chunk)
            keys[at:at + len(chunk)] = chunk_keys
            if not ok.all():
                bad = np.flatnonzero(~ok)
                odd_at.append((number, bad + at))
                odd_values.append(chunk.filter(arrow_of(~ok)).cast(pa.large_string()))
            at += len(chunk)
        out.append(keys)
    if odd_values:  # few, as a rule: numbered as text, in order of first appearance
        codes = pc.dictionary_encode(pa.concat_arrays(odd_values)).indices
        codes = filled(codes, -1).astype(np.int64)
        codes = np.where(codes >= 0, STRING_KEYS + codes, -1)
        start = 0
        for number, rows in odd_at:
            out[number][rows] = codes[start:start + len(rows)]
            start += len(rows)
    return out


def key_codes(keys: np.ndarray) -> np.ndarray:
    """``pd.factorize`` codes of order keys by first appearance, -1 where a key is missing (-1).

    With pandas imported, its hash table sized up front does it; without (``oos-analysis
    check``), Arrow's, so that pandas need not be imported for it. Both give the same codes.
    Arrow's table cannot be sized up front, and growing it through a million distinct ids took
    0.20-0.23 s against pandas' 0.09 s (measured in a fresh process, where every page of a
    growing table is new to it).

    Examples
    --------
    >>> key_codes(np.array([7, -1, 3, 7])).tolist()
    [0, -1, 1, 0]
    """
    keys = np.asarray(keys, dtype=np.int64)
    if "pandas" not in sys.modules:
        return _arrow_key_codes(keys)
    valid = keys >= 0
    if valid.all():
        return pd.factorize(keys, size_hint=len(keys))[0]
    codes = np.full(len(keys), -1, dtype=np.intp)
    codes[valid] = pd.factorize(keys[valid], size_hint=int(valid.sum()))[0]
    return codes


def _arrow_key_codes(keys: np.ndarray) -> np.ndarray:
    """:func:`key_codes` by Arrow's hash table."""
    return filled(pc.dictionary_encode(arrow_of(keys, missing=keys < 0)).indices,
                  -1).astype(np.intp)
