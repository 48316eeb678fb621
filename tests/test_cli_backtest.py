"""``oos-analysis backtest``: the scores, the reliability table, JSON, clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from oos_analysis.cli import main

SAMPLE = sorted(str(p) for p in (Path(__file__).parent.parent / "data/sample/us").iterdir())


def test_backtest_on_the_sample_beats_the_naive_forecast(capsys):
    assert main(["backtest", *SAMPLE, "--seed", "1", "--draws", "2000", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert {"brier", "naive_brier", "starts", "reliability"} <= set(doc)
    assert doc["starts"] == 8 and doc["marketplace"] == "amazon.com"
    assert doc["brier"] < doc["naive_brier"]
    rows = doc["start_days"]
    f = np.array([r["forecast"] for r in rows])
    o = np.array([r["observed"] for r in rows], dtype=float)
    assert doc["brier"] == np.mean((f - o) ** 2)
    assert sum(b["count"] for b in doc["reliability"]) == 8
    for b in doc["reliability"]:
        assert b["bin_low"] <= b["forecast"] <= b["bin_high"]
        assert set(b) == {"bin_low", "bin_high", "forecast", "observed", "count"}


def test_backtest_table_and_errors(capsys):
    assert main(["backtest", *SAMPLE, "--seed", "1", "--draws", "500", "--every", "14"]) == 0
    out = capsys.readouterr().out
    assert "Brier score (lower is better):" in out and "Naive forecast's Brier score:" in out
    assert "Reliability:" in out
    assert main(["backtest"]) == 1
    assert "no export file given" in capsys.readouterr().err
    assert main(["backtest", *SAMPLE, "--horizon", "0"]) == 1
    assert "horizon" in capsys.readouterr().err
