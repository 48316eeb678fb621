"""oos_analysis: account health for Amazon sellers who sell without holding stock.

The flow, one subpackage per step::

    io (files -> readers) -> metric (orders -> rate, budget) -> forecast | playbook -> report -> cli
                ^
              store (beside the readers: the history of every import)

Read Seller Central exports with :func:`read_exports` (any mix of files, types detected), turn
them into one row per order with :func:`orders_from_exports`, and ask for the daily 7-day
cancellation rate, the remaining budget, a what-if simulation or the next action per stuck order.

The public names below are imported on first use, so that ``oos-analysis check`` does not pay
for the simulator, the plots or the report machinery.
"""

from .exceptions import (
    DataQualityWarning,
    InputFileError,
    MissingOrderIdWarning,
    OOSAnalysisError,
    ParameterError,
    ReportFormatError,
    UnknownReportError,
)
from .lazy import lazy_exports

# Public name -> the module that defines it, in the order of the flow.
_PUBLIC = {
    "Export": "io.readers",
    "Exports": "io.readers",
    "read_all_orders": "io.readers",
    "read_order_report": "io.readers",
    "read_cancel_download": "io.readers",
    "read_seller_performance": "io.readers",
    "read_stockout_log": "io.readers",
    "read_export": "io.readers",
    "read_exports": "io.readers",
    "orders_from_items": "metric.orders",
    "orders_from_exports": "metric.orders",
    "coverage": "metric.orders",
    "DEFAULT_THRESHOLD": "metric.window",
    "WINDOW_DAYS": "metric.window",
    "daily_rate": "metric.rate",
    "remaining_cancellations": "metric.window",
    "clean_orders_needed": "metric.window",
    "budget_summary": "metric.budget",
    "roll_off_calendar": "metric.budget",
    "back_under_target_on": "metric.budget",
    "listing_risk": "metric.listing",
    "reconcile": "metric.reconciliation",
    "known_on": "metric.known",
    "SimulationInputs": "forecast.inputs",
    "SimulationResult": "forecast.simulation",
    "simulate": "forecast.simulation",
    "breach_probability": "forecast.exact",
    "daily_breach_probability": "forecast.exact",
    "any_breach_probability": "forecast.exact",
    "backtest": "forecast.backtest",
    "BacktestResult": "forecast.backtest",
    "policy_grid": "forecast.policy",
    "compare_policies": "forecast.policy",
    "cheapest_safe_policy": "forecast.policy",
    "ACTIONS": "playbook.actions",
    "next_actions": "playbook.actions",
    "cancellation_message": "playbook.messages",
    "cancellation_messages": "playbook.messages",
    "cancellation_url": "playbook.messages",
    "plot_daily_rate": "report.plots",
    "plot_p_chart": "report.plots",
    "plot_budget": "report.plots",
    "plot_breach_fan": "report.plots",
    "plot_policy_frontier": "report.plots",
    "plot_reliability": "report.plots",
    "ReportRenderError": "report.render",
    "render_report": "report.render",
    "report_scope": "report.render",
    "report_table": "report.render",
    "weekly_report": "report.model",
    "load_report": "report.model",
    "WeeklyReport": "report.model",
    "marketplace_status": "report.status",
    "import_files": "store.importer",
    "gap_days": "store.spans",
    "mark_gaps": "metric.gaps",
    "generate_sample": "sample",
}

__all__ = [
    "__version__",
    "DataQualityWarning",
    "MissingOrderIdWarning",
    "InputFileError",
    "OOSAnalysisError",
    "ParameterError",
    "ReportFormatError",
    "UnknownReportError",
    *_PUBLIC,
]


_public, __dir__ = lazy_exports(__name__, {**_PUBLIC, "__version__": ""}, globals())


def __getattr__(name: str):
    # The version is looked up on first use too: importlib.metadata costs more than the rest of
    # `import oos_analysis` together.
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            value = version("oos_analysis")
        except PackageNotFoundError:  # pragma: no cover - a source tree without install
            value = "0+unknown"
        globals()["__version__"] = value
        return value
    return _public(name)
