"""The load progress line (kg/progress.py) drawn on a real pseudo-terminal."""

from __future__ import annotations

import os
import time

from kg import progress


def _drawn(body_seconds: float, path, size: int, opened: bool) -> str:
    master, slave = os.openpty()
    stream = os.fdopen(slave, "w", encoding="utf-8")
    try:
        with progress.reading(path, size, "loading big.nt", stream=stream):
            if opened:
                with open(path, "rb") as handle:
                    handle.read(size // 2)  # the parser is half way
                    time.sleep(body_seconds)
            else:
                time.sleep(body_seconds)
    finally:
        stream.close()
    out = b""
    os.set_blocking(master, False)
    try:
        while chunk := os.read(master, 65536):
            out += chunk
    except (BlockingIOError, OSError):
        pass
    os.close(master)
    return out.decode()


def test_the_bar_follows_the_file_position(tmp_path, monkeypatch):
    monkeypatch.setenv("KG_PROGRESS_BYTES", "10")
    path = tmp_path / "big.nt"
    path.write_bytes(b"x" * 4_000_000)
    shown = _drawn(0.6, path, 4_000_000, opened=True)
    assert "kg: loading big.nt (4 MB)  [" in shown
    assert "50%" in shown  # half of the file was read while the bar was drawn
    assert shown.endswith("\x1b[?25h\r\x1b[K")


def test_an_unknown_position_shows_the_time_elapsed(tmp_path, monkeypatch):
    monkeypatch.setenv("KG_PROGRESS_BYTES", "10")
    path = tmp_path / "big.nt"
    path.write_bytes(b"x" * 100)
    shown = _drawn(0.6, path, 4_000_000, opened=False)  # nobody opens it: no position
    assert "kg: loading big.nt (4 MB)" in shown and "0 s" in shown
    assert "50%" not in shown
    assert shown.endswith("\x1b[?25h\r\x1b[K")


def test_nothing_is_drawn_below_the_threshold(tmp_path, monkeypatch):
    monkeypatch.setenv("KG_PROGRESS_BYTES", str(10**9))
    path = tmp_path / "small.nt"
    path.write_bytes(b"x" * 100)
    assert _drawn(0.1, path, 100, opened=True) == ""
