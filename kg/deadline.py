"""Time and size limits on running a query, so a local query never runs or grows forever.

The command line runs each step of a query (compile, run, format) in a worker thread with a
large stack, while the main thread waits at most what is left of ``--timeout``. pyoxigraph
releases the GIL while it evaluates, and rdflib is plain Python, so the main thread wakes on
time; it then prints one line and ends the process with exit code 2 (``os._exit``: a query
thread cannot be stopped, and no output file is open while the query runs). The large stack
keeps Oxigraph's recursive evaluator from overflowing the 8 MB main-thread stack on long
chains of MINUS, BIND or OPTIONAL (a segfault at a few thousand) before the timeout ends it.

The Python API cannot end the process: :func:`raising_after` raises :class:`QueryTimeout`
in the calling thread instead, at the next Python bytecode (rdflib evaluates in Python).
"""

from __future__ import annotations

import ctypes
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from kg import workers
from kg.errors import EXIT_BAD_INPUT, InputError, printable

DEFAULT_TIMEOUT = 30.0  # seconds: catalogue queries take milliseconds, 1M triples a few s
DEFAULT_MAX_ROWS = 1_000_000  # about 1.7 GB of Python rows for four columns
STACK_BYTES = 256 * 1024 * 1024  # reserved, not committed: only pages used count
RECURSION_LIMIT = 20_000  # around rdflib's parser; 64 levels of nesting need ~14,000

T = TypeVar("T")


class QueryTimeout(InputError):
    """A local query ran longer than its time limit (exit 2)."""


class TooManyResults(InputError):
    """A query's result has more rows or triples than its limit (exit 2)."""


def timeout_message(seconds: float) -> str:
    """What a query that ran out of time is told."""
    return f"the query ran longer than {seconds:g} s (--timeout)"


def check_count(count: int, limit: int | None, where: str, what: str = "rows") -> None:
    """TooManyResults once ``count`` exceeds ``limit`` (None: no limit)."""
    if limit is not None and count > limit:
        raise TooManyResults(where, f"the query returned more than {limit:,} {what} (--max-rows)")


class Budget:
    """``seconds`` of query time, spent by the steps :meth:`run` runs (command line only)."""

    def __init__(self, seconds: float, where: str) -> None:
        self.seconds = seconds
        self.where = where
        self.left = seconds

    def run(self, step: Callable[..., T], *args: object, **kwargs: object) -> T:
        """``step(*args, **kwargs)`` in a large-stack thread; exit 2 if time runs out."""
        outcome: dict[str, object] = {}

        def work() -> None:
            try:
                outcome["value"] = step(*args, **kwargs)
            except BaseException as error:  # re-raised in the main thread
                outcome["error"] = _without_frames(error)

        started = time.monotonic()
        worker = workers.start(work, "kg-query", stack_bytes=STACK_BYTES)
        ends = started + max(self.left, 0.0)
        while worker.is_alive() and time.monotonic() < ends:
            # Short waits: a signal handler (Ctrl-C) only runs between them.
            worker.join(min(0.1, max(ends - time.monotonic(), 0.0)))
        self.left -= time.monotonic() - started
        if worker.is_alive():
            self.expire()
        if "error" in outcome:
            raise outcome["error"]  # type: ignore[misc]
        return outcome["value"]  # type: ignore[return-value]

    def expire(self) -> None:
        """Print the one-line timeout message and end the process with exit code 2."""
        message = f"kg: {printable(f'{self.where}: {timeout_message(self.seconds)}')}\n"
        try:
            sys.stderr.write(message)
            sys.stderr.flush()
        finally:
            os._exit(EXIT_BAD_INPUT)


def _without_frames(error: BaseException) -> BaseException:
    """``error`` and the errors it chains to, their tracebacks dropped in this thread.

    pyoxigraph's result iterators may only be freed by the thread that made them, and a
    traceback's frames hold them; messages never need the frames.
    """
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        current.__traceback__ = None
        for chained in (current.__cause__, current.__context__):
            if chained is not None and id(chained) not in seen:
                chained.__traceback__ = None
        current = current.__context__ or current.__cause__
    return error


@contextmanager
def deep_recursion(limit: int = RECURSION_LIMIT) -> Iterator[None]:
    """Python's recursion limit raised to ``limit`` for an rdflib parse, then restored.

    rdflib's pyparsing grammar recurses about 200 frames per level of nesting, so it fails
    near 26 levels at the default limit; the text has already been checked to nest no
    deeper than ``querytext.MAX_NESTING``.
    """
    previous = sys.getrecursionlimit()
    sys.setrecursionlimit(max(previous, limit))
    try:
        yield
    finally:
        sys.setrecursionlimit(previous)


class _Expired(BaseException):
    """Raised into a thread whose query time is up (a BaseException: rdflib's broad
    ``except Exception`` handlers must not swallow it)."""


@contextmanager
def raising_after(seconds: float | None, where: str) -> Iterator[None]:
    """Raise :class:`QueryTimeout` in this thread if the block runs longer than ``seconds``.

    For the Python API on rdflib: the exception arrives at the next Python bytecode the
    thread runs. None means no limit.
    """
    if seconds is None:
        yield
        return
    thread_id = threading.get_ident()
    lock = threading.Lock()
    state = {"done": False, "fired": False}
    outer = getattr(_ends, "at", None)
    _ends.at = (time.monotonic() + seconds, where, seconds)

    def fire() -> None:
        with lock:
            if not state["done"]:
                state["fired"] = True
                _raise_in(thread_id, _Expired)

    timer = threading.Timer(seconds, fire)
    timer.daemon = True
    timer.start()
    try:
        yield
    except _Expired:
        raise QueryTimeout(where, timeout_message(seconds)) from None
    finally:
        with lock:
            state["done"] = True
            if state["fired"]:
                _raise_in(thread_id, None)  # clear one not delivered yet
        timer.cancel()
        _ends.at = outer


_ends = threading.local()  # per thread: (monotonic end, where, seconds) of raising_after


def check_time() -> None:
    """QueryTimeout if this thread's :func:`raising_after` block is past its end.

    The loops that turn a result into Python rows call it: the exception
    :func:`raising_after` sends is lost if it arrives while the thread runs a finaliser
    (``__del__``, "Exception ignored"), and the query would then run on unbounded.
    """
    ends = getattr(_ends, "at", None)
    if ends is not None and time.monotonic() > ends[0]:
        raise QueryTimeout(ends[1], timeout_message(ends[2]))


def _raise_in(thread_id: int, error: type[BaseException] | None) -> None:
    ctypes.pythonapi.PyThreadState_SetAsyncExc(
        ctypes.c_ulong(thread_id), ctypes.py_object(error) if error else None
    )
