"""Reading a tab- or comma-separated export into typed columns, with errors that name the line.

Amazon's flat files are tab-separated, unquoted, and occasionally ragged. Every file goes through
``pyarrow.csv`` once: the kit reads the header itself (names compared without spaces, quotes,
byte-order marks or case), Arrow reads the data rows with dates, flags, counts and money as text,
then converts those columns, which reads a million rows in about a second. (Number columns read only
to be checked, when a caller asks for some columns, Arrow converts as it parses; if it refuses a
value in one, they are all read again as text.) When a value does not convert (a time without
offset, a mistyped number), only that column is converted again by the kit's parsers, which name the
line of a bad value. :func:`read_columns` gives the Arrow columns, :func:`read_table` a frame of
them; pandas and Arrow's compute functions are imported on first use, and in the background while
Arrow parses when not imported yet (pandas only when a frame will be made). Rows with too few
fields are padded, rows with surplus empty fields cut, and a header line repeated by concatenating
two exports (with or without a byte-order mark) is skipped, each with a warning. gzip, UTF-16 and
non-UTF-8 files are decoded in memory and read the same way. A field may hold up to
:data:`FIELD_CAP` bytes (1 MiB); a longer one is an error naming its line. Buyer PII columns are
excluded before any value is read.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import functools
import io
import mmap
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from ..exceptions import ReportFormatError
from ..lazy import lazy_module, preload
from ..redact import quote
from . import schema
from .arrays import arrow_of, blank, numbers, strings
from .files import KIND_LABELS, detect_kind, header_fields, load, read_head, source_name

if TYPE_CHECKING:
    from concurrent.futures import Future

pd = lazy_module("pandas")  # imported on first use: a frame, or the kit's own parsers
pc = lazy_module("pyarrow.compute")  # imported while Arrow parses

__all__ = ["TableSpec", "Table", "Columns", "column_name", "read_table", "read_columns",
           "to_frame", "to_series", "parse_timestamps", "parse_flags", "check_dates", "FIELD_CAP"]

_TRUE = ("true", "True", "TRUE", "yes", "Yes", "YES")
_FALSE = ("false", "False", "FALSE", "no", "No", "NO")
_FLAGS = {v.lower(): True for v in _TRUE} | {v.lower(): False for v in _FALSE}
_ARROW_TYPES = {
    "datetime": pa.timestamp("s", tz="UTC"),
    "int": pa.int64(),
    "float": pa.float64(),
    "bool": pa.bool_(),
    "str": pa.large_string(),  # what pandas string columns hold: no cast in to_pandas
}


def _pandas_type(arrow_type):
    """The pandas dtype a column of ``arrow_type`` becomes (``to_pandas``'s ``types_mapper``);
    None for the others (timestamps)."""
    return _pandas_types().get(arrow_type)


@functools.cache
def _pandas_types() -> dict:
    return {
        pa.bool_(): pd.BooleanDtype(),
        pa.int64(): pd.Int64Dtype(),
        pa.float64(): pd.Float64Dtype(),
        pa.large_string(): pd.StringDtype("pyarrow", na_value=np.nan),  # pandas' "str"
    }


@dataclass(frozen=True)
class TableSpec:
    """What a reader expects: the kind, required headers and a type for each snake_case column."""

    kind: str
    required: tuple[str, ...]
    column_type: Callable[[str], str]
    rename: dict[str, str] = field(default_factory=dict)
    note_naive: bool = True


@dataclass
class Table:
    """A read file: the frame (snake_case, typed, PII dropped), encoding, warnings, file lines."""

    source: str
    frame: pd.DataFrame
    encoding: str
    warnings: list[str]
    lines: np.ndarray | None
    headers: dict[str, str]


@dataclass
class Columns:
    """A read file before it is a frame: its (renamed) columns as Arrow arrays, in file order.

    ``rows`` is the number of rows (of the frame; for no column at all, the rows Arrow kept);
    the other fields are :class:`Table`'s. :meth:`frame` turns the columns into pandas ones.
    """

    source: str
    columns: dict[str, pa.ChunkedArray]
    encoding: str
    warnings: list[str]
    lines: np.ndarray | None
    headers: dict[str, str]
    rows: int

    def frame(self) -> pd.DataFrame:
        """The columns as a frame (see :func:`to_frame`), so this is called once."""
        return to_frame(self.columns, self.rows)

    def table(self) -> Table:
        """The :class:`Table` of these columns (see :meth:`frame`)."""
        return Table(self.source, self.frame(), self.encoding, self.warnings, self.lines,
                     self.headers)


def to_frame(columns: dict[str, pa.ChunkedArray], rows: int) -> pd.DataFrame:
    """Arrow columns as a frame of ``rows`` rows (the dtypes :data:`_pandas_types` names); each
    column is taken out of ``columns`` as soon as it is converted, so that it is released."""
    out: dict[str, pd.Series] = {}
    for name in list(columns):
        out[name] = to_series(columns.pop(name))
    # the columns are new: no copy of them (pandas copies a dict's Series by default)
    return pd.DataFrame(out, copy=False) if out else pd.DataFrame(index=pd.RangeIndex(rows))


def to_series(column: pa.ChunkedArray) -> pd.Series:
    """A read's Arrow column as the frame's column (the dtypes :data:`_pandas_types` names)."""
    return pd.Series(column.to_pandas(types_mapper=_pandas_type))


def column_name(header: str) -> str:
    """snake_case of a header; a header with no ASCII letters (``メモ``) keeps its own spelling."""
    return schema.snake_case(header) or header.strip()


def _check_header(head: str, spec: TableSpec, name: str) -> tuple[list[str], str]:
    try:
        kind = detect_kind(head, source=name)
    except ReportFormatError as exc:
        if type(exc) is ReportFormatError:
            raise
        kind = None
    fields, delimiter = header_fields(head.splitlines()[0].lstrip("\ufeff"))
    snakes = [column_name(f) for f in fields]
    missing = [c for c in spec.required if c not in snakes]
    if missing:
        label = KIND_LABELS[spec.kind]
        if spec.kind in (schema.ALL_ORDERS, schema.ORDER_REPORT):  # Amazon's flat files spell headers with hyphens
            missing = [m.replace("_", "-") for m in missing]
        if kind == spec.kind or kind is None:
            looks = "the kit cannot tell what else it could be" if kind is None else (
                f"the rest of the header is that of the {label}")
        else:
            looks = f"it looks like the {KIND_LABELS[kind]} instead"
        raise ReportFormatError(
            f"the {label} needs the column(s) {', '.join(missing)}, which this header lacks "
            f"(it starts {', '.join(fields[:5])!r}; {looks}). Check that this is the file you "
            "meant, or download the report again with its standard columns.",
            source=name,
            line=1,
        )
    seen: set[str] = set()
    for f, s in zip(fields, snakes, strict=True):
        if s and s in seen:
            raise ReportFormatError(
                f"the header has the column {f!r} twice; expected each column once. Download the "
                "report again rather than editing it.",
                source=name,
                line=1,
            )
        seen.add(s)
    return fields, delimiter


FIELD_CAP = 1 << 20
"""The longest field the readers accept, in bytes (1 MiB): longer is an error naming the line."""
_BLOCK = 1 << 22  # Arrow's block: a line must fit in one, so it is above FIELD_CAP
_BLOCK_MAX = 1 << 24  # the block a file is read again with when one of its lines is longer
# (Arrow parses 4 MiB blocks faster than 16 MiB ones: a 1M-row export, 1.9 s against 2.4 s of CPU)
_CHUNK = 1 << 22  # bytes scanned at a time when line numbers are needed
csv.field_size_limit(max(csv.field_size_limit(), FIELD_CAP + 1))


def normalise_name(text: str) -> str:
    """A header or cell as compared with header names: no BOMs, outer spaces or quotes, any case."""
    return text.replace("\ufeff", "").strip().strip('"').strip().lower()


class _Odd:
    """What Arrow skipped or could not convert, kept to be read the slow way with line numbers."""

    def __init__(self) -> None:
        self.rows: list[str] = []

    def __call__(self, row) -> str:
        self.rows.append(row.text)
        return "skip"


def _arrow_read(src, fields, keep, delimiter, types, *, as_text, odd: _Odd,
                block: int) -> pa.Table:
    """Read the data rows (the header is ours, not Arrow's) with the given columns as text."""
    names = [f"c{i}" for i in range(len(fields))]
    position = {f: i for i, f in enumerate(fields)}
    wanted = [names[position[f]] for f in keep]
    column_types = {names[position[f]]: (pa.large_string() if f in as_text else types[f])
                    for f in keep}
    return pacsv.read_csv(
        src,
        read_options=pacsv.ReadOptions(block_size=block, skip_rows=1, column_names=names),
        parse_options=pacsv.ParseOptions(
            delimiter=delimiter, quote_char=False if delimiter == "\t" else '"',
            invalid_row_handler=odd,
        ),
        convert_options=pacsv.ConvertOptions(
            column_types=column_types,
            include_columns=wanted,
            null_values=[""],
            strings_can_be_null=True,
            true_values=list(_TRUE),
            false_values=list(_FALSE),
        ),
    )


_COLUMN_NUMBER = re.compile(r"column #(\d+)")


def _read_arrow(src, fields, keep, delimiter, kinds, checked=frozenset()):
    """Arrow read of the data rows: dates as text (cast below), failing columns re-read as text.

    ``checked`` names number columns read only to be checked (not asked for): Arrow converts
    them as it parses, which costs a fraction of reading them as text and casting them. If one
    of them holds a value Arrow's parser refuses (a repeated header line, a mistyped number),
    the file is read again with all of them as text, like the other typed columns. (What Arrow's
    parser accepts, its cast or the kit's parser accepts too: the parser also takes a number
    with spaces around it, which the kit's parser takes as well.)

    ``kinds`` is each column's type in the spec. Returns the table (columns in ``keep`` order),
    the text-read columns and the skipped rows.
    """
    types = {f: _ARROW_TYPES[kinds[f]] for f in keep}
    # typed columns come as text, converted once repeated header lines are gone; only a column
    # whose text Arrow cannot convert goes through the kit's parsers
    as_text = {f for f in keep if types[f] != pa.large_string() and f not in checked}
    block = _BLOCK
    while True:
        odd = _Odd()
        try:
            table = _arrow_read(src, fields, keep, delimiter, types, as_text=as_text, odd=odd,
                                block=block)
            break
        except pa.ArrowInvalid as exc:
            found = _COLUMN_NUMBER.search(str(exc))
            failing = fields[int(found.group(1))] if found else None
            if "conversion error" not in str(exc) or failing not in keep or failing in as_text:
                if "straddling" in str(exc) or "block" in str(exc):
                    if block >= _BLOCK_MAX:
                        raise _LongLine() from None
                    block = _BLOCK_MAX  # a line longer than a block: read again in longer ones
                else:
                    raise
            elif failing in checked:  # read again once, every checked column as text
                as_text |= set(checked)
            else:
                as_text.add(failing)  # only that column is read again as text
            if hasattr(src, "seek"):
                src.seek(0)
    table = table.rename_columns(list(keep))
    return table, as_text, odd.rows


class _LongLine(Exception):
    pass


def _line_map(data_source, delimiter: str, n_rows: int, skipped: list[str]):
    """Line numbers (1-based) of the rows Arrow kept and of the rows it skipped.

    Rows are the lines after the header, less blank lines and the lines Arrow skipped; so only
    those are looked for and the kept rows' numbers are worked out from them. Comma files with
    quotes, where a value may span lines, go through the csv module instead. Returns None when
    the lines found do not add up (then the caller counts rows instead).
    """
    if delimiter == ",":
        with _open_bytes(data_source) as fh:
            head = fh.read(_CHUNK)
            if b'"' in head:
                return _line_map_quoted(head + fh.read(), delimiter, n_rows, skipped)
    odd_lines = _skipped_lines(data_source, n_rows, skipped)
    if odd_lines is None:  # blank lines somewhere, or lines that do not add up
        return _line_map_scan(data_source, n_rows, skipped)
    return _kept_lines(n_rows, odd_lines), np.asarray(odd_lines, dtype=np.int64)


def _kept_lines(n_rows: int, special) -> np.ndarray:
    """Lines of the ``n_rows`` rows kept: the lines after the header less the ``special`` ones."""
    special = np.unique(np.asarray(special, dtype=np.int64))
    rank = special - np.arange(len(special))
    base = np.arange(n_rows, dtype=np.int64) + 2
    return base + np.searchsorted(rank, base, side="right")


def _skipped_lines(data_source, n_rows: int, skipped: list[str]) -> list[int] | None:
    """Lines (1-based) of the rows Arrow skipped, in the order of ``skipped``; None if unsure.

    The fast path of :func:`_line_map`, for a file without blank lines. The file is mapped, not
    read: its newlines are counted a few MiB at a time, and each skipped row's text, a long
    needle, is looked for with ``find``, which skips over most of the bytes it passes. None when
    the file has more lines than its header, the rows Arrow kept and those it skipped (a blank
    line, a line ended by a lone carriage return), or when a skipped row is not found as a whole
    line.
    """
    wanted = {t.rstrip("\r").encode("utf-8") for t in skipped}
    if b"" in wanted:
        return None
    with _mapped(data_source) as data:
        lines, found = _find_lines(data, np.frombuffer(data, np.uint8), wanted)
    if lines != 1 + n_rows + len(skipped):
        return None
    return _assign(skipped, found)


def _find_lines(data, everything: np.ndarray, wanted: set[bytes]):
    """The number of lines of ``data`` (``everything`` is a numpy view of it) and the lines
    (1-based) holding each of the ``wanted`` texts whole."""
    size = len(data)
    # newlines before each window of _CHUNK bytes (numpy: some four times bytes.count's speed)
    before = np.zeros(-(-size // _CHUNK) + 1, dtype=np.int64)
    for k, at in enumerate(range(0, size, _CHUNK)):
        before[k + 1] = before[k] + np.count_nonzero(everything[at:at + _CHUNK] == 10)
    found: dict[bytes, list[int]] = {}
    for text in wanted:
        at = data.find(text)
        while at >= 0:
            end = at + len(text)
            if (at == 0 or data[at - 1] == 10) and (
                    data[end:end + 1] == b"\n" or data[end:end + 2] == b"\r\n" or end == size):
                k = at // _CHUNK
                newlines = before[k] + np.count_nonzero(everything[k * _CHUNK:at] == 10)
                found.setdefault(text, []).append(int(newlines) + 1)
            at = data.find(text, at + 1)
    return int(before[-1]) + (0 if size == 0 or data[size - 1] == 10 else 1), found


@contextlib.contextmanager
def _mapped(data_source):
    """The bytes of a file (or the bytes given), mapped read-only rather than read into memory;
    read whole if the file cannot be mapped (an empty file)."""
    if isinstance(data_source, bytes | bytearray | memoryview):
        yield data_source if not isinstance(data_source, memoryview) else data_source.tobytes()
        return
    with open(data_source, "rb") as fh:
        try:
            view = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
        except (OSError, ValueError):
            yield fh.read()
            return
        try:
            yield view
        finally:
            with contextlib.suppress(BufferError):  # a view still held (an error's traceback):
                view.close()  # the map goes with it


def _assign(skipped: list[str], found: dict[bytes, list[int]]) -> list[int] | None:
    """The line of each skipped row: the n-th row of a text takes the n-th line found holding
    it (``found`` maps a line's bytes to its line numbers, in order); None when a text has fewer
    lines than rows."""
    taken: dict[bytes, int] = {}
    out = []
    for text in skipped:
        key = text.rstrip("\r").encode("utf-8")
        hits, n = found.get(key, []), taken.get(key, 0)
        if n >= len(hits):
            return None
        out.append(hits[n])
        taken[key] = n + 1
    return out


def _line_map_scan(data_source, n_rows: int, skipped: list[str]):
    """:func:`_line_map` for a file with blank lines: those are looked for as well.

    A few MiB at a time, with ``bytes.find``; None when the lines found do not add up.
    """
    with _open_bytes(data_source) as fh:
        head = fh.read(_CHUNK)
        wanted = {t.rstrip("\r").encode("utf-8") for t in skipped}
        blank, odd = [], {}
        before, carry, chunk = 0, b"", head
        while chunk or carry:
            block = carry + chunk
            cut = len(block) if not chunk else block.rfind(b"\n") + 1
            if cut == 0:
                carry, chunk = block, fh.read(_CHUNK)
                continue
            body = b"\n" + block[:cut] + (b"" if block[:cut].endswith(b"\n") else b"\n")
            for needle in (b"\n\n", b"\n\r\n"):
                at = body.find(needle)
                while at >= 0:
                    blank.append(before + body.count(b"\n", 0, at) + 1)
                    at = body.find(needle, at + 1)
            for text in wanted:
                at = body.find(b"\n" + text)
                while at >= 0:
                    end = at + 1 + len(text)
                    if body[end:end + 1] == b"\n" or body[end:end + 2] == b"\r\n":
                        odd.setdefault(text, []).append(before + body.count(b"\n", 0, at) + 1)
                    at = body.find(b"\n" + text, at + 1)
            before += block.count(b"\n", 0, cut)
            carry, chunk = block[cut:], fh.read(_CHUNK) if chunk else b""
    odd_lines = _assign(skipped, odd)
    if odd_lines is None:
        return None
    special = [*(b for b in blank if b > 1), *odd_lines]
    return _kept_lines(n_rows, special), np.asarray(odd_lines, dtype=np.int64)


def _line_map_quoted(data: bytes, delimiter: str, n_rows: int, skipped: list[str]):
    reader = csv.reader(io.StringIO(data.decode("utf-8", "replace"), newline=""),
                        delimiter=delimiter)
    width = None
    kept, odd = [], []
    start = 1
    for number, row in enumerate(reader):
        if number == 0:
            width = len(row)
        elif row not in ([], [""]):
            (kept if len(row) == width else odd).append(start)
        start = reader.line_num + 1
    if len(kept) != n_rows or len(odd) != len(skipped):
        return None
    return np.asarray(kept, dtype=np.int64), np.asarray(odd, dtype=np.int64)


@contextlib.contextmanager
def _open_bytes(source):
    if isinstance(source, bytes | bytearray | memoryview):
        yield io.BytesIO(source)
    else:
        with open(source, "rb") as fh:
            yield fh


def _split_line(text: str, delimiter: str) -> list[str]:
    quoting = csv.QUOTE_NONE if delimiter == "\t" else csv.QUOTE_MINIMAL
    return next(csv.reader([text], delimiter=delimiter, quoting=quoting, strict=False), [])


_AWARE = (r"^(?P<stamp>.*\d\d:\d\d(?::\d\d(?:[.,]\d+)?)?)\s*"
          r"(?P<offset>[Zz]|[+-]\d\d(?::?\d\d)?)$")


def _offsets(text: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Split off a trailing UTC offset and spell it ``+HH:MM``; return (text, has offset).

    ``+09``, ``+0900`` and ``+09:00`` (and ``Z``) are one offset written three ways; a date
    without a time (``2024-07-18``) has none, even though it ends in ``-18``.

    Examples
    --------
    >>> t, aware = _offsets(pd.Series(["2026-03-01T10:00:00+09", "2026-03-01 10:00+0900",
    ...                                "2026-03-01T10:00:00Z", "2026-03-01", None], dtype="str"))
    >>> t.tolist()[:3], aware.tolist()
    (['2026-03-01T10:00:00+09:00', '2026-03-01 10:00+09:00', '2026-03-01T10:00:00+00:00'], [True, True, True, False, False])
    """
    parts = text.str.extract(_AWARE)
    aware = parts["stamp"].notna().to_numpy()
    if not aware.any():
        return text, aware
    offset = parts["offset"][aware].str.upper().str.replace("Z", "+00:00", regex=False)
    offset = offset.where(offset.str.len() != 3, offset + ":00")
    offset = offset.where(offset.str.len() != 5, offset.str[:3] + ":" + offset.str[3:])
    out = text.copy()
    out[aware] = parts["stamp"][aware] + offset
    return out, aware


def parse_timestamps(
    values: pd.Series,
    *,
    source: str,
    column: str,
    lines: np.ndarray,
    naive_tz: str = "UTC",
    notes: list[str] | None = None,
) -> pd.Series:
    """Parse ISO 8601 text to UTC; raise naming the first line whose value does not parse.

    The one date parser of the kit's own read path, used for every block Arrow's cast refuses
    (and for the stock-out log's times). Arrow's cast, the fast path, accepts exactly the values
    with an offset and reads ``+09``, ``+0900`` and ``+09:00`` alike; this function reads them
    the same way (a test holds both paths to the same instants). Values with an offset (``Z``
    included) are converted to UTC, whatever mix of offsets a column holds; values without one
    (``2024-07-18 09:30``, ``2024/07/18``) are taken as local time in ``naive_tz``, and a note
    saying so is appended to ``notes`` when given.

    Examples
    --------
    >>> v = pd.Series(["2026-03-01T10:00:00+09", "2026-03-01T10:00:00+0900",
    ...                "2026-03-01T10:00:00+09:00", "2026-03-01T01:00:00-00"], dtype="str")
    >>> parse_timestamps(v, source="f", column="c", lines=np.arange(4) + 2).dt.hour.tolist()
    [1, 1, 1, 1]
    """
    text = values.str.strip().replace("", None).str.replace("/", "-", regex=False)
    text, aware = _offsets(text)
    present = text.notna().to_numpy()
    naive = present & ~aware
    parsed = pd.Series(pd.NaT, index=values.index, dtype="datetime64[s, UTC]")
    if aware.any():
        found = pd.to_datetime(text[aware], format="ISO8601", utc=True, errors="coerce")
        parsed[aware] = found.astype("datetime64[s, UTC]")
    if naive.any():
        local = pd.to_datetime(text[naive], format="ISO8601", errors="coerce")
        if isinstance(local.dtype, pd.DatetimeTZDtype):  # pragma: no cover - defensive
            local = local.dt.tz_localize(None)
        local = local.dt.tz_localize(naive_tz, ambiguous="NaT", nonexistent="NaT")
        parsed[naive] = local.dt.tz_convert("UTC").astype("datetime64[s, UTC]")
        if notes is not None:
            notes.append(
                f"{int(naive.sum())} value(s) in '{column}' have no UTC offset (first at line "
                f"{int(lines[np.argmax(naive)])}); taken as {naive_tz}"
            )
    bad = present & parsed.isna().to_numpy()
    if bad.any():
        at = int(np.argmax(bad))
        raise ReportFormatError(
            f"found {quote(values.iloc[at])} where a date and time such as 2024-07-18T18:52:47+00:00 was "
            "expected. If the file was opened and saved in a spreadsheet, the dates were "
            "rewritten: download the original report again.",
            source=source,
            line=int(lines[at]),
            column=column,
        )
    return parsed


_EARLIEST = dt.datetime(1995, 1, 1, tzinfo=dt.UTC)
"""No Amazon order is older than this (Amazon opened in July 1995)."""
_SPREAD = dt.timedelta(days=366 * 20)
_NEXT_YEAR = dt.timedelta(days=366)


def check_dates(values: pd.Series, *, source: str, column: str, lines) -> None:
    """Refuse a date before 1995, more than a year ahead, or 20 years from the column's median.

    A year typed as 1899 or 2999 would otherwise become tens of thousands of empty days in every
    daily window. ``lines`` is the array of file lines, or a function returning it.
    """
    present = values.dropna()
    if present.empty:
        return
    earliest, spread = pd.Timestamp(_EARLIEST), pd.Timedelta(_SPREAD)
    latest = pd.Timestamp.now(tz="UTC") + pd.Timedelta(_NEXT_YEAR)
    low, high = present.min(), present.max()
    if low >= earliest and high <= latest and high - low <= spread:
        return
    plausible = present[(present >= earliest) & (present <= latest)]
    middle = (plausible if len(plausible) else present).sort_values().iloc[len(plausible) // 2
                                                                          if len(plausible) else 0]
    bad = ((values < earliest) | (values > latest)).fillna(False).to_numpy(dtype=bool)
    if not bad.any():
        bad = ((values - middle).abs() > spread).fillna(False).to_numpy(dtype=bool)
    if not bad.any():
        return
    at = int(np.argmax(bad))
    found = lines() if callable(lines) else lines
    raise ReportFormatError(
        f"found the date {values.iloc[at]:%Y-%m-%d}, far from the rest of the file (around "
        f"{middle:%Y-%m}); expected dates between 1995 and next year, within 20 years of each "
        "other. A mistyped year would add thousands of empty days to every window. Correct that "
        "value or download the report again.",
        source=source, line=int(found[at]), column=column,
    )


def parse_flags(values: pd.Series, *, source: str, column: str, lines: np.ndarray) -> pd.Series:
    """Map true/false/yes/no (any case) to a boolean column; raise naming a line otherwise."""
    text = values.str.strip().str.lower()
    mapped = text.map(_FLAGS, na_action="ignore").astype("boolean")
    bad = (text.notna() & (text != "")).to_numpy() & mapped.isna().to_numpy()
    if bad.any():
        at = int(np.argmax(bad))
        raise ReportFormatError(
            f"found {quote(values.iloc[at])} where true or false was expected. Download the report "
            "again, or correct that value.",
            source=source,
            line=int(lines[at]),
            column=column,
        )
    return mapped


def _numbers(values, *, integer, source, column, lines) -> pd.Series:
    text = values.str.strip().replace("", None)
    number = pd.to_numeric(text, errors="coerce")
    bad = text.notna().to_numpy() & pd.isna(number).to_numpy()
    if integer:
        bad |= pd.notna(number).to_numpy() & (np.asarray(number, dtype=float) % 1 != 0)
    if bad.any():
        at = int(np.argmax(bad))
        what = "a whole number" if integer else "a number such as 14.99"
        raise ReportFormatError(
            f"found {quote(values.iloc[at])} where {what} was expected. Correct that value or "
            "download the report again.",
            source=source,
            line=int(lines[at]),
            column=column,
        )
    return number.astype("Int64" if integer else "Float64")


def _blank_to_null(column: pa.ChunkedArray) -> pa.ChunkedArray:
    if not pc.any(blank(column)).as_py():
        return column
    return pc.if_else(blank(column), pa.nulls(1, column.type)[0], column)


def _cast_text(column: pa.ChunkedArray, kind: str):
    """Arrow's own conversion of a text column, or None if one of its values needs the kit's."""
    try:
        if kind == "datetime":
            return pc.cast(column, pa.timestamp("s", tz="UTC"))
        if kind == "bool":
            # a flag column holds a few distinct spellings: those are lowered and looked up,
            # then each row is matched against the spellings that mean true
            distinct = pc.unique(column).drop_null()
            lowered = pc.utf8_lower(distinct)
            known = pc.is_in(lowered, strings(_FLAGS))
            if not pc.all(known, min_count=0).as_py():
                return None
            means_true = strings(k for k, v in _FLAGS.items() if v)
            true = pc.is_in(column, distinct.filter(pc.is_in(lowered, means_true)))
            if column.null_count:
                return pc.if_else(pc.is_valid(column), true, pa.nulls(1, pa.bool_())[0])
            return true
        return pc.cast(column, _ARROW_TYPES[kind])
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None


_PIECE = 2048
"""Rows of a refused block of dates tried again by Arrow in halves down to this many, so that the
kit's parser reads the few values Arrow refuses (a time without offset) and not the whole block."""


def _cast_pieces(chunk: pa.Array, kind: str, start: int, done: list, refused: list) -> None:
    """Arrow's cast of ``chunk`` (rows ``start``...), halved while it fails, for dates only.

    Appends to ``done`` the converted pieces in order, None for a refused one, whose first row
    and length go to ``refused``.
    """
    cast = _cast_text(pa.chunked_array([chunk], chunk.type), kind)
    if cast is not None:
        done.append(cast.chunk(0) if cast.num_chunks else pa.nulls(0, _ARROW_TYPES[kind]))
    elif kind != "datetime" or len(chunk) <= _PIECE:
        done.append(None)
        refused.append((start, len(chunk)))
    else:
        half = len(chunk) // 2
        _cast_pieces(chunk.slice(0, half), kind, start, done, refused)
        _cast_pieces(chunk.slice(half), kind, start + half, done, refused)


def _cast_chunks(column: pa.ChunkedArray, kind: str) -> tuple[list, list[tuple[int, int]]]:
    """Arrow's cast of a text column block by block (see :func:`_cast_pieces`): the converted
    pieces in order, None for each refused one, and the (first row, length) of the refused ones.

    Dates go block by block: a date column refused for one value (a time without offset, read
    with a note) is then not cast twice, once whole and once in pieces. A number or flag column
    is cast whole first, one call rather than one per block (measured: 19 ms against 30 ms for a
    1M-row flag column), and block by block only when Arrow refuses one of its values (padded
    with spaces, a whole number written 2.0, a bad value).
    """
    if kind != "datetime":
        whole = _cast_text(column, kind)
        if whole is not None:
            return list(whole.chunks), []
    done: list = []
    refused: list[tuple[int, int]] = []
    start = 0
    for chunk in column.chunks:
        _cast_pieces(chunk, kind, start, done, refused)
        start += len(chunk)
    return done, refused


def _convert_chunks(column: pa.ChunkedArray, kind: str, spec, warnings, name, header, lines,
                    cast=None):
    """Convert a text column: Arrow block by block, the kit's parser for the blocks Arrow refuses.

    A refused block of dates is tried again in halves (see :data:`_PIECE`), so only the pieces
    holding a value Arrow refuses are the kit's to parse. The refused pieces are parsed together
    in one call (so a note counts all their values) with their file lines, then put back in place.
    ``cast``, if given, is a future of :func:`_cast_chunks` of the column (cast meanwhile).
    """
    done, refused = cast.result() if cast is not None else _cast_chunks(column, kind)
    if not refused:
        return pa.chunked_array(done, _ARROW_TYPES[kind])
    rows = np.concatenate([np.arange(first, first + n) for first, n in refused])
    text = pa.chunked_array([c for first, n in refused for c in column.slice(first, n).chunks],
                            column.type)
    values = pd.Series(text.to_pandas(types_mapper=_pandas_type), dtype="str")
    parsed = _convert(values, kind, spec, warnings, source=name, column=header,
                      lines=lines()[rows])
    arrow = pa.Array.from_pandas(parsed, type=_ARROW_TYPES[kind])
    pieces = iter(refused)
    at = 0
    for i, piece in enumerate(done):
        if piece is None:
            n = next(pieces)[1]
            done[i] = arrow.slice(at, n)
            at += n
    return pa.chunked_array(done, _ARROW_TYPES[kind])


def _convert_shifted(values, kind, spec, warnings, name, column, lines, width) -> pd.Series:
    """Convert a column of the rows that were short; a bad value there is a shifted value.

    Its text is not quoted: in a row missing a field, any value may be buyer data moved over.
    """
    try:
        return _convert(values, kind, spec, warnings, source=name, column=column, lines=lines)
    except ReportFormatError as exc:
        raise ReportFormatError(
            f"this row has fewer fields than the header's {width}, so its values after the "
            f"missing one sit in the wrong columns: '{column}' holds a value that is not "
            f"{_EXPECTED.get(kind, 'of its type')} (not quoted: it may be buyer data). Fix or "
            "remove that row, or download the report again.",
            source=name, line=exc.line, column=column,
        ) from None


def _convert_odd(values: list[str], kind, spec, warnings, name, column, lines,
                 width) -> pa.Array:
    """A column of the rows Arrow skipped, as an Arrow array: Arrow's cast, as for the other rows,
    and the kit's parser (:func:`_convert_shifted`) only for a value Arrow refuses."""
    text = _blank_to_null(pa.chunked_array([pa.array(values, pa.large_string())]))
    cast = text if kind == "str" else _cast_text(text, kind)
    if cast is None:
        parsed = _convert_shifted(pd.Series(values, dtype="str").replace("", None), kind, spec,
                                  warnings, name, column, lines, width)
        return pa.array(parsed, type=_ARROW_TYPES[kind], from_pandas=True)
    return cast.combine_chunks()


_EXPECTED = {"datetime": "a date and time", "int": "a whole number", "float": "a number",
             "bool": "true or false"}


def _convert(values: pd.Series, kind: str, spec: TableSpec, warnings, **where) -> pd.Series:
    """The kit's conversion of one text column (slow, but it names the line of a bad value)."""
    if kind == "datetime":
        return parse_timestamps(values, notes=warnings if spec.note_naive else None, **where)
    if kind in ("int", "float"):
        return _numbers(values, integer=kind == "int", **where)
    if kind == "bool":
        return parse_flags(values, **where)
    return values


def _odd_rows(texts, fields, keep, delimiter, lines, source, warnings, spec) -> dict[str, list]:
    """The rows Arrow skipped (too few or too many fields), padded or refused, as text columns."""
    width = len(fields)
    position = {f: i for i, f in enumerate(fields)}
    personal = [i for i, f in enumerate(fields) if column_name(f) and
                schema.is_pii_column(column_name(f))]
    rows, short, blanked = [], 0, set()
    for text, line in zip(texts, lines, strict=True):
        row = _split_line(text, delimiter)
        if len(row) < width:
            short += 1
            missing = width - len(row)
            # a field is missing somewhere, so a value may sit up to `missing` columns left of
            # where it belongs: a text column just before a buyer-PII column may hold buyer data
            # (a number, date or flag column is checked by its type, and refused unquoted)
            for f in keep:
                j = position[f]
                if j < len(row) and row[j] and spec.column_type(schema.snake_case(f)) == "str" \
                        and any(j < p <= j + missing for p in personal if p < len(row)):
                    row[j] = ""
                    blanked.add(f)
            row = row + [""] * missing
        elif len(row) > width:
            if any(c.strip() for c in row[width:]):
                raise ReportFormatError(
                    f"this row has {len(row)} fields but the header has {width}; expected one "
                    "value per header column. The row may contain a stray tab or the file was "
                    "edited by hand: fix or remove that row, or download the report again.",
                    source=source,
                    line=int(line),
                )
            extra = len(row) - width
            # surplus empty fields at the end: a field was inserted somewhere, so a value may sit
            # up to `extra` columns right of where it belongs, after a buyer-PII column
            for f in keep:
                j = position[f]
                if row[j] and spec.column_type(schema.snake_case(f)) == "str" \
                        and any(j - extra <= p < j for p in personal):
                    row[j] = ""
                    blanked.add(f)
            row = row[:width]
        rows.append(row)
    if blanked and not short:
        warnings.append(
            f"{len(rows)} row(s) had more fields than the header, the surplus ones empty (first "
            f"at line {int(lines[0])}); {', '.join(sorted(blanked))} of those rows were left "
            "empty, since an extra field may have shifted buyer details into them"
        )
    if short:
        warnings.append(
            f"{short} row(s) had fewer fields than the header (first at line {int(lines[0])}); "
            "the missing trailing values were read as empty"
            + (f"; {', '.join(sorted(blanked))} of those rows were left empty, since a missing "
               "field may have shifted buyer details into them" if blanked else "")
        )
    return {f: [r[position[f]] for r in rows] for f in keep}


def _repeated_headers(table: pa.Table, fields, keep, spec) -> np.ndarray | None:
    """Rows that repeat the header line (exports concatenated, with or without a BOM), or None.

    Only the blocks whose order ids may hold a letter are searched (see :func:`_may_hold_letters`):
    in an Amazon export, the one block holding the repeated header.
    """
    key = next(f for f in fields if column_name(f) == spec.required[0])
    if key not in keep:
        return None
    hits: list[int] = []
    start = 0
    for chunk in table.column(keep.index(key)).chunks:
        if _may_hold_letters(chunk):
            candidates = pc.match_substring(chunk, key, ignore_case=True)
            if pc.any(candidates).as_py():  # (any skips missing values)
                at = numbers(pc.indices_nonzero(candidates))
                values = chunk.take(arrow_of(at)).to_pylist()
                hits += [start + int(i) for i, v in zip(at, values, strict=True)
                         if normalise_name(v) == key.lower()]
        start += len(chunk)
    if not hits:
        return None
    repeated = np.zeros(table.num_rows, dtype=bool)
    repeated[hits] = True
    return repeated


def _may_hold_letters(chunk: pa.Array) -> bool:
    """False when no value of a text array holds a byte above ``@`` (0x40): no ASCII letter, nor
    any non-ASCII character, so no header name can be in it, however its case is written.

    One comparison over the array's bytes, where a case-blind search costs several times as much
    on a million order ids.
    """
    data = chunk.buffers()[2]
    return data is not None and np.frombuffer(data, dtype=np.uint8).max(initial=0) > 0x40


def read_table(source, *, spec: TableSpec, encoding: str | None = None,
               columns=None, on_column=None) -> Table:
    """Read one delimited export as described by ``spec``: :func:`read_columns` as a frame."""
    return read_columns(source, spec=spec, encoding=encoding, columns=columns,
                        on_column=on_column).table()


def read_columns(source, *, spec: TableSpec, encoding: str | None = None,
                 columns=None, on_column=None, pandas: bool = True) -> Columns:
    """Read one delimited export as described by ``spec``, into Arrow columns.

    The columns are snake_case (renamed per ``spec.rename``), PII columns removed, of the types
    ``spec.column_type`` names; ``lines`` maps rows to file lines when the rows are not simply
    the lines after the header (None otherwise).

    ``columns``, if given, names the (renamed) columns wanted: only those the file has are
    given. Text columns not wanted are not read at all when no line of a tab-separated file is
    longer than :data:`FIELD_CAP` (else they are read for that check); typed ones (dates,
    numbers, flags) are still read and checked, then left out, so that a file refused whole is
    refused the same way (same paragraph, same line) when only some of its columns are asked
    for, and rows with too few or too many fields are reported the same way.

    Every file goes through Arrow once: the header is read by the kit (names compared without
    spaces, quotes, byte-order marks or case), the data rows by Arrow with typed columns as text
    (but number columns only checked), which Arrow then converts. Only a column holding a value
    Arrow cannot convert (a time without offset, a mistyped number) is converted by the kit,
    which names the line of a bad value; rows with too few fields are padded, and a repeated
    header line is skipped, both with a warning.

    ``on_column(name, column)``, if given, is called with each (renamed) column of the frame as
    an Arrow array, as soon as it holds the frame's values: the caller may start work on it
    while the other columns are converted. It may still be called for a file refused later.

    ``pandas``: whether the caller will make a frame of the columns, so that pandas, if not
    imported yet, is imported in the background while Arrow parses. A clean file is read
    without pandas; the kit's own parsers, for a value Arrow refuses, use it.
    """
    name = source_name(source)
    is_path = isinstance(source, str | os.PathLike)
    loaded = None
    if is_path:
        head, compressed, head_encoding = read_head(source)
    else:
        loaded = load(source, encoding=encoding)
        head, compressed, head_encoding = loaded.data[: 1 << 16].decode("utf-8", "replace"), False, None
    fields, delimiter = _check_header(head, spec, name)
    keep = [f for f in fields if column_name(f) and not schema.is_pii_column(column_name(f))]
    every = keep  # the short-row warning names what it blanked among all of them
    warnings: list[str] = []
    direct = (
        is_path
        and not compressed
        and head_encoding in ("utf-8", "utf-8-sig")
        and (encoding is None or encoding.lower().replace("_", "-") in ("utf-8", "utf8"))
    )
    if direct:
        data_source, used = os.fspath(source), head_encoding
        arrow_source = data_source
    else:
        loaded = loaded or load(source, encoding=encoding)
        data_source, used = loaded.data, loaded.encoding
        arrow_source = pa.BufferReader(loaded.data)
    kinds = {f: spec.column_type(schema.snake_case(f)) for f in keep}
    asked = {f: columns is None or spec.rename.get(column_name(f), column_name(f)) in columns
             for f in keep}
    if columns is not None:
        some = [f for f in keep if asked[f] or kinds[f] != "str"]
        # text columns not asked for are not read when no line is long enough to hold a field
        # over FIELD_CAP (a file that has one is refused, whatever columns are asked for)
        if len(some) < len(keep) and delimiter == "\t" and _lines_fit(data_source, FIELD_CAP):
            keep = some
    # Arrow's compute functions and pandas, if not imported yet (`oos-analysis check`), are
    # imported in the background while Arrow parses the file (it releases the GIL)
    preload("pyarrow.compute", *(["pandas"] if pandas else []))
    # number columns not asked for are only checked: Arrow converts them as it reads
    checked = frozenset(f for f in keep if not asked[f] and kinds[f] in ("int", "float"))
    try:
        table, as_text, skipped = _read_arrow(arrow_source, fields, keep, delimiter, kinds,
                                              checked)
    except _LongLine:
        raise _long_line_error(data_source, name) from None
    n_read = table.num_rows  # rows Arrow kept, repeated header lines included
    scan = None  # the line numbers, worked out in a second thread while the columns convert
    if skipped and not _small(data_source):
        from concurrent.futures import ThreadPoolExecutor  # only for a big file with odd rows

        pool = ThreadPoolExecutor(1, thread_name_prefix="oos-lines")
        scan = pool.submit(_line_map, data_source, delimiter, n_read, skipped)
        pool.shutdown(wait=False)
    repeated = _repeated_headers(table, fields, keep, spec)
    if repeated is not None:
        warnings.append(
            f"the header line appears {int(repeated.sum())} more time(s) inside the file (exports "
            "concatenated?); those lines were skipped"
        )
    cached: dict[str, np.ndarray] = {}

    def line_numbers() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(lines of the rows kept, of the rows Arrow skipped, of every row Arrow kept)."""
        if not cached:
            found = (scan.result() if scan is not None
                     else _line_map(data_source, delimiter, n_read, skipped))
            if found is None:  # the lines do not add up (a quoted value over several lines)
                found = (np.arange(n_read, dtype=np.int64) + 2,
                         np.arange(len(skipped), dtype=np.int64) + 2 + n_read)
            cached["all"], cached["odd"] = found
            cached["kept"] = found[0] if repeated is None else found[0][~repeated]
        return cached["kept"], cached["odd"], cached["all"]

    _check_field_lengths(table, keep, lambda: line_numbers()[2], name)
    dropping = None if repeated is None else _Dropping(repeated)
    arrays = table.columns
    del table  # each column is released as soon as it is converted
    # every column converted and checked in Arrow first, then turned into pandas: the Arrow work
    # runs while pandas is still being imported in the background (see below)
    converted: dict[str, pa.ChunkedArray] = {}
    casts = _Casts(arrays, keep, as_text, kinds, dropping)
    extra, placing, lines = None, None, None
    try:
        casts.ahead(0)  # the first columns' casts start: the line numbers may still be coming
        if skipped:
            kept_lines, odd_lines, _ = line_numbers()
            extra = _odd_rows(skipped, fields, every, delimiter, odd_lines, name, warnings, spec)
            # the padded rows go back where they were in the file
            placing = _Placing(kept_lines, odd_lines)
            lines = placing.lines
        for i, f in enumerate(keep):
            column, cast = casts.take(i)
            if f in as_text:
                column = _convert_chunks(column, kinds[f], spec, warnings, name, f,
                                         lambda: line_numbers()[0], cast)
            if kinds[f] == "datetime":
                _check_dates_arrow(column, source=name, column=f, lines=lambda: line_numbers()[0])
            if extra is not None:
                small = _convert_odd(extra[f], kinds[f], spec, warnings, name, f,
                                     line_numbers()[1], len(fields))
                if asked[f]:
                    column = placing(column, small)
            if not asked[f]:
                # a column not asked for: its values converted (or refused, naming the line) and its
                # dates checked is the whole of its check; it is not turned into a pandas column
                del column
                continue
            converted[f] = column
            if on_column is not None:
                on_column(spec.rename.get(column_name(f), column_name(f)), column)
            del column
    finally:
        casts.close()
    if lines is None and (cached or repeated is not None or _small(data_source)):
        lines = line_numbers()[0]
    names = [spec.rename.get(s, s) for s in map(column_name, converted)]
    headers = dict(zip(names, converted, strict=True))
    rows = len(next(iter(converted.values()))) if converted else n_read
    return Columns(name, dict(zip(names, converted.values(), strict=True)), used, warnings,
                   lines, headers, rows)


class _Casts:
    """The columns of a read, each with its rows dropped and, for a text column of a big file,
    Arrow's cast of it under way in a second thread (Arrow releases the GIL).

    :meth:`take` hands the columns over in order; the casts of the next :attr:`AHEAD` columns run
    meanwhile, so that the converting loop, which raises the first refused value in column order,
    does not wait for each cast in turn, and few converted columns are held at once. A column of
    one block (a small file) is converted by the loop itself.
    """

    AHEAD = 2

    def __init__(self, arrays: list, keep, as_text, kinds, dropping) -> None:
        self.arrays, self.keep, self.as_text, self.kinds = arrays, keep, as_text, kinds
        self.dropping = dropping
        self.ready: dict[int, tuple] = {}
        self.pool = None
        if sum(f in as_text for f in keep) > 1 and any(a.num_chunks > 1 for a in arrays):
            from concurrent.futures import ThreadPoolExecutor  # only for a file of many blocks

            self.pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="cast")

    def ahead(self, i: int) -> None:
        """Columns ``i`` to ``i`` + :attr:`AHEAD` prepared, their casts started."""
        for j in range(i, min(i + self.AHEAD + 1, len(self.keep))):
            if j not in self.ready and self.arrays[j] is not None:
                self._prepare(j)

    def _prepare(self, i: int) -> None:
        column, self.arrays[i] = self.arrays[i], None
        if column.num_chunks == 0:  # no rows: give pandas one empty chunk to take the type from
            column = pa.chunked_array([pa.array([], column.type)])
        if self.dropping is not None:
            column = self.dropping(column)
        f, cast = self.keep[i], None
        if self.pool is not None and f in self.as_text and column.num_chunks > 1:
            cast = self.pool.submit(_cast_chunks, column, self.kinds[f])
        self.ready[i] = (column, cast)

    def take(self, i: int) -> tuple[pa.ChunkedArray, Future | None]:
        """Column ``i`` (taken from the list: released once converted), and its cast's future."""
        self.ahead(i)
        return self.ready.pop(i)

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown()


class _Placing:
    """Puts the rows Arrow skipped (padded) back among the rows it kept, in file line order.

    A handful of rows go in by slicing the kept column around them (no copy of it); many, by one
    take. ``lines`` are the file lines of the rows so placed.
    """

    _FEW = 64

    def __init__(self, kept_lines: np.ndarray, odd_lines: np.ndarray) -> None:
        self.few = len(odd_lines) <= self._FEW and not (np.diff(kept_lines) < 0).any()
        if self.few:  # the odd rows by line, and how many kept rows come before each
            self.by_line = np.argsort(odd_lines, kind="stable")
            self.at = np.searchsorted(kept_lines, odd_lines[self.by_line])
            self.lines = np.insert(kept_lines, self.at, odd_lines[self.by_line])
            return
        lines = np.concatenate([kept_lines, odd_lines])
        self.order = None
        if (np.diff(lines) < 0).any():
            self.order = np.argsort(lines, kind="stable")
            lines = lines[self.order]
        self.lines = lines

    def __call__(self, kept: pa.ChunkedArray, odd: pa.Array) -> pa.ChunkedArray:
        if not self.few:
            both = pa.chunked_array([*kept.chunks, odd], kept.type)
            return both if self.order is None else both.take(pa.array(self.order))
        pieces, start = [], 0
        for j, at in zip(self.by_line.tolist(), self.at.tolist(), strict=True):
            pieces += [*kept.slice(start, at - start).chunks, odd.slice(j, 1)]
            start = at
        pieces += kept.slice(start).chunks
        return pa.chunked_array(pieces, kept.type)


class _Dropping:
    """Drops the given rows (repeated header lines) from each column: a few by slicing around
    them (no copy), many by one filter."""

    def __init__(self, drop: np.ndarray) -> None:
        self.rows = np.flatnonzero(drop)
        self.mask = pa.array(~drop) if len(self.rows) > _Placing._FEW else None

    def __call__(self, column: pa.ChunkedArray) -> pa.ChunkedArray:
        if self.mask is not None:
            return column.filter(self.mask)
        pieces, start = [], 0
        for row in self.rows.tolist():
            pieces += column.slice(start, row - start).chunks
            start = row + 1
        pieces += column.slice(start).chunks
        return pa.chunked_array(pieces, column.type)


def _check_dates_arrow(values: pa.ChunkedArray, *, source: str, column: str, lines) -> None:
    """:func:`check_dates` of a timestamp column still in Arrow: its range first (no pandas
    column), the values looked at one by one only when the range is not plausible."""
    # in whole seconds since the epoch: any year Arrow holds compares, even past 9999
    low, high = (v.as_py() for v in pc.min_max(values.cast(pa.int64())).values())
    if low is None:
        return
    latest = dt.datetime.now(dt.UTC) + _NEXT_YEAR
    if low >= _EARLIEST.timestamp() and high <= latest.timestamp() \
            and high - low <= _SPREAD.total_seconds():
        return
    check_dates(pd.Series(values.to_pandas(types_mapper=_pandas_type)), source=source,
                column=column, lines=lines)


_PROBE = 1 << 12


def _lines_fit(data_source, cap: int) -> bool:
    """True if no line of the file is longer than ``cap`` bytes (False may be a false alarm).

    A line longer than ``cap`` holds a whole aligned window of ``cap // 2`` bytes, so it is enough
    to see a newline in each such window; in an export the first newline of a window comes within
    a few hundred bytes, so a 250 MB file costs some 500 reads of 4 KiB.
    """
    half = cap // 2
    with _open_bytes(data_source) as fh:
        size = fh.seek(0, io.SEEK_END)
        for start in range(0, size - half + 1, half):
            fh.seek(start)
            seen = 0
            while seen < half:
                piece = fh.read(min(_PROBE, half - seen))
                if not piece or b"\n" in piece:
                    break
                seen += len(piece)
            else:
                return False
    return True


def _small(data_source) -> bool:
    """A file small enough that numbering its lines costs nothing (stock-out logs, downloads)."""
    if isinstance(data_source, bytes | bytearray | memoryview):
        return len(data_source) < _CHUNK
    try:
        return os.stat(data_source).st_size < _CHUNK
    except OSError:
        return False


def _text_bytes(chunk: pa.Array) -> int:
    """The size of a text array's character buffer (at least the bytes of its values)."""
    data = chunk.buffers()[2]
    return 0 if data is None else data.size


def _check_field_lengths(table, keep, all_lines, name) -> None:
    for i, f in enumerate(keep):
        column = table.column(i)
        if not pa.types.is_large_string(column.type) and not pa.types.is_string(column.type):
            continue
        if all(_text_bytes(chunk) <= FIELD_CAP for chunk in column.chunks):
            continue  # no block holds that many bytes of this column: no value is that long
        longest = pc.max(pc.binary_length(column)).as_py()
        if longest is not None and longest > FIELD_CAP:
            at = int(np.argmax(pc.greater(pc.binary_length(column), FIELD_CAP).to_numpy(
                zero_copy_only=False)))
            raise ReportFormatError(
                f"a value of {longest:,} bytes, longer than the {FIELD_CAP:,} bytes the kit "
                "reads in one field; a report's field is never that long, so the file is damaged "
                "or not an export. Download the report again.",
                source=name, line=int(all_lines()[at]), column=f,
            )


def _long_line_error(data_source, name) -> ReportFormatError:
    number = 0
    with _open_bytes(data_source) as fh:
        for number, text in enumerate(fh, start=1):  # noqa: B007
            if len(text) > FIELD_CAP:
                break
    return ReportFormatError(
        f"this line is longer than the {FIELD_CAP:,} bytes the kit reads in one field; a report's "
        "line is never that long, so the file is damaged or not an export. Download the report "
        "again.",
        source=name, line=number,
    )
