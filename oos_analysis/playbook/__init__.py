"""What to do about each stuck order today, and what to write to the buyer.

``actions`` replays the stock-out log and gives every open case exactly one next action with its
due day and reason; ``messages`` renders the cancellation request and reminder from the Jinja2
templates in ``templates/`` (English and Japanese), with the marketplace's help page.

Exports: ``ACTIONS``, :func:`next_actions`, :func:`cancellation_message`,
:func:`cancellation_messages`, :func:`cancellation_url`; the policies ``REQUEST``,
``NO_REQUEST``, ``POLICIES``, the ``CAUTION`` sentence and :func:`check_policy` (``policy``).
"""

from ..lazy import lazy_exports

_PUBLIC = {
    "ACTIONS": "actions",
    "next_actions": "actions",
    "cancellation_message": "messages",
    "cancellation_messages": "messages",
    "cancellation_url": "messages",
    "REQUEST": "policy",
    "NO_REQUEST": "policy",
    "POLICIES": "policy",
    "CAUTION": "policy",
    "check_policy": "policy",
}
__all__ = list(_PUBLIC)
__getattr__, __dir__ = lazy_exports(__name__, _PUBLIC, globals())
