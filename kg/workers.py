"""Threads that do kg's work beside the main thread, and leave signals to it.

Python runs signal handlers in the main thread only. When the kernel hands SIGTERM to
another thread while the main thread waits in a system call (``waitpid``, a lock, a
socket), the main thread does not wake up, and the handler waits as long as that call.
Every worker therefore blocks the stop signals, so the kernel delivers them to the main
thread, whose wait they interrupt.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable

# What stops kg: Ctrl-C, a service manager's SIGTERM, a closed terminal's SIGHUP.
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def start(target: Callable[[], object], name: str, *, stack_bytes: int = 0) -> threading.Thread:
    """Run ``target`` in a new daemon thread that never receives STOP_SIGNALS.

    ``stack_bytes`` (when not 0) is the thread's stack size; threads it starts inherit the
    blocked signals.
    """

    def run() -> None:
        if hasattr(signal, "pthread_sigmask"):
            signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
        target()

    thread = threading.Thread(target=run, name=name, daemon=True)
    previous = threading.stack_size(stack_bytes) if stack_bytes else None
    try:
        thread.start()
    finally:
        if previous is not None:
            threading.stack_size(previous)
    return thread
