"""The what-if: the weekly report's forecast, with every input turned into a control.

:class:`WhatIf` reads the same files with the same parameters as the weekly report, so its first
forecast is the report's forecast. A *settings* dict holds one value per control:

* ``orders_per_day`` (the average; the weekday pattern is scaled, not flattened),
  ``stockout_pct``, ``buy_pct``, ``loss_cap``, ``accept_pct``: numbers, percentages in percent;
* ``policy``: ``"buy share"`` or ``"loss cap"`` (how stock-outs are bought);
* ``playbook``: ``"request"`` (the shop's playbook) or ``"no-request"`` (Amazon's written rule:
  no message, so no official buyer cancellation);
* one entry per open stuck order, keyed by its order id: ``"playbook"`` (decided by the policy,
  as in the report), ``"buy"``, ``"request"`` (ask, never buy) or ``"cancel"`` (No Inventory);
* when the simulator models them: ``burst_orders`` (stock-outs per episode of a SKU running
  dry), ``burst_days`` (how long an episode lasts), ``no_source_pct`` (episodes no source can
  fill) and ``partial_day`` (``"detect"`` the partial last day and simulate its rest, or
  ``"complete"``: take the last day as it is).

A setting within half a step of its starting value leaves the estimated input exactly as it was,
so the starting values shown rounded still give the report's forecast. :func:`what_if_figure`
draws the forecast and the policy frontier with no overlapping labels; :class:`RiskTracker`
says which control moved the risk most since the start.
"""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..exceptions import ParameterError
from ..metric.rate import DEFAULT_THRESHOLD

__all__ = ["WhatIf", "Outcome", "RiskTracker", "what_if_figure", "money", "ORDER_CHOICES",
           "STEP"]

ORDER_CHOICES = ("playbook", "buy", "request", "cancel")
"""What the seller may decide for an open stuck order (``playbook`` = leave it to the policy)."""

STEP = 0.01
"""The step of every numeric control; starting values are rounded to it."""

NUMBERS = ("orders_per_day", "stockout_pct", "buy_pct", "loss_cap", "accept_pct")
BURSTS = ("burst_orders", "burst_days", "no_source_pct")

LABELS = {
    "orders_per_day": "orders per day",
    "stockout_pct": "stock-outs (%)",
    "buy_pct": "buy share (%)",
    "loss_cap": "loss cap",
    "accept_pct": "buyer accepts (%)",
    "policy": "buying policy",
    "playbook": "playbook",
    "burst_orders": "stock-outs per burst",
    "burst_days": "burst length (days)",
    "no_source_pct": "bursts with no source (%)",
    "partial_day": "last day",
}


def money(amount, currency) -> str:
    """An amount with its currency; yen without decimals.

    >>> money(187.13681, "USD"), money(1299.6, "JPY"), money(float("nan"), "USD")
    ('187.14 USD', '1,300 JPY', '')
    """
    if amount is None or pd.isna(amount):
        return ""
    currency = "" if currency is None or pd.isna(currency) else str(currency)
    places = 0 if currency == "JPY" else 2
    return f"{float(amount):,.{places}f} {currency}".strip()


@dataclass(frozen=True)
class Outcome:
    """One run of the what-if: the forecast, the policy frontier, and the open orders' share."""

    result: object  # SimulationResult
    frontier: pd.DataFrame
    p_any_breach: float
    p_if_open_bought: float | None  # the breach chance with every open stuck order bought


@dataclass
class WhatIf:
    """The report's forecast for one marketplace, ready to be changed control by control."""

    orders: pd.DataFrame
    stockout_log: pd.DataFrame
    asof: str
    marketplace: str
    base: object  # SimulationInputs, as the report estimates them
    tz: str = "UTC"
    threshold: float = DEFAULT_THRESHOLD
    horizon: int = 28
    risk: float = 0.05
    draws: int = 10_000
    seed: int = 0
    currency: str | None = None

    @classmethod
    def from_files(cls, files, *, store: str = "", asof: str = "", marketplace: str = "",
                   tz: str = "UTC", loss_cap: float = -1.0, stockout_rate: float = -1.0,
                   **options) -> WhatIf:
        """Read the exports (or the store) and estimate the inputs exactly as the report does.

        As in :func:`~oos_analysis.report.model.load_report`: the exports as known at the end of
        the as-of day, ``""`` for "not given", a negative ``loss_cap`` for the buying policy
        seen in the log and a negative ``stockout_rate`` for "estimate it". The marketplace
        defaults to the report's first (the one with the most MFN orders).
        """
        import warnings

        from ..exceptions import DataQualityWarning
        from ..forecast.simulation import SimulationInputs
        from ..io.readers import read_exports
        from ..metric.known import known_on
        from ..metric.orders import orders_from_exports
        from .model import check_scope

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DataQualityWarning)  # the report lists them
            if store:
                from ..store.loader import load

                exports = load(store)
            else:
                exports = read_exports([Path(f) for f in files])
            _, day, names = check_scope(exports, asof=asof or None,
                                        marketplaces=marketplace or None, tz=tz)
            known = known_on(exports, day, tz=tz)
            orders = orders_from_exports(known)
        market = names[0]
        log = known.stockout_log
        base = SimulationInputs.from_history(
            orders, log if len(log) else None, asof=day, marketplace=market, tz=tz,
            loss_cap=None if loss_cap < 0 else loss_cap,
            stockout_rate=None if stockout_rate < 0 else stockout_rate)
        mine = log[log["marketplace"] == market] if "marketplace" in log else log
        currencies = mine["currency"].dropna() if "currency" in mine else pd.Series()
        currency = None if currencies.empty else str(currencies.mode().iloc[0])
        return cls(orders, log, str(day), market, base, tz=tz, currency=currency, **options)

    # -- the controls' starting values -------------------------------------------------------

    @property
    def models_bursts(self) -> bool:
        """Whether the simulator models supplier bursts (stock-out episodes)."""
        return hasattr(self.base, "burst_orders")

    @property
    def models_partial_day(self) -> bool:
        """Whether the simulator can top up a partial last day."""
        import inspect

        from ..forecast.simulation import simulate

        return "partial_day" in inspect.signature(simulate).parameters

    @functools.cached_property
    def open_orders(self) -> pd.DataFrame:
        """The open stuck orders the forecast carries: ``order_id``, ``sku``, ``loss_if_bought``.

        Those are the open stock-outs detected by the as-of day whose order is an uncounted MFN
        order placed in the forecast's windows (from six days before the first simulated day);
        an older one changes none of the simulated days.
        """
        log, orders = self.stockout_log, self.orders
        asof = pd.Timestamp(self.asof).date()
        keep = (log["resolution"] == "open") & (log["marketplace"] == self.marketplace)
        detected = pd.to_datetime(log["detected_at"], utc=True).dt.tz_convert(self.tz).dt.date
        keep &= detected <= asof
        day = orders["purchase_date"].dt.tz_convert(self.tz).dt.date
        first = asof - pd.Timedelta(days=5)
        live = orders["in_metric"].astype(bool) & ~orders["counted"].astype(bool) & \
            (orders["marketplace"] == self.marketplace) & (day >= first) & (day <= asof)
        keep &= log["order_id"].isin(orders.loc[live, "order_id"])
        columns = ["order_id", "sku", "loss_if_bought"]
        return log.loc[keep, columns].drop_duplicates("order_id").reset_index(drop=True)

    def start(self) -> dict:
        """The settings the controls start from: the estimates, rounded to :data:`STEP`."""
        base = self.base
        losses = np.asarray(base.losses, dtype=float)
        losses = losses[np.isfinite(losses)]
        cap = base.loss_cap if base.loss_cap is not None else \
            (float(np.median(losses)) if losses.size else 0.0)
        settings = {
            "orders_per_day": _round(np.mean(base.orders_per_day)),
            "stockout_pct": _round(100 * base.stockout_rate),
            "policy": "loss cap" if base.loss_cap is not None else "buy share",
            "buy_pct": _round(100 * base.buy_probability),
            "loss_cap": _round(cap),
            "accept_pct": _round(100 * base.buyer_accept),
            "playbook": "request",
        }
        if self.models_bursts:
            settings.update(burst_orders=_round(base.burst_orders),
                            burst_days=_round(base.burst_days),
                            no_source_pct=_round(100 * base.burst_no_source))
        if self.models_partial_day:
            settings["partial_day"] = "detect"
        settings.update({order_id: "playbook" for order_id in self.open_orders["order_id"]})
        return settings

    # -- from settings to a forecast -------------------------------------------------------------

    def inputs_for(self, settings: dict):
        """The simulator's inputs, stock-out log and planned cancellations for ``settings``.

        Returns
        -------
        (SimulationInputs, DataFrame, list of str)
        """
        start, base = self.start(), self.base
        moved = {k for k in (*NUMBERS, *BURSTS) if k in start and
                 abs(float(settings[k]) - float(start[k])) >= STEP / 2}
        changes = {}
        if "orders_per_day" in moved:
            mean = float(np.mean(base.orders_per_day))
            scale = float(settings["orders_per_day"]) / mean if mean else 0.0
            pattern = np.asarray(base.orders_per_day) * scale if mean else \
                np.repeat(float(settings["orders_per_day"]), 7)
            changes["orders_per_day"] = tuple(float(x) for x in pattern)
        if "stockout_pct" in moved:
            changes["stockout_rate"] = _fraction(settings["stockout_pct"], "stock-outs")
        if "accept_pct" in moved:
            changes["buyer_accept"] = _fraction(settings["accept_pct"], "buyer accepts")
        if "burst_orders" in moved:
            changes["burst_orders"] = max(float(settings["burst_orders"]), 1.0)
        if "burst_days" in moved:
            changes["burst_days"] = max(float(settings["burst_days"]), 1.0)
        if "no_source_pct" in moved:
            changes["burst_no_source"] = _fraction(settings["no_source_pct"], "no source")
        inputs = dataclasses.replace(base, **changes) if changes else base
        if settings["policy"] != start["policy"] or moved & {"buy_pct", "loss_cap"}:
            if settings["policy"] == "loss cap":
                inputs = inputs.with_policy(loss_cap=max(float(settings["loss_cap"]), 0.0))
            else:
                inputs = inputs.with_policy(buy_at_loss=_fraction(settings["buy_pct"], "buy share"))
        if settings["playbook"] == "no-request":
            if hasattr(inputs, "with_playbook"):
                inputs = inputs.with_playbook("no-request")
            else:  # the older model: no request means no official buyer cancellation
                inputs = dataclasses.replace(inputs, buyer_accept=0.0, reminder_rate=0.0)
        log, cancel = self._decide_open(settings)
        return inputs, log, cancel

    def _decide_open(self, settings: dict):
        """Apply the per-order decisions to a copy of the log; return it and the cancellations."""
        decisions = {o: settings.get(o, "playbook") for o in self.open_orders["order_id"]}
        unknown = {d for d in decisions.values() if d not in ORDER_CHOICES}
        if unknown:
            raise ParameterError(f"an open order's decision must be one of {ORDER_CHOICES}; "
                                 f"got {sorted(unknown)}.")
        if all(d == "playbook" for d in decisions.values()):
            return self.stockout_log, []
        log = self.stockout_log.copy()
        is_open = log["resolution"] == "open"
        bought = [o for o, d in decisions.items() if d == "buy"]
        asked = [o for o, d in decisions.items() if d == "request"]
        log.loc[is_open & log["order_id"].isin(bought), "resolution"] = "bought"
        log.loc[is_open & log["order_id"].isin(bought), "resolved_at"] = \
            pd.Timestamp(self.asof, tz="UTC")
        # Asked and never bought: as if no source had stock.
        log.loc[is_open & log["order_id"].isin(asked), "loss_if_bought"] = pd.NA
        return log, [o for o, d in decisions.items() if d == "cancel"]

    def run(self, settings: dict | None = None, *, frontier: bool = True) -> Outcome:
        """Simulate ``settings`` (default: the start) like the report; the same seed each time."""
        from ..forecast.policy import compare_policies
        from ..forecast.simulation import simulate

        settings = self.start() if settings is None else settings
        inputs, log, cancel = self.inputs_for(settings)
        options = dict(stockout_log=log if len(log) else None, asof=self.asof,
                       marketplace=self.marketplace, threshold=self.threshold, tz=self.tz,
                       horizon=self.horizon)
        if settings.get("partial_day", "detect") == "complete":
            options["partial_day"] = False  # take the last day's orders as the whole day
        result = simulate(self.orders, inputs=inputs, cancel=cancel, draws=self.draws,
                          rng=self.seed, **options)
        from .model import POLICY_DRAWS

        # The report's cap on paths per policy, so the frontier starts as the report's.
        policies = compare_policies(self.orders, inputs=inputs, cancel=cancel, risk=self.risk,
                                    draws=min(self.draws, POLICY_DRAWS), rng=self.seed,
                                    **options) \
            if frontier else pd.DataFrame()
        p = float(result.summary["p_any_breach"].iloc[0])
        p_bought = None
        left = [o for o in self.open_orders["order_id"] if settings.get(o, "playbook") != "buy"
                and o not in cancel]
        if left:
            all_bought = {**settings, **{o: "buy" for o in self.open_orders["order_id"]}}
            inputs2, log2, cancel2 = self.inputs_for(all_bought)
            other = simulate(self.orders, inputs=inputs2, cancel=cancel2, draws=self.draws,
                             rng=self.seed,
                             **{**options, "stockout_log": log2 if len(log2) else None})
            p_bought = float(other.summary["p_any_breach"].iloc[0])
        return Outcome(result, policies, p, p_bought)

    def summary_lines(self, outcome: Outcome) -> list[str]:
        """The sentences under the chart: the risk, the cost, and the open orders' share."""
        summary = outcome.result.summary.iloc[0]
        lines = [
            f"Chance of at least one breach day in the next {self.horizon} days: "
            f"**{_pct(outcome.p_any_breach)}**. Expected counted cancellations "
            f"{summary['expected_cancellations']:.1f}; expected loss from buying "
            f"{money(summary['expected_loss'], self.currency) or 'not known'}."
        ]
        note = summary.get("note")
        if isinstance(note, str) and note:
            lines.append(f"Note: {note}.")
        if outcome.p_if_open_bought is not None:
            n = len(self.open_orders)
            lines.append(
                f"The {n} open stuck order(s) weigh on this: with all of them bought, the chance "
                f"would be {_pct(outcome.p_if_open_bought)}. Stock-outs still to come cannot "
                "change orders already stuck; decide those with the toggles above.")
        return lines


def _round(value) -> float:
    return round(float(value), 2)  # STEP = 0.01


def _fraction(percent, name: str) -> float:
    value = float(percent) / 100
    if not 0 <= value <= 1:
        raise ParameterError(f"{name} must be between 0 and 100 %; got {percent!r}.")
    return value


@dataclass
class RiskTracker:
    """Which control moved the risk most since the start.

    Every change of one control is credited with the change in the breach chance it caused;
    the control with the largest total (in either direction) moved the risk most.

    Examples
    --------
    >>> tracker = RiskTracker(start=0.86)
    >>> tracker.record("stock-outs (%)", 0.60)
    >>> tracker.record("orders per day", 0.65)
    >>> print(tracker.sentence())  # doctest: +NORMALIZE_WHITESPACE
    Since the start, stock-outs (%) moved the risk most: 86.0 % → 60.0 % (−26.0 points);
    now 65.0 %.
    """

    start: float
    now: float | None = None
    moves: dict = field(default_factory=dict)

    def __post_init__(self):
        self.now = self.start if self.now is None else self.now

    def record(self, control: str, p: float) -> None:
        self.moves[control] = self.moves.get(control, 0.0) + (p - self.now)
        self.now = p

    def biggest(self) -> tuple[str, float] | None:
        moved = {k: v for k, v in self.moves.items() if abs(v) >= 0.0005}
        if not moved:
            return None
        name = max(moved, key=lambda k: abs(moved[k]))
        return name, moved[name]

    def sentence(self) -> str:
        top = self.biggest()
        if top is None:
            return (f"The controls are at the report's estimates: the breach chance is "
                    f"{_pct(self.start)}, as in the weekly report.")
        name, delta = top
        sign = "+" if delta > 0 else "−"
        return (f"Since the start, {name} moved the risk most: {_pct(self.start)} → "
                f"{_pct(self.start + delta)} ({sign}{abs(delta) * 100:.1f} points); now "
                f"{_pct(self.now)}.")


def _pct(p: float) -> str:
    return f"{p * 100:.1f} %"


def what_if_figure(whatif: WhatIf, outcome: Outcome, *, width: float = 11.0):
    """The forecast fan and the policy frontier side by side, labels never overlapping.

    A Figure made without pyplot, so a notebook shows it once, where it is displayed.
    """
    from matplotlib.figure import Figure

    from .plots import plot_breach_fan, plot_policy_frontier

    fig = Figure(figsize=(width, 4.8), layout="constrained")
    left, right = fig.subplots(1, 2, width_ratios=[1.25, 1])
    plot_breach_fan(outcome.result.days, threshold=whatif.threshold, ax=left)
    left.set_title(f"Next {whatif.horizon} days: P(any breach) = {outcome.p_any_breach:.0%}",
                   fontsize=10)
    handles, labels = [], []
    for ax in (left, getattr(left, "p_breach_ax", None)):
        if ax is not None:
            more, names = ax.get_legend_handles_labels()
            handles, labels = handles + more, labels + names
    if len(outcome.frontier):
        plot_policy_frontier(outcome.frontier, risk=whatif.risk, ax=right)
        right.set_title("Buying policies: expected loss against risk", fontsize=10)
        if whatif.currency:
            right.set_ylabel(f"expected loss ({whatif.currency})")
        more, names = right.get_legend_handles_labels()
        handles, labels = handles + more, labels + names
    else:
        right.set_axis_off()
    for ax in fig.axes:
        if ax.get_legend() is not None:
            ax.get_legend().remove()
    # One legend under both charts, where it covers no data.
    fig.legend(handles, labels, loc="outside lower center", ncols=4, fontsize=8, frameon=False)
    _readable(fig)
    return fig


def _readable(fig) -> None:
    """Thin the date ticks and hide the policy labels that would overlap another label."""
    import matplotlib.dates as mdates
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)  # a canvas that can measure text, whatever the notebook's backend
    for ax in fig.axes:
        if isinstance(ax.xaxis.get_major_locator(), mdates.AutoDateLocator | mdates.DayLocator):
            ax.xaxis.set_major_locator(mdates.AutoDateLocator(minticks=3, maxticks=6))
            ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(ax.xaxis.get_major_locator()))
        ax.tick_params(labelsize=8)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    kept = [b for b in _fixed_boxes(fig, renderer)]
    for ax in fig.axes:
        frame = ax.get_window_extent(renderer)
        for text in list(ax.texts):
            box = text.get_window_extent(renderer)
            if box.x1 > frame.x1 and hasattr(text, "xyann"):  # past the right edge: put it left
                text.set_horizontalalignment("right")
                text.xyann = (-abs(text.xyann[0]), text.xyann[1])
                box = text.get_window_extent(renderer)
            inside = frame.x0 <= box.x0 and box.x1 <= frame.x1 and frame.y0 <= box.y0 and \
                box.y1 <= frame.y1
            if inside and not any(box.overlaps(other) for other in kept):
                kept.append(box)
            else:
                text.set_visible(False)


def _fixed_boxes(fig, renderer) -> list:
    """Bounding boxes of the labels that always show: titles, axis labels, ticks, legends."""
    boxes = []
    for ax in fig.axes:
        for text in (ax.title, ax.xaxis.label, ax.yaxis.label, *ax.get_xticklabels(),
                     *ax.get_yticklabels()):
            if text.get_visible() and text.get_text():
                boxes.append(text.get_window_extent(renderer))
    for legend in fig.legends:
        boxes.append(legend.get_window_extent(renderer))
    return boxes
