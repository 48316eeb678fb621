"""The simulator's parameters and how they are estimated from the seller's history.

:class:`SimulationInputs` holds the model's numbers and says where each came from: given by the
user, estimated from the data, or a stated fallback. The groups are

* demand: orders per weekday at the as-of day (weekday effects shrunk towards the overall mean),
  a trend, the over-dispersion of daily orders (negative binomial shape) and the uncertainty of
  the level, plus known events (a sale week with a multiplier);
* stock-outs: the share of orders that hit one, and how they cluster: per-SKU episodes with a
  mean number of stock-outs and a mean length in days, and the share of episodes in which no
  source has stock (nothing can be bought for the whole episode);
* the playbook: buying at a loss, the buyer's official cancellation after the request and after
  the reminder, the playbook policy (``request`` or Amazon's ``no-request`` rule) and Amazon's
  auto-cancel after the ship-by date.

The model that uses them is described in :mod:`oos_analysis.forecast.simulation`;
:class:`History` holds one marketplace's orders and log as arrays, so that a backtest estimates
at hundreds of as-of days without re-reading frames.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from ..exceptions import ParameterError
from ..io.schema import NO_REQUEST, POLICIES, REQUEST
from ..metric.window import WINDOW_DAYS, check_tz, day_number

# pandas is imported only where frames are read (History.build with orders or a log), so that a
# simulation from given inputs (no history) never pays for it.

__all__ = ["SimulationInputs", "History", "PLAYBOOK_POLICIES", "REQUEST", "NO_REQUEST"]


_DAY_NS = 86_400 * 10**9
_NAT = np.iinfo(np.int64).min
_LEAD = WINDOW_DAYS - 1

PLAYBOOK_POLICIES = POLICIES
"""The playbook policies (``request``, ``no-request``), named once in ``io.schema``."""

AUTO_CANCEL_DAYS = 7
"""Amazon auto-cancels an order not confirmed about this many days past its ship-by date."""
FIT_DAYS = 56
"""Days of orders the demand model is fitted on (8 weeks), where the history has them."""
TREND_MIN_DAYS = 28
BURST_GAP_DAYS = 3
"""Stock-outs of one SKU at most this many days apart belong to one episode."""
BURST_MIN_STOCKOUTS = 20
"""Fewer stock-outs than this in the last 90 days: bursts cannot be told, draws are independent."""
REMINDER_MIN_CASES = 5
STOCKOUT_DAYS = 90


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


def _at_least(value, low: float, name: str, what: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = float("nan")
    if not (np.isfinite(number) and number >= low):
        raise ParameterError(f"{name} must be {what}; got {value!r}.")
    return number


def _day(value, name: str, tz: str) -> int | None:
    day = day_number(value, tz, name)
    return None if day is None else int(day)


def _label(day: int) -> str:
    return str(np.datetime64(int(day), "D"))


def _event_day(value, name: str) -> int | None:
    """A date-like, or a day number as :func:`_events` stores it (a copy of the inputs made by
    :meth:`SimulationInputs.replace` passes its events through again)."""
    if isinstance(value, int | np.integer) and not isinstance(value, bool):
        return int(value)
    return _day(value, name, "UTC")


def _events(events) -> tuple:
    """Normalise known events to ``((first_day, last_day, multiplier), ...)`` in day numbers."""
    out = []
    for event in events or ():
        try:
            first, last, multiplier = event
        except (TypeError, ValueError):
            raise ParameterError(
                f"an event is (first day, last day, multiplier), e.g. ('2026-12-01', "
                f"'2026-12-07', 1.5) for a sale week with 50 % more orders; got {event!r}."
            ) from None
        a, b = _event_day(first, "event first day"), _event_day(last, "event last day")
        if a is None or b is None or b < a:
            raise ParameterError(
                f"an event's last day must be on or after its first day; got {event!r}."
            )
        out.append((a, b, _at_least(multiplier, 0, "an event's multiplier",
                                    "zero or more (1.5 = 50 % more orders)")))
    return tuple(out)


@dataclass(frozen=True)
class SimulationInputs:
    """The model's parameters, and where each came from.

    Parameters
    ----------
    orders_per_day : float or sequence of 7 floats
        Expected new MFN orders per day at the as-of day, Monday first (one number: every day).
    stockout_rate : float
        Probability ``p`` that a new order hits a stock-out.
    buy_at_loss : float, optional
        Probability ``b`` that a stock-out is bought at a loss. Default 0 unless ``loss_cap``.
    loss_cap : float, optional
        Buy whenever the loss is at most this; exclusive with ``buy_at_loss``.
    buyer_accept : float, default 0
        Probability ``q`` that an asked buyer cancels through Amazon's official flow (after the
        request or after the reminder).
    reminder_rate : float, optional
        Share of cancellation requests followed by a reminder; default ``1 - buyer_accept``.
    losses : sequence of float, default ()
        Recorded losses of buying a stock-out; NaN = no source had stock.
    reminder_accept : float, optional
        Probability that a buyer who has had the reminder, and not yet cancelled, still cancels
        officially; applies to open orders at the reminder stage. Default ``buyer_accept``.
    playbook : {"request", "no-request"}, default "request"
        ``request`` asks the buyer to cancel officially; ``no-request`` (Amazon's written rule)
        never does, so every stock-out not bought is counted.
    dispersion : float, optional
        Shape ``k`` of the negative binomial daily orders (variance ``mu + mu**2 / k``);
        None = Poisson.
    level_sd : float, default 0
        Relative standard deviation of the demand level (the estimate's uncertainty): each
        simulated path draws its own level from a gamma distribution with mean 1.
    trend : float, default 0
        Growth of demand per day (0.01 = 1 % a day), from the as-of day on.
    events : sequence of (first day, last day, multiplier), default ()
        Known events, e.g. ``[("2026-12-01", "2026-12-07", 1.5)]`` for a sale week; the days
        are date-likes or day numbers (days since 1970-01-01, as ``events`` holds them).
    burst_orders : float, default 1
        Mean stock-outs per episode (a SKU running dry); 1 = independent stock-outs.
    burst_days : float, default 1
        Mean length of an episode in days.
    burst_no_source : float, default 0
        Share of episodes in which no source has stock, so none of its orders can be bought.
    auto_cancel_days : int, default 7
        Amazon auto-cancels an open order this many days past its ship-by date; it counts.
    sources : dict, default {}
        Parameter name -> ``"given"``, ``"estimated ..."`` or ``"fallback ..."``, for display.

    Examples
    --------
    >>> inputs = SimulationInputs(orders_per_day=30, stockout_rate=0.04, buy_at_loss=0.5,
    ...                           buyer_accept=0.5)
    >>> round(inputs.counted_probability, 6), inputs.orders_per_day[0]
    (0.01, 30.0)
    >>> round(inputs.with_playbook("no-request").counted_probability, 6)
    0.02
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
    reminder_accept: float | None = None
    playbook: str = REQUEST
    dispersion: float | None = None
    level_sd: float = 0.0
    trend: float = 0.0
    events: tuple = ()
    burst_orders: float = 1.0
    burst_days: float = 1.0
    burst_no_source: float = 0.0
    auto_cancel_days: int = AUTO_CANCEL_DAYS
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
        if self.reminder_accept is not None:
            set_(self, "reminder_accept", _probability(self.reminder_accept, "reminder_accept"))
        if self.playbook not in PLAYBOOK_POLICIES:
            raise ParameterError(
                f"playbook must be one of {', '.join(PLAYBOOK_POLICIES)}; got {self.playbook!r}. "
                "'request' asks the buyer to cancel officially, 'no-request' follows Amazon's "
                "rule (cancel as No Inventory without asking)."
            )
        if self.dispersion is not None:
            k = _at_least(self.dispersion, 0, "dispersion", "a positive negative-binomial shape "
                          "(larger = closer to Poisson), or None for Poisson")
            if k <= 0:
                raise ParameterError(f"dispersion must be positive; got {self.dispersion!r}.")
            set_(self, "dispersion", None if k > 1e8 else k)
        set_(self, "level_sd", _at_least(self.level_sd, 0, "level_sd",
                                         "zero or more (0.1 = the level is known within 10 %)"))
        trend = _at_least(abs(float(self.trend)) if self.trend == self.trend else "nan", 0,
                          "trend", "a finite growth per day, e.g. 0.01")
        set_(self, "trend", float(self.trend) if trend < 1 else _too_big(self.trend))
        set_(self, "events", _events(self.events))
        set_(self, "burst_orders", _at_least(self.burst_orders, 1, "burst_orders",
                                             "1 or more (1 = independent stock-outs)"))
        set_(self, "burst_days", _at_least(self.burst_days, 1, "burst_days", "1 day or more"))
        set_(self, "burst_no_source", _probability(self.burst_no_source, "burst_no_source"))
        days = _at_least(self.auto_cancel_days, 0, "auto_cancel_days", "a number of days")
        set_(self, "auto_cancel_days", int(days))

    # --- the playbook --------------------------------------------------------------------------
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
    def official_probability(self) -> float:
        """Chance that a stock-out not bought ends in an official buyer cancellation."""
        return self.buyer_accept if self.playbook == REQUEST else 0.0

    @property
    def reminder_official_probability(self) -> float:
        """The same for an open order whose buyer has already had the reminder."""
        q = self.buyer_accept if self.reminder_accept is None else self.reminder_accept
        return q if self.playbook == REQUEST else 0.0

    @property
    def counted_probability(self) -> float:
        """Probability ``p (1 - b)(1 - q)`` that a new order ends as a counted cancellation.

        ``b`` is the share bought; with episodes in which no source has stock it is at most
        ``1 - burst_no_source``.
        """
        bought = (1 - self.burst_no_source) * self.source_buy_probability
        return self.stockout_rate * (1 - bought) * (1 - self.official_probability)

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

    # --- bursts --------------------------------------------------------------------------------
    @property
    def bursty(self) -> bool:
        """True when stock-outs come in episodes of more than one order."""
        return self.burst_orders > 1

    @property
    def episode_rate(self) -> float:
        """Episodes started per order: ``stockout_rate / burst_orders``."""
        return self.stockout_rate / self.burst_orders

    @property
    def burst_pace(self) -> float:
        """Further stock-outs per day while an episode lasts: ``(m - 1) / days``."""
        return (self.burst_orders - 1) / self.burst_days

    @property
    def source_buy_probability(self) -> float:
        """Chance of buying a stock-out in an episode where some source has stock."""
        if self.burst_no_source >= 1:
            return 0.0
        return min(1.0, self.buy_probability / (1 - self.burst_no_source))

    def with_policy(self, *, buy_at_loss=None, loss_cap=None) -> SimulationInputs:
        """Return a copy with another buying policy (one of the two arguments)."""
        sources = {**self.sources, "policy": "given"}
        return replace(self, buy_at_loss=buy_at_loss, loss_cap=loss_cap, sources=sources)

    def with_playbook(self, playbook: str) -> SimulationInputs:
        """Return a copy under another playbook policy (``request`` or ``no-request``)."""
        return replace(self, playbook=playbook,
                       sources={**self.sources, "playbook": "given"})

    def replace(self, **changes) -> SimulationInputs:
        """Return a copy with some parameters changed; their source becomes ``given``."""
        sources = {**self.sources, **{name: "given" for name in changes}}
        return replace(self, **changes, sources=sources)

    # --- estimation ----------------------------------------------------------------------------
    @classmethod
    def from_history(
        cls,
        orders: pd.DataFrame,
        stockout_log: pd.DataFrame | None = None,
        *,
        asof=None,
        marketplace: str | None = None,
        tz: str = "UTC",
        **given,
    ) -> SimulationInputs:
        """Estimate the parameters from the data; every one can be given instead (by keyword).

        Demand (``orders_per_day``, ``dispersion``, ``level_sd``, ``trend``): a negative
        binomial fit on the last 8 weeks of complete days (at least 7 days needed; a partial
        last day is left out), weekday effects shrunk towards the overall mean by how much they
        stand out from noise, a trend when 4 weeks or more are available (shrunk towards 0 by
        its standard error), the level's standard error as ``level_sd``. ``p``: stock-outs
        detected in the trailing 90 days / MFN orders placed in them; without any stock-out log
        for the marketplace, the seller's own counted cancellations per MFN order over those 90
        days stand in for it (with ``b = q = 0`` their product is what the simulator counts), and
        its source says so. ``b``: share of resolved
        log cases that were bought (default 0 when none is resolved). ``q``: among resolved
        cases that reached a request, the share resolved ``buyer_cancelled`` with an official
        request date (default 0). ``reminder_accept``: the same among reminded cases not
        cancelled before the reminder, when 5 or more (else ``q``). Reminder rate: share of
        requested cases with a reminder. Bursts: the log's stock-outs of one SKU at most 3 days
        apart form an episode; mean stock-outs and days per episode and the share of episodes
        with no recorded loss (no source), from 20 or more stock-outs in 90 days (else
        independent stock-outs). Losses: recorded ``loss_if_bought`` up to the as-of day. Every
        estimate's source is in ``sources``.

        Raises
        ------
        ParameterError
            Not enough history for a parameter that was not given (the message names the option).
        """
        hist = History.build(orders, stockout_log, marketplace=marketplace, tz=tz)
        asof_day = _day(asof, "asof", hist.tz)
        return hist.estimate(asof_day, **given)


def _too_big(value):
    raise ParameterError(f"trend must be a growth per day below 100 %; got {value!r}.")


_GIVEN = ("orders_per_day", "stockout_rate", "buy_at_loss", "loss_cap", "buyer_accept",
          "reminder_rate", "reminder_accept", "playbook", "dispersion", "level_sd", "trend",
          "events", "burst_orders", "burst_days", "burst_no_source", "auto_cancel_days")


@dataclass(frozen=True)
class History:
    """One marketplace's MFN orders and stock-out log as arrays, for estimating at any as-of day.

    ``days`` are local purchase days (days since 1970-01-01), ``counted`` the final counted flag
    and ``known`` the day it became known (the order's last update), so that :meth:`counted_asof`
    answers "as known on that day"; the log's times are kept in nanoseconds so that a request,
    a reminder or a resolution after the as-of day has not happened yet.
    """

    tz: str
    marketplace: str | None
    days: np.ndarray
    counted: np.ndarray
    known: np.ndarray
    ids: np.ndarray
    last_time: pd.Timestamp | None
    log: dict

    @classmethod
    def build(cls, orders, stockout_log=None, *, marketplace=None, tz="UTC") -> History:
        """Take the in-metric MFN orders of one marketplace (default: the one with most)."""
        tz = check_tz(tz)
        market, days, counted, ids, keep = _market_orders(orders, marketplace, tz)
        if keep is None:
            known, last = days.copy(), None
        else:
            import pandas as pd

            from ..metric.rate import local_day

            sub = orders[keep]
            known = days.copy()
            if "last_updated_date" in sub.columns:
                upd = local_day(sub["last_updated_date"], tz)
                known = np.where(upd != _NAT, np.maximum(upd, days), days)
            last = pd.Timestamp(sub["purchase_date"].max()) if len(sub) else None
        return cls(tz=tz, marketplace=market, days=days, counted=counted, known=known, ids=ids,
                   last_time=last, log=_market_log(stockout_log, market, tz))

    @property
    def last_day(self) -> int | None:
        return int(self.days.max()) if self.days.size else None

    def counted_asof(self, asof_day: int) -> np.ndarray:
        """Counted flags as known at the end of ``asof_day``."""
        return self.counted & (self.known <= asof_day)

    def log_asof(self, asof_day: int | None) -> dict:
        """The log's rows detected by ``asof_day``, with what had happened by then.

        On or after the data's last day the log is taken as it stands (a request answered the
        next morning is known); before it, anything later has not happened yet.
        """
        log = self.log
        if asof_day is None:
            keep = np.zeros(log["detected"].size, dtype=bool)
        else:
            keep = log["detected"] <= asof_day
        end = (np.int64(asof_day) + 1) * _DAY_NS if asof_day is not None else 0
        if asof_day is not None and self.last_day is not None and asof_day >= self.last_day:
            end = np.iinfo(np.int64).max  # the data's own end: the log as it stands now

        def by(name):
            t = log[name][keep]
            return (t != _NAT) & (t < end)

        resolved = by("resolved_ns") | (log["resolution"][keep] != "open") & (
            log["resolved_ns"][keep] == _NAT)
        resolution = np.where(resolved, log["resolution"][keep], "open").astype(object)
        return {
            "order_id": log["order_id"][keep], "sku": log["sku"][keep],
            "detected": log["detected"][keep], "ship_by": log["ship_by"][keep],
            "resolution": resolution,
            "requested": by("request_ns"), "reminded": by("reminder_ns"),
            "official": by("official_ns"),
            "official_first": by("official_ns") & ~(
                by("reminder_ns") & (log["reminder_ns"][keep] < log["official_ns"][keep])),
            "loss": log["loss"][keep],
        }

    def covered_fraction(self, asof_day: int | None) -> float:
        """Share of ``asof_day`` the data covers: 1 unless it is the data's last, partial day."""
        if asof_day is None or self.last_time is None or asof_day != self.last_day:
            return 1.0
        local = self.last_time.tz_convert(self.tz)
        elapsed = (local - local.normalize()).total_seconds() / 86_400
        return float(min(max(elapsed, 0.0), 1.0))

    def data_end(self) -> str | None:
        """``"12:37 UTC on 11-24"``: where the data ends, in the history's time zone."""
        if self.last_time is None:
            return None
        local = self.last_time.tz_convert(self.tz)
        zone = "UTC" if self.tz == "UTC" else local.strftime("%Z") or self.tz
        return f"{local:%H:%M} {zone} on {local:%m-%d}"

    # --- estimation ----------------------------------------------------------------------------
    def estimate(self, asof_day: int | None = None, **given) -> SimulationInputs:
        """:meth:`SimulationInputs.from_history` at ``asof_day`` (default: the last day)."""
        unknown = sorted(set(given) - set(_GIVEN))
        if unknown:
            raise ParameterError(
                f"unknown simulation parameter(s) {unknown}; expected some of {list(_GIVEN)}."
            )
        given = {k: v for k, v in given.items() if v is not None}
        if asof_day is None:
            asof_day = self.last_day
        days = self.days[self.days <= asof_day] if asof_day is not None else self.days[:0]
        log = self.log_asof(asof_day)
        sources: dict[str, str] = {name: "given" for name in given}
        values: dict = dict(given)

        if "orders_per_day" not in given:
            values.update(_fit_demand(days, asof_day, self.covered_fraction(asof_day),
                                      sources, given))
        else:
            for name in ("dispersion", "level_sd", "trend"):
                sources.setdefault(name, "default (orders per day given: Poisson, no "
                                   "uncertainty, no trend)")

        if "stockout_rate" not in given and not len(log["detected"]) and days.size:
            values["stockout_rate"], sources["stockout_rate"] = _rate_without_log(
                days, self.counted_asof(asof_day)[self.days <= asof_day], asof_day)
        elif "stockout_rate" not in given:
            if asof_day is None or not len(log["detected"]) or not days.size:
                raise ParameterError(
                    "no stock-out log to estimate the stock-out rate from; pass stockout_rate "
                    "(--stockout-rate), e.g. 0.03, or add the stock-out log file."
                )
            first = max(asof_day - STOCKOUT_DAYS + 1, int(days.min()))
            n = int((days >= first).sum())
            k = int((log["detected"] >= first).sum())
            if n == 0:
                raise ParameterError(
                    "no MFN orders in the 90 days before the as-of day to estimate the stock-out "
                    "rate; pass stockout_rate (--stockout-rate)."
                )
            values["stockout_rate"] = min(k / n, 1.0)
            sources["stockout_rate"] = f"estimated: {k} stock-outs / {n} orders"

        resolved = log["resolution"] != "open"
        requested = resolved & log["requested"]
        if "buy_at_loss" not in given and "loss_cap" not in given:
            if resolved.sum():
                values["buy_at_loss"] = float((log["resolution"][resolved] == "bought").mean())
                sources["policy"] = f"estimated from {int(resolved.sum())} resolved stock-outs"
            else:
                values["buy_at_loss"] = 0.0
                sources["policy"] = "default (never buy)"
        else:
            sources["policy"] = "given"
        official = (log["resolution"] == "buyer_cancelled") & log["official"]
        if "buyer_accept" not in given:
            if requested.sum():
                values["buyer_accept"] = float(official[requested].mean())
                sources["buyer_accept"] = f"estimated from {int(requested.sum())} requests"
            else:
                values["buyer_accept"] = 0.0
                sources["buyer_accept"] = "default (nobody cancels officially)"
        if "reminder_accept" not in given:
            reminded = requested & log["reminded"] & ~(official & log["official_first"])
            n_rem = int(reminded.sum())
            if n_rem >= REMINDER_MIN_CASES:
                after = int((official & reminded).sum())
                values["reminder_accept"] = after / n_rem
                sources["reminder_accept"] = (f"estimated: {after} of {n_rem} reminded buyers "
                                              "cancelled officially")
            else:
                sources["reminder_accept"] = (f"fallback: same as after the request ({n_rem} "
                                              f"reminded case(s); {REMINDER_MIN_CASES} needed)")
        if "reminder_rate" not in given and requested.sum():
            values["reminder_rate"] = float(log["reminded"][requested].mean())
            sources["reminder_rate"] = f"estimated from {int(requested.sum())} requests"
        if not {"burst_orders", "burst_days", "burst_no_source"} <= set(given):
            bursts = _fit_bursts(log, asof_day)
            for name, (value, source) in bursts.items():
                if name not in given:
                    values[name] = value
                    sources[name] = source
        sources.setdefault("playbook", "default (request: the three-step playbook)")
        return SimulationInputs(losses=tuple(log["loss"]), sources=sources, **values)


NO_LOG_SOURCE = "estimated without a stock-out log"
"""How the stock-out rate's source starts when it fell back to counted cancellations per order."""


def _rate_without_log(days: np.ndarray, counted: np.ndarray, asof_day: int) -> tuple[float, str]:
    """Stand in for the stock-out rate when there is no stock-out log: counted cancellations/order.

    With nothing known about buying or official requests (both default to 0 without a log), the
    simulator's counted probability ``p (1 - b)(1 - q)`` is then exactly the seller's own share of
    counted cancellations among the MFN orders of the trailing 90 days up to the as-of day.
    Returns the rate and the sentence that says where it came from.
    """
    first = max(asof_day - STOCKOUT_DAYS + 1, int(days.min()))
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


def _fit_demand(days, asof_day, covered, sources, given) -> dict:
    """Negative binomial fit of daily orders with shrunk weekday effects and a trend."""
    if asof_day is None or not days.size:
        raise ParameterError(
            "no MFN order history to estimate orders per day from; pass orders_per_day "
            "(--orders-per-day on the command line), e.g. 30."
        )
    end = asof_day if covered >= 1 else asof_day - 1  # a partial last day is left out
    first = max(end - FIT_DAYS + 1, int(days.min()))
    n_days = end - first + 1
    if n_days < 7:
        raise ParameterError(
            f"only {max(n_days, 0)} complete day(s) of MFN orders up to the as-of day; at least "
            "7 are needed to estimate orders per weekday. Pass orders_per_day "
            "(--orders-per-day), or more history."
        )
    y = np.bincount(days[(days >= first) & (days <= end)] - first, minlength=n_days).astype(float)
    t = np.arange(first, end + 1) - end
    weekday = (np.arange(first, end + 1) + 3) % 7  # 1970-01-01 was a Thursday
    mean = y.mean()
    out: dict = {}
    trend = 0.0
    if "trend" in given:
        trend = float(given["trend"])
    elif n_days >= TREND_MIN_DAYS and mean > 0:
        tc = t - t.mean()
        slope = float(np.dot(tc, y - mean) / np.dot(tc, tc))
        resid = y - mean - slope * tc
        se = float(np.sqrt(resid.var(ddof=2) / np.dot(tc, tc)))
        rel, rel_se = slope / mean, se / mean
        shrunk = rel * rel**2 / (rel**2 + rel_se**2) if rel else 0.0
        trend = float(np.clip(shrunk, -0.03, 0.03))
        out["trend"] = trend
        sources["trend"] = (f"estimated: {100 * rel:+.2f} % a day over {n_days} days, shrunk to "
                            f"{100 * trend:+.2f} % by its standard error")
    else:
        out["trend"] = 0.0
        sources["trend"] = f"fallback: none ({n_days} days; {TREND_MIN_DAYS} needed for a trend)"
    z = y * np.exp(-trend * t)  # levels as of the fit's last day
    level = z.mean()
    raw = np.array([z[weekday == w].mean() for w in range(7)])
    per = np.bincount(weekday, minlength=7)
    resid = z - raw[weekday]
    excess = resid.var(ddof=7) - level if n_days > 7 else 0.0
    if "dispersion" in given:
        k = given["dispersion"]
    elif n_days >= 14 and level > 0 and excess > 0:
        k = level**2 / excess
        out["dispersion"] = k
        sources["dispersion"] = (f"estimated: negative binomial shape {k:.1f} from {n_days} "
                                 "days (daily orders vary more than Poisson)")
    else:
        k = None
        out["dispersion"] = None
        sources["dispersion"] = (f"estimated: no over-dispersion in {n_days} days (Poisson)"
                                 if n_days >= 14 else
                                 f"fallback: Poisson ({n_days} days; 14 needed)")
    var_day = level + (level**2 / k if k else 0.0)
    noise = var_day / np.maximum(per, 1)
    spread = raw.var(ddof=1) - noise.mean()
    tau2 = max(float(spread), 0.0)
    weight = tau2 / (tau2 + noise) if level > 0 else np.zeros(7)
    shrunk = level + weight * (raw - level)
    out["orders_per_day"] = tuple(shrunk * np.exp(trend * (asof_day - end)))
    sources["orders_per_day"] = (
        f"estimated from {n_days} days of orders (weekday effects kept "
        f"{100 * float(np.mean(weight)):.0f} %, the rest shrunk to the mean)"
    )
    if "level_sd" not in given:
        out["level_sd"] = float(min(np.sqrt(var_day / n_days) / level, 1.0)) if level else 0.0
        sources["level_sd"] = (f"estimated: the level's standard error, "
                               f"{100 * out['level_sd']:.1f} %")
    return out


def _fit_bursts(log, asof_day) -> dict:
    """Episodes of one SKU's stock-outs: (value, source) for the three burst parameters."""
    if asof_day is None:
        recent = np.zeros(0, dtype=bool)
    else:
        recent = log["detected"] >= asof_day - STOCKOUT_DAYS + 1
    n = int(recent.sum())

    def independent(why):
        source = f"fallback: independent stock-outs ({why})"
        return {"burst_orders": (1.0, source), "burst_days": (1.0, source),
                "burst_no_source": (0.0, source)}

    if n < BURST_MIN_STOCKOUTS:
        return independent(f"{n} stock-outs in the last 90 days; {BURST_MIN_STOCKOUTS} needed "
                           "to tell bursts")
    episode, first, last, _ = _episodes(log["sku"][recent], log["detected"][recent])
    n_ep = int(episode.max()) + 1
    if n_ep == n:
        return independent(f"no SKU stocked out twice within {BURST_GAP_DAYS} days "
                           f"among {n} stock-outs")
    loss = log["loss"][recent]
    buyable = np.bincount(episode, weights=np.isfinite(loss), minlength=n_ep) > 0
    m = n / n_ep
    span = float(np.mean(last - first + 1))
    z = float(np.mean(~buyable))
    clustered = int(np.sum(np.bincount(episode)[episode] > 1))
    source = (f"estimated: {n} stock-outs in {n_ep} episodes ({clustered} in same-SKU bursts "
              f"within {BURST_GAP_DAYS} days)")
    return {"burst_orders": (m, source), "burst_days": (span, source),
            "burst_no_source": (z, f"estimated: {int((~buyable).sum())} of {n_ep} episodes had "
                                "no source with stock")}


def _episodes(sku, detected):
    """Number the episodes: one SKU's stock-outs at most ``BURST_GAP_DAYS`` apart.

    Returns (episode of each row, first day, last day, SKU of each episode); rows without a SKU
    are episodes of their own.
    """
    sku = np.asarray(sku, dtype=object)
    key = np.array([s if isinstance(s, str) and s else f"\0{i}" for i, s in enumerate(sku)],
                   dtype=object)
    order = np.lexsort((detected, key))
    k, d = key[order], detected[order]
    new = np.ones(order.size, dtype=bool)
    new[1:] = (k[1:] != k[:-1]) | (d[1:] - d[:-1] > BURST_GAP_DAYS)
    ep_sorted = np.cumsum(new) - 1
    episode = np.empty(order.size, dtype=np.int64)
    episode[order] = ep_sorted
    n_ep = int(ep_sorted[-1]) + 1 if order.size else 0
    first = np.full(n_ep, np.iinfo(np.int64).max)
    last = np.full(n_ep, np.iinfo(np.int64).min)
    np.minimum.at(first, episode, detected)
    np.maximum.at(last, episode, detected)
    names = np.empty(n_ep, dtype=object)
    names[episode] = key
    return episode, first, last, names


def _market_orders(orders, marketplace, tz):
    """Return (marketplace, purchase days, counted flags, order ids, row mask) of one market."""
    empty = np.array([], dtype=np.int64)
    if orders is None or len(orders) == 0:
        return marketplace, empty, empty.astype(bool), np.array([], dtype=object), None
    import pandas as pd

    from ..metric.rate import local_day

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
            return None, empty, empty.astype(bool), np.array([], dtype=object), None
        marketplace = sorted(counts.index[counts == counts.max()])[0]
    elif keep.any() and marketplace not in set(markets[keep]):
        raise ParameterError(
            f"no MFN orders for marketplace {marketplace!r} in the data; it has "
            f"{sorted(set(markets[keep]))}. Pass one of those."
        )
    keep &= markets == marketplace
    return (marketplace, days[keep], orders["counted"].to_numpy(dtype=bool)[keep],
            orders["order_id"].to_numpy(dtype=object)[keep], keep)


def _ns(column) -> np.ndarray:
    import pandas as pd

    stamps = pd.to_datetime(column, utc=True)
    return stamps.to_numpy(dtype="datetime64[ns]").view(np.int64)


def _market_log(log, marketplace, tz) -> dict:
    """Return the stock-out log rows of one marketplace as arrays (times in ns)."""
    if log is None or len(log) == 0:
        flag = np.zeros(0, dtype=np.int64)
        return {"order_id": np.zeros(0, dtype=object), "sku": np.zeros(0, dtype=object),
                "detected": flag, "ship_by": flag, "resolution": np.zeros(0, dtype=object),
                "request_ns": flag, "reminder_ns": flag, "official_ns": flag,
                "resolved_ns": flag, "loss": np.zeros(0)}
    from ..metric.rate import local_day

    keep = log["marketplace"].to_numpy(dtype=object) == marketplace
    detected = local_day(log["detected_at"], tz)
    keep &= detected != _NAT
    log = log[keep]
    ship_by = (local_day(log["ship_by"], tz) if "ship_by" in log.columns
               else np.full(len(log), _NAT))
    sku = (log["sku"].astype(object).to_numpy() if "sku" in log.columns
           else np.full(len(log), None, dtype=object))
    return {
        "order_id": log["order_id"].to_numpy(dtype=object),
        "sku": sku,
        "detected": detected[keep],
        "ship_by": ship_by,
        "resolution": log["resolution"].astype("str").to_numpy(dtype=object),
        "request_ns": _ns(log["request_sent_at"]),
        "reminder_ns": _ns(log["reminder_sent_at"]),
        "official_ns": _ns(log["official_request_at"]),
        "resolved_ns": _ns(log["resolved_at"]) if "resolved_at" in log.columns
        else np.full(len(log), _NAT),
        "loss": log["loss_if_bought"].astype("Float64").to_numpy(dtype=float, na_value=np.nan),
    }
