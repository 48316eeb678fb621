"""The versions of the history store: one writer at a time, a switch that is all or nothing.

A store directory looks like this::

    data/store/
        CURRENT            one line naming the live version, e.g. "v000012"
        v000012/           the live version: manifest.json, Parquet files (see oos_analysis.store)
        v000011/           the previous version, kept so a reader that has just opened it can finish
        .lock              flock()ed by the process that writes; holds its pid and start time

A writer takes the lock, builds the next version in a hidden ``.tmp-<uuid>`` folder next to the
others, flushes it to disk, renames it to ``vNNNNNN`` and only then replaces ``CURRENT`` with
:func:`os.replace`. Readers follow ``CURRENT`` and nothing else, so a writer killed at any point
(``kill -9``, power cut, full disk) leaves ``CURRENT`` naming the old, complete version; the half
written folder is removed by the next writer. The lock is a kernel ``flock``, so it disappears with
the process that held it and can never go stale. Files a new version shares with the previous one
are hard links, so dropping the previous version never takes them away.

Each version holds a ``manifest.json`` (:func:`read_manifest`) naming its format: this version of
the kit writes format 2 and reads formats 1 and 2.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import re
import shutil
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from ..exceptions import InputFileError, OOSAnalysisError

__all__ = [
    "StoreBusyError",
    "StoreWriteError",
    "store_lock",
    "current_version",
    "staging_dir",
    "publish",
    "pause_point",
    "read_manifest",
    "live_version",
    "DEFAULT_STORE",
    "STORE_FORMAT",
]

DEFAULT_STORE = Path("data/store")
"""Where the store lives when no ``--store`` is given (relative to the working directory)."""

STORE_FORMAT = 2
"""The layout written; format 1 (one Parquet file per kind) is still read."""
READABLE_FORMATS = (1, 2)
MANIFEST = "manifest.json"

_VERSION = re.compile(r"^v(\d{6,})$")
_POINTER = "CURRENT"
_LOCK = ".lock"


class StoreBusyError(OOSAnalysisError, TimeoutError):
    """Another process holds the store's lock and did not release it in time."""


class StoreWriteError(OOSAnalysisError, OSError):
    """The new version of the store could not be written (disk full, no permission)."""


def _describe_holder(lock_path: Path) -> str:
    try:
        text = lock_path.read_text(encoding="utf-8").strip()
    except OSError:
        text = ""
    pid, _, started = text.partition(" ")
    if not pid.isdigit():
        return "another process"
    return f"process {pid}" + (f" (running since {started})" if started else "")


@contextlib.contextmanager
def store_lock(store: str | os.PathLike, *, wait: float = 0.0) -> Iterator[Path]:
    """Hold the store's write lock for the duration of a ``with`` block.

    Parameters
    ----------
    store : str or Path
        The store directory; created if missing.
    wait : float, default 0
        Seconds to wait for another writer to finish before giving up.

    Yields
    ------
    Path
        The store directory.

    Raises
    ------
    StoreBusyError
        If another process still holds the lock after ``wait`` seconds. The message names it.
    """
    root = Path(store)
    try:
        root.mkdir(parents=True, exist_ok=True)
        fd = os.open(root / _LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise InputFileError(
            f"{root}: cannot create or open the store folder ({exc.strerror}). Check the path "
            "given with --store and that you may write there."
        ) from exc
    try:
        deadline = time.monotonic() + max(wait, 0.0)
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holder = _describe_holder(root / _LOCK)
                    waited = f"after waiting {wait:g} s" if wait > 0 else "without waiting"
                    raise StoreBusyError(
                        f"{root}: the store is being written by {holder}; gave up {waited}. "
                        "Nothing was imported. Run the import again when that process has "
                        "finished, or pass --wait SECONDS to wait for it."
                    ) from None
                time.sleep(0.05)
        stamp = datetime.now(UTC).isoformat(timespec="seconds")
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()} {stamp}\n".encode(), 0)
        yield root
    finally:
        os.close(fd)  # also releases the flock


def current_version(store: str | os.PathLike) -> Path | None:
    """Return the live version folder of ``store``, or ``None`` for a store never written to.

    Raises
    ------
    InputFileError
        If ``CURRENT`` names a folder that does not exist (the store was damaged by hand).
    """
    root = Path(store)
    try:
        name = (root / _POINTER).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise InputFileError(f"{root / _POINTER}: cannot read it ({exc.strerror}).") from exc
    folder = root / name
    if not _VERSION.match(name) or not folder.is_dir():
        raise InputFileError(
            f"{root / _POINTER}: names '{name}', which is not a version folder of this store. "
            "The store was changed by hand; restore the folder from a backup or re-import your "
            "exports into a new --store."
        )
    return folder


def read_manifest(version: Path | None) -> dict:
    """Read ``manifest.json`` of a version folder (an empty book for ``None``).

    Raises
    ------
    InputFileError
        If it is missing or unreadable, or of a format this version cannot read.
    """
    if version is None:
        return {"format": STORE_FORMAT, "files": []}
    path = version / MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputFileError(
            f"{path}: the store's manifest is missing or unreadable ({exc}). The store was "
            "changed by hand; re-import your exports into a new --store."
        ) from exc
    if data.get("format") not in READABLE_FORMATS:
        raise InputFileError(
            f"{path}: store format {data.get('format')!r}, this version of oos_analysis reads "
            f"formats {', '.join(map(str, READABLE_FORMATS))}. Upgrade oos_analysis or re-import "
            "into a new --store."
        )
    return data


def live_version(store: str | os.PathLike) -> Path:
    """Like :func:`current_version`, but a store never written to is an error saying what to do."""
    version = current_version(store)
    if version is None:
        raise InputFileError(
            f"{store}: no history store here (no CURRENT file). Import exports first with "
            f"`oos-analysis import FILE... --store {store}`, or check the --store path."
        )
    return version


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_error(root: Path, exc: OSError) -> StoreWriteError:
    reason = "the disk is full" if exc.errno == errno.ENOSPC else (exc.strerror or str(exc))
    return StoreWriteError(
        f"{root}: could not write the new version of the store ({reason}). The store was left "
        "exactly as it was and nothing was imported; fix the cause and run the import again."
    )


@contextlib.contextmanager
def staging_dir(store: str | os.PathLike) -> Iterator[Path]:
    """Give a fresh hidden folder inside ``store`` to build the next version in.

    The folder is removed when the block exits with an error. Turn ``OSError`` raised inside the
    block (disk full, permission) into :class:`StoreWriteError`. Call only while holding
    :func:`store_lock`.
    """
    root = Path(store)
    tmp = root / f".tmp-{uuid.uuid4().hex}"
    try:
        tmp.mkdir()
        yield tmp
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise _write_error(root, exc) from exc
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def pause_point(name: str) -> None:
    """Sleep forever at the named point if the test environment asks for it (kill tests only)."""
    # Lets the kill test stop a real import at a known point; unset in normal use.
    if os.environ.get("OOS_ANALYSIS_TEST_PAUSE") == name:
        (Path(os.environ["OOS_ANALYSIS_TEST_PAUSE_FLAG"])).write_text(str(os.getpid()))
        time.sleep(3600)


def publish(store: str | os.PathLike, staged: Path) -> Path:
    """Make the staged folder the live version of ``store``; return its final path.

    Flushes every file and folder of ``staged`` to disk, renames it to the next ``vNNNNNN`` and
    atomically replaces ``CURRENT``. Afterwards removes everything but the new and the previous live
    version (leftovers of interrupted writers included). Call only while holding
    :func:`store_lock`.
    """
    root = Path(store)
    previous = current_version(root)
    final = None
    try:
        for folder, _, names in os.walk(staged, topdown=False):
            for name in names:
                with open(os.path.join(folder, name), "rb") as fh:
                    os.fsync(fh.fileno())
            _fsync_dir(Path(folder))
        numbers = [int(m.group(1)) for p in root.iterdir() if (m := _VERSION.match(p.name))]
        final = root / f"v{max(numbers, default=0) + 1:06d}"
        pause_point("before_rename")
        os.rename(staged, final)
        _fsync_dir(root)
        pause_point("before_switch")
        pointer_tmp = root / f".{_POINTER}.{uuid.uuid4().hex}"
        with pointer_tmp.open("w", encoding="utf-8") as fh:
            fh.write(final.name + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(pointer_tmp, root / _POINTER)
        _fsync_dir(root)
    except OSError as exc:
        shutil.rmtree(staged, ignore_errors=True)
        if final is not None and current_version(root) != final:
            shutil.rmtree(final, ignore_errors=True)
        raise _write_error(root, exc) from exc
    keep = {final.name} | ({previous.name} if previous else set())
    for path in root.iterdir():
        stale_version = _VERSION.match(path.name) and path.name not in keep
        if stale_version or path.name.startswith((".tmp-", f".{_POINTER}.")):
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
    return final
