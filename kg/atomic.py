"""Atomic writes: a temp file (or folder) beside the target, then one rename.

A reader never sees a half-written output: either the old file is still there or the new one
is complete. A failure while writing removes the temp file and leaves the target untouched.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from kg.errors import InputError


def _check_parent(path: Path) -> Path:
    """The existing folder ``path`` will be written in (an InputError if it is missing)."""
    parent = path.parent
    if not parent.is_dir():
        raise InputError(str(path), f"folder {str(parent)!r} does not exist")
    if path.is_dir():
        raise InputError(str(path), "is a folder, not a file")
    return parent


def _umask_mode(mode: int) -> int:
    umask = os.umask(0)
    os.umask(umask)
    return mode & ~umask


@contextlib.contextmanager
def atomic_open(path: str | Path, mode: str = "wb") -> Iterator[IO]:
    """Open a temp file beside ``path``; on success rename it onto ``path``, else delete it.

    ``mode`` is "wb" or "w" (text is written as UTF-8 with "\\n" line ends).
    """
    if mode not in ("wb", "w"):
        raise ValueError(f"atomic_open mode must be 'wb' or 'w', not {mode!r}")
    target = Path(path)
    parent = _check_parent(target)
    fd, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=parent)
    try:
        if mode == "w":
            handle: IO = os.fdopen(fd, "w", encoding="utf-8", newline="\n")
        else:
            handle = os.fdopen(fd, "wb")
        with handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp_name, _umask_mode(0o666))
        os.replace(temp_name, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp_name)
        raise


def atomic_write(path: str | Path, data: bytes | str) -> None:
    """Write ``data`` (bytes, or str as UTF-8) to ``path`` atomically."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    with atomic_open(path, "wb") as handle:
        handle.write(payload)


@contextlib.contextmanager
def atomic_directory(path: str | Path) -> Iterator[Path]:
    """Yield a temp folder beside ``path``; on success it replaces ``path`` as a whole.

    An existing folder at ``path`` is swapped out only after the new one is complete, so a
    failure leaves the old folder (or nothing) in place.
    """
    target = Path(path)
    parent = target.parent
    if not parent.is_dir():
        raise InputError(str(target), f"folder {str(parent)!r} does not exist")
    if target.exists() and not target.is_dir():
        raise InputError(str(target), "exists and is not a folder")
    temp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=parent))
    try:
        yield temp
        os.chmod(temp, _umask_mode(0o777))
        if target.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".old", dir=parent))
            os.replace(target, old / "previous")
            os.replace(temp, target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(temp, target)
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        raise
