"""numpy arrays and Python values to Arrow and back, without pyarrow's pandas hook.

pyarrow imports pandas the first time one of its conversions needs to know whether a value is a
pandas object: ``pa.array`` of a list or of a numpy array, ``pa.scalar``, ``Array.to_numpy`` and
``as_py`` of a timestamp with a time zone all do. pandas costs 0.3-0.4 s of import, which
``oos-analysis check`` of a clean All Orders report has no other use for, so the reader's checks
go through these functions instead: they build Arrow arrays from numpy buffers and read numpy
views of Arrow buffers, which is all those conversions do for the plain types here.

Examples
--------
>>> numbers(arrow_of(np.array([3, 1, 2]))).tolist()
[3, 1, 2]
>>> strings(["a", None, "ü"]).to_pylist()
['a', None, 'ü']
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa

from ..lazy import lazy_module

pc = lazy_module("pyarrow.compute")  # imported while Arrow parses (see io.delimited)

__all__ = ["arrow_of", "blank", "filled", "numbers", "strings", "scalar_of", "seconds_to_utc"]

_TYPES = {
    np.dtype(np.bool_): pa.bool_(),
    np.dtype(np.int8): pa.int8(), np.dtype(np.int16): pa.int16(),
    np.dtype(np.int32): pa.int32(), np.dtype(np.int64): pa.int64(),
    np.dtype(np.uint8): pa.uint8(), np.dtype(np.uint16): pa.uint16(),
    np.dtype(np.uint32): pa.uint32(), np.dtype(np.uint64): pa.uint64(),
    np.dtype(np.float32): pa.float32(), np.dtype(np.float64): pa.float64(),
}
_DTYPES = {arrow: numpy for numpy, arrow in _TYPES.items()}


def arrow_of(values: np.ndarray, *, missing: np.ndarray | None = None) -> pa.Array:
    """A one-dimensional numpy array of booleans or numbers as an Arrow array
    (``pa.array(values, mask=missing)``): null where ``missing``, if given, is true. The numbers'
    buffer is shared, not copied, when contiguous."""
    values = np.ascontiguousarray(values)
    if values.ndim != 1 or values.dtype not in _TYPES:
        raise TypeError(f"expected a 1-D numpy array of booleans or numbers, got {values.dtype} "
                        f"with {values.ndim} dimension(s)")
    data = np.packbits(values, bitorder="little") if values.dtype == np.bool_ else values
    validity, nulls = None, 0
    if missing is not None and missing.any():
        validity = pa.py_buffer(np.packbits(~missing, bitorder="little"))
        nulls = int(missing.sum())
    return pa.Array.from_buffers(_TYPES[values.dtype], len(values),
                                 [validity, pa.py_buffer(data)], null_count=nulls)


def filled(column: pa.Array | pa.ChunkedArray, value) -> np.ndarray:
    """:func:`numbers` of a column of booleans or numbers whose nulls become ``value``."""
    if column.null_count:
        column = pc.fill_null(column, scalar_of(value, _DTYPES[column.type]))
    return numbers(column)


def numbers(column: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """An Arrow column of booleans or numbers without nulls as one numpy array
    (``to_numpy``); a single chunk of numbers is a read-only view of its buffer."""
    if isinstance(column, pa.ChunkedArray):
        if column.null_count:
            raise ValueError("the column holds missing values; fill them first")
        parts = [numbers(chunk) for chunk in column.chunks]
        if len(parts) == 1:
            return parts[0]
        return np.concatenate(parts) if parts else np.empty(0, _DTYPES[column.type])
    if column.type not in _DTYPES:
        raise TypeError(f"expected an Arrow column of booleans or numbers, got {column.type}")
    if column.null_count:
        raise ValueError("the column holds missing values; fill them first")
    n, start = len(column), column.offset
    buffer = column.buffers()[1]
    if column.type == pa.bool_():
        if not n:
            return np.zeros(0, dtype=bool)
        bits = np.frombuffer(buffer, dtype=np.uint8)
        return np.unpackbits(bits, count=start + n, bitorder="little")[start:].astype(bool)
    if not n:
        return np.empty(0, _DTYPES[column.type])
    return np.frombuffer(buffer, dtype=_DTYPES[column.type])[start:start + n]


def strings(values) -> pa.Array:
    """Python strings (None for missing) as a ``large_string`` Arrow array (``pa.array``)."""
    values = list(values)
    encoded = [b"" if v is None else v.encode("utf-8") for v in values]
    offsets = np.zeros(len(values) + 1, dtype=np.int64)
    np.cumsum([len(b) for b in encoded], out=offsets[1:])
    present = np.array([v is not None for v in values], dtype=bool)
    validity = None if present.all() else pa.py_buffer(np.packbits(present, bitorder="little"))
    return pa.Array.from_buffers(
        pa.large_string(), len(values),
        [validity, pa.py_buffer(offsets), pa.py_buffer(b"".join(encoded))],
        null_count=int((~present).sum()))


def blank(column: pa.Array | pa.ChunkedArray):
    """Where a text column holds the empty string (``pc.equal(column, "")``); null where
    missing."""
    return pc.equal(column, strings([""]).cast(column.type)[0])


def scalar_of(value, dtype) -> pa.Scalar:
    """``value`` as an Arrow scalar of the numpy ``dtype`` (``pa.scalar``)."""
    return arrow_of(np.array([value], dtype=dtype))[0]


def seconds_to_utc(seconds: int | None) -> dt.datetime | None:
    """Whole seconds since the epoch as an aware UTC datetime (None stays None): ``as_py`` of a
    UTC timestamp, which looks its time zone up through pandas.

    Examples
    --------
    >>> seconds_to_utc(1721328767)
    datetime.datetime(2024, 7, 18, 18, 52, 47, tzinfo=datetime.timezone.utc)
    """
    if seconds is None:
        return None
    return dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(seconds=int(seconds))
