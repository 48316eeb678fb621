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
