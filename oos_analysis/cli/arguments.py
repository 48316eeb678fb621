"""Arguments every subcommand shares: input files, ``--store``, ``--encoding`` and ``--format``.

Kept apart from :mod:`oos_analysis.cli.common` so that declaring a command's arguments (all that
``oos-analysis COMMAND --help`` needs) imports neither pandas nor numpy.
"""

from __future__ import annotations

from ..io.schema import POLICIES

__all__ = ["FORMATS", "THRESHOLD", "add_input_arguments", "add_format_argument",
           "add_config_argument", "read_config_argument", "CONFIG_ENV", "add_pending_argument",
           "add_policy_argument"]

FORMATS = ("table", "csv", "json")

THRESHOLD = 0.025
"""``metric.rate.DEFAULT_THRESHOLD``, written out: declaring the arguments (all ``--help`` needs)
imports neither the metric nor pandas. A test holds the two equal."""


def add_input_arguments(parser, *, required: bool = True, store: bool | None = None) -> None:
    """Add positional ``FILE...`` (stored as ``args.files``) and ``--encoding`` to ``parser``.

    With ``required`` the check that at least one file was given happens in :func:`load_exports`,
    so the message can say what to pass instead of argparse's terse usage line. With ``store``
    (default: same as ``required``) also add ``--store [DIR]``, read by :func:`load_exports`
    instead of files; a command whose files are optional must handle ``args.store`` itself.
    """
    parser.add_argument(
        "files",
        nargs="*",
        metavar="FILE",
        help="Seller Central exports in any mix (All Orders, Order Report, Account Health "
        "download, Seller Performance JSON, stock-out log); types are detected from content",
    )
    parser.add_argument(
        "--encoding",
        metavar="NAME",
        help="text encoding of the files (default: detected; e.g. utf-8, cp932)",
    )
    if required if store is None else store:
        parser.add_argument(
            "--store",
            nargs="?",
            const="data/store",
            metavar="DIR",
            help="read the history store built by `oos-analysis import` instead of files "
            "(DIR defaults to data/store)",
        )
    parser.set_defaults(files_required=required)


def add_format_argument(parser, choices=FORMATS, default: str = "table") -> None:
    """Add ``--format`` with the given choices to ``parser``."""
    parser.add_argument(
        "--format",
        choices=list(choices),
        default=default,
        help=f"output format (default: {default})",
    )


CONFIG_ENV = "OOS_ANALYSIS_CONFIG"
"""Environment variable naming the config file when ``--config`` is not given."""


def add_config_argument(parser) -> None:
    """Add ``--config FILE`` (default: the file named by ``$OOS_ANALYSIS_CONFIG``, if set)."""
    parser.add_argument(
        "--config",
        metavar="FILE",
        help=f"the kit's TOML config file (default: ${CONFIG_ENV} if set); see the README "
        "section 'Fetch from Amazon automatically'",
    )


def read_config_argument(args):
    """The :class:`~oos_analysis.config.Config` named by ``--config`` or ``$OOS_ANALYSIS_CONFIG``."""
    import os

    from ..config import EMPTY_CONFIG, read_config

    path = getattr(args, "config", None) or os.environ.get(CONFIG_ENV)
    return read_config(path) if path else EMPTY_CONFIG


def add_pending_argument(parser) -> None:
    """Add ``--exclude-pending`` (cancellations of probably-pending orders left out of the count)."""
    parser.add_argument(
        "--exclude-pending", action="store_true",
        help="do not count cancellations attributed 'pending' (a cancelled order with no price "
        "and no payment date, which Amazon probably leaves out); default: count them, the "
        "cautious reading")


def add_policy_argument(parser) -> None:
    """Add ``--policy request|no-request`` (the playbook policy)."""
    parser.add_argument(
        "--policy", choices=list(POLICIES), default=POLICIES[0],
        help="request (default): buy at a loss, else ask the buyer to cancel, remind, then "
        "cancel as No Inventory; no-request: Amazon's written rule, buy at a loss else cancel "
        "as No Inventory without asking the buyer")
