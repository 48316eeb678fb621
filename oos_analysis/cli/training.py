"""``oos-analysis training``: the training course as a printable HTML handout.

The course notebook (``notebooks/training-<lang>.ipynb``) runs through the weekly report's own
path, papermill then nbconvert without code (:func:`oos_analysis.report.render_report`), with
``handout=True``: no widgets, every exercise shown with its worked answer. The files are written
as ``OUT/training-<lang>.html`` and the executed ``OUT/training-<lang>.ipynb``.
"""

from __future__ import annotations

from pathlib import Path

from .common import add_input_arguments

__all__ = ["add_parser", "run"]


def add_parser(subparsers) -> None:
    """Register the ``training`` subcommand."""
    parser = subparsers.add_parser(
        "training",
        help="render the training course as an HTML handout (Japanese or English)",
        description=(
            "Run the training course notebook on the given exports (default: the sample shop) "
            "and write OUT/training-<lang>.html, without code, the exercises shown with their "
            "worked answers, for a new member of staff to read or print."
        ),
    )
    add_input_arguments(parser, required=False)
    parser.add_argument("--lang", choices=("ja", "en"), default="ja",
                        help="the course language (default: ja)")
    parser.add_argument("--asof", metavar="DATE",
                        help="the day the examples look at (default: last purchase day)")
    parser.add_argument("--marketplace", metavar="M",
                        help="e.g. amazon.com (default: the one with the most MFN orders)")
    parser.add_argument("--out", metavar="DIR", default="reports",
                        help="folder for the handout (default: reports)")
    parser.set_defaults(func=run)


def run(args) -> int:
    """Render the handout and print the path of the HTML."""
    from ..report.handout import render_handout

    files = [str(Path(f).expanduser().resolve()) for f in args.files or ()]
    html = render_handout(lang=args.lang, files=files or None, out_dir=args.out,
                          asof=args.asof or "", marketplace=args.marketplace or "")
    print(html)
    return 0
