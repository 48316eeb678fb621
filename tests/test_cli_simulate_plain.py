"""``oos-analysis simulate`` with given inputs never imports pandas, and prints what pandas would.

The command formats its output from the simulator's plain tables (arrays and records). These
tests run it in a fresh process and look at what was loaded, and compare its CSV and JSON with
the same result written through the frames by :func:`~oos_analysis.cli.common.write_frame` and
:func:`~oos_analysis.cli.common.write_json`, the way the command wrote them before; the table
(and everything else, byte for byte) is held to the outputs written down before the change in
``tests/test_simulate_outputs.py``.
"""

from __future__ import annotations

import contextlib
import io
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oos_analysis import SimulationInputs, simulate
from oos_analysis.cli import main
from oos_analysis.cli.common import write_frame, write_json
from oos_analysis.cli.simulate import _days_csv
from oos_analysis.forecast.policy import cheapest_safe_policy, mark_safe, policy_grid

GIVEN = ["--start", "2026-12-01", "--horizon", "6", "--orders-per-day", "30",
         "--stockout-rate", "0.03", "--buy-at-loss", "0.5", "--buyer-accept", "0.3",
         "--dispersion", "20", "--level-sd", "0.05", "--burst-orders", "1.3",
         "--burst-days", "1.5", "--burst-no-source", "0.2", "--event", "2026-12-02",
         "2026-12-03", "1.5", "--draws", "2000", "--seed", "1"]


@pytest.mark.parametrize("fmt", ["table", "csv", "json"])
def test_given_inputs_load_neither_pandas_nor_pyarrow(fmt):
    code = (
        "import sys, io, contextlib\n"
        "from oos_analysis.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()) as out:\n"
        f"    status = main(['simulate', *{GIVEN!r}, '--format', {fmt!r}])\n"
        "assert status == 0 and out.getvalue()\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in\n"
        "             ('pandas', 'pyarrow', 'scipy', 'oos_analysis', 'importlib')))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    loaded = set(eval(done.stdout))  # a printed list of module names
    assert not {m for m in loaded if m.split(".")[0] in ("pandas", "pyarrow", "scipy")}
    assert "importlib.metadata" not in loaded  # the version is looked up for --version only
    assert "oos_analysis.forecast.simulation" in loaded  # it did run the simulator
    assert not {"oos_analysis.metric.rate", "oos_analysis.metric.budget",
                "oos_analysis.forecast.exact", "oos_analysis.io.readers"} & loaded


def _command(argv):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["simulate", *argv]) == 0
    return out.getvalue()


def _through_frames(inputs, *, start, horizon, draws, seed, fmt, risk=0.05):
    """What the command printed when it wrote the frames (the code before the plain path)."""
    result = simulate(None, inputs=inputs, start=start, horizon=horizon, draws=draws, rng=seed,
                      policies=policy_grid(inputs), policy_draws=min(draws, 10_000))
    out = io.StringIO()
    if fmt == "csv":
        write_frame(result.days, "csv", file=out)
        return out.getvalue()
    policies = mark_safe(result.policies, risk=risk)
    best = cheapest_safe_policy(policies, risk=risk)
    summary = result.summary.iloc[0].to_dict()
    from oos_analysis.cli.simulate import _inputs_record

    write_json({
        **summary, "threshold": 0.025, "risk": risk, "seed": seed,
        "inputs": _inputs_record(result.inputs),
        "days": result.days.to_dict(orient="records"),
        "playbooks": result.playbooks.to_dict(orient="records"),
        "policies": policies.to_dict(orient="records"),
        "cheapest_safe_policy": None if best is None else best.to_dict(),
    }, file=out)
    return out.getvalue()


@settings(max_examples=12, deadline=None)
@given(orders=st.sampled_from([0.0, 0.3, 4.0, 30.0]),
       rate=st.sampled_from([0.0, 0.001, 0.03, 0.4]),
       horizon=st.integers(1, 5),
       draws=st.sampled_from([1, 3, 700, 30_000]),
       seed=st.integers(0, 2**32 - 1),
       fmt=st.sampled_from(["csv", "json"]))
def test_csv_and_json_are_what_the_frames_print(orders, rate, horizon, draws, seed, fmt):
    # 30,000 paths give shares such as 3.3333333333333335e-05, written in scientific notation.
    argv = ["--start", "2026-12-01", "--horizon", str(horizon), "--orders-per-day", str(orders),
            "--stockout-rate", str(rate), "--draws", str(draws), "--seed", str(seed),
            "--format", fmt]
    inputs = SimulationInputs.from_history(None, orders_per_day=orders, stockout_rate=rate,
                                           playbook="request")
    assert _command(argv) == _through_frames(inputs, start="2026-12-01", horizon=horizon,
                                             draws=draws, seed=seed, fmt=fmt)


_FLOATS = st.one_of(st.floats(allow_nan=True, allow_infinity=True),
                    st.floats(min_value=-1e-3, max_value=1e-3),
                    st.integers(-10**18, 10**18).map(float))


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.integers(-20_000, 40_000), _FLOATS, _FLOATS), min_size=1,
                max_size=8))
def test_days_csv_writes_numbers_as_pandas_does(rows):
    days, x, y = (np.array(col) for col in zip(*rows, strict=True))
    columns = {"date": days.astype("datetime64[D]"), "p_breach": x.astype(float),
               "rate_p05": y.astype(float)}
    frame = pd.DataFrame({**columns, "date": pd.Series(days * 86_400 * 10**9,
                                                       dtype="datetime64[ns]")})
    out = io.StringIO()
    write_frame(frame, "csv", file=out)
    assert _days_csv(columns) == out.getvalue()


def test_days_csv_by_hand():
    columns = {"date": np.array(["2026-12-01", "2026-12-02"], dtype="datetime64[D]"),
               "p_breach": np.array([0.5, float("nan")]),
               "rate_p50": np.array([1 / 30_000, 1e16])}
    assert _days_csv(columns) == ("date,p_breach,rate_p50\n"
                                  "2026-12-01,0.5,3.3333333333333335e-05\n"
                                  "2026-12-02,,1e+16\n")


def test_version_is_looked_up_when_asked(capsys):
    import oos_analysis

    with pytest.raises(SystemExit) as stop:
        main(["--version"])
    assert stop.value.code == 0
    assert capsys.readouterr().out == f"oos-analysis {oos_analysis.__version__}\n"
