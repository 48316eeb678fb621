"""Practice data: a synthetic dropshipper's Seller Central exports, made deterministically.

:func:`generate_sample` writes the files shipped in ``data/sample/``: a US seller of Japanese
goods on amazon.com (plus some amazon.ca, FBA and Multi-Channel orders) with an All Orders
report, an Order Report, a Seller Performance JSON, an Account Health download and a stock-out
log, and a small amazon.co.jp variant in cp932. Everything comes from one seed; the same seed,
end day and length always give byte-identical files, so the committed sample can be checked
against the generator. The numbers agree with the kit's rule (``cancellation-rules.md``
section 3), so the sample doubles as a reconciliation fixture.

Run ``python -m oos_analysis.sample OUT_DIR`` or ``oos-analysis sample OUT_DIR``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np

from ..exceptions import InputFileError, ParameterError
from . import formats
from .japan import jp_story
from .readme import readme
from .story import JST, us_story

__all__ = ["generate_sample", "SAMPLE_FILES", "DEFAULT_SEED", "DEFAULT_END", "DEFAULT_WEEKS"]

DEFAULT_SEED = 2026
DEFAULT_END = "2026-11-24"
DEFAULT_WEEKS = 13
SAMPLE_FILES = (
    "us/all-orders.txt",
    "us/order-report.txt",
    "us/seller-performance.json",
    "us/account-health-cancel-rate.csv",
    "us/stockout-log.csv",
    "jp/all-orders.txt",
    "jp/stockout-log.csv",
    "stockout-log-template.csv",
    "README.md",
)
"""The files :func:`generate_sample` writes, relative to its output folder."""


def _end_day(end) -> dt.date:
    if isinstance(end, dt.datetime):
        return end.date()
    if isinstance(end, dt.date):
        return end
    try:
        return dt.date.fromisoformat(str(end).strip())
    except ValueError:
        raise ParameterError(
            f"end={end!r} is not a date; give the last day of the sample as YYYY-MM-DD, "
            f"for example {DEFAULT_END}."
        ) from None


def generate_sample(
    out_dir, *, seed: int = DEFAULT_SEED, end=DEFAULT_END, weeks: int = DEFAULT_WEEKS
) -> dict[str, Path]:
    """Write the sample seller's exports into ``out_dir`` and return where each file went.

    Parameters
    ----------
    out_dir : str or Path
        Folder to write into; created if missing. Existing sample files there are overwritten,
        other files are left alone.
    seed : int, default 2026
        Seed of the ``numpy`` random generator; every draw comes from it.
    end : str or date, default "2026-11-24"
        The last day of data (UTC); the exports are taken at 14:00 UTC that day, and the
        stock-out log's open cases are set up for a playbook run with ``asof`` = this day.
    weeks : int, default 13
        Length of the US history in weeks (at least 4). The Japanese variant covers the last
        18 days.

    Returns
    -------
    dict of str to Path
        Keys are the names in :data:`SAMPLE_FILES` (``"us/all-orders.txt"``, ...).

    Raises
    ------
    ParameterError
        For a negative or non-integer seed, ``weeks`` below 4, or an ``end`` that is not a date.
    InputFileError
        When ``out_dir`` exists but is not a folder, or cannot be written.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     files = generate_sample(folder, weeks=4)
    ...     header = files["us/all-orders.txt"].read_text().split("\\t")[:3]
    >>> header
    ['amazon-order-id', 'merchant-order-id', 'purchase-date']
    >>> sorted(files)[:2]
    ['README.md', 'jp/all-orders.txt']
    """
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ParameterError(f"seed={seed!r}: expected a whole number, 0 or more.")
    if isinstance(weeks, bool) or not isinstance(weeks, int | np.integer) or weeks < 4:
        raise ParameterError(
            f"weeks={weeks!r}: the sample needs at least 4 whole weeks (a breach episode, its "
            "recovery and a last window); give 4 or more."
        )
    end_day = _end_day(end)
    rng = np.random.default_rng(seed)
    us = us_story(rng, end_day, int(weeks))
    jp = jp_story(rng, end_day)
    texts = {
        "us/all-orders.txt": (formats.all_orders(us), "utf-8"),
        "us/order-report.txt": (formats.order_report(us), "utf-8"),
        "us/seller-performance.json": (formats.seller_performance(us), "utf-8"),
        "us/account-health-cancel-rate.csv": (formats.cancel_download(us), "utf-8"),
        "us/stockout-log.csv": (formats.stockout_log(us), "utf-8"),
        "jp/all-orders.txt": (formats.all_orders(jp), "cp932"),
        "jp/stockout-log.csv": (formats.stockout_log(jp, tz=JST, newline="\r\n"), "cp932"),
        "stockout-log-template.csv": (formats.template(), "utf-8"),
        "README.md": (readme(us, jp, seed=int(seed), weeks=int(weeks)), "utf-8"),
    }
    out = Path(out_dir)
    written = {}
    try:
        for name in SAMPLE_FILES:
            text, encoding = texts[name]
            path = out / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(text.encode(encoding))
            written[name] = path
    except (FileExistsError, NotADirectoryError, PermissionError, IsADirectoryError) as exc:
        raise InputFileError(
            f"{out}: cannot write the sample there ({exc.strerror or exc}); expected a folder "
            "you can write to. Pick another OUT_DIR or fix its permissions."
        ) from exc
    return written
