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
from .story import JST, Story, jp_story, us_story

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
        "README.md": (_readme(us, jp, seed=int(seed), weeks=int(weeks)), "utf-8"),
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


def _fmt(day: dt.date) -> str:
    return day.strftime("%a %Y-%m-%d")


def _readme(us: Story, jp: Story, *, seed: int, weeks: int) -> str:
    facts = formats.story_facts(us)
    first, last, n_json, c_json = facts["json"]
    n_now, c_now = facts["current"]
    budget = max(0, -(-n_now // 40) - 1 - c_now)  # largest k with 40 * (c + k) < n
    breach = facts["breach"]
    episode = (f"from {_fmt(breach[0])} to {_fmt(breach[-1])} ({len(breach)} days)"
               if breach else "nowhere (the history is too short for one)")
    mfn = sum(o.marketplace == "amazon.com" and o.channel == "MFN" for o in us.orders)
    ca = sum(o.marketplace == "amazon.ca" for o in us.orders)
    afn = sum(o.channel == "AFN" and o.marketplace == "amazon.com" for o in us.orders)
    mcf = sum(o.marketplace == "non-amazon" for o in us.orders)
    opened = [c for c in us.cases if c.resolution == "open"]
    logged = {c.order.order_id for c in us.cases}
    unattributed = sum(o.channel == "MFN" and o.cancelled and not o.buyer_request
                       and o.order_id not in logged for o in us.orders)
    partial = sum(o.channel == "MFN" and o.status != "Cancelled" and o.cancelled
                  for o in us.orders)
    lines = [
        "# Sample data",
        "",
        "Synthetic exports of a made-up seller: a small shop in Japan that sells Japanese goods on",
        "amazon.com without holding stock, buying each item from a Japanese shop after the order",
        "arrives. Nothing here is real; buyer names, e-mails and addresses are placeholders",
        "(`buyer0042@example.com`, `Sample Buyer 42`, `1 Example Street`).",
        "",
        "## How it was made",
        "",
        "Every file in this folder (this README included) is written by the generator that ships",
        "with the kit; do not edit them by hand, regenerate instead:",
        "",
        "```",
        f"python -m oos_analysis.sample data/sample --seed {seed} --end {us.end} --weeks {weeks}",
        "```",
        "",
        "(`make sample` runs the same with the defaults; `oos-analysis sample OUT_DIR` too.) The",
        "same seed, end day and length give byte-identical files; the test suite regenerates them",
        "and compares, so this folder cannot drift from the generator.",
        "",
        "## Files",
        "",
        "| file | what it is |",
        "|---|---|",
        "| `us/all-orders.txt` | All Orders report by order date (SP-API layout, 33 columns, tab-separated, "
        "UTF-8, one row per item; most timestamps `+00:00`, some `-07:00`) |",
        "| `us/order-report.txt` | Order Report for the last 30 days, MFN only, every optional column on "
        "(buyer-request flag and reason, sales channel, promise date), fake buyer PII; some rows "
        "lack their empty trailing fields |",
        "| `us/seller-performance.json` | `GET_V2_SELLER_PERFORMANCE_REPORT` for amazon.com and amazon.ca |",
        "| `us/account-health-cancel-rate.csv` | Account Health, Pre-fulfillment cancel rate, "
        "Download report, for the JSON's 7-day range |",
        "| `us/stockout-log.csv` | the stock-out log the shop's staff keep (the kit's own format) |",
        "| `jp/all-orders.txt` | a small amazon.co.jp All Orders report: cp932, `+09:00`, Japanese "
        "product names |",
        "| `jp/stockout-log.csv` | its stock-out log, cp932 with CRLF line ends, as Excel in Japan saves it |",
        "| `stockout-log-template.csv` | an empty stock-out log: the header line only |",
        "",
        "## The story",
        "",
        f"- {weeks} weeks, {_fmt(us.start)} to {_fmt(us.end)}; the exports were taken at "
        f"{us.snapshot:%H:%M} UTC on the last day, so that day is partial.",
        f"- amazon.com: {mfn} seller-fulfilled (MFN) orders, {facts['mfn_days'][0]} to "
        f"{facts['mfn_days'][1]} a day with a weekday pattern, about one in seven with 2-3 items.",
        f"- Also {ca} amazon.ca MFN orders, {afn} FBA (AFN) orders on amazon.com (a few of them "
        f"cancelled: the rate ignores them) and {mcf} Multi-Channel orders from the seller's own "
        "web shop (sales channel `Non-Amazon`).",
        "- Every few days an item is out of stock at every source. Most of these are bought anyway",
        "  at a small loss (`bought`); some buyers cancel through Amazon's own request flow",
        "  (`buyer_cancelled` with `official_request_at`, flag `true` in the Order Report: not",
        "  counted); the rest are cancelled as No Inventory (counted). "
        f"{partial} of those are partial:",
        "  the order shipped with one item cancelled.",
        f"- Breach episode: a popular cast-iron teapot sold out in Japan; the 7-day rate is at or "
        f"above 2.5% {episode}.",
        "- Counted although no one wrote them down: one buyer asked to cancel by message only",
        "  (`buyer_cancelled` without `official_request_at`), and "
        f"{unattributed} cancellation(s) have no log",
        "  row and no flag at all (unattributed).",
        f"- The Seller Performance JSON covers {first} to {last}: {c_json} counted of {n_json} "
        "amazon.com MFN orders; the Account Health download lists the same range.",
        f"- The current window (the last 7 days up to the end day): {c_now} counted of {n_now} "
        f"orders, healthy, with room for {budget} more cancellation(s).",
        f"- Open cases for a playbook run with `asof = {us.end}` (log timestamps are all earlier):",
    ]
    lines += [f"  - `{c.order.order_id}` ship-by {c.order.ship_by}: {c.situation}" for c in opened]
    lines += [
        f"- The amazon.co.jp variant covers {_fmt(jp.start)} to {_fmt(jp.end)} with "
        f"{sum(o.channel == 'MFN' for o in jp.orders)} MFN orders and {len(jp.cases)} stock-out cases.",
        "",
        "Log conventions: `ship_by` is the ship-by day (a UTC date, as the kit counts days);",
        "timestamps carry their offset (`+00:00` in the US log, `+09:00` in the Japanese one);",
        "`loss_if_bought` is in the marketplace currency, blank when no source has the item.",
    ]
    return "\n".join(lines) + "\n"
