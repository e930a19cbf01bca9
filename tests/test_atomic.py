"""kg.atomic in process: target checks, modes, owners, temp files and folder exports.

tests/test_writes.py runs the same rules through `kg` subprocesses; these call the functions
directly, so that a mutation check can trace them. Every device, FIFO and socket here is made
in the test's own temp folder (``os.mknod`` as root): a test must never point a write at a
real /dev node. Expected values come from each test's own setup, written by hand.
"""

from __future__ import annotations

import errno
import io
import os
import signal
import socket
import stat
import threading
from pathlib import Path

import pytest

from kg import atomic
from kg.atomic import MARKER, MARKER_TEXT, Target
from kg.errors import InputError

ROOT_ONLY = pytest.mark.skipif(os.geteuid() != 0, reason="os.mknod and chown need root")
HINT = " (-o - writes to standard output)"
OLD = b"<s> <p> <o> .\n"


def refused(call, *args, **kwargs) -> InputError:
    with pytest.raises(InputError) as caught:
        call(*args, **kwargs)
    return caught.value


def listing(folder: Path) -> list[str]:
    return sorted(os.listdir(folder))


def _python_step() -> None:
    """A Python call: the interpreter runs pending signal handlers on entering it."""


@pytest.fixture
def here(tmp_path, monkeypatch):
    """tmp_path as the current folder, and a home folder inside it."""
    monkeypatch.chdir(tmp_path)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    return tmp_path


@pytest.fixture
def umask_027():
    previous = os.umask(0o027)
    yield
    os.umask(previous)


def char_device(path: Path) -> Path:
    os.mknod(path, stat.S_IFCHR | 0o600, os.makedev(1, 3))  # a null device, in tmp_path
    return path


def block_device(path: Path) -> Path:
    os.mknod(path, stat.S_IFBLK | 0o600, os.makedev(7, 0))  # a loop device node, never opened
    return path


# --- Messages ------------------------------------------------------------------------------


def test_reason_lowers_a_capital_only_before_a_small_letter():
    assert atomic._reason(OSError(errno.ENOSPC, "No space left on device")) == (
        "no space left on device"
    )
    assert atomic._reason(OSError("EIO on sdb")) == "EIO on sdb"
    assert atomic._reason(OSError("Ab")) == "ab"
    assert atomic._reason(OSError("X")) == "X"
    assert atomic._reason(OSError()) == "OSError"


def test_write_error_names_the_target_and_the_folder(here):
    error = OSError(errno.ENOSPC, "No space left on device")
    plain = atomic._write_error("out.nt", error)
    assert (plain.where, plain.message) == ("out.nt", "cannot write: no space left on device")
    inside = atomic._write_error("sub/out.nt", error, here / "sub")
    assert inside.where == "sub/out.nt"
    assert inside.message == "cannot write in folder 'sub': no space left on device"


def test_shown_is_relative_inside_the_current_folder_and_absolute_outside(here):
    assert atomic._shown(here / "a" / "b") == "a/b"
    assert atomic._shown(here) == "."
    assert atomic._shown(here.parent) == str(here.parent)
    assert atomic._shown(Path("/")) == "/"
    assert atomic._shown("") == ""  # relpath refuses an empty path: shown as given


def test_kinds_are_named():
    assert atomic._kind(stat.S_IFDIR | 0o755) == "a folder"
    assert atomic._kind(stat.S_IFCHR) == "a character device"
    assert atomic._kind(stat.S_IFBLK) == "a block device"
    assert atomic._kind(stat.S_IFIFO) == "a FIFO (named pipe)"
    assert atomic._kind(stat.S_IFSOCK) == "a socket"
    assert atomic._kind(stat.S_IFLNK) == "a symbolic link"
    assert atomic._kind(stat.S_IFREG | 0o644) == "a regular file"
    assert atomic._kind(0o170000 & 0o160000) == "not a regular file"  # S_IFWHT, no such kind


def test_named_shows_an_empty_path_as_two_quotes():
    assert atomic._named("") == "''"
    assert atomic._named("out.nt") == "out.nt"
    assert atomic._named(Path("a/b")) == "a/b"


# --- Signals -------------------------------------------------------------------------------


def test_signals_are_held_inside_the_block_and_run_after_it():
    """The mask is the calling thread's: a signal sent to the process could reach another
    thread (mutmut's own, say) and run the handler at once, so this one is sent to this thread."""
    seen = []
    previous = signal.signal(signal.SIGHUP, lambda number, frame: seen.append(number))
    try:
        before = signal.pthread_sigmask(signal.SIG_BLOCK, [])
        with atomic._signals_deferred():
            inside = signal.pthread_sigmask(signal.SIG_BLOCK, [])
            signal.pthread_kill(threading.get_ident(), signal.SIGHUP)  # to this thread only
            _python_step()
            held = list(seen)
        _python_step()
        after = signal.pthread_sigmask(signal.SIG_BLOCK, [])
    finally:
        signal.signal(signal.SIGHUP, previous)
    assert {signal.SIGINT, signal.SIGTERM, signal.SIGHUP} <= inside
    assert held == []
    assert seen == [signal.SIGHUP]
    assert after == before


def test_signals_are_released_when_the_block_raises():
    before = signal.pthread_sigmask(signal.SIG_BLOCK, [])
    with pytest.raises(ValueError), atomic._signals_deferred():
        raise ValueError("inside")
    assert signal.pthread_sigmask(signal.SIG_BLOCK, []) == before


# --- Looking at a path ---------------------------------------------------------------------


def test_lstat_of_nothing_is_none_and_of_a_link_is_the_link(tmp_path):
    assert atomic._lstat(str(tmp_path / "missing")) is None
    (tmp_path / "file").write_bytes(OLD)
    (tmp_path / "link").symlink_to("file")
    assert stat.S_ISREG(atomic._lstat(str(tmp_path / "file")).st_mode)
    assert stat.S_ISLNK(atomic._lstat(str(tmp_path / "link")).st_mode)


def test_lstat_failures_are_one_input_error(tmp_path):
    (tmp_path / "file").write_bytes(OLD)
    error = refused(atomic._lstat, str(tmp_path / "file" / "x"))
    assert (error.where, error.message) == (str(tmp_path / "file" / "x"), "not a directory")
    error = refused(atomic._lstat, "a\0b")
    assert (error.where, error.message) == ("a\0b", "is not a usable file name")
    long = "n" * 300
    error = refused(atomic._lstat, long)
    assert (error.where, error.message) == (long, "file name too long")


def test_followed_gives_the_final_path_and_what_stands_there(tmp_path):
    (tmp_path / "file").write_bytes(OLD)
    (tmp_path / "one").symlink_to("file")
    (tmp_path / "two").symlink_to("one")
    path, found = atomic._followed(str(tmp_path / "two"))
    assert path == tmp_path / "file"
    assert stat.S_ISREG(found.st_mode) and found.st_size == len(OLD)


def test_followed_refuses_a_dangling_link_and_a_loop(tmp_path):
    (tmp_path / "dangling").symlink_to("nothing")
    given = str(tmp_path / "dangling")
    error = refused(atomic._followed, given)
    assert error.where == given
    assert error.message == "is a symbolic link to nothing; kg will not write through it"
    (tmp_path / "loop").symlink_to("loop")
    error = refused(atomic._followed, str(tmp_path / "loop"))
    assert error.message == (
        "is a symbolic link kg cannot follow: too many levels of symbolic links"
    )


def test_check_folder_exists(here):
    (here / "sub").mkdir()
    atomic._check_folder_exists("sub/out.nt", here / "sub")  # no error
    error = refused(atomic._check_folder_exists, "gone/out.nt", here / "gone")
    assert (error.where, error.message) == ("gone/out.nt", "folder 'gone' does not exist")
    (here / "plain").write_bytes(OLD)
    error = refused(atomic._check_folder_exists, "plain/out.nt", here / "plain")
    assert error.message == "'plain' is not a folder"
    error = refused(atomic._check_folder_exists, "plain/x/out.nt", here / "plain" / "x")
    assert error.message == "cannot use folder 'plain/x': not a directory"


# --- file_target ---------------------------------------------------------------------------


def test_a_new_file_in_an_existing_folder_is_a_target(here):
    target = atomic.file_target("new.nt")
    assert target == Target("new.nt", here / "new.nt", None)
    target = atomic.file_target(Path("new.nt"))
    assert target.given == "new.nt" and target.path == here / "new.nt"


def test_a_regular_file_is_a_target_with_what_it_replaces(here):
    (here / "old.nt").write_bytes(OLD)
    target = atomic.file_target("old.nt")
    assert (target.given, target.path) == ("old.nt", here / "old.nt")
    assert target.existing.st_size == len(OLD)
    assert target.existing.st_ino == os.stat(here / "old.nt").st_ino


def test_a_link_to_a_regular_file_targets_the_file(here):
    (here / "real.nt").write_bytes(OLD)
    (here / "link.nt").symlink_to("real.nt")
    target = atomic.file_target("link.nt")
    assert (target.given, target.path) == ("link.nt", here / "real.nt")
    assert stat.S_ISREG(target.existing.st_mode)


def test_empty_and_slash_ended_names_are_refused(here):
    error = refused(atomic.file_target, "")
    assert (error.where, error.message) == ("''", "is not a file name")
    error = refused(atomic.file_target, "new/")
    assert error.where == "new/"
    assert error.message == "ends with '/', so it names a folder, not a file"


def test_a_new_file_in_a_missing_folder_is_refused(here):
    error = refused(atomic.file_target, "gone/new.nt")
    assert (error.where, error.message) == ("gone/new.nt", "folder 'gone' does not exist")


def test_a_folder_is_refused_without_the_stdout_hint(here):
    (here / "d").mkdir()
    error = refused(atomic.file_target, "d")
    assert error.message == "is a folder, not a regular file; kg will not replace it"


def _special(here: Path) -> dict[str, str]:
    os.mkfifo(here / "fifo")
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind("sock")  # relative: a long tmp_path would pass the 108-byte limit
    kinds = {"fifo": "a FIFO (named pipe)", "sock": "a socket"}
    if os.geteuid() == 0:
        char_device(here / "chr")
        block_device(here / "blk")
        kinds |= {"chr": "a character device", "blk": "a block device"}
    return kinds


def test_fifos_sockets_and_devices_are_refused_and_left_alone(here):
    kinds = _special(here)
    before = {name: os.lstat(name) for name in kinds}
    for name, kind in kinds.items():
        error = refused(atomic.file_target, name)
        assert error.where == name
        assert error.message == f"is {kind}, not a regular file; kg will not replace it{HINT}"
        with pytest.raises(InputError):
            atomic.atomic_write(name, b"new\n")
    for name in kinds:
        now = os.lstat(name)
        assert (stat.S_IFMT(now.st_mode), now.st_ino) == (
            stat.S_IFMT(before[name].st_mode),
            before[name].st_ino,
        )
    assert listing(here) == sorted(["home", *kinds])


def test_links_to_fifos_sockets_devices_and_folders_are_refused(here):
    kinds = _special(here)
    (here / "d").mkdir()
    for name, kind in {**kinds, "d": "a folder"}.items():
        os.symlink(name, f"to-{name}")
        error = refused(atomic.file_target, f"to-{name}")
        hint = "" if name == "d" else HINT
        assert error.message == (
            f"is a symbolic link to {kind}, not a regular file; kg will not replace it{hint}"
        )
        assert os.readlink(f"to-{name}") == name


def test_a_dangling_link_is_refused_as_a_file_target(here):
    os.symlink("nothing", "dangling")
    error = refused(atomic.file_target, "dangling")
    assert error.message == "is a symbolic link to nothing; kg will not write through it"
    assert not (here / "nothing").exists()


def test_a_read_only_file_is_refused_unless_root(here, monkeypatch):
    (here / "ro.nt").write_bytes(OLD)
    asked = []

    def no_write(path, mode):
        asked.append((Path(path), mode))
        return False

    monkeypatch.setattr(os, "access", no_write)
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    error = refused(atomic.file_target, "ro.nt")
    assert (error.where, error.message) == ("ro.nt", "is read-only; kg will not replace it")
    assert asked == [(here / "ro.nt", os.W_OK)]
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    assert atomic.file_target("ro.nt").path == here / "ro.nt"
    assert len(asked) == 1  # root is not asked: it may replace a read-only file


# --- Folder checks -------------------------------------------------------------------------


def test_entries_are_sorted_and_a_failure_is_one_error(tmp_path):
    for name in ("b", "a", ".c"):
        (tmp_path / name).write_bytes(b"")
    assert atomic._entries("given", tmp_path) == [".c", "a", "b"]
    error = refused(atomic._entries, "given", tmp_path / "gone")
    assert (error.where, error.message) == (
        "given",
        "cannot list the folder: no such file or directory",
    )


def test_foreign_entries_are_those_an_export_did_not_write(tmp_path):
    for name in (MARKER, "nodes.csv", "zz.txt", "notes.md"):
        (tmp_path / name).write_bytes(b"x")
    (tmp_path / "edges.csv").mkdir()  # our name, but a folder
    (tmp_path / "rels.csv").symlink_to("nodes.csv")  # our name, but a link
    files = ["nodes.csv", "edges.csv", "rels.csv"]
    assert atomic.foreign_entries(tmp_path, files) == [
        "edges.csv",
        "notes.md",
        "rels.csv",
        "zz.txt",
    ]
    assert atomic.foreign_entries(tmp_path, [*files, "notes.md", "zz.txt"]) == [
        "edges.csv",
        "rels.csv",
    ]


def test_a_previous_export_holds_the_marker_and_only_its_files(tmp_path):
    files = ["nodes.csv"]
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "nodes.csv").write_bytes(b"x")
    assert not atomic.is_previous_export(folder, files)  # no marker
    (folder / MARKER).write_text(MARKER_TEXT, encoding="utf-8")
    assert atomic.is_previous_export(folder, files)
    assert atomic.is_previous_export(folder, []) is False  # nodes.csv is then foreign
    (folder / "mine.txt").write_bytes(b"x")
    assert not atomic.is_previous_export(folder, files)
    other = tmp_path / "other"
    (other / MARKER).mkdir(parents=True)  # a folder named like the marker
    assert not atomic.is_previous_export(other, [])
    assert atomic.is_previous_export(tmp_path / "gone", files) is False


def test_inside_or_equal():
    assert atomic._inside_or_equal(Path("/a/b"), Path("/a/b"))
    assert atomic._inside_or_equal(Path("/a/b/c"), Path("/a"))
    assert not atomic._inside_or_equal(Path("/a"), Path("/a/b"))
    assert not atomic._inside_or_equal(Path("/ab"), Path("/a"))


def test_list_briefly_names_three_then_counts():
    assert atomic._list_briefly(["a"]) == "'a'"
    assert atomic._list_briefly(["a", "b", "c"]) == "'a', 'b', 'c'"
    assert atomic._list_briefly(["a", "b", "c", "d"]) == "'a', 'b', 'c' and 1 more"
    assert atomic._list_briefly(["a", "b", "c", "d", "e"], 2) == "'a', 'b' and 3 more"
    assert atomic._list_briefly([]) == ""


REFUSAL = "; kg will not replace it (give a new folder, such as neo4j-import)"


def test_the_current_folder_those_above_it_and_home_are_refused(here, tmp_path):
    work = here / "work" / "deep"
    work.mkdir(parents=True)
    os.chdir(work)
    cases = {
        str(work): "the current folder or one above it",
        ".": "the current folder or one above it",
        "..": "the current folder or one above it",
        str(here): "the current folder or one above it",
        "/": "the current folder or one above it",
        str(here / "home"): "the home folder",
    }
    for given, what in cases.items():
        for force in (False, True):
            error = refused(atomic.folder_target, given, [], force=force)
            assert (error.where, error.message) == (given, f"is {what}{REFUSAL}")
        error = refused(atomic._refuse_a_folder_that_holds_us, given, Path(os.path.realpath(given)))
        assert error.message == f"is {what}{REFUSAL}"
    atomic._refuse_a_folder_that_holds_us("x", here / "work" / "sibling")  # no error
    atomic._refuse_a_folder_that_holds_us("x", work / "below")  # no error


def test_a_link_to_home_is_refused_as_home(here):
    os.symlink(here / "home", here / "to-home")
    error = refused(atomic.folder_target, str(here / "to-home"), [], force=True)
    assert error.message == f"is the home folder{REFUSAL}"


# --- folder_target -------------------------------------------------------------------------


def test_folder_targets_that_may_be_replaced(here):
    assert atomic.folder_target("new", []) == Target("new", here / "new", None)
    (here / "empty").mkdir()
    target = atomic.folder_target("empty", ["nodes.csv"])
    assert target.path == here / "empty" and stat.S_ISDIR(target.existing.st_mode)
    (here / "prev").mkdir()
    (here / "prev" / MARKER).write_text(MARKER_TEXT, encoding="utf-8")
    (here / "prev" / "nodes.csv").write_bytes(b"x")
    assert atomic.folder_target("prev", ["nodes.csv"]).path == here / "prev"
    os.symlink("prev", "link")
    target = atomic.folder_target("link", ["nodes.csv"])
    assert (target.given, target.path) == ("link", here / "prev")
    assert target.existing.st_ino == os.stat(here / "prev").st_ino


def test_a_folder_kg_did_not_write_is_refused_unless_forced(here):
    folder = here / "d"
    folder.mkdir()
    for name in ("thesis.txt", "a.txt", "b.txt", "c.txt"):
        (folder / name).write_bytes(b"mine")
    error = refused(atomic.folder_target, "d", ["nodes.csv"])
    assert (error.where, error.message) == (
        "d",
        "is a folder kg did not write (it holds 'a.txt', 'b.txt', 'c.txt' and 1 more); "
        "give --force to replace it and everything in it, or choose another folder",
    )
    target = atomic.folder_target("d", ["nodes.csv"], force=True)
    assert target.path == folder and target.existing is not None
    assert listing(folder) == ["a.txt", "b.txt", "c.txt", "thesis.txt"]


def test_a_marker_with_a_foreign_file_is_refused(here):
    (here / "d").mkdir()
    (here / "d" / MARKER).write_text(MARKER_TEXT, encoding="utf-8")
    (here / "d" / "notes.md").write_bytes(b"mine")
    error = refused(atomic.folder_target, "d", ["nodes.csv"])
    assert "(it holds 'notes.md')" in error.message


def test_folder_targets_that_are_refused(here):
    error = refused(atomic.folder_target, "", [])
    assert (error.where, error.message) == ("''", "is not a folder name")
    error = refused(atomic.folder_target, "gone/new", [])
    assert (error.where, error.message) == ("gone/new", "folder 'gone' does not exist")
    (here / "file").write_bytes(OLD)
    error = refused(atomic.folder_target, "file", [], force=True)
    assert error.message == "exists and is a regular file, not a folder"
    os.mkfifo("fifo")
    error = refused(atomic.folder_target, "fifo", [], force=True)
    assert error.message == "exists and is a FIFO (named pipe), not a folder"
    os.symlink("fifo", "to-fifo")
    error = refused(atomic.folder_target, "to-fifo", [], force=True)
    assert error.message == "exists and is a FIFO (named pipe), not a folder"
    os.symlink("nothing", "dangling")
    error = refused(atomic.folder_target, "dangling", [], force=True)
    assert error.message == "is a symbolic link to nothing; kg will not write through it"
    assert (here / "file").read_bytes() == OLD and stat.S_ISFIFO(os.lstat("fifo").st_mode)


@ROOT_ONLY
def test_a_device_is_not_a_folder_target(here):
    char_device(here / "chr")
    error = refused(atomic.folder_target, "chr", [], force=True)
    assert error.message == "exists and is a character device, not a folder"
    assert stat.S_ISCHR(os.lstat("chr").st_mode)


# --- Writing files -------------------------------------------------------------------------


def test_umask_mode_applies_the_umask_and_keeps_it(umask_027):
    assert atomic._umask_mode(0o666) == 0o640
    assert atomic._umask_mode(0o777) == 0o750
    assert os.umask(0o027) == 0o027


def test_temp_prefix_is_the_name_cut_to_200_bytes():
    assert atomic._temp_prefix(Path("/x/out.nt")) == ".out.nt."
    assert atomic._temp_prefix(Path("a" * 254)) == "." + "a" * 200 + "."
    assert atomic._temp_prefix(Path("é" * 150)) == "." + "é" * 100 + "."
    assert atomic._temp_prefix(Path("a" + "é" * 150)) == ".a" + "é" * 99 + "."  # a cut é dropped


@ROOT_ONLY
def test_keep_owner_as_root_and_not_otherwise(tmp_path, monkeypatch):
    old = tmp_path / "old"
    old.write_bytes(OLD)
    os.chown(old, 1234, 5678)
    new = tmp_path / "new"
    new.write_bytes(b"")
    atomic._keep_owner(str(new), os.stat(old))
    assert (os.stat(new).st_uid, os.stat(new).st_gid) == (1234, 5678)
    other = tmp_path / "other"
    other.write_bytes(b"")
    atomic._keep_owner(str(other), None)
    assert (os.stat(other).st_uid, os.stat(other).st_gid) == (0, 0)
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    atomic._keep_owner(str(other), os.stat(old))
    assert (os.stat(other).st_uid, os.stat(other).st_gid) == (0, 0)


def test_same_kind_for_a_new_target(tmp_path):
    target = Target("out", tmp_path / "out", None)
    atomic._same_kind(target)  # still nothing there: fine
    (tmp_path / "out").write_bytes(b"")
    atomic._same_kind(target)  # a regular file appeared: replaced like any other
    os.unlink(tmp_path / "out")
    os.mkfifo(tmp_path / "out")
    error = refused(atomic._same_kind, target)
    assert (error.where, error.message) == (
        "out",
        "became a FIFO (named pipe) while kg was writing",
    )


def test_same_kind_for_a_replaced_target(tmp_path):
    (tmp_path / "out").write_bytes(OLD)
    target = Target("out", tmp_path / "out", os.stat(tmp_path / "out"))
    atomic._same_kind(target)
    changed = "changed while kg was writing; it was left as it is"
    os.unlink(tmp_path / "out")
    assert refused(atomic._same_kind, target).message == changed
    (tmp_path / "out").mkdir()
    error = refused(atomic._same_kind, target)
    assert (error.where, error.message) == ("out", changed)


def test_remove_quietly_removes_files_and_trees_but_not_through_links(tmp_path):
    atomic._remove_quietly(None)
    atomic._remove_quietly(tmp_path / "gone")  # nothing there: no error
    (tmp_path / "file").write_bytes(b"x")
    atomic._remove_quietly(tmp_path / "file")
    (tmp_path / "tree" / "sub").mkdir(parents=True)
    (tmp_path / "tree" / "sub" / "f").write_bytes(b"x")
    atomic._remove_quietly(str(tmp_path / "tree"))
    (tmp_path / "kept").mkdir()
    (tmp_path / "kept" / "f").write_bytes(b"x")
    (tmp_path / "link").symlink_to("kept")
    atomic._remove_quietly(tmp_path / "link")
    assert listing(tmp_path) == ["kept"]
    assert listing(tmp_path / "kept") == ["f"]


def test_temp_file_and_folder_are_made_beside_the_target(here):
    target = Target("out.nt", here / "out.nt", None)
    fd, name = atomic._make_temp_file(target)
    os.close(fd)
    assert Path(name).parent == here
    assert Path(name).name.startswith(".out.nt.") and name.endswith(".tmp")
    made = atomic._make_temp_folder(target)
    assert made.parent == here and made.is_dir()
    assert made.name.startswith(".out.nt.") and made.name.endswith(".tmp")
    assert listing(here) == sorted(["home", Path(name).name, made.name])


def test_temp_file_and_folder_failures_name_the_folder(here):
    target = Target("gone/out.nt", here / "gone" / "out.nt", None)
    for make in (atomic._make_temp_file, atomic._make_temp_folder):
        error = refused(make, target)
        assert (error.where, error.message) == (
            "gone/out.nt",
            "cannot write in folder 'gone': no such file or directory",
        )


def test_atomic_open_writes_bytes_and_text(here, umask_027):
    with atomic.atomic_open("b.nt") as handle:
        handle.write(b"\x00\xff")
    assert (here / "b.nt").read_bytes() == b"\x00\xff"
    with atomic.atomic_open("t.nt", "w") as handle:
        handle.write("é\n")
    assert (here / "t.nt").read_bytes() == b"\xc3\xa9\n"
    assert stat.S_IMODE(os.stat("t.nt").st_mode) == 0o640
    assert listing(here) == ["b.nt", "home", "t.nt"]


def test_atomic_open_refuses_other_modes(here):
    for mode in ("ab", "r", "w+", "x"):
        with pytest.raises(ValueError) as caught, atomic.atomic_open("m.nt", mode):
            pass
        assert str(caught.value) == f"atomic_open mode must be 'wb' or 'w', not {mode!r}"
    assert listing(here) == ["home"]


def test_a_replaced_file_keeps_its_mode_less_the_special_bits(here):
    for mode, kept in ((0o600, 0o600), (0o751, 0o751), (0o4755, 0o755), (0o2640, 0o640)):
        (here / "f").write_bytes(OLD)
        os.chmod("f", mode)
        atomic.atomic_write("f", b"new\n")
        assert stat.S_IMODE(os.stat("f").st_mode) == kept, oct(mode)
        assert (here / "f").read_bytes() == b"new\n"


@ROOT_ONLY
def test_a_replaced_file_keeps_its_owner_and_a_new_one_is_roots(here):
    (here / "f").write_bytes(OLD)
    os.chown("f", 1234, 5678)
    atomic.atomic_write("f", b"new\n")
    assert (os.stat("f").st_uid, os.stat("f").st_gid) == (1234, 5678)
    atomic.atomic_write("g", b"new\n")
    assert (os.stat("g").st_uid, os.stat("g").st_gid) == (0, 0)


def test_a_write_through_a_link_replaces_the_file_and_keeps_the_link(here):
    (here / "real.nt").write_bytes(OLD)
    os.chmod("real.nt", 0o640)
    os.symlink("real.nt", "link.nt")
    atomic.atomic_write("link.nt", "new\n")
    assert os.readlink("link.nt") == "real.nt"
    assert (here / "real.nt").read_bytes() == b"new\n"
    assert stat.S_IMODE(os.stat("real.nt").st_mode) == 0o640
    assert listing(here) == ["home", "link.nt", "real.nt"]


class Boom(Exception):
    pass


@pytest.mark.parametrize("error", [Boom("writer"), KeyboardInterrupt(), SystemExit(143)])
def test_a_failing_writer_leaves_the_old_file_and_no_temp(here, error):
    (here / "f").write_bytes(OLD)
    with pytest.raises(type(error)), atomic.atomic_open("f") as handle:
        handle.write(b"half")
        handle.flush()
        assert len(listing(here)) == 3  # the temp file is there while writing
        raise error
    assert (here / "f").read_bytes() == OLD
    assert listing(here) == ["f", "home"]


def test_a_signal_while_writing_leaves_the_old_file_and_no_temp(here):
    (here / "f").write_bytes(OLD)
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with pytest.raises(KeyboardInterrupt), atomic.atomic_open("f") as handle:
            handle.write(b"half")
            signal.pthread_kill(threading.get_ident(), signal.SIGINT)
            _python_step()
            handle.write(b"never")  # not reached: the handler raised in _python_step
    finally:
        signal.signal(signal.SIGINT, previous)
    assert (here / "f").read_bytes() == OLD
    assert listing(here) == ["f", "home"]


def test_an_os_error_while_writing_is_one_input_error_and_no_temp(here):
    (here / "f").write_bytes(OLD)
    with pytest.raises(InputError) as caught, atomic.atomic_open("f"):
        raise OSError(errno.ENOSPC, "No space left on device")
    assert (caught.value.where, caught.value.message) == (
        "f",
        "cannot write: no space left on device",
    )
    assert (here / "f").read_bytes() == OLD
    assert listing(here) == ["f", "home"]


def test_a_target_that_became_a_fifo_is_left_alone(here):
    with pytest.raises(InputError) as caught, atomic.atomic_open("out") as handle:
        handle.write(b"new")
        os.mkfifo("out")
    assert caught.value.message == "became a FIFO (named pipe) while kg was writing"
    assert stat.S_ISFIFO(os.lstat("out").st_mode)
    assert listing(here) == ["home", "out"]


def test_a_refused_target_leaves_no_temp(here):
    (here / "d").mkdir()
    with pytest.raises(InputError), atomic.atomic_open("d"):
        pytest.fail("the block must not run for a refused target")
    assert listing(here) == ["d", "home"] and listing(here / "d") == []


class Chunks:
    """A stream that takes at most ``size`` bytes a call, then (with ``stop``) none."""

    def __init__(self, size: int, stop: int | None = None, none: bool = False) -> None:
        self.size, self.stop, self.none = size, stop, none
        self.data = b""
        self.calls = 0

    def write(self, view) -> int | None:
        self.calls += 1
        if self.stop is not None and self.calls > self.stop:
            assert self.calls == self.stop + 1, "write called again after it took nothing"
            return None if self.none else 0
        taken = bytes(view[: self.size])
        self.data += taken
        return len(taken)


def test_write_all_writes_every_byte_through_short_writes():
    stream = Chunks(3)
    atomic.write_all(stream, b"abcdefgh")
    assert stream.data == b"abcdefgh" and stream.calls == 3
    empty = Chunks(3)
    atomic.write_all(empty, b"")
    assert empty.calls == 0


@pytest.mark.parametrize("none", [False, True])
def test_write_all_raises_when_the_stream_takes_nothing(none):
    stream = Chunks(2, stop=2, none=none)
    with pytest.raises(OSError) as caught:
        atomic.write_all(stream, b"abcdefgh")
    assert caught.value.errno == errno.EIO
    assert caught.value.strerror == "the output accepted no more bytes"
    assert stream.data == b"abcd" and stream.calls == 3


def test_atomic_write_takes_bytes_and_text(here):
    atomic.atomic_write("a", b"\xc3")
    atomic.atomic_write(Path("b"), "é")
    assert (here / "a").read_bytes() == b"\xc3"
    assert (here / "b").read_bytes() == b"\xc3\xa9"


class FakeStdout:
    def __init__(self, buffer, fd: int = -1) -> None:
        self.buffer = buffer
        self.fd = fd

    def fileno(self) -> int:
        if self.fd < 0:
            raise io.UnsupportedOperation("fileno")
        return self.fd


class FullBuffer(io.BytesIO):
    def __init__(self, error: OSError) -> None:
        super().__init__()
        self.error = error

    def write(self, data) -> int:
        raise self.error


def test_write_stdout_writes_and_flushes(monkeypatch):
    buffer = io.BytesIO()
    monkeypatch.setattr("sys.stdout", FakeStdout(buffer))
    atomic.write_stdout(b"abc\n")
    assert buffer.getvalue() == b"abc\n"


def test_write_stdout_when_closed_or_full(monkeypatch, tmp_path):
    monkeypatch.setattr("sys.stdout", None)
    error = refused(atomic.write_stdout, b"x")
    assert (error.where, error.message) == ("standard output", "is closed")
    fd = os.open(tmp_path / "out", os.O_WRONLY | os.O_CREAT)
    try:
        full = FullBuffer(OSError(errno.ENOSPC, "No space left on device"))
        monkeypatch.setattr("sys.stdout", FakeStdout(full, fd))
        error = refused(atomic.write_stdout, b"x")
        assert (error.where, error.message) == (
            "standard output",
            "cannot write: no space left on device",
        )
        assert stat.S_ISCHR(os.fstat(fd).st_mode)  # now /dev/null, so a last flush cannot fail
        assert os.fstat(fd).st_rdev == os.stat(os.devnull).st_rdev
    finally:
        os.close(fd)
    assert (tmp_path / "out").read_bytes() == b""


def test_write_stdout_lets_a_broken_pipe_through(monkeypatch, tmp_path):
    fd = os.open(tmp_path / "out", os.O_WRONLY | os.O_CREAT)
    try:
        monkeypatch.setattr("sys.stdout", FakeStdout(FullBuffer(BrokenPipeError()), fd))
        with pytest.raises(BrokenPipeError):
            atomic.write_stdout(b"x")
        assert stat.S_ISREG(os.fstat(fd).st_mode)  # not redirected: the CLI ends normally
    finally:
        os.close(fd)


def test_discard_stdout_ignores_a_stream_without_a_file():
    atomic._discard_stdout(FakeStdout(io.BytesIO()))  # no error


# --- Writing folders -----------------------------------------------------------------------


def test_exchange_swaps_two_folders(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "from-a").write_bytes(b"")
    (tmp_path / "b").mkdir()
    assert atomic._exchange(tmp_path / "a", tmp_path / "b") is True
    assert listing(tmp_path / "a") == [] and listing(tmp_path / "b") == ["from-a"]


def test_exchange_errors(tmp_path):
    (tmp_path / "b").mkdir()
    with pytest.raises(OSError) as caught:
        atomic._exchange(tmp_path / "gone", tmp_path / "b")
    assert caught.value.errno == errno.ENOENT
    assert caught.value.filename == str(tmp_path / "b")
    assert caught.value.strerror == "No such file or directory"
    (tmp_path / "b" / "inner").mkdir()  # a folder into itself: EINVAL, taken as unsupported
    assert atomic._exchange(tmp_path / "b", tmp_path / "b" / "inner") is False
    assert listing(tmp_path / "b") == ["inner"]


def test_swap_folders_without_exchange(tmp_path, monkeypatch):
    monkeypatch.setattr(atomic, "_exchange", lambda first, second: False)
    (tmp_path / "new").mkdir()
    (tmp_path / "new" / "fresh").write_bytes(b"")
    (tmp_path / "target").mkdir()
    (tmp_path / "target" / "stale").write_bytes(b"")
    aside = atomic._swap_folders(tmp_path / "new", tmp_path / "target")
    assert listing(tmp_path / "target") == ["fresh"]
    assert aside.parent == tmp_path
    assert aside.name.startswith(".target.") and aside.name.endswith(".old")
    assert listing(aside) == ["previous"] and listing(aside / "previous") == ["stale"]
    assert listing(tmp_path) == sorted([aside.name, "target"])


def test_swap_folders_without_exchange_puts_the_old_one_back_on_failure(tmp_path, monkeypatch):
    monkeypatch.setattr(atomic, "_exchange", lambda first, second: False)
    (tmp_path / "new").mkdir()
    (tmp_path / "target").mkdir()
    (tmp_path / "target" / "stale").write_bytes(b"")
    real_replace = os.replace

    def replace(source, destination):
        if Path(source) == tmp_path / "new":
            raise OSError(errno.EXDEV, "Invalid cross-device link")
        real_replace(source, destination)

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(OSError) as caught:
        atomic._swap_folders(tmp_path / "new", tmp_path / "target")
    assert caught.value.errno == errno.EXDEV
    assert listing(tmp_path) == ["new", "target"]
    assert listing(tmp_path / "target") == ["stale"]


def test_swap_folders_with_exchange_returns_the_old_one(tmp_path):
    (tmp_path / "new").mkdir()
    (tmp_path / "new" / "fresh").write_bytes(b"")
    (tmp_path / "target").mkdir()
    (tmp_path / "target" / "stale").write_bytes(b"")
    old = atomic._swap_folders(tmp_path / "new", tmp_path / "target")
    assert old == tmp_path / "new" and listing(old) == ["stale"]
    assert listing(tmp_path / "target") == ["fresh"]


def _export(path, files=("nodes.csv",), **options) -> Path:
    with atomic.atomic_directory(path, files, **options) as folder:
        for name in files:
            (folder / name).write_text(f"{name}\n", encoding="utf-8")
    return Path(path)


def test_a_new_folder_export_gets_the_marker_and_the_umask(here, umask_027):
    _export("out", ["nodes.csv", "edges.csv"])
    assert listing(here) == ["home", "out"]
    assert listing(here / "out") == [MARKER, "edges.csv", "nodes.csv"]
    assert (here / "out" / MARKER).read_text(encoding="utf-8") == MARKER_TEXT
    assert (here / "out" / "nodes.csv").read_text(encoding="utf-8") == "nodes.csv\n"
    assert stat.S_IMODE(os.stat("out").st_mode) == 0o750


def test_a_previous_export_is_replaced_as_a_whole(here):
    _export("out", ["nodes.csv", "edges.csv"])
    (here / "out" / "nodes.csv").write_text("old\n", encoding="utf-8")
    _export("out", ["nodes.csv", "edges.csv"])
    assert (here / "out" / "nodes.csv").read_text(encoding="utf-8") == "nodes.csv\n"
    _export("out", ["nodes.csv", "edges.csv"])
    assert listing(here) == ["home", "out"]


def test_an_export_with_fewer_files_replaces_the_previous_one(here):
    _export("out", ["nodes.csv", "edges.csv"])
    _export("out", ["nodes.csv", "edges.csv", "more.csv"])
    assert listing(here / "out") == [MARKER, "edges.csv", "more.csv", "nodes.csv"]


def test_an_empty_folder_keeps_its_mode_and_owner(here):
    (here / "out").mkdir()
    os.chmod("out", 0o2750)
    if os.geteuid() == 0:
        os.chown("out", 1234, 5678)
    _export("out")
    assert stat.S_IMODE(os.stat("out").st_mode) == 0o2750
    if os.geteuid() == 0:
        for path in ("out", "out/nodes.csv", f"out/{MARKER}"):
            assert (os.stat(path).st_uid, os.stat(path).st_gid) == (1234, 5678), path
    assert listing(here) == ["home", "out"]


@ROOT_ONLY
def test_a_new_folder_export_is_roots(here):
    _export("out")
    for path in ("out", "out/nodes.csv", f"out/{MARKER}"):
        assert (os.stat(path).st_uid, os.stat(path).st_gid) == (0, 0), path


def test_a_foreign_folder_is_refused_and_kept_unless_forced(here):
    (here / "d").mkdir()
    (here / "d" / "thesis.txt").write_bytes(b"mine")
    with pytest.raises(InputError) as caught, atomic.atomic_directory("d", ["nodes.csv"]):
        pytest.fail("the block must not run for a refused folder")
    assert "did not write (it holds 'thesis.txt')" in caught.value.message
    assert listing(here / "d") == ["thesis.txt"] and listing(here) == ["d", "home"]
    _export("d", force=True)
    assert listing(here / "d") == [MARKER, "nodes.csv"]
    assert listing(here) == ["d", "home"]


def test_a_folder_export_through_a_link_keeps_the_link(here):
    _export("real")
    os.symlink("real", "link")
    _export("link", ["other.csv"], force=True)
    assert os.readlink("link") == "real"
    assert listing(here / "real") == [MARKER, "other.csv"]
    assert listing(here) == ["home", "link", "real"]


@pytest.mark.parametrize("error", [Boom("writer"), KeyboardInterrupt()])
def test_a_failing_folder_export_leaves_the_previous_one(here, error):
    _export("out", ["nodes.csv"])
    (here / "out" / "nodes.csv").write_text("previous\n", encoding="utf-8")
    with pytest.raises(type(error)), atomic.atomic_directory("out", ["nodes.csv"]) as folder:
        (folder / "nodes.csv").write_text("half\n", encoding="utf-8")
        raise error
    assert (here / "out" / "nodes.csv").read_text(encoding="utf-8") == "previous\n"
    assert listing(here) == ["home", "out"]
    with pytest.raises(type(error)), atomic.atomic_directory("new", ["nodes.csv"]):
        raise error
    assert listing(here) == ["home", "out"]


def test_an_os_error_in_a_folder_export_is_one_input_error(here):
    with pytest.raises(InputError) as caught, atomic.atomic_directory("out", ["nodes.csv"]):
        raise OSError(errno.ENOSPC, "No space left on device")
    assert (caught.value.where, caught.value.message) == (
        "out",
        "cannot write: no space left on device",
    )
    assert listing(here) == ["home"]


def test_a_folder_that_appeared_meanwhile_is_left_alone(here):
    with pytest.raises(InputError) as caught, atomic.atomic_directory("out", ["n"]) as folder:
        (folder / "n").write_bytes(b"new")
        (here / "out").mkdir()
        (here / "out" / "theirs").write_bytes(b"theirs")
    assert caught.value.where == "out"
    assert caught.value.message == "cannot write: directory not empty"
    assert listing(here) == ["home", "out"] and listing(here / "out") == ["theirs"]


def test_a_folder_replaced_by_a_file_meanwhile_is_left_alone(here):
    _export("out")
    with pytest.raises(InputError) as caught, atomic.atomic_directory("out", ["nodes.csv"]):
        for name in os.listdir("out"):
            os.unlink(os.path.join("out", name))
        os.rmdir("out")
        (here / "out").write_bytes(b"theirs")
    assert caught.value.message == "changed while kg was writing; it was left as it is"
    assert (here / "out").read_bytes() == b"theirs"
    assert listing(here) == ["home", "out"]


def test_a_folder_export_without_exchange_leaves_nothing_aside(here, monkeypatch):
    _export("out")
    monkeypatch.setattr(atomic, "_exchange", lambda first, second: False)
    (here / "out" / "nodes.csv").write_text("old\n", encoding="utf-8")
    _export("out")
    assert (here / "out" / "nodes.csv").read_text(encoding="utf-8") == "nodes.csv\n"
    assert listing(here) == ["home", "out"]


# --- Added after the mutation run (docs/mutation.md) ---------------------------------------


def test_reason_looks_at_the_second_letter_only():
    assert atomic._reason(OSError("AbC")) == "abC"


def test_folder_errors_name_the_path_given(here, monkeypatch):
    (here / "plain").write_bytes(OLD)
    assert refused(atomic._check_folder_exists, "g", here / "plain").where == "g"
    assert refused(atomic._check_folder_exists, "g", here / "plain" / "x").where == "g"
    (here / "loop").symlink_to("loop")
    assert refused(atomic._followed, "loop").where == "loop"
    assert refused(atomic.folder_target, "plain", [], force=True).where == "plain"
    (here / "d").mkdir()
    (here / "d" / "theirs").write_bytes(b"")

    def unreadable(path="."):
        raise PermissionError(errno.EACCES, "Permission denied", str(path))

    monkeypatch.setattr(os, "listdir", unreadable)
    error = refused(atomic.folder_target, "d", [])
    assert (error.where, error.message) == ("d", "cannot list the folder: permission denied")


def test_keep_owner_ignores_a_failing_chown(tmp_path, monkeypatch):
    (tmp_path / "f").write_bytes(b"")

    def no_chown(*args):
        raise PermissionError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(os, "geteuid", lambda: 0)
    monkeypatch.setattr(os, "chown", no_chown)
    atomic._keep_owner(str(tmp_path / "f"), os.stat(tmp_path / "f"))  # no error


def test_remove_quietly_ignores_a_tree_it_cannot_remove(tmp_path, monkeypatch):
    (tmp_path / "tree").mkdir()
    (tmp_path / "tree" / "f").write_bytes(b"")

    def no_rmdir(*args, **kwargs):
        raise PermissionError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(os, "rmdir", no_rmdir)
    atomic._remove_quietly(tmp_path / "tree")  # no error: the caller's own error is kept
    monkeypatch.undo()
    assert listing(tmp_path) == ["tree"] and listing(tmp_path / "tree") == []


class ClosedStdout:
    def fileno(self) -> int:
        raise ValueError("I/O operation on closed file")


def test_discard_stdout_ignores_a_closed_stream_and_a_bad_descriptor():
    atomic._discard_stdout(ClosedStdout())  # ValueError: no error
    atomic._discard_stdout(FakeStdout(io.BytesIO(), 1 << 20))  # EBADF from dup2: no error


def test_exchange_is_unsupported_without_renameat2(tmp_path, monkeypatch):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "from-a").write_bytes(b"")

    def no_libc(*args, **kwargs):
        raise OSError("no libc")

    monkeypatch.setattr(atomic.ctypes, "CDLL", no_libc)
    assert atomic._exchange(tmp_path / "a", tmp_path / "b") is False
    assert listing(tmp_path / "a") == ["from-a"]


def test_exchange_takes_relative_paths(here):
    (here / "a").mkdir()
    (here / "b").mkdir()
    (here / "a" / "from-a").write_bytes(b"")
    assert atomic._exchange(Path("a"), Path("b")) is True
    assert listing(here / "b") == ["from-a"] and listing(here / "a") == []
