"""`check` imports pandas in the background while Arrow parses: once, and with the same results.

The readers refer to pandas through :func:`oos_analysis.lazy.lazy_module`, and ``read_table``
starts :func:`oos_analysis.lazy.preload` just before Arrow's read. These tests look at what is
imported, by which thread, how many times, and compare every command output with pandas imported
up front (no background import). Timings live in benchmarks/bench_check.py.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample" / "us"

# A finder that records every search for the top-level module `pandas` and the thread making
# it; sys.modules caches a module, so a second search would mean a second import.
_WATCH = """
import sys, threading
searches = []
class Watch:
    @staticmethod
    def find_spec(name, path=None, target=None):
        if name in ("pandas", "pyarrow.compute"):
            searches.append(name + ":" + threading.current_thread().name)
        return None
sys.meta_path.insert(0, Watch)
"""


def _run(code: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                          check=False)


def _check(*, pandas_first: bool, files) -> tuple[str, str, int, list[str]]:
    code = _WATCH + (
        ("import pandas\n" if pandas_first else "")
        + "from oos_analysis.cli import main\n"
        "try:\n"
        "    status = main(['check', *sys.argv[1:]])\n"
        "except SystemExit as exc:\n"
        "    status = exc.code\n"
        "print('searches:', ','.join(searches), file=sys.stderr)\n"
        "sys.exit(status)\n"
    )
    done = _run(code, *map(str, files))
    *err, last = done.stderr.rstrip("\n").split("\n")
    assert last.startswith("searches: ")
    return done.stdout, "\n".join(err), done.returncode, last[len("searches: "):].split(",")


def test_check_imports_pandas_once_in_the_background_with_the_same_output(tmp_path):
    bad = tmp_path / "bad.txt"
    text = (SAMPLE / "all-orders.txt").read_text(encoding="utf-8").splitlines(keepends=True)
    # a time without an offset on line 4 (Arrow refuses it; the kit's parser names the line)
    # and a purchase date that is not a date on line 6 of the second copy
    odd = text[:]
    odd[3] = odd[3].replace("+00:00", "", 1)
    broken = text[:]
    fields = broken[5].split("\t")
    fields[2] = "not a date"
    broken[5] = "\t".join(fields)
    bad.write_text("".join(broken), encoding="utf-8")
    naive = tmp_path / "naive.txt"
    naive.write_text("".join(odd), encoding="utf-8")
    files = [SAMPLE / "all-orders.txt", naive, bad, SAMPLE / "order-report.txt"]

    out, err, status, searches = _check(pandas_first=False, files=files)
    # pandas and Arrow's compute functions are looked for once, by the preload thread
    thread = "preload pyarrow.compute pandas"
    assert searches == [f"pyarrow.compute:{thread}", f"pandas:{thread}"]
    ref_out, ref_err, ref_status, ref_searches = _check(pandas_first=True, files=files)
    # pandas imports Arrow's compute functions itself: nothing is left to preload
    assert ref_searches == ["pandas:MainThread", "pyarrow.compute:MainThread"]
    assert (out, err, status) == (ref_out, ref_err, ref_status)
    assert status == 1
    assert "line 6" in err and "not a date" in err
    assert out.count("type: ") == 3


def test_help_and_simulate_start_no_pandas_import():
    code = _WATCH + (
        "import contextlib, io, threading\n"
        "from oos_analysis.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    for argv in (['--help'], ['check', '--help'], ['simulate', '--help']):\n"
        "        try:\n"
        "            main(argv)\n"
        "        except SystemExit:\n"
        "            pass\n"
        "print(len(searches), 'pandas' in sys.modules,\n"
        "      sorted(t.name for t in threading.enumerate()))\n"
    )
    done = _run(code)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[-2] == "0 False ['MainThread']"


def test_lazy_module_imports_on_first_attribute():
    code = (
        "import sys\n"
        "from oos_analysis.lazy import lazy_module\n"
        "fr = lazy_module('fractions')\n"
        "before = 'fractions' in sys.modules\n"
        "half = fr.Fraction(1, 2)\n"
        "import fractions\n"
        "copied = vars(fr).get('Fraction') is fractions.Fraction\n"  # later lookups: plain ones
        "print(before, 'fractions' in sys.modules, half + fr.Fraction(1, 3), copied, fr.__name__)\n"
    )
    done = _run(code)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "True", "5/6", "True", "fractions"]


def test_a_process_that_ends_during_the_preload_ends_cleanly():
    # a daemon thread stopped mid-import at exit can take the interpreter down; this one is
    # waited for (an import that meets the shutdown fails quietly): the process's own status
    # and nothing on stderr
    code = (
        "import sys\n"
        "from oos_analysis.lazy import preload\n"
        "thread = preload('pandas', 'pyarrow.dataset')\n"
        "print(thread.daemon)\n"
        "sys.exit(3)\n"
    )
    for _ in range(3):
        done = _run(code)
        assert (done.returncode, done.stdout, done.stderr) == (3, "False\n", "")


def test_preload_runs_once_and_a_failed_import_is_raised_by_the_later_import():
    code = (
        "import sys\n"
        "from oos_analysis.lazy import preload\n"
        "thread = preload('fractions', 'no_such_module_here', 'decimal')\n"
        "thread.join()\n"
        "again = preload('fractions', 'decimal')\n"
        "try:\n"
        "    import no_such_module_here\n"
        "except ModuleNotFoundError as exc:\n"
        "    error = exc.name\n"
        "print(thread.daemon, thread.name.replace(' ', '+'), 'fractions' in sys.modules,\n"
        "      'decimal' in sys.modules, again, error)\n"
    )
    done = _run(code)
    assert done.returncode == 0, done.stderr
    # the failed import in the middle does not stop the one after it
    assert done.stdout.split() == ["False", "preload+fractions+no_such_module_here+decimal",
                                   "True", "True", "None", "no_such_module_here"]


@pytest.mark.parametrize("reader", ["read_all_orders", "read_order_report", "read_stockout_log"])
def test_readers_give_the_same_frames_with_and_without_the_background_import(reader):
    name = {"read_all_orders": "all-orders.txt", "read_order_report": "order-report.txt",
            "read_stockout_log": "stockout-log.csv"}[reader]
    code = (
        "import sys, pickle\n"
        "if sys.argv[2] == 'first':\n"
        "    import pandas\n"
        f"from oos_analysis import {reader}\n"
        f"sys.stdout.buffer.write(pickle.dumps({reader}(sys.argv[1])))\n"
    )
    frames = []
    for when in ("first", "background"):
        done = subprocess.run([sys.executable, "-c", code, str(SAMPLE / name), when],
                              capture_output=True, check=True)
        frames.append(done.stdout)
    import pickle

    import pandas as pd

    left, right = (pickle.loads(f) for f in frames)
    assert len(left) > 0
    pd.testing.assert_frame_equal(left, right, check_exact=True)


@pytest.mark.parametrize("held", [False, True], ids=["empty store", "store with files"])
def test_import_reads_the_export_while_pandas_is_imported_with_the_same_store(tmp_path, held):
    # `oos-analysis import` reaches for pandas (and, when the store holds files, for the
    # pyarrow.dataset its merge reads them with) only in the preload thread; the store it
    # writes holds what an import with pandas loaded up front writes
    from oos_analysis.store.loader import load

    def run(pandas_first: bool, store: Path) -> list[str]:
        code = _WATCH.replace('("pandas", "pyarrow.compute")', '("pandas", "pyarrow.dataset")') + (
            ("import pandas, pyarrow.dataset\n" if pandas_first else "")
            + "from oos_analysis.cli import main\n"
            "status = main(['import', *sys.argv[1:]])\n"
            "print('searches:', ','.join(searches), file=sys.stderr)\n"
            "sys.exit(status)\n"
        )
        if held:
            assert _run(code, str(SAMPLE / "order-report.txt"), "--store", str(store)).returncode == 0
        done = _run(code, str(SAMPLE / "all-orders.txt"), "--store", str(store))
        assert done.returncode == 0, done.stderr
        return done.stderr.rstrip("\n").split("\n")[-1][len("searches: "):].split(",")

    searches = run(False, tmp_path / "lazy")
    wanted = ["pandas"] + (["pyarrow.dataset"] if held else [])
    assert [s.split(":")[0] for s in searches] == wanted
    assert all(s.split(":")[1].startswith("preload ") for s in searches)  # not MainThread
    assert run(True, tmp_path / "eager") == ["pandas:MainThread", "pyarrow.dataset:MainThread"]
    lazy, eager = load(tmp_path / "lazy"), load(tmp_path / "eager")
    for kind in ("all_orders", "order_report"):
        a, b = getattr(lazy, kind), getattr(eager, kind)
        if a is None or b is None:
            assert a is None and b is None and (kind == "all_orders" or not held)
            continue
        keep = [c for c in a.columns if c not in ("imported_at",)]
        pd = pytest.importorskip("pandas")
        pd.testing.assert_frame_equal(a[keep], b[keep])
