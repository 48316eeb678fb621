"""Errors and warnings raised by oos_analysis.

Every error the kit raises on purpose derives from :class:`OOSAnalysisError`, so a caller (the
command line, a notebook, a scheduled job) can catch one class and show its message. Messages are
written for the person holding the file: one paragraph saying which file, which line and column
where that is known, what was found, what was expected, and what to do next. A value quoted in a
:class:`ReportFormatError` has anything that looks like an e-mail address, phone number or street
address masked and is cut to a sane length (:mod:`oos_analysis.redact`).

The concrete classes also derive from the matching built-in (``ValueError``, ``FileNotFoundError``)
so that code written against the built-ins keeps working.
"""

from __future__ import annotations

import re
from pathlib import Path

from .redact import QUOTE_CAP, mask

__all__ = [
    "OOSAnalysisError",
    "InputFileError",
    "ReportFormatError",
    "UnknownReportError",
    "ParameterError",
    "DataQualityWarning",
    "MissingOrderIdWarning",
]


class OOSAnalysisError(Exception):
    """Base class for every error oos_analysis raises on purpose."""


class InputFileError(OOSAnalysisError, FileNotFoundError):
    """A file could not be opened or read at all (missing, a folder, no permission)."""


class ReportFormatError(OOSAnalysisError, ValueError):
    """A file was read but its content cannot be turned into the canonical frame.

    Parameters
    ----------
    message : str
        The explanation: what was found, what was expected, what to do.
    source : str or Path, optional
        The file (or a description such as ``"<buffer>"``) the problem is in.
    line : int, optional
        1-based line number in the file, counting the header as line 1.
    column : str, optional
        The column (as spelled in the file) the problem is in.
    """

    def __init__(
        self,
        message: str,
        *,
        source: str | Path | None = None,
        line: int | None = None,
        column: str | None = None,
    ) -> None:
        self.source = None if source is None else str(source)
        self.line = line
        self.column = column
        self.reason = message
        super().__init__(self._compose())

    def _compose(self) -> str:
        where = []
        if self.source:
            where.append(self.source)
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.column:
            where.append(f"column '{self.column}'")
        prefix = ", ".join(where)
        reason = _guarded(self.reason)
        return f"{prefix}: {reason}" if prefix else reason


_LONG_QUOTE = re.compile(r"(?<!\w)'([^'\n]{%d,})'(?!\w)" % (QUOTE_CAP + 1))


def _guarded(reason: str) -> str:
    """The reason with buyer-looking data masked and long quoted values cut (see redact)."""
    reason = mask(reason)
    return _LONG_QUOTE.sub(lambda m: f"'{m.group(1)[:QUOTE_CAP]}...' "
                                      f"({len(m.group(1)):,} characters)", reason)


class UnknownReportError(ReportFormatError):
    """The file is not any of the exports the kit reads (or not a report at all)."""


class ParameterError(OOSAnalysisError, ValueError):
    """An argument given to the kit (a date, a rate, a marketplace) is not usable."""


class DataQualityWarning(UserWarning):
    """The data was read, but something in it deserves a look (duplicates, gaps, padding)."""


class MissingOrderIdWarning(DataQualityWarning):
    """All Orders rows without an order id were left out of the metric (the message counts them).

    Its own class, so that code that knows the count better (a windowed read of the store, which
    counts the blank ids of every month from the files' statistics) can silence it by category.
    """
