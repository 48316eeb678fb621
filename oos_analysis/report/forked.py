"""Run independent pieces of a report side by side, in forked copies of this process.

A report with several marketplaces computes and draws each one on its own, and Python runs one
of them at a time: the forecasts and Matplotlib's drawing hold the GIL. :func:`forked_map` gives
every item but the first to a forked child, which starts with everything this process has
imported and computed (nothing is imported again, nothing is sent to it), computes its item
while this process computes the first one, and sends the result back pickled through a pipe.
At most :func:`max_children` children (one less than the cores) run at once while this
process computes the first item, one more once it only waits; a child still
running :data:`CHILD_DEADLINE` seconds after it started is killed and its item computed here.

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
import itertools
import os
import pickle
import sys
import time
import warnings

__all__ = ["forked_map", "Forked", "can_fork", "max_children", "run_captured", "replay",
           "CHILD_DEADLINE"]

_OWN_PIPE: int | None = None  # in a forked child: the write end of its pipe


CHILD_DEADLINE = 300.0
"""Seconds a forked child may run. A child still running then is taken to be stuck (on a lock
it inherited held at fork time, say): it is killed and reaped, and its item is computed here."""


def can_fork() -> bool:
    """Whether this process can fork and has a second core to run a child on."""
    return hasattr(os, "fork") and (os.cpu_count() or 1) > 1


def max_children() -> int:
    """How many forked children may run at once while this process computes too: one less than
    the cores, at least one."""
    return max(1, (os.cpu_count() or 1) - 1)


def forked_map(function, items) -> list:
    """Return ``[function(item) for item in items]``, the items after the first in forked children.

    At most :func:`max_children` children run at once while this process computes the first
    item, and one more once it only waits for them; the next starts when one is collected.
    An exception raised for an item is raised here, for the first such item in order; the
    children whose results will not be used then are killed and reaped at once (also on
    Ctrl-C), so no process is left behind. A child that ends without a result (killed, out of
    memory, a result that cannot be pickled) or is still running :data:`CHILD_DEADLINE`
    seconds after it started (killed then) has its item computed here again.

    Examples
    --------
    >>> forked_map(lambda n: n * n, [1, 2, 3])
    [1, 4, 9]
    """
    items = list(items)
    if len(items) < 2 or not can_fork():
        return [function(item) for item in items]
    rest = iter(items[1:])
    children: list[Forked] = []
    done = 0  # the children whose results are in
    try:
        children.extend(Forked(function, item) for item in itertools.islice(rest, max_children()))
        results = [function(items[0])]
        # from now on this process only waits: one more child takes its core
        children.extend(Forked(function, item) for item in itertools.islice(rest, 1))
        while done < len(children):
            results.append(children[done].result())
            done += 1
            children.extend(Forked(function, item) for item in itertools.islice(rest, 1))
    except BaseException:  # their results will not be used: end them now
        for child in children[done:]:
            child.stop()
        raise
    return results


class Forked:
    """``function(item)`` started now in a forked child; :meth:`result` waits for it.

    The child's result is read as soon as it is sent, by a thread that also reaps the child, so a
    result nobody asks for never leaves a process behind. A child still running
    :data:`CHILD_DEADLINE` seconds after it started is killed when waited for, and its item is
    computed here. Without ``os.fork``, on one core, or when the system refuses a process,
    nothing starts, and :meth:`result` computes ``function(item)`` here. With ``send=False``
    the child sends nothing back (for work that leaves its result elsewhere itself, and captures
    its own output): it is only waited for or stopped, and :meth:`result` would compute the
    item here.
    """

    def __init__(self, function, item, *, send: bool = True) -> None:
        import threading

        self._function, self._item = function, item
        self._outcome = None
        self._thread = None
        self._lock = threading.Lock()  # held while reaping, and while killing: see stop()
        self._reaped = False
        self._deadline = time.monotonic() + CHILD_DEADLINE
        self.pid: int | None = None
        """The child's process id (None when nothing was forked)."""
        if can_fork():
            try:
                self.pid, read = _start(function, item, send)
            except OSError:  # the system refused a process (a pids limit, no memory): as without
                return       # fork, result() computes the item here
            self._thread = threading.Thread(target=self._receive, args=(self.pid, read),
                                            daemon=True, name="oos-analysis forked result")
            self._thread.start()

    def _receive(self, pid: int, read: int) -> None:
        with os.fdopen(read, "rb") as pipe:
            data = pipe.read()
        if hasattr(os, "waitid"):  # wait for its end without reaping it, so not under the lock
            with contextlib.suppress(ChildProcessError):
                os.waitid(os.P_PID, pid, os.WEXITED | os.WNOWAIT)
        with self._lock:  # its pid is free for reuse once reaped: stop() must not kill then
            try:
                status = _reap(pid)
            except ChildProcessError:  # reaped elsewhere (SIGCHLD ignored): its end is unknown
                status = None
            finally:
                self._reaped = True
        self._outcome = None if status is None else _decode(data, status)

    def stop(self) -> None:
        """End the child now if it is still running (its result is then lost), and reap it."""
        if self._thread is None:
            return
        with self._lock:
            if not self._reaped:
                _kill(self.pid)
        self._thread.join()

    def wait(self) -> None:
        """Wait until the child has ended (its result, if any, is kept), or until
        :data:`CHILD_DEADLINE` seconds after it started: it is then killed and reaped."""
        if self._thread is not None:
            self._thread.join(max(0.0, self._deadline - time.monotonic()))
            if self._thread.is_alive():
                self.stop()

    def result(self):
        """``function(item)``: the child's result, its output and warnings replayed here (or
        computed here when the child gave none, or ran past :data:`CHILD_DEADLINE`)."""
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


def _start(function, item, send: bool = True) -> tuple[int, int]:
    read, write = os.pipe()
    with warnings.catch_warnings():
        # Python 3.12+ warns that forking a process with threads may deadlock the child in a
        # lock another thread held; the child here takes none of those threads' locks.
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            pid = os.fork()
        except OSError:
            os.close(read)
            os.close(write)
            raise
    if pid == 0:  # the child: compute, send, and end without running anything else
        code = 1
        try:
            global _OWN_PIPE
            os.close(read)
            if _OWN_PIPE is not None:  # a child's child: its parent's pipe is not its own, or
                os.close(_OWN_PIPE)    # killing that parent would not end its reader's wait
            _OWN_PIPE = write
            if send:
                data = pickle.dumps(run_captured(function, item), protocol=pickle.HIGHEST_PROTOCOL)
                with os.fdopen(write, "wb") as pipe:
                    pipe.write(data)
            else:  # the work leaves its result elsewhere itself; the pipe only says it ended
                function(item)
            code = 0
        finally:
            os._exit(code)
    os.close(write)
    return pid, read


def _reap(pid: int) -> int:
    return os.waitpid(pid, 0)[1]


def _kill(pid: int) -> None:
    import signal

    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


def _decode(data: bytes, status: int):
    """The child's outcome, or None when it ended without one."""
    if not data or os.waitstatus_to_exitcode(status) != 0:
        return None
    try:
        return pickle.loads(data)
    except Exception:  # noqa: BLE001 - a result that does not load: compute it again
        return None
