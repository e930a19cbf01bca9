"""Atomic writes that never destroy what they do not own.

Every file ``kg`` writes goes through here: a temp file (or folder) beside the target, then
one rename. A reader never sees a half-written output: either the old file is still there or
the new one is complete. A failure or a caught signal while writing removes the temp file
and leaves the target untouched.

What a write may replace:

- a missing path (its folder must exist), or a regular file, which keeps its permission
  bits (and, when kg runs as root, its owner); a new file gets ``0666 & ~umask``;
- a symbolic link to a regular file is written through: the file it points to is replaced
  and the link stays;
- a folder output (:func:`atomic_directory`) may replace a missing path, an empty folder, or
  a folder a previous export wrote (it holds the :data:`MARKER` file and nothing but the
  files the export writes); any other folder only with ``force``; never the current folder
  or one above it, nor the home folder.

Anything else (a folder where a file is wanted, a character or block device, a FIFO, a
socket, a symbolic link to one of those or to nothing) is refused with an InputError
naming the path, and so is every OSError on the way (a missing or read-only folder, a full
disk): one line, exit 2, nothing left beside the target.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import shutil
import signal
import stat
import sys
import tempfile
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from kg.errors import InputError

# The file a folder export carries so that the next export recognises the folder as its own.
MARKER = ".kg-export"
MARKER_TEXT = (
    "This folder was written by `kg export` (ssp-kg). The next export to it replaces it\n"
    "as a whole; kg refuses to replace a folder that holds files it did not write.\n"
)

# Signals whose handlers must not run while a temp file is being created or removed.
_DEFERRED_SIGNALS = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}

# renameat2(2) flag: swap two paths in one step (Linux 3.15+, glibc 2.28+).
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100

# A temp name is ".<name>.<random>.tmp"; keep it within NAME_MAX (255 bytes).
_NAME_ROOM = 200

_KINDS = {
    stat.S_IFREG: "a regular file",  # named where a folder is wanted
    stat.S_IFDIR: "a folder",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFIFO: "a FIFO (named pipe)",
    stat.S_IFSOCK: "a socket",
    stat.S_IFLNK: "a symbolic link",
}


@dataclass(frozen=True)
class Target:
    """Where a write lands: ``path`` (symbolic links followed), named ``given`` in messages."""

    given: str
    path: Path
    existing: os.stat_result | None  # the file or folder that will be replaced, if any


# --- Messages ------------------------------------------------------------------------------


def _reason(error: OSError) -> str:
    """``No space left on device`` -> ``no space left on device``."""
    text = error.strerror or str(error) or type(error).__name__
    if text[:1].isupper() and text[1:2].islower():
        text = text[:1].lower() + text[1:]
    return text


def _write_error(given: str, error: OSError, folder: Path | None = None) -> InputError:
    if folder is not None:
        return InputError(given, f"cannot write in folder {_shown(folder)!r}: {_reason(error)}")
    return InputError(given, f"cannot write: {_reason(error)}")


def _shown(folder: Path) -> str:
    """``folder`` as short as the user would write it: relative to here when inside it."""
    try:
        relative = os.path.relpath(folder)
    except ValueError:
        return str(folder)
    return relative if not relative.startswith("..") else str(folder)


def _kind(mode: int) -> str:
    return _KINDS.get(stat.S_IFMT(mode), "not a regular file")


def _named(path: str | Path) -> str:
    """The path as the user gave it, for messages ("''" for an empty one)."""
    text = os.fspath(path)
    return text if text else "''"


# --- Signals -------------------------------------------------------------------------------


@contextlib.contextmanager
def _signals_deferred() -> Iterator[None]:
    """Hold SIGINT, SIGTERM and SIGHUP until the block ends (creating or removing a temp file).

    A handler that raises (KeyboardInterrupt, the CLI's termination) then runs after the
    block, where the caller's cleanup sees the exception, never half-way through it.
    """
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, _DEFERRED_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


# --- Checking a target ---------------------------------------------------------------------


def _lstat(given: str) -> os.stat_result | None:
    """``os.lstat`` of ``given``, None when nothing is there; other failures as InputError."""
    try:
        return os.lstat(given)
    except FileNotFoundError:
        return None
    except ValueError:  # an embedded NUL byte
        raise InputError(_named(given), "is not a usable file name") from None
    except OSError as error:
        raise InputError(_named(given), _reason(error)) from None


def _followed(given: str) -> tuple[Path, os.stat_result]:
    """The path a symbolic link finally points to and what stands there."""
    try:
        found = os.stat(given)
    except FileNotFoundError:
        message = "is a symbolic link to nothing; kg will not write through it"
        raise InputError(given, message) from None
    except OSError as error:
        raise InputError(given, f"is a symbolic link kg cannot follow: {_reason(error)}") from None
    return Path(os.path.realpath(given)), found


def _check_folder_exists(given: str, folder: Path) -> None:
    """An InputError unless ``folder`` (where ``given`` will be written) is an existing folder."""
    try:
        found = os.stat(folder)
    except FileNotFoundError:
        raise InputError(given, f"folder {_shown(folder)!r} does not exist") from None
    except OSError as error:
        raise InputError(given, f"cannot use folder {_shown(folder)!r}: {_reason(error)}") from None
    if not stat.S_ISDIR(found.st_mode):
        raise InputError(given, f"{_shown(folder)!r} is not a folder")


def file_target(path: str | Path) -> Target:
    """Where a write of the file ``path`` lands, or an InputError saying why kg will not write.

    Refused: a folder, a device, a FIFO, a socket, a symbolic link to one of those or to
    nothing, a read-only file (unless kg runs as root), a missing folder.
    """
    given = os.fspath(path)
    if not given:
        raise InputError("''", "is not a file name")
    found = _lstat(given)
    if found is None:
        if given.endswith(os.sep):
            raise InputError(given, "ends with '/', so it names a folder, not a file")
        real = Path(os.path.abspath(given))
        _check_folder_exists(given, real.parent)
        return Target(given, real, None)
    real = Path(os.path.abspath(given))
    link = stat.S_ISLNK(found.st_mode)
    if link:
        real, found = _followed(given)
    if not stat.S_ISREG(found.st_mode):
        what = _kind(found.st_mode)
        prefix = "is a symbolic link to " if link else "is "
        hint = "" if stat.S_ISDIR(found.st_mode) else " (-o - writes to standard output)"
        raise InputError(given, f"{prefix}{what}, not a regular file; kg will not replace it{hint}")
    if os.geteuid() != 0 and not os.access(real, os.W_OK):
        raise InputError(given, "is read-only; kg will not replace it")
    return Target(given, real, found)


def _entries(given: str, folder: Path) -> list[str]:
    try:
        return sorted(os.listdir(folder))
    except OSError as error:
        raise InputError(given, f"cannot list the folder: {_reason(error)}") from None


def foreign_entries(folder: Path, files: Collection[str]) -> list[str]:
    """The entries of ``folder`` an export that writes ``files`` (and the marker) did not write.

    An entry named like one of ours but that is not a regular file counts as foreign.
    """
    ours = set(files) | {MARKER}
    foreign = []
    for name in sorted(os.listdir(folder)):
        if name not in ours or not stat.S_ISREG(os.lstat(folder / name).st_mode):
            foreign.append(name)
    return foreign


def is_previous_export(folder: Path, files: Collection[str]) -> bool:
    """True if ``folder`` holds the marker and nothing but ``files``: an export of ours."""
    marker = folder / MARKER
    try:
        return stat.S_ISREG(os.lstat(marker).st_mode) and not foreign_entries(folder, files)
    except OSError:
        return False


def _inside_or_equal(inner: Path, outer: Path) -> bool:
    return inner == outer or outer in inner.parents


def _list_briefly(names: list[str], limit: int = 3) -> str:
    shown = ", ".join(repr(name) for name in names[:limit])
    more = len(names) - limit
    return f"{shown} and {more} more" if more > 0 else shown


def _refuse_a_folder_that_holds_us(given: str, real: Path) -> None:
    """Never the root, the current folder or one above it, or the home folder (even forced)."""
    here = Path(os.path.realpath(os.getcwd()))
    if real == real.parent or _inside_or_equal(here, real):
        what = "the current folder or one above it"
    elif real == Path(os.path.realpath(os.path.expanduser("~"))):
        what = "the home folder"
    else:
        return
    message = f"is {what}; kg will not replace it (give a new folder, such as neo4j-import)"
    raise InputError(given, message)


def folder_target(path: str | Path, files: Collection[str], *, force: bool = False) -> Target:
    """Where a folder export writing ``files`` to ``path`` lands, or an InputError why not.

    A missing path (in an existing folder), an empty folder and a previous export's folder
    may be replaced; any other folder only with ``force``. Never the current folder, one
    above it, the root or the home folder; never a file, a device or a symbolic link to
    anything but a folder.
    """
    given = os.fspath(path)
    if not given:
        raise InputError("''", "is not a folder name")
    found = _lstat(given)
    if found is not None and stat.S_ISLNK(found.st_mode):
        _, found = _followed(given)
    real = Path(os.path.realpath(given))
    _refuse_a_folder_that_holds_us(given, real)
    if found is None:
        _check_folder_exists(given, real.parent)
        return Target(given, real, None)
    if not stat.S_ISDIR(found.st_mode):
        raise InputError(given, f"exists and is {_kind(found.st_mode)}, not a folder")
    entries = _entries(given, real)
    if not entries or force or is_previous_export(real, files):
        return Target(given, real, found)
    foreign = foreign_entries(real, files)
    raise InputError(
        given,
        f"is a folder kg did not write (it holds {_list_briefly(foreign)}); "
        "give --force to replace it and everything in it, or choose another folder",
    )


# --- Writing files -------------------------------------------------------------------------


def _umask_mode(mode: int) -> int:
    umask = os.umask(0)
    os.umask(umask)
    return mode & ~umask


def _temp_prefix(target: Path) -> str:
    """``.NAME.``, NAME cut to its first 200 bytes so that the temp name stays under 255."""
    short = os.fsencode(target.name)[:_NAME_ROOM].decode("utf-8", "ignore")
    return f".{short}."


def _keep_owner(fd_or_path: int | str, existing: os.stat_result | None) -> None:
    """Give the new file the old one's owner and group (only root may; others keep theirs)."""
    if existing is None or os.geteuid() != 0:
        return
    with contextlib.suppress(OSError):
        os.chown(fd_or_path, existing.st_uid, existing.st_gid)


def _same_kind(target: Target) -> None:
    """An InputError if what stands at the target changed kind while kg was writing."""
    now = _lstat(str(target.path))
    if target.existing is None:
        if now is not None and not stat.S_ISREG(now.st_mode):
            raise InputError(target.given, f"became {_kind(now.st_mode)} while kg was writing")
        return
    if now is None or stat.S_IFMT(now.st_mode) != stat.S_IFMT(target.existing.st_mode):
        raise InputError(target.given, "changed while kg was writing; it was left as it is")


def _remove_quietly(path: str | Path | None) -> None:
    if path is None:
        return
    with _signals_deferred():
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):
                os.unlink(path)


def _make_temp_file(target: Target) -> tuple[int, str]:
    """A new, empty temp file beside the target; failing, an InputError naming the folder."""
    folder = target.path.parent
    try:
        return tempfile.mkstemp(prefix=_temp_prefix(target.path), suffix=".tmp", dir=folder)
    except OSError as error:
        raise _write_error(target.given, error, folder) from None


def _make_temp_folder(target: Target) -> Path:
    """A new, empty temp folder beside the target; failing, an InputError naming the folder."""
    folder = target.path.parent
    try:
        made = tempfile.mkdtemp(prefix=_temp_prefix(target.path), suffix=".tmp", dir=folder)
    except OSError as error:
        raise _write_error(target.given, error, folder) from None
    return Path(made)


@contextlib.contextmanager
def atomic_open(path: str | Path, mode: str = "wb") -> Iterator[IO]:
    """Open a temp file beside ``path``; on success rename it onto ``path``, else delete it.

    ``mode`` is "wb" or "w" (text is written as UTF-8 with "\\n" line ends). The target is
    checked first (:func:`file_target`); every OSError, raised here or by the caller's
    writes, becomes an InputError naming ``path``.
    """
    if mode not in ("wb", "w"):
        raise ValueError(f"atomic_open mode must be 'wb' or 'w', not {mode!r}")
    target = file_target(path)
    temp_name: str | None = None
    try:
        with _signals_deferred():
            fd, temp_name = _make_temp_file(target)
            if mode == "w":
                handle: IO = os.fdopen(fd, "w", encoding="utf-8", newline="\n")
            else:
                handle = os.fdopen(fd, "wb")
        with handle:
            if target.existing is not None:
                os.fchmod(fd, stat.S_IMODE(target.existing.st_mode) & 0o777)
            else:
                os.fchmod(fd, _umask_mode(0o666))
            _keep_owner(fd, target.existing)
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        _same_kind(target)
        os.replace(temp_name, target.path)
    except OSError as error:
        _remove_quietly(temp_name)
        raise _write_error(target.given, error) from None
    except BaseException:
        _remove_quietly(temp_name)
        raise


def write_all(handle: IO[bytes], payload: bytes) -> None:
    """Write every byte of ``payload``; a short write (a full disk) ends in an OSError.

    A buffered stream may report writing fewer bytes than asked instead of raising (CPython
    does so for standard output on a full disk); writing the rest then raises.
    """
    view = memoryview(payload)
    while view:
        written = handle.write(view)
        if written is None or written <= 0:
            raise OSError(errno.EIO, "the output accepted no more bytes")
        view = view[written:]


def atomic_write(path: str | Path, data: bytes | str) -> None:
    """Write ``data`` (bytes, or str as UTF-8) to ``path`` atomically."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    with atomic_open(path, "wb") as handle:
        write_all(handle, payload)


def write_stdout(payload: bytes) -> None:
    """Write ``payload`` to standard output; a failure (a full disk) is one InputError.

    A closed pipe still raises BrokenPipeError, which the CLI treats as a normal end.
    """
    stream = sys.stdout
    if stream is None:
        raise InputError("standard output", "is closed")
    try:
        write_all(stream.buffer, payload)
        stream.buffer.flush()
    except BrokenPipeError:
        raise
    except OSError as error:
        _discard_stdout(stream)
        raise _write_error("standard output", error) from None


def _discard_stdout(stream: IO) -> None:
    """Point standard output at /dev/null so the exit-time flush of what is left cannot fail."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stream.fileno())
        os.close(devnull)


# --- Writing folders -----------------------------------------------------------------------


def _exchange(first: Path, second: Path) -> bool:
    """Swap two paths in one step (renameat2 RENAME_EXCHANGE); False where that is unsupported."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    result = renameat2(
        _AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE
    )
    if result == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(code, os.strerror(code), str(second))


def _swap_folders(new: Path, target: Path) -> Path:
    """Put ``new`` at ``target``; return where the old folder now is, to be removed."""
    if _exchange(new, target):
        return new  # the old folder now stands where the new one was
    aside = Path(tempfile.mkdtemp(prefix=_temp_prefix(target), suffix=".old", dir=target.parent))
    os.replace(target, aside / "previous")
    try:
        os.replace(new, target)
    except BaseException:
        os.replace(aside / "previous", target)
        os.rmdir(aside)
        raise
    return aside


@contextlib.contextmanager
def atomic_directory(
    path: str | Path, files: Collection[str] = (), *, force: bool = False
) -> Iterator[Path]:
    """Yield a temp folder beside ``path``; on success it replaces ``path`` as a whole.

    ``files`` are the names the caller writes into it; the :data:`MARKER` file is added so
    that the next export recognises the folder (see :func:`folder_target` for what may be
    replaced). An existing folder is swapped out in one step only once the new one is
    complete, so a failure leaves the old folder (or nothing) in place.
    """
    target = folder_target(path, files, force=force)
    temp: Path | None = None
    try:
        with _signals_deferred():
            temp = _make_temp_folder(target)
        yield temp
        (temp / MARKER).write_text(MARKER_TEXT, encoding="utf-8")
        if target.existing is not None:
            os.chmod(temp, stat.S_IMODE(target.existing.st_mode) & 0o7777)
        else:
            os.chmod(temp, _umask_mode(0o777))
        for entry in (temp, *temp.iterdir()):
            _keep_owner(str(entry), target.existing)
        if target.existing is None:
            os.rename(temp, target.path)  # fails if something appeared there meanwhile
            temp = None
        else:
            _same_kind(target)
            temp = _swap_folders(temp, target.path)
    except OSError as error:
        _remove_quietly(temp)
        raise _write_error(target.given, error) from None
    except BaseException:
        _remove_quietly(temp)
        raise
    _remove_quietly(temp)
