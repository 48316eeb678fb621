"""The training course: its text in each language, and the sample's numbers that fill it in.

The words live in ``course/en.toml`` and ``course/ja.toml``, with the same keys (a test checks
that both say the same things). :class:`Course` reads a seller's exports once and returns, for
each part of the course, something a notebook displays: a section of text with the seller's own
numbers filled in, a table, a chart, the day's to-do list, or the exercises. The training
notebooks only call these.
"""

from __future__ import annotations

import functools
import re
import string
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..exceptions import ParameterError
from ..metric.rate import DEFAULT_THRESHOLD

__all__ = ["LANGUAGES", "Course", "course_text", "placeholders", "join_cjk_lines"]

LANGUAGES = ("ja", "en")
"""The course's languages; the first is the default."""

COURSE_DIR = Path(__file__).parent / "course"


@functools.cache
def course_text(lang: str) -> dict:
    """Return the course's words in ``lang`` (``"ja"`` or ``"en"``), as the TOML file holds them.

    Examples
    --------
    >>> course_text("en")["labels"]["check"], course_text("ja")["labels"]["check"]
    ('Check', '確認')
    """
    if lang not in LANGUAGES:
        raise ParameterError(
            f"the course is written in {', '.join(LANGUAGES)}; got lang={lang!r}. "
            "Pass --lang ja or --lang en."
        )
    with open(COURSE_DIR / f"{lang}.toml", "rb") as handle:
        return tomllib.load(handle)


def placeholders(text: str) -> set[str]:
    """The ``{names}`` a text expects.

    >>> sorted(placeholders("{asof}: {orders} orders, {rate}"))
    ['asof', 'orders', 'rate']
    """
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def _cjk(char: str) -> bool:
    return "\u3000" <= char <= "\u9fff" or "\uff00" <= char <= "\uffef"


def join_cjk_lines(text: str) -> str:
    """Join the wrapped lines of Japanese prose, where a line break would show as a space.

    A line that starts a Markdown block (a list item, heading, quote) or follows a blank line
    stays on its own.

    >>> print(join_cjk_lines("在庫を持たずに\\n販売します。\\n- 注文日\\n  で数えます。"))
    在庫を持たずに販売します。
    - 注文日で数えます。
    """
    out: list[str] = []
    for line in text.split("\n"):
        stripped = line.lstrip()
        block = not stripped or re.match(r"([-*>#]|\d+\.)\s", stripped)
        prev = out[-1] if out else ""
        if prev.strip() and not block and (_cjk(prev[-1]) or _cjk(stripped[0])):
            out[-1] = prev + stripped
        else:
            out.append(line)
    return "\n".join(out)


def _money(amount, currency) -> str:
    """``12.50 USD``, ``1,300 JPY`` (yen has no decimals); blank when missing."""
    if amount is None or pd.isna(amount):
        return ""
    currency = "" if currency is None or pd.isna(currency) else str(currency)
    places = 0 if currency == "JPY" else 2
    return f"{float(amount):,.{places}f} {currency}".strip()


@dataclass
class Course:
    """The course for one language, filled in from one seller's data.

    Build it with :meth:`from_files`; each method returns one thing to display.
    """

    lang: str
    exports: object
    orders: pd.DataFrame
    asof: str
    marketplace: str
    threshold: float = DEFAULT_THRESHOLD
    tz: str = "UTC"
    horizon: int = 28
    draws: int = 4000
    seed: int = 0
    handout: bool = False

    @classmethod
    def from_files(cls, files, *, lang: str = "ja", asof: str = "", marketplace: str = "",
                   **options) -> Course:
        """Read the exports and fill the course in for ``marketplace`` as of ``asof``."""
        import oos_analysis as oa

        from .render import report_scope

        course_text(lang)
        exports = oa.read_exports([Path(f) for f in files])
        orders = oa.orders_from_exports(exports)
        asof, marketplace = report_scope(orders, asof=asof, marketplace=marketplace,
                                         tz=options.get("tz", "UTC"))
        return cls(lang, exports, orders, asof, marketplace, **options)

    # -- the numbers -------------------------------------------------------------------------

    @functools.cached_property
    def text(self) -> dict:
        return course_text(self.lang)

    @functools.cached_property
    def window(self) -> pd.Series:
        from ..metric.budget import budget_summary

        summary = budget_summary(self.orders, asof=self.asof, threshold=self.threshold, tz=self.tz)
        return summary.set_index("marketplace").loc[self.marketplace]

    @functools.cached_property
    def actions(self) -> pd.DataFrame:
        import oos_analysis as oa

        actions = oa.next_actions(self.exports.stockout_log, asof=self.asof,
                                  order_report=self.exports.order_report, orders=self.orders,
                                  threshold=self.threshold)
        return actions[actions["marketplace"] == self.marketplace].reset_index(drop=True)

    def _open_log(self) -> pd.DataFrame:
        log = self.exports.stockout_log
        keep = (log["resolution"] == "open") & (log["marketplace"] == self.marketplace)
        return log[keep & log["order_id"].isin(self.orders["order_id"])]

    @functools.cached_property
    def example(self) -> pd.Series | None:
        """The stuck order the choices section looks at: open, with a source at a loss."""
        log = self._open_log()
        log = log[log["loss_if_bought"].notna()]
        return None if log.empty else log.iloc[0]

    @functools.cached_property
    def message_case(self) -> pd.Series | None:
        """The stuck order the message section writes to: open, no source has stock."""
        log = self._open_log()
        log = log[log["loss_if_bought"].isna()]
        return None if log.empty else log.iloc[0]

    def context(self) -> dict:
        """The values the sections' ``{placeholders}`` take."""
        from ..playbook.messages import cancellation_url

        window, case = self.window, self.example
        message = self.message_case
        return {
            "asof": self.asof,
            "marketplace": self.marketplace,
            "threshold": f"{self.threshold * 100:g} %",
            "orders": int(window["orders"]),
            "cancellations": int(window["seller_cancellations"]),
            "rate": f"{window['rate']:.2%}",
            "remaining": int(window["remaining"]),
            "horizon": self.horizon,
            "order_id": "" if case is None else case["order_id"],
            "sku": "" if case is None else case["sku"],
            "message_order_id": "" if message is None else message["order_id"],
            "cancellation_url": cancellation_url(self.marketplace),
            "past_ship_by": int(self.actions["past_ship_by"].sum()) if len(self.actions) else 0,
        }

    # -- what the notebook shows ---------------------------------------------------------------

    def section(self, key: str):
        """One section of text, with this seller's numbers filled in (IPython Markdown)."""
        from IPython.display import Markdown

        sections = self.text["sections"]
        if key not in sections:
            raise ParameterError(f"no course section {key!r}; the sections are {list(sections)}.")
        if key == "how_to" and self.handout:
            return Markdown("")
        if key == "exercises" and self.handout:
            key = "exercises_handout"
        text = sections[key].format(**self.context())
        return Markdown(join_cjk_lines(text) if self.lang == "ja" else text)

    def _table(self, frame: pd.DataFrame, **formats):
        from .render import report_table

        words = {k: v for k, v in self.text["values"].items()}
        shown = frame.copy()
        for column in shown.columns:
            if shown[column].dtype == bool or column in ("choice", "attribution", "action",
                                                         "level", "status"):
                shown[column] = shown[column].map(lambda v: words.get(str(v).lower(), v))
        shown.columns = [self.text["columns"].get(c, c) for c in shown.columns]
        name = self.text["columns"].get
        named = {k: ({name(c, c): p for c, p in v.items()} if isinstance(v, dict)
                     else [name(c, c) for c in v]) for k, v in formats.items()}
        return report_table(shown, **named)

    def small_sellers(self):
        """The table of section 2: what one cancellation does to shops of several sizes."""
        from .training import small_seller_table

        frame = small_seller_table(threshold=self.threshold)
        return self._table(frame, percent=["one_cancellation"])

    def budget_chart(self):
        """The chart of section 2: cancellations a window can take, by its size (a Figure)."""
        import matplotlib
        from matplotlib.figure import Figure

        from ..metric.budget import remaining_cancellations

        lang = self.lang if self.lang != "ja" or _cjk_font() else "en"
        columns = course_text(lang)["columns"]
        n = pd.Series(range(10, 201))
        family = [_cjk_font(), "DejaVu Sans"] if lang == "ja" else ["DejaVu Sans"]
        with matplotlib.rc_context({"font.family": family}):
            fig = Figure(figsize=(8, 3), layout="constrained")
            ax = fig.subplots()
            ax.step(n, remaining_cancellations(0, n.to_numpy(), threshold=self.threshold),
                    where="post")
            ax.axvline(40, color="C3", linestyle="--", label=columns["chart_line"])
            ax.set_xlabel(columns["chart_x"])
            ax.set_ylabel(columns["chart_y"])
            ax.legend(loc="upper left")
        return fig

    def attribution_table(self):
        """Section 3: the cancelled MFN orders of the data by who cancelled, and whether counted."""
        orders = self.orders
        keep = (orders["marketplace"] == self.marketplace) & orders["in_metric"] & \
            orders["cancelled"]
        frame = (orders[keep].groupby(["attribution", "counted"]).size()
                 .rename("orders_count").reset_index())
        return self._table(frame)

    def choice_table(self):
        """Section 4: what buying, asking and cancelling do to today's window."""
        from .training import choice_effects

        case = self.example
        if case is None:
            return self.section("day_empty")
        frame = choice_effects(int(self.window["orders"]), int(self.window["seller_cancellations"]),
                               loss_if_bought=float(case["loss_if_bought"]),
                               threshold=self.threshold)
        frame["cost"] = [_money(v, case.get("currency")) for v in frame["cost"]]
        return self._table(frame, percent=["rate"])

    def policy_costs(self):
        """Section 5: the shop's playbook against Amazon's rule, on the same simulated futures."""
        from IPython.display import Markdown, display

        from .training import playbook_policy_costs

        frame, exact = playbook_policy_costs(
            self.orders, self.exports.stockout_log, asof=self.asof, marketplace=self.marketplace,
            threshold=self.threshold, tz=self.tz, horizon=self.horizon, draws=self.draws,
            rng=self.seed)
        labels = self.text["labels"]
        frame["policy"] = frame["policy"].map({"request": labels["policy_request"],
                                               "no-request": labels["policy_no_request"]})
        currency = _currency(self.exports.stockout_log, self.marketplace)
        frame["expected_loss"] = [_money(v, currency) for v in frame["expected_loss"]]
        display(self._table(frame, percent=["p_any_breach"],
                            decimals={"expected_cancellations": 1, "expected_requests": 1}))
        return Markdown(labels["policy_note_kit" if exact else "policy_note_zero"])

    def request_message(self):
        """Section 6: the request the kit writes for a stuck order with no source (plain text)."""
        from IPython.display import Pretty

        import oos_analysis as oa

        case = self.message_case
        if case is None:
            return self.section("day_empty")
        return Pretty(oa.cancellation_message(self.exports.stockout_log, case["order_id"],
                                              order_report=self.exports.order_report))

    def listing_table(self):
        """Section 7: listings with counted cancellations in the last 30 days."""
        from ..metric.listing import listing_risk

        risky = listing_risk(self.exports.all_orders, self.orders, asof=self.asof, tz=self.tz)
        risky = risky[risky["marketplace"] == self.marketplace]
        if risky.empty:
            return self.section("listing_none")
        frame = risky[["sku", "seller_cancellations", "level"]].rename(columns={"level": "status"})
        return self._table(frame)

    def todays_actions(self):
        """Section 9: the day's to-do list, one line per open stuck order."""
        if self.actions.empty:
            return self.section("day_empty")
        # The reasons are the kit's English sentences; the Japanese course shows the deadline.
        last = "reason" if self.lang == "en" else "decision_deadline"
        frame = self.actions[["order_id", "sku", "action", "due", "past_ship_by", last]]
        return self._table(frame, dates=[c for c in ("due", "decision_deadline") if c in frame])

    def exercises(self):
        """Section 10: every exercise, as widgets (or worked answers in a handout)."""
        from .exercise_widgets import ExerciseBook

        return ExerciseBook(self.lang, handout=self.handout)


def _currency(log: pd.DataFrame, marketplace: str) -> str | None:
    if "currency" not in log:
        return None
    values = log.loc[log["marketplace"] == marketplace, "currency"].dropna()
    return None if values.empty else str(values.mode().iloc[0])


_CJK_FAMILIES = ("Noto Sans CJK JP", "IPAexGothic", "IPAGothic", "Hiragino Sans", "Yu Gothic",
                 "Noto Sans JP", "TakaoGothic")
_CJK_FILES = ("notosanscjk", "ipaexg", "ipag", "takaogothic", "notosansjp")


@functools.cache
def _cjk_font() -> str | None:
    """The name of an installed font that draws Japanese, or None (then charts use English).

    Matplotlib's font cache may predate the font package (``fonts-noto-cjk``); then the font
    files are looked up on the system and added for this process.
    """
    from matplotlib import font_manager

    def known():
        names = {f.name for f in font_manager.fontManager.ttflist}
        return next((family for family in _CJK_FAMILIES if family in names), None)

    if known():
        return known()
    for path in font_manager.findSystemFonts():
        if any(key in Path(path).name.lower() for key in _CJK_FILES):
            try:
                font_manager.fontManager.addfont(path)
            except (OSError, RuntimeError, ValueError):
                continue
    return known()
