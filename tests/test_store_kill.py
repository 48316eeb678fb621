"""The store survives what can happen to a writer: kill -9, a full disk, a second writer."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import pytest

from oos_analysis.exceptions import InputFileError
from oos_analysis.store.lock import (
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
    code = f"from oos_analysis.store.lock import store_lock\nimport time\n" \
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


# --- kill -9 during a real import -------------------------------------------------------------
HEADER = ("amazon-order-id\tpurchase-date\tlast-updated-date\torder-status\tfulfillment-channel\t"
          "sales-channel\tsku\tasin\titem-status")


def _export(path: Path, first: int, rows: int, status: str) -> Path:
    """Items ``first`` .. ``first + rows - 1``; those below 100 were bought in October."""
    lines = [HEADER] + [
        f"111-{i:07d}-0000001\t2026-{10 if i < 100 else 11}-02T10:00:00+00:00\t"
        f"2026-11-0{3 if status == 'Shipped' else 4}T10:00:00+00:00\t{status}\tMerchant\t"
        f"Amazon.com\tSKU-{i % 50}\tB0000000{i % 50:02d}\t"
        f"{status if status == 'Shipped' else ''}"
        for i in range(first, first + rows)
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


def _import_until(point: str, export: Path, root: Path, tmp_path: Path) -> None:
    """Start a real import in a child process, let it reach ``point``, then kill -9 it."""
    flag = tmp_path / f"reached-{point}"
    env = dict(os.environ, OOS_ANALYSIS_TEST_PAUSE=point, OOS_ANALYSIS_TEST_PAUSE_FLAG=str(flag))
    child = subprocess.Popen(
        [sys.executable, "-m", "oos_analysis", "import", str(export), "--store", str(root)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while not flag.exists():
            assert child.poll() is None, child.stderr.read().decode()
            assert time.monotonic() < deadline, "the import never reached " + point
            time.sleep(0.02)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    assert child.returncode == -signal.SIGKILL


def _live_state(root: Path) -> dict[str, bytes]:
    """CURRENT and the files of the version it names: all a reader ever looks at."""
    live = current_version(root)
    return {"CURRENT": (root / "CURRENT").read_bytes()} | {
        str(p.relative_to(live)): p.read_bytes() for p in sorted(live.rglob("*")) if p.is_file()
    }


@pytest.mark.parametrize("point", ["mid_write", "before_rename", "before_switch"])
def test_kill_during_import_leaves_store_as_it_was(tmp_path, point):
    from oos_analysis import store

    root = tmp_path / "s"
    first = _export(tmp_path / "first.txt", 0, 300, "Shipped")
    store.import_files([first], store=root)
    before = _live_state(root)
    frames_before = store.load(root).all_orders

    second = _export(tmp_path / "second.txt", 200, 300, "Cancelled")
    _import_until(point, second, root, tmp_path)

    assert _live_state(root) == before
    pd.testing.assert_frame_equal(store.load(root).all_orders, frames_before)
    assert store.manifest(root)["name"].tolist() == ["first.txt"]

    # the next import works, and clears what the killed one left behind
    done = store.import_files([second], store=root)
    assert done["status"].tolist() == ["imported"]
    orders = store.load(root).all_orders
    assert len(orders) == 500
    assert (orders["order_status"] == "cancelled").sum() == 300
    leftovers = [p.name for p in root.iterdir() if p.name.startswith(".tmp-")]
    assert leftovers == []
    assert sorted(p.name for p in root.glob("v*")) == ["v000001", current_version(root).name]


def test_full_disk_during_import_leaves_store_as_it_was(tmp_path, monkeypatch):
    from oos_analysis import store
    from oos_analysis.store import importer, parts

    root = tmp_path / "s"
    store.import_files([_export(tmp_path / "first.txt", 0, 20, "Shipped")], store=root)
    before = snapshot(root)

    def full(frame, path):
        path.write_bytes(b"PAR1 half a file")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(importer, "write_kind", full)  # the small kinds
    monkeypatch.setattr(parts, "write_kind", full)  # the month parts
    with pytest.raises(StoreWriteError, match="disk is full"):
        store.import_files([_export(tmp_path / "second.txt", 10, 20, "Cancelled")], store=root)
    assert snapshot(root) == before
