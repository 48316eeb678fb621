"""The stuck-order playbook: one next action per open stock-out.

A dropshipper sometimes finds a sold item out of stock at every source. The source playbook
(``cancellation-rules.md`` section 1) says what to do, in order: buy it anyway if a source exists,
even at a loss; otherwise ask the buyer to cancel through Amazon's own "Request cancellation"
(which does not count against the Cancellation Rate), remind them once, and only then cancel as
No Inventory (which counts). :func:`next_actions` turns the stock-out log into that to-do list.

Decision table
--------------
``asof`` is the day the list is for. The *ship-by day* is the marketplace's local day the ship-by
time falls on (Amazon writes ``2026-11-24T07:59:59Z`` for the end of 23 November Pacific on
amazon.com; the zones are :data:`~oos_analysis.io.schema.MARKETPLACE_TIME_ZONES`); a ship-by
written as a bare date (midnight UTC) is that day. The *decision deadline* is the ship-by day
minus ``margin_days``, so a cancellation never comes after the ship-by date (a late shipment or
Amazon's auto-cancel hurts more: Amazon cancels an order not confirmed about 7 days after its
expected ship date, and that cancellation counts). With the ``request`` policy (the default)
every open case gets the first matching row:

=====================  =====================================================  ======================
action                 when                                                   due
=====================  =====================================================  ======================
cancel_buyer_request   ``official_request_at`` is set, or the order report     ``asof``
                       flags a buyer-requested cancellation (that flag *is*
                       Amazon's official request; the log should record it)
buy_at_loss            a source exists (``loss_if_bought`` not missing) and   ``asof``
                       the loss is within ``loss_cap``; also when a request
                       is already out: the buyer has not cancelled, and
                       shipping beats cancelling (playbook rule 1)
cancel_no_inventory    no request sent and the decision deadline has passed   ``asof``
send_request           no acceptable source and no request sent yet (on the   ``asof``
                       deadline day itself: decide by the end of the day)
wait                   request sent, reminder day not reached                 reminder day
send_reminder          reminder day reached, no reminder sent yet, before     reminder day
                       the decision deadline                                  (may be overdue)
cancel_no_inventory    no reminder sent and the decision deadline reached     decision deadline
                       (short handling time: no room left for a reminder)
wait                   reminder sent, decision deadline not reached           decision deadline
cancel_no_inventory    reminder sent and ``asof`` is on or after the          decision deadline
                       decision deadline
=====================  =====================================================  ======================

The reminder day is the request day plus ``reminder_days``, but never after the decision
deadline: with a short handling time (ship-by the day after purchase) request and reminder
compress, and the playbook still finishes before ship-by.

With the ``no-request`` policy (Amazon's written rule, :mod:`oos_analysis.playbook.policy`) the
rows after ``buy_at_loss`` become one: ``cancel_no_inventory`` due ``asof``, no message to the
buyer. Rows whose order id is not of Amazon's ``3-7-7`` form are left out with a warning.

Whatever the action, ``past_ship_by`` is true when ``asof`` is later than the ship-by day
(late-shipment and auto-cancel risk). Closed cases (``resolution`` other than ``open``) get no
row. An official request that came before the seller's own request is not a contradiction: a
buyer may cancel unprompted, and the official request wins whenever it arrived.

Problems in the log are collected over all rows and raised as one
:class:`~oos_analysis.exceptions.ReportFormatError` listing every row (never a guess): an open
case without ``order_id`` or ship-by date (neither in the log nor in the order report), a reminder
without a request or before it, a request before the stock-out was detected, an open case with
``resolved_at`` set, an unknown ``resolution``, the same order open twice. Line numbers
come from a ``line`` column when the reader keeps one, else from the row position (header = line
1, first row = line 2).

The log is read as it stood at the end of the as-of day, so a list (or a weekly report) for an
earlier day can be made from today's log: a case detected later is left out, a request, reminder
or official request stamped later has not happened yet, and a case resolved later is still open.
"""

from __future__ import annotations

import datetime as dt
import math
import warnings

import pandas as pd
import pyarrow as pa

from ..exceptions import DataQualityWarning, ParameterError, ReportFormatError
from ..io.order_files import is_amazon_order_id
from ..io.schema import NO_REQUEST, RESOLUTIONS, marketplace_time_zone
from ..metric.budget import budget_summary, remaining_cancellations
from .money import money
from .policy import check_policy

__all__ = ["ACTIONS", "next_actions", "ship_by_day", "cumulative_effect", "AUTO_CANCEL"]

AUTO_CANCEL = (
    "Amazon cancels an order that is not confirmed as shipped about 7 days after its expected "
    "ship date, and that cancellation counts against the rate like any other."
)
"""The sentence ``actions`` states about Amazon's auto-cancellation."""

ACTIONS = ("cancel_no_inventory", "cancel_buyer_request", "buy_at_loss", "send_reminder",
           "send_request", "wait")
"""The action codes, most urgent first (the tie-break when two cases are due the same day)."""

_DATE = pd.ArrowDtype(pa.date32())
_TIMESTAMPS = ("detected_at", "ship_by", "request_sent_at", "reminder_sent_at",
               "official_request_at", "resolved_at")
_COLUMNS = ("order_id", "marketplace", "sku", "action", "due", "past_ship_by", "ship_by",
            "decision_deadline", "reason")
_TYPES = {"order_id": "str", "marketplace": "str", "sku": "str", "action": "str", "due": _DATE,
          "past_ship_by": "bool", "ship_by": "datetime64[us, UTC]", "decision_deadline": _DATE,
          "reason": "str"}
_EFFECTS = {"rate_before": "Float64", "rate_after": "Float64", "remaining_before": "Int64",
            "remaining_after": "Int64"}


def _as_date(value) -> dt.date:
    """Return the UTC calendar day of a date, timestamp or ISO string."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    try:
        stamp = pd.Timestamp(value)
    except (TypeError, ValueError) as exc:
        raise ParameterError(
            f"asof={value!r} is not a date; give an ISO date such as 2026-11-24."
        ) from exc
    if stamp is pd.NaT:
        raise ParameterError("asof is missing; give the day the action list is for (ISO date).")
    if stamp.tzinfo is not None:
        stamp = stamp.tz_convert("UTC")
    return stamp.date()


def _utc(frame: pd.DataFrame, column: str, source: str) -> pd.Series:
    if column not in frame.columns:
        return pd.Series(pd.NaT, index=frame.index, dtype="datetime64[us, UTC]")
    try:
        return pd.to_datetime(frame[column], utc=True)
    except (TypeError, ValueError) as exc:
        raise ReportFormatError(
            f"the {column} column holds values that are not dates ({exc}); write ISO dates "
            "such as 2026-11-24T09:00:00+00:00.",
            source=source,
            column=column,
        ) from exc


def ship_by_day(ship_by, marketplace) -> dt.date:
    """The marketplace-local day a ship-by time falls on; a bare date (midnight UTC) is that day.

    Examples
    --------
    >>> ship_by_day(pd.Timestamp("2026-11-24T07:59:59Z"), "amazon.com")
    datetime.date(2026, 11, 23)
    >>> ship_by_day(pd.Timestamp("2026-11-23T14:59:59Z"), "amazon.co.jp")
    datetime.date(2026, 11, 23)
    >>> ship_by_day(pd.Timestamp("2026-11-23", tz="UTC"), "amazon.com")
    datetime.date(2026, 11, 23)
    """
    stamp = pd.Timestamp(ship_by)
    if stamp.tzinfo is None:
        stamp = stamp.tz_localize("UTC")
    stamp = stamp.tz_convert("UTC")
    if stamp == stamp.normalize():  # written as a day, not as Amazon's end-of-day instant
        return stamp.date()
    return stamp.tz_convert(marketplace_time_zone(marketplace)).date()


def _is_missing(value) -> bool:
    return value is None or value is pd.NA or value is pd.NaT or (
        isinstance(value, float) and math.isnan(value)
    )


def _from_order_report(order_report: pd.DataFrame | None) -> tuple[dict, set]:
    """Per order: earliest ship-by in the order report; the orders the buyer asked to cancel."""
    if order_report is None or order_report.empty or "order_id" not in order_report.columns:
        return {}, set()
    ship_by = pd.Series(pd.NaT, index=order_report.index, dtype="datetime64[us, UTC]")
    for column in ("promise_date", "latest_ship_date"):  # latest_ship_date wins where both exist
        if column in order_report.columns:
            values = pd.to_datetime(order_report[column], utc=True)
            ship_by = values.where(values.notna(), ship_by)
    earliest = ship_by.groupby(order_report["order_id"]).min().dropna()
    flagged: set = set()
    if "buyer_requested_cancel" in order_report.columns:
        flag = order_report["buyer_requested_cancel"].astype("boolean").fillna(False)
        flagged = set(order_report.loc[flag.to_numpy(dtype=bool), "order_id"])
    return earliest.to_dict(), flagged


def _as_of(log: pd.DataFrame, lines: list[int], asof: dt.date):
    """Return the log (and its line numbers) as it stood at the end of the ``asof`` day."""
    end = pd.Timestamp(asof, tz="UTC") + pd.Timedelta(days=1)

    def later(column):
        return (log[column].notna() & (log[column] >= end)).to_numpy(dtype=bool)

    log = log.copy()
    log.loc[later("resolved_at") & log["resolution"].ne("open").to_numpy(dtype=bool),
            "resolution"] = "open"
    for column in ("request_sent_at", "reminder_sent_at", "official_request_at", "resolved_at"):
        log.loc[later(column), column] = pd.NaT
    known = ~later("detected_at")
    return log.loc[known], [line for line, keep in zip(lines, known, strict=True) if keep]


def _check(log: pd.DataFrame, lines: list[int], asof: dt.date, ship_by_report: dict) -> list[str]:
    problems = []
    seen: dict = {}
    for position, (_, row) in enumerate(log.iterrows()):
        line = lines[position]
        order = row["order_id"]
        label = f"line {line}" if _is_missing(order) else f"line {line} (order {order})"
        resolution = row["resolution"]
        if _is_missing(resolution) or resolution not in RESOLUTIONS:
            problems.append(
                f"{label}: resolution is {resolution!r}; expected one of {', '.join(RESOLUTIONS)}."
            )
            continue
        if resolution != "open":
            continue
        if _is_missing(order):
            problems.append(f"{label}: open case without order_id; fill in the Amazon order id.")
            continue
        if order in seen:
            problems.append(
                f"{label}: the order is already open on line {seen[order]}; keep one row per order."
            )
        seen.setdefault(order, line)
        if not _is_missing(row["resolved_at"]):
            problems.append(
                f"{label}: resolution is 'open' but resolved_at is set; set the resolution "
                "(bought, buyer_cancelled, no_inventory) or clear resolved_at."
            )
        if _is_missing(row["ship_by"]) and order not in ship_by_report:
            problems.append(
                f"{label}: no ship-by date, neither in the log nor in an order report; fill in "
                "ship_by or pass the Order/Unshipped report that lists the order."
            )
        request, reminder = row["request_sent_at"], row["reminder_sent_at"]
        if not _is_missing(reminder) and _is_missing(request):
            problems.append(
                f"{label}: reminder_sent_at is set but request_sent_at is empty; fill in the "
                "date of the first request."
            )
        elif not _is_missing(reminder) and reminder < request:
            problems.append(
                f"{label}: reminder_sent_at ({reminder:%Y-%m-%d %H:%M}) is before request_sent_at "
                f"({request:%Y-%m-%d %H:%M}); check both dates."
            )
        detected = row["detected_at"]
        if not _is_missing(request) and not _is_missing(detected) and request < detected:
            problems.append(
                f"{label}: request_sent_at ({request:%Y-%m-%d %H:%M}) is before detected_at "
                f"({detected:%Y-%m-%d %H:%M}); check both dates."
            )
    return problems


def _decide(row, *, asof, ship_day, deadline, flagged, loss_cap, reminder_days,
            policy="request"):
    """Return (action, due, reason) for one open case: the module docstring's table, in order."""
    request, reminder = row["request_sent_at"], row["reminder_sent_at"]
    loss, official = row["loss_if_bought"], row["official_request_at"]
    currency = row.get("currency")
    currency = None if currency is None or pd.isna(currency) or not str(currency).strip() \
        else str(currency).strip()
    if not _is_missing(official):
        return ("cancel_buyer_request", asof,
                f"Amazon's official cancellation request arrived on {official:%Y-%m-%d}: cancel "
                "with reason Buyer Canceled; it does not count against the rate.")
    if flagged:
        return ("cancel_buyer_request", asof,
                "the order report flags Amazon's official buyer cancellation request: cancel "
                "with reason Buyer Canceled (it does not count) and record official_request_at "
                "in the log.")
    if not _is_missing(loss) and (loss_cap is None or loss <= loss_cap):
        cap = "no cap set" if loss_cap is None else f"cap {money(loss_cap, currency)}"
        tail = "; tell the buyer it ships after all" if not _is_missing(request) else ""
        return ("buy_at_loss", asof,
                f"a source has stock at a loss of {money(loss, currency)} ({cap}): buy and ship, "
                f"the stock-out is our mistake, not the buyer's{tail}.")
    no_source = ("no source has stock" if _is_missing(loss) else
                 f"the only source means a loss of {money(loss, currency)}, above the cap of "
                 f"{money(loss_cap, currency)}")
    if policy == NO_REQUEST:
        when = f"before the ship-by day {ship_day} ends" if asof <= ship_day else "now"
        return ("cancel_no_inventory", asof,
                f"{no_source}: following Amazon's rule, cancel as No Inventory {when}, without "
                "asking the buyer to cancel; this counts against the rate.")
    if _is_missing(request):
        if asof > deadline:
            return ("cancel_no_inventory", asof,
                    f"{no_source} and the decision deadline {deadline} has passed with no request "
                    "sent: there is no time left to ask; cancel as No Inventory now, this counts "
                    "against the rate.")
        today = (f" Today is the decision deadline: if no official request arrives by the end "
                 f"of today, cancel as No Inventory before the ship-by day {ship_day} passes."
                 if asof == deadline else "")
        return ("send_request", asof,
                f"{no_source}: ask the buyer to cancel through Amazon's Request cancellation."
                f"{today}")
    request_day = request.date()
    remind_on = min(request_day + dt.timedelta(days=reminder_days), deadline)
    if _is_missing(reminder):
        if asof < remind_on:
            return ("wait", remind_on,
                    f"request sent on {request_day}; wait for Amazon's official request, send a "
                    f"reminder on {remind_on} if none arrives.")
        if asof < deadline or (asof == deadline and remind_on > request_day):
            short = (" (the ship-by day is close, so the reminder comes early)"
                     if remind_on < request_day + dt.timedelta(days=reminder_days) else "")
            tail = (f" If no official request arrives by the end of today, cancel as No "
                    f"Inventory before the ship-by day {ship_day} passes." if asof >= deadline
                    else "")
            return ("send_reminder", remind_on,
                    f"request sent on {request_day} and no official request yet{short}: send "
                    f"the reminder, buyers miss mails.{tail}")
        when = (f"before the ship-by day {ship_day} ends, unless Amazon's official request "
                "arrives first" if asof <= ship_day else "now")
        return ("cancel_no_inventory", deadline,
                f"request sent on {request_day}; the decision deadline {deadline} has come and "
                f"the handling time leaves no room for a reminder: cancel as No Inventory "
                f"{when}; this counts against the rate.")
    if asof < deadline:
        return ("wait", deadline,
                f"reminder sent on {reminder.date()}; wait for Amazon's official request until "
                f"the decision deadline {deadline}, then cancel as No Inventory.")
    when = f"before the ship-by day {ship_day}" if asof <= ship_day else "now"
    return ("cancel_no_inventory", deadline,
            f"request and reminder got no official request by the decision deadline {deadline}: "
            f"cancel as No Inventory {when}; this counts against the rate.")


def _effects(actions: pd.DataFrame, orders: pd.DataFrame, *, asof, threshold) -> pd.DataFrame:
    """Rate and budget of the order's 7-day window before and after a No Inventory cancel."""
    purchase = {}
    if "order_id" in orders.columns and "purchase_date" in orders.columns:
        stamps = pd.to_datetime(orders["purchase_date"], utc=True)
        purchase = dict(zip(orders["order_id"], stamps, strict=True))
    effects = actions.copy()
    summaries: dict = {}
    for index, row in actions.loc[actions["action"] == "cancel_no_inventory"].iterrows():
        bought = purchase.get(row["order_id"])
        if bought is None or _is_missing(bought) or _is_missing(row["marketplace"]):
            continue
        # The order counts in the windows ending on its purchase day and the six days after;
        # the latest of those that has already happened is the one to show.
        window_end = min(asof, bought.date() + dt.timedelta(days=6))
        if window_end not in summaries:
            summaries[window_end] = budget_summary(orders, asof=window_end, threshold=threshold)
        summary = summaries[window_end]
        current = summary.loc[summary["marketplace"] == row["marketplace"]]
        if current.empty:
            continue
        current = current.iloc[0]
        n, c = int(current["orders"]), int(current["seller_cancellations"])
        already = "counted" in orders.columns and bool(
            orders.loc[orders["order_id"] == row["order_id"], "counted"].fillna(False).any()
        )
        after = c if already else c + 1
        effects.loc[index, "rate_before"] = c / n if n else pd.NA
        effects.loc[index, "rate_after"] = after / n if n else pd.NA
        effects.loc[index, "remaining_before"] = remaining_cancellations(c, n, threshold=threshold)
        effects.loc[index, "remaining_after"] = remaining_cancellations(
            after, n, threshold=threshold
        )
    return effects


def _lines(log: pd.DataFrame) -> list[int]:
    if "line" in log.columns:
        return [int(value) for value in log["line"]]
    return list(range(2, len(log) + 2))


def next_actions(
    stockout_log: pd.DataFrame,
    *,
    asof,
    loss_cap: float | None = None,
    reminder_days: int = 2,
    margin_days: int = 0,
    order_report: pd.DataFrame | None = None,
    orders: pd.DataFrame | None = None,
    threshold: float = 0.025,
    policy: str | None = None,
) -> pd.DataFrame:
    """Give every open stock-out exactly one next action, a due day and a one-line reason.

    Implements the playbook of ``cancellation-rules.md`` section 1; the decision table is in
    the module docstring.

    Parameters
    ----------
    stockout_log : DataFrame
        The stock-out log (one row per stuck order) as read by ``read_exports``: ``order_id``,
        ``marketplace``, ``sku``, ``detected_at``, ``ship_by``, ``loss_if_bought`` (missing = no
        source has stock), ``request_sent_at``, ``reminder_sent_at``, ``official_request_at``,
        ``resolution``, ``resolved_at``. Timestamps are read as UTC.
    asof : date, Timestamp or str
        The day the list is for (its UTC calendar day). Never read from the clock here.
    loss_cap : float, optional
        Largest acceptable loss when buying from a source, in the log's currency. ``None`` (the
        default) buys whenever any source has stock, the seed's first rule; its one exception
        (a loss of tens of thousands of yen) is what the cap is for.
    reminder_days : int, default 2
        Days between the cancellation request and the reminder.
    margin_days : int, default 0
        Days before the ship-by day by which the No Inventory decision is made.
    order_report : DataFrame, optional
        Order or Unshipped report: supplies ship-by days missing from the log
        (``latest_ship_date``, else ``promise_date``) and the buyer-request flag.
    orders : DataFrame, optional
        One row per order (``orders_from_items``); with it, No Inventory rows show the rate and
        remaining budget of the order's 7-day window before and after the cancellation (each
        cancellation on its own). Without it those columns are missing.
    threshold : float, default 0.025
        The rate limit, a fraction.
    policy : {"request", "no-request"}, optional
        ``request`` (default) is the seller's three-step playbook; ``no-request`` follows
        Amazon's written rule: buy at a loss, else cancel as No Inventory, no buyer message
        (:mod:`oos_analysis.playbook.policy`).

    Returns
    -------
    DataFrame
        One row per open case, sorted by ``due``, then ``past_ship_by`` first, then urgency:
        ``order_id, marketplace, sku, action, due, past_ship_by, ship_by, decision_deadline,
        reason, rate_before, rate_after, remaining_before, remaining_after``. ``due`` and
        ``decision_deadline`` are dates.

    Raises
    ------
    ReportFormatError
        When rows are missing or contradict each other; the message lists every such row.
    ParameterError
        For an unusable ``asof``, a negative ``reminder_days``/``margin_days``/``loss_cap``.

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({
    ...     "order_id": ["111-0000001-0000001", "111-0000002-0000002"],
    ...     "marketplace": "amazon.com", "sku": ["A", "B"],
    ...     "detected_at": pd.Timestamp("2026-11-20", tz="UTC"),
    ...     "ship_by": pd.Timestamp("2026-11-27", tz="UTC"),
    ...     "loss_if_bought": pd.array([4.5, None], dtype="Float64"),
    ...     "request_sent_at": pd.NaT, "reminder_sent_at": pd.NaT,
    ...     "official_request_at": pd.NaT, "resolution": "open", "resolved_at": pd.NaT})
    >>> next_actions(log, asof="2026-11-24", loss_cap=10)[["order_id", "action", "due"]]
                  order_id        action         due
    0  111-0000001-0000001   buy_at_loss  2026-11-24
    1  111-0000002-0000002  send_request  2026-11-24
    """
    asof = _as_date(asof)
    policy = check_policy(policy)
    for name, value in (("reminder_days", reminder_days), ("margin_days", margin_days)):
        if int(value) != value or value < 0:
            raise ParameterError(f"{name}={value!r}: expected a whole number of days, 0 or more.")
    if loss_cap is not None and not loss_cap >= 0:
        raise ParameterError(f"loss_cap={loss_cap!r}: expected an amount of 0 or more, or None.")
    source = stockout_log.attrs.get("source", "stock-out log")
    missing = [c for c in ("order_id", "resolution") if c not in stockout_log.columns]
    if missing:
        raise ReportFormatError(
            f"the stock-out log has no {', '.join(missing)} column; found "
            f"{', '.join(map(str, stockout_log.columns)) or 'no columns'}. Start from the log "
            "template in data/sample/.",
            source=source,
        )
    log = stockout_log.copy()
    for column in _TIMESTAMPS:
        log[column] = _utc(stockout_log, column, source)
    for column in ("marketplace", "sku"):
        if column not in log.columns:
            log[column] = pd.NA
    loss = log["loss_if_bought"] if "loss_if_bought" in log.columns else pd.Series(index=log.index)
    log["loss_if_bought"] = pd.to_numeric(loss, errors="raise").astype("Float64")
    ship_by_report, flagged = _from_order_report(order_report)

    log, lines = _as_of(log, _lines(stockout_log), asof)
    problems = _check(log, lines, asof, ship_by_report)
    if problems:
        raise ReportFormatError(
            f"{len(problems)} problem(s) in the stock-out log to fix before the playbook can "
            "decide: " + " ".join(problems),
            source=source,
        )
    closed = log["resolution"].ne("open") & log["resolved_at"].isna()
    closed_without_date = [str(order) for order in log.loc[closed, "order_id"]]
    if closed_without_date:
        warnings.warn(
            f"{source}: closed case(s) without resolved_at ({', '.join(closed_without_date)}); "
            "fill in the day each was resolved so reports can place it in time.",
            DataQualityWarning,
            stacklevel=2,
        )

    open_cases = log.loc[log["resolution"] == "open"]
    ids = open_cases["order_id"].astype("str").str.strip()
    odd = ~is_amazon_order_id(ids)
    if odd.any():
        warnings.warn(
            f"{source}: {int(odd.sum())} open case(s) have an order id that is not of Amazon's "
            f"3-7-7 digit form (e.g. {ids[odd].iloc[0]!r}); the playbook leaves them out. "
            "Correct the order id in the log.",
            DataQualityWarning,
            stacklevel=2,
        )
        open_cases = open_cases.loc[~odd]
    rows = []
    for _, row in open_cases.iterrows():
        ship_by = row["ship_by"]
        if _is_missing(ship_by):
            ship_by = ship_by_report[row["order_id"]]
        ship_day = ship_by_day(ship_by, row["marketplace"])
        deadline = ship_day - dt.timedelta(days=int(margin_days))
        action, due, reason = _decide(
            row, asof=asof, ship_day=ship_day, deadline=deadline,
            flagged=row["order_id"] in flagged, loss_cap=loss_cap,
            reminder_days=int(reminder_days), policy=policy,
        )
        past = asof > ship_day
        if past:
            reason += f" Past the ship-by day {ship_day}: late-shipment and auto-cancel risk."
        rows.append((row["order_id"], row["marketplace"], row["sku"], action, due, past, ship_by,
                     deadline, reason))
    frame = pd.DataFrame(rows, columns=list(_COLUMNS)).astype(_TYPES)
    for column, dtype in _EFFECTS.items():
        frame[column] = pd.array([pd.NA] * len(frame), dtype=dtype)
    if orders is not None and not frame.empty:
        frame = _effects(frame, orders, asof=asof, threshold=threshold)
    urgency = frame["action"].map({action: rank for rank, action in enumerate(ACTIONS)})
    order = (
        frame.assign(_urgency=urgency, _on_time=~frame["past_ship_by"])
        .sort_values(["due", "_on_time", "_urgency", "order_id"], kind="stable")
        .index
    )
    return frame.loc[order].reset_index(drop=True)


def cumulative_effect(actions: pd.DataFrame, orders: pd.DataFrame, *, asof,
                      threshold: float = 0.025) -> pd.DataFrame:
    """What doing every No Inventory cancellation due by ``asof`` does to each window, together.

    Each row of :func:`next_actions` shows its own cancellation's effect; two of them each
    showing "room 2 -> 1" leave 0 when both are done. This adds them up per marketplace in the
    window ending on ``asof``: a cancellation of an order placed before that window changes
    nothing in it, one already counted changes nothing either.

    Returns
    -------
    DataFrame
        Per marketplace with such cancellations: ``marketplace``, ``cancellations`` (due by
        ``asof``), ``in_window`` (those that add to the window), ``orders``, ``rate_before``,
        ``rate_after``, ``remaining_before``, ``remaining_after``.

    Examples
    --------
    >>> orders = pd.DataFrame({"order_id": [f"O{i}" for i in range(120)], "marketplace": "amazon.com",
    ...     "purchase_date": pd.Timestamp("2026-11-20T10:00Z"), "in_metric": True,
    ...     "counted": False, "attribution": None})
    >>> acts = pd.DataFrame({"order_id": ["O1", "O2"], "marketplace": "amazon.com",
    ...     "action": "cancel_no_inventory", "due": [dt.date(2026, 11, 24)] * 2})
    >>> cumulative_effect(acts, orders, asof="2026-11-24")[["cancellations", "remaining_before",
    ...                                                     "remaining_after"]]
       cancellations  remaining_before  remaining_after
    0              2                 2                0
    """
    asof = _as_date(asof)
    due = actions[(actions["action"] == "cancel_no_inventory")
                  & (pd.Series([d <= asof for d in actions["due"]], index=actions.index,
                               dtype=bool))]
    columns = ["marketplace", "cancellations", "in_window", "orders", "rate_before",
               "rate_after", "remaining_before", "remaining_after"]
    if due.empty or orders is None or "order_id" not in orders:
        return pd.DataFrame(columns=columns)
    summary = budget_summary(orders, asof=asof, threshold=threshold)
    bought = dict(zip(orders["order_id"], pd.to_datetime(orders["purchase_date"], utc=True),
                      strict=True))
    counted = set(orders.loc[orders["counted"].fillna(False).astype(bool), "order_id"]) if (
        "counted" in orders) else set()
    start = asof - dt.timedelta(days=6)
    rows = []
    for market, group in due.groupby("marketplace", sort=True):
        current = summary.loc[summary["marketplace"] == market]
        if current.empty:
            continue
        n, c = int(current.iloc[0]["orders"]), int(current.iloc[0]["seller_cancellations"])
        adds = sum(
            1 for order in group["order_id"]
            if order in bought and not _is_missing(bought[order]) and order not in counted
            and start <= bought[order].date() <= asof
        )
        after = min(c + adds, n)
        rows.append({
            "marketplace": market, "cancellations": len(group), "in_window": adds, "orders": n,
            "rate_before": c / n if n else float("nan"),
            "rate_after": after / n if n else float("nan"),
            "remaining_before": remaining_cancellations(c, n, threshold=threshold),
            "remaining_after": remaining_cancellations(after, n, threshold=threshold),
        })
    return pd.DataFrame(rows, columns=columns)
