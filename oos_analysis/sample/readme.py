"""The README written next to the sample files: what each file is and the story it tells.

Generated with the data, so the dates and counts it quotes (the breach episode, the Seller
Performance window, the open cases) are always those of the files beside it.
"""

from __future__ import annotations

import datetime as dt

from .formats import story_facts
from .story import Story

__all__ = ["readme"]

_TEXT = """\
# Sample data

Synthetic exports of a made-up seller: a small shop in Japan that sells Japanese goods on
amazon.com without holding stock, buying each item from a Japanese shop after the order arrives.
Nothing here is real; buyer names, e-mails and addresses are placeholders
(`buyer0042@example.com`, `Sample Buyer 42`, `1 Example Street`).

## How it was made

Every file in this folder, this README included, is written by the generator that ships with
the kit. Do not edit them by hand; regenerate instead:

```
python -m oos_analysis.sample data/sample --seed {seed} --end {end} --weeks {weeks}
```

`make sample` runs the same with the defaults, and `oos-analysis sample OUT_DIR` writes a copy
anywhere. The same seed, end day and length give byte-identical files; the test suite
regenerates them and compares, so this folder cannot drift from the generator.

## Files

- `us/all-orders.txt`: All Orders report by order date. SP-API layout (33 columns),
  tab-separated, UTF-8, one row per item; most timestamps `+00:00`, some `-07:00`.
- `us/order-report.txt`: Order Report for the last 30 days, MFN only, every optional column on
  (buyer-request flag and reason, sales channel, promise date), fake buyer PII. Every row is
  complete, so the sample opens without a data-quality warning.
- `us/seller-performance.json`: `GET_V2_SELLER_PERFORMANCE_REPORT` for amazon.com and amazon.ca.
- `us/account-health-cancel-rate.csv`: Account Health, Pre-fulfillment cancel rate, Download
  report, for the JSON's 7-day range.
- `us/stockout-log.csv`: the stock-out log the shop's staff keep (the kit's own format).
- `jp/all-orders.txt`: a small amazon.co.jp All Orders report in cp932, with `+09:00` offsets
  and Japanese product names.
- `jp/stockout-log.csv`: its stock-out log, cp932 with CRLF line ends, as Excel in Japan saves it.
- `stockout-log-template.csv`: an empty stock-out log, the header line only.

## The story

- {weeks} weeks, {start} to {end_long}. The exports were taken at {snapshot} UTC on the last
  day, so that day is partial.
- amazon.com: {mfn} seller-fulfilled (MFN) orders, {low} to {high} a day (fewer on the partial
  last day) with a weekday pattern, about one in seven with 2-3 items.
- Also {ca} amazon.ca MFN orders, {afn} FBA (AFN) orders on amazon.com (a few of them cancelled;
  the rate ignores them) and {mcf} Multi-Channel orders from the seller's own web shop (sales
  channel `Non-Amazon`).
- Every few days an item is out of stock at every source. Most of these are bought anyway at a
  small loss (`bought`). Some buyers cancel through Amazon's own request flow (`buyer_cancelled`
  with `official_request_at`, flag `true` in the Order Report): not counted. The rest are
  cancelled as No Inventory and counted; {partial} of them are partial (the order shipped with
  one item cancelled).
- Breach episode: a popular cast-iron teapot sold out in Japan, and the 7-day rate is at or
  above 2.5% {episode}.
- Counted, whatever the reason picked when cancelling: one buyer asked to cancel by
  message only (`buyer_cancelled` without `official_request_at`), and {unattributed}
  cancellation(s) have no log row and no flag at all.
- The Seller Performance JSON covers {first} to {last}: {c_json} counted of {n_json} amazon.com
  MFN orders. The Account Health download lists the cancelled orders of the same range.
- The current window (the 7 days up to the end day): {c_now} counted of {n_now} orders, healthy,
  with room for {budget} more cancellation(s).
- Open cases for a playbook run with `asof = {end}` (every log timestamp is earlier):
{open_cases}
- The amazon.co.jp variant covers {jp_start} to {jp_end} with {jp_mfn} MFN orders and
  {jp_cases} stock-out cases, two of them still open.

Log conventions: `ship_by` is the ship-by day (a UTC date in the US log, a Japanese date in the
Japanese one); timestamps carry their offset (`+00:00` in the US log, `+09:00` in the Japanese
one); `loss_if_bought` is in the marketplace currency and blank when no source has the item.
"""


def _day(day: dt.date) -> str:
    return day.strftime("%a %Y-%m-%d")


def readme(us: Story, jp: Story, *, seed: int, weeks: int) -> str:
    """Return the README text for the US story ``us`` and the Japanese story ``jp``."""
    facts = story_facts(us)
    first, last, n_json, c_json = facts["json"]
    n_now, c_now = facts["current"]
    breach = facts["breach"]
    logged = {case.order.order_id for case in us.cases}
    cases = [c for c in us.cases if c.resolution == "open"]
    return _TEXT.format(
        seed=seed, weeks=weeks, end=us.end, start=_day(us.start), end_long=_day(us.end),
        snapshot=f"{us.snapshot:%H:%M}",
        mfn=sum(o.marketplace == "amazon.com" and o.channel == "MFN" for o in us.orders),
        low=facts["mfn_days"][0], high=facts["mfn_days"][1],
        ca=sum(o.marketplace == "amazon.ca" for o in us.orders),
        afn=sum(o.marketplace == "amazon.com" and o.channel == "AFN" for o in us.orders),
        mcf=sum(o.marketplace == "non-amazon" for o in us.orders),
        partial=sum(o.channel == "MFN" and o.status != "Cancelled" and o.cancelled
                    for o in us.orders),
        episode=(f"from {_day(breach[0])} to {_day(breach[-1])} ({len(breach)} days)" if breach
                 else "on no day (the history is too short)"),
        unattributed=sum(o.channel == "MFN" and o.cancelled and not o.buyer_request
                         and o.order_id not in logged for o in us.orders),
        first=first, last=last, n_json=n_json, c_json=c_json, n_now=n_now, c_now=c_now,
        budget=max(0, -(-n_now // 40) - 1 - c_now),  # largest k with 40 * (c + k) < n
        open_cases="\n".join(f"  - `{c.order.order_id}`, ship-by {c.order.ship_by}: {c.situation}"
                             for c in cases),
        jp_start=_day(jp.start), jp_end=_day(jp.end),
        jp_mfn=sum(o.channel == "MFN" for o in jp.orders), jp_cases=len(jp.cases),
    )
