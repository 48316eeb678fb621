"""The simulator's parameters and how they are estimated from the seller's history.

:class:`SimulationInputs` holds the model's numbers (orders per weekday, stock-out rate, buying at a
loss, official buyer cancellations, reminders, recorded losses) and says where each came from:
given by the user, estimated from the data, or a cautious default. The model that uses them is
described in :mod:`oos_analysis.forecast.simulation`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from ..exceptions import ParameterError
from ..metric.rate import WINDOW_DAYS, check_tz, day_number, local_day

__all__ = ["SimulationInputs"]


_DAY_NS = 86_400 * 10**9
_NAT = np.iinfo(np.int64).min
_LEAD = WINDOW_DAYS - 1


def _probability(value, name: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = float("nan")
    if not 0 <= number <= 1:
        raise ParameterError(
            f"{name} must be a probability between 0 and 1; got {value!r}. Write 3 % as 0.03."
        )
    return number


def _day(value, name: str, tz: str) -> int | None:
    day = day_number(value, tz, name)
    return None if day is None else int(day)


@dataclass(frozen=True)
class SimulationInputs:
    """The model's parameters, and where each came from.

    Parameters
    ----------
    orders_per_day : float or sequence of 7 floats
        Expected new MFN orders per day, Monday first (one number: the same every day).
    stockout_rate : float
        Probability ``p`` that a new order hits a stock-out.
    buy_at_loss : float, optional
        Probability ``b`` that a stock-out is bought at a loss. Default 0 unless ``loss_cap``.
    loss_cap : float, optional
        Buy whenever the loss is at most this; exclusive with ``buy_at_loss``.
    buyer_accept : float, default 0
        Probability ``q`` that an asked buyer cancels through Amazon's official flow.
    reminder_rate : float, optional
        Share of cancellation requests followed by a reminder; default ``1 - buyer_accept``.
    losses : sequence of float, default ()
        Recorded losses of buying a stock-out; NaN = no source had stock.
    sources : dict, default {}
        Parameter name -> ``"given"``, ``"estimated ..."`` or ``"default"``, for display.

    Examples
    --------
    >>> inputs = SimulationInputs(orders_per_day=30, stockout_rate=0.04, buy_at_loss=0.5,
    ...                           buyer_accept=0.5)
    >>> round(inputs.counted_probability, 6), inputs.orders_per_day[0]
    (0.01, 30.0)
    >>> capped = SimulationInputs(orders_per_day=30, stockout_rate=0.04, loss_cap=10,
    ...                           losses=(2.0, 8.0, 25.0, float("nan")))
    >>> capped.buy_probability, capped.loss_per_stockout
    (0.5, 2.5)
    """

    orders_per_day: tuple[float, ...]
    stockout_rate: float
    buy_at_loss: float | None = None
    loss_cap: float | None = None
    buyer_accept: float = 0.0
    reminder_rate: float | None = None
    losses: tuple[float, ...] = ()
    sources: dict = field(default_factory=dict, compare=False)

    def __post_init__(self):
        lam = np.atleast_1d(np.asarray(self.orders_per_day, dtype=float))
        if lam.size == 1:
            lam = np.repeat(lam, 7)
        if lam.size != 7 or not np.all(np.isfinite(lam)) or np.any(lam < 0):
            raise ParameterError(
                f"orders_per_day must be one number or seven (Monday first), each zero or more; "
                f"got {self.orders_per_day!r}."
            )
        set_ = object.__setattr__
        set_(self, "orders_per_day", tuple(float(x) for x in lam))
        set_(self, "stockout_rate", _probability(self.stockout_rate, "stockout_rate"))
        set_(self, "buyer_accept", _probability(self.buyer_accept, "buyer_accept"))
        if self.buy_at_loss is not None and self.loss_cap is not None:
            raise ParameterError(
                "give either buy_at_loss (a probability of buying a stock-out at a loss) or "
                "loss_cap (buy whenever the loss is at most this), not both."
            )
        if self.buy_at_loss is not None:
            set_(self, "buy_at_loss", _probability(self.buy_at_loss, "buy_at_loss"))
        losses = tuple(float(x) for x in np.asarray(self.losses, dtype=float).ravel())
        set_(self, "losses", losses)
        if self.loss_cap is not None:
            cap = float(self.loss_cap)
            if not np.isfinite(cap):
                raise ParameterError(f"loss_cap must be a finite amount; got {self.loss_cap!r}.")
            if not any(np.isfinite(losses)):
                raise ParameterError(
                    "a loss cap needs recorded losses: the stock-out log has no loss_if_bought "
                    "values to compare it with. Fill in loss_if_bought in the log, or give "
                    "buy_at_loss (--buy-at-loss) instead."
                )
            set_(self, "loss_cap", cap)
        if self.reminder_rate is not None:
            set_(self, "reminder_rate", _probability(self.reminder_rate, "reminder_rate"))

    @property
    def buy_probability(self) -> float:
        """Probability that a new stock-out is bought at a loss."""
        if self.loss_cap is None:
            return 0.0 if self.buy_at_loss is None else self.buy_at_loss
        return float(np.mean(np.asarray(self.losses) <= self.loss_cap))

    @property
    def loss_per_stockout(self) -> float:
        """Expected loss paid per new stock-out (NaN when no loss is recorded)."""
        values = np.asarray(self.losses)
        if self.loss_cap is not None:
            return float(np.mean(np.where(values <= self.loss_cap, values, 0.0)))
        if self.buy_probability == 0:
            return 0.0
        finite = values[np.isfinite(values)]
        return float(self.buy_probability * finite.mean()) if finite.size else float("nan")

    @property
    def counted_probability(self) -> float:
        """Probability ``p (1 - b)(1 - q)`` that a new order ends as a counted cancellation."""
        return self.stockout_rate * (1 - self.buy_probability) * (1 - self.buyer_accept)

    @property
    def reminders_per_request(self) -> float:
        """Share of requests followed by a reminder (given, estimated, else ``1 - q``)."""
        return 1 - self.buyer_accept if self.reminder_rate is None else self.reminder_rate

    @property
    def policy(self) -> str:
        """A short name of the buying policy, e.g. ``"loss cap 12.5"`` or ``"buy 50%"``."""
        if self.loss_cap is not None:
            return f"loss cap {self.loss_cap:g}"
        return f"buy {self.buy_probability:.0%}"

    def with_policy(self, *, buy_at_loss=None, loss_cap=None) -> SimulationInputs:
        """Return a copy with another buying policy (one of the two arguments)."""
        sources = {**self.sources, "policy": "given"}
        return replace(self, buy_at_loss=buy_at_loss, loss_cap=loss_cap, sources=sources)

    @classmethod
    def from_history(
        cls,
        orders: pd.DataFrame,
        stockout_log: pd.DataFrame | None = None,
        *,
        asof=None,
        marketplace: str | None = None,
        tz: str = "UTC",
        orders_per_day=None,
        stockout_rate=None,
        buy_at_loss=None,
        loss_cap=None,
        buyer_accept=None,
        reminder_rate=None,
    ) -> SimulationInputs:
        """Estimate the parameters from the data; every one can be given instead.

        ``lambda_d``: mean MFN orders per weekday over the trailing 28 days (at least 7 days of
        data needed). ``p``: stock-outs detected in the trailing 90 days / MFN orders placed in
        them; without any stock-out log for the marketplace, the seller's own counted
        cancellations per MFN order over those 90 days stand in for it (with ``b = q = 0`` their
        product is what the simulator counts), and its source says so. ``b``: share of resolved log cases that were bought (default 0 when none is
        resolved). ``q``: among resolved cases that reached a request, the share resolved
        ``buyer_cancelled`` with an official request date (default 0). Reminder rate: share of
        requested cases with a reminder. Losses: recorded ``loss_if_bought`` up to the as-of
        day. Defaults are the conservative ends (nobody buys, nobody cancels officially).

        Raises
        ------
        ParameterError
            Not enough history for a parameter that was not given (the message names the option).
        """
        tz = check_tz(tz)
        market, days, counted, _ = _market_orders(orders, marketplace, tz)
        asof_day = _day(asof, "asof", tz)
        if asof_day is None:
            asof_day = int(days.max()) if days.size else None
        log = _market_log(stockout_log, market, asof_day, tz)
        sources: dict[str, str] = {}

        if orders_per_day is None:
            if asof_day is None or not days.size:
                raise ParameterError(
                    "no MFN order history to estimate orders per day from; pass orders_per_day "
                    "(--orders-per-day on the command line), e.g. 30."
                )
            first = max(asof_day - 27, int(days.min()))
            covered = asof_day - first + 1
            if covered < 7:
                raise ParameterError(
                    f"only {covered} day(s) of MFN orders up to the as-of day; at least 7 are "
                    "needed to estimate orders per weekday. Pass orders_per_day "
                    "(--orders-per-day), or more history."
                )
            span = np.arange(first, asof_day + 1)
            per_day = np.bincount(days[(days >= first) & (days <= asof_day)] - first,
                                  minlength=span.size)
            weekday = (span + 3) % 7  # 1970-01-01 was a Thursday
            orders_per_day = [per_day[weekday == w].mean() for w in range(7)]
            sources["orders_per_day"] = f"estimated from {covered} days of orders"
        else:
            sources["orders_per_day"] = "given"

        if stockout_rate is None and not len(log["detected"]) and days.size:
            stockout_rate, sources["stockout_rate"] = _rate_without_log(days, counted, asof_day)
        elif stockout_rate is None:
            if asof_day is None or not len(log["detected"]) or not days.size:
                raise ParameterError(
                    "no stock-out log to estimate the stock-out rate from; pass stockout_rate "
                    "(--stockout-rate), e.g. 0.03, or add the stock-out log file."
                )
            first = max(asof_day - 89, int(days.min()))
            n = int(((days >= first) & (days <= asof_day)).sum())
            k = int(((log["detected"] >= first) & (log["detected"] <= asof_day)).sum())
            if n == 0:
                raise ParameterError(
                    "no MFN orders in the 90 days before the as-of day to estimate the stock-out "
                    "rate; pass stockout_rate (--stockout-rate)."
                )
            stockout_rate = min(k / n, 1.0)
            sources["stockout_rate"] = f"estimated: {k} stock-outs / {n} orders"
        else:
            sources["stockout_rate"] = "given"

        resolved = log["resolution"] != "open"
        requested = resolved & log["requested"]
        if buy_at_loss is None and loss_cap is None:
            if resolved.sum():
                buy_at_loss = float((log["resolution"][resolved] == "bought").mean())
                sources["policy"] = f"estimated from {int(resolved.sum())} resolved stock-outs"
            else:
                buy_at_loss = 0.0
                sources["policy"] = "default (never buy)"
        else:
            sources["policy"] = "given"
        if buyer_accept is None:
            if requested.sum():
                official = (log["resolution"] == "buyer_cancelled") & log["official"]
                buyer_accept = float(official[requested].mean())
                sources["buyer_accept"] = f"estimated from {int(requested.sum())} requests"
            else:
                buyer_accept = 0.0
                sources["buyer_accept"] = "default (nobody cancels officially)"
        else:
            sources["buyer_accept"] = "given"
        if reminder_rate is None and requested.sum():
            reminder_rate = float(log["reminded"][requested].mean())
            sources["reminder_rate"] = f"estimated from {int(requested.sum())} requests"
        elif reminder_rate is not None:
            sources["reminder_rate"] = "given"
        return cls(
            orders_per_day=orders_per_day,
            stockout_rate=stockout_rate,
            buy_at_loss=buy_at_loss,
            loss_cap=loss_cap,
            buyer_accept=buyer_accept,
            reminder_rate=reminder_rate,
            losses=tuple(log["loss"]),
            sources=sources,
        )




NO_LOG_SOURCE = "estimated without a stock-out log"
"""How the stock-out rate's source starts when it fell back to counted cancellations per order."""


def _rate_without_log(days: np.ndarray, counted: np.ndarray, asof_day: int) -> tuple[float, str]:
    """Stand in for the stock-out rate when there is no stock-out log: counted cancellations/order.

    With nothing known about buying or official requests (both default to 0 without a log), the
    simulator's counted probability ``p (1 - b)(1 - q)`` is then exactly the seller's own share of
    counted cancellations among the MFN orders of the trailing 90 days up to the as-of day.
    Returns the rate and the sentence that says where it came from.
    """
    first = max(asof_day - 89, int(days.min()))
    span = (days >= first) & (days <= asof_day)
    n, k = int(span.sum()), int(counted[span].sum())
    if n == 0:
        raise ParameterError(
            "no stock-out log, and no MFN orders in the 90 days before the as-of day to take the "
            "seller's own cancellation history from; pass stockout_rate (--stockout-rate), e.g. "
            "0.03, or add the stock-out log file."
        )
    return k / n, (f"{NO_LOG_SOURCE}: {k} counted cancellations / {n} orders "
                   "in the last 90 days, used as the stock-out rate")


def _market_orders(orders, marketplace, tz):
    """Return (marketplace, purchase days, counted flags, order ids) of in-metric orders."""
    if orders is None or len(orders) == 0:
        empty = np.array([], dtype=np.int64)
        return marketplace, empty, empty.astype(bool), np.array([], dtype=object)
    missing = [c for c in ("order_id", "marketplace", "purchase_date", "in_metric", "counted")
               if c not in orders.columns]
    if missing:
        raise ParameterError(
            f"the orders frame lacks column(s) {missing}; found {list(orders.columns)}. Build it "
            "with orders_from_items() (one row per order)."
        )
    days = local_day(orders["purchase_date"], tz)
    keep = orders["in_metric"].to_numpy(dtype=bool) & (days != _NAT)
    markets = orders["marketplace"].to_numpy(dtype=object)
    if marketplace is None:
        counts = pd.Series(markets[keep]).value_counts()
        if counts.empty:
            return None, days[:0], keep[:0], markets[:0]
        marketplace = sorted(counts.index[counts == counts.max()])[0]
    elif keep.any() and marketplace not in set(markets[keep]):
        raise ParameterError(
            f"no MFN orders for marketplace {marketplace!r} in the data; it has "
            f"{sorted(set(markets[keep]))}. Pass one of those."
        )
    keep &= markets == marketplace
    return (marketplace, days[keep], orders["counted"].to_numpy(dtype=bool)[keep],
            orders["order_id"].to_numpy(dtype=object)[keep])


def _market_log(log, marketplace, asof_day, tz) -> dict:
    """Return the stock-out log rows of one marketplace up to the as-of day, as arrays."""
    if log is None or len(log) == 0 or asof_day is None:
        flag = np.zeros(0, dtype=bool)
        return {"order_id": np.zeros(0, dtype=object), "detected": np.zeros(0, dtype=np.int64),
                "resolution": np.zeros(0, dtype=object), "requested": flag, "reminded": flag,
                "official": flag, "loss": np.zeros(0)}
    keep = log["marketplace"].to_numpy(dtype=object) == marketplace
    detected = local_day(log["detected_at"], tz)
    keep &= (detected != _NAT) & (detected <= asof_day)
    log = log[keep]
    return {
        "order_id": log["order_id"].to_numpy(dtype=object),
        "detected": detected[keep],
        "resolution": log["resolution"].astype("str").to_numpy(dtype=object),
        "requested": log["request_sent_at"].notna().to_numpy(dtype=bool),
        "reminded": log["reminder_sent_at"].notna().to_numpy(dtype=bool),
        "official": log["official_request_at"].notna().to_numpy(dtype=bool),
        "loss": log["loss_if_bought"].astype("Float64").to_numpy(dtype=float, na_value=np.nan),
    }

