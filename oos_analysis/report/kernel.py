"""The Jupyter kernel a report runs in, started early and with the notebook's imports done.

Before a report's first cell can run, the kernel process starts, imports ipykernel and opens its
channels, and the first cells then import pandas and the kit. Meanwhile the parent process
imports papermill and nbconvert and reads the exports. :class:`ReportKernel` starts the kernel
before that, so both proceed side by side on two cores, and has it import what the notebook
imports (:func:`notebook_imports`) while the parent is still busy. This runs through IPython's
``exec_lines``, outside the notebook: no cell, no output, no execution count, and no name added
to the notebook's namespace; a module that fails to import is skipped, and the notebook's own
import then reports the error in its cell. papermill is handed the running kernel's manager
(nbclient's ``km``) instead of starting a kernel itself.

The kernel is stopped at once (not gracefully: a graceful shutdown only waits 0.5-0.8 s for the
kernel to tidy up) when the report is done, when its inputs are refused, or when anything fails;
:class:`ReportKernel` is a context manager for that.

On the sample report (``benchmarks/bench_report.py --timeline``, 2 cores) the kernel is launched
0.03 s into the run, and is ready, with pandas, Matplotlib and the kit imported, before the
parent has read the exports and built the report model from them (which it hands over); the
first cell starts about 0.2 s after that, papermill's own start.
"""

from __future__ import annotations

import ast
import importlib
import json
from pathlib import Path

__all__ = ["ReportKernel", "notebook_imports", "preload", "warm"]

def notebook_imports(notebook) -> tuple[str, ...]:
    """Return the modules a notebook's code cells import at their top level, in order.

    Only absolute ``import a.b`` and ``from a.b import c`` statements count (``a.b.c`` is listed
    too, as it may be a submodule); a cell that is not plain Python (a ``%magic``) is skipped,
    and an unreadable notebook gives ``()``.

    Examples
    --------
    >>> import json, tempfile, pathlib
    >>> cells = [{"cell_type": "code", "source": "import pandas as pd\\nfrom a.b import c"},
    ...          {"cell_type": "code", "source": "%time x = 1"},
    ...          {"cell_type": "markdown", "source": "import nothing"}]
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "n.ipynb"
    >>> _ = path.write_text(json.dumps({"cells": cells}))
    >>> notebook_imports(path)
    ('pandas', 'a.b', 'a.b.c')
    """
    try:
        cells = json.loads(Path(notebook).read_text(encoding="utf-8"))["cells"]
    except (OSError, ValueError, KeyError, TypeError):
        return ()
    found: dict[str, None] = {}
    for cell in cells:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        try:
            tree = ast.parse("".join(source) if isinstance(source, list) else str(source))
        except (SyntaxError, ValueError):
            continue
        for node in tree.body:
            if isinstance(node, ast.Import):
                found.update(dict.fromkeys(alias.name for alias in node.names))
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                found[node.module] = None
                # the names may be submodules (from pkg import module); others fail quietly
                found.update(dict.fromkeys(f"{node.module}.{a.name}" for a in node.names
                                           if a.name != "*"))
    return tuple(found)


def preload(modules) -> None:
    """Import ``modules`` in the kernel, ignoring any that fail (the notebook's own import then
    reports the error where it belongs, in its cell).

    A module may name, in a ``__preload__`` tuple, the modules it imports only when first used
    (the report's display imports Matplotlib when it draws the first chart); those are imported
    too.
    """
    for name in modules:
        try:
            module = importlib.import_module(name)
        except Exception:  # noqa: BLE001,S112 - the cell importing it shows the real error
            continue
        preload(getattr(module, "__preload__", ()))


def warm(modules) -> None:
    """Preload ``modules`` (:func:`preload`) with the garbage collector paused, then move every
    object alive to its permanent generation (:func:`gc.freeze`).

    Imports make objects that live as long as the kernel, and few cycles to collect: the
    collector's passes during the preload were about an eighth of its time, and every full pass
    while the notebook then ran walked the imported modules' objects again. Frozen objects are
    never collected, which costs nothing in a kernel that ends with its report; objects made by
    the notebook are collected as usual.
    """
    import gc

    paused = gc.isenabled()
    gc.disable()
    try:
        preload(modules)
    finally:
        gc.freeze()
        if paused:
            gc.enable()


class ReportKernel:
    """A kernel started now in ``cwd`` for a report notebook that will run later.

    Parameters
    ----------
    cwd : str or Path
        The kernel's working directory: the notebook's own folder, so relative paths in it mean
        what they mean under nbval.
    kernel_name : str, default "python3"
    preload : sequence of str, optional
        Modules the kernel imports before it reports ready (:func:`notebook_imports` of the
        notebook to run); none by default.

    Attributes
    ----------
    km : jupyter_client.AsyncKernelManager
        Give it to papermill (``km=``); it must not shut the kernel down itself.
    """

    def __init__(self, cwd, *, kernel_name: str = "python3", preload=()):
        from jupyter_client.manager import AsyncKernelManager
        from jupyter_core.utils import run_sync

        self.km = AsyncKernelManager(kernel_name=kernel_name, config=_channel_config())
        # As nbclient does when it starts a kernel itself: no IPython history file on disk.
        arguments = ["--HistoryManager.hist_file=:memory:"]
        if preload:
            # Run by IPython before the first cell, outside the notebook; binds no name.
            line = f"__import__('oos_analysis.report.kernel').report.kernel.warm({tuple(preload)!r})"
            arguments.append(f"--IPKernelApp.exec_lines={[line]!r}")
        run_sync(self.km.start_kernel)(extra_arguments=arguments, cwd=str(Path(cwd)))

    @classmethod
    def for_notebook(cls, notebook, *, kernel_name: str = "python3") -> ReportKernel:
        """The kernel a report notebook runs in: in its folder, its imports preloaded."""
        notebook = Path(notebook)
        return cls(notebook.parent, kernel_name=kernel_name, preload=notebook_imports(notebook))

    def close(self) -> None:
        """Stop the kernel at once and remove its connection file; safe to call twice."""
        from jupyter_core.utils import run_sync

        km, self.km = self.km, None
        if km is None:
            return
        try:
            if run_sync(km.is_alive)():
                run_sync(km.shutdown_kernel)(now=True)
        finally:
            run_sync(km.cleanup_resources)()

    def __enter__(self) -> ReportKernel:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _channel_config():
    """Encrypt the kernel's channels when pyzmq can; it also keeps ipykernel from warning
    about plain TCP on standard error, which a cron job would mail as if it were a failure."""
    import zmq
    from traitlets.config import Config

    if not zmq.has("curve"):
        return Config()
    return Config({"KernelManager": {"transport_encryption": "auto"}})
