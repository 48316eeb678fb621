"""Run independent pieces of a report side by side, in forked copies of this process.

A report with several marketplaces computes and draws each one on its own, and Python runs one
of them at a time: the forecasts and Matplotlib's drawing hold the GIL. :func:`forked_map` gives
every item but the first to a forked child, which starts at once with everything this process
has imported and computed (nothing is imported again, nothing is sent to it), computes its item
while this process computes the first one, and sends the result back pickled through a pipe.

Results are exactly what a plain loop gives: the same function on the same inputs (each piece
gets its randomness as a seed, never from a shared generator). What a child writes to standard
output or standard error (warnings included) is written here, in the items' order, when its
result is collected, so nothing is lost and nothing is interleaved.

A child never touches what it inherited besides the inputs: it writes through its pipe and ends
with ``os._exit``, so it runs no exit handler and never uses the Jupyter kernel's sockets. Where
``os.fork`` does not exist (Windows), on a single core, or for one item, the items are computed
one after the other in this process, as before.
"""

from __future__ import annotations

import contextlib
import io
import os
import pickle
import sys
import warnings

__all__ = ["forked_map", "Forked", "can_fork", "run_captured", "replay"]


def can_fork() -> bool:
    """Whether this process can fork and has a second core to run a child on."""
    return hasattr(os, "fork") and (os.cpu_count() or 1) > 1


def forked_map(function, items) -> list:
    """Return ``[function(item) for item in items]``, the items after the first in forked children.

    An exception raised for an item is raised here, for the first such item in order. A child
    that ends without a result (killed, out of memory, a result that cannot be pickled) has its
    item computed here again.

    Examples
    --------
    >>> forked_map(lambda n: n * n, [1, 2, 3])
    [1, 4, 9]
    """
    items = list(items)
    if len(items) < 2 or not can_fork():
        return [function(item) for item in items]
    children = [Forked(function, item) for item in items[1:]]
    try:
        first = function(items[0])
    except BaseException:
        for child in children:
            child.wait()
        raise
    return [first, *(child.result() for child in children)]


class Forked:
    """``function(item)`` started now in a forked child; :meth:`result` waits for it.

    The child's result is read as soon as it is sent, by a thread that also reaps the child, so a
    result nobody asks for never leaves a process behind. Without ``os.fork`` (or on one core)
    nothing starts, and :meth:`result` computes ``function(item)`` here.
    """

    def __init__(self, function, item) -> None:
        self._function, self._item = function, item
        self._outcome = None
        self._thread = None
        self.pid: int | None = None
        """The child's process id (None when nothing was forked)."""
        if can_fork():
            import threading

            self.pid, read = _start(function, item)
            self._thread = threading.Thread(target=self._receive, args=(self.pid, read),
                                            daemon=True, name="oos-analysis forked result")
            self._thread.start()

    def _receive(self, pid: int, read: int) -> None:
        self._outcome = _collect(pid, read)

    def stop(self) -> None:
        """End the child now if it is still running (its result is then lost), and reap it."""
        if self._thread is not None and self._thread.is_alive():
            import signal

            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
        self.wait()

    def wait(self) -> None:
        """Wait until the child has ended (its result, if any, is kept)."""
        if self._thread is not None:
            self._thread.join()

    def result(self):
        """``function(item)``: the child's result, its output and warnings replayed here."""
        self.wait()
        outcome, self._outcome = self._outcome, None
        if outcome is None:  # no child, or no result from it: compute the item here
            return self._function(self._item)
        return replay(outcome)


def run_captured(function, item) -> tuple:
    """Run ``function(item)`` and keep, instead of showing, what it wrote and warned.

    Returns ``(result, exception, stdout text, stderr text, warnings)``: ``exception`` is what it
    raised (an ``Exception``; the result is then None), or None. The warnings keep their message,
    category, file and line, so the tuple pickles; :func:`replay` shows them.
    """
    out, err = io.StringIO(), io.StringIO()
    value = raised = None
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), \
            warnings.catch_warnings(record=True) as caught:
        # the filters as they are (an "error" filter still raises); only the display is caught
        try:
            value = function(item)
        except Exception as exc:  # noqa: BLE001 - raised again by replay
            raised = exc
    caught = [warnings.WarningMessage(w.message, w.category, w.filename, w.lineno)
              for w in caught]
    return value, raised, out.getvalue(), err.getvalue(), caught


def replay(outcome: tuple):
    """Write and warn here what :func:`run_captured` kept, then return its result (or raise)."""
    value, raised, output, errors, caught = outcome
    if output:
        sys.stdout.write(output)
    if errors:
        sys.stderr.write(errors)
    for w in caught:
        warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    if raised is not None:
        raise raised
    return value


def _start(function, item) -> tuple[int, int]:
    read, write = os.pipe()
    with warnings.catch_warnings():
        # Python 3.12+ warns that forking a process with threads may deadlock the child in a
        # lock another thread held; the child here takes none of those threads' locks.
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:  # the child: compute, send, and end without running anything else
        code = 1
        try:
            os.close(read)
            data = pickle.dumps(run_captured(function, item), protocol=pickle.HIGHEST_PROTOCOL)
            with os.fdopen(write, "wb") as pipe:
                pipe.write(data)
            code = 0
        finally:
            os._exit(code)
    os.close(write)
    return pid, read


def _collect(pid: int, read: int):
    """The child's outcome, or None when it ended without one."""
    with os.fdopen(read, "rb") as pipe:
        data = pipe.read()
    _, status = os.waitpid(pid, 0)
    if not data or os.waitstatus_to_exitcode(status) != 0:
        return None
    try:
        return pickle.loads(data)
    except Exception:  # noqa: BLE001 - a result that does not load: compute it again
        return None
