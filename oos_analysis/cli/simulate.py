"""``oos-analysis simulate [FILE...]``: the chance of breaching the target in the coming weeks.

Reads the exports (or nothing: then it simulates from an empty history starting at ``--start``),
estimates the model's parameters unless given, runs :func:`~oos_analysis.simulate` under the
playbook ``--policy`` (``request`` or Amazon's ``no-request`` rule), compares both playbook
policies and a grid of buying policies on common random numbers; prints the headline, the inputs
and where each came from, where the data ends when its last day is partial, the days and the
cheapest buying policy that keeps the probability of any breach within ``--risk``.
"""

from __future__ import annotations

import argparse
import sys

from ..exceptions import ParameterError
from ..io.schema import POLICIES as _PLAYBOOKS
from .arguments import add_format_argument, add_input_arguments, add_pending_argument

# Declaring the arguments imports neither pandas nor the simulator, so `simulate --help` is
# instant; run() imports them.

__all__ = ["add_parser", "run"]


_POLICY_DRAWS = 10_000
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _number(kind, name):
    def parse(text):
        try:
            return kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name} expects a number, got {text!r}") from None
    return parse


def add_parser(subparsers) -> None:
    """Register ``simulate``."""
    parser = subparsers.add_parser(
        "simulate",
        help="chance of breaching the cancellation-rate target in the coming weeks, and the "
        "cheapest buying policy that stays safe",
        description=__doc__.splitlines()[0].split(": ", 1)[1],
    )
    add_input_arguments(parser, required=False, store=True)
    parser.add_argument("--asof", metavar="DATE", help="last day of history (default: last "
                        "purchase day in the data)")
    parser.add_argument("--start", metavar="DATE", help="first simulated day (default: the day "
                        "after --asof; required without files)")
    parser.add_argument("--horizon", type=_number(int, "--horizon"), default=28, metavar="DAYS",
                        help="simulated days (default: 28)")
    parser.add_argument("--marketplace", metavar="NAME", help="e.g. amazon.com (default: the one "
                        "with most MFN orders)")
    parser.add_argument("--orders-per-day", type=_number(float, "--orders-per-day"), metavar="L",
                        help="expected new MFN orders per day (default: estimated by weekday "
                        "from the last 28 days)")
    parser.add_argument("--stockout-rate", type=_number(float, "--stockout-rate"), metavar="P",
                        help="share of new orders that hit a stock-out (default: from the "
                        "stock-out log, last 90 days)")
    buy = parser.add_mutually_exclusive_group()
    buy.add_argument("--buy-at-loss", type=_number(float, "--buy-at-loss"), metavar="B",
                     help="share of stock-outs bought at a loss (default: from the log)")
    buy.add_argument("--loss-cap", type=_number(float, "--loss-cap"), metavar="X",
                     help="buy a stock-out whenever its loss is at most X")
    parser.add_argument("--buyer-accept", type=_number(float, "--buyer-accept"), metavar="Q",
                        help="share of asked buyers who cancel through Amazon's official flow "
                        "(default: from the log)")
    parser.add_argument("--reminder-accept", type=_number(float, "--reminder-accept"),
                        metavar="Q2", help="share of buyers who cancel officially after the "
                        "reminder (default: from the log, else as --buyer-accept)")
    parser.add_argument("--policy", choices=_PLAYBOOKS, default=_PLAYBOOKS[0],
                        help="playbook: 'request' asks the buyer to cancel officially; "
                        "'no-request' follows Amazon's rule (No Inventory, no message). Both "
                        "are compared either way (default: request)")
    parser.add_argument("--dispersion", type=_number(float, "--dispersion"), metavar="K",
                        help="negative binomial shape of daily orders (default: fitted)")
    parser.add_argument("--level-sd", type=_number(float, "--level-sd"), metavar="S",
                        help="uncertainty of the demand level, e.g. 0.05 (default: fitted)")
    parser.add_argument("--trend", type=_number(float, "--trend"), metavar="G",
                        help="demand growth per day, e.g. 0.01 (default: fitted)")
    parser.add_argument("--event", nargs=3, action="append", default=[],
                        metavar=("FIRST", "LAST", "X"),
                        help="a known event: days FIRST..LAST have X times the orders, e.g. "
                        "--event 2026-12-01 2026-12-07 1.5 (repeatable)")
    parser.add_argument("--burst-orders", type=_number(float, "--burst-orders"), metavar="M",
                        help="mean stock-outs per episode of a SKU; 1 = independent (default: "
                        "from the log)")
    parser.add_argument("--burst-days", type=_number(float, "--burst-days"), metavar="D",
                        help="mean length of an episode in days (default: from the log)")
    parser.add_argument("--burst-no-source", type=_number(float, "--burst-no-source"),
                        metavar="Z", help="share of episodes with no source in stock (default: "
                        "from the log)")
    parser.add_argument("--complete-day", action="store_true",
                        help="treat the last day of the data as complete (default: when the "
                        "data ends part-way through it, simulate the rest of that day)")
    parser.add_argument("--cancel", nargs="+", default=[], metavar="ORDER_ID",
                        help="orders to cancel for sure (what if I cancel these?)")
    parser.add_argument("--risk", type=_number(float, "--risk"), default=None,
                        metavar="R", help="acceptable chance of any breach (default: 0.05)")
    parser.add_argument("--draws", type=_number(int, "--draws"), default=10_000, metavar="N",
                        help="simulated paths (default: 10000)")
    parser.add_argument("--seed", type=_number(int, "--seed"), metavar="S",
                        help="random seed, for a reproducible answer (default: fresh, printed)")
    parser.add_argument("--threshold", type=_number(float, "--threshold"),
                        metavar="T",
                        help="target as a fraction (default: 0.025)")
    parser.add_argument("--tz", default="UTC", metavar="ZONE",
                        help="time zone of the day boundaries (default: UTC, as Amazon's "
                        "Seller Performance report)")
    add_pending_argument(parser)
    add_format_argument(parser)
    parser.set_defaults(func=run)


def _inputs(args, orders, log, asof):
    if orders is None:
        missing = [opt for opt, value in (("--start", args.start),
                                          ("--orders-per-day", args.orders_per_day),
                                          ("--stockout-rate", args.stockout_rate))
                   if value is None]
        if missing:
            raise ParameterError(
                "without export files there is no history to estimate from; pass "
                f"{', '.join(missing)} (e.g. --start 2026-12-01 --orders-per-day 30 "
                "--stockout-rate 0.03), or give the exports."
            )
    from ..forecast.simulation import SimulationInputs
    from .common import parse_day

    events = []
    for first, last, multiplier in args.event:
        first = parse_day(first, name="--event FIRST")
        last = parse_day(last, name="--event LAST")
        try:
            events.append((first, last, float(multiplier)))
        except ValueError:
            raise ParameterError(
                f"--event expects FIRST LAST MULTIPLIER, e.g. 2026-12-01 2026-12-07 1.5; got "
                f"multiplier {multiplier!r}."
            ) from None
    return SimulationInputs.from_history(
        orders, log, asof=asof, marketplace=args.marketplace,
        orders_per_day=args.orders_per_day, stockout_rate=args.stockout_rate,
        buy_at_loss=args.buy_at_loss, loss_cap=args.loss_cap, buyer_accept=args.buyer_accept,
        reminder_accept=args.reminder_accept, playbook=args.policy,
        dispersion=args.dispersion, level_sd=args.level_sd, trend=args.trend,
        events=events or None, burst_orders=args.burst_orders, burst_days=args.burst_days,
        burst_no_source=args.burst_no_source, tz=args.tz,
    )


def run(args: argparse.Namespace) -> int:
    """Run the simulation and print it in ``args.format``.

    Without files nothing here imports pandas: the simulator works on arrays, and the output is
    formatted from its plain tables (:class:`~oos_analysis.forecast.simulation.SimulationTables`),
    byte for byte what the frames would print.
    """
    import datetime as dt

    import numpy as np

    from ..forecast.policy import DEFAULT_RISK, cheapest_safe_index, policy_grid
    from ..forecast.simulation import simulate
    from ..metric.window import DEFAULT_THRESHOLD
    from .common import parse_day, parse_tz

    if args.risk is None:
        args.risk = DEFAULT_RISK
    if args.threshold is None:
        args.threshold = DEFAULT_THRESHOLD
    args.tz = parse_tz(args.tz)
    asof = None if args.asof is None else parse_day(args.asof, name="--asof")
    start = None if args.start is None else parse_day(args.start, name="--start")
    if asof is None and start is not None:
        asof = start - dt.timedelta(days=1)
    orders = log = None
    if args.files or args.store:
        from ..metric.orders import orders_from_exports
        from .common import load_exports

        exports = load_exports(args)
        if asof is not None:
            from ..metric.known import known_on  # as known at the end of the as-of day

            exports = known_on(exports, asof, tz=args.tz)
        orders = orders_from_exports(exports, exclude_pending=args.exclude_pending)
        log = exports.stockout_log
    inputs = _inputs(args, orders, log, asof)
    # A fresh seed is drawn from the OS and printed, so any answer can be reproduced.
    seed = args.seed if args.seed is not None else int(np.random.SeedSequence().entropy % 2**32)
    result = simulate(
        orders, stockout_log=log, inputs=inputs, asof=asof, start=start, horizon=args.horizon,
        marketplace=args.marketplace, cancel=args.cancel, policies=policy_grid(inputs),
        policy_draws=min(args.draws, _POLICY_DRAWS), threshold=args.threshold,
        draws=args.draws, rng=seed, tz=args.tz,
        partial_day=False if args.complete_day else None,
    )
    tables = result.tables
    policies = [{**row, "safe": row["p_any_breach"] <= args.risk} for row in tables.policies]
    pick = cheapest_safe_index([row["p_any_breach"] for row in policies],
                               [row["expected_loss"] for row in policies],
                               [row["expected_bought"] for row in policies], risk=args.risk)
    best = None if pick is None else policies[pick]
    if args.format == "json":
        from .common import write_json

        write_json(_document(result, policies, best, args, seed))
    elif args.format == "csv":
        sys.stdout.write(_days_csv(tables.days))
    else:
        sys.stdout.write(_table(result, policies, best, args, seed))
    if orders is not None:  # which day the history ends on, whether whole, how old
        from .common import asof_notes

        for note in asof_notes(orders, asof=asof, tz=args.tz):
            (sys.stdout if args.format == "table" else sys.stderr).write(note + "\n")
    return 0


def _inputs_record(inputs) -> dict:
    return {
        "orders_per_day": dict(zip(_WEEKDAYS, inputs.orders_per_day, strict=True)),
        "stockout_rate": inputs.stockout_rate,
        "buy_at_loss": inputs.buy_at_loss,
        "loss_cap": inputs.loss_cap,
        "buy_probability": inputs.buy_probability,
        "buyer_accept": inputs.buyer_accept,
        "reminder_rate": inputs.reminders_per_request,
        "reminder_accept": inputs.reminder_accept,
        "playbook": inputs.playbook,
        "dispersion": inputs.dispersion,
        "level_sd": inputs.level_sd,
        "trend": inputs.trend,
        "events": [{"first": _day_label(a), "last": _day_label(b), "multiplier": x}
                   for a, b, x in inputs.events],
        "burst_orders": inputs.burst_orders,
        "burst_days": inputs.burst_days,
        "burst_no_source": inputs.burst_no_source,
        "auto_cancel_days": inputs.auto_cancel_days,
        "recorded_losses": sum(1 for x in inputs.losses if x == x),
        "sources": dict(inputs.sources),
    }


def _day_label(day) -> str:
    """``2026-12-01`` for a day number or a ``numpy.datetime64`` day."""
    import numpy as np

    return str(np.datetime64(day if isinstance(day, np.datetime64) else int(day), "D"))


def _records(columns: dict) -> list[dict]:
    """Rows of a table given as columns (numpy arrays), the dates as ``YYYY-MM-DD``."""
    names = list(columns)
    values = [[_day_label(v) for v in column] if column.dtype.kind == "M" else column.tolist()
              for column in columns.values()]
    return [dict(zip(names, row, strict=True)) for row in zip(*values, strict=True)]


def _days_csv(days: dict) -> str:
    """The days as CSV, as :func:`~oos_analysis.cli.common.write_frame` writes the frame.

    Dates as ``YYYY-MM-DD``; numbers as pandas writes a float column (numpy's shortest text of
    each value), missing ones as empty cells. No cell is text a spreadsheet could run.
    """
    import numpy as np

    cells = []
    for column in days.values():
        if column.dtype.kind == "M":
            cells.append([_day_label(v) for v in column])
            continue
        text = np.asarray(column, dtype=np.float64).astype(str)
        text[np.isnan(column)] = ""
        cells.append(text.tolist())
    lines = [",".join(days), *(",".join(row) for row in zip(*cells, strict=True))]
    return "\n".join(lines) + "\n"


def _document(result, policies, best, args, seed) -> dict:
    tables = result.tables
    summary = {**tables.summary, "start": _day_label(tables.summary["start"])}
    return {
        **summary,
        "threshold": args.threshold,
        "risk": args.risk,
        "seed": seed,
        "inputs": _inputs_record(result.inputs),
        "days": _records(tables.days),
        "playbooks": tables.playbooks,
        "policies": policies,
        "cheapest_safe_policy": best,
    }


def _pct(value: float, digits: int = 1) -> str:
    return f"{100 * value:.{digits}f}%"


def _money(value: float) -> str:
    return "unknown (no losses recorded)" if value != value else f"{value:,.2f}"


def _table(result, policies, best, args, seed) -> str:
    tables = result.tables
    s = tables.summary
    inp = result.inputs
    src = inp.sources
    start = _day_label(s["start"])
    lines = [
        f"What-if for {s['marketplace'] or 'an empty history'}: {int(s['horizon'])} days from "
        f"{start}, {int(s['draws']):,} simulated paths (seed {seed}), playbook "
        f"'{inp.playbook}'.",
        f"Chance that the 7-day rate reaches {_pct(args.threshold)} on at least one day: "
        f"{_pct(s['p_any_breach'])} (standard error {_pct(s['p_any_breach_se'], 2)}).",
        f"Expected: {s['expected_cancellations']:.1f} counted cancellations, "
        f"{s['expected_bought']:.1f} stock-outs bought at a loss costing "
        f"{_money(s['expected_loss'])}, {s['expected_requests']:.1f} cancellation requests and "
        f"{s['expected_reminders']:.1f} reminders.",
        "",
        "Inputs:",
        "  orders per day       " + " ".join(f"{d} {x:.1f}" for d, x in
                                              zip(_WEEKDAYS, inp.orders_per_day, strict=True))
        + f"  [{src.get('orders_per_day', 'given')}]",
        f"  stock-out rate       {_pct(inp.stockout_rate, 2)}"
        f"  [{src.get('stockout_rate', 'given')}]",
        f"  buying at a loss     {inp.policy} (buys {_pct(inp.buy_probability, 0)} of stock-outs)"
        f"  [{src.get('policy', 'given')}]",
        f"  buyer cancels officially  {_pct(inp.buyer_accept, 0)}"
        f"  [{src.get('buyer_accept', 'given')}]",
        f"  ... after the reminder    "
        f"{_pct(inp.buyer_accept if inp.reminder_accept is None else inp.reminder_accept, 0)}"
        f"  [{src.get('reminder_accept', 'given')}]",
        "  daily orders         " + ("Poisson" if inp.dispersion is None else
                                     f"negative binomial, shape {inp.dispersion:.1f}")
        + f"  [{src.get('dispersion', 'given')}]",
        f"  level uncertainty    {_pct(inp.level_sd)}  [{src.get('level_sd', 'given')}]",
        f"  trend                {100 * inp.trend:+.2f}% a day  [{src.get('trend', 'given')}]",
        *(f"  event                {_day_label(a)} to {_day_label(b)}: x{x:g} orders  [given]"
          for a, b, x in inp.events),
        f"  stock-out episodes   {inp.burst_orders:.2f} stock-outs over {inp.burst_days:.2f} "
        f"days on average  [{src.get('burst_orders', 'given')}]",
        f"  no source in stock   {_pct(inp.burst_no_source, 0)} of episodes"
        f"  [{src.get('burst_no_source', 'given')}]",
        f"  open stuck orders {int(s['open_orders'])} ({int(s['auto_cancelled'])} past Amazon's "
        f"auto-cancel, {inp.auto_cancel_days} days after ship-by: counted), planned "
        f"cancellations {int(s['planned'])}",
        *([f"Note: {s['note']}."] if s["note"] else []),
        "",
        "Playbook policies on the same paths:",
        "  policy       P(any breach)   counted (exp.)   official (exp.)   requests (exp.)",
        *(f"  {row['playbook']:<11}  {_pct(row['p_any_breach']):>13}   "
          f"{row['expected_cancellations']:>14.1f}   {row['expected_official']:>15.1f}   "
          f"{row['expected_requests']:>15.1f}" for row in tables.playbooks),
        "",
        "Day         P(breach)   so far   rate 5% / 50% / 95%     counted 50%   "
        "budget left (mean)",
    ]
    for row in _records(tables.days):
        lines.append(
            f"{row['date']}  {_pct(row['p_breach']):>8}   {_pct(row['p_any_breach_to_date']):>6}"
            f"   {_pct(row['rate_p05']):>6} / {_pct(row['rate_p50']):>6} / "
            f"{_pct(row['rate_p95']):>6}   {row['cancellations_p50']:>8.1f}   "
            f"{row['expected_remaining']:>10.1f}"
        )
    lines += ["", f"Buying policies ({int(policies[0]['draws']):,} shared paths):",
              "  policy              P(any breach)   expected loss   bought"]
    for row in policies:
        loss = "-" if row["expected_loss"] != row["expected_loss"] else \
            f"{row['expected_loss']:,.2f}"
        lines.append(f"  {row['policy']:<18}  {_pct(row['p_any_breach']):>13}   {loss:>13}"
                     f"   {row['expected_bought']:>6.1f}")
    if best is None:
        lines.append(
            f"No policy in the grid keeps the chance of any breach at or below "
            f"{_pct(args.risk)}: even buying every stock-out that can be bought leaves "
            f"{_pct(min(row['p_any_breach'] for row in policies))}. Cut stock-outs at the source "
            "(stock control, repricing) or accept more risk."
        )
    else:
        lines.append(
            f"Cheapest policy with a chance of any breach at or below {_pct(args.risk)}: "
            f"{best['policy']} ({_pct(best['p_any_breach'])}, expected loss "
            f"{_money(best['expected_loss'])}, {best['expected_bought']:.1f} bought)."
        )
    return "\n".join(lines) + "\n"
