"""``oos-analysis import`` and ``oos-analysis store info``: build the history store, look into it.

``import FILE... [--store DIR] [--wait SECONDS]`` merges exports of any kind into the store (all or
nothing; a file already imported is recognised by its content and skipped). ``store verify`` checks
every file against the size and SHA-256 recorded for it. ``store info`` (which checks them too) lists
what the store holds and, per marketplace and report kind, the days it covers and the gaps: days
no export covers, which the kit treats as unknown, never as zero orders.
"""

from __future__ import annotations

import argparse
import sys


from .. import store as store_mod

__all__ = ["add_parser", "run_import", "run_info", "run_verify"]


def _add_store_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--store",
        metavar="DIR",
        default=str(store_mod.DEFAULT_STORE),
        help="the history store folder (default: %(default)s)",
    )


def add_parser(subparsers) -> None:
    """Register the ``import`` and ``store`` subcommands."""
    imp = subparsers.add_parser(
        "import",
        help="merge exports into the local history store",
        description=(
            "Merge Seller Central exports of any kind into the history store. Importing a file "
            "twice changes nothing; overlapping exports merge per order item, the newest "
            "last-updated-date winning. If any file cannot be read, nothing is imported."
        ),
    )
    imp.add_argument("files", nargs="+", metavar="FILE", help="export files to import")
    _add_store_argument(imp)
    imp.add_argument(
        "--wait",
        metavar="SECONDS",
        type=float,
        default=0.0,
        help="wait this long for another import into the same store to finish (default: 0)",
    )
    imp.set_defaults(func=run_import)

    st = subparsers.add_parser("store", help="look into the history store")
    actions = st.add_subparsers(dest="store_command", metavar="ACTION")
    info = actions.add_parser(
        "info",
        help="what the store holds, its date coverage and its gaps",
        description=(
            "Show the imported files, the rows per report kind and, per marketplace and kind, the "
            "days covered by some export and the gaps (days no export covers: unknown, not zero)."
        ),
    )
    _add_store_argument(info)
    info.set_defaults(func=run_info)
    verify = actions.add_parser(
        "verify",
        help="check every file of the store against the size and SHA-256 recorded for it",
        description=(
            "Check every Parquet file of the store against the size and SHA-256 recorded when it "
            "was written. Exit status 1 names each damaged file and what to do."
        ),
    )
    _add_store_argument(verify)
    verify.set_defaults(func=run_verify)
    st.set_defaults(func=_store_usage(st))


def _store_usage(parser: argparse.ArgumentParser):
    def usage(args) -> int:  # noqa: ARG001
        parser.print_help(sys.stderr)
        return 2

    return usage


def _day(value) -> str:
    import pandas as pd

    return "-" if pd.isna(value) else value.strftime("%Y-%m-%d")


def run_import(args) -> int:
    """Import the files named on the command line; print one line per file and a summary."""
    from ..store.fingerprint import start

    start(args.files)  # hashed on the other core while the store and pandas are imported
    done = store_mod.import_files(args.files, store=args.store, wait=args.wait)
    for row in done.itertuples(index=False):
        if row.status == "imported":
            span = f"{_day(row.date_from)} .. {_day(row.date_to)}"
            print(f"imported          {row.file}  ({row.kind}, {row.rows} rows, {span})")
        else:
            print(f"skipped           {row.file}  ({row.status})")
    new = int((done["status"] == "imported").sum())
    print(f"{new} of {len(done)} file(s) imported into {args.store}")
    return 0


def run_verify(args) -> int:
    """Check every file of the store; one line of summary, or an error naming the damaged ones."""
    from ..store.integrity import require_intact

    checked = require_intact(args.store)
    unchecked = int((checked["status"] == "not checked").sum())
    print(f"store {args.store}: {int((checked['status'] == 'ok').sum())} file(s) intact"
          + (f", {unchecked} written before checksums were recorded (not checked; the next "
             "import records them)" if unchecked else ""))
    return 0


def run_info(args) -> int:
    """Print the store's contents, imported files, coverage and gaps (after checking the files)."""
    from ..store.integrity import require_intact

    require_intact(args.store)
    held = store_mod.contents(args.store)
    files = store_mod.manifest(args.store)
    spans = store_mod.coverage(args.store)
    print(f"store {args.store}: {len(files)} file(s) imported")
    print()
    print(held.to_string(index=False))
    print()
    print("imported files (oldest first):")
    for row in files.itertuples(index=False):
        span = f"{_day(row.date_from)} .. {_day(row.date_to)}"
        stamp = row.imported_at.strftime("%Y-%m-%d %H:%M")
        print(f"  {stamp} UTC  {row.name}  {row.kind}  {row.rows} rows  {span}")
    print()
    if spans.empty:
        print("coverage: no dated export imported yet")
        return 0
    print("coverage per marketplace and report kind (UTC days, both ends included):")
    for (market, kind), group in spans.groupby(["marketplace", "kind"], sort=True):
        gaps = group[~group["covered"]]
        print(f"  {market}  {kind}: {_day(group['start'].min())} .. {_day(group['end'].max())}, "
              f"{int(group.loc[group['covered'], 'days'].sum())} day(s) covered, "
              f"{int(gaps['days'].sum())} day(s) in gaps")
        for row in gaps.itertuples(index=False):
            print(f"    GAP {_day(row.start)} .. {_day(row.end)} ({row.days} day(s)): "
                  "no export covers these days; their orders are unknown, not zero")
    return 0
