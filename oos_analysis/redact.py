"""Quoting file content in messages without handing on buyer data or a 65,000-character line.

Messages are mailed by cron and kept in logs, so a value quoted from a file is shown through
:func:`quote`: anything that looks like an e-mail address, a phone number or a street address is
masked (``j***@***``), control characters such as NUL are shown escaped, and the text is cut to
:data:`QUOTE_CAP` characters. A value from a buyer-PII column is never shown at all. Messages name
the column and line instead, which is what the reader needs to find the cell.
"""

from __future__ import annotations

import re

__all__ = ["QUOTE_CAP", "quote", "mask", "looks_personal"]

QUOTE_CAP = 60
"""The most characters of a value a message quotes."""

_EMAIL = re.compile(r"[^\s@'\"<>(),;]+@[^\s@'\"<>(),;]*")
# 7 to 15 digits with the separators phone numbers are written with; an order id (3-7-7 digits)
# or a date is not a phone number
_PHONE = re.compile(r"(?<![\w-])\+?\(?\d[\d ().\-]{5,}\d(?![\w-])")
_ORDER_ID = re.compile(r"^\d{3}-\d{7}-\d{7}$")
_DATE = re.compile(r"^\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|^\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}")
_STREET = re.compile(
    r"\b\d{1,6}\s+(?:[A-Za-z0-9.'-]+\s+){0,4}(?:street|st|avenue|ave|road|rd|lane|ln|drive|dr|"
    r"boulevard|blvd|way|court|ct|place|pl|terrace|parkway|pkwy|highway|hwy|suite|apt)\b\.?",
    re.IGNORECASE,
)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def _phone(match: re.Match) -> str:
    text = match.group(0)
    digits = sum(c.isdigit() for c in text)
    if not 7 <= digits <= 15 or _ORDER_ID.match(text) or _DATE.match(text):
        return text
    return "***-****"


def mask(text: str) -> str:
    """Mask e-mail addresses, phone numbers and street addresses inside ``text``.

    Examples
    --------
    >>> mask("janet.roe@example.com")
    'j***@***'
    >>> mask("call +1 206-555-0147 or write to 4411 Maple Avenue")
    'call ***-**** or write to <street address>'
    >>> mask("113-8871452-8288246 on 2024-07-18T18:52:47+00:00")
    '113-8871452-8288246 on 2024-07-18T18:52:47+00:00'
    """
    text = _EMAIL.sub(lambda m: f"{m.group(0)[0]}***@***", text)
    text = _STREET.sub("<street address>", text)
    return _PHONE.sub(_phone, text)


def looks_personal(text: str) -> bool:
    """Whether ``text`` holds something :func:`mask` would hide."""
    return mask(text) != text


def quote(value: object, *, personal: bool = False) -> str:
    """``value`` as a message quotes it: masked, control characters escaped, cut, in quotes.

    ``personal=True`` (a value from a buyer-PII column, or one that may have shifted there) shows
    nothing of it.

    Examples
    --------
    >>> quote("Cancel\\x00led")
    "'Cancel\\\\x00led'"
    >>> quote("x" * 100)
    "'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...' (100 characters)"
    >>> quote("Janet Roe", personal=True)
    'a value (masked: it may be buyer data)'
    """
    if personal:
        return "a value (masked: it may be buyer data)"
    text = mask(str(value))
    text = _CONTROL.sub(lambda m: f"\\x{ord(m.group(0)):02x}", text)
    if len(text) > QUOTE_CAP:
        return f"'{text[:QUOTE_CAP]}...' ({len(str(value)):,} characters)"
    return f"'{text}'"
