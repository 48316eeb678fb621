"""The notification's text: short, with no buyer data and no secrets.

Title: the worst status and the account. Body: one line per marketplace (status and reason), the
day's actions as given (the caller passes counts and kinds, never buyer details), and the report's
path. A failed run's body is the error paragraph, which the kit's errors keep free of credentials.

>>> title, body = compose("acme", [{"marketplace": "amazon.com", "status": "AT RISK",
...     "reason": "7-day rate 2.1% (target 2.5%)", "actions": ["request cancellation: 2"]}],
...     report="/r/amazon.com-2026-11-29.html")
>>> title
'oos-analysis acme: AT RISK'
>>> print(body)
amazon.com: AT RISK - 7-day rate 2.1% (target 2.5%)
  today: request cancellation: 2
report: /r/amazon.com-2026-11-29.html
"""

from __future__ import annotations

__all__ = ["compose", "worst"]

_ORDER = {"BREACH": 0, "AT RISK": 1, "NO DATA": 2, "OK": 3}
MAX_ACTIONS = 5


def worst(statuses) -> str:
    """The most urgent of ``statuses`` (BREACH, AT RISK, NO DATA, OK)."""
    return min(statuses, key=lambda s: _ORDER.get(s, 0), default="NO DATA")


def compose(account: str, markets: list[dict], *, report: str | None = None,
            error: str | None = None) -> tuple[str, str]:
    """``(title, body)`` for ``markets`` (dicts: marketplace, status, reason, actions)."""
    name = f"oos-analysis {account}" if account else "oos-analysis"
    if error is not None:
        return f"{name}: the weekly run FAILED", error.strip()
    lines = []
    for market in markets:
        reason = str(market.get("reason") or "").strip()
        lines.append(f"{market['marketplace']}: {market['status']}"
                     + (f" - {reason}" if reason else ""))
        actions = [str(a) for a in market.get("actions") or []]
        for action in actions[:MAX_ACTIONS]:
            lines.append(f"  today: {action}")
        if len(actions) > MAX_ACTIONS:
            lines.append(f"  ... and {len(actions) - MAX_ACTIONS} more in the report")
    if report:
        lines.append(f"report: {report}")
    return f"{name}: {worst(m['status'] for m in markets)}", "\n".join(lines)
