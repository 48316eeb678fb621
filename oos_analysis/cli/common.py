"""Pieces every subcommand shares: input files, dates, time zones and output formats.

A subcommand declares its inputs with :func:`add_input_arguments` (positional ``FILE...`` plus
``--encoding``), reads them with :func:`load_exports`, parses options with :func:`parse_date` and
:func:`parse_tz`, and prints its frame with :func:`write_frame` in ``table``, ``csv`` or ``json``.
Every problem becomes a :class:`~oos_analysis.exceptions.ParameterError` (one paragraph), which
:func:`oos_analysis.cli.main` prints as ``error: ...`` with exit status 1.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import sys

from ..exceptions import ParameterError
from .arguments import FORMATS, add_format_argument, add_input_arguments, add_pending_argument

__all__ = [
    "FORMATS",
    "add_input_arguments",
    "add_format_argument",
    "load_exports",
    "parse_date",
    "parse_day",
    "parse_tz",
    "format_dates",
    "jsonable",
    "write_frame",
    "write_json",
    "neutralise_formulas",
    "add_pending_argument",
    "coverage_gaps",
    "asof_notes",
    "STALE_DAYS",
]

STALE_DAYS = 2
"""Data whose last purchase day is more than this many days before today is called old."""

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def load_exports(args, *, columns=None, compact: bool = False):
    """Read ``args.files`` with :func:`~oos_analysis.read_exports`, or the store named by ``--store``.

    Error when neither (or both) is given. ``columns`` (kind -> column names) limits what is read
    of the big kinds to those columns, from a store (see :func:`oos_analysis.store.load`) or
    from files (see :func:`~oos_analysis.io.readers.read_exports`); ``compact`` reads the
    few-valued text ones of a store as Categorical (``store.load(compact=True)``).
    """
    files = list(getattr(args, "files", None) or [])
    if getattr(args, "store", None):
        if files:
            raise ParameterError(
                f"give either export files or --store {args.store}, not both: the store already "
                "holds what was imported. Import the new files first (oos-analysis import FILE... "
                f"--store {args.store}), then run the command with --store alone."
            )
        from ..store.loader import load

        return load(args.store, columns=columns, compact=compact)
    if not files:
        command = getattr(args, "command", None) or "COMMAND"
        raise ParameterError(
            "no export file given. Pass one or more Seller Central exports (their types are "
            f"detected), for example: oos-analysis {command} data/sample/us/*"
        )
    from ..io.readers import read_exports

    return read_exports(files, encoding=getattr(args, "encoding", None), columns=columns)


def parse_date(text, *, name: str) -> pd.Timestamp:
    """Parse ``YYYY-MM-DD`` into a naive midnight :class:`pandas.Timestamp`.

    Examples
    --------
    >>> parse_date("2026-03-09", name="--asof")
    Timestamp('2026-03-09 00:00:00')
    >>> parse_date("9/3/2026", name="--asof")
    Traceback (most recent call last):
    ...
    oos_analysis.exceptions.ParameterError: --asof expects YYYY-MM-DD, got '9/3/2026'; e.g. 2026-03-09.
    """
    import pandas as pd

    return pd.Timestamp(parse_day(text, name=name))


def parse_day(text, *, name: str) -> dt.date:
    """Parse ``YYYY-MM-DD`` into a :class:`datetime.date`, as :func:`parse_date` without pandas.

    Examples
    --------
    >>> parse_day(" 2026-03-09", name="--start")
    datetime.date(2026, 3, 9)
    >>> parse_day("2026-02-30", name="--start")
    Traceback (most recent call last):
    ...
    oos_analysis.exceptions.ParameterError: --start expects YYYY-MM-DD, got '2026-02-30'; e.g. 2026-03-09.
    """
    value = str(text).strip()
    if _DATE.fullmatch(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise ParameterError(f"{name} expects YYYY-MM-DD, got {text!r}; e.g. 2026-03-09.")


def parse_tz(text, *, name: str = "--tz") -> str:
    """Return ``text`` if it names an IANA time zone, else a :class:`ParameterError` for ``name``."""
    from ..metric.window import check_tz

    try:
        return check_tz(text)
    except ParameterError as exc:
        raise ParameterError(f"{name}: {exc}") from None


def format_dates(frame: pd.DataFrame) -> pd.DataFrame:
    """Return a copy with datetime columns as text: day labels ``YYYY-MM-DD``, instants ISO UTC.

    A naive column whose values are all midnights is a day label; anything else is written as
    ``YYYY-MM-DDTHH:MM:SSZ`` in UTC. Missing values stay missing.
    """
    import pandas as pd

    out = frame.copy()
    for name in out.columns:
        col = out[name]
        if isinstance(col.dtype, pd.DatetimeTZDtype):
            text = col.dt.tz_convert("UTC").dt.strftime("%Y-%m-%dT%H:%M:%SZ")
        elif pd.api.types.is_datetime64_dtype(col.dtype):
            present = col.dropna()
            fmt = "%Y-%m-%d" if (present == present.dt.normalize()).all() else "%Y-%m-%dT%H:%M:%S"
            text = col.dt.strftime(fmt)
        else:
            continue
        out[name] = text.astype(object).where(col.notna(), None)
    return out


def jsonable(value):
    """Turn a cell (or nested list/dict of cells) into plain JSON values; NaN and NA become None.

    A value can be a numpy or pandas object only once that library is loaded, so neither is
    imported here (a command that never loaded pandas does not pay for it to write JSON).
    """
    np = sys.modules.get("numpy")
    pd = sys.modules.get("pandas")
    arrays = (list, tuple) if np is None else (list, tuple, np.ndarray)
    bools = (bool,) if np is None else (np.bool_, bool)
    ints = (int,) if np is None else (np.integer, int)
    floats = (float,) if np is None else (np.floating, float)

    def plain(value):
        if isinstance(value, dict):
            return {str(k): plain(v) for k, v in value.items()}
        if isinstance(value, arrays):
            return [plain(v) for v in value]
        if value is None or pd is not None and (value is pd.NA or value is pd.NaT):
            return None
        if pd is not None and isinstance(value, pd.Timestamp):
            if value.tzinfo is not None:
                return value.tz_convert("UTC").strftime("%Y-%m-%dT%H:%M:%SZ")
            return value.strftime("%Y-%m-%d" if value == value.normalize()
                                  else "%Y-%m-%dT%H:%M:%S")
        if isinstance(value, (dt.date, dt.datetime)):
            return value.isoformat()
        if isinstance(value, bools):
            return bool(value)
        if isinstance(value, ints):
            return int(value)
        if isinstance(value, floats):
            return None if math.isnan(value) else float(value)
        return value if isinstance(value, str) else str(value)

    return plain(value)


def write_json(data, *, file=None) -> None:
    """Write ``data`` (already :func:`jsonable` or convertible) as indented JSON."""
    file = sys.stdout if file is None else file
    # one write of the whole text: json.dump writes each of its thousands of pieces in turn
    file.write(json.dumps(jsonable(data), indent=2, ensure_ascii=False) + "\n")


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells cannot run as spreadsheet formulas (CSV injection).

    As OWASP describes: a text cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
    return gets a leading single quote, so a spreadsheet shows it as text. Number columns, and
    text that is a plain number (``-12.50``), are left as they are. The input is not changed.

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"sku": ["=1+2", "@SUM(A1)", "-12.50", "A-1"], "loss": [-1.5, 2.0, 0, 3]})
    >>> write_frame(f, "csv")
    sku,loss
    '=1+2,-1.5
    '@SUM(A1),2.0
    -12.50,0.0
    A-1,3.0
    """
    import pandas as pd
    changed = {}
    for column in frame.columns:
        values = frame[column]
        if pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values) \
                or isinstance(values.dtype, pd.DatetimeTZDtype):
            continue

        def guard(value):
            if isinstance(value, str) and value.startswith(_FORMULA_START) \
                    and not _PLAIN_NUMBER.match(value):
                return "'" + value
            return value

        guarded = values.map(guard)
        if not guarded.equals(values):
            changed[column] = guarded
    return frame.assign(**changed) if changed else frame


def write_frame(frame: pd.DataFrame, fmt: str, *, file=None) -> None:
    """Write ``frame`` as ``table`` (for people), ``csv`` or ``json`` (a list of records).

    Dates are ISO (:func:`format_dates`); in CSV missing values are empty cells, floats keep full
    precision and text that a spreadsheet would run as a formula is neutralised
    (:func:`neutralise_formulas`); in JSON missing values are ``null``.

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"date": pd.to_datetime(["2026-03-09"]), "rate": [float("nan")]})
    >>> write_frame(f, "csv")
    date,rate
    2026-03-09,
    >>> write_frame(pd.DataFrame({"n": pd.array([None, 2], dtype="Int64"), "x": ["a", "b"]}), "table")
    n x
      a
    2 b
    >>> write_frame(f, "json")
    [
      {
        "date": "2026-03-09",
        "rate": null
      }
    ]
    """
    file = sys.stdout if file is None else file
    if fmt not in FORMATS:
        raise ParameterError(f"unknown output format {fmt!r}; expected one of {', '.join(FORMATS)}.")
    shown = format_dates(frame)
    if fmt == "csv":
        neutralise_formulas(shown).to_csv(file, index=False, lineterminator="\n")
    elif fmt == "json":
        write_json(shown.to_dict(orient="records"), file=file)
    elif shown.empty:
        file.write("(nothing to show)\n")
    else:
        # object first: fillna("") is refused by nullable integer, float and boolean columns.
        blank = shown.astype(object).where(shown.notna(), "")
        file.write(blank.to_string(index=False) + "\n")


def coverage_gaps(args, exports) -> pd.DataFrame:
    """The days no All Orders export covers: from the store's manifest, or between the files."""
    if getattr(args, "store", None):
        from ..store.spans import gap_days

        return gap_days(args.store, kind="all_orders")
    from ..store.spans import export_gap_days

    return export_gap_days(exports.files)


def asof_notes(orders, *, asof=None, tz: str = "UTC", today=None, extent=None) -> list[str]:
    """Sentences saying which as-of day a command uses, whether it is complete, and data age.

    Every command defaults its as-of day to the data's last purchase day (in ``tz``); it is
    complete only when the data shows an update after that day ended
    (:func:`~oos_analysis.metric.rate.data_end`). When that day is more than :data:`STALE_DAYS`
    days before ``today`` (default: the clock's UTC day), a sentence says how old the data is.
    ``extent`` (:func:`~oos_analysis.metric.rate.data_extent` of every order) stands for the
    data's end when ``orders`` holds only some of them.

    Examples
    --------
    >>> import pandas as pd
    >>> o = pd.DataFrame({"purchase_date": pd.to_datetime(["2026-03-09T10:00Z"], utc=True),
    ...     "last_updated_date": pd.to_datetime(["2026-03-10T01:00Z"], utc=True)})
    >>> for line in asof_notes(o, today=dt.date(2026, 3, 20)): print(line)
    As of 2026-03-09, the data's last purchase day (UTC), complete.
    The data ends 11 days before today (2026-03-20): download a newer All Orders report for a current figure.
    """
    import pandas as pd

    from ..metric.rate import data_end, day_label

    end, whole = data_end(orders, tz, extent=extent)
    if end is None:
        return []
    last = day_label(end).date()
    notes = []
    if asof is None:
        state = "complete" if whole else (
            "partial: no order in the data was updated after it ended, so the export may have "
            "been made during that day")
        notes.append(f"As of {last}, the data's last purchase day ({tz}), {state}.")
    else:
        chosen = pd.Timestamp(asof).date()
        if chosen > last:
            notes.append(f"As of {chosen}, after the data's last purchase day {last}: the days "
                         "after it are unknown, not empty.")
        elif chosen == last and not whole:
            notes.append(f"As of {chosen}, the data's last purchase day, which may be partial.")
    today = today or dt.datetime.now(dt.UTC).date()
    age = (today - last).days
    if age > STALE_DAYS:
        notes.append(f"The data ends {age} days before today ({today}): download a newer All "
                     "Orders report for a current figure.")
    return notes
