"""oos_analysis: account health for Amazon sellers who sell without holding stock.

The flow, one module per step::

    files -> readers -> orders -> rate / budget -> simulation / playbook -> plots -> report / cli

Read Seller Central exports with :func:`read_exports` (any mix of files, types detected), turn
them into one row per order with :func:`orders_from_exports`, and ask for the daily 7-day
cancellation rate, the remaining budget, a what-if simulation or the next action per stuck order.

The public names below are imported on first use, so that ``oos-analysis check`` does not pay
for the simulator, the plots or the report machinery.
"""

from importlib import import_module
from importlib.metadata import PackageNotFoundError, version

from .exceptions import (
    DataQualityWarning,
    InputFileError,
    OOSAnalysisError,
    ParameterError,
    ReportFormatError,
    UnknownReportError,
)

try:
    __version__ = version("oos_analysis")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0+unknown"

# Public name -> the module that defines it, in the order of the flow.
_PUBLIC = {
    "Export": "readers",
    "Exports": "readers",
    "read_all_orders": "readers",
    "read_order_report": "readers",
    "read_cancel_download": "readers",
    "read_seller_performance": "readers",
    "read_stockout_log": "readers",
    "read_export": "readers",
    "read_exports": "readers",
    "orders_from_items": "orders",
    "orders_from_exports": "orders",
    "coverage": "orders",
    "DEFAULT_THRESHOLD": "rate",
    "WINDOW_DAYS": "rate",
    "daily_rate": "rate",
    "remaining_cancellations": "budget",
    "clean_orders_needed": "budget",
    "budget_summary": "budget",
    "roll_off_calendar": "budget",
    "back_under_target_on": "budget",
    "listing_risk": "listing",
    "reconcile": "reconcile",
    "SimulationInputs": "simulation_inputs",
    "SimulationResult": "simulation",
    "simulate": "simulation",
    "breach_probability": "breach",
    "daily_breach_probability": "breach",
    "policy_grid": "policy",
    "compare_policies": "policy",
    "cheapest_safe_policy": "policy",
    "ACTIONS": "playbook",
    "next_actions": "playbook",
    "cancellation_message": "messages",
    "cancellation_messages": "messages",
    "cancellation_url": "messages",
    "plot_daily_rate": "plots",
    "plot_p_chart": "plots",
    "plot_budget": "plots",
    "plot_breach_fan": "plots",
    "plot_policy_frontier": "plots",
    "ReportRenderError": "report",
    "render_report": "report",
    "report_scope": "report",
    "report_table": "report",
    "import_files": "store",
    "gap_days": "store",
    "mark_gaps": "store_coverage",
    "generate_sample": "sample",
}

__all__ = [
    "__version__",
    "DataQualityWarning",
    "InputFileError",
    "OOSAnalysisError",
    "ParameterError",
    "ReportFormatError",
    "UnknownReportError",
    *_PUBLIC,
]


def __getattr__(name: str):
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'oos_analysis' has no attribute {name!r}")
    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_PUBLIC))
