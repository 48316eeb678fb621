"""``oos-analysis report``: render the weekly HTML report (papermill, then nbconvert without code).

Safe to run from cron: every path is made absolute, nothing waits for a terminal or opens a
browser, the only output on success is the HTML's path, and a failing notebook cell gives exit
status 1 with the executed notebook kept for inspection and no HTML written.

Example crontab line (Mondays 07:00)::

    0 7 * * 1 /opt/oos/.venv/bin/oos-analysis report /data/us/* --out /data/reports

The exports are read once. This command reads them first, to refuse inputs that cannot make a
report (no order export, an as-of day far from the data, a marketplace without orders) in one
paragraph before any notebook cell runs; it then hands what it read to the notebook through a
private file (:mod:`oos_analysis.report.handoff`), so the kernel does not read them again.
The kernel itself is started first of all (:class:`oos_analysis.report.kernel.ReportKernel`),
so that its start and its imports happen while this process imports papermill and reads the
data; when the inputs are refused, it is stopped at once, having run nothing.
"""

from __future__ import annotations

import contextlib
import warnings
from pathlib import Path

from ..exceptions import DataQualityWarning, ParameterError
from ..io.schema import POLICIES
# Not .common: it imports pandas, which can wait until the kernel has been started (see run).
from .arguments import add_input_arguments, add_pending_argument, add_policy_argument

__all__ = ["add_parser", "run"]

# Parameters the command sets itself; --param must not fight with them.
_OWN = {"files": "FILE arguments", "store": "--store", "asof": "--asof",
        "marketplace": "--marketplace", "policy": "--policy",
        "exclude_pending": "--exclude-pending", "handoff": None}


def add_parser(subparsers) -> None:
    """Register the ``report`` subcommand."""
    parser = subparsers.add_parser(
        "report",
        help="render the weekly HTML report (no code, no buyer data)",
        description=(
            "Execute the weekly report notebook on the given exports with papermill and write "
            "OUT/weekly-report-<asof>.ipynb and the matching .html without code cells (with "
            "-<marketplace> added when --marketplace narrows it). Only an All Orders export is "
            "required; inputs that cannot make a report are refused before the notebook runs. "
            "With --store the history store is read instead of files; with neither, the "
            "notebook's own sample data is used."
        ),
    )
    add_input_arguments(parser, required=False, store=True)
    parser.add_argument(
        "--asof",
        metavar="DATE",
        help="ISO date of the report (default: last purchase day in the data)",
    )
    parser.add_argument(
        "--marketplace",
        metavar="M",
        help="narrow the report to one marketplace, e.g. amazon.com (default: every "
        "marketplace with MFN orders)",
    )
    parser.add_argument(
        "--stockout-rate",
        metavar="RATE",
        type=float,
        help="share of orders that hit a stock-out, for the forecast, e.g. 0.03 (default: "
        "estimated from the stock-out log, or without one from the counted cancellations)",
    )
    add_policy_argument(parser)
    add_pending_argument(parser)
    parser.add_argument(
        "--out",
        metavar="DIR",
        default="reports",
        help="folder for the executed notebook and the HTML (default: reports)",
    )
    parser.add_argument(
        "--param",
        metavar="NAME=VALUE",
        action="append",
        default=[],
        help="set a notebook parameter (repeatable), e.g. --param horizon=14",
    )
    parser.add_argument(
        "--notebook",
        metavar="PATH",
        help="report notebook (default: notebooks/weekly-report.ipynb of the source checkout)",
    )
    parser.set_defaults(func=run)


def _parse_params(items: list[str]) -> dict[str, str]:
    params = {}
    for item in items:
        name, sep, value = item.partition("=")
        name = name.strip()
        if not sep or not name:
            raise ParameterError(
                f"--param expects NAME=VALUE, e.g. --param horizon=14; got {item!r}."
            )
        if name in _OWN:
            how = (f"use {_OWN[name]} instead" if _OWN[name] else
                   "it hands the notebook the exports it has read; leave it out")
            raise ParameterError(f"--param {name}=... is set by the command itself: {how}.")
        params[name] = value
    return params


def _default_files(declared: dict, notebook: Path) -> list[str]:
    from ..report.render import notebook_defaults

    try:
        defaults = notebook_defaults(declared)["files"]
    except KeyError:
        raise ParameterError(
            f"no FILE given and the notebook {notebook} declares no default 'files' list; "
            "pass the export files to report on."
        ) from None
    return [str((notebook.parent / f).resolve()) for f in defaults]


def run(args) -> int:
    """Check the inputs, render the report and print the path of the HTML."""
    from ..report.render import default_notebook

    notebook = Path(args.notebook).expanduser().resolve() if args.notebook else default_notebook()
    params = _parse_params(args.param)
    with contextlib.ExitStack() as stack:
        kernel = _early_kernel(notebook)
        if kernel is not None:
            stack.enter_context(kernel)
        html = _render(args, notebook, params, kernel)
    print(html)
    return 0


def _early_kernel(notebook: Path):
    """Start the report's kernel now, or return None to leave it to the render (which then
    reports any problem with the notebook or the kernel in its usual words)."""
    if not notebook.is_file():
        return None
    from ..report.kernel import ReportKernel

    try:
        return ReportKernel.for_notebook(notebook)
    except Exception:  # noqa: BLE001 - the render starts one itself and says what is wrong
        return None


def _render(args, notebook: Path, params: dict, kernel) -> Path:
    from ..io.readers import read_exports
    from ..report.model import check_scope
    from ..report.render import coerce_parameters, notebook_parameters, render_report
    from ..store.loader import load as load_store
    from .common import parse_date, parse_tz

    if args.stockout_rate is not None:
        params["stockout_rate"] = str(args.stockout_rate)
    if args.policy != POLICIES[0]:
        params["policy"] = args.policy
    if args.exclude_pending:
        params["exclude_pending"] = "True"
    declared = notebook_parameters(notebook)
    # Checked here, before the data is read or any cell runs.
    params = coerce_parameters(declared, params)
    store = str(Path(args.store).expanduser().resolve()) if args.store else None
    if store and args.files:
        raise ParameterError(
            "give either export files or --store, not both: the store already holds what was "
            "imported (add new files with `oos-analysis import` first)."
        )
    if store and "store" not in declared:
        raise ParameterError(f"the notebook {notebook} has no 'store' parameter; pass files.")
    if store:
        files = []
    elif args.files:
        from ..io.files import require_regular

        for f in args.files:  # a FIFO or a symlink loop is refused before anything resolves it
            require_regular(Path(f).expanduser())
        files = [str(Path(f).expanduser().resolve()) for f in args.files]
    elif "files" in declared or not args.asof:
        files = _default_files(declared, notebook)
    else:
        files = []  # a notebook that reads no exports, with its day given
    asof = parse_date(args.asof, name="--asof").date().isoformat() if args.asof else None
    marketplace = args.marketplace or None
    exports = None
    if store or files:
        # Everything that would stop the report is found here, before any cell runs: no
        # order export, an as-of day far from the data, a marketplace without orders, a bad zone.
        tz = parse_tz(str(params.get("tz", "UTC")), name="--param tz")
        with warnings.catch_warnings():
            # The report lists these per file; repeating them here would only make cron mail.
            warnings.simplefilter("ignore", DataQualityWarning)
            exports = load_store(store) if store else read_exports(files)
        _, day, _ = check_scope(exports, asof=asof, marketplaces=marketplace, tz=tz)
        asof = day.isoformat()
    if store:
        params["store"] = store
    elif "files" in declared:
        params["files"] = files
    return render_report(notebook, out_dir=args.out, asof=asof, marketplace=marketplace,
                         parameters=params, exports=exports, kernel=kernel)
