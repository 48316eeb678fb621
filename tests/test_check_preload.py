"""`check` reads a clean All Orders report without pandas, and imports it in the background for
the other files: once, and with the same results.

The readers refer to pandas through :func:`oos_analysis.lazy.lazy_module`; ``read_columns``
starts :func:`oos_analysis.lazy.preload` just before Arrow's read when a frame will be made. The
All Orders report's checks run on Arrow columns through :mod:`oos_analysis.io.arrays`, which
keeps pyarrow's own pandas hook from firing. These tests look at what is imported, by which
thread, how many times, and compare every command output with pandas imported up front (no
background import). Timings live in benchmarks/bench_check.py.
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
    # the clean file needs Arrow's compute functions only (preloaded); the one with a time
    # without offset goes through the kit's parser, which imports pandas as it needs it; the
    # Order Report is made a frame of, so pandas is preloaded for it, but it is imported already
    assert searches == ["pyarrow.compute:preload pyarrow.compute", "pandas:MainThread"]
    ref_out, ref_err, ref_status, ref_searches = _check(pandas_first=True, files=files)
    # pandas imports Arrow's compute functions itself: nothing is left to preload
    assert ref_searches == ["pandas:MainThread", "pyarrow.compute:MainThread"]
    assert (out, err, status) == (ref_out, ref_err, ref_status)
    assert status == 1
    assert "line 6" in err and "not a date" in err
    assert out.count("type: ") == 3


@pytest.fixture(scope="module")
def zoo_orders(tmp_path_factory) -> list[Path]:
    """Every All Orders report of the sample generator's seller profiles."""
    from oos_analysis.sample.profiles import PROFILES, generate_profile

    root = tmp_path_factory.mktemp("zoo")
    for profile in PROFILES:
        generate_profile(root / profile, profile)
    return sorted(root.rglob("all-orders*.txt"))


def test_check_reads_clean_all_orders_reports_without_pandas(zoo_orders, tmp_path):
    # every profile's report, and one with ids to strip, a missing sales channel, a Non-Amazon
    # order id and an unknown status: all checked on Arrow columns, pandas never looked for
    text = (SAMPLE / "all-orders.txt").read_text(encoding="utf-8").splitlines(keepends=True)
    rows = [line.split("\t") for line in text]
    rows[3][0] = f" {rows[3][0]} "
    rows[4][6] = ""
    rows[5][0], rows[5][6] = "S01-1234", "Non-Amazon"
    rows[6][4] = "Frobbed"
    odd = tmp_path / "odd.txt"
    odd.write_text("".join("\t".join(r) for r in rows), encoding="utf-8")
    files = [SAMPLE / "all-orders.txt", *zoo_orders, odd]
    out, err, status, searches = _check(pandas_first=False, files=files)
    assert searches == ["pyarrow.compute:preload pyarrow.compute"], err
    assert (status, err) == (0, "")
    assert "frobbed" in out
    # and the same output as with pandas loaded from the start
    assert _check(pandas_first=True, files=files)[:3] == (out, err, status)


def test_check_of_a_file_with_repeated_lines_makes_its_frame_with_the_same_output(tmp_path):
    # an order id and SKU on two rows: older versions are dropped in pandas (imported then)
    text = (SAMPLE / "all-orders.txt").read_text(encoding="utf-8")
    twice = tmp_path / "twice.txt"
    twice.write_text(text + text.splitlines(keepends=True)[1], encoding="utf-8")
    out, err, status, searches = _check(pandas_first=False, files=[twice])
    assert status == 0 and "pandas:MainThread" in searches
    assert _check(pandas_first=True, files=[twice])[:3] == (out, err, status)


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
