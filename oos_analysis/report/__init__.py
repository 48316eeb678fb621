"""What a person sees: charts, the weekly report, its rendering, and the training helpers.

``plots`` draws each chart into a Matplotlib Axes it is given; ``render`` runs a notebook with
papermill and writes static HTML with nbconvert; ``training`` holds the course's exercises and
their checks. Matplotlib, papermill and nbconvert are imported only when these are used.

Exports: the ``plot_*`` functions, :func:`render_report`, :class:`ReportRenderError`,
:func:`report_scope`, :func:`report_table`.
"""

from ..lazy import lazy_exports

_PUBLIC = {
    "plot_daily_rate": "plots",
    "plot_p_chart": "plots",
    "plot_budget": "plots",
    "plot_breach_fan": "plots",
    "plot_policy_frontier": "plots",
    "ReportRenderError": "render",
    "render_report": "render",
    "report_scope": "render",
    "report_table": "render",
}
__all__ = list(_PUBLIC)
__getattr__, __dir__ = lazy_exports(__name__, _PUBLIC, globals())
