"""Alerts of the weekly run: decide whether to notify, write the message, send it (Apprise).

``decide`` applies the rules (a failed run, any AT RISK or BREACH, a change of status; never an
unchanged OK unless asked); ``message`` composes the short text; ``notify`` reads the
``[alerts]`` table and sends through Apprise (the optional ``[alerts]`` extra).

Exports: :func:`decide`, :func:`compose`, :func:`send`, :func:`alert_settings`,
:class:`AlertSettings`, :class:`AlertError`.
"""

from ..lazy import lazy_exports

_PUBLIC = {
    "decide": "decide",
    "Decision": "decide",
    "STATUSES": "decide",
    "compose": "message",
    "worst": "message",
    "send": "notify",
    "alert_settings": "notify",
    "AlertSettings": "notify",
    "AlertError": "notify",
}
__all__ = list(_PUBLIC)
__getattr__, __dir__ = lazy_exports(__name__, _PUBLIC, globals())
