"""Files in, canonical frames out: the first step of the flow.

``files`` opens anything a seller hands over (gzip, byte-order marks, UTF-16, cp932) and tells
which export it is; ``delimited`` reads a tab- or comma-separated table into typed columns with
errors that name the line; one reader module per export (``order_files`` for Amazon's order flat
files, ``seller_performance``, ``stockout_log``); ``readers`` is the front door with
:func:`read_exports`; ``schema`` names every kind, column and value once. Buyer PII is dropped
here, before any value reaches a frame. Nothing in this package knows about the metric.

Exports: :class:`Export`, :class:`Exports`, :func:`read_export`, :func:`read_exports` and one
``read_*`` per export kind.
"""

from ..lazy import lazy_exports

_PUBLIC = {
    "Export": "readers",
    "Exports": "readers",
    "read_all_orders": "readers",
    "read_order_report": "readers",
    "read_cancel_download": "readers",
    "read_seller_performance": "readers",
    "read_stockout_log": "readers",
    "read_export": "readers",
    "read_exports": "readers",
}
__all__ = list(_PUBLIC)
__getattr__, __dir__ = lazy_exports(__name__, _PUBLIC, globals())
