"""The weekly report as plain data: every number the report shows, computed here and nowhere else.

:func:`weekly_report` reads the exports as they were known at the end of the as-of day
(:func:`~oos_analysis.metric.known.known_on`), then builds one :class:`MarketplaceReport` per
marketplace with MFN orders: its :class:`~oos_analysis.report.status.Status`, the headline
figures, today's to-do list, and the tables and series the report draws. A part that cannot be
computed (no stock-out log for the to-do list, no Seller Performance report to reconcile with, a
forecast without enough history) is left empty and ``notes`` says why in one sentence; the rest of
the report is still built. The notebook only displays this object, so unit tests check the
report's numbers without running it.
"""

from __future__ import annotations

import datetime as dt
import warnings
from dataclasses import dataclass, field

import pandas as pd

from ..exceptions import DataQualityWarning, OOSAnalysisError, ParameterError
from ..forecast.inputs import NO_LOG_SOURCE, SimulationInputs
from ..forecast.policy import cheapest_safe_policy, compare_policies
from ..forecast.simulation import simulate
from ..io.schema import POLICIES as PLAYBOOK_POLICIES
from ..io.schema import REQUEST
from ..metric.budget import budget_summary, roll_off_calendar
from ..metric.known import known_on
from ..metric.listing import listing_risk
from ..metric.orders import coverage, orders_from_exports, orders_from_items
from ..metric.rate import (
    WINDOW_DAYS,
    check_threshold,
    check_tz,
    daily_rate,
    day_number,
    exceeds,
    local_day,
)
from ..metric.reconciliation import reconcile
from ..playbook.actions import next_actions
from .forked import forked_map
from .status import Status, marketplace_status

__all__ = ["WeeklyReport", "MarketplaceReport", "weekly_report", "load_report", "handoff_report",
           "check_scope",
           "report_asof",
           "SUMMARY_COLUMNS",
           "REACH_DAYS"]

REACH_DAYS = 90
"""An as-of day with no order within this many days of it is refused before anything runs."""
BREACH_DAYS = (7, 14)
"""The horizons of the first screen's breach chances."""
POLICY_DRAWS = 10_000
"""Simulated paths per buying policy (at most; the same cap as ``oos-analysis simulate``)."""
CHART_DAYS = 56
"""Days of daily rate the report's rate chart shows."""
SUMMARY_COLUMNS = ("marketplace", "status", "reason", "rate", "orders", "seller_cancellations",
                   "remaining", "p_breach_7d", "p_breach_14d", "actions_due")
"""Columns of :meth:`WeeklyReport.summary` (``oos-analysis status`` prints these)."""
_DUE_CANCEL = "cancel_no_inventory"
_ATTRIBUTION_KEYS = ["attribution", "attribution_source", "counted"]


@dataclass
class MarketplaceReport:
    """Everything the report shows for one marketplace (see :func:`weekly_report`).

    ``headline`` holds ``rate``, ``orders``, ``seller_cancellations``, ``unattributed``,
    ``remaining``, ``clean_orders_needed``, ``back_under_target_on``, ``window_start``,
    ``window_end`` and ``rate_week_ago``. ``p_breach`` maps a horizon in days (7, 14 and the
    report's horizon) to the chance of at least one breach day. ``notes`` maps a section name
    (``"forecast"``, ``"actions"``, ``"reconciliation"``, ...) to the sentence that says why it
    is empty.
    """

    marketplace: str
    status: Status
    headline: dict
    currency: str | None = None
    p_breach: dict = field(default_factory=dict)
    actions: pd.DataFrame | None = None
    due_cancels: tuple[str, ...] = ()
    daily: pd.DataFrame | None = None
    orders: pd.DataFrame | None = None
    roll_off: pd.DataFrame | None = None
    attribution: pd.DataFrame | None = None
    listings: pd.DataFrame | None = None
    forecast: pd.DataFrame | None = None
    fan: pd.DataFrame | None = None
    inputs: pd.DataFrame | None = None
    without_log: bool = False
    policies: pd.DataFrame | None = None
    playbooks: pd.DataFrame | None = None
    best_policy: dict | None = None
    backtest_verdict: str | None = None
    reliability: pd.DataFrame | None = None
    reconciliation: pd.DataFrame | None = None
    coverage: pd.DataFrame | None = None
    notes: dict = field(default_factory=dict)

    @property
    def actions_due(self) -> int:
        """Open stuck orders whose next action is due on or before the as-of day."""
        if self.actions is None or self.actions.empty:
            return 0
        return int(self.actions["due_now"].sum())

    def summary(self) -> dict:
        """One row of :meth:`WeeklyReport.summary`."""
        h = self.headline
        return {
            "marketplace": self.marketplace,
            "status": self.status.word,
            "reason": self.status.reason,
            "rate": h["rate"],
            "orders": h["orders"],
            "seller_cancellations": h["seller_cancellations"],
            "remaining": h["remaining"],
            "p_breach_7d": self.p_breach.get(7),
            "p_breach_14d": self.p_breach.get(14),
            "actions_due": self.actions_due,
        }


@dataclass
class WeeklyReport:
    """The whole report: its scope, the data coverage and one section per marketplace."""

    asof: dt.date
    tz: str
    threshold: float
    horizon: int
    risk: float
    files: pd.DataFrame
    coverage: pd.DataFrame
    marketplaces: list[MarketplaceReport]
    narrowed: bool = False

    def __getitem__(self, marketplace: str) -> MarketplaceReport:
        for section in self.marketplaces:
            if section.marketplace == marketplace:
                return section
        raise KeyError(marketplace)

    def summary(self) -> pd.DataFrame:
        """One row per marketplace: status, reason, the window's figures and the breach chances."""
        rows = [m.summary() for m in self.marketplaces]
        frame = pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS))
        return frame.astype({"rate": "float64", "p_breach_7d": "float64",
                             "p_breach_14d": "float64"})

    def todo(self) -> pd.DataFrame:
        """Every marketplace's open stuck orders and their next action, soonest due first."""
        frames = [m.actions for m in self.marketplaces if m.actions is not None and len(m.actions)]
        if not frames:
            return pd.DataFrame(columns=["marketplace", "order_id", "sku", "action", "due",
                                         "due_now", "past_ship_by", "reason"])
        return (pd.concat(frames, ignore_index=True)
                .sort_values(["due", "marketplace"], kind="stable").reset_index(drop=True))


def _metric_days(orders: pd.DataFrame, tz: str) -> pd.Series:
    """Purchase days (in ``tz``) of the MFN orders in the metric, with their marketplace."""
    metric = orders[orders["in_metric"].astype(bool) & orders["purchase_date"].notna()]
    days = metric["purchase_date"].dt.tz_convert(tz).dt.tz_localize(None).dt.normalize()
    return pd.Series(days.to_numpy(), index=metric["marketplace"].to_numpy())


def report_asof(orders: pd.DataFrame, asof=None, *, tz: str = "UTC") -> dt.date:
    """Return the report's day: ``asof``, or the last purchase day of any MFN order in the data.

    Raises
    ------
    ParameterError
        No MFN order at all, or none within :data:`REACH_DAYS` days of ``asof`` (the message says
        which days the data covers).
    """
    days = _metric_days(orders, tz)
    if days.empty:
        raise ParameterError(
            "the data has no MFN orders on an Amazon marketplace, so there is no cancellation "
            "rate to report. Pass an All Orders export (it is the one file the report needs) "
            "that covers the report week."
        )
    first, last = days.min().date(), days.max().date()
    if asof is None or asof == "":
        return last
    day = pd.Timestamp(int(day_number(asof, tz, "asof")) * 86_400 * 10**9).date()
    distance = min(abs((day - first).days), abs((day - last).days))
    if not first <= day <= last and distance > REACH_DAYS:
        raise ParameterError(
            f"the as-of day {day} is {distance} days away from the data, which has MFN orders "
            f"from {first} to {last}; a report needs orders within {REACH_DAYS} days of its day. "
            "Pass an as-of day inside that range (or leave it out for the last day), or export "
            "All Orders for the weeks you want."
        )
    return day


def _marketplace_list(orders: pd.DataFrame, wanted, tz: str) -> list[str]:
    counts = pd.Series(_metric_days(orders, tz).index).value_counts()
    ranked = [m for m, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
    if not wanted:
        return ranked
    wanted = [wanted] if isinstance(wanted, str) else list(wanted)
    unknown = [m for m in wanted if m not in counts.index]
    if unknown:
        raise ParameterError(
            f"no MFN orders for marketplace {', '.join(map(repr, unknown))} in the data; it has "
            f"{', '.join(ranked)}. Pass one of those (e.g. --marketplace {ranked[0]})."
        )
    return [m for m in ranked if m in wanted]


def _guard(notes: dict, section: str, compute):
    """Run ``compute``; on a data or parameter problem, note its sentence and return None."""
    try:
        return compute()
    except OOSAnalysisError as exc:
        notes[section] = str(exc)
        return None


def _uncovered(window: tuple[dt.date, dt.date], span: tuple[dt.date, dt.date], gaps,
               marketplace: str, tz: str) -> str | None:
    """Say (a phrase) how the window reaches outside the data, or None when it is covered."""
    start, end = window
    if start < span[0]:
        return f"starts before the data does (first order {span[0]})"
    if end > span[1]:
        return f"runs past the end of the data (last order {span[1]})"
    if gaps is not None and len(gaps):
        mine = gaps[gaps["marketplace"].eq(marketplace).fillna(False).astype(bool)]
        local = pd.to_datetime(mine["date"], utc=True).dt.tz_convert(tz).dt.date
        inside = sorted({d for d in local if start <= d <= end})
        if inside:
            n = len(inside)
            return (f"reaches into {n} day{'s' if n > 1 else ''} no export covers "
                    f"(first {inside[0]})")
    return None


def _headline(summary: pd.DataFrame, marketplace: str, asof: dt.date) -> dict:
    """The headline figures: ``summary`` is :func:`budget_summary` of every marketplace."""
    row = summary[summary["marketplace"] == marketplace]
    start = asof - dt.timedelta(days=WINDOW_DAYS - 1)
    if row.empty:
        return {"rate": float("nan"), "orders": 0, "seller_cancellations": 0, "unattributed": 0,
                "remaining": 0, "clean_orders_needed": 0, "back_under_target_on": pd.NaT,
                "window_start": start, "window_end": asof, "rate_week_ago": float("nan"),
                "breach": False}
    row = row.iloc[0]
    return {
        "rate": float(row["rate"]),
        "orders": int(row["orders"]),
        "seller_cancellations": int(row["seller_cancellations"]),
        "unattributed": int(row["unattributed"]),
        "remaining": int(row["remaining"]),
        "clean_orders_needed": int(row["clean_orders_needed"]),
        "back_under_target_on": row["back_under_target_on"],
        "window_start": start,
        "window_end": asof,
        "rate_week_ago": float("nan"),
        "breach": bool(row["status"] == "breach"),
    }


def _attribution(orders: pd.DataFrame, window: tuple[dt.date, dt.date], tz: str) -> pd.DataFrame:
    cancelled = orders[orders["in_metric"].astype(bool) & orders["cancelled"].astype(bool)]
    day = cancelled["purchase_date"].dt.tz_convert(tz).dt.date
    inside = cancelled[(day >= window[0]) & (day <= window[1])]
    table = pd.concat({
        "current_window": inside.groupby(_ATTRIBUTION_KEYS).size(),
        "all_data": cancelled.groupby(_ATTRIBUTION_KEYS).size(),
    }, axis=1)
    table = table.fillna(0).astype("int64").reset_index()
    if table.empty:
        table = pd.DataFrame(columns=[*_ATTRIBUTION_KEYS, "current_window", "all_data"])
    return table.sort_values(["counted", "all_data"], ascending=False, kind="stable").reset_index(
        drop=True)


def _currency(exports, marketplace: str) -> str | None:
    for frame in (exports.all_orders, exports.stockout_log):
        if "currency" in frame.columns and "marketplace" in frame.columns:
            values = frame.loc[frame["marketplace"].eq(marketplace).fillna(False).astype(bool),
                               "currency"].dropna()
            if len(values):
                return str(values.mode().iloc[0])
    return None


def _all_actions(exports, orders, asof, *, loss_cap, reminder_days, threshold, policy=REQUEST):
    log = exports.stockout_log
    if log is None or log.empty:
        raise ParameterError(
            "no stock-out log was given, so the kit does not know which orders are stuck; keep "
            "the log (template in data/sample/) and pass it to get a to-do list."
        )
    return next_actions(log, asof=asof, loss_cap=loss_cap, reminder_days=reminder_days,
                        order_report=exports.order_report, orders=orders, threshold=threshold,
                        policy=policy)


def _actions(every: pd.DataFrame, marketplace, asof) -> pd.DataFrame:
    """The marketplace's rows of :func:`_all_actions`, with whether each is due by ``asof``."""
    actions = every[every["marketplace"].eq(marketplace).fillna(False).astype(bool)]
    due = pd.to_datetime(actions["due"].astype("str")).dt.date
    return actions.assign(due_now=(due <= asof).to_numpy(dtype=bool)).reset_index(drop=True)


def _due_cancels(actions: pd.DataFrame | None, orders: pd.DataFrame, asof: dt.date) -> tuple:
    """Stuck orders whose No Inventory cancellation is due by the next day and not yet counted."""
    if actions is None or actions.empty:
        return ()
    due = pd.to_datetime(actions["due"].astype("str")).dt.date
    deadline = pd.to_datetime(actions["decision_deadline"].astype("str")).dt.date
    tomorrow = asof + dt.timedelta(days=1)
    cancel = actions["action"].eq(_DUE_CANCEL) | (
        actions["action"].eq("wait") & (due == deadline) & actions["reason"].str.contains(
            "reminder", case=False, na=False))
    rows = actions[cancel.to_numpy(dtype=bool) & (due <= tomorrow).to_numpy(dtype=bool)]
    counted = set(orders.loc[orders["counted"].astype(bool), "order_id"])
    return tuple(str(o) for o in rows["order_id"] if o not in counted)


def _forecast(section: MarketplaceReport, orders, exports, asof, *, tz, threshold, horizon, risk,
              draws, seed, loss_cap, stockout_rate, policies: bool,
              policy: str = REQUEST) -> None:
    market = section.marketplace
    log = exports.stockout_log if len(exports.stockout_log) else None
    inputs = SimulationInputs.from_history(orders, log, asof=asof, marketplace=market, tz=tz,
                                           loss_cap=loss_cap, stockout_rate=stockout_rate,
                                           playbook=policy)
    section.inputs = pd.DataFrame({"parameter": list(inputs.sources),
                                   "source": list(inputs.sources.values())})
    section.without_log = str(inputs.sources.get("stockout_rate", "")).startswith(NO_LOG_SOURCE)
    # One run to the furthest horizon: the 7- and 14-day chances are read off the same paths
    # (``SimulationResult.horizons``), as the same seed's first days of the longer run.
    def run(days):
        return simulate(orders, stockout_log=log, inputs=inputs, asof=asof, horizon=days,
                        marketplace=market, threshold=threshold, draws=draws, rng=seed, tz=tz)

    longest = run(max(*BREACH_DAYS, horizon))
    # The fan and the playbook comparison are for the report's horizon; only a horizon shorter
    # than 14 days needs a run of its own.
    result = longest if horizon >= max(BREACH_DAYS) else run(horizon)
    section.fan = result.days
    # the seller's playbook and Amazon's written rule, on the same simulated futures
    section.playbooks = result.playbooks
    by_days = longest.horizons.set_index("days", drop=False)
    section.p_breach = {days: float(by_days.loc[days, "p_any_breach"])
                        for days in sorted({*BREACH_DAYS, horizon})}
    section.forecast = by_days.loc[sorted(section.p_breach)][
        ["days", "p_any_breach", "expected_cancellations", "expected_loss", "expected_requests",
         "expected_reminders"]].reset_index(drop=True)
    _guard(section.notes, "backtest", lambda: _backtest(section, orders, log, asof, tz=tz,
                                                        threshold=threshold, seed=seed))
    if policies:
        # As many paths per policy as `oos-analysis simulate` gives them, so the tables agree.
        section.policies = compare_policies(
            orders, inputs=inputs, risk=risk, draws=min(draws, POLICY_DRAWS), rng=seed,
            stockout_log=log, asof=asof,
            horizon=horizon, marketplace=market, threshold=threshold, tz=tz)
        best = cheapest_safe_policy(section.policies, risk=risk)
        section.best_policy = None if best is None else dict(best)


def _backtest(section: MarketplaceReport, orders, log, asof, *, tz, threshold, seed) -> None:
    """The forecast scored on this seller's own past: a one-line verdict and the table."""
    from ..forecast.backtest import backtest

    day = day_number(asof, tz, "asof")
    known = orders[local_day(orders["purchase_date"], tz) <= day] if day is not None else orders
    result = backtest(known, log, marketplace=section.marketplace, horizon=7, every=7,
                      draws=2000, rng=seed, threshold=threshold, tz=tz)
    section.backtest_verdict = result.verdict
    section.reliability = result.reliability


class _Shared:
    """Computations over every marketplace that each section takes its own rows from, done once
    per report (and before the sections are forked, so no child does them again).

    Each is run now; what it raised is raised again where a section asks for it, as if the
    section had run it itself.
    """

    def __init__(self, **computations) -> None:
        self._results = {}
        for name, compute in computations.items():
            try:
                self._results[name] = (compute(), None)
            except Exception as exc:  # noqa: BLE001 - raised again when it is used
                self._results[name] = (None, exc)

    def __call__(self, name: str):
        value, exc = self._results[name]
        if exc is not None:
            raise exc
        return value


def _shared(exports, orders, asof, *, tz, threshold, loss_cap, reminder_days,
            policy=REQUEST) -> _Shared:
    computations = {
        "budget": lambda: budget_summary(orders, asof=asof, threshold=threshold, tz=tz),
        "roll_off": lambda: roll_off_calendar(orders, asof=asof, tz=tz),
        "listings": lambda: listing_risk(exports.all_orders, orders, asof=asof, tz=tz),
        "actions": lambda: _all_actions(exports, orders, asof, loss_cap=loss_cap,
                                        reminder_days=reminder_days, threshold=threshold,
                                        policy=policy),
    }
    if not exports.seller_performance.empty:
        computations["reconciliation"] = lambda: reconcile(orders, exports.seller_performance,
                                                           threshold=threshold)
    return _Shared(**computations)


def _marketplace(exports, orders, market, asof, *, shared, span, gaps, tz, threshold, horizon,
                 risk, draws, seed, loss_cap, stockout_rate, policies,
                 policy=REQUEST) -> MarketplaceReport:
    notes: dict = {}
    headline = _headline(shared("budget"), market, asof)
    window = (headline["window_start"], headline["window_end"])
    mine = orders[orders["marketplace"].eq(market).fillna(False).astype(bool)]
    section = MarketplaceReport(marketplace=market, status=Status("NO DATA", ""),
                                headline=headline, currency=_currency(exports, market),
                                orders=mine, notes=notes)
    if len(mine[mine["in_metric"].astype(bool)]):
        daily = _guard(notes, "charts", lambda: daily_rate(
            orders, threshold=threshold, tz=tz, marketplace=market,
            start=asof - dt.timedelta(days=CHART_DAYS - 1), end=asof, include_partial=True))
        section.daily = daily
        if daily is not None:
            before = daily[daily["date"] == pd.Timestamp(asof - dt.timedelta(days=7))]
            if len(before):
                headline["rate_week_ago"] = float(before["rate"].iloc[0])
        roll = _guard(notes, "roll_off", lambda: shared("roll_off"))
        if roll is not None:
            section.roll_off = roll[roll["marketplace"] == market].drop(
                columns="marketplace").reset_index(drop=True)
        section.attribution = _attribution(mine, window, tz)
        risky = _guard(notes, "listings", lambda: shared("listings"))
        if risky is not None:
            section.listings = risky[risky["marketplace"] == market].drop(
                columns="marketplace").reset_index(drop=True)
    else:
        notes["charts"] = f"No MFN orders of {market} were placed by {asof}."
    section.actions = _guard(notes, "actions",
                             lambda: _actions(shared("actions"), market, asof))
    section.due_cancels = _due_cancels(section.actions, orders, asof)
    _guard(notes, "forecast", lambda: _forecast(
        section, orders, exports, asof, tz=tz, threshold=threshold, horizon=horizon, risk=risk,
        draws=draws, seed=seed, loss_cap=loss_cap, stockout_rate=stockout_rate,
        policies=policies, policy=policy))
    if exports.seller_performance.empty:
        notes["reconciliation"] = ("No Seller Performance report was given, so there is nothing "
                                   "to compare the kit's figures with.")
    else:
        check = _guard(notes, "reconciliation", lambda: shared("reconciliation"))
        if check is not None:
            check = check[check["marketplace"] == market].reset_index(drop=True)
            if check.empty:
                notes["reconciliation"] = (f"The Seller Performance report has no cancel rate for "
                                           f"{market} in a window that ended by {asof}.")
            section.reconciliation = check
    section.status = marketplace_status(
        orders=headline["orders"], cancellations=headline["seller_cancellations"],
        remaining=headline["remaining"],
        breach=bool(headline["orders"]) and bool(exceeds(
            headline["seller_cancellations"], headline["orders"], threshold)),
        window=window, uncovered=_uncovered(window, span, gaps, market, tz),
        due_cancels=section.due_cancels, due_by=asof + dt.timedelta(days=1),
        open_stuck=0 if section.actions is None else len(section.actions),
        p_breach_7d=section.p_breach.get(7), risk=risk, threshold=threshold)
    return section


def check_scope(exports, *, asof=None, marketplaces=None, tz: str = "UTC"):
    """Check, before anything is computed, that the exports can make a report for this scope.

    Returns the orders of the All Orders export (without attribution, which the scope does not
    need), the report's day and the marketplaces it covers. ``oos-analysis report`` calls this before it starts the notebook, so a missing order
    export or an as-of day far from the data fails in one paragraph, not in a notebook cell.

    Raises
    ------
    ParameterError
        No All Orders export (or none with MFN orders), an as-of day with no order within
        :data:`REACH_DAYS` days, or a marketplace without MFN orders.
    """
    tz = check_tz(tz)
    if exports.all_orders.empty:
        kinds = sorted({f.kind for f in exports.files}) or ["nothing"]
        raise ParameterError(
            f"no All Orders export among the inputs (found: {', '.join(kinds)}); the report "
            "counts orders from it and every other file only adds to it. Download Reports > "
            "Order Reports > All Orders in Seller Central and pass that file too."
        )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)  # the files table lists them
        # Which orders are in the metric needs no attribution: the All Orders export alone.
        full = orders_from_items(exports.all_orders)
    return full, report_asof(full, asof, tz=tz), _marketplace_list(full, marketplaces, tz)


def weekly_report(
    exports,
    *,
    asof=None,
    marketplaces=None,
    tz: str = "UTC",
    threshold: float = 0.025,
    horizon: int = 28,
    risk: float = 0.05,
    loss_cap: float | None = None,
    reminder_days: int = 2,
    stockout_rate: float | None = None,
    draws: int = 10_000,
    seed: int = 0,
    gaps: pd.DataFrame | None = None,
    policies: bool = True,
    policy: str = REQUEST,
    exclude_pending: bool = False,
) -> WeeklyReport:
    """Build the weekly report's model from the exports.

    Parameters
    ----------
    exports : Exports
        From :func:`~oos_analysis.read_exports` or the store's ``load``. Only All Orders is
        required; every other kind may be empty.
    asof : date-like, optional
        The report's day (default: the last purchase day of any MFN order). The exports are read
        as known at the end of that day (:func:`~oos_analysis.metric.known.known_on`).
    marketplaces : str or list of str, optional
        Narrow the report to these; default every marketplace with MFN orders, most orders first.
    tz : str, default "UTC"
        Time zone of the day boundaries.
    threshold : float, default 0.025
    horizon : int, default 28
        Days the forecast and the policy comparison look ahead (the first screen always shows 7
        and 14 days too).
    risk : float, default 0.05
        Accepted chance of a breach day: the ``AT RISK`` limit for the 7-day forecast and the
        policies' ``safe`` mark.
    loss_cap : float, optional
        Buy a stock-out whenever its loss is at most this (default: the policy seen in the log).
    reminder_days : int, default 2
    stockout_rate : float, optional
        The forecast's stock-out rate; by default estimated from the stock-out log, or without
        one from the seller's counted cancellations per order (the forecast says which).
    draws : int, default 10000
        Simulated paths per forecast.
    seed : int, default 0
    gaps : DataFrame, optional
        The store's uncovered days (:func:`oos_analysis.store.gap_days`); a window that reaches
        into one has status ``NO DATA``.
    policies : bool, default True
        Compare buying policies (the slowest part; ``status`` leaves it out).
    policy : {"request", "no-request"}, default "request"
        The playbook the to-do list and the forecast follow: the seller's three steps, or
        Amazon's written rule (no request to the buyer). Both are always compared on the same
        simulated futures (``MarketplaceReport.playbooks``).
    exclude_pending : bool, default False
        Leave cancellations of probably-pending orders out of the count (the cautious default
        counts them; see the README's rules table).

    Returns
    -------
    WeeklyReport

    Raises
    ------
    ParameterError
        Before anything else is computed: no MFN orders at all, an as-of day with no order within
        :data:`REACH_DAYS` days, an unknown marketplace or a bad option.
    """
    tz = check_tz(tz)
    threshold = check_threshold(threshold)
    if int(horizon) != horizon or horizon < 1:
        raise ParameterError(f"horizon must be a whole number of days, 1 or more; got {horizon!r}.")
    if not 0 < float(risk) < 1:
        raise ParameterError(f"risk must be a probability between 0 and 1; got {risk!r}.")
    if policy not in PLAYBOOK_POLICIES:
        raise ParameterError(f"policy must be one of {', '.join(PLAYBOOK_POLICIES)}; got "
                             f"{policy!r}. 'no-request' follows Amazon's written rule.")
    full, day, names = check_scope(exports, asof=asof, marketplaces=marketplaces, tz=tz)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)  # the files table lists them
        known = known_on(exports, day, tz=tz)
        orders = orders_from_exports(known, exclude_pending=bool(exclude_pending))
    metric_days = _metric_days(full, tz)
    span = (metric_days.min().date(), metric_days.max().date())
    # Each marketplace is computed on its own (its forecasts seeded by `seed`), so they run side
    # by side in forked processes: the same sections as one after the other, in about half the
    # time on two cores.
    shared = _shared(known, orders, day, tz=tz, threshold=threshold, loss_cap=loss_cap,
                     reminder_days=reminder_days, policy=policy)
    sections = forked_map(lambda market: _marketplace(
        known, orders, market, day, shared=shared, span=span, gaps=gaps, tz=tz,
        threshold=threshold, horizon=int(horizon), risk=float(risk), draws=int(draws),
        seed=int(seed), loss_cap=loss_cap, stockout_rate=stockout_rate, policies=policies,
        policy=policy), names)
    cover = coverage(orders)
    for section in sections:
        section.coverage = cover[cover["marketplace"] == section.marketplace].reset_index(drop=True)
    files = exports.summary()
    files["source"] = files["source"].map(lambda s: str(s).replace("\\", "/").rsplit("/", 1)[-1])
    return WeeklyReport(asof=day, tz=tz, threshold=threshold, horizon=int(horizon),
                        risk=float(risk), files=files, coverage=cover, marketplaces=sections,
                        narrowed=bool(marketplaces))


def load_report(files=(), *, store: str | None = None, asof=None, marketplace=None,
                loss_cap: float | None = None, stockout_rate: float | None = None,
                handoff: str = "", **options) -> WeeklyReport:
    """Read the exports (or the history store) and build the :class:`WeeklyReport`.

    The notebook's entry point: its parameters use ``""`` for "not given" and a negative number
    for "no loss cap" / "estimate the stock-out rate", which this turns into ``None``.
    ``handoff`` is the file in which ``oos-analysis report`` left the exports it already read
    (:mod:`oos_analysis.report.handoff`); while it exists, it is used instead of reading
    ``files`` or ``store`` again, and when the command also left the report it built from them
    with these very arguments (:func:`handoff_report`), that report is returned, with what
    building it printed and warned. ``options`` go to :func:`weekly_report` unchanged.

    Raises
    ------
    ParameterError
        Neither files nor a store; otherwise as :func:`weekly_report`.
    """
    arguments = _report_arguments(files, store=store, asof=asof, marketplace=marketplace,
                                  loss_cap=loss_cap, stockout_rate=stockout_rate, **options)
    given = None
    if handoff and (store or files):
        from .forked import replay
        from .handoff import read_handoff, read_handoff_report

        built = read_handoff_report(handoff, arguments)
        if built is not None:
            return replay(built)
        given = read_handoff(handoff)
    return _load_report(given, **arguments)


def _report_arguments(files=(), *, store=None, asof=None, marketplace=None, loss_cap=None,
                      stockout_rate=None, **options) -> dict:
    """The arguments :func:`load_report` builds a report with (``handoff`` aside), as the report
    handed over by ``oos-analysis report`` is built with and compared against: one rule for
    both sides of the handoff."""
    return {"files": list(files or ()), "store": store, "asof": asof,
            "marketplace": marketplace, "loss_cap": loss_cap, "stockout_rate": stockout_rate,
            **options}


def _report_parameter_names() -> set[str]:
    """The names :func:`_report_arguments` takes: ``load_report``'s own and the options it hands
    on to :func:`weekly_report`."""
    import inspect

    own = set(inspect.signature(_report_arguments).parameters) - {"options"}
    return own | set(inspect.signature(weekly_report).parameters) - {"exports", "marketplaces",
                                                                      "gaps"}


def handoff_report(exports, arguments: dict):
    """Build, in ``oos-analysis report`` (in a forked copy of it), the report its notebook will
    ask for.

    ``arguments`` are the notebook's values of :func:`load_report`'s parameters (``handoff``
    aside), ``exports`` what the command read from them. Meanwhile papermill starts; the
    notebook's :func:`load_report` then finds the result in the handoff folder
    (:func:`~oos_analysis.report.handoff.write_handoff_report`) and only checks that it was
    asked the same. Returns what :func:`~oos_analysis.report.forked.run_captured` gives, or None
    when building failed: the notebook then builds it and shows the error in its cell, as before.
    """
    from .forked import run_captured

    outcome = run_captured(lambda a: _load_report(exports, **a), dict(arguments))
    return None if outcome[1] is not None else outcome


def _load_report(given, *, files=(), store=None, asof=None, marketplace=None, loss_cap=None,
                 stockout_rate=None, **options) -> WeeklyReport:
    """:func:`load_report` with the exports ``given`` (None: read them from files or store)."""
    from ..io.readers import read_exports

    if store:
        from ..store.loader import load
        from ..store.spans import gap_days

        exports = given if given is not None else load(store)
        gaps = gap_days(store, kind="all_orders")
    elif files:
        from ..store.spans import export_gap_days

        exports = given
        if exports is None:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DataQualityWarning)  # listed in the files table
                exports = read_exports(list(files))
        # days between the files are unknown, not empty, as with a store
        gaps = export_gap_days(exports.files)
    else:
        raise ParameterError(
            "the report needs an All Orders export (or a history store made by "
            "`oos-analysis import`); pass the export files to report on."
        )
    return weekly_report(
        exports, asof=asof or None, marketplaces=marketplace or None, gaps=gaps,
        loss_cap=None if loss_cap is None or loss_cap < 0 else loss_cap,
        stockout_rate=None if stockout_rate is None or stockout_rate < 0 else stockout_rate,
        **options)
