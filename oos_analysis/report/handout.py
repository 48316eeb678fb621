"""The training course as a static HTML handout, rendered like the weekly report.

:func:`render_handout` runs ``notebooks/training-<lang>.ipynb`` with ``handout=True`` through
:func:`~oos_analysis.report.render.render_report` (papermill, then nbconvert without code), then
names the files after the course: ``training-<lang>.html`` and ``training-<lang>.ipynb``.
"""

from __future__ import annotations

import shutil
import tempfile
import warnings
from pathlib import Path

from ..exceptions import DataQualityWarning, ParameterError
from .course import course_text

__all__ = ["training_notebook", "render_handout"]


def training_notebook(lang: str) -> Path:
    """The course notebook of a source checkout for ``lang``."""
    course_text(lang)
    path = Path(__file__).resolve().parents[2] / "notebooks" / f"training-{lang}.ipynb"
    if not path.is_file():
        raise ParameterError(
            f"the training notebook was not found at {path}; this happens when oos_analysis is "
            "installed rather than run from its source folder."
        )
    return path


def render_handout(*, lang: str = "ja", files=None, out_dir="reports", asof: str = "",
                   marketplace: str = "", notebook=None) -> Path:
    """Render the course for ``lang`` to ``<out_dir>/training-<lang>.html``; return its path.

    ``files`` default to the notebook's own (the sample shop). The as-of day and marketplace
    default as in the weekly report.
    """
    import oos_analysis as oa

    from .render import notebook_defaults, notebook_parameters, render_report, report_scope

    notebook = Path(notebook) if notebook else training_notebook(lang)
    declared = notebook_parameters(notebook)
    if files is None:
        defaults = notebook_defaults(declared)["files"]
        files = [str((notebook.parent / f).resolve()) for f in defaults]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)  # the course says them in words
        orders = oa.orders_from_exports(oa.read_exports([Path(f) for f in files]))
    asof, marketplace = report_scope(orders, asof=asof, marketplace=marketplace)
    out_dir = Path(out_dir).expanduser().resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    html = out_dir / f"training-{lang}.html"
    html.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(dir=out_dir, prefix=".training-") as work:
        made = render_report(notebook, out_dir=work, asof=asof, marketplace=marketplace,
                             parameters={"files": list(files), "lang": lang, "handout": True})
        shutil.move(made, html)
        shutil.move(made.with_suffix(".ipynb"), html.with_suffix(".ipynb"))
    return html
