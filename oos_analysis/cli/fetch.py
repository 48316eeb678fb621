"""``oos-analysis fetch``: download the order and performance reports from Amazon's SP-API.

Needs the optional extra: ``pip install 'oos_analysis[spapi]'``. Reads the ``[spapi]`` table of
the config file (``--config`` or ``$OOS_ANALYSIS_CONFIG``); credentials may also come from the
environment variables python-amazon-sp-api reads (``SP_API_REFRESH_TOKEN``, ``LWA_APP_ID``,
``LWA_CLIENT_SECRET``). Prints one line per report; exit status 0 when every report was saved or
Amazon found no data (CANCELLED), else the status of :mod:`oos_analysis.fetch.errors`.
"""

from __future__ import annotations

from pathlib import Path

from .arguments import add_config_argument, read_config_argument

__all__ = ["add_parser", "run", "store_folders"]


def add_parser(subparsers) -> None:
    """Register the ``fetch`` subcommand."""
    parser = subparsers.add_parser(
        "fetch",
        help="download the reports from Amazon's SP-API and import them (extra [spapi])",
        description=(
            "Ask Amazon's Reports API for the All Orders report by last update, the order "
            "report with the buyer-request columns and the seller performance report of every "
            "marketplace; save each untouched under the downloads folder and import them into "
            "the store. Order reports start at the store's newest update minus 2 days (the "
            "last 30 days on a first run). Exit status: 3 credentials, 4 marketplace not "
            "registered, 5 throttled, 6 report failed at Amazon, 7 network, 8 extra missing."
        ),
    )
    add_config_argument(parser)
    parser.add_argument("--marketplace", metavar="M", action="append",
                        help="e.g. amazon.com (repeatable; default: marketplaces in the config)")
    parser.add_argument("--store", metavar="DIR",
                        help="the history store (default: store in the config, else data/store)")
    parser.add_argument("--downloads", metavar="DIR",
                        help="where the reports are saved (default: STORE/downloads)")
    parser.add_argument("--no-import", dest="import_", action="store_false",
                        help="only save the reports; do not import them")
    parser.add_argument("--endpoint", metavar="URL",
                        help="SP-API address instead of Amazon's regional one (sandbox, tests)")
    parser.add_argument("--token-url", metavar="URL",
                        help="LWA token address instead of https://api.amazon.com/auth/o2/token")
    parser.set_defaults(func=run)


def store_folders(config, args=None) -> tuple[Path, Path]:
    """The store and downloads folders from the command line, else the config, else defaults."""
    from ..store.lock import DEFAULT_STORE

    given = getattr(args, "store", None)
    store = (Path(given).expanduser().resolve() if given
             else config.path("store", str(DEFAULT_STORE)))
    given = getattr(args, "downloads", None)
    downloads = (Path(given).expanduser().resolve() if given
                 else config.path("downloads") or store / "downloads")
    return store, downloads


def run(args) -> int:
    """Fetch, save, import; print one line per report."""
    from ..fetch.fetcher import fetch_reports
    from ..fetch.settings import spapi_settings

    config = read_config_argument(args)
    settings = spapi_settings(config, marketplaces=args.marketplace, endpoint=args.endpoint,
                              token_url=args.token_url)
    store, downloads = store_folders(config, args)
    done = fetch_reports(settings, store=store, downloads=downloads, import_=args.import_)
    for row in done.itertuples(index=False):
        if row.status == "saved":
            print(f"saved   {row.file}")
        else:
            print(f"empty   {row.marketplace} {row.kind}: Amazon found no data for the range")
    saved = int((done["status"] == "saved").sum())
    if args.import_:
        print(f"{saved} report(s) saved and imported into {store}")
    else:
        print(f"{saved} report(s) saved in {downloads} (not imported)")
    return 0
