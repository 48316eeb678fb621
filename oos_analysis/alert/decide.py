"""Whether a weekly run should notify anyone: only when something needs a person.

Each marketplace has a status: ``OK``, ``AT RISK``, ``BREACH`` or ``NO DATA``. A run notifies

* when it failed (a broken token, an Amazon outage, a bad file): once per run that fails;
* when any marketplace is ``AT RISK`` or in ``BREACH``, every run, changed or not;
* when a marketplace's status changed since the last run (``OK`` -> ``NO DATA``, ``BREACH`` ->
  ``OK``, ...); a marketplace seen for the first time counts as a change unless it is ``OK``;
* never for an unchanged ``OK``, unless ``notify_unchanged_ok`` asks for a note every run.

Examples
--------
>>> decide({"amazon.com": "OK"}, {"amazon.com": "OK"})
Decision(notify=False, reason='unchanged: amazon.com OK')
>>> decide({"amazon.com": "OK"}, {"amazon.com": "AT RISK"}).reason
'amazon.com is AT RISK'
>>> decide({"amazon.com": "BREACH"}, {"amazon.com": "OK"}).reason
'amazon.com changed from BREACH to OK'
>>> decide(None, {"amazon.com": "OK"}, failed=True).reason
'the run failed'
"""

from __future__ import annotations

from typing import NamedTuple

from ..exceptions import ParameterError

__all__ = ["Decision", "decide", "STATUSES", "URGENT"]

STATUSES = ("OK", "AT RISK", "BREACH", "NO DATA")
URGENT = ("AT RISK", "BREACH")


class Decision(NamedTuple):
    """``notify`` and the reason, for the log and the message's first line."""

    notify: bool
    reason: str


def _check(statuses: dict) -> None:
    for market, status in statuses.items():
        if status not in STATUSES:
            raise ParameterError(
                f"status {status!r} of {market} is not one of {', '.join(STATUSES)}."
            )


def decide(previous: dict | None, current: dict, *, failed: bool = False,
           notify_unchanged_ok: bool = False) -> Decision:
    """Decide from the last run's and this run's ``{marketplace: status}``."""
    previous = dict(previous or {})
    _check(previous)
    _check(current)
    if failed:
        return Decision(True, "the run failed")
    urgent = [f"{m} is {s}" for m, s in sorted(current.items()) if s in URGENT]
    if urgent:
        return Decision(True, "; ".join(urgent))
    changed = [
        f"{m} changed from {previous[m]} to {s}" if m in previous else f"{m} is {s}"
        for m, s in sorted(current.items())
        if previous.get(m, "OK") != s
    ]
    changed += [f"{m} is no longer reported" for m in sorted(set(previous) - set(current))]
    if changed:
        return Decision(True, "; ".join(changed))
    summary = ", ".join(f"{m} {s}" for m, s in sorted(current.items())) or "no marketplace"
    return Decision(bool(notify_unchanged_ok), f"unchanged: {summary}")
