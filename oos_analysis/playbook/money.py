"""Amounts with their currency, as a seller reads them: ``12.50 USD``, ``1,300 JPY``.

Losses come from the stock-out log in the currency of its ``currency`` column. Whatever shows an
amount (the playbook's reasons, the report's tables, the what-if) formats it here, so yen never
gets decimals and no amount appears without its currency when the currency is known.
"""

from __future__ import annotations

import pandas as pd

__all__ = ["ZERO_DECIMAL_CURRENCIES", "money"]

ZERO_DECIMAL_CURRENCIES = frozenset({"JPY", "KRW"})
"""Currencies written without decimals."""


def money(value, currency: str | None) -> str:
    """Format an amount with its currency; blank when the amount is missing.

    Examples
    --------
    >>> money(12.5, "USD"), money(1300, "JPY"), money(float("nan"), "USD"), money(3, None)
    ('12.50 USD', '1,300 JPY', '', '3.00')
    """
    if value is None or pd.isna(value):
        return ""
    places = 0 if currency in ZERO_DECIMAL_CURRENCIES else 2
    text = f"{float(value):,.{places}f}"
    return f"{text} {currency}" if currency else text

