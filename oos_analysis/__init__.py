"""oos_analysis: account health for Amazon sellers who sell without holding stock.

The flow, one module per step::

    files -> readers -> orders -> rate / budget -> simulation / playbook -> plots -> report / cli

Read Seller Central exports with :func:`read_exports` (any mix of files, types detected), turn
them into one row per order with :func:`orders_from_items`, and ask for the daily 7-day
cancellation rate, the remaining budget, a what-if simulation or the next action per stuck order.
"""

from importlib.metadata import PackageNotFoundError, version

from .exceptions import (
    DataQualityWarning,
    InputFileError,
    OOSAnalysisError,
    ParameterError,
    ReportFormatError,
    UnknownReportError,
)
from .budget import (
    back_under_target_on,
    budget_summary,
    clean_orders_needed,
    remaining_cancellations,
    roll_off_calendar,
)
from .listing import listing_risk
from .orders import coverage, orders_from_exports, orders_from_items
from .rate import DEFAULT_THRESHOLD, WINDOW_DAYS, daily_rate
from .reconcile import reconcile
from .playbook import ACTIONS, next_actions
from .messages import cancellation_message, cancellation_messages, cancellation_url
from .sample import generate_sample

from .readers import (
    Export,
    Exports,
    read_all_orders,
    read_cancel_download,
    read_export,
    read_exports,
    read_order_report,
    read_seller_performance,
    read_stockout_log,
)
from .simulation import SimulationInputs, SimulationResult, simulate
from .policy import cheapest_safe_policy, compare_policies, policy_grid
from .breach import breach_probability, daily_breach_probability
from .store import gap_days, import_files, mark_gaps
from .plots import (
    plot_breach_fan,
    plot_budget,
    plot_daily_rate,
    plot_p_chart,
    plot_policy_frontier,
)
from .report import ReportRenderError, render_report, report_scope, report_table

try:
    __version__ = version("oos_analysis")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0+unknown"

__all__ = [
    "__version__",
    "DataQualityWarning",
    "InputFileError",
    "OOSAnalysisError",
    "ParameterError",
    "ReportFormatError",
    "UnknownReportError",
    "DEFAULT_THRESHOLD",
    "WINDOW_DAYS",
    "orders_from_items",
    "orders_from_exports",
    "coverage",
    "daily_rate",
    "remaining_cancellations",
    "clean_orders_needed",
    "budget_summary",
    "roll_off_calendar",
    "back_under_target_on",
    "listing_risk",
    "reconcile",
    "ACTIONS",
    "next_actions",
    "cancellation_message",
    "cancellation_messages",
    "cancellation_url",
    "generate_sample",
    "Export",
    "Exports",
    "read_all_orders",
    "read_cancel_download",
    "read_export",
    "read_exports",
    "read_order_report",
    "read_seller_performance",
    "read_stockout_log",
    "SimulationInputs",
    "SimulationResult",
    "simulate",
    "compare_policies",
    "cheapest_safe_policy",
    "policy_grid",
    "breach_probability",
    "daily_breach_probability",
    "import_files",
    "gap_days",
    "mark_gaps",
    "plot_daily_rate",
    "plot_p_chart",
    "plot_budget",
    "plot_breach_fan",
    "plot_policy_frontier",
    "ReportRenderError",
    "render_report",
    "report_scope",
    "report_table",
]
