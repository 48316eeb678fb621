"""Fetching the reports from Amazon's Selling Partner API (the optional ``[spapi]`` extra).

``settings`` reads the ``[spapi]`` table and the credentials; ``spapi`` drives the Reports API
through python-amazon-sp-api and explains Amazon's failures; ``plan`` decides each report's range
and the download names; ``fetcher`` saves the documents and imports them into the store;
``errors`` holds one error class and exit status per failure mode.

Exports: :func:`fetch_reports`, :func:`spapi_settings`, :class:`SpApiSettings`, the errors.
"""

from ..lazy import lazy_exports

_PUBLIC = {
    "fetch_reports": "fetcher",
    "report_kinds": "fetcher",
    "spapi_settings": "settings",
    "SpApiSettings": "settings",
    "FetchError": "errors",
    "CredentialsError": "errors",
    "MarketplaceError": "errors",
    "ThrottledError": "errors",
    "ReportFailedError": "errors",
    "NetworkError": "errors",
    "MissingExtraError": "errors",
}
__all__ = list(_PUBLIC)
__getattr__, __dir__ = lazy_exports(__name__, _PUBLIC, globals())
