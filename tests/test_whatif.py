"""The what-if: it starts at the weekly report's forecast, and each control does what it says."""

from __future__ import annotations

import ast
import itertools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from oos_analysis.report.render import notebook_parameters
from oos_analysis.report.whatif import STEP, RiskTracker, WhatIf, what_if_figure

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
# The parameters that decide the report's forecast; the what-if must default them alike.
FORECAST = ("files", "store", "asof", "marketplace", "tz", "threshold", "horizon", "loss_cap",
            "stockout_rate", "risk", "seed", "draws")


def _defaults(notebook: str) -> dict:
    declared = notebook_parameters(NOTEBOOKS / notebook)
    return {name: ast.literal_eval(declared[name]["default"]) for name in declared}


@pytest.fixture(scope="module")
def defaults():
    return _defaults("what-if.ipynb")


@pytest.fixture(scope="module")
def whatif(defaults):
    files = [NOTEBOOKS / f for f in defaults["files"]]
    options = {k: defaults[k] for k in FORECAST if k != "files"}
    return WhatIf.from_files(files, **options)


def test_what_if_declares_the_reports_forecast_parameters_with_the_same_defaults(defaults):
    report = _defaults("weekly-report.ipynb")
    for name in FORECAST:
        if name in report:
            assert defaults[name] == report[name], name


def test_first_forecast_is_the_reports(whatif):
    """The weekly report's own model, built from its notebook's defaults, forecasts the same."""
    from oos_analysis.report.model import load_report

    options = {k: v for k, v in _defaults("weekly-report.ipynb").items() if k != "files"}
    files = [NOTEBOOKS / f for f in _defaults("weekly-report.ipynb")["files"]]
    report = load_report(files, **options)
    section = report[whatif.marketplace]
    assert report.marketplaces[0].marketplace == whatif.marketplace  # the report's first
    assert whatif.asof == report.asof.isoformat()
    first = whatif.run()
    assert first.p_any_breach == section.p_breach[report.horizon]
    pd.testing.assert_frame_equal(first.result.days, section.fan)
    pd.testing.assert_frame_equal(first.frontier, section.policies)


def test_controls_start_at_the_estimates_on_their_step(whatif):
    start, base = whatif.start(), whatif.base
    assert start["stockout_pct"] == pytest.approx(100 * base.stockout_rate, abs=STEP / 2)
    assert start["buy_pct"] == pytest.approx(100 * base.buy_probability, abs=STEP / 2)
    assert start["orders_per_day"] == pytest.approx(np.mean(base.orders_per_day), abs=STEP / 2)
    for name in ("stockout_pct", "buy_pct", "orders_per_day", "accept_pct"):
        assert round(start[name] / STEP) * STEP == pytest.approx(start[name])
    # The rounded start, and anything within half a step of it, is the estimate itself.
    assert whatif.inputs_for(start)[0] is base
    nudged = {**start, "stockout_pct": start["stockout_pct"] + STEP * 0.4}
    assert whatif.inputs_for(nudged)[0] is base
    moved = {**start, "stockout_pct": 1.0}
    assert whatif.inputs_for(moved)[0].stockout_rate == 0.01


def test_orders_per_day_scales_the_weekday_pattern(whatif):
    start = whatif.start()
    doubled = {**start, "orders_per_day": 2 * start["orders_per_day"]}
    inputs = whatif.inputs_for(doubled)[0]
    ratio = np.asarray(inputs.orders_per_day) / np.asarray(whatif.base.orders_per_day)
    assert np.allclose(ratio, 2 * start["orders_per_day"] / np.mean(whatif.base.orders_per_day))


def test_per_order_toggles_change_the_expected_count_by_hand(whatif):
    """Exact expectations: an open order counts with probability (1 - buy)(1 - accept).

    ``accept`` is the chance at the order's stage: after the reminder, the reminder's own.
    """
    start = whatif.start()
    b = whatif.base.buy_probability
    expected = lambda s: float(whatif.run(s, frontier=False).result.summary[  # noqa: E731
        "expected_cancellations"].iloc[0])
    base = expected(start)
    cases = whatif.open_orders
    no_source = cases.loc[cases["loss_if_bought"].isna(), "order_id"].iloc[0]
    sourced = cases.loc[cases["loss_if_bought"].notna(), "order_id"].iloc[0]
    log = whatif.stockout_log.set_index("order_id")
    after = whatif.base.reminder_accept
    after = whatif.base.buyer_accept if after is None else after

    def stage_q(order_id):
        reminded = pd.notna(log.loc[order_id, "reminder_sent_at"])
        return after if reminded else whatif.base.buyer_accept

    q = stage_q(no_source)
    # No source: counted with probability 1 - q; cancelling makes it 1; buying makes it 0.
    assert expected({**start, no_source: "cancel"}) - base == pytest.approx(q)
    assert expected({**start, no_source: "buy"}) - base == pytest.approx(-(1 - q))
    assert expected({**start, no_source: "request"}) == pytest.approx(base)
    # A source at a loss: bought with probability b; asking instead gives up the buying. It
    # also marks the SKU's recent stock-out episode as one without a source, so its further
    # stock-outs (bursts) can no longer be bought either: the count rises by at least that.
    rise = expected({**start, sourced: "request"}) - base
    own = b * (1 - stage_q(sourced))
    assert own - 1e-9 <= rise <= own + 0.1
    every = {**start, **{o: "buy" for o in cases["order_id"]}}
    all_bought = whatif.run(every, frontier=False)
    assert all_bought.p_if_open_bought is None
    assert whatif.run(start).p_if_open_bought == all_bought.p_any_breach


def test_amazons_rule_never_lowers_the_risk(whatif):
    start = whatif.start()
    request = whatif.run(start, frontier=False)
    no_request = whatif.run({**start, "playbook": "no-request"}, frontier=False)
    assert no_request.p_any_breach >= request.p_any_breach
    summary = lambda o, c: float(o.result.summary[c].iloc[0])  # noqa: E731
    assert summary(no_request, "expected_cancellations") > summary(request,
                                                                   "expected_cancellations")


def test_risk_tracker_credits_each_control():
    tracker = RiskTracker(start=0.5)
    assert "as in the weekly report" in tracker.sentence()
    tracker.record("stock-outs (%)", 0.3)  # -0.2
    tracker.record("orders per day", 0.45)  # +0.15
    tracker.record("stock-outs (%)", 0.55)  # +0.1: stock-outs -0.1 in all
    assert tracker.biggest() == ("orders per day", pytest.approx(0.15))
    assert tracker.sentence().startswith("Since the start, orders per day moved the risk most")


def _drawn_texts(fig) -> list:
    """Every label the figure draws: titles, axis and tick labels, annotations, legends."""
    texts = []
    for ax in fig.axes:
        texts += [ax.title, ax._left_title, ax._right_title, *ax.texts]
        for axis, (low, high) in ((ax.xaxis, ax.get_xlim()), (ax.yaxis, ax.get_ylim())):
            if not axis.get_visible():
                continue
            texts += [axis.label, axis.get_offset_text()]
            lo, hi = min(low, high), max(low, high)
            texts += [label for tick, label in zip(axis.get_majorticklocs(),
                                                   axis.get_majorticklabels(), strict=False)
                      if lo <= tick <= hi]
    for legend in fig.legends + [ax.get_legend() for ax in fig.axes if ax.get_legend()]:
        texts += legend.get_texts()
    return [t for t in texts if t.get_visible() and t.get_text().strip()]


def _overlaps(fig) -> list:
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in _drawn_texts(fig)]
    return [(a, b) for (a, x), (b, y) in itertools.combinations(boxes, 2) if x.overlaps(y)]


@pytest.mark.parametrize("change", [{}, {"stockout_pct": 1.0}, {"policy": "loss cap"},
                                    {"playbook": "no-request", "stockout_pct": 10.0}])
def test_figure_labels_never_overlap_at_the_default_width(whatif, change):
    outcome = whatif.run({**whatif.start(), **change})
    fig = what_if_figure(whatif, outcome)
    assert _overlaps(fig) == []
    assert sum(t.get_visible() for ax in fig.axes for t in ax.texts) >= 1  # some labels stay


def test_panel_draws_once_per_change_and_disables_the_inactive_buying_control(whatif):
    from oos_analysis.report.whatif_widgets import WhatIfPanel

    panel = WhatIfPanel(whatif)
    panel.widget
    assert panel.draws == 1
    assert panel.controls["loss_cap"].disabled and not panel.controls["buy_pct"].disabled
    panel.controls["stockout_pct"].value = 0.0
    assert panel.draws == 2
    panel.controls["policy"].value = "loss cap"
    assert panel.draws == 3
    assert panel.controls["buy_pct"].disabled and not panel.controls["loss_cap"].disabled
    assert "moved the risk most" in panel.lines()[-1]
    first_id = whatif.open_orders["order_id"].iloc[0]
    panel.controls[first_id].value = "cancel"
    assert panel.draws == 4 and panel.settings[first_id] == "cancel"
    assert " USD" in " ".join(panel.lines())


def test_burst_controls_follow_the_simulator(whatif):
    if not whatif.models_bursts:
        pytest.skip("this simulator has no supplier bursts yet")
    start, base = whatif.start(), whatif.base
    assert whatif.inputs_for(start)[0] is base
    inputs = whatif.inputs_for({**start, "burst_orders": 4.0, "burst_days": 3.0,
                                "no_source_pct": 50.0})[0]
    assert (inputs.burst_orders, inputs.burst_days, inputs.burst_no_source) == (4.0, 3.0, 0.5)
    p = lambda s: whatif.run(s, frontier=False).p_any_breach  # noqa: E731
    # Episodes no source can fill can only add counted cancellations (the forecast issue).
    assert p({**start, "no_source_pct": 100.0}) >= p(start)


def test_partial_day_control_follows_the_simulator(whatif):
    if not whatif.models_partial_day:
        pytest.skip("this simulator does not top up a partial last day yet")
    start = whatif.start()
    assert start["partial_day"] == "detect"
    p = lambda s: whatif.run(s, frontier=False).p_any_breach  # noqa: E731
    # The sample's last day is partial (exported mid-day): taking its few orders as the whole
    # day makes the window smaller, so the forecast can only be riskier.
    assert p({**start, "partial_day": "complete"}) >= p(start)


def test_panel_has_a_control_for_everything_the_simulator_models(whatif):
    from oos_analysis.report.whatif_widgets import WhatIfPanel

    panel = WhatIfPanel(whatif)
    texts = [getattr(w, "value", "") for w in panel.widget.children]
    todo = any("Not yet here" in str(t) for t in texts)
    assert todo == (not (whatif.models_bursts and whatif.models_partial_day))
    assert ("burst_orders" in panel.controls) == whatif.models_bursts
    assert ("partial_day" in panel.controls) == whatif.models_partial_day
