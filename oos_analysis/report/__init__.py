"""What a person sees: charts, the weekly report, its rendering, and the training helpers.

``model`` computes every number of the weekly report into plain dataclasses (:func:`weekly_report`)
and ``status`` gives each marketplace its one-word status and reason; ``display`` shows the model
in a notebook for a seller to read. ``plots`` draws each chart into a Matplotlib Axes it is given;
``render`` runs a notebook with papermill and writes static HTML with nbconvert. The training
course: ``course`` (its text per language, filled in from the data), ``training`` (the exercises
and their forgiving checks), ``exercise_widgets`` (the exercises as widgets) and ``handout`` (the
course as static HTML). The what-if: ``whatif`` (the report's forecast turned into settings) and
``whatif_widgets`` (its controls). Matplotlib, papermill, nbconvert and ipywidgets are imported
only when these are used.

Exports: :func:`weekly_report`, :func:`load_report`, :class:`WeeklyReport`,
:class:`MarketplaceReport`, :func:`marketplace_status`, :class:`Status`, the ``plot_*`` functions,
:func:`render_report`, :class:`ReportRenderError`, :func:`report_scope`, :func:`report_table`.
"""

from ..lazy import lazy_exports

_PUBLIC = {
    "weekly_report": "model",
    "load_report": "model",
    "WeeklyReport": "model",
    "MarketplaceReport": "model",
    "marketplace_status": "status",
    "Status": "status",
    "plot_daily_rate": "plots",
    "plot_p_chart": "plots",
    "plot_budget": "plots",
    "plot_breach_fan": "plots",
    "plot_policy_frontier": "plots",
    "plot_reliability": "plots",
    "ReportRenderError": "render",
    "render_report": "render",
    "report_scope": "render",
    "report_table": "render",
}
__all__ = list(_PUBLIC)
__getattr__, __dir__ = lazy_exports(__name__, _PUBLIC, globals())
