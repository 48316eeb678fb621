"""Render the weekly report: papermill runs the notebook, nbconvert writes HTML without code.

papermill and nbconvert belong to the ``notebooks`` extra and are imported inside the functions,
so ``import oos_analysis`` works without them. :func:`render_report` guards the two places where
papermill is lenient: it rejects parameters the notebook does not declare (papermill only warns),
and a notebook without a ``parameters`` cell. When a cell fails, the executed notebook is kept
next to where the HTML would have gone, and no HTML is written.

The HTML never shows code, prompts, tracebacks or anything a cell wrote to standard error, and
HTML produced by cells passes through a tag allow-list, so a product called ``<script>`` stays
text even if a cell forgot to escape it.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import copy
import datetime as _dt
import re
import sys
from pathlib import Path

from ..exceptions import OOSAnalysisError, ParameterError

__all__ = [
    "ReportRenderError",
    "report_scope",
    "report_table",
    "notebook_parameters",
    "notebook_defaults",
    "coerce_parameters",
    "render_report",
    "default_notebook",
]

# Tags a report's tables, headings and charts need; anything else in cell HTML is escaped.
_ALLOWED_TAGS = frozenset(
    "a abbr b blockquote br caption code col colgroup dd div dl dt em h1 h2 h3 h4 h5 h6 hr i img "
    "li ol p pre small span strong style sub sup table tbody td tfoot th thead tr u ul".split()
)
_ALLOWED_ATTRIBUTES = {
    "*": ["class", "id", "title", "style", "colspan", "rowspan", "align"],
    "a": ["href", "title"],
    "img": ["src", "alt", "width", "height"],
}
_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_EXAMPLES = {"int": "28", "float": "0.025", "bool": "true"}
_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off"}


class ReportRenderError(OOSAnalysisError, RuntimeError):
    """The report notebook could not be executed to the end; no HTML was written.

    Attributes
    ----------
    executed : pathlib.Path or None
        The executed notebook, kept so the failing cell and its error can be read.
    """

    def __init__(self, message: str, *, executed: Path | None = None) -> None:
        super().__init__(message)
        self.executed = executed


def report_scope(orders, *, asof=None, marketplace=None, tz: str = "UTC") -> tuple[str, str]:
    """Return the ``(asof, marketplace)`` a report is about, filling in what was not given.

    The marketplace defaults to the one with the most MFN orders in the metric, and ``asof`` to
    that marketplace's last purchase day (in ``tz``), the same defaults as
    :func:`oos_analysis.budget_summary` and :func:`oos_analysis.simulate`.

    Parameters
    ----------
    orders : DataFrame
        The frame :func:`oos_analysis.orders_from_items` returns.
    asof : str or date, optional
    marketplace : str, optional
    tz : str, default "UTC"

    Returns
    -------
    tuple of str
        The ISO date and the marketplace name (e.g. ``("2026-11-24", "amazon.com")``).

    Raises
    ------
    ParameterError
        No MFN orders at all, or none in the requested marketplace.

    Examples
    --------
    >>> import pandas as pd
    >>> o = pd.DataFrame({"marketplace": ["amazon.com", "amazon.com", "amazon.ca"],
    ...     "purchase_date": pd.to_datetime(["2026-11-23T23:00Z", "2026-11-24T01:00Z",
    ...                                      "2026-11-25T01:00Z"], utc=True),
    ...     "in_metric": True})
    >>> report_scope(o)
    ('2026-11-24', 'amazon.com')
    >>> report_scope(o, tz="America/Los_Angeles", asof="")
    ('2026-11-23', 'amazon.com')
    """
    from ..metric.rate import check_tz

    tz = check_tz(tz)
    metric = orders[orders["in_metric"].astype(bool)]
    counts = metric["marketplace"].value_counts()
    if counts.empty:
        raise ParameterError(
            "the data has no MFN orders on an Amazon marketplace, so there is no cancellation "
            "rate to report. Pass an All Orders report that covers the report week."
        )
    if marketplace:
        if marketplace not in counts.index:
            raise ParameterError(
                f"no MFN orders for marketplace {marketplace!r} in the data; it has "
                f"{sorted(counts.index)}. Pass one of those (e.g. --marketplace amazon.com)."
            )
    else:
        # Most orders first; ties broken by name so the choice does not depend on file order.
        marketplace = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
    if asof:
        return _iso_date(asof), str(marketplace)
    stamps = metric.loc[metric["marketplace"] == marketplace, "purchase_date"]
    last = stamps.dt.tz_convert(tz).max()
    return last.date().isoformat(), str(marketplace)


def report_table(
    frame,
    *,
    percent=(),
    decimals: dict | None = None,
    dates=(),
    caption: str | None = None,
):
    """Return a Styler for showing ``frame`` in a report, with every value HTML-escaped.

    pandas' Styler does not escape cell text unless told to; product names are data, so a
    product called ``<script>`` must stay text. The index is hidden and missing values show as
    blanks.

    Parameters
    ----------
    frame : DataFrame
    percent : sequence of str
        Columns holding fractions, shown as percentages with two decimals.
    decimals : dict, optional
        Column name to number of decimals for other float columns.
    dates : sequence of str
        Columns shown as ``YYYY-MM-DD``.
    caption : str, optional

    Returns
    -------
    pandas.io.formats.style.Styler

    Examples
    --------
    >>> import pandas as pd
    >>> t = report_table(pd.DataFrame({"product_name": ["<b>x</b>"], "rate": [0.025]}),
    ...                  percent=["rate"])
    >>> html = t.to_html()
    >>> "&lt;b&gt;x&lt;/b&gt;" in html, "2.50%" in html
    (True, True)
    """
    import html

    import pandas as pd

    styler = frame.style.hide(axis="index").format(escape="html", na_rep="")
    styler = styler.format_index(escape="html", axis=1)
    for column in percent:
        styler = styler.format(lambda v: "" if pd.isna(v) else f"{v:.2%}", subset=[column])
    for column, places in (decimals or {}).items():
        styler = styler.format(
            lambda v, p=places: "" if pd.isna(v) else f"{v:,.{p}f}", subset=[column]
        )
    for column in dates:
        styler = styler.format(
            lambda v: "" if pd.isna(v) else pd.Timestamp(v).strftime("%Y-%m-%d"), subset=[column]
        )
    if caption:
        styler = styler.set_caption(html.escape(caption))
    return styler


def default_notebook() -> Path:
    """Return the weekly report notebook of a source checkout: ``notebooks/weekly-report.ipynb``.

    Raises
    ------
    ParameterError
        When the kit is installed without its source tree; pass ``notebook=`` (``--notebook``).
    """
    path = Path(__file__).resolve().parents[2] / "notebooks" / "weekly-report.ipynb"
    if not path.is_file():
        raise ParameterError(
            f"the weekly report notebook was not found at {path}; this happens when oos_analysis "
            "is installed rather than run from its source folder. Pass the notebook's path with "
            "--notebook PATH (or notebook= in Python)."
        )
    return path


def _import_nbformat() -> None:
    """Import nbformat (and so jsonschema) without loading ``rfc3987_syntax``.

    jsonschema imports ``rfc3987_syntax`` at import time when it is installed, to check the
    ``iri`` formats, and that package builds its Lark parsers on import: 2 s or more of every
    report, although no notebook schema uses those formats. Upstream:
    https://github.com/python-jsonschema/jsonschema/issues/1428. While nbformat is imported the
    module is marked missing (jsonschema then skips those two checks); the mark is removed
    afterwards, so a later ``import rfc3987_syntax`` elsewhere works as usual.
    """
    if "jsonschema" in sys.modules or "rfc3987_syntax" in sys.modules:
        return
    sys.modules["rfc3987_syntax"] = None  # an import of it raises ImportError, which is skipped
    try:
        import nbformat  # noqa: F401
    finally:
        if sys.modules.get("rfc3987_syntax", False) is None:
            del sys.modules["rfc3987_syntax"]


def notebook_parameters(notebook: str | Path) -> dict[str, dict]:
    """Return the parameters a notebook declares, as ``papermill.inspect_notebook`` reports them.

    Raises
    ------
    ParameterError
        When the notebook is missing or has no cell tagged ``parameters``.
    """
    _import_nbformat()
    import nbformat
    import papermill as pm

    path = Path(notebook).resolve()
    if not path.is_file():
        raise ParameterError(f"notebook {path} does not exist; pass the path of an .ipynb file.")
    nb = nbformat.read(path, as_version=4)
    if not any("parameters" in cell.get("metadata", {}).get("tags", []) for cell in nb.cells):
        raise ParameterError(
            f"notebook {path} has no cell tagged 'parameters', so nothing can be passed to it. "
            "Tag its first code cell 'parameters' (literal assignments only)."
        )
    return pm.inspect_notebook(str(path))


def notebook_defaults(declared: dict[str, dict]) -> dict:
    """The default value of each parameter ``declared`` (as :func:`notebook_parameters` gives
    them); a parameter whose default is not a literal is left out."""
    import ast

    defaults = {}
    for name, spec in declared.items():
        with contextlib.suppress(ValueError, SyntaxError, TypeError, KeyError, MemoryError):
            defaults[name] = ast.literal_eval(spec["default"])
    return defaults


def coerce_parameters(declared: dict[str, dict], given: dict[str, object]) -> dict[str, object]:
    """Check parameter names against the notebook and turn text values into the declared types.

    Parameters
    ----------
    declared : dict
        From :func:`notebook_parameters`.
    given : dict
        Name to value. Text values (as typed on a command line) are converted to the type the
        parameter is annotated with (``int``, ``float``, ``bool``); other values pass unchanged.

    Returns
    -------
    dict

    Raises
    ------
    ParameterError
        An unknown name (the message lists the valid ones) or a value of the wrong type.

    Examples
    --------
    >>> declared = {"horizon": {"inferred_type_name": "int"}, "seed": {"inferred_type_name": "int"},
    ...             "tz": {"inferred_type_name": "str"}}
    >>> coerce_parameters(declared, {"horizon": "14", "tz": "Asia/Tokyo"})
    {'horizon': 14, 'tz': 'Asia/Tokyo'}
    """
    unknown = sorted(set(given) - set(declared))
    if unknown:
        raise ParameterError(
            f"unknown report parameter(s) {unknown}; the notebook declares "
            f"{sorted(declared)}. Check the spelling (names are case-sensitive)."
        )
    out = {}
    for name, value in given.items():
        kind = declared[name].get("inferred_type_name", "None")
        out[name] = _coerce(name, kind, value) if isinstance(value, str) else value
    return out


def _coerce(name: str, kind: str, text: str):
    try:
        if kind == "int":
            return int(text)
        if kind == "float":
            return float(text)
        if kind == "bool":
            if text.strip().lower() in _TRUE | _FALSE:
                return text.strip().lower() in _TRUE
            raise ValueError(text)
    except ValueError:
        raise ParameterError(
            f"report parameter {name} must be {'an' if kind == 'int' else 'a'} {kind}; got "
            f"{text!r}. Write it like {name}={_EXAMPLES[kind]}."
        ) from None
    return text


def _check_name(value: str, what: str, example: str) -> str:
    if not _SAFE_NAME.match(value):
        raise ParameterError(
            f"{what} {value!r} cannot be used in a file name; expected letters, digits, '-', "
            f"'_' or '.', e.g. {example!r}."
        )
    return value


def render_report(
    notebook: str | Path,
    *,
    out_dir: str | Path = "reports",
    asof: str | _dt.date,
    marketplace: str | None = None,
    parameters: dict[str, object] | None = None,
    kernel_name: str = "python3",
    start_timeout: int = 60,
    exports=None,
    kernel=None,
) -> Path:
    """Execute a report notebook with papermill and write its HTML without code; return the HTML.

    The executed notebook goes to ``<out_dir>/weekly-report-<asof>.ipynb`` (with
    ``-<marketplace>`` added when the report is narrowed to one) and the HTML next to it with the
    ``.html`` suffix. The notebook runs with its own folder as working directory, so
    its relative default paths mean the same as under nbval. ``asof`` and ``marketplace`` are
    passed to the notebook too when it declares parameters of those names.

    Parameters
    ----------
    notebook : str or Path
        The report notebook (see :func:`default_notebook`).
    out_dir : str or Path, default "reports"
        Created if missing; resolved to an absolute path.
    asof : str or datetime.date
        ISO date the report is for.
    marketplace : str, optional
        The one marketplace the report is narrowed to (``amazon.com``); also in the file names.
        None or empty: every marketplace.
    parameters : dict, optional
        Further notebook parameters; text values are converted (:func:`coerce_parameters`).
    kernel_name : str, default "python3"
    start_timeout : int, default 60
        Seconds to wait for the kernel to start.
    exports : Exports, optional
        The exports the caller has already read (for its own checks). When the notebook declares
        a ``handoff`` parameter they reach the kernel through a private file
        (:mod:`~oos_analysis.report.handoff`) instead of being read a second time.
    kernel : ReportKernel, optional
        A kernel the caller started earlier in the notebook's folder
        (:class:`~oos_analysis.report.kernel.ReportKernel`), so it could start while the caller
        read the data; the caller shuts it down. Default: one is started here and shut down
        when the notebook has run.

    Returns
    -------
    pathlib.Path
        The HTML file.

    Raises
    ------
    ParameterError
        Unknown or badly typed parameters, a bad date, or a notebook without parameters cell;
        raised before anything runs.
    ReportRenderError
        A cell failed. The executed notebook (kept, see ``executed``) shows which one and why.
    """
    _import_nbformat()
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    notebook = Path(notebook).resolve()
    asof_text = _iso_date(asof)
    if marketplace:
        _check_name(marketplace, "marketplace", "amazon.com")
    declared = notebook_parameters(notebook)
    values = coerce_parameters(declared, dict(parameters or {}))
    for name, value in (("asof", asof_text), ("marketplace", marketplace or "")):
        if name in declared:
            values[name] = value

    out_dir = Path(out_dir).expanduser().resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"weekly-report-{asof_text}" + (f"-{marketplace}" if marketplace else "")
    executed = out_dir / f"{stem}.ipynb"
    html_path = executed.with_suffix(".html")
    # A stale HTML from an earlier run must not pass for this run's result.
    html_path.unlink(missing_ok=True)
    with contextlib.ExitStack() as stack:
        if exports is not None and "handoff" in declared:
            from .handoff import exports_handoff

            values["handoff"] = stack.enter_context(exports_handoff(exports))
            # The kernel is still starting: build the report it will ask for meanwhile.
            builder = _hand_over_report(notebook, declared, values, exports)
            if builder is not None:  # stopped (if need be) before the handoff folder goes
                stack.callback(builder.stop)
        if kernel is None:
            from .kernel import ReportKernel

            kernel = stack.enter_context(ReportKernel.for_notebook(notebook,
                                                                   kernel_name=kernel_name))
        # While the kernel runs the notebook this process only waits: prepare the export then.
        warming = stack.enter_context(concurrent.futures.ThreadPoolExecutor(
            1, thread_name_prefix="oos-html")).submit(_warm_html_exporter)
        try:
            done = pm.execute_notebook(
                str(notebook),
                str(executed),
                parameters=values,
                kernel_name=kernel_name,
                km=kernel.km,
                progress_bar=False,
                log_output=False,
                start_timeout=start_timeout,
                # written once at the end (and when a cell fails), not after every cell
                request_save_on_cell_execute=False,
            )
        except PapermillExecutionError as exc:
            raise ReportRenderError(
                f"the report notebook stopped at cell [{exc.exec_count}] with {exc.ename}: "
                f"{exc.evalue}. No HTML was written. The executed notebook, with the full error "
                f"under that cell, is {executed}; fix the input or parameter it points to and "
                "run the report again.",
                executed=executed,
            ) from None
        exporter = warming.result()
    # from the notebook in memory: papermill has just written it to `executed`
    html_path.write_text(notebook_to_html(done, exporter=exporter), encoding="utf-8")
    return html_path


def _hand_over_report(notebook: Path, declared: dict, values: dict, exports):
    """Build the notebook's report model and leave it next to the handoff file.

    Where this process can fork, a child builds it while papermill starts and the notebook's first
    cells run (the notebook's ``load_report`` waits for it while the child lives); the child is
    returned (:class:`~oos_analysis.report.forked.Forked`). Otherwise it is built here, before
    the notebook starts, and None is returned. Failing to build or leave it never fails the
    report: the notebook's ``load_report`` then builds it.

    Only for a notebook that imports :mod:`oos_analysis.report.model`. The arguments are the
    notebook's values of the parameters named like :func:`~oos_analysis.report.model.load_report`'s
    (its defaults, then what was given); its ``load_report`` uses the result only when called
    with exactly these, and builds the report itself otherwise.
    """
    from .forked import Forked, can_fork
    from .handoff import handoff_report_coming, write_handoff_report
    from .kernel import notebook_imports
    from .model import _report_arguments, _report_parameter_names, handoff_report

    if "oos_analysis.report.model" not in notebook_imports(notebook):
        return None
    namespace = {**notebook_defaults(declared), **values}
    names = _report_parameter_names()
    arguments = _report_arguments(**{name: namespace[name] for name in declared
                                     if name in namespace and name in names})
    path = values["handoff"]

    def build(_=None) -> None:
        outcome = handoff_report(exports, arguments)
        if outcome is not None:
            write_handoff_report(path, arguments, outcome)

    # The handed-over report only saves the kernel time: whatever stops it (a full /tmp, a
    # report that does not pickle, no process to fork) must not stop the report, which the
    # notebook then builds itself, with or without fork.
    if not can_fork():
        with contextlib.suppress(Exception):
            build()
        return None
    builder = Forked(build, None, send=False)  # handoff_report captures what it says
    if builder.pid is None:  # the system refused a process: the notebook builds it
        return None
    with contextlib.suppress(OSError):  # then the notebook does not wait for it, that is all
        handoff_report_coming(path, builder.pid, arguments)
    return builder


def _iso_date(value) -> str:
    if isinstance(value, _dt.date):
        return value.isoformat()[:10]
    try:
        return _dt.date.fromisoformat(str(value)).isoformat()
    except ValueError:
        raise ParameterError(
            f"asof must be an ISO date such as 2026-11-24; got {value!r}."
        ) from None


def notebook_to_html(executed, *, exporter=None) -> str:
    """Return the HTML of an executed notebook with no code, prompts, errors or stderr output.

    ``executed`` is the notebook's path or the notebook itself (left unchanged). Markdown cells
    and cell outputs are kept. Cell HTML passes through a tag allow-list (nbconvert's
    bleach-based sanitizer), so stray markup in data shows as text. ``exporter`` is one made
    for this (internal; the render path passes a warmed one); by default a new one is made.
    """
    _import_nbformat()
    import nbformat

    if isinstance(executed, (str, Path)):
        nb = nbformat.read(Path(executed), as_version=4)
    else:
        nb = copy.deepcopy(executed)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = [
                out
                for out in cell.outputs
                if out.output_type != "error"
                and not (out.output_type == "stream" and out.get("name") == "stderr")
            ]
    nb.cells = [c for c in nb.cells if c.cell_type != "raw"]
    exporter = exporter or _html_exporter()
    title = nb.metadata.get("title") or "Weekly cancellation report"
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": title}})
    return body


def _html_exporter():
    """A new HTML exporter configured for reports (templates, sanitizer)."""
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        template_name="lab",
        template_file="report.html.j2",
        extra_template_paths=[str(Path(__file__).resolve().parent / "templates")],
    )
    sanitizer = _output_sanitizer(
        tags=sorted(_ALLOWED_TAGS),
        attributes=_ALLOWED_ATTRIBUTES,
        strip=False,
        safe_output_keys={"metadata", "text/plain", "image/png", "image/jpeg"},
    )
    exporter.register_preprocessor(sanitizer, enabled=True)
    return exporter


def _warm_html_exporter():
    """Return an HTML exporter that has exported a two-cell notebook once.

    nbconvert's imports, the compilation of its templates and its sanitizer's first use cost
    about 0.5 s. :func:`render_report` pays them in a thread while the kernel runs the notebook
    (this process only waits on the kernel then), then exports with the warmed exporter.
    """
    _import_nbformat()
    import nbformat

    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("")
    cell.outputs = [nbformat.v4.new_output("display_data", data={
        "text/html": "<table><tr><td>0</td></tr></table>", "text/plain": "0"})]
    nb.cells = [nbformat.v4.new_markdown_cell("# warm-up"), cell]
    exporter = _html_exporter()
    notebook_to_html(nb, exporter=exporter)
    return exporter


def _output_sanitizer(**kwargs):
    from nbconvert.preprocessors.sanitize import SanitizeHTML

    class OutputSanitizer(SanitizeHTML):
        """Sanitize what cells produced; the notebook's own Markdown cells are trusted text."""

        def preprocess_cell(self, cell, resources, cell_index):
            if cell.cell_type == "markdown":
                return cell, resources
            return super().preprocess_cell(cell, resources, cell_index)

    return OutputSanitizer(**kwargs)
