"""Run a command with one of its output streams on a real pseudo-terminal."""

from __future__ import annotations

import os
import pty
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass
class TerminalRun:
    """The exit code, what the terminal showed, and the other stream's bytes."""

    code: int
    shown: bytes
    other: bytes


def run_on_terminal(
    args: Sequence[str],
    *,
    terminal: str,
    cwd: Path,
    env: Mapping[str, str] | None = None,
    timeout: float = 300,
) -> TerminalRun:
    """Run ``args`` with ``terminal`` ("stdout" or "stderr") on a pty, the other stream piped.

    The terminal is read until the process closes it; the piped stream is read afterwards,
    so it must stay small (a few kilobytes, as the CLI's answers here do).
    """
    leader, follower = pty.openpty()
    streams = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, terminal: follower}
    try:
        process = subprocess.Popen(
            list(args), cwd=cwd, env=None if env is None else dict(env),
            stdin=subprocess.DEVNULL, **streams,
        )  # fmt: skip
        os.close(follower)
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # the terminal closes when the process ends
                break
            if not chunk:
                break
            chunks.append(chunk)
        stdout, stderr = process.communicate(timeout=timeout)
    finally:
        os.close(leader)
    other = stderr if terminal == "stdout" else stdout
    return TerminalRun(process.returncode, b"".join(chunks), other or b"")
