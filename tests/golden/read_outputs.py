"""Outputs of the file-reading path, written down before the speed work on it (issue 17).

``python tests/golden/read_outputs.py`` writes ``read_outputs.json`` beside this file: for every
sample profile, every file in ``tests/fixtures`` (hostile ones included) and a 3,000-row synthetic
export with and without odd rows (a short row, a repeated header, a time without offset), the
``check`` and ``rate`` command output (text, error paragraphs, exit status) and a digest of every
frame ``read_exports``, ``orders_from_exports`` and ``daily_rate`` return (columns, dtypes, values,
warnings). ``tests/test_read_outputs.py`` recomputes them and compares: a faster reader must give
the same frames, counts and messages. Regenerate only for a change of output that is intended.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import re
import sys
import tempfile
import warnings
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
GOLDEN = Path(__file__).with_name("read_outputs.json")
_LONG = 1200
_TODAY = re.compile(r"^The data ends .* before today .*$", re.M)


def digest(frame: pd.DataFrame) -> dict:
    """Columns, dtypes, row count and a hash of every value (index included) of ``frame``."""
    values = pd.util.hash_pandas_object(frame, index=True).to_numpy() if len(frame.columns) else []
    text = frame.to_csv(index=False, date_format="%Y-%m-%dT%H:%M:%S%z")
    return {
        "columns": [str(c) for c in frame.columns],
        "dtypes": [str(t) for t in frame.dtypes],
        "rows": len(frame),
        "hash": hashlib.sha256(bytes(memoryview(values))).hexdigest() if len(values) else "",
        "csv": hashlib.sha256(text.encode()).hexdigest(),
    }


def run_cli(argv: list[str], *, long: int | None = _LONG) -> dict:
    """Run the command line in-process; return its output, error paragraphs and status.

    An output longer than ``long`` characters is kept as its start and a hash of the whole
    (None: kept whole)."""
    from oos_analysis.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(argv)
    got = {"status": status}
    for name, text in (("stdout", out.getvalue()), ("stderr", err.getvalue())):
        text = _TODAY.sub("<today>", text)
        if long is not None and len(text) > long:  # a long table: its start, a hash of it all
            got[f"{name}_sha256"] = hashlib.sha256(text.encode()).hexdigest()
            text = text[:_LONG]
        got[name] = text
    return got


def frames(files: list[str]) -> dict:
    """Digests of what the library returns for ``files`` (or the error it raises)."""
    from oos_analysis import daily_rate, orders_from_exports, read_exports
    from oos_analysis.exceptions import OOSAnalysisError

    got: dict = {}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            exports = read_exports(files)
        except OOSAnalysisError as exc:
            return {"error": f"{type(exc).__name__}: {exc}"}
        for kind in ("all_orders", "order_report", "cancel_download", "seller_performance",
                     "stockout_log"):
            got[kind] = digest(getattr(exports, kind))
        got["file_warnings"] = [list(f.warnings) for f in exports.files]
        got["summary"] = digest(exports.summary().drop(columns="source"))
        if not exports.all_orders.empty:
            try:
                orders = orders_from_exports(exports)
                got["orders"] = digest(orders)
                got["daily_rate"] = digest(daily_rate(orders))
            except OOSAnalysisError as exc:
                got["orders_error"] = f"{type(exc).__name__}: {exc}"
    got["warnings"] = [str(w.message) for w in caught]
    return got


def odd_copy(clean: Path, odd: Path) -> None:
    """``clean`` with a short row, a repeated header and a last time lacking its offset."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from bench_read import write_odd

    write_odd(clean, odd)


def cases(folder: Path) -> dict[str, list[Path]]:
    """Name -> files: the sample profiles, each fixture alone, the synthetic exports."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from common import write_all_orders

    from oos_analysis.sample.profiles import PROFILES, generate_profile

    found: dict[str, list[Path]] = {}
    for profile in PROFILES:
        written = generate_profile(folder / profile, profile)
        found[f"profile:{profile}"] = sorted(written.values())
    for path in sorted(FIXTURES.rglob("*")):
        if path.is_file() and path.suffix != ".py":
            found[f"fixture:{path.relative_to(FIXTURES)}"] = [path]
    clean = write_all_orders(folder / "synthetic.txt", 3000, seed=3)
    odd = folder / "synthetic-odd.txt"
    odd_copy(clean, odd)
    found["synthetic:clean"] = [clean]
    found["synthetic:odd"] = [odd]
    return found


def outputs(folder: Path) -> dict:
    """Everything compared, keyed by case name (paths made relative to ``folder``)."""
    result = {}
    for name, files in cases(folder).items():
        paths = [str(p) for p in files]
        entry = {
            "check": run_cli(["check", *paths]),
            "rate": run_cli(["rate", *paths, "--format", "csv"]),
            "frames": frames(paths),
        }
        if name.startswith("profile:"):
            entry["rate_table"] = run_cli(["rate", *paths])
        text = json.dumps(entry).replace(str(folder) + "/", "").replace(str(FIXTURES) + "/", "")
        result[name] = json.loads(text)
    return result


def write_golden(path: Path, outputs) -> None:
    """Compute ``outputs(folder)`` in a temporary folder and write it to ``path``, a case a line."""
    with tempfile.TemporaryDirectory() as tmp:
        got = outputs(Path(tmp))
    path.write_text("{\n" + ",\n".join(f"{json.dumps(k)}: {json.dumps(got[k], sort_keys=True)}"
                                       for k in sorted(got)) + "\n}\n")
    print(f"wrote {path} ({len(got)} cases)")


if __name__ == "__main__":
    write_golden(GOLDEN, outputs)
