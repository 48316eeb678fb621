"""oos_analysis.report.forked: items computed in forked children give what a plain loop gives."""

from __future__ import annotations

import datetime as dt
import os
import warnings
from pathlib import Path

import pandas as pd
import pytest

import oos_analysis as oa
from oos_analysis.exceptions import ParameterError
from oos_analysis.report import display, forked
from oos_analysis.report.forked import Forked, forked_map
from oos_analysis.report.model import weekly_report

US = Path(__file__).resolve().parent.parent / "data" / "sample" / "us"
needs_fork = pytest.mark.skipif(not forked.can_fork(), reason="needs os.fork and two cores")


@needs_fork
def test_items_after_the_first_run_in_other_processes_and_come_back_in_order():
    parent = os.getpid()
    got = forked_map(lambda n: (n, os.getpid()), [3, 1, 2])
    assert [n for n, _ in got] == [3, 1, 2]
    assert got[0][1] == parent
    children = {pid for _, pid in got[1:]}
    assert parent not in children and len(children) == 2


def test_without_fork_the_items_are_computed_here(monkeypatch):
    monkeypatch.setattr(forked, "can_fork", lambda: False)
    parent = os.getpid()
    assert forked_map(lambda n: (n * 10, os.getpid()), [1, 2]) == [(10, parent), (20, parent)]
    assert Forked(lambda n: (n, os.getpid()), 5).result() == (5, parent)


@needs_fork
def test_a_childs_exception_is_raised_here_and_the_first_in_order_wins():
    def work(n):
        if n == 2:
            raise ParameterError("two is refused")
        if n == 3:
            raise ValueError("three")
        return n

    with pytest.raises(ParameterError, match="two is refused"):
        forked_map(work, [1, 2, 3])
    with pytest.raises(ValueError, match="three"):
        forked_map(work, [3, 2])


@needs_fork
def test_a_childs_output_and_warnings_are_replayed_here_in_order(capsys):
    def work(n):
        print(f"item {n}")
        warnings.warn(f"careful with {n}", UserWarning, stacklevel=1)
        return n

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert forked_map(work, [1, 2, 3]) == [1, 2, 3]
    assert capsys.readouterr().out == "item 1\nitem 2\nitem 3\n"
    assert [str(w.message) for w in caught] == ["careful with 1", "careful with 2",
                                                "careful with 3"]
    assert all(w.category is UserWarning for w in caught)


@needs_fork
def test_a_child_that_dies_has_its_item_computed_here():
    parent = os.getpid()

    def work(n):
        if n == 2 and os.getpid() != parent:
            os._exit(3)  # as if killed before sending anything
        return n, os.getpid() == parent

    assert forked_map(work, [1, 2]) == [(1, True), (2, True)]


@needs_fork
def test_a_result_that_cannot_be_pickled_is_computed_here():
    parent = os.getpid()
    got = forked_map(lambda n: (lambda: n) if os.getpid() != parent else n, [1, 2])
    assert got == [1, 2]


@needs_fork
def test_a_large_result_nobody_collects_leaves_no_process_behind():
    handle = Forked(lambda n: b"x" * n, 1 << 20)  # more than a pipe's buffer
    handle.wait()
    with pytest.raises(ChildProcessError):
        os.waitpid(handle.pid, os.WNOHANG)  # already reaped
    assert handle.result() == b"x" * (1 << 20)


def _same_sections(a, b):
    assert [s.marketplace for s in a.marketplaces] == [s.marketplace for s in b.marketplaces]
    for x, y in zip(a.marketplaces, b.marketplaces):
        for name in vars(x):
            left, right = getattr(x, name), getattr(y, name)
            if isinstance(left, pd.DataFrame):
                pd.testing.assert_frame_equal(left, right)
            else:
                assert left == right or (left != left and right != right), name


@needs_fork
def test_the_report_is_the_same_forked_or_in_one_process(monkeypatch):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", oa.DataQualityWarning)
        exports = oa.read_exports([str(f) for f in sorted(US.iterdir())])
    options = {"asof": dt.date(2026, 11, 24), "draws": 2000}
    parent = os.getpid()
    monkeypatch.setattr(display, "_png",
                        lambda fig, ax, title, **k: f"{title}|{os.getpid()}".encode())
    forked_report = weekly_report(exports, **options)
    assert len(forked_report.marketplaces) == 2
    shown = []
    monkeypatch.setattr(display, "_display", lambda obj: shown.append(obj.data))
    for section in forked_report.marketplaces:
        display._charts(forked_report, section)
    here = [c for s in forked_report.marketplaces for c in display._chart_outputs(forked_report, s)]
    assert len(shown) == len(here) == 8
    assert [c.rsplit(b"|", 1)[0] for c in shown] == [c.rsplit(b"|", 1)[0] for c in here]
    # the first section's charts were drawn here, the second's in a child
    pids = [int(c.rsplit(b"|", 1)[1]) for c in shown]
    assert pids[:4] == [parent] * 4 and parent not in pids[4:]

    monkeypatch.setattr(forked, "can_fork", lambda: False)
    _same_sections(forked_report, weekly_report(exports, **options))


def _blocked(marker: Path, parent: int, held):
    """An item that, in a child, waits on a lock its parent held at fork time (a stuck child)
    and only then leaves ``marker``; here it is computed at once."""
    def work(n):
        if os.getpid() == parent:
            return n, "here"
        if n >= 2:
            held.acquire(timeout=20)  # never released in the child: blocks 20 s
            marker.write_text(str(n))
        return n, "child"
    return work


@needs_fork
def test_a_child_stuck_past_the_deadline_is_killed_and_its_item_computed_here(
        monkeypatch, tmp_path):
    import threading

    monkeypatch.setattr(forked, "CHILD_DEADLINE", 0.2)
    held = threading.Lock()
    with held:
        work = _blocked(tmp_path / "finished", os.getpid(), held)
        handle = Forked(work, 2)
        assert handle.result() == (2, "here")
        assert forked_map(work, [1, 2]) == [(1, "here"), (2, "here")]
    assert not (tmp_path / "finished").exists()
    with pytest.raises(ChildProcessError):
        os.waitpid(handle.pid, os.WNOHANG)  # killed and reaped


class _Recorded(Forked):
    started: list = []

    def __init__(self, function, item):
        # children still running when this one starts
        self.live_before = sum(h._thread.is_alive() for h in _Recorded.started)
        super().__init__(function, item)
        _Recorded.started.append(self)


@pytest.fixture
def capped_at_two(monkeypatch):
    """Children recorded as they start, at most two at once; returns a function that, in a
    child, waits long enough that uncapped children would overlap."""
    import time

    monkeypatch.setattr(forked, "Forked", _Recorded)
    monkeypatch.setattr(_Recorded, "started", [])
    monkeypatch.setattr(forked, "max_children", lambda: 2)
    parent = os.getpid()

    def slow_in_a_child() -> None:
        if os.getpid() != parent:
            time.sleep(0.3)

    return slow_in_a_child


@needs_fork
def test_at_most_max_children_run_at_once_and_the_results_stay_in_order(capped_at_two):
    def work(n):
        capped_at_two()
        return n * n

    assert forked_map(work, range(7)) == [n * n for n in range(7)]
    assert len(_Recorded.started) == 6
    # two while this process computes its item, then three: the new one makes at most 3
    assert max(h.live_before for h in _Recorded.started) <= 2
    assert max(h.live_before for h in _Recorded.started) == 2  # this process's core is used


@needs_fork
@pytest.mark.parametrize("failing", [1, 2])
def test_an_error_stops_the_children_whose_results_are_not_used(monkeypatch, tmp_path, failing):
    import threading

    monkeypatch.setattr(forked, "Forked", _Recorded)
    monkeypatch.setattr(_Recorded, "started", [])
    monkeypatch.setattr(forked, "max_children", lambda: 3)
    parent, held = os.getpid(), threading.Lock()
    blocked = _blocked(tmp_path / "finished", parent, held)

    def work(n):
        if n == failing and (n == 1 or os.getpid() != parent):
            raise KeyboardInterrupt if n == 1 else ValueError(n)  # Ctrl-C here, or a child's error
        return blocked(n)

    with held, pytest.raises(KeyboardInterrupt if failing == 1 else ValueError):
        forked_map(work, [1, 2, 3, 4])
    assert len(_Recorded.started) == 3
    assert not any(h._thread.is_alive() for h in _Recorded.started)  # ended and reaped
    for h in _Recorded.started:
        with pytest.raises(ChildProcessError):
            os.waitpid(h.pid, os.WNOHANG)
    assert not (tmp_path / "finished").exists()


@needs_fork
def test_stop_never_signals_a_child_already_reaped(monkeypatch):
    """The reaping thread is held just after reaping (the pid may be anyone's now) while stop()
    runs: stop must not send a signal then."""
    import threading

    go, kills = threading.Event(), []
    decode = forked._decode

    def held_decode(data, status):
        go.wait()
        return decode(data, status)

    def kill(pid):
        kills.append(pid)
        go.set()

    monkeypatch.setattr(forked, "_decode", held_decode)
    monkeypatch.setattr(forked, "_kill", kill)
    handle = Forked(lambda n: n, 7)
    while not handle._reaped:  # the child ends at once; wait until it is reaped
        threading.Event().wait(0.01)
    join = handle._thread.join

    def released_join(*args):
        go.set()
        return join(*args)

    handle._thread.join = released_join
    handle.stop()
    assert kills == []
    assert handle.result() == 7


@needs_fork
def test_the_sections_charts_are_drawn_ahead_by_at_most_max_children_at_once(monkeypatch,
                                                                               capped_at_two):
    from types import SimpleNamespace

    def outputs(report, section):
        capped_at_two()
        return [f"chart of {section.marketplace}".encode()]

    shown = []
    monkeypatch.setattr(display, "_chart_outputs", outputs)
    monkeypatch.setattr(display, "_display", lambda obj: shown.append(obj.data))
    report = SimpleNamespace(marketplaces=[SimpleNamespace(marketplace=f"m{i}") for i in range(6)])
    for section in report.marketplaces:
        display._charts(report, section)
    assert shown == [f"chart of m{i}".encode() for i in range(6)]
    assert len(_Recorded.started) == 5
    assert max(h.live_before for h in _Recorded.started) <= 1
    assert not display._PENDING_CHARTS


@needs_fork
def test_a_child_that_sends_nothing_only_does_its_work(tmp_path):
    def work(path):
        print("not captured here")  # the work captures its own output when it must
        path.write_text("done")

    handle = Forked(work, tmp_path / "left", send=False)
    handle.wait()
    assert (tmp_path / "left").read_text() == "done"
    assert handle._outcome is None  # nothing pickled, nothing sent
    with pytest.raises(ChildProcessError):
        os.waitpid(handle.pid, os.WNOHANG)


@needs_fork
def test_a_child_reaped_elsewhere_counts_as_reaped_and_its_item_is_computed_here(monkeypatch):
    # something else reaped the child (SIGCHLD ignored, a library's os.wait): its end is unknown,
    # so its result is not trusted, and stop() must never signal its (free) pid
    real = forked._reap

    def reaped_elsewhere(pid):
        real(pid)
        raise ChildProcessError("no child processes")

    kills = []
    monkeypatch.setattr(forked, "_reap", reaped_elsewhere)
    monkeypatch.setattr(forked, "_kill", kills.append)
    handle = forked.Forked(lambda n: n + 1, 6)
    handle.wait()
    assert handle._reaped
    handle.stop()
    assert kills == []
    parent = os.getpid()
    assert handle.result() == 7 and os.getpid() == parent  # computed here


@needs_fork
def test_a_fork_the_system_refuses_computes_the_items_here_and_leaks_nothing(monkeypatch):
    # a pids limit or no memory makes os.fork raise: the items are computed in this process, as
    # where there is no fork, and the pipe made for the child is closed
    import errno

    def refused():
        raise OSError(errno.EAGAIN, "Resource temporarily unavailable")

    before = set(os.listdir("/proc/self/fd")) if os.path.isdir("/proc/self/fd") else None
    monkeypatch.setattr(forked.os, "fork", refused)
    parent = os.getpid()
    assert forked_map(lambda n: (n * n, os.getpid()), range(4)) == [(n * n, parent)
                                                                      for n in range(4)]
    handle = forked.Forked(lambda n: n + 1, 6)
    assert handle.pid is None and handle.result() == 7
    if before is not None:
        assert set(os.listdir("/proc/self/fd")) <= before | {str(fd) for fd in range(3)}
