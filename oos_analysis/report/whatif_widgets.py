"""The what-if's controls: sliders, toggles per stuck order, one chart per change.

:class:`WhatIfPanel` lays out one control per setting of :class:`~oos_analysis.report.whatif.WhatIf`
(a slider with its value box, step :data:`~oos_analysis.report.whatif.STEP`, so the starting
estimate sits exactly on it), the buying policy with only its active control enabled, the
playbook policy, and one toggle per open stuck order. Every change redraws the chart once, in
one output area, and updates the lines under it. ipywidgets is imported only here.
"""

from __future__ import annotations

import html

from .whatif import LABELS, ORDER_CHOICES, STEP, RiskTracker, WhatIf, money, what_if_figure

__all__ = ["WhatIfPanel"]

_LABEL_WIDTH = "13em"
_TODO = ("Not yet here: supplier bursts and the partial last day (the forecast issue adds them "
         "to the simulator; they become controls when it does).")


class WhatIfPanel:
    """The what-if's widgets around one :class:`WhatIf`; display it in a notebook cell."""

    def __init__(self, whatif: WhatIf):
        self.whatif = whatif
        self.start = whatif.start()
        self.settings = dict(self.start)
        self.first = whatif.run(self.settings)
        self.outcome = self.first
        self.tracker = RiskTracker(start=self.first.p_any_breach)
        self.draws = 0  # charts drawn, one per change
        self._box = None

    # -- text --------------------------------------------------------------------------------

    def estimates_line(self) -> str:
        s, w = self.start, self.whatif
        return (f"{w.marketplace}, history up to {w.asof}; the weekly report's estimates: "
                f"{s['orders_per_day']:.2f} orders/day, stock-outs {s['stockout_pct']:.2f} %, "
                f"buy share {s['buy_pct']:.2f} %, buyer accepts {s['accept_pct']:.2f} %, "
                f"{len(w.open_orders)} open stuck order(s).")

    def lines(self) -> list[str]:
        return [*self.whatif.summary_lines(self.outcome), self.tracker.sentence()]

    def _repr_mimebundle_(self, include=None, exclude=None):
        bundle = dict(self.widget._repr_mimebundle_(include=include, exclude=exclude) or {})
        bundle["text/plain"] = "\n".join([self.estimates_line(), *self.lines()]).replace("**", "")
        return bundle

    # -- changes -----------------------------------------------------------------------------

    def change(self, name: str, value) -> None:
        """Set one control's value, rerun, record the move, redraw once."""
        if self.settings.get(name) == value:
            return
        self.settings[name] = value
        self.outcome = self.whatif.run(self.settings)
        self.tracker.record(LABELS.get(name, f"order {name}"), self.outcome.p_any_breach)
        self._show()

    def _show(self) -> None:
        if self._box is None:
            return
        from IPython.display import display

        self._sync_enabled()
        fig = what_if_figure(self.whatif, self.outcome)
        self.output.clear_output(wait=True)
        with self.output:
            display(fig)
        self.draws += 1
        self.notes.value = "".join(f"<p>{_bold(line)}</p>" for line in self.lines())

    # -- widgets -----------------------------------------------------------------------------

    @property
    def widget(self):
        if self._box is None:
            self._box = self._build()
            self._show()
        return self._box

    def _build(self):
        import ipywidgets as widgets

        w, s = self.whatif, self.start
        top = max(100.0, 3 * s["orders_per_day"])
        self.controls = {
            "orders_per_day": self._slider(s["orders_per_day"], 0.0, top),
            "stockout_pct": self._slider(s["stockout_pct"], 0.0, max(20.0, s["stockout_pct"])),
            "policy": widgets.ToggleButtons(options=["buy share", "loss cap"], value=s["policy"]),
            "buy_pct": self._slider(s["buy_pct"], 0.0, 100.0),
            "loss_cap": widgets.BoundedFloatText(value=s["loss_cap"], min=0.0, max=1e9, step=STEP,
                                                 layout=widgets.Layout(width="10em")),
            "accept_pct": self._slider(s["accept_pct"], 0.0, 100.0),
            "playbook": widgets.ToggleButtons(
                options=[("ask the buyer (playbook)", "request"),
                         ("Amazon's rule: no request", "no-request")], value="request",
                style={"button_width": "15em"}),
        }
        if w.models_bursts:
            self.controls["burst_orders"] = self._slider(s["burst_orders"], 1.0,
                                                         max(10.0, s["burst_orders"]))
            self.controls["burst_days"] = self._slider(s["burst_days"], 1.0,
                                                       max(14.0, s["burst_days"]))
            self.controls["no_source_pct"] = self._slider(s["no_source_pct"], 0.0, 100.0)
        if w.models_partial_day:
            self.controls["partial_day"] = widgets.ToggleButtons(
                options=[("top up the partial last day", "detect"),
                         ("take the last day as complete", "complete")], value="detect",
                style={"button_width": "17em"})
        for order_id in w.open_orders["order_id"]:
            self.controls[order_id] = widgets.ToggleButtons(
                options=list(ORDER_CHOICES), value="playbook",
                style={"button_width": "6.5em"})
        for name, control in self.controls.items():
            control.observe(lambda change, n=name: self.change(n, change["new"]), names="value")
        rows = [widgets.HTML(f"<p>{html.escape(self.estimates_line())}</p>")]
        currency = f" ({w.currency})" if w.currency else ""
        for name in ("orders_per_day", "stockout_pct", "policy", "buy_pct", "loss_cap",
                     "accept_pct", "playbook", "burst_orders", "burst_days", "no_source_pct",
                     "partial_day"):
            if name in self.controls:
                label = LABELS[name] + (currency if name == "loss_cap" else "")
                rows.append(self._row(label, self.controls[name]))
        if len(w.open_orders):
            rows.append(widgets.HTML("<b>Open stuck orders</b>: leave each to the policy "
                                     "(playbook), or decide it now."))
        for case in w.open_orders.itertuples():
            loss = money(case.loss_if_bought, w.currency)
            note = f"{case.sku}: " + (f"buying loses {loss}" if loss else "no source has it")
            rows.append(self._row(f"{case.order_id}", self.controls[case.order_id], note=note))
        if not (w.models_bursts and w.models_partial_day):
            rows.append(widgets.HTML(f"<p><i>{html.escape(_TODO)}</i></p>"))
        self.output = widgets.Output()
        self.notes = widgets.HTML()
        return widgets.VBox([*rows, self.output, self.notes],
                            layout=widgets.Layout(max_width="1000px"))

    def _slider(self, value: float, low: float, high: float):
        import ipywidgets as widgets

        return widgets.FloatSlider(value=value, min=low, max=high, step=STEP, readout=True,
                                   readout_format=".2f", continuous_update=False,
                                   layout=widgets.Layout(width="28em"))

    def _row(self, label: str, control, note: str = ""):
        import ipywidgets as widgets

        parts = [widgets.HTML(f'<span style="white-space:nowrap">{html.escape(label)}</span>',
                              layout=widgets.Layout(width=_LABEL_WIDTH, min_width=_LABEL_WIDTH)),
                 control]
        if note:
            parts.append(widgets.HTML(f"<small>{html.escape(note)}</small>"))
        return widgets.HBox(parts, layout=widgets.Layout(align_items="center"))

    def _sync_enabled(self) -> None:
        """Only the active buying control is enabled; no buyer share under Amazon's rule."""
        by_share = self.settings["policy"] == "buy share"
        self.controls["buy_pct"].disabled = not by_share
        self.controls["loss_cap"].disabled = by_share
        self.controls["accept_pct"].disabled = self.settings["playbook"] == "no-request"


def _bold(line: str) -> str:
    parts = html.escape(line).split("**")
    return "".join(f"<b>{p}</b>" if i % 2 else p for i, p in enumerate(parts))
