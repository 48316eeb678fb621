"""Hand the exports the parent process has read to the report's kernel, so a render reads once.

``oos-analysis report`` must read the exports before the notebook runs: inputs that cannot make
a report (no order export, an as-of day far from the data) are refused there in one paragraph.
The notebook then needs the same exports. Rather than read every file a second time in the
kernel, the parent writes what it read to one file and passes that file's path to the notebook
as the literal parameter ``handoff``; :func:`~oos_analysis.report.model.load_report` reads it
back instead of the files or the store.

The file is a pickle of the :class:`~oos_analysis.io.readers.Exports` (frames, dtypes and the
per-file notes exactly as read; buyer PII was dropped at read and is not in it). It lives in a
fresh folder made by :func:`tempfile.mkdtemp` (mode 0700), is created with mode 0600, and the
folder is removed when the render ends, whether it succeeded or failed. Because unpickling runs
code, :func:`read_handoff` only opens a file that this user owns and nobody else may read or
write, in a folder nobody else may enter; ``--param handoff=...`` is refused by the command.

A forked copy of the command also builds the report model from those exports while papermill
starts (:func:`~oos_analysis.report.model.handoff_report`) and leaves it, with the arguments it
was built with, in ``report.pickle`` in the same folder, under the same rules
(:func:`write_handoff_report`); ``report.coming`` names that copy's process and the arguments
it builds for, and :func:`read_handoff_report`, asked for the same arguments, waits for the
report while that process lives, and gives it back only for the same arguments.

An executed notebook keeps the parameter, but the file is gone after the run: running that
notebook again reads the files (or the store) named in its other parameters, as nbval does.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import shutil
import stat
import tempfile
import time
from pathlib import Path

from ..exceptions import ParameterError

__all__ = ["exports_handoff", "read_handoff", "write_handoff_report", "handoff_report_coming",
           "read_handoff_report"]

_NAME = "exports.pickle"
_REPORT = "report.pickle"
_COMING = "report.coming"


@contextlib.contextmanager
def exports_handoff(exports):
    """Write ``exports`` to a private file for the duration of the ``with`` block; yield its path.

    The folder and file are removed when the block ends, also on an exception.
    """
    folder = Path(tempfile.mkdtemp(prefix="oos-report-"))
    try:
        path = folder / _NAME
        _dump_private(path, exports)
        yield str(path)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def read_handoff(path: str | os.PathLike):
    """Return the exports :func:`exports_handoff` wrote, or None when the file no longer exists.

    Raises
    ------
    ParameterError
        The file is not private to this user (another user could have written it), or holds
        something other than exports.
    """
    from ..io.readers import Exports

    exports = _load_private(path)
    if exports is None:
        return None
    if not isinstance(exports, Exports):
        raise ParameterError(
            f"the report's handoff file {path} holds a {type(exports).__name__}, not the exports "
            "`oos-analysis report` writes there. Leave the handoff parameter empty."
        )
    return exports


def write_handoff_report(path: str | os.PathLike, arguments: dict, outcome) -> None:
    """Leave, next to the handoff file ``path``, the report the parent computed from its exports.

    ``arguments`` are those of :func:`~oos_analysis.report.model.load_report` it was computed
    with; ``outcome`` is what :func:`~oos_analysis.report.forked.run_captured` returned for it
    (the report, and what computing it wrote and warned). The file is private like the handoff.
    """
    _dump_private(Path(path).parent / _REPORT, (dict(arguments), outcome))


def handoff_report_coming(path: str | os.PathLike, pid: int, arguments: dict) -> None:
    """Say, next to the handoff file ``path``, that process ``pid`` is building the report for
    ``arguments``: :func:`read_handoff_report` asked for these waits for it while that process
    lives (asked for others, it does not wait). The file is private like the handoff."""
    _dump_private(Path(path).parent / _COMING, (int(pid), dict(arguments)))


def _dump_private(target: Path, value) -> None:
    """Pickle ``value`` to ``target``, private to this user (0600), whole or not at all: it is
    written as a draft beside it and renamed, so a reader never sees a part of it (a full disk
    leaves no ``target``, only the draft's removal to do)."""
    draft = target.with_name(f".{target.name}.{os.getpid()}")
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as stream:
            pickle.dump(value, stream, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(draft, target)
    except BaseException:
        draft.unlink(missing_ok=True)
        raise


def read_handoff_report(path: str | os.PathLike, arguments: dict, *, wait: float = 600.0):
    """The outcome :func:`write_handoff_report` left next to ``path`` for these ``arguments``, or
    None (no such file, or it was computed with other arguments). While the process named by
    :func:`handoff_report_coming` for these same arguments is alive and the file is not there
    yet, this waits for it, at most ``wait`` seconds (then the caller builds the report itself:
    slower, but the same); a builder of other arguments is not waited for.

    Raises
    ------
    ParameterError
        The file is not private to this user.
    """
    folder = Path(path).parent
    builder = _builder(folder / _COMING, dict(arguments))
    deadline = time.monotonic() + wait
    while (builder is not None and not (folder / _REPORT).exists() and _alive(builder)
           and time.monotonic() < deadline):
        time.sleep(0.005)
    entry = _load_private(folder / _REPORT)
    if not isinstance(entry, tuple) or len(entry) != 2 or entry[0] != dict(arguments):
        return None
    return entry[1]


def _builder(coming: Path, arguments: dict) -> int | None:
    """The process building the report for ``arguments``; None when there is none."""
    entry = _load_private(coming)
    if (isinstance(entry, tuple) and len(entry) == 2 and isinstance(entry[0], int)
            and entry[1] == arguments):
        return entry[0]
    return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError:  # gone, or a process of another user (not the builder): do not wait
        return False
    return True


def _load_private(path: str | os.PathLike):
    """Unpickle ``path`` if it is a regular file private to this user; None when it is gone."""
    path = Path(path)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except FileNotFoundError:
        return None
    with os.fdopen(fd, "rb") as stream:
        info, folder = os.fstat(stream.fileno()), path.parent.stat()
        uid = os.getuid() if hasattr(os, "getuid") else info.st_uid
        private = all(s.st_uid == uid and not s.st_mode & (stat.S_IRWXG | stat.S_IRWXO)
                      for s in (info, folder))
        if not (private and stat.S_ISREG(info.st_mode)):
            raise ParameterError(
                f"the report's handoff file {path} is not a regular file private to this user "
                "(owner only, mode 0600 in a 0700 folder), so it was not read. Leave the handoff "
                "parameter empty; `oos-analysis report` sets it itself."
            )
        return pickle.load(stream)
