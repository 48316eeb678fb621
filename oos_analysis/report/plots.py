"""Charts of the cancellation rate, its budget, the simulation and the policy choice.

Every ``plot_*`` function takes the frame the matching library function returns, draws into one
Matplotlib Axes (``ax=None`` means the current one) and returns that Axes. Styling of the pieces
goes through ``*_kwargs`` dictionaries; nothing here shows or saves a figure, and nothing changes
Matplotlib's global style. Rates are fractions and are labelled as percentages only on the axis.

Rules shown (see ``cancellation-rules.md`` section 3): the rate of day D covers orders placed on
D-6 ... D; a day is a breach when ``rate >= threshold`` (exactly 1 in 40 is a breach at 2.5 %).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..forecast.policy import cheapest_safe_policy
from ..io.schema import require_columns
from ..metric.budget import clean_orders_needed, remaining_cancellations
from ..metric.rate import DEFAULT_THRESHOLD

__all__ = [
    "plot_daily_rate",
    "plot_p_chart",
    "plot_budget",
    "plot_breach_fan",
    "plot_policy_frontier",
    "plot_reliability",
]

_THRESHOLD_STYLE = {"linestyle": "--", "color": "C3", "linewidth": 1.2}


def _axes(ax):
    if ax is not None:
        return ax  # pyplot is imported only when it has to make the Axes
    import matplotlib.pyplot as plt

    return plt.gca()


def _percent_axis(axis, decimals=None) -> None:
    from matplotlib.ticker import PercentFormatter

    axis.set_major_formatter(PercentFormatter(1.0, decimals=decimals))


def _date_axis(ax) -> None:
    """Short, non-overlapping date labels (year and month only where they change)."""
    import matplotlib.dates as mdates

    locator = mdates.AutoDateLocator(minticks=4, maxticks=8)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


def _require(frame: pd.DataFrame, columns: list[str], what: str) -> None:
    require_columns(frame, columns, what=f"the frame given to {what}",
                    advice="Pass the frame the matching oos_analysis function returns.")

def _threshold_line(ax, threshold: float, kwargs: dict | None, label: str | None = None):
    style = {**_THRESHOLD_STYLE, "label": label or f"target {threshold:.1%}", **(kwargs or {})}
    return ax.axhline(threshold, **style)


def plot_daily_rate(
    daily: pd.DataFrame,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    ax=None,
    threshold_kwargs: dict | None = None,
    breach_kwargs: dict | None = None,
    **plot_kwargs,
):
    """Draw the 7-day cancellation rate day by day, the target line and the breach days.

    Parameters
    ----------
    daily : DataFrame
        As returned by :func:`oos_analysis.daily_rate`: columns ``date``, ``rate`` and
        optionally ``marketplace`` (one line per marketplace) and ``status``.
    threshold : float, default 0.025
        The target as a fraction; drawn as a dashed horizontal line.
    ax : matplotlib Axes, optional
        Where to draw; the current Axes by default.
    threshold_kwargs, breach_kwargs : dict, optional
        Extra arguments for the target line (``axhline``) and the breach markers (``scatter``).
    **plot_kwargs
        Passed to ``ax.plot`` for the rate line(s).

    Returns
    -------
    matplotlib Axes

    Notes
    -----
    A day is marked as a breach when its ``status`` is ``"breach"`` or, without a status column,
    when ``rate >= threshold``. Days without orders have no rate and leave a gap.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> daily = pd.DataFrame({"date": pd.date_range("2026-11-01", periods=3),
    ...                       "rate": [0.0, 0.025, 0.01]})
    >>> ax = plot_daily_rate(daily, ax=ax)
    >>> len(ax.collections[0].get_offsets())   # one breach day: exactly 2.5 %
    1
    """
    _require(daily, ["date", "rate"], "plot_daily_rate")
    ax = _axes(ax)
    groups = daily.groupby("marketplace", sort=True) if "marketplace" in daily else [(None, daily)]
    breach_x, breach_y = [], []
    for name, part in groups:
        part = part.sort_values("date")
        style = {"marker": ".", "label": f"7-day rate {name}" if name else "7-day rate"}
        ax.plot(part["date"], part["rate"].astype(float), **{**style, **plot_kwargs})
        if "status" in part:
            breach = part["status"].eq("breach").to_numpy(dtype=bool)
        else:
            breach = (part["rate"].astype(float) >= threshold).to_numpy(dtype=bool)
        breach_x.extend(part["date"][breach])
        breach_y.extend(part["rate"][breach].astype(float))
    _threshold_line(ax, threshold, threshold_kwargs)
    style = {"color": "C3", "marker": "X", "s": 60, "zorder": 3, "label": "breach day"}
    ax.scatter(breach_x, breach_y, **{**style, **(breach_kwargs or {})})
    _percent_axis(ax.yaxis)
    ax.set_ylim(bottom=0)
    ax.set_ylabel("cancellation rate (7 days)")
    _date_axis(ax)
    ax.legend(loc="best")
    return ax


def plot_p_chart(
    orders: pd.DataFrame,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    freq: str = "W-SUN",
    tz: str = "UTC",
    ax=None,
    limits_kwargs: dict | None = None,
    threshold_kwargs: dict | None = None,
    **plot_kwargs,
):
    """Draw a weekly p-chart: each week's rate against control limits that widen with few orders.

    The centre line is the pooled rate p̄ = all counted cancellations / all orders. Week *i*
    with n_i orders gets limits p̄ ± 3·sqrt(p̄(1 − p̄)/n_i), clipped to [0, 1]. A week above its
    upper limit is more than chance; a week under the target but near a wide limit is luck.

    Parameters
    ----------
    orders : DataFrame
        One row per order, as :func:`oos_analysis.orders_from_items` returns: ``purchase_date``
        (tz-aware), ``in_metric`` (in the denominator) and ``counted`` (a seller cancellation).
    threshold : float, default 0.025
        The target, drawn as a dashed line.
    freq : str, default "W-SUN"
        Pandas weekly period; ``"W-SUN"`` gives Monday-to-Sunday weeks.
    tz : str, default "UTC"
        Time zone whose calendar days make up the weeks.
    ax : matplotlib Axes, optional
    limits_kwargs, threshold_kwargs : dict, optional
        Extra arguments for the limit steps and for the target line.
    **plot_kwargs
        Passed to ``ax.plot`` for the weekly rates.

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> orders = pd.DataFrame({
    ...     "purchase_date": pd.to_datetime(["2026-11-02", "2026-11-03", "2026-11-10"], utc=True),
    ...     "in_metric": [True, True, True], "counted": [True, False, False]})
    >>> ax = plot_p_chart(orders, ax=ax)
    >>> ax.lines[0].get_ydata().round(3).tolist()   # weekly rates: 1/2, 0/1
    [0.5, 0.0]
    """
    _require(orders, ["purchase_date", "in_metric", "counted"], "plot_p_chart")
    ax = _axes(ax)
    metric = orders[orders["in_metric"].astype(bool)]
    local = metric["purchase_date"].dt.tz_convert(tz).dt.tz_localize(None)
    weeks = local.dt.to_period(freq).dt.start_time
    weekly = (
        pd.DataFrame({"week": weeks, "counted": metric["counted"].astype(bool).to_numpy()})
        .groupby("week")["counted"]
        .agg(orders="size", seller_cancellations="sum")
    )
    n = weekly["orders"].to_numpy(dtype=float)
    c = weekly["seller_cancellations"].to_numpy(dtype=float)
    pbar = c.sum() / n.sum() if n.sum() else 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(n > 0, c / n, np.nan)
        sigma = np.sqrt(pbar * (1 - pbar) / n)
    ucl = np.clip(pbar + 3 * sigma, 0, 1)
    lcl = np.clip(pbar - 3 * sigma, 0, 1)
    x = weekly.index
    style = {"marker": "o", "label": "weekly rate"}
    ax.plot(x, p, **{**style, **plot_kwargs})
    ax.axhline(pbar, color="0.4", linewidth=1, label=f"centre p̄ {pbar:.2%}")
    limit_style = {"where": "mid", "color": "0.55", "linestyle": ":", **(limits_kwargs or {})}
    ax.step(x, ucl, label="control limits (±3σ)", **limit_style)
    ax.step(x, lcl, **limit_style)
    _threshold_line(ax, threshold, threshold_kwargs)
    _percent_axis(ax.yaxis)
    ax.set_ylabel("seller cancellations / orders (week)")
    _date_axis(ax)
    ax.legend(loc="best")
    return ax


def plot_budget(
    daily: pd.DataFrame,
    roll_off: pd.DataFrame | None = None,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    ax=None,
    roll_off_kwargs: dict | None = None,
    **plot_kwargs,
):
    """Draw the remaining cancellation budget day by day and when counted cancellations roll off.

    The budget of a day is the number of further seller cancellations its 7-day window could
    take and stay under the target: the largest k >= 0 with (c + k) / n < threshold (section 3
    of the rules, :func:`oos_analysis.remaining_cancellations`). Days already over the target
    show a budget of 0 and are marked with a cross. Each counted
    cancellation in ``roll_off`` is drawn on the day it leaves the window, which is when it
    stops weighing on the rate.

    Parameters
    ----------
    daily : DataFrame
        As returned by :func:`oos_analysis.daily_rate`: ``date``, ``orders``,
        ``seller_cancellations`` (window counts), optionally ``marketplace``.
    roll_off : DataFrame, optional
        As returned by :func:`oos_analysis.roll_off_calendar`: ``leaves_window_on`` per counted
        cancellation (optionally ``marketplace``).
    threshold : float, default 0.025
    ax : matplotlib Axes, optional
    roll_off_kwargs : dict, optional
        Extra arguments for the roll-off markers (``ax.vlines``).
    **plot_kwargs
        Passed to ``ax.step`` for the budget line(s).

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> daily = pd.DataFrame({"date": pd.date_range("2026-11-01", periods=3),
    ...                       "orders": [80, 120, 39], "seller_cancellations": [0, 1, 1]})
    >>> ax = plot_budget(daily, ax=ax)
    >>> ax.lines[0].get_ydata().tolist()   # 40*(0+1) < 80, 40*(1+1) < 120, breach
    [1, 1, 0]
    """
    _require(daily, ["date", "orders", "seller_cancellations"], "plot_budget")
    ax = _axes(ax)
    groups = daily.groupby("marketplace", sort=True) if "marketplace" in daily else [(None, daily)]
    breach_x = []
    for name, part in groups:
        part = part.sort_values("date")
        n = part["orders"].to_numpy(dtype=np.int64)
        c = part["seller_cancellations"].to_numpy(dtype=np.int64)
        budget = remaining_cancellations(c, n, threshold=threshold)
        label = f"remaining budget {name}" if name else "remaining budget"
        ax.step(part["date"], budget, **{"where": "post", "label": label, **plot_kwargs})
        over = clean_orders_needed(c, n, threshold=threshold) > 0
        breach_x.extend(part["date"][over])
    if breach_x:
        ax.scatter(
            breach_x, [0] * len(breach_x), color="C3", marker="X", zorder=3, label="over target"
        )
    if roll_off is not None and len(roll_off):
        _require(roll_off, ["leaves_window_on"], "plot_budget (roll_off)")
        days = pd.to_datetime(roll_off["leaves_window_on"])
        if days.dt.tz is not None:
            days = days.dt.tz_localize(None)
        counts = days.value_counts().sort_index()
        style = {
            "colors": "C2",
            "linewidth": 3,
            "alpha": 0.7,
            "label": "cancellation leaves the window",
            **(roll_off_kwargs or {}),
        }
        ax.vlines(counts.index, 0, counts.to_numpy(), **style)
    ax.set_ylim(bottom=0)
    ax.set_ylabel("cancellations")
    from matplotlib.ticker import MaxNLocator

    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    _date_axis(ax)
    ax.legend(loc="upper right")
    return ax


def plot_breach_fan(
    days: pd.DataFrame,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    ax=None,
    fan_kwargs: dict | None = None,
    median_kwargs: dict | None = None,
    p_breach_kwargs: dict | None = None,
    threshold_kwargs: dict | None = None,
):
    """Draw the simulated rate fan (5 %, 50 %, 95 %) and the daily probability of a breach.

    Parameters
    ----------
    days : DataFrame
        ``SimulationResult.days``: ``date``, ``p_breach``, ``rate_p05``, ``rate_p50``,
        ``rate_p95``.
    threshold : float, default 0.025
    ax : matplotlib Axes, optional
        Carries the rate fan (left axis). The breach probability is drawn on a twin axis on the
        right, reachable as ``ax.p_breach_ax``.
    fan_kwargs, median_kwargs, p_breach_kwargs, threshold_kwargs : dict, optional
        Extra arguments for the band (``fill_between``), the median line, the probability bars
        (``bar``) and the target line.

    Returns
    -------
    matplotlib Axes
        The rate Axes.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> days = pd.DataFrame({"date": pd.date_range("2026-11-25", periods=2),
    ...                      "p_breach": [0.1, 0.3], "rate_p05": [0.0, 0.0],
    ...                      "rate_p50": [0.01, 0.02], "rate_p95": [0.03, 0.05]})
    >>> ax = plot_breach_fan(days, ax=ax)
    >>> ax.p_breach_ax.containers[0].datavalues.tolist()   # P(breach) bars, right axis
    [0.1, 0.3]
    """
    _require(days, ["date", "p_breach", "rate_p05", "rate_p50", "rate_p95"], "plot_breach_fan")
    ax = _axes(ax)
    x = pd.to_datetime(days["date"])
    right = ax.twinx()
    bar_style = {"color": "C1", "alpha": 0.25, "width": 0.8, "label": "P(breach that day)"}
    right.bar(x, days["p_breach"].astype(float), **{**bar_style, **(p_breach_kwargs or {})})
    right.set_ylim(0, 1)
    right.set_ylabel("probability of a breach")
    _percent_axis(right.yaxis, decimals=0)
    fan_style = {"color": "C0", "alpha": 0.25, "label": "rate, 90 % of simulations"}
    ax.fill_between(
        x,
        days["rate_p05"].astype(float),
        days["rate_p95"].astype(float),
        **{**fan_style, **(fan_kwargs or {})},
    )
    ax.plot(
        x,
        days["rate_p50"].astype(float),
        **{"color": "C0", "label": "median rate", **(median_kwargs or {})},
    )
    _threshold_line(ax, threshold, threshold_kwargs)
    # The rate axis stays in front of the bars so the fan reads first.
    ax.set_zorder(right.get_zorder() + 1)
    ax.patch.set_visible(False)
    ax.set_ylim(bottom=0)
    _percent_axis(ax.yaxis)
    ax.set_ylabel("cancellation rate (7 days)")
    handles, labels = ax.get_legend_handles_labels()
    more, more_labels = right.get_legend_handles_labels()
    _date_axis(ax)
    ax.legend(handles + more, labels + more_labels, loc="upper right")
    ax.p_breach_ax = right
    return ax


def plot_policy_frontier(
    policies: pd.DataFrame,
    *,
    risk: float = 0.05,
    ax=None,
    risk_kwargs: dict | None = None,
    highlight_kwargs: dict | None = None,
    **scatter_kwargs,
):
    """Draw each policy's expected loss against its probability of any breach.

    The cheapest safe policy (:func:`oos_analysis.forecast.policy.cheapest_safe_policy`: lowest expected
    loss among those with ``p_any_breach <= risk``) is circled; the vertical line is the risk the
    seller accepts. When the log records no loss at all, expected purchases at a loss
    (``expected_bought``) take the place of the loss.

    Parameters
    ----------
    policies : DataFrame
        As :func:`oos_analysis.compare_policies` returns: ``policy``, ``expected_loss``,
        ``p_any_breach``.
    risk : float, default 0.05
        Highest acceptable probability of any breach over the horizon.
    ax : matplotlib Axes, optional
    risk_kwargs, highlight_kwargs : dict, optional
        Extra arguments for the risk line (``axvline``) and the highlight (``scatter``).
    **scatter_kwargs
        Passed to ``ax.scatter`` for the policies.

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> frame = pd.DataFrame({"policy": ["buy", "ask", "cancel"],
    ...                       "expected_loss": [300.0, 120.0, 0.0],
    ...                       "p_any_breach": [0.0, 0.04, 0.6]})
    >>> ax = plot_policy_frontier(frame, risk=0.05, ax=ax)
    >>> ax.collections[1].get_offsets().tolist()   # "ask" is the cheapest safe policy
    [[0.04, 120.0]]
    """
    _require(policies, ["policy", "expected_loss", "p_any_breach"], "plot_policy_frontier")
    best = cheapest_safe_policy(policies, risk=risk)
    ax = _axes(ax)
    cost = "expected_loss"
    if (
        not np.all(np.isfinite(policies[cost].to_numpy(dtype=float)))
        and "expected_bought" in policies
    ):
        cost = "expected_bought"  # no loss recorded in the log: compare purchases at a loss
    x = policies["p_any_breach"].to_numpy(dtype=float)
    y = policies[cost].to_numpy(dtype=float)
    ax.scatter(x, y, **{"color": "C0", "zorder": 2, "label": "policy", **scatter_kwargs})
    for xi, yi, name in zip(x, y, policies["policy"].astype(str), strict=True):
        ax.annotate(name, (xi, yi), textcoords="offset points", xytext=(6, 4), fontsize=8)
    style = {
        "s": 220,
        "facecolors": "none",
        "edgecolors": "C2",
        "linewidths": 2,
        "zorder": 3,
        "label": "cheapest safe policy",
    }
    chosen = ([], []) if best is None else ([float(best["p_any_breach"])], [float(best[cost])])
    ax.scatter(*chosen, **{**style, **(highlight_kwargs or {})})
    risk_style = {"linestyle": "--", "color": "C3", "label": f"risk tolerance {risk:.0%}"}
    ax.axvline(risk, **{**risk_style, **(risk_kwargs or {})})
    ax.set_xlim(-0.02, 1.02)
    _percent_axis(ax.xaxis, decimals=0)
    ax.set_xlabel("probability of any breach over the horizon")
    ax.set_ylabel("expected loss" if cost == "expected_loss" else "expected purchases at a loss")
    ax.legend(loc="lower left")
    return ax


def plot_reliability(
    reliability: pd.DataFrame,
    *,
    ax=None,
    diagonal_kwargs: dict | None = None,
    **scatter_kwargs,
):
    """Draw a backtest's reliability table: mean forecast against observed breach frequency.

    A well calibrated forecast sits on the diagonal: of the start days given about 30 %, about
    30 % were followed by a breach. Each bin's point is sized by its number of start days, and
    labelled with it.

    Parameters
    ----------
    reliability : DataFrame
        ``BacktestResult.reliability``: ``forecast``, ``observed``, ``count``.
    ax : matplotlib Axes, optional
    diagonal_kwargs : dict, optional
        Extra arguments for the diagonal (``plot``).
    **scatter_kwargs
        Passed to ``ax.scatter``.

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> table = pd.DataFrame({"forecast": [0.05, 0.32], "observed": [0.1, 0.25],
    ...                       "count": [40, 8]})
    >>> ax = plot_reliability(table, ax=ax)
    >>> ax.collections[0].get_offsets().tolist()
    [[0.05, 0.1], [0.32, 0.25]]
    """
    _require(reliability, ["forecast", "observed", "count"], "plot_reliability")
    ax = _axes(ax)
    x = reliability["forecast"].to_numpy(dtype=float)
    y = reliability["observed"].to_numpy(dtype=float)
    n = reliability["count"].to_numpy(dtype=float)
    ax.plot([0, 1], [0, 1], **{"linestyle": "--", "color": "0.5", "label": "perfectly calibrated",
                               **(diagonal_kwargs or {})})
    size = 30 + 170 * n / n.max() if n.size else n
    ax.scatter(x, y, **{"s": size, "color": "C0", "zorder": 3, "label": "forecast bins",
                        **scatter_kwargs})
    for xi, yi, ni in zip(x, y, n.astype(int), strict=True):
        ax.annotate(f"{ni}", (xi, yi), textcoords="offset points", xytext=(7, -3), fontsize=8)
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(-0.02, 1.02)
    _percent_axis(ax.xaxis, decimals=0)
    _percent_axis(ax.yaxis, decimals=0)
    ax.set_xlabel("forecast chance of a breach within the horizon")
    ax.set_ylabel("share of start days followed by a breach")
    ax.legend(loc="upper left")
    return ax
