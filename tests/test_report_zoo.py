"""The weekly report on a zoo of sellers: every sample profile, with every subset of its files
that includes an order export, builds a report model; a few render to HTML end to end."""

from __future__ import annotations

import atexit
import itertools
import shutil
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

import pytest

import oos_analysis as oa
from oos_analysis.report.model import weekly_report
from oos_analysis.sample.profiles import PROFILES, generate_profile

STATUSES = {"OK", "AT RISK", "BREACH", "NO DATA"}
# The default profile's subsets are in test_report_model.py (the committed sample); "big" (a year
# of orders) is built once below rather than sixteen times.
ZOO = [p for p in PROFILES if p not in ("default", "big")]
_ROOT = Path(tempfile.mkdtemp(prefix="oos-zoo-"))
atexit.register(shutil.rmtree, _ROOT, ignore_errors=True)
FILES = {p: generate_profile(_ROOT / p, p) for p in ZOO}  # written once, shared by every case


def _subsets(profile: str):
    names = sorted(FILES[profile])
    for k in range(1, len(names) + 1):
        for combo in itertools.combinations(names, k):
            if any(name.startswith("all-orders") for name in combo):
                yield profile, combo


CASES = [case for p in ZOO for case in _subsets(p)]


def _read(paths):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", oa.DataQualityWarning)
        return oa.read_exports([str(p) for p in paths])


def _check(model, names: tuple[str, ...]):
    for section in model.marketplaces:
        h, status = section.headline, section.status
        assert status.word in STATUSES and status.reason.endswith(".")
        n, c = h["orders"], h["seller_cancellations"]
        assert 0 <= c <= n
        if n:
            # Room left, by hand: the largest k with 40 (c + k) < n at the 2.5 % target.
            assert h["remaining"] == max((n - 1) // 40 - c, 0)
        if status.word != "NO DATA":
            assert (status.word == "BREACH") == (40 * c >= n)
        has_log = any(name.startswith("stockout-log") for name in names)
        if section.forecast is not None and not has_log:
            assert section.without_log


@pytest.mark.parametrize(("profile", "names"), CASES,
                         ids=[f"{p}:{'+'.join(n.split('.')[0] for n in c)}" for p, c in CASES])
def test_every_profile_and_subset_builds_a_report(profile, names):
    model = weekly_report(_read(FILES[profile][n] for n in names), draws=200, policies=False)
    _check(model, names)
    markets = {m.marketplace: m for m in model.marketplaces}
    if profile == "small" and "amazon.com" in markets:
        assert markets["amazon.com"].headline["orders"] < 40
    if profile == "jp":
        assert list(markets) == ["amazon.co.jp"] and markets["amazon.co.jp"].currency == "JPY"
    if profile == "multi" and {"all-orders.txt", "all-orders-jp.txt"} <= set(names):
        assert set(markets) == {"amazon.com", "amazon.ca", "amazon.co.jp"}
    if profile == "short":
        assert {m.status.word for m in model.marketplaces} == {"NO DATA"}
        assert all("starts before the data" in m.status.reason for m in model.marketplaces)
    if profile == "no-cancel":
        assert all(m.headline["seller_cancellations"] == 0 for m in model.marketplaces)
        assert markets["amazon.com"].status.word == "OK"
    if profile == "all-unknown":
        for section in model.marketplaces:
            table = section.attribution
            assert set(table["attribution"]) <= {"unknown"}
            assert set(table["attribution_source"]) <= {"none"}


def test_a_year_of_history(tmp_path):
    files = generate_profile(tmp_path, "big")
    model = weekly_report(_read(files.values()), draws=200, policies=False)
    _check(model, tuple(files))
    assert model.marketplaces[0].marketplace == "amazon.com"
    assert model.marketplaces[0].status.word == "AT RISK"


def test_profiles_leave_the_committed_sample_alone(tmp_path):
    from oos_analysis.cli import main

    assert main(["sample", str(tmp_path), "--profile", "no-log"]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(FILES["no-log"])
    assert main(["sample", str(tmp_path / "x"), "--profile", "nope"]) == 1


@pytest.mark.parametrize(("profile", "expect"), [
    ("small", ["AT RISK"]),
    ("jp", ["amazon.co.jp", "JPY"]),
    ("short", ["NO DATA", "starts before the data"]),
])
def test_profile_renders_to_html(profile, expect, tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "oos_analysis", "report", *map(str, FILES[profile].values()),
         "--out", str(tmp_path), "--param", "draws=500"],
        capture_output=True, text=True, stdin=subprocess.DEVNULL, check=False)
    assert done.returncode == 0, done.stderr
    text = Path(done.stdout.strip()).read_text(encoding="utf-8")
    for phrase in expect:
        assert phrase in text
    assert "Traceback" not in text
