"""The store survives what can happen to a writer: kill -9, a full disk, a second writer."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pandas as pd
import pytest

from oos_analysis.exceptions import InputFileError
from oos_analysis.store_lock import (
    StoreBusyError,
    StoreWriteError,
    current_version,
    publish,
    staging_dir,
    store_lock,
)


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` (but the lock) with its bytes: equal snapshots, equal stores."""
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name != ".lock"
    }


# --- the lock ---------------------------------------------------------------------------------
def test_second_writer_gives_up_and_names_the_first(tmp_path):
    with store_lock(tmp_path):
        with pytest.raises(StoreBusyError) as info:
            with store_lock(tmp_path):
                pass
    message = str(info.value)
    assert f"process {os.getpid()}" in message
    assert "--wait" in message and "Nothing was imported" in message


def test_waiting_writer_gets_the_lock_once_released(tmp_path):
    held = threading.Event()

    def hold():
        with store_lock(tmp_path):
            held.set()
            time.sleep(0.4)

    thread = threading.Thread(target=hold)
    thread.start()
    held.wait()
    started = time.monotonic()
    with store_lock(tmp_path, wait=10):
        waited = time.monotonic() - started
    thread.join()
    assert waited >= 0.2


def test_wait_is_bounded(tmp_path):
    with store_lock(tmp_path):
        started = time.monotonic()
        with pytest.raises(StoreBusyError, match="after waiting 0.3 s"):
            with store_lock(tmp_path, wait=0.3):
                pass
        assert time.monotonic() - started < 5


def test_lock_of_a_killed_process_is_free(tmp_path):
    code = f"from oos_analysis.store_lock import store_lock\nimport time\n" \
           f"with store_lock({str(tmp_path)!r}):\n    print('locked', flush=True)\n" \
           f"    time.sleep(60)\n"
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "locked"
        with pytest.raises(StoreBusyError, match=f"process {child.pid}"):
            with store_lock(tmp_path):
                pass
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    with store_lock(tmp_path):
        pass


# --- the switch -------------------------------------------------------------------------------
def _publish_text(root: Path, text: str) -> Path:
    with store_lock(root), staging_dir(root) as staged:
        (staged / "a.txt").write_text(text)
        return publish(root, staged)


def test_publish_switches_and_keeps_two_versions(tmp_path):
    assert current_version(tmp_path) is None
    for text in ["one", "two", "three"]:
        live = _publish_text(tmp_path, text)
        assert current_version(tmp_path) == live
        assert (live / "a.txt").read_text() == text
    assert sorted(p.name for p in tmp_path.glob("v*")) == ["v000002", "v000003"]


def test_failure_while_staging_leaves_store_unchanged(tmp_path):
    _publish_text(tmp_path, "one")
    before = snapshot(tmp_path)
    with store_lock(tmp_path):
        with pytest.raises(StoreWriteError, match="the disk is full") as info:
            with staging_dir(tmp_path) as staged:
                (staged / "a.txt").write_text("half")
                raise OSError(errno.ENOSPC, "No space left on device")
    assert "left exactly as it was" in str(info.value)
    assert snapshot(tmp_path) == before
    assert not list(tmp_path.glob(".tmp-*"))


def test_leftovers_of_killed_writers_are_collected(tmp_path):
    _publish_text(tmp_path, "one")
    (tmp_path / ".tmp-deadbeef").mkdir()
    (tmp_path / "v000007").mkdir()  # renamed but never switched to
    live = _publish_text(tmp_path, "two")
    assert live.name == "v000008"
    assert not (tmp_path / ".tmp-deadbeef").exists()
    assert not (tmp_path / "v000007").exists()
    assert (tmp_path / "v000001").exists()


def test_damaged_pointer_is_reported(tmp_path):
    (tmp_path / "CURRENT").write_text("v000009\n")
    with pytest.raises(InputFileError, match="not a version folder"):
        current_version(tmp_path)
