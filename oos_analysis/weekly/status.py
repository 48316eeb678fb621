"""Each marketplace's status for the alert, from the report model of the store.

The words and reasons are the report's own (:mod:`oos_analysis.report.status`, through
:func:`oos_analysis.report.model.weekly_report`): the alert never disagrees with the page. The
day's actions are counted per kind of action, so the message carries no order or buyer details.
"""

from __future__ import annotations

import warnings

from ..exceptions import DataQualityWarning

__all__ = ["store_status"]


def _action_lines(todo, marketplace: str) -> list[str]:
    if todo is None or todo.empty:
        return []
    mine = todo[(todo["marketplace"] == marketplace) & todo["due_now"].astype(bool)]
    counts = mine["action"].astype(str).str.replace("_", " ").value_counts(sort=False)
    return [f"{action}: {n} order{'s' if n != 1 else ''}" for action, n in counts.items()]


def store_status(store, *, tz: str = "UTC"):
    """``(asof, [{marketplace, status, reason, actions}])`` for every marketplace in ``store``."""
    from ..report.model import weekly_report
    from ..store.loader import load
    from ..store.spans import gap_days

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        exports = load(store)
        report = weekly_report(exports, tz=tz, gaps=gap_days(store, kind="all_orders"),
                               policies=False)
    todo = report.todo()
    markets = [
        {"marketplace": row.marketplace, "status": row.status, "reason": row.reason,
         "actions": _action_lines(todo, row.marketplace)}
        for row in report.summary().itertuples(index=False)
    ]
    return report.asof, markets
