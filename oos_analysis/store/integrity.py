"""Checksums of the store's files: each file's size and SHA-256, recorded when it is written.

An import records, in the new version's ``manifest.json`` under ``checksums``, the size in bytes
and the SHA-256 of every Parquet file of that version (files shared with the previous version keep
the figures recorded when they were written). Reading a whole file checks both; reading some of
its columns checks the size. ``oos-analysis store verify`` checks every file. A file that does not
match is reported as damaged, with what to do, instead of a Parquet error or a wrong row count.
Stores written before checksums were recorded are read as they are; ``verify`` says which files
it could not check.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
from pathlib import Path


from ..exceptions import InputFileError
from .fingerprint import file_digest
from .lock import MANIFEST, live_version, read_manifest
from ..lazy import lazy_module

pd = lazy_module("pandas")  # imported on first use: an import reads the export meanwhile

__all__ = ["digest", "record", "expected", "verified_bytes", "check_size", "damaged", "verify",
           "require_intact"]

_VERSION = re.compile(r"^v\d{6,}$")


def digest(path: Path) -> dict:
    """``{"bytes": size, "sha256": hex}`` of the file at ``path``."""
    size, sha = file_digest(path)
    return {"bytes": size, "sha256": sha}


def record(staged: Path, previous: Path | None, book: dict) -> dict[str, dict]:
    """Checksums of every Parquet file under ``staged`` (relative POSIX path -> figures).

    A file that is a hard link of the previous version's file of the same name keeps the figures
    recorded for it; every other file is hashed.
    """
    known = book.get("checksums", {})
    sums = {}
    for path in sorted(staged.rglob("*.parquet")):
        name = path.relative_to(staged).as_posix()
        old = previous / name if previous is not None else None
        if name in known and old is not None and old.exists() and os.path.samefile(path, old):
            sums[name] = known[name]
        else:
            sums[name] = digest(path)
    return sums


def _version_of(path: Path) -> Path | None:
    for parent in path.parents:
        if _VERSION.match(parent.name):
            return parent
    return None


@functools.lru_cache(maxsize=64)
def _sums(version: str, stamp: tuple) -> dict:  # noqa: ARG001 - stamp invalidates the cache
    try:
        return json.loads((Path(version) / MANIFEST).read_text(encoding="utf-8")).get(
            "checksums", {})
    except (OSError, ValueError):
        return {}


def expected(path: Path) -> dict | None:
    """The recorded figures of a store file, or None (not in a version, or no checksums)."""
    version = _version_of(Path(path))
    if version is None:
        return None
    try:
        info = os.stat(version / MANIFEST)
    except OSError:
        return None
    sums = _sums(str(version), (info.st_ino, info.st_mtime_ns, info.st_size))
    return sums.get(Path(path).relative_to(version).as_posix())


def damaged(path: Path, found: str) -> InputFileError:
    """The one error every read of a damaged store file raises."""
    version = _version_of(Path(path))
    root = version.parent if version is not None else Path(path).parent
    return InputFileError(
        f"{path}: this file of the store is damaged ({found}). The store was changed by hand or "
        f"its disk failed. Run `oos-analysis store verify --store {root}` to list every damaged "
        "file, then restore the store folder from a backup, or re-import your exports into a new "
        "--store."
    )


def check_size(path: Path, figures: dict) -> None:
    """Raise :func:`damaged` if the file's size is not the recorded one."""
    size = os.stat(path).st_size
    if size != figures["bytes"]:
        raise damaged(path, f"it holds {size} bytes, {figures['bytes']} were written")


def verified_bytes(path: Path, figures: dict) -> bytes:
    """The file's bytes, after checking its size and SHA-256 against the recorded figures."""
    data = Path(path).read_bytes()
    if len(data) != figures["bytes"]:
        raise damaged(path, f"it holds {len(data)} bytes, {figures['bytes']} were written")
    if hashlib.sha256(data).hexdigest() != figures["sha256"]:
        raise damaged(path, "its content differs from what was written (SHA-256 mismatch)")
    return data


def _listed(version: Path, book: dict) -> list[str]:
    """Every Parquet file the manifest says the version holds."""
    names = [f"{kind}/{e['file']}" for kind, entries in book.get("parts", {}).items()
             for e in entries]
    for kind in book.get("rows", {}):
        if (version / f"{kind}.parquet").exists() or f"{kind}.parquet" in book.get("checksums", {}):
            names.append(f"{kind}.parquet")
    return sorted(set(names) | set(book.get("checksums", {})))


def verify(store: str | os.PathLike) -> pd.DataFrame:
    """Check every file of the live version of ``store`` against its recorded size and SHA-256.

    Returns
    -------
    DataFrame
        One row per file: ``file`` (path inside the version), ``bytes`` (found), ``status``
        (``"ok"``, ``"missing"``, ``"wrong size"``, ``"altered"`` or ``"not checked"`` for files
        written before checksums were recorded).
    """
    version = live_version(store)
    book = read_manifest(version)
    sums = book.get("checksums", {})
    rows = []
    for name in _listed(version, book):
        path = version / name
        if not path.exists():
            rows.append((name, 0, "missing"))
            continue
        found = digest(path) if name in sums else {"bytes": path.stat().st_size}
        if name not in sums:
            status = "not checked"
        elif found["bytes"] != sums[name]["bytes"]:
            status = "wrong size"
        elif found["sha256"] != sums[name]["sha256"]:
            status = "altered"
        else:
            status = "ok"
        rows.append((name, found["bytes"], status))
    frame = pd.DataFrame(rows, columns=["file", "bytes", "status"])
    return frame.astype({"file": "str", "bytes": "int64", "status": "str"})


def require_intact(store: str | os.PathLike) -> pd.DataFrame:
    """:func:`verify`, raising one paragraph naming every damaged file and what to do."""
    checked = verify(store)
    bad = checked[checked["status"].isin(["missing", "wrong size", "altered"])]
    if len(bad):
        version = live_version(store)
        listed = "; ".join(f"{version / r.file} ({r.status})" for r in bad.itertuples())
        raise InputFileError(
            f"{store}: {len(bad)} file(s) of the store are damaged: {listed}. The store was changed "
            "by hand or its disk failed; commands reading these months would be wrong. Restore the "
            "store folder from a backup, or re-import your exports into a new --store (for "
            f"example `oos-analysis import FILE... --store {Path(store)}-new`)."
        )
    return checked
