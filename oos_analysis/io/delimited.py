"""Reading a tab- or comma-separated export into typed columns, with errors that name the line.

Amazon's flat files are tab-separated, unquoted, and occasionally ragged. The fast path hands the
file to ``pyarrow.csv`` with quoting switched off and the column types fixed up front (dates as UTC
timestamps, counts, money, flags), which reads a million rows in about a second. Anything the fast
path refuses - another encoding, short rows, a header repeated by concatenating two exports, a value
that does not parse - sends the file down a slower path that reads it with the :mod:`csv` module,
pads short rows, and converts column by column so a bad value can be reported by line and column.
Buyer PII columns are excluded before any value is read.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from ..exceptions import ReportFormatError
from . import schema
from .files import KIND_LABELS, Loaded, detect_kind, header_fields, load, read_head, source_name

__all__ = ["TableSpec", "Table", "column_name", "read_table", "parse_timestamps", "parse_flags"]

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
_PANDAS_TYPES = {
    pa.bool_(): pd.BooleanDtype(),
    pa.int64(): pd.Int64Dtype(),
    pa.float64(): pd.Float64Dtype(),
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


def _fast(path: str, fields, keep, delimiter, spec: TableSpec) -> pd.DataFrame:
    types = {f: _ARROW_TYPES[spec.column_type(schema.snake_case(f))] for f in keep}
    table = pacsv.read_csv(
        path,
        read_options=pacsv.ReadOptions(block_size=1 << 24),
        parse_options=pacsv.ParseOptions(
            delimiter=delimiter, quote_char=False if delimiter == "\t" else '"'
        ),
        convert_options=pacsv.ConvertOptions(
            column_types=types,
            include_columns=keep,
            null_values=[""],
            strings_can_be_null=True,
            true_values=list(_TRUE),
            false_values=list(_FALSE),
        ),
    )
    if table.num_columns != len(keep):
        raise pa.ArrowInvalid("header mismatch")
    return table.to_pandas(types_mapper=_PANDAS_TYPES.get)


def _rows(loaded: Loaded, fields: list[str], delimiter: str, warnings: list[str]):
    """Split the text into rows of exactly len(fields) strings, with their 1-based line numbers."""
    stream = io.StringIO(loaded.data.decode("utf-8"), newline="")
    quoting = csv.QUOTE_NONE if delimiter == "\t" else csv.QUOTE_MINIMAL
    reader = csv.reader(stream, delimiter=delimiter, quoting=quoting, strict=False)
    width = len(fields)
    header = next(reader, None)
    rows, lines = [], []
    short = repeated = 0
    first_short = None
    header_set = [f.strip().strip('"') for f in fields]
    for row in reader:
        line = reader.line_num
        if not row or row == [""]:
            continue
        if [c.strip().strip('"') for c in row] == header_set:
            repeated += 1
            continue
        if len(row) < width:
            short += 1
            first_short = first_short or line
            row = row + [""] * (width - len(row))
        elif len(row) > width:
            if any(c.strip() for c in row[width:]):
                raise ReportFormatError(
                    f"this row has {len(row)} fields but the header has {width}; expected one "
                    "value per header column. The row may contain a stray tab or the file was "
                    "edited by hand: fix or remove that row, or download the report again.",
                    source=loaded.source,
                    line=line,
                )
            row = row[:width]
        rows.append(row)
        lines.append(line)
    if header is None:
        rows = []
    if short:
        warnings.append(
            f"{short} row(s) had fewer fields than the header (first at line {first_short}); "
            "the missing trailing values were read as empty"
        )
    if repeated:
        warnings.append(
            f"the header line appears {repeated} more time(s) inside the file (exports "
            "concatenated?); those lines were skipped"
        )
    return rows, np.asarray(lines, dtype=np.int64)


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

    Values with an offset (``+09:00``, ``-07:00``, ``Z``) are converted to UTC; values without
    one (``2024-07-18 09:30``, ``2024/07/18``) are taken as local time in ``naive_tz``, and a note
    saying so is appended to ``notes`` when given.
    """
    text = values.str.strip().replace("", None).str.replace("/", "-", regex=False)
    aware = text.str.contains(r"(?:Z|[+-]\d\d:?\d\d)$", regex=True, na=False).to_numpy()
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
            f"found {values.iloc[at]!r} where a date and time such as 2024-07-18T18:52:47+00:00 was "
            "expected. If the file was opened and saved in a spreadsheet, the dates were "
            "rewritten: download the original report again.",
            source=source,
            line=int(lines[at]),
            column=column,
        )
    return parsed


def parse_flags(values: pd.Series, *, source: str, column: str, lines: np.ndarray) -> pd.Series:
    """Map true/false/yes/no (any case) to a boolean column; raise naming a line otherwise."""
    text = values.str.strip().str.lower()
    mapped = text.map(_FLAGS, na_action="ignore").astype("boolean")
    bad = (text.notna() & (text != "")).to_numpy() & mapped.isna().to_numpy()
    if bad.any():
        at = int(np.argmax(bad))
        raise ReportFormatError(
            f"found {values.iloc[at]!r} where true or false was expected. Download the report "
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
            f"found {values.iloc[at]!r} where {what} was expected. Correct that value or "
            "download the report again.",
            source=source,
            line=int(lines[at]),
            column=column,
        )
    return number.astype("Int64" if integer else "Float64")


def _slow(loaded: Loaded, fields, keep, delimiter, spec, warnings):
    rows, lines = _rows(loaded, fields, delimiter, warnings)
    position = {f: i for i, f in enumerate(fields)}
    columns = {}
    for f in keep:
        i = position[f]
        values = pd.Series([r[i] for r in rows], dtype="str").replace("", None)
        kind = spec.column_type(schema.snake_case(f))
        where = {"source": loaded.source, "column": f, "lines": lines}
        if kind == "datetime":
            values = parse_timestamps(
                values, notes=warnings if spec.note_naive else None, **where
            )
        elif kind in ("int", "float"):
            values = _numbers(values, integer=kind == "int", **where)
        elif kind == "bool":
            values = parse_flags(values, **where)
        columns[f] = values
    return pd.DataFrame(columns, index=pd.RangeIndex(len(rows))), lines


def read_table(source, *, spec: TableSpec, encoding: str | None = None) -> Table:
    """Read one delimited export as described by ``spec``.

    The returned frame has snake_case columns (renamed per ``spec.rename``), PII columns removed
    and the types ``spec.column_type`` names; ``lines`` maps rows to file lines when the slow path
    ran (None otherwise).
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
    warnings: list[str] = []
    frame = lines = None
    used = None
    fast_ok = (
        is_path
        and not compressed
        and head_encoding in ("utf-8", "utf-8-sig")
        and (encoding is None or encoding.lower().replace("_", "-") in ("utf-8", "utf8"))
    )
    if fast_ok:
        try:
            frame = _fast(os.fspath(source), fields, keep, delimiter, spec)
            used = head_encoding
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, UnicodeDecodeError):
            frame = None
    if frame is None:
        loaded = loaded or load(source, encoding=encoding)
        frame, lines = _slow(loaded, fields, keep, delimiter, spec, warnings)
        used = loaded.encoding
    frame.columns = [spec.rename.get(s, s) for s in map(column_name, keep)]
    headers = dict(zip(frame.columns, keep, strict=True))
    return Table(name, frame, used, warnings, lines, headers)
