"""The hands-free weekly job: fetch, import, status, report and alert, for one account or many.

``run`` is one account's run; ``logfile`` its rotated log in the store; ``status`` each
marketplace's status from the report model; ``accounts`` runs many accounts in parallel
processes; ``index`` writes their index page. The command is ``oos-analysis weekly``.

Exports: :func:`run_account`, :class:`AccountResult`, :func:`run_accounts`,
:func:`read_accounts`, :func:`write_index`.
"""

from ..lazy import lazy_exports

_PUBLIC = {
    "run_account": "run",
    "AccountResult": "run",
    "run_accounts": "accounts",
    "read_accounts": "accounts",
    "write_index": "index",
}
__all__ = list(_PUBLIC)
__getattr__, __dir__ = lazy_exports(__name__, _PUBLIC, globals())
