"""Public names imported on first use, so a package's ``__init__`` costs nothing to import.

Every subpackage lists what it exports and the module that defines each name; a name is imported
the first time someone asks for it. That keeps ``oos-analysis check`` from paying for the
simulator, Matplotlib or papermill, while ``from oos_analysis.metric import daily_rate`` still
works as a plain import.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from importlib import import_module

__all__ = ["lazy_exports"]


def lazy_exports(
    package: str, table: Mapping[str, str], namespace: dict
) -> tuple[Callable[[str], object], Callable[[], list[str]]]:
    """Return the module-level ``__getattr__`` and ``__dir__`` for ``package``.

    ``table`` maps each public name to the module (relative to ``package``) that defines it;
    ``namespace`` is the package's ``globals()``, where a name is cached once imported.

    Examples
    --------
    >>> getattr_, dir_ = lazy_exports("json", {"JSONDecoder": "decoder"}, {})
    >>> getattr_("JSONDecoder").__name__
    'JSONDecoder'
    >>> getattr_("nope")
    Traceback (most recent call last):
    ...
    AttributeError: module 'json' has no attribute 'nope'
    """

    def __getattr__(name: str):
        module = table.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(import_module(f"{package}.{module}"), name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted(set(namespace) | set(table))

    return __getattr__, __dir__
