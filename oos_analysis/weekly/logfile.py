"""The weekly run's log: a rotated file in the store, secrets blanked out, progress on request.

Everything a run has to say goes to ``<store>/logs/weekly.log`` (rotated at 1 MB, five old files
kept), so cron mails nothing but the report's path. Only the kit's own ``oos_analysis`` logger
writes there: the HTTP libraries' loggers would write request addresses, and a report document's
pre-signed address carries a signature. Every record passes :class:`Redact`, which replaces any
credential or alert URL it contains with ``***``.
"""

from __future__ import annotations

import contextlib
import logging
import logging.handlers
import sys
import warnings
from pathlib import Path

__all__ = ["Redact", "run_log", "LOG_NAME"]

LOG_NAME = "weekly.log"
_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class Redact(logging.Filter):
    """Replace each secret in a record's message with ``***`` (secrets of 4+ characters)."""

    def __init__(self, secrets) -> None:
        super().__init__()
        self.secrets = sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True)

    def scrub(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "***")
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = self.scrub(message)
        if clean != message or record.args:
            record.msg, record.args = clean, None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = self.scrub(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


class _ToLog:
    """A text stream that sends each line to the log (for stray prints of libraries)."""

    def __init__(self, logger: logging.Logger, level: int) -> None:
        self.logger, self.level, self._buffer = logger, level, ""

    def write(self, text: str) -> int:
        self._buffer += text
        *lines, self._buffer = self._buffer.split("\n")
        for line in lines:
            if line.strip():
                self.logger.log(self.level, "%s", line)
        return len(text)

    def flush(self) -> None:
        if self._buffer.strip():
            self.logger.log(self.level, "%s", self._buffer)
        self._buffer = ""

    def isatty(self) -> bool:
        return False


@contextlib.contextmanager
def run_log(folder: Path, *, secrets=(), verbose: bool = False, stderr=None):
    """Route the kit's log, warnings and stray output to ``folder/weekly.log`` while inside.

    With ``verbose`` the same lines also go to ``stderr`` (the real one by default).
    """
    stderr = stderr or sys.stderr
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    redact = Redact(secrets)
    handler = logging.handlers.RotatingFileHandler(
        folder / LOG_NAME, maxBytes=1_000_000, backupCount=5, encoding="utf-8")
    handler.setFormatter(logging.Formatter(_FORMAT))
    handler.addFilter(redact)
    handlers = [handler]
    if verbose:
        shown = logging.StreamHandler(stderr)
        shown.setFormatter(logging.Formatter("%(message)s"))
        shown.addFilter(redact)
        handlers.append(shown)
    logger = logging.getLogger("oos_analysis")
    old_level, old_propagate = logger.level, logger.propagate
    logger.setLevel(logging.INFO)
    logger.propagate = False
    for h in handlers:
        logger.addHandler(h)
    stray = logging.getLogger("oos_analysis.output")

    def to_log(message, category, filename, lineno, file=None, line=None):  # noqa: ARG001
        logger.warning("%s: %s", category.__name__, message)

    try:
        with warnings.catch_warnings(), \
                contextlib.redirect_stdout(_ToLog(stray, logging.INFO)), \
                contextlib.redirect_stderr(_ToLog(stray, logging.WARNING)):
            warnings.simplefilter("default")
            warnings.showwarning = to_log
            yield logger
    finally:
        for h in handlers:
            logger.removeHandler(h)
            h.close()
        logger.setLevel(old_level)
        logger.propagate = old_propagate
