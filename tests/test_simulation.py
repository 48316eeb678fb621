"""The what-if model: estimation, scenario set-up, Monte Carlo outputs, reproducibility."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oos_analysis import DataQualityWarning, ParameterError, SimulationInputs, simulate
from oos_analysis.forecast.simulation import _weighted_quantiles
from oos_analysis.io.schema import STOCKOUT_LOG_COLUMNS

MP = "amazon.com"


def make_orders(per_day: dict[str, int], *, counted: dict[str, int] | None = None,
                marketplace: str = MP, prefix: str = "A") -> pd.DataFrame:
    """``per_day``: date -> number of MFN orders; ``counted``: date -> how many are counted."""
    rows = []
    for day, n in per_day.items():
        for i in range(n):
            rows.append({
                "order_id": f"{prefix}-{day}-{i:03d}",
                "marketplace": marketplace,
                "purchase_date": pd.Timestamp(f"{day}T12:00:00Z"),
                "in_metric": True,
                "counted": i < (counted or {}).get(day, 0),
            })
    frame = pd.DataFrame(rows)
    frame["purchase_date"] = pd.to_datetime(frame["purchase_date"], utc=True)
    return frame


def make_log(rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame([{c: r.get(c) for c in STOCKOUT_LOG_COLUMNS} for r in rows],
                         columns=list(STOCKOUT_LOG_COLUMNS))
    for c in ("detected_at", "ship_by", "request_sent_at", "reminder_sent_at",
              "official_request_at", "resolved_at"):
        frame[c] = pd.to_datetime(frame[c], utc=True)
    frame["loss_if_bought"] = frame["loss_if_bought"].astype("Float64")
    return frame


def days(start: str, n: int) -> list[str]:
    return [d.strftime("%Y-%m-%d") for d in pd.date_range(start, periods=n)]


# --- SimulationInputs -----------------------------------------------------------------------------

def test_inputs_derived_probabilities():
    inputs = SimulationInputs(orders_per_day=[1, 2, 3, 4, 5, 6, 7], stockout_rate=0.1,
                              buy_at_loss=0.25, buyer_accept=0.2)
    assert inputs.orders_per_day == (1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0)
    assert inputs.counted_probability == pytest.approx(0.1 * 0.75 * 0.8)
    assert inputs.reminders_per_request == pytest.approx(0.8)  # default 1 - q
    capped = SimulationInputs(orders_per_day=10, stockout_rate=0.1, loss_cap=5.0,
                              losses=(1.0, 5.0, 9.0, float("nan")))
    # 1 and 5 are within the cap, 9 is not, NaN cannot be bought.
    assert capped.buy_probability == 0.5
    assert capped.loss_per_stockout == pytest.approx((1 + 5) / 4)
    assert capped.policy == "loss cap 5"


@pytest.mark.parametrize("kwargs, word", [
    ({"stockout_rate": 1.5}, "stockout_rate"),
    ({"stockout_rate": 0.1, "buyer_accept": -0.1}, "buyer_accept"),
    ({"stockout_rate": 0.1, "buy_at_loss": 0.5, "loss_cap": 3}, "not both"),
    ({"stockout_rate": 0.1, "loss_cap": 3}, "recorded losses"),
    ({"stockout_rate": 0.1, "orders_per_day": [1, 2]}, "seven"),
])
def test_inputs_reject_bad_values(kwargs, word):
    kwargs = {"orders_per_day": 10, **kwargs}
    with pytest.raises(ParameterError, match=word):
        SimulationInputs(**kwargs)


def test_from_history_estimates_by_hand():
    # 28 days ending Sunday 2026-11-22; Mondays have 4 orders, other days 2.
    span = pd.date_range("2026-10-26", "2026-11-22")
    per_day = {d.strftime("%Y-%m-%d"): (4 if d.weekday() == 0 else 2) for d in span}
    orders = make_orders(per_day)
    n_orders = sum(per_day.values())  # all within the 90-day window
    log = make_log([
        {"order_id": "x1", "marketplace": MP, "detected_at": "2026-11-01T01:00Z",
         "loss_if_bought": 3.0, "resolution": "bought"},
        {"order_id": "x2", "marketplace": MP, "detected_at": "2026-11-02T01:00Z",
         "loss_if_bought": None, "request_sent_at": "2026-11-02T02:00Z",
         "official_request_at": "2026-11-03T02:00Z", "resolution": "buyer_cancelled"},
        {"order_id": "x3", "marketplace": MP, "detected_at": "2026-11-03T01:00Z",
         "loss_if_bought": 40.0, "request_sent_at": "2026-11-03T02:00Z",
         "reminder_sent_at": "2026-11-05T02:00Z", "resolution": "no_inventory"},
        {"order_id": "x4", "marketplace": MP, "detected_at": "2026-11-04T01:00Z",
         "loss_if_bought": 7.0, "request_sent_at": "2026-11-04T02:00Z",
         "resolution": "buyer_cancelled"},  # unofficial: counts, not an acceptance
        {"order_id": "x5", "marketplace": MP, "detected_at": "2026-11-20T01:00Z",
         "resolution": "open"},
        {"order_id": "y1", "marketplace": "amazon.ca", "detected_at": "2026-11-20T01:00Z",
         "resolution": "bought", "loss_if_bought": 1.0},
        {"order_id": "x6", "marketplace": MP, "detected_at": "2026-11-30T01:00Z",
         "resolution": "bought", "loss_if_bought": 1.0},  # after the as-of day
    ])
    inputs = SimulationInputs.from_history(orders, log)
    # The last order is at noon, so 2026-11-22 is a partial day and left out of the fit: 27
    # days, Mondays 4 and other days 2, mean 62 / 27. No day varies within its weekday, so no
    # over-dispersion is left (Poisson). The weekday means' spread is compared with the Poisson
    # noise of a weekday mean, level / weeks, and each shrunk by tau2 / (tau2 + noise).
    level = 62 / 27
    raw = np.array([4.0, 2, 2, 2, 2, 2, 2])
    per = np.array([4, 4, 4, 4, 4, 4, 3])
    noise = level / per
    tau2 = max(raw.var(ddof=1) - noise.mean(), 0.0)
    expected = level + tau2 / (tau2 + noise) * (raw - level)
    # A trend is fitted on 27 days < 28 needed: none.
    np.testing.assert_allclose(inputs.orders_per_day, expected)
    assert inputs.dispersion is None and inputs.trend == 0.0
    assert inputs.level_sd == pytest.approx(np.sqrt(level / 27) / level)
    assert inputs.sources["trend"].startswith("fallback")
    assert inputs.stockout_rate == pytest.approx(5 / n_orders)
    assert inputs.buy_at_loss == pytest.approx(1 / 4)     # 1 bought of 4 resolved
    assert inputs.buyer_accept == pytest.approx(1 / 3)    # 1 official of 3 requested
    assert inputs.reminder_rate == pytest.approx(1 / 3)
    np.testing.assert_array_equal(inputs.losses, [3.0, np.nan, 40.0, 7.0, np.nan])
    assert inputs.sources["orders_per_day"].startswith("estimated")
    given_ = SimulationInputs.from_history(orders, log, orders_per_day=9, buyer_accept=0.5)
    assert given_.orders_per_day == (9.0,) * 7 and given_.buyer_accept == 0.5
    assert given_.sources["buyer_accept"] == "given"


def test_from_history_says_which_option_to_pass():
    short = make_orders({d: 3 for d in days("2026-11-20", 5)})
    with pytest.raises(ParameterError, match="orders_per_day"):
        SimulationInputs.from_history(short, None, stockout_rate=0.1)
    with pytest.raises(ParameterError, match="stockout_rate"):
        SimulationInputs.from_history(None, None, orders_per_day=3)
    with pytest.raises(ParameterError, match="orders_per_day"):
        SimulationInputs.from_history(None, None, stockout_rate=0.1)
    defaults = SimulationInputs.from_history(None, None, orders_per_day=3, stockout_rate=0.1)
    assert defaults.buy_probability == 0 and defaults.buyer_accept == 0
    assert defaults.sources["policy"].startswith("default")


# --- deterministic scenarios (no randomness left) -------------------------------------------------

def test_history_rolls_off_day_by_day():
    # 10 orders with 1 counted on 2026-11-30, nothing new: the windows that hold that day breach.
    orders = make_orders({"2026-11-30": 10}, counted={"2026-11-30": 1})
    inputs = SimulationInputs(orders_per_day=0, stockout_rate=0.5)
    result = simulate(orders, inputs=inputs, horizon=9, draws=50, rng=0)
    assert result.days["date"].iloc[0] == pd.Timestamp("2026-12-01")
    assert result.days["p_breach"].tolist() == [1.0] * 6 + [0.0] * 3
    assert result.days["rate_p50"].tolist() == [0.1] * 6 + [0.0] * 3
    assert result.days["cancellations_p50"].tolist() == [1.0] * 6 + [0.0] * 3
    assert result.days["expected_remaining"].tolist() == [0.0] * 9
    assert result.summary.loc[0, "p_any_breach"] == 1.0
    assert result.summary.loc[0, "marketplace"] == MP


def test_budget_left_matches_the_exact_rule():
    # 81 orders, 1 counted, no new orders: (1 + k) * 40 < 81 -> k = 1 more.
    orders = make_orders({"2026-11-30": 81}, counted={"2026-11-30": 1})
    inputs = SimulationInputs(orders_per_day=0, stockout_rate=0.0)
    result = simulate(orders, inputs=inputs, horizon=1, draws=10, rng=0)
    assert result.days["expected_remaining"].tolist() == [1.0]
    assert result.days["p_breach"].tolist() == [0.0]


def test_planned_cancellations_count_for_sure():
    orders = make_orders({"2026-11-28": 50, "2026-11-01": 5})
    inputs = SimulationInputs(orders_per_day=0, stockout_rate=0.0)
    kw = dict(inputs=inputs, start="2026-12-01", horizon=3, draws=20, rng=0)
    one = simulate(orders, cancel=["A-2026-11-28-000"], **kw)
    assert one.days["p_breach"].tolist() == [0.0, 0.0, 0.0]      # 1 / 50 = 2 %
    two = simulate(orders, cancel=["A-2026-11-28-000", "A-2026-11-28-001"], **kw)
    assert two.days["p_breach"].tolist() == [1.0, 1.0, 1.0]      # 2 / 50 = 4 %
    assert two.summary.loc[0, "planned"] == 2
    assert two.summary.loc[0, "expected_cancellations"] == 2
    with pytest.raises(ParameterError, match="NOPE"):
        simulate(orders, cancel=["NOPE"], **kw)
    with pytest.raises(ParameterError, match="outside the windows"):
        simulate(orders, cancel=["A-2026-11-01-000"], **kw)
    counted = make_orders({"2026-11-28": 50}, counted={"2026-11-28": 1})
    with pytest.raises(ParameterError, match="already a counted"):
        simulate(counted, cancel=["A-2026-11-28-000"], **kw)


def _stuck(loss, **extra):
    return make_log([{"order_id": "A-2026-11-29-000", "marketplace": MP,
                      "detected_at": "2026-11-29T13:00Z", "loss_if_bought": loss,
                      "resolution": "open", **extra}])


def test_open_stuck_order_follows_the_policy():
    orders = make_orders({"2026-11-29": 20})
    kw = dict(start="2026-12-01", horizon=2, draws=4000, rng=5)
    never = SimulationInputs(orders_per_day=0, stockout_rate=0.0, buy_at_loss=0.0)
    sure = simulate(orders, stockout_log=_stuck(None), inputs=never, **kw)
    assert sure.days["p_breach"].tolist() == [1.0, 1.0]          # 1 / 20 counted for sure
    assert sure.summary.loc[0, "open_orders"] == 1
    assert sure.summary.loc[0, "expected_requests"] == 1
    capped = SimulationInputs(orders_per_day=0, stockout_rate=0.0, loss_cap=10, losses=(4.0,))
    bought = simulate(orders, stockout_log=_stuck(8.0), inputs=capped, **kw)
    assert bought.days["p_breach"].tolist() == [0.0, 0.0]
    assert bought.summary.loc[0, "expected_loss"] == 8.0
    official = simulate(orders, stockout_log=_stuck(None, official_request_at="2026-11-30T00:00Z"),
                        inputs=never, **kw)
    assert official.days["p_breach"].tolist() == [0.0, 0.0]
    half = SimulationInputs(orders_per_day=0, stockout_rate=0.0, buyer_accept=0.5)
    coin = simulate(orders, stockout_log=_stuck(None), inputs=half, **kw)
    p = coin.days["p_breach"].iloc[0]
    assert abs(p - 0.5) < 4 * np.sqrt(0.25 / 4000)
    assert coin.days["p_breach"].iloc[1] == p                    # same path, same window content


def test_open_order_missing_from_the_data_is_flagged():
    orders = make_orders({"2026-11-29": 20})
    log = make_log([{"order_id": "ELSEWHERE", "marketplace": MP,
                     "detected_at": "2026-11-29T13:00Z", "resolution": "open"}])
    inputs = SimulationInputs(orders_per_day=0, stockout_rate=0.0)
    with pytest.warns(DataQualityWarning, match="not among the MFN orders"):
        result = simulate(orders, stockout_log=log, inputs=inputs, horizon=1, draws=5, rng=0)
    assert result.summary.loc[0, "open_orders"] == 0


def test_expectations_by_hand():
    inputs = SimulationInputs(orders_per_day=20, stockout_rate=0.1, loss_cap=10,
                              losses=(4.0, 12.0, float("nan"), 6.0), buyer_accept=0.5,
                              reminder_rate=0.4)
    result = simulate(None, inputs=inputs, start="2026-12-01", horizon=5, draws=10, rng=0)
    s = result.summary.iloc[0]
    stockouts = 5 * 20 * 0.1                    # 10
    assert s["expected_bought"] == pytest.approx(stockouts * 0.5)   # 4 and 6 within the cap
    assert s["expected_loss"] == pytest.approx(stockouts * (4 + 6) / 4)
    assert s["expected_requests"] == pytest.approx(stockouts * 0.5)
    assert s["expected_reminders"] == pytest.approx(stockouts * 0.5 * 0.4)
    assert s["expected_cancellations"] == pytest.approx(stockouts * 0.5 * 0.5)



def test_events_survive_every_copy_of_the_inputs():
    # A copy under another policy or playbook used to read its stored day numbers as
    # nanoseconds (1970-01-01), so the policy grid and the other playbook lost the event.
    inputs = SimulationInputs(orders_per_day=30, stockout_rate=0.04, buyer_accept=0.5,
                              events=[("2026-12-02", "2026-12-03", 2.0)])
    assert inputs.events == ((20789, 20790, 2.0),)  # 2026-12-02 is day 20,789
    for copy in (inputs.with_policy(buy_at_loss=0.5), inputs.with_playbook("no-request"),
                 inputs.replace(trend=0.0)):
        assert copy.events == inputs.events
    grid = [inputs.with_policy(buy_at_loss=b) for b in (0.0, 0.5)]
    result = simulate(None, inputs=inputs, start="2026-12-01", horizon=5, draws=10, rng=0,
                      policies=grid, policy_draws=10)
    orders = 30 * (5 + 2)                       # five days, two of them doubled
    assert result.summary["expected_orders"].iloc[0] == pytest.approx(orders)
    assert result.policies["expected_orders"].tolist() == pytest.approx([orders] * 2)
    assert result.policies["expected_cancellations"].tolist() == pytest.approx(
        [orders * 0.04 * 0.5, orders * 0.04 * 0.5 * 0.5])
    playbooks = result.playbooks.set_index("playbook")["expected_cancellations"]
    assert playbooks["no-request"] == pytest.approx(orders * 0.04)  # nobody is asked

# --- Monte Carlo behaviour --------------------------------------------------------------------

BASE = SimulationInputs(orders_per_day=30, stockout_rate=0.03, buy_at_loss=0.5, buyer_accept=0.3)


def test_same_seed_same_frames_other_seed_differs():
    kw = dict(inputs=BASE, start="2026-12-01", horizon=10, draws=3000)
    a = simulate(None, rng=11, **kw)
    b = simulate(None, rng=np.random.default_rng(11), **kw)
    pd.testing.assert_frame_equal(a.days, b.days)
    pd.testing.assert_frame_equal(a.summary.drop(columns="seed"), b.summary.drop(columns="seed"))
    c = simulate(None, rng=12, **kw)
    assert not a.days["p_breach"].equals(c.days["p_breach"])


def test_main_result_does_not_depend_on_the_policy_grid():
    kw = dict(inputs=BASE, start="2026-12-01", horizon=10, draws=2000, rng=4)
    alone = simulate(None, **kw)
    grid = [BASE.with_policy(buy_at_loss=b) for b in (0.0, 0.5, 1.0)]
    both = simulate(None, policies=grid, policy_draws=3000, **kw)
    pd.testing.assert_frame_equal(alone.days, both.days)
    assert both.policies["draws"].tolist() == [3000] * 3
    assert both.policies["p_any_breach"].is_monotonic_decreasing
    assert both.policies["p_any_breach"].iloc[-1] == 0.0


def test_paths_drawn_ahead_are_the_paths_drawn_in_turn():
    # The worker thread draws the next chunk while the caller scores one: every array must be
    # the one a single thread drawing chunk after chunk, job after job, gets from the seed.
    from oos_analysis.forecast import simulation as sim

    rich = BASE.replace(dispersion=20.0, level_sd=0.05, burst_orders=1.3, burst_days=2.0)
    sc = sim._scenario(sim.History.build(None), asof=None, start="2026-12-01", horizon=9,
                       cancel=())
    runs = [rich, rich.with_playbook("no-request")]
    grid = [rich.with_policy(buy_at_loss=b) for b in (0.0, 1.0)]
    jobs = [(runs, 2 * sim._CHUNK + 7), (grid, 300)]
    rng = np.random.default_rng(5)
    in_turn = [sim._draw(sc, p, n, rng) for p, d in jobs for n in sim._chunk_sizes(d)]
    ahead = list(sim._drawn(sc, jobs, np.random.default_rng(5)))
    assert [d.draws for d in ahead] == [sim._CHUNK, sim._CHUNK, 7, 300]
    for a, b in zip(ahead, in_turn, strict=True):
        for name in ("orders", "cell", "no_source", "u", "u_buy", "u_accept"):
            np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
        assert a.extra == b.extra


@pytest.mark.parametrize("policies", [1, 2, 5])
def test_policies_scored_in_two_threads_score_as_in_turn(monkeypatch, policies):
    # The stream's last chunk has its policies split between two threads: every frame is the
    # one scoring them in turn gives (the split forced on the main job too, stats included).
    from oos_analysis.forecast import simulation as sim

    rich = BASE.replace(dispersion=20.0, level_sd=0.05, burst_orders=1.3, burst_days=2.0)
    grid = [rich.with_policy(buy_at_loss=b) for b in np.linspace(0, 1, policies)]
    kw = dict(inputs=rich, start="2026-12-01", horizon=9, draws=sim._CHUNK + 700, rng=3)
    for jobs in (dict(), dict(policies=grid, policy_draws=900)):
        monkeypatch.setattr(sim, "_SPLIT_POLICIES", 10**9)
        in_turn = simulate(None, **kw, **jobs)
        monkeypatch.setattr(sim, "_SPLIT_POLICIES", 1)
        split = simulate(None, **kw, **jobs)
        assert (split.policies is None) == (not jobs)
        for name in ("days", "summary", "playbooks", "policies", "horizons"):
            if getattr(in_turn, name) is None:
                assert getattr(split, name) is None
            else:
                pd.testing.assert_frame_equal(getattr(split, name), getattr(in_turn, name))


def test_a_run_stopped_part_way_leaves_no_drawing_thread():
    import threading

    from oos_analysis.forecast import simulation as sim

    sc = sim._scenario(sim.History.build(None), asof=None, start="2026-12-01", horizon=5,
                       cancel=())
    stream = sim._drawn(sc, [([BASE], 5 * sim._CHUNK)], np.random.default_rng(1))
    assert next(stream).draws == sim._CHUNK
    stream.close()
    assert not [t for t in threading.enumerate() if t.name.startswith("oos-draws")]


def test_outputs_are_tidy_and_ordered():
    result = simulate(None, inputs=BASE, start="2026-12-01", horizon=14, draws=3000, rng=2)
    d = result.days
    assert list(d.columns) == ["date", "p_breach", "rate_p05", "rate_p50", "rate_p95",
                               "cancellations_p05", "cancellations_p50", "cancellations_p95",
                               "orders_mean", "expected_remaining", "p_any_breach_to_date"]
    assert len(d) == 14 and d["date"].is_monotonic_increasing
    assert (d["rate_p05"] <= d["rate_p50"]).all() and (d["rate_p50"] <= d["rate_p95"]).all()
    assert d["p_breach"].between(0, 1).all()
    s = result.summary.iloc[0]
    assert s["p_any_breach"] >= d["p_breach"].max()
    assert s["p_any_breach"] == d["p_any_breach_to_date"].iloc[-1]
    # counted cancellations: 14 days * 30 * 0.03 * 0.5 * 0.7
    assert s["expected_cancellations"] == pytest.approx(14 * 30 * 0.0105)


def test_inputs_not_modified():
    orders = make_orders({d: 30 for d in days("2026-10-20", 42)}, counted={"2026-11-29": 1})
    log = _stuck(None)
    before_o, before_l = orders.copy(deep=True), log.copy(deep=True)
    simulate(orders, stockout_log=log, cancel=["A-2026-11-29-001"], horizon=3, draws=100,
             rng=0, inputs=BASE)
    SimulationInputs.from_history(orders, log)
    pd.testing.assert_frame_equal(orders, before_o)
    pd.testing.assert_frame_equal(log, before_l)


def test_marketplace_choice_and_errors():
    orders = pd.concat([make_orders({"2026-11-30": 5}),
                        make_orders({"2026-11-30": 9}, marketplace="amazon.ca", prefix="C")])
    inputs = SimulationInputs(orders_per_day=0, stockout_rate=0.0)
    assert simulate(orders, inputs=inputs, horizon=1, draws=2).summary.loc[0, "marketplace"] \
        == "amazon.ca"
    with pytest.raises(ParameterError, match="amazon.de"):
        simulate(orders, inputs=inputs, marketplace="amazon.de", horizon=1, draws=2)
    with pytest.raises(ParameterError, match="start"):
        simulate(None, inputs=inputs)
    with pytest.raises(ParameterError, match="day after"):
        simulate(orders, inputs=inputs, asof="2026-11-30", start="2026-12-05")
    with pytest.raises(ParameterError, match="horizon"):
        simulate(orders, inputs=inputs, horizon=0)
    with pytest.raises(ParameterError, match="draws"):
        simulate(orders, inputs=inputs, draws=0)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 30), st.integers(1, 50)), min_size=1, max_size=8))
def test_weighted_quantiles_match_numpy(pairs):
    values = np.array([float(v) for v, _ in pairs])
    weights = np.array([w for _, w in pairs])
    levels = np.array([0.05, 0.5, 0.95])
    expected = np.quantile(np.repeat(values, weights), levels)
    np.testing.assert_allclose(_weighted_quantiles(values, weights, levels), expected,
                               rtol=1e-9, atol=1e-9)


def test_days_follow_the_time_zone():
    orders = make_orders({"2026-11-30": 10}, counted={"2026-11-30": 1})
    orders["purchase_date"] = orders["purchase_date"] + pd.Timedelta(hours=8)  # 20:00 UTC
    inputs = SimulationInputs(orders_per_day=0, stockout_rate=0.0)
    utc = simulate(orders, inputs=inputs, horizon=1, draws=2)
    tokyo = simulate(orders, inputs=inputs, horizon=1, draws=2, tz="Asia/Tokyo")  # 05:00 next day
    assert utc.days["date"].tolist() == [pd.Timestamp("2026-12-01")]
    assert tokyo.days["date"].tolist() == [pd.Timestamp("2026-12-02")]
    assert tokyo.days["p_breach"].tolist() == [1.0]


def test_official_request_needs_no_purchase_or_message():
    orders = make_orders({"2026-11-29": 20})
    log = _stuck(5.0, official_request_at="2026-11-30T00:00Z")
    inputs = SimulationInputs(orders_per_day=0, stockout_rate=0.0, buy_at_loss=1.0)
    s = simulate(orders, stockout_log=log, inputs=inputs, horizon=1, draws=5, rng=0).summary
    assert s.loc[0, ["expected_bought", "expected_loss", "expected_requests",
                     "expected_reminders", "expected_cancellations"]].tolist() == [0, 0, 0, 0, 0]
