"""Outputs of the forecast, written down before its pandas-free path (issue 17).

``python tests/golden/simulate_outputs.py`` writes ``simulate_outputs.json`` beside this file:
for a few argument sets of ``oos-analysis simulate`` (given inputs only, and from a small pair of
exports), the command's output in ``table``, ``csv`` and ``json`` (status, standard output and
standard error); and for a few calls of :func:`oos_analysis.simulate`, digests (columns, dtypes,
values) of every frame of the result: ``days``, ``summary``, ``playbooks``, ``policies``,
``horizons``. ``tests/test_simulate_outputs.py`` recomputes them and compares byte for byte: a
simulator and a command that skip pandas must print and return exactly what they did with it.
Regenerate only for a change of output that is intended. Regenerated once since: a copy of the
inputs (another policy or playbook) lost its events, which changed the cases with an event
(``given:rich`` in table and JSON, ``empty:grid``, ``empty:one-playbook``) and no other.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import read_outputs  # this folder's: the digests, the in-process command line, the writing

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).with_name("simulate_outputs.json")

GIVEN = {
    # Amazon's playbook defaults, the test suite's usual what-if.
    "plain": ["--start", "2026-12-01", "--horizon", "5", "--orders-per-day", "30",
              "--stockout-rate", "0.03", "--buy-at-loss", "0.5", "--buyer-accept", "0.3",
              "--draws", "3000", "--seed", "7"],
    # Every part of the model, another threshold, risk and playbook, an event and a trend.
    "rich": ["--start", "2026-12-01", "--horizon", "10", "--orders-per-day", "30",
             "--stockout-rate", "0.04", "--buy-at-loss", "0.3", "--buyer-accept", "0.4",
             "--reminder-accept", "0.2", "--dispersion", "15", "--level-sd", "0.08",
             "--trend", "0.01", "--event", "2026-12-03", "2026-12-05", "1.5",
             "--burst-orders", "1.5", "--burst-days", "2", "--burst-no-source", "0.25",
             "--draws", "2500", "--seed", "11", "--threshold", "0.03", "--risk", "0.1",
             "--policy", "no-request"],
    # Many stock-outs with no source in stock: no buying policy is safe.
    "unsafe": ["--start", "2026-11-30", "--horizon", "4", "--orders-per-day", "5",
               "--stockout-rate", "0.3", "--burst-orders", "2", "--burst-days", "2",
               "--burst-no-source", "0.6", "--draws", "1500", "--seed", "3"],
    # Sparse orders (windows without any), a time zone, more paths than the policy grid takes.
    "sparse": ["--start", "2027-01-04", "--horizon", "3", "--orders-per-day", "0.5",
               "--stockout-rate", "0.1", "--tz", "Asia/Tokyo", "--draws", "12000",
               "--seed", "5", "--complete-day"],
}
FORMATS = ("table", "csv", "json")


def write_exports(folder: Path) -> list[str]:
    """30 days of 10 MFN orders a day (one cancelled on 11-28) and a three-row stock-out log
    (``tests/test_cli_simulate.py`` runs on them too)."""
    import datetime as dt

    lines = ["amazon-order-id\tmerchant-order-id\tpurchase-date\tlast-updated-date\torder-status"
             "\tfulfillment-channel\tsales-channel\tsku\titem-status\tquantity\tcurrency"
             "\titem-price"]
    for i in range(30):
        day = dt.date(2026, 11, 1) + dt.timedelta(days=i)
        for j in range(10):
            status = "Cancelled" if (i, j) == (27, 0) else "Shipped"
            lines.append(f"111-{i:07d}-{j:07d}\t\t{day}T10:00:00+00:00\t{day}T12:00:00+00:00"
                         f"\t{status}\tMerchant\tAmazon.com\tSKU-{j}\t{status}\t1\tUSD\t10.00")
    orders = folder / "all-orders.txt"
    orders.write_text("\n".join(lines) + "\n", encoding="utf-8")
    log = folder / "stockout-log.csv"
    log.write_text(
        "order_id,marketplace,sku,detected_at,ship_by,loss_if_bought,request_sent_at,"
        "reminder_sent_at,official_request_at,resolution,resolved_at\n"
        "111-0000027-0000000,amazon.com,SKU-0,2026-11-28T11:00:00+00:00,2026-11-30,,"
        "2026-11-28T12:00:00+00:00,,,no_inventory,2026-11-29T12:00:00+00:00\n"
        "111-0000029-0000001,amazon.com,SKU-1,2026-11-30T11:00:00+00:00,2026-12-02,12.5,,,,"
        "open,\n"
        "111-0000010-0000001,amazon.com,SKU-1,2026-11-11T11:00:00+00:00,2026-11-13,4.0,,,,"
        "bought,2026-11-11T15:00:00+00:00\n",
        encoding="utf-8",
    )
    return [str(orders), str(log)]


def command_cases(folder: Path) -> dict[str, list[str]]:
    """Name -> the arguments after ``simulate`` (paths under ``folder``)."""
    files = write_exports(folder)
    found = {f"given:{name}": argv for name, argv in GIVEN.items()}
    found["files:estimated"] = [*files, "--horizon", "4", "--draws", "2000", "--seed", "1"]
    found["files:planned"] = [*files, "--horizon", "3", "--draws", "800", "--seed", "4",
                              "--loss-cap", "20", "--cancel", "111-0000026-0000004"]
    return found


def run_cli(argv: list[str]) -> dict:
    """Run the command line in-process; return its status, standard output and error (whole)."""
    return read_outputs.run_cli(argv, long=None)


def commands(folder: Path) -> dict:
    result = {}
    for name, argv in command_cases(folder).items():
        for fmt in FORMATS:
            got = run_cli(["simulate", *argv, "--format", fmt])
            result[f"{name}:{fmt}"] = json.loads(json.dumps(got).replace(str(folder) + "/", ""))
    return result


def library_cases(folder: Path) -> dict:
    """Name -> keyword arguments of :func:`oos_analysis.simulate`."""
    from oos_analysis import SimulationInputs, orders_from_exports, read_exports
    from oos_analysis.forecast.policy import policy_grid

    exports = read_exports(write_exports(folder))
    orders = orders_from_exports(exports)
    rich = SimulationInputs(orders_per_day=(20, 22, 25, 30, 28, 15, 12), stockout_rate=0.05,
                            buy_at_loss=0.4, buyer_accept=0.3, dispersion=10, level_sd=0.1,
                            burst_orders=1.6, burst_days=2.5, burst_no_source=0.3,
                            events=[("2026-12-02", "2026-12-03", 2.0)])
    return {
        "empty:grid": dict(orders=None, inputs=rich, start="2026-12-01", horizon=7, draws=3000,
                           rng=2, policies=policy_grid(rich), policy_draws=1000),
        "empty:one-playbook": dict(orders=None, inputs=rich, start="2026-12-01", horizon=3,
                                   draws=500, rng=np_generator(9), compare_playbooks=False,
                                   playbook="no-request"),
        "files:estimated": dict(orders=orders, stockout_log=exports.stockout_log, horizon=6,
                                draws=2000, rng=5),
        "files:capped": dict(orders=orders, stockout_log=exports.stockout_log, horizon=2,
                             draws=700, rng=6, cancel=["111-0000026-0000004"],
                             policies=[SimulationInputs(orders_per_day=10, stockout_rate=0.02,
                                                        loss_cap=c, losses=(4.0, 12.5))
                                       for c in (0, 5, 20)],
                             policy_draws=400, partial_day=False, threshold=0.05),
    }


def np_generator(seed: int):
    import numpy as np

    return np.random.default_rng(seed)


def frames(kwargs: dict) -> dict:
    """Digests of every frame of the result (or None), and the warnings given."""
    from oos_analysis import simulate

    kwargs = dict(kwargs)
    orders = kwargs.pop("orders")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = simulate(orders, **kwargs)
    got = {}
    for name in ("days", "summary", "playbooks", "policies", "horizons"):
        frame = getattr(result, name)
        got[name] = None if frame is None else read_outputs.digest(frame)
    got["warnings"] = [str(w.message) for w in caught]
    return got


def library(folder: Path) -> dict:
    return {name: frames(kwargs) for name, kwargs in library_cases(folder).items()}


def outputs(folder: Path) -> dict:
    return {**{f"cli:{k}": v for k, v in commands(folder).items()},
            **{f"lib:{k}": v for k, v in library(folder).items()}}


if __name__ == "__main__":
    read_outputs.write_golden(GOLDEN, outputs)
