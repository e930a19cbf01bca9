"""A progress line on stderr for long loads: shown on a terminal, silent when piped.

The bar is click's progress bar. It follows how far a parser has read a file, by polling the
file position of the open descriptor (``/proc/self/fdinfo`` on Linux) from a thread while
the parser, which releases the GIL, runs; where that is not available it shows the elapsed
time instead.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

import click

from kg import workers

# Files above this size (about 100,000 N-Triples lines) get a progress line; the
# KG_PROGRESS_BYTES environment variable sets another threshold.
THRESHOLD_BYTES = 10 * 1024 * 1024
_INTERVAL = 0.2
_WIDTH = 30
_CLEAR = "\x1b[?25h\r\x1b[K"  # show the cursor click hid, clear the line


def wanted(size: int, stream: TextIO | None = None) -> bool:
    """Whether a load of ``size`` bytes should show progress on ``stream`` (default stderr)."""
    stream = stream or sys.stderr
    try:
        threshold = int(os.environ.get("KG_PROGRESS_BYTES", THRESHOLD_BYTES))
        return size > threshold and stream.isatty()
    except (AttributeError, ValueError):
        return False


@contextmanager
def reading(path: Path, size: int, label: str, stream: TextIO | None = None) -> Iterator[None]:
    """Show ``label`` and how much of ``path`` has been read while the body runs.

    The line is click's progress bar (percentage and time left); where the position cannot
    be read, it shows the seconds elapsed. It is cleared when the body ends.
    """
    stream = stream or sys.stderr
    if not wanted(size, stream):
        yield
        return
    target = os.path.realpath(path)
    stop = threading.Event()
    start = time.monotonic()
    bar = click.progressbar(
        length=max(size, 1),
        label=f"kg: {label} ({size / 1e6:.0f} MB)",
        file=stream,
        width=_WIDTH,
        item_show_func=lambda elapsed: None if elapsed is None else f"{elapsed:.0f} s",
    )

    def draw() -> None:
        while not stop.wait(_INTERVAL):
            done = _position(target)
            if done is None:  # position unknown: say that it is working, and for how long
                bar.current_item = time.monotonic() - start
                bar.render_progress()
            else:
                bar.update(max(min(done, size) - bar.pos, 0))

    bar.render_progress()
    thread = workers.start(draw, "kg-progress")
    try:
        yield
    finally:
        stop.set()
        thread.join()
        stream.write(_CLEAR)
        stream.flush()


def _position(target: str) -> int | None:
    """How far this process has read ``target``, from /proc; None if it cannot tell."""
    try:
        descriptors = os.listdir("/proc/self/fd")
    except OSError:
        return None
    for fd in descriptors:
        try:
            if os.readlink(f"/proc/self/fd/{fd}") != target:
                continue
            with open(f"/proc/self/fdinfo/{fd}", encoding="ascii") as info:
                return int(info.readline().split()[1])
        except (OSError, ValueError, IndexError):
            continue
    return None
