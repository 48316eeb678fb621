"""The local history store, beside the readers: imports merged per order item, read back as one.

``importer`` merges exports into versioned Parquet parts; ``loader`` reads the live version back as
the same ``Exports`` the readers build; ``parts`` holds the month part files and the merge rules;
``lock`` the lock, the versions and the atomic switch; ``spans`` the manifest, covered spans
and gap days; ``integrity`` the size and SHA-256 of every file; ``fingerprint`` the SHA-256 of
an export, which names it, hashed ahead while the command starts.

Exports: :func:`import_files`, :func:`load`, :func:`contents`, :func:`manifest`,
:func:`coverage`, :func:`gap_days`, :func:`verify`, ``DEFAULT_STORE``, ``PROVENANCE_COLUMNS``.
"""

from ..lazy import lazy_exports

_PUBLIC = {
    "import_files": "importer",
    "PROVENANCE_COLUMNS": "importer",
    "load": "loader",
    "contents": "loader",
    "manifest": "spans",
    "coverage": "spans",
    "gap_days": "spans",
    "DEFAULT_STORE": "lock",
    "verify": "integrity",
}
__all__ = list(_PUBLIC)
__getattr__, __dir__ = lazy_exports(__name__, _PUBLIC, globals())
