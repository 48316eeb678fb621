"""The SHA-256 of an export file, by which the store knows it; hashed ahead in a thread.

An import hashes every file before it reads one, so that a file already in the store is skipped
unread. The command line starts the hashing (:func:`start`) before it imports pandas and the
store, so on two cores the two overlap: a million-row export takes about 0.3 s to hash, about as
long as those imports. :func:`ahead` hands a digest over only if the file is still the one that
was hashed (same path, size, modification time and inode); otherwise, and for anything that is
not a regular file (a FIFO must not be read twice), the importer hashes it itself.

This module imports only the standard library.
"""

from __future__ import annotations

import hashlib
import os
import stat
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

__all__ = ["ahead", "file_digest", "file_sha256", "start"]

_AHEAD: dict[tuple, Future] = {}


def file_sha256(path: Path) -> str:
    """The SHA-256 of the bytes of ``path``, in hex; OSError as ``open`` and ``read`` raise it."""
    return file_digest(path)[1]


def file_digest(path: Path) -> tuple[int, str]:
    """The size in bytes and the hex SHA-256 of the file at ``path``, read once."""
    digest, size = hashlib.sha256(), 0
    with Path(path).open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)  # releases the GIL: the other core keeps importing meanwhile
            size += len(chunk)
    return size, digest.hexdigest()


def _identity(path: Path) -> tuple | None:
    try:
        info = os.stat(path)
    except (OSError, ValueError):
        return None
    if not stat.S_ISREG(info.st_mode):
        return None
    return (os.path.abspath(path), info.st_size, info.st_mtime_ns, info.st_ino, info.st_dev)


def _hash(path: Path, identity: tuple) -> str | None:
    sha = file_sha256(path)
    return sha if _identity(path) == identity else None  # changed while it was read


def start(paths) -> None:
    """Begin hashing the regular files among ``paths`` in a background thread, in order."""
    pool = None
    for path in paths:
        identity = _identity(Path(path))
        if identity is None or identity in _AHEAD:
            continue
        pool = pool or ThreadPoolExecutor(1, thread_name_prefix="sha256")
        _AHEAD[identity] = pool.submit(_hash, Path(path), identity)
    if pool is not None:
        pool.shutdown(wait=False)


def ahead(path: Path) -> str | None:
    """The digest :func:`start` computed for ``path`` if it is still that file, else None.

    Waits for the digest if it is still being computed; each digest is handed over once.
    """
    identity = _identity(Path(path))
    future = _AHEAD.pop(identity, None) if identity is not None else None
    if future is None:
        return None
    try:
        sha = future.result()
    except OSError:
        return None  # the importer hashes it again and says what is wrong
    return sha if _identity(Path(path)) == identity else None
