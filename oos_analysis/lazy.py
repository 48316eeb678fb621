"""Public names imported on first use, so a package's ``__init__`` costs nothing to import.

Every subpackage lists what it exports and the module that defines each name; a name is imported
the first time someone asks for it. That keeps ``oos-analysis check`` from paying for the
simulator, Matplotlib or papermill, while ``from oos_analysis.metric import daily_rate`` still
works as a plain import.

:func:`lazy_module` does the same for a whole third-party module (pandas, for the readers): a
stand-in that imports it on first attribute access. :func:`preload` imports a module in a
background thread, so that ``check`` can import pandas while Arrow, which releases the GIL, parses
the file.
"""

from __future__ import annotations

import sys
import threading
import types
from collections.abc import Callable, Mapping
from importlib import import_module

__all__ = ["lazy_exports", "lazy_module", "preload"]


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


class _LazyModule(types.ModuleType):
    """A module's stand-in: the first attribute asked for imports the module and copies its
    namespace here, so every later lookup is a plain module attribute (about 10 ns, where going
    through the import machinery each time took 3 µs)."""

    def __getattr__(self, attr: str):
        module = import_module(self.__name__)
        if not vars(self).get("_copied"):  # once: a name the module makes on demand comes here
            vars(self).update({k: v for k, v in vars(module).items() if k not in _OWN},
                              _copied=True)
        return getattr(module, attr)


_OWN = frozenset(vars(types.ModuleType("_")))  # the stand-in keeps its own __name__, __spec__...


def lazy_module(name: str) -> types.ModuleType:
    """A stand-in for the module ``name`` that imports it on first use.

    ``pd = lazy_module("pandas")`` at the top of a module makes ``pd.DataFrame`` work as usual,
    but pandas (0.3-0.4 s) is imported only when a function first reaches for it, not when the
    module is imported. Annotations naming ``pd.DataFrame`` need ``from __future__ import
    annotations``.

    Examples
    --------
    >>> fractions = lazy_module("fractions")
    >>> fractions.Fraction(1, 3) + fractions.Fraction(1, 6)
    Fraction(1, 2)
    """
    return _LazyModule(name)


def preload(*names: str) -> threading.Thread | None:
    """Start importing the modules ``names``, in order, in a background thread; return it.

    Those imported already are left out (None if all are). Meant to be called just before a long
    call that releases the GIL (Arrow's parse of a file), so the imports run meanwhile. A later
    ``import name`` anywhere waits for this one (the import lock) and does not import the module
    again; if an import here fails, that later import runs it again and raises its own error.
    The thread is not a daemon: a process that ends first (every file refused at once) waits
    for the import to finish rather than stop the interpreter under a half-done import.
    """
    missing = [name for name in names if name not in sys.modules]
    if not missing:
        return None
    thread = threading.Thread(target=_import_quietly, args=(missing,), daemon=False,
                              name=f"preload {' '.join(missing)}")
    thread.start()
    return thread


def _import_quietly(names: list[str]) -> None:
    for name in names:
        try:
            import_module(name)
        except BaseException:  # noqa: BLE001 - the importer's own import raises it again
            pass
