"""io.arrays: its conversions give what pyarrow's own give, without importing pandas.

Each function is compared with the pyarrow call it stands in for (``pa.array``, ``to_numpy``,
``pa.scalar``, ``as_py``) on arbitrary values, slices included (an Arrow array's offset).
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from oos_analysis.io.arrays import (
    arrow_of,
    blank,
    filled,
    numbers,
    scalar_of,
    seconds_to_utc,
    strings,
)

DTYPES = [np.bool_, np.int8, np.int32, np.int64, np.uint8, np.uint64, np.float32, np.float64]
values_st = st.sampled_from(DTYPES).flatmap(  # NaN is never equal to itself: left out
    lambda dtype: hnp.arrays(dtype, st.integers(0, 40), elements=st.floats(
        allow_nan=False, width=np.dtype(dtype).itemsize * 8) if np.dtype(dtype).kind == "f"
        else None))


@settings(max_examples=200, deadline=None)
@given(values_st, st.data())
def test_numpy_to_arrow_and_back_is_what_pyarrow_gives(values, data):
    arrow = arrow_of(values)
    assert arrow.equals(pa.array(values))
    assert numbers(arrow).tolist() == values.tolist()
    assert numbers(arrow).dtype == values.dtype
    # a slice starts inside a byte of booleans and inside a buffer of numbers
    start = data.draw(st.integers(0, len(values)))
    stop = data.draw(st.integers(start, len(values)))
    assert numbers(arrow.slice(start, stop - start)).tolist() == values[start:stop].tolist()
    # chunked, as the reader's columns are
    cut = data.draw(st.integers(0, len(values)))
    chunked = pa.chunked_array([arrow_of(values[:cut]), arrow_of(values[cut:])])
    assert numbers(chunked).tolist() == values.tolist()


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(-5, 5), max_size=30), st.data())
def test_missing_values_and_filling_them(values, data):
    values = np.array(values, dtype=np.int64)
    missing = np.array(data.draw(st.lists(st.booleans(), min_size=len(values),
                                          max_size=len(values))), dtype=bool)
    arrow = arrow_of(values, missing=missing)
    assert arrow.equals(pa.array(values, mask=missing))
    assert filled(arrow, -9).tolist() == np.where(missing, -9, values).tolist()
    if missing.any():
        with pytest.raises(ValueError, match="missing values"):
            numbers(arrow)
    flags = pa.array([None if m else bool(v % 2) for v, m in zip(values, missing, strict=True)],
                     pa.bool_())
    assert filled(flags, False).tolist() == pc.fill_null(flags, False).to_pylist()


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(max_size=6)), max_size=20))
def test_strings_are_pa_arrays_of_large_strings(values):
    arrow = strings(values)
    assert arrow.equals(pa.array(values, type=pa.large_string()))
    assert arrow.null_count == sum(v is None for v in values)
    assert blank(arrow).to_pylist() == [None if v is None else v == "" for v in values]
    assert blank(arrow.cast(pa.string())).to_pylist() == blank(arrow).to_pylist()


@settings(max_examples=100, deadline=None)
@given(st.integers(-(2**40), 2**40))
def test_seconds_are_the_utc_time_as_py_gives(seconds):
    scalar = pa.array([seconds], pa.int64()).cast(pa.timestamp("s", tz="UTC"))[0]
    try:
        stamp = scalar.as_py()
    except OverflowError:  # before year 1 or after 9999: neither can say it
        with pytest.raises(OverflowError):
            seconds_to_utc(seconds)
        return
    assert seconds_to_utc(seconds) == stamp
    assert seconds_to_utc(seconds).utcoffset() == dt.timedelta(0)


def test_scalars_and_wrong_inputs():
    assert scalar_of(-1, np.int32).equals(pa.scalar(-1, pa.int32()))
    assert scalar_of(False, np.bool_).equals(pa.scalar(False))
    assert seconds_to_utc(None) is None
    with pytest.raises(TypeError, match="1-D numpy array"):
        arrow_of(np.array(["a"]))
    with pytest.raises(TypeError, match="1-D numpy array"):
        arrow_of(np.zeros((2, 2)))
    with pytest.raises(TypeError, match="booleans or numbers"):
        numbers(pa.array(["a"]))
    assert numbers(pa.chunked_array([], pa.int64())).tolist() == []


def test_none_of_them_imports_pandas():
    code = (
        "import sys, numpy as np, pyarrow as pa\n"
        "from oos_analysis.io.arrays import arrow_of, blank, filled, numbers, scalar_of, "
        "seconds_to_utc, strings\n"
        "a = arrow_of(np.arange(5), missing=np.arange(5) == 2)\n"
        "filled(a, -1); numbers(arrow_of(np.ones(3, bool))); blank(strings(['', None, 'x']))\n"
        "scalar_of(1, np.int64); seconds_to_utc(0)\n"
        "print('pandas' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=False)
    assert (done.returncode, done.stdout, done.stderr) == (0, "False\n", "")
