"""The metric as Amazon counts it: orders, the daily 7-day rate, its budget and what it misses.

``orders`` turns item rows into one row per order and decides who each cancellation is
attributed to (``grouping`` does the per-row work on integer codes, so ten million rows take
seconds); ``window`` holds the 7-day window's target and its exact arithmetic on counts (numpy
only, so the simulator with given inputs needs no pandas); ``rate`` computes the daily 7-day
Pre-fulfillment Cancel Rate; ``budget`` says how many more cancellations a window can absorb and
when counted ones roll off; ``listing`` flags
offers at risk of removal; ``reconciliation`` sets the kit's figure beside Amazon's; ``gaps`` marks
days no export covers; ``known`` cuts exports back to what was known at the end of a day. Everything here is exact integer arithmetic on frames; nothing samples.

Exports: :func:`orders_from_items`, :func:`orders_from_exports`, :func:`coverage`,
:func:`daily_rate`, :func:`remaining_cancellations`, :func:`clean_orders_needed`,
:func:`budget_summary`, :func:`roll_off_calendar`, :func:`back_under_target_on`,
:func:`listing_risk`, :func:`reconcile`, :func:`mark_gaps`, :func:`known_on`, ``DEFAULT_THRESHOLD``, ``WINDOW_DAYS``.
"""

from ..lazy import lazy_exports

_PUBLIC = {
    "orders_from_items": "orders",
    "orders_from_exports": "orders",
    "coverage": "orders",
    "DEFAULT_THRESHOLD": "window",
    "WINDOW_DAYS": "window",
    "daily_rate": "rate",
    "remaining_cancellations": "window",
    "clean_orders_needed": "window",
    "budget_summary": "budget",
    "roll_off_calendar": "budget",
    "back_under_target_on": "budget",
    "listing_risk": "listing",
    "reconcile": "reconciliation",
    "mark_gaps": "gaps",
    "known_on": "known",
}
__all__ = list(_PUBLIC)
__getattr__, __dir__ = lazy_exports(__name__, _PUBLIC, globals())
