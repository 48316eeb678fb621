"""What can go wrong when fetching from Amazon, one class and one exit status per failure mode.

Each error is an :class:`~oos_analysis.exceptions.OOSAnalysisError`, so the command line prints
its one-paragraph message; ``exit_code`` tells a scheduler which kind of failure it was. No
message ever contains a credential, an access token or a pre-signed download address.

======  ==========================  ==========================================================
status  class                       meaning
======  ==========================  ==========================================================
3       :class:`CredentialsError`   no credentials, or Amazon refused them (expired, revoked)
4       :class:`MarketplaceError`   the seller is not registered in a requested marketplace
5       :class:`ThrottledError`     still throttled (HTTP 429) after the retries
6       :class:`ReportFailedError`  Amazon ended a report ``FATAL``; its error document is shown
7       :class:`NetworkError`       no connection, a timeout, a cut download, Amazon unavailable
8       :class:`MissingExtraError`  python-amazon-sp-api (or Apprise) is not installed
======  ==========================  ==========================================================

A report that ends ``CANCELLED`` is not an error: Amazon says it found no data for the range.
"""

from __future__ import annotations

from ..exceptions import OOSAnalysisError

__all__ = [
    "FetchError",
    "CredentialsError",
    "MarketplaceError",
    "ThrottledError",
    "ReportFailedError",
    "NetworkError",
    "MissingExtraError",
]


class FetchError(OOSAnalysisError):
    """Base class of the fetch failures; ``exit_code`` is the command's exit status."""

    exit_code = 1


class CredentialsError(FetchError):
    """No SP-API credentials were found, or Amazon refused them."""

    exit_code = 3


class MarketplaceError(FetchError):
    """A requested marketplace is not one the seller is registered in."""

    exit_code = 4


class ThrottledError(FetchError):
    """Amazon kept answering 429 (too many requests) after every retry."""

    exit_code = 5


class ReportFailedError(FetchError):
    """Amazon ended a report with ``FATAL``."""

    exit_code = 6


class NetworkError(FetchError):
    """The connection failed, timed out or was cut, or Amazon's service was unavailable."""

    exit_code = 7


class MissingExtraError(FetchError):
    """An optional library the command needs is not installed."""

    exit_code = 8
