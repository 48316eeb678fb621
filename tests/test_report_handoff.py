"""The report reads its exports once, in a kernel started early: the handoff file and the kernel.

``oos-analysis report`` reads the exports for its up-front checks and hands them to the notebook
through a private file (``report/handoff.py``); the kernel is started before that reading
(``report/kernel.py``) and stopped whatever happens.
"""

from __future__ import annotations

import json
import os
import stat
import warnings
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from oos_analysis.exceptions import ParameterError
from oos_analysis.io.readers import read_exports
from oos_analysis.report.handoff import exports_handoff, read_handoff
from oos_analysis.report.kernel import ReportKernel, notebook_imports
from oos_analysis.report.model import load_report
from oos_analysis.report.render import ReportRenderError, render_report

ROOT = Path(__file__).resolve().parents[1]
US = ROOT / "data" / "sample" / "us"
FILES = [str(US / name) for name in ("all-orders.txt", "order-report.txt", "stockout-log.csv")]


@pytest.fixture(scope="module")
def exports():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return read_exports(FILES)


def _frames(exports):
    return {k: getattr(exports, k) for k in ("all_orders", "order_report", "cancel_download",
                                             "seller_performance", "stockout_log")}


# --- the handoff file --------------------------------------------------------------------------

def test_handoff_is_private_round_trips_and_is_removed(exports):
    with exports_handoff(exports) as path:
        path = Path(path)
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
        back = read_handoff(path)
        for kind, frame in _frames(exports).items():
            pd.testing.assert_frame_equal(getattr(back, kind), frame, check_exact=True)
        assert [(f.kind, f.source) for f in back.files] == [
            (f.kind, f.source) for f in exports.files]
    assert not path.exists() and not path.parent.exists()
    assert read_handoff(path) is None  # gone: the notebook reads its files instead


def test_handoff_is_removed_when_the_render_fails(exports):
    with pytest.raises(RuntimeError, match="boom"), exports_handoff(exports) as path:
        raise RuntimeError("boom")
    assert not Path(path).parent.exists()


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="file modes are POSIX")
def test_handoff_not_private_or_not_exports_is_refused(exports, tmp_path):
    with exports_handoff(exports) as path:
        os.chmod(path, 0o644)
        with pytest.raises(ParameterError, match="not a regular file private to this user"):
            read_handoff(path)
    folder = tmp_path / "private"
    folder.mkdir(mode=0o700)
    other = folder / "exports.pickle"
    fd = os.open(other, os.O_WRONLY | os.O_CREAT, 0o600)
    with os.fdopen(fd, "wb") as stream:
        import pickle

        pickle.dump({"not": "exports"}, stream)
    with pytest.raises(ParameterError, match="holds a dict, not the exports"):
        read_handoff(other)


def test_load_report_uses_the_handoff_and_reads_no_file(exports, monkeypatch):
    options = dict(asof="2026-11-24", draws=200, seed=3)
    expected = load_report(FILES, **options)

    def no_second_read(*_args, **_kwargs):
        raise AssertionError("the exports were read a second time")

    monkeypatch.setattr("oos_analysis.io.readers.read_exports", no_second_read)
    with exports_handoff(exports) as path:
        got = load_report(FILES, handoff=path, **options)
    pd.testing.assert_frame_equal(got.summary(), expected.summary())
    pd.testing.assert_frame_equal(got.files, expected.files)
    pd.testing.assert_frame_equal(got.coverage, expected.coverage)
    for a, b in zip(got.marketplaces, expected.marketplaces, strict=True):
        assert a.headline == b.headline and a.p_breach == b.p_breach
        pd.testing.assert_frame_equal(a.actions, b.actions)


# --- the kernel --------------------------------------------------------------------------------

def test_notebook_imports_lists_top_level_imports_only(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("x: int = 1"),
        nbformat.v4.new_code_cell("import json, xml.dom as d\nfrom email import message\n"
                                  "from . import nothing\nfrom os.path import *\n"
                                  "def f():\n    import csv"),
        nbformat.v4.new_code_cell("%matplotlib inline\nimport decimal"),
        nbformat.v4.new_markdown_cell("import fractions"),
        nbformat.v4.new_code_cell("import json"),
    ]
    path = tmp_path / "n.ipynb"
    nbformat.write(nb, path)
    assert notebook_imports(path) == ("json", "xml.dom", "email", "email.message", "os.path")
    assert notebook_imports(tmp_path / "missing.ipynb") == ()
    (tmp_path / "bad.ipynb").write_text("{not json", encoding="utf-8")
    assert notebook_imports(tmp_path / "bad.ipynb") == ()


def _notebook(path: Path, parameters: str, *cells: str) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    first = nbformat.v4.new_code_cell(parameters)
    first.metadata["tags"] = ["parameters"]
    nb.cells = [first, *(nbformat.v4.new_code_cell(c) for c in cells)]
    nbformat.write(nb, path)
    return path


def test_preloaded_kernel_runs_the_notebook_with_nothing_added_to_its_namespace(tmp_path):
    # xml.dom.minidom is imported by nothing in the notebook: only the preload can have done it.
    notebook = _notebook(
        tmp_path / "k.ipynb", 'asof: str = ""',
        "import os, sys\n"
        "print(sorted(n for n in globals() if not n.startswith('_') and n not in "
        "('In', 'Out', 'get_ipython', 'exit', 'quit', 'open')))\n"
        "print('xml.dom.minidom' in sys.modules, os.getcwd())",
    )
    with ReportKernel(tmp_path, preload=("xml.dom.minidom", "no_such_module_x")) as kernel:
        html = render_report(notebook, out_dir=tmp_path / "out", asof="2026-11-24",
                             kernel=kernel)
        km = kernel.km
        assert km is not None  # the caller's kernel is the caller's to stop
    assert kernel.km is None and not km.has_kernel
    executed = nbformat.read(html.with_suffix(".ipynb"), as_version=4)
    printed = "".join(o.get("text", "") for o in executed.cells[-1].outputs).splitlines()
    assert printed == ["['asof', 'os', 'sys']", f"True {tmp_path}"]


def _cli(monkeypatch, argv):
    """Run the CLI in this process, recording every kernel it starts."""
    from oos_analysis.cli import main
    from oos_analysis.report import kernel as kernel_module

    started = []
    original = kernel_module.ReportKernel.__init__

    def record(self, *args, **kwargs):
        original(self, *args, **kwargs)
        started.append((self, self.km))

    monkeypatch.setattr(kernel_module.ReportKernel, "__init__", record)
    return main(argv), started


def test_refused_inputs_stop_the_early_kernel_and_write_nothing(tmp_path, monkeypatch, capsys):
    out = tmp_path / "out"
    code, started = _cli(monkeypatch, ["report", str(US / "order-report.txt"), "--out", str(out)])
    assert code == 1
    assert "no All Orders export among the inputs" in capsys.readouterr().err
    assert not out.exists()
    assert len(started) == 1  # started before the reading, then stopped at once
    kernel, km = started[0]
    assert kernel.km is None and not km.has_kernel


def test_cli_hands_the_exports_over_and_removes_them(tmp_path, monkeypatch, capsys):
    # A notebook that would fail if its kernel read the exports again.
    notebook = _notebook(
        tmp_path / "once.ipynb",
        'files: list = []  # exports\nasof: str = ""  # day\nhandoff: str = ""  # set by report',
        "import oos_analysis.io.readers as readers\n"
        "def _refuse(*a, **k):\n    raise RuntimeError('the exports were read twice')\n"
        "readers.read_exports = _refuse",
        "from oos_analysis.report.model import load_report\n"
        "report = load_report(files, handoff=handoff, draws=100)\n"
        "print([m.marketplace for m in report.marketplaces], bool(handoff))",
    )
    out = tmp_path / "out"
    code, started = _cli(monkeypatch, ["report", *FILES, "--notebook", str(notebook),
                                       "--out", str(out)])
    assert code == 0, capsys.readouterr().err
    html = Path(capsys.readouterr().out.strip())
    executed = nbformat.read(html.with_suffix(".ipynb"), as_version=4)
    printed = "".join(o.get("text", "") for o in executed.cells[-1].outputs)
    assert printed.strip().endswith("True") and "amazon.com" in printed
    injected = next(c for c in executed.cells if "injected-parameters" in c.metadata.get("tags", []))
    handoff = json.loads(injected.source.split("handoff = ", 1)[1].splitlines()[0])
    assert handoff and not Path(handoff).parent.exists()  # removed after the run
    assert [km.has_kernel for _, km in started] == [False]


def test_the_handoff_is_removed_when_a_cell_fails(tmp_path, exports):
    notebook = _notebook(tmp_path / "fails.ipynb", 'asof: str = ""\nhandoff: str = ""',
                         "print(handoff)\nraise ValueError('stop here')")
    with pytest.raises(ReportRenderError, match="ValueError: stop here"):
        render_report(notebook, out_dir=tmp_path / "out", asof="2026-11-24", exports=exports)
    executed = nbformat.read(tmp_path / "out" / "weekly-report-2026-11-24.ipynb", as_version=4)
    handoff = executed.cells[-1].outputs[0]["text"].strip()
    assert handoff.endswith("exports.pickle") and not Path(handoff).parent.exists()


def test_handoff_cannot_be_set_by_param(tmp_path, capsys):
    from oos_analysis.cli import main

    assert main(["report", "--out", str(tmp_path / "o"), "--param", "handoff=/tmp/x"]) == 1
    assert "--param handoff=... is set by the command itself" in capsys.readouterr().err


def test_preload_follows_a_modules_own_preload_list(tmp_path):
    import subprocess
    import sys

    (tmp_path / "lazy_mod.py").write_text(
        "__preload__ = ('xml.dom.minidom', 'no_such_module_y')\n", encoding="utf-8")
    code = ("import sys\nfrom oos_analysis.report.kernel import preload\n"
            "preload(['lazy_mod', 'no_such_module_x'])\n"
            "print('lazy_mod' in sys.modules, 'xml.dom.minidom' in sys.modules)\n"
            "import oos_analysis.report.display as d\n"
            "print('matplotlib.figure' in sys.modules)\n"
            "preload(['oos_analysis.report.display'])\n"
            "print(all(m in sys.modules for m in d.__preload__))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=tmp_path, check=True,
                          env={**os.environ, "PYTHONPATH": str(tmp_path)})
    # display draws with Matplotlib but imports it only when a chart is drawn; preload does
    assert done.stdout.split() == ["True", "True", "False", "True"]


def test_warm_preloads_then_freezes_what_is_alive_and_leaves_the_collector_as_it_was(tmp_path):
    import subprocess
    import sys

    code = ("import gc, sys\nfrom oos_analysis.report.kernel import warm\n"
            "before = gc.get_freeze_count()\n"
            "warm(['xml.dom.minidom'])\n"
            "print('xml.dom.minidom' in sys.modules, gc.isenabled(), "
            "gc.get_freeze_count() > before + 1000)\n"
            "gc.disable()\nwarm(['json'])\nprint(gc.isenabled())\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=tmp_path, check=True)
    assert done.stdout.split() == ["True", "True", "True", "False"]


# --- the report built by the command, handed over with the exports -----------------------------

def _notebook_arguments(files, handoff):
    """What the report notebook's first cell passes to load_report (its parameters' defaults)."""
    return dict(store="", asof="2026-11-24", marketplace="", tz="UTC", threshold=0.025,
                horizon=28, risk=0.05, loss_cap=-1.0, stockout_rate=-1.0, reminder_days=2,
                seed=0, draws=2000, policy="request", exclude_pending=False, handoff=handoff)


def test_the_notebook_gets_the_report_the_command_built_for_its_own_arguments(
        exports, monkeypatch, tmp_path):
    from oos_analysis.report import model, render
    from oos_analysis.report.render import notebook_parameters

    notebook = render.default_notebook()
    declared = notebook_parameters(notebook)
    with exports_handoff(exports) as path:
        kernel_args = _notebook_arguments(FILES, path)
        values = {k: v for k, v in kernel_args.items() if k in ("asof", "draws", "handoff")}
        values["files"] = FILES
        builder = render._hand_over_report(Path(notebook), declared, values, exports)
        built = model.load_report(FILES, **kernel_args)  # waits for the builder
        if builder is not None:
            builder.wait()
        assert (Path(path).parent / "report.pickle").exists()

        def refuse(*args, **kwargs):
            raise AssertionError("the report was built again")

        monkeypatch.setattr(model, "weekly_report", refuse)
        again = model.load_report(FILES, **kernel_args)
        # other arguments: the handed-over report is not used
        with pytest.raises(AssertionError, match="built again"):
            model.load_report(FILES, **{**kernel_args, "seed": 1})
    monkeypatch.undo()
    direct = model.load_report(FILES, **{**kernel_args, "handoff": ""})
    for report in (built, again):
        assert [s.marketplace for s in report.marketplaces] == ["amazon.com", "amazon.ca"]
        pd.testing.assert_frame_equal(report.summary(), direct.summary(), check_exact=True)
        for mine, theirs in zip(report.marketplaces, direct.marketplaces):
            pd.testing.assert_frame_equal(mine.fan, theirs.fan, check_exact=True)


def test_what_building_the_report_warned_is_warned_again_in_the_notebook(exports, capsys):
    from oos_analysis.report.forked import run_captured
    from oos_analysis.report.handoff import read_handoff_report, write_handoff_report
    from oos_analysis.report.model import load_report

    def build(n):
        print("built", n)
        warnings.warn("a note from the build", UserWarning, stacklevel=1)
        return n * 2

    with exports_handoff(exports) as path:
        arguments = {"files": FILES, "store": None, "asof": None, "marketplace": None,
                     "loss_cap": None, "stockout_rate": None, "seed": 3}
        write_handoff_report(path, arguments, run_captured(build, 21))
        assert read_handoff_report(path, {**arguments, "seed": 4}) is None
        with pytest.warns(UserWarning, match="a note from the build"):
            assert load_report(FILES, seed=3, handoff=path) == 42
        assert capsys.readouterr().out == "built 21\n"
        report = Path(path).parent / "report.pickle"
        report.chmod(0o644)  # readable by others: refused, as the exports file is
        with pytest.raises(ParameterError, match="not a regular file private"):
            load_report(FILES, seed=3, handoff=path)


def test_a_build_that_fails_hands_nothing_over(exports):
    from oos_analysis.report.model import handoff_report

    assert handoff_report(exports, {"files": FILES, "threshold": 2.0}) is None


def test_the_notebook_waits_for_a_report_being_built_while_its_builder_lives(exports):
    import time

    from oos_analysis.report import forked
    from oos_analysis.report.forked import Forked, run_captured
    from oos_analysis.report.handoff import (
        handoff_report_coming,
        read_handoff_report,
        write_handoff_report,
    )

    if not forked.can_fork():
        pytest.skip("needs os.fork")
    arguments = {"seed": 1}
    with exports_handoff(exports) as path:
        def build(_):
            time.sleep(0.3)
            write_handoff_report(path, arguments, run_captured(lambda n: n + 1, 41))

        builder = Forked(build, None)
        handoff_report_coming(path, builder.pid, arguments)
        assert read_handoff_report(path, arguments)[0] == 42  # waited for it
        builder.wait()
    with exports_handoff(exports) as path:
        dies = Forked(lambda _: os._exit(1), None)  # ends without building anything
        handoff_report_coming(path, dies.pid, arguments)
        dies.wait()
        assert read_handoff_report(path, arguments) is None
    with exports_handoff(exports) as path:
        slow = Forked(lambda _: time.sleep(60), None)
        handoff_report_coming(path, slow.pid, arguments)
        assert read_handoff_report(path, arguments, wait=0.05) is None  # gave up waiting
        slow.stop()  # killed and reaped: the reader stops waiting
        assert read_handoff_report(path, arguments) is None
        with pytest.raises(ChildProcessError):
            os.waitpid(slow.pid, os.WNOHANG)


@pytest.mark.parametrize("fork", [False, True])
@pytest.mark.parametrize("failing", ["write_handoff_report", "handoff_report_coming"])
def test_a_handover_that_fails_never_fails_the_report(exports, monkeypatch, fork, failing):
    """A full /tmp (or any error) while leaving the report is swallowed, forked or not: the
    notebook's load_report then builds the report itself."""
    from oos_analysis.report import forked, handoff, model, render
    from oos_analysis.report.render import notebook_parameters

    if fork and not forked.can_fork():
        pytest.skip("needs os.fork")
    if not fork and failing == "handoff_report_coming":
        pytest.skip("only a forked builder is announced")
    monkeypatch.setattr(forked, "can_fork", lambda: fork)

    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(handoff, failing, full)
    monkeypatch.setattr(model, "handoff_report",
                        lambda exports, arguments: forked.run_captured(lambda _: "built", None))
    notebook = render.default_notebook()
    with exports_handoff(exports) as path:
        values = {"files": FILES, "asof": "2026-11-24", "draws": 2000, "handoff": path}
        builder = render._hand_over_report(Path(notebook), notebook_parameters(notebook),
                                           values, exports)
        assert (builder is not None) == fork
        if builder is not None:
            builder.wait()
        report = Path(path).parent / "report.pickle"
        assert report.exists() == (failing != "write_handoff_report")


def test_notebook_defaults_are_the_literal_defaults_and_the_cli_uses_them(tmp_path):
    from oos_analysis.cli.report import _default_files
    from oos_analysis.report.render import notebook_defaults, notebook_parameters

    nb = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "python3",
                                                            "language": "python",
                                                            "display_name": "Python 3"}})
    nb.cells = [nbformat.v4.new_code_cell(
        'files = ["a.txt", "b.txt"]\nseed = 3\nlimit = -1.5\nwhen = len("abc")',
        metadata={"tags": ["parameters"]})]
    path = tmp_path / "n.ipynb"
    nbformat.write(nb, path)
    declared = notebook_parameters(path)
    assert notebook_defaults(declared) == {"files": ["a.txt", "b.txt"], "seed": 3, "limit": -1.5}
    assert _default_files(declared, path) == [str(tmp_path / "a.txt"), str(tmp_path / "b.txt")]
    with pytest.raises(ParameterError, match="no FILE given"):
        _default_files({k: v for k, v in declared.items() if k != "files"}, path)


def test_a_builder_of_other_arguments_is_not_waited_for(exports):
    import threading

    from oos_analysis.report import forked
    from oos_analysis.report.forked import Forked, run_captured
    from oos_analysis.report.handoff import (
        handoff_report_coming,
        read_handoff_report,
        write_handoff_report,
    )

    if not forked.can_fork():
        pytest.skip("needs os.fork")
    held = threading.Lock()
    with held, exports_handoff(exports) as path:
        def build(_):
            held.acquire(timeout=20)  # held at fork time: the build is under way for 20 s
            write_handoff_report(path, {"seed": 1}, run_captured(lambda n: n, 1))

        builder = Forked(build, None, send=False)
        handoff_report_coming(path, builder.pid, {"seed": 1})
        assert read_handoff_report(path, {"seed": 2}) is None  # at once: not waited for
        assert not (Path(path).parent / "report.pickle").exists()
        builder.stop()


@pytest.mark.parametrize("writer", ["handoff_report_coming", "write_handoff_report"])
def test_a_handover_file_cut_short_by_a_full_disk_is_never_seen(exports, monkeypatch, writer):
    # the disk fills up half-way through writing the marker or the report: neither is left
    # behind in part (a part of the marker used to make the notebook's unpickling fail)
    import errno
    import pickle

    from oos_analysis.report import handoff

    def half_then_full(value, stream, protocol=None):
        stream.write(pickle.dumps(value, protocol=protocol)[:5])
        raise OSError(errno.ENOSPC, "No space left on device")

    arguments = {"seed": 1}
    with exports_handoff(exports) as path:
        monkeypatch.setattr(handoff.pickle, "dump", half_then_full)
        with pytest.raises(OSError, match="No space"):
            if writer == "handoff_report_coming":
                handoff.handoff_report_coming(path, os.getpid(), arguments)
            else:
                handoff.write_handoff_report(path, arguments, ("report", "", "", []))
        monkeypatch.undo()
        assert sorted(p.name for p in Path(path).parent.iterdir()) == ["exports.pickle"]
        assert handoff.read_handoff_report(path, arguments, wait=0.05) is None


def test_a_refused_fork_hands_nothing_over_and_never_fails_the_report(exports, monkeypatch):
    from oos_analysis.report import forked, render
    from oos_analysis.report.render import notebook_parameters

    if not forked.can_fork():
        pytest.skip("needs os.fork")

    def refused():
        raise OSError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(forked.os, "fork", refused)
    notebook = render.default_notebook()
    with exports_handoff(exports) as path:
        values = {"files": FILES, "asof": "2026-11-24", "draws": 2000, "handoff": path}
        assert render._hand_over_report(Path(notebook), notebook_parameters(notebook), values,
                                        exports) is None
        assert sorted(p.name for p in Path(path).parent.iterdir()) == ["exports.pickle"]
