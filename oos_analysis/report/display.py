"""Show a :class:`~oos_analysis.report.model.WeeklyReport` in a notebook, for a seller to read.

Nothing here computes a figure: every number comes from the model. This module turns it into
HTML a seller reads on a laptop or a phone: column labels in words, booleans as words, money with
its currency, order ids that never wrap, tables that scroll inside their own box, and charts sized
to stay legible when a phone shrinks them to 400 px. All text from the data is HTML-escaped.

The order of the page answers "am I OK, and what do I do today?" first
(:func:`show_first_screen`), then one section per marketplace (:func:`show_marketplace`), with the
data coverage last (:func:`show_coverage`).
"""

from __future__ import annotations

import html
import re

import pandas as pd

from ..playbook.money import money
from .model import MarketplaceReport, WeeklyReport

# Imported here only when the first chart is drawn; a report's kernel imports them ahead
# (oos_analysis.report.kernel.preload), while the parent process is still reading the exports.
__preload__ = ("matplotlib.figure", "matplotlib.backends.backend_agg", "matplotlib.dates",
               "matplotlib.ticker", "PIL.PngImagePlugin", "IPython.display",
               "oos_analysis.report.plots")

__all__ = ["LABELS", "html_table", "show_first_screen", "show_marketplace", "show_coverage",
           "headline_sentence"]

LABELS = {
    "marketplace": "Marketplace",
    "status": "Status",
    "reason": "Why",
    "rate": "7-day rate",
    "orders": "Orders",
    "seller_cancellations": "Counted cancellations",
    "remaining": "Room left",
    "p_breach_7d": "Breach chance, 7 days",
    "p_breach_14d": "Breach chance, 14 days",
    "actions_due": "Actions due today",
    "order_id": "Order",
    "sku": "SKU",
    "action": "Next action",
    "due": "Due",
    "past_ship_by": "Past ship-by day",
    "rate_before": "Rate now",
    "rate_after": "Rate after cancelling",
    "remaining_after": "Room left after",
    "attribution": "Attributed to",
    "attribution_source": "Evidence",
    "counted": "Counts against you",
    "current_window": "This window",
    "all_data": "All data",
    "purchase_date": "Ordered",
    "leaves_window_on": "Leaves the window on",
    "asin": "ASIN",
    "product_name": "Product",
    "level": "Level",
    "last_cancelled_order": "Last cancelled order",
    "days": "Days ahead",
    "p_any_breach": "Chance of a breach day",
    "forecast": "Forecast (mean in the group)",
    "observed": "Breach followed",
    "count": "Start days",
    "expected_cancellations": "Expected counted cancellations",
    "expected_loss": "Expected loss from buying",
    "expected_requests": "Expected cancellation requests",
    "expected_reminders": "Expected reminders",
    "expected_bought": "Expected stock-outs bought",
    "policy": "Policy",
    "playbook": "Playbook",
    "expected_official": "Expected official buyer cancellations",
    "safe": "Within accepted risk",
    "parameter": "Input",
    "source": "Where it came from",
    "date_from": "From",
    "date_to": "To",
    "amazon_orders": "Orders (Amazon)",
    "kit_orders": "Orders (kit)",
    "amazon_cancellations": "Cancellations (Amazon)",
    "kit_cancellations": "Cancellations (kit)",
    "kit_unattributed": "Unattributed (kit)",
    "amazon_rate": "Rate (Amazon)",
    "kit_rate": "Rate (kit)",
    "difference": "Difference",
    "amazon_status": "Status (Amazon)",
    "kit_status": "Status (kit)",
    "target_value": "Target",
    "likely_reason": "Likely reason",
    "fulfillment_channel": "Fulfilment",
    "included": "In the metric",
    "excluded_afn": "Fulfilled by Amazon (left out)",
    "excluded_non_amazon": "Non-Amazon channel (left out)",
    "excluded_no_channel": "No channel (left out)",
    "cancelled": "Cancelled",
    "buyer_official": "Buyer's official request (not counted)",
    "unattributed": "Unattributed (counted)",
    "kind": "Report",
    "encoding": "Encoding",
    "rows": "Rows",
    "first_date": "First day",
    "last_date": "Last day",
    "marketplaces": "Marketplaces",
    "warnings": "Warnings",
}
"""Column name -> the label a seller reads."""

_WORDS = {
    "action": {"cancel_no_inventory": "Cancel as No Inventory (counts)",
               "cancel_buyer_request": "Cancel as Buyer Canceled (does not count)",
               "buy_at_loss": "Buy and ship, even at a loss", "send_reminder": "Send the reminder",
               "send_request": "Ask the buyer to request cancellation", "wait": "Wait"},
    "attribution": {"seller": "Seller", "buyer_official": "Buyer, official request",
                    "unknown": "Nobody known (counted)",
                    "pending": "Pending order cancelled (probably not counted by Amazon)",
                    "conflict": "Conflicting evidence (counted)"},
    "attribution_source": {"stockout_log": "Stock-out log", "order_report": "Order report",
                           "amazon_download": "Amazon's download", "none": "No evidence",
                           "all_orders": "All Orders (no price, no payment)",
                           "stockout_log+order_report": "Stock-out log vs order report"},
    "level": {"warning": "Warning (1)", "at_risk": "At risk (2+)"},
    "kind": {"all_orders": "All Orders", "order_report": "Order report",
             "cancel_download": "Amazon cancel-rate download",
             "seller_performance": "Seller Performance (JSON)", "stockout_log": "Stock-out log"},
    "parameter": {"orders_per_day": "Orders per day", "stockout_rate": "Stock-out rate",
                  "policy": "Buying policy", "buyer_accept": "Buyers who cancel officially",
                  "reminder_rate": "Reminders per request"},
}
_NOWRAP = {"order_id", "due", "purchase_date", "leaves_window_on", "first_date", "last_date",
           "date_from", "date_to", "last_cancelled_order", "sku", "asin", "status",
           "marketplace"}
_WRAP = {"reason", "likely_reason", "source", "product_name", "warnings"}
_ORDER_ID = re.compile(r"\b\d{3}-\d{7}-\d{7}\b")
_STYLE_WORD = {"OK": "ok", "AT RISK": "at-risk", "BREACH": "breach", "NO DATA": "no-data"}


def _display(obj) -> None:
    from IPython.display import display

    display(obj)


def _html(text: str) -> None:
    from IPython.display import HTML

    _display(HTML(text))


def _missing(value) -> bool:
    try:
        return value is None or bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _cell(column: str, value, *, percent, money_columns, currency, decimals) -> str:
    if _missing(value):
        return ""
    if isinstance(value, bool) or (hasattr(value, "dtype") and str(value.dtype) == "bool"):
        return "yes" if value else "no"
    if column in money_columns:
        return money(value, currency)
    if column in percent:
        return f"{float(value):.1%}" if column.startswith("p_") else f"{float(value):.2%}"
    if column in decimals:
        return f"{float(value):,.{decimals[column]}f}"
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    if hasattr(value, "isoformat") and not isinstance(value, str):
        return value.isoformat()[:10]
    if column in _WORDS:
        return _WORDS[column].get(str(value), str(value))
    if isinstance(value, float):
        return f"{value:,.2f}"
    return str(value)


def html_table(frame: pd.DataFrame, *, caption: str | None = None, percent=(), money_columns=(),
               currency: str | None = None, decimals: dict | None = None,
               classes: dict | None = None) -> str:
    """Return ``frame`` as an escaped HTML table inside a box that scrolls sideways.

    Columns get their :data:`LABELS`; booleans show as yes/no; ``percent`` columns as
    percentages; ``money_columns`` with ``currency``; codes (actions, attribution) as words.
    Order ids, dates and SKUs never wrap; long text (reasons) wraps. ``classes`` maps a column to
    a function giving a CSS class per value (the status badges).

    Examples
    --------
    >>> t = html_table(pd.DataFrame({"order_id": ["<1>"], "counted": [True]}), caption="C")
    >>> "&lt;1&gt;" in t, ">yes<" in t, "Counts against you" in t, 'class="table-box"' in t
    (True, True, True, True)
    """
    decimals = decimals or {}
    classes = classes or {}
    head = "".join(f"<th>{html.escape(LABELS.get(c, c.replace('_', ' ')))}</th>"
                   for c in frame.columns)
    rows = []
    for record in frame.itertuples(index=False, name=None):
        cells = []
        for column, value in zip(frame.columns, record, strict=True):
            text = _escape(_cell(column, value, percent=set(percent),
                                     money_columns=set(money_columns), currency=currency,
                                     decimals=decimals))
            css = ["nowrap" if column in _NOWRAP else "wrap" if column in _WRAP else "num"
                   if isinstance(value, int | float) and not isinstance(value, bool) else ""]
            if column in classes:
                css.append(classes[column](value))
                text = f'<span class="badge {classes[column](value)}">{text}</span>'
            cells.append(f'<td class="{" ".join(c for c in css if c)}">{text}</td>')
        rows.append("<tr>" + "".join(cells) + "</tr>")
    cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    return (f'<div class="table-box"><table class="seller-table">{cap}<thead><tr>{head}</tr>'
            f'</thead><tbody>{"".join(rows)}</tbody></table></div>')


def _badge(word: str) -> str:
    return _STYLE_WORD.get(word, "no-data")


def _escape(text: str) -> str:
    """Escape ``text``; Amazon order ids in it never wrap."""
    return _ORDER_ID.sub(r'<span class="nowrap">\g<0></span>', html.escape(text))


def _p(text: str) -> str:
    return f"<p>{_escape(text)}</p>"


def headline_sentence(report: WeeklyReport, section: MarketplaceReport) -> str:
    """The headline of one marketplace in words (plain text)."""
    h = section.headline
    window = f"placed {h['window_start']} to {h['window_end']}"
    if not h["orders"]:
        return f"No MFN orders were {window}, so there is no 7-day rate for {report.asof}."
    line = (f"The 7-day rate as of {report.asof} is {h['rate']:.2%}: "
            f"{h['seller_cancellations']} counted cancellation(s) in {h['orders']} orders {window}.")
    if not _missing(h["rate_week_ago"]):
        before = h["rate_week_ago"]
        trend = "up" if h["rate"] > before else "down" if h["rate"] < before else "unchanged"
        line += f" A week earlier it was {before:.2%} ({trend})."
    if h["breach"]:
        back = h["back_under_target_on"]
        line += (f" It needs {h['clean_orders_needed']} more clean orders to get back under the "
                 "target" + (f", or, at the recent pace with no new cancellation, it is back "
                             f"under on {back:%Y-%m-%d}." if not _missing(back) else
                             "; at the recent pace that does not happen within 60 days."))
    else:
        line += f" Room left this week: {h['remaining']} more counted cancellation(s)."
    return line


def _figure(height: float = 3.6):
    # A bare Figure on the Agg canvas: no pyplot, no notebook backend, nothing to close.
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    # 5 in at 100 dpi is 500 px: shrunk to a 400 px phone, 12 pt labels stay about 13 px high.
    with matplotlib.rc_context({"font.size": 12, "axes.titlesize": 13, "legend.fontsize": 11,
                                "axes.labelsize": 11}):
        fig = Figure(figsize=(5.0, height), dpi=100)
        FigureCanvasAgg(fig)
        ax = fig.subplots()
    return fig, ax


def _png(fig, ax, title: str, *, right: float = 0.96) -> bytes:
    """Title the chart, put its legend under the plot (it never hides a line), return its PNG.

    The margins are fixed rather than computed by a layout engine or a tight bounding box: each
    of those draws the figure once more, and a report with many marketplaces draws many charts.
    """
    import io

    # y given: the title sits where Matplotlib would put it (nothing is drawn above the plot),
    # without the measuring of every tick label that its automatic placement does per draw.
    ax.set_title(title, fontsize=13, y=1.0)
    # Pixels: 34 for the title, 66 under the plot for the tick labels and the dates' year line,
    # 21 per legend row under that; the plot keeps the figure's own height minus 100.
    plot_px = fig.get_figheight() * fig.dpi - 100
    legend = ax.get_legend()
    rows = 0
    if legend is not None:
        handles, labels = legend.legend_handles, [t.get_text() for t in legend.get_texts()]
        legend.remove()
        columns = 2 if max(map(len, labels)) <= 22 else 1
        rows = -(-len(labels) // columns)
        ax.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, -62 / plot_px),
                  ncols=columns, frameon=False, fontsize=11, borderaxespad=0, handlelength=1.6)
    twin = getattr(ax, "p_breach_ax", None)
    for axis in (ax, twin):
        if axis is not None:
            axis.tick_params(labelsize=11)
            axis.yaxis.label.set_size(11)
    height = plot_px + 100 + 21 * rows
    fig.set_figheight(height / fig.dpi)
    fig.subplots_adjust(left=0.17, right=0.85 if twin is not None else right,
                        top=1 - 34 / height, bottom=(66 + 21 * rows) / height)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=fig.dpi)
    return buffer.getvalue()


def _figures(row) -> str:
    """The first screen's figures of one marketplace in one short line (for phones)."""
    if not row.orders:
        return "No orders in the window."
    chances = ", ".join(f"{p:.0%} within {d} days" for d, p in ((7, row.p_breach_7d),
                                                                 (14, row.p_breach_14d))
                        if not _missing(p))
    return (f"Rate {row.rate:.2%}: {row.seller_cancellations} counted of {row.orders} orders; "
            f"room left {row.remaining}" + (f"; breach chance {chances}" if chances else "")
            + f"; {row.actions_due} action(s) due today.")


def show_first_screen(report: WeeklyReport) -> None:
    """Status badges, each marketplace's figures, today's actions and the breach chances."""
    summary = report.summary()
    badges = "".join(
        f'<div class="status-line"><span class="badge {_badge(row.status)}">'
        f"{html.escape(row.marketplace)}: {html.escape(row.status)}</span> "
        f"{_escape(row.reason)}<br><small>{html.escape(_figures(row))}</small></div>"
        for row in summary.itertuples(index=False)
    )
    scope = (f"As of {report.asof} (end of day, {report.tz}); target: under "
             f"{report.threshold:.1%}; accepted risk {report.risk:.0%}.")
    _html(f'<div class="first-screen">{_p(scope)}{badges}</div>')
    table = summary.drop(columns="reason")
    _html(html_table(table, caption="Every marketplace at a glance",
                     percent=["rate", "p_breach_7d", "p_breach_14d"],
                     classes={"status": _badge}))
    todo = report.todo()
    if todo.empty:
        notes = {m.marketplace: m.notes.get("actions") for m in report.marketplaces}
        missing = [f"{m}: {n}" for m, n in notes.items() if n]
        _html(_p("Today's actions: none. " + (" ".join(missing) if missing
                                                 else "No stuck order is open.")))
        return
    columns = ["due", "action", "order_id", "sku", "past_ship_by", "reason", "marketplace"]
    _html(html_table(todo[columns], caption="Today's actions, soonest due first"))


def _note_html(section: MarketplaceReport, key: str) -> str:
    """The section's note ``key`` as a paragraph of HTML; "" when it has none."""
    if key not in section.notes:
        return ""
    return f'<p class="note">{html.escape(section.notes[key])}</p>'


def _section_note(section: MarketplaceReport, key: str) -> None:
    if note := _note_html(section, key):
        _html(note)


def _charts(report: WeeklyReport, section: MarketplaceReport) -> None:
    """Show the section's charts: drawn here, or collected from the child that drew them (a
    child past :data:`~oos_analysis.report.forked.CHILD_DEADLINE` is killed, and they are drawn
    here)."""
    from IPython.display import Image

    pending = _PENDING_CHARTS.pop(id(section), None)
    if pending is not None and pending[0] is section:
        outputs = pending[1].result()
        _draw_ahead(report, section)  # its child has ended: another may start
    else:
        _draw_ahead(report, section)
        outputs = _chart_outputs(report, section)
    for output in outputs:
        if isinstance(output, bytes):
            _display(Image(data=output, format="png"))
        else:
            _html(output)


# Sections whose charts a forked child is drawing: id(section) -> (section, Forked).
_PENDING_CHARTS: dict = {}


def _draw_ahead(report: WeeklyReport, section: MarketplaceReport) -> None:
    """Have forked children draw the charts of the sections after ``section``, while this process
    draws (or collects) its own: Matplotlib holds the GIL, so only another process draws at the
    same time.

    The report shows its sections one after the other, each in a call of :func:`show_marketplace`;
    each call starts the drawing of the next sections, at most
    :func:`~oos_analysis.report.forked.max_children` of them at a time, and collects its own.
    """
    from .forked import Forked, can_fork, max_children

    sections = report.marketplaces
    place = next((i for i, s in enumerate(sections) if s is section), None)
    if not can_fork() or place is None:
        return
    room = max_children() - sum(id(s) in _PENDING_CHARTS for s in sections[place + 1:])
    for other in sections[place + 1:]:
        if room <= 0:
            break
        if id(other) not in _PENDING_CHARTS:
            _PENDING_CHARTS[id(other)] = (other, Forked(
                lambda s: _chart_outputs(report, s), other))
            room -= 1


def _chart_outputs(report: WeeklyReport, section: MarketplaceReport) -> list:
    """The section's charts in order: PNG bytes for a chart, HTML text for a note."""
    # The buying policies are a table under the charts: on a phone it reads better than their
    # cost-against-risk chart, and each chart costs a drawing per marketplace.
    from .plots import plot_breach_fan, plot_budget, plot_daily_rate, plot_p_chart

    outputs = []
    if section.daily is not None and len(section.daily):
        fig, ax = _figure()
        plot_daily_rate(section.daily, threshold=report.threshold, ax=ax)
        outputs.append(_png(fig, ax, f"7-day rate, last {len(section.daily)} days"))
        fig, ax = _figure()
        plot_p_chart(section.orders[section.orders["in_metric"].astype(bool)],
                     threshold=report.threshold, tz=report.tz, ax=ax)
        outputs.append(_png(fig, ax, "Weekly rate and its control limits"))
        fig, ax = _figure()
        roll = section.roll_off if section.roll_off is not None else pd.DataFrame(
            columns=["order_id", "leaves_window_on"])
        plot_budget(section.daily.tail(28), roll, threshold=report.threshold, ax=ax)
        outputs.append(_png(fig, ax, "Room left and roll-off days"))
    if note := _note_html(section, "charts"):
        outputs.append(note)
    if section.fan is not None:
        fig, ax = _figure()
        plot_breach_fan(section.fan, threshold=report.threshold, ax=ax)
        outputs.append(_png(fig, ax, f"Simulated 7-day rate, next {report.horizon} days"))
    return outputs


def _details(report: WeeklyReport, section: MarketplaceReport) -> None:
    cur = section.currency
    if section.actions is not None and len(section.actions):
        cols = ["due", "action", "order_id", "sku", "past_ship_by", "reason", "rate_before",
                "rate_after", "remaining_after"]
        _html(html_table(section.actions[cols], percent=["rate_before", "rate_after"],
                         caption="Next action per open stuck order"))
    _section_note(section, "actions")
    if section.forecast is not None:
        if section.without_log:
            _html(_p("There is no stock-out log, so the forecast uses this seller's own history "
                     "of counted cancellations per order instead of a stock-out rate."))
        _html(html_table(section.forecast, percent=["p_any_breach"], money_columns=[
            "expected_loss"], currency=cur, decimals={"expected_cancellations": 1,
            "expected_requests": 1, "expected_reminders": 1},
            caption="Chance of at least one breach day, and expected counts and cost"))
        _html(html_table(section.inputs, caption="Where each forecast input came from"))
    _section_note(section, "forecast")
    if section.backtest_verdict:
        _html(_p(section.backtest_verdict))
        if section.reliability is not None and len(section.reliability):
            _html(html_table(section.reliability[["forecast", "observed", "count"]],
                             percent=["forecast", "observed"],
                             caption="How the forecast did on this seller's past: forecast "
                             "(grouped by 10 %) against how often a breach followed"))
    _section_note(section, "backtest")
    if section.playbooks is not None and len(section.playbooks):
        _html(_p(playbook_sentence(report, section)))
        _html(html_table(section.playbooks, percent=["p_any_breach"], money_columns=[
            "expected_loss"], currency=cur, decimals={"expected_cancellations": 1,
            "expected_official": 1, "expected_requests": 1},
            caption="The seller's playbook against Amazon's written rule, on the same "
            f"simulated futures ({report.horizon} days)"))
    if section.policies is not None and len(section.policies):
        best = section.best_policy
        _html(_p(f"Cheapest policy within {report.risk:.0%} risk: {best['policy']} (breach "
                 f"chance {best['p_any_breach']:.1%})." if best else
                 f"No policy keeps the breach chance within {report.risk:.0%}; even buying "
                 "every stock-out is not enough. Cut stock-outs at the source."))
        cols = ["policy", "p_any_breach", "expected_loss", "expected_bought",
                "expected_cancellations", "safe"]
        _html(html_table(section.policies[cols], percent=["p_any_breach"],
                         money_columns=["expected_loss"], currency=cur,
                         decimals={"expected_bought": 1, "expected_cancellations": 1},
                         caption="Buying policies compared on the same simulated futures"))
    if section.roll_off is not None and len(section.roll_off):
        _html(html_table(section.roll_off, caption="Counted cancellations in the current window"))
    if section.attribution is not None and len(section.attribution):
        _html(html_table(section.attribution, caption="Cancelled orders by attribution"))
    if section.listings is not None and len(section.listings):
        _html(html_table(section.listings, caption="Listings with counted cancellations, "
                                                   "last 30 days"))
    elif section.listings is not None:
        _html(_p("No listing has a counted cancellation in the last 30 days."))
    if section.reconciliation is not None and len(section.reconciliation):
        cols = [c for c in section.reconciliation.columns if c != "marketplace"]
        _html(html_table(section.reconciliation[cols], percent=[
            "amazon_rate", "kit_rate", "difference", "target_value"],
            caption="The kit's figures next to Amazon's"))
    _section_note(section, "reconciliation")


def playbook_sentence(report: WeeklyReport, section: MarketplaceReport) -> str:
    """What following Amazon's rule (no request to the buyer) costs against the playbook."""
    rows = section.playbooks.set_index("playbook")
    ask, rule = rows.loc["request"], rows.loc["no-request"]
    more = rule["expected_cancellations"] - ask["expected_cancellations"]
    return (
        f"Amazon's help pages say not to ask a buyer to cancel for lack of stock. Following that "
        f"rule ('no-request') gives a {rule['p_any_breach']:.0%} chance of a breach day within "
        f"{report.horizon} days, against {ask['p_any_breach']:.0%} with the request step, and "
        f"{more:.1f} more counted cancellations on average."
    )


def show_marketplace(report: WeeklyReport, section: MarketplaceReport) -> None:
    """One marketplace's section: status, headline, charts, then the detail tables."""
    word = section.status.word
    _html(f'<h2 id="{html.escape(section.marketplace)}">{html.escape(section.marketplace)} '
          f'<span class="badge {_badge(word)}">{html.escape(word)}</span></h2>'
          f"{_p(section.status.reason)}{_p(headline_sentence(report, section))}")
    _charts(report, section)
    _details(report, section)


def show_coverage(report: WeeklyReport) -> None:
    """The files read and the orders by marketplace and channel (what was left out and why)."""
    _html(html_table(report.files.drop(columns=["orders"], errors="ignore"),
                     caption="Files read"))
    _html(html_table(report.coverage, caption="Orders by marketplace and fulfilment channel"))
