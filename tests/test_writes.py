"""Every command that writes a file never destroys what kg does not own (issue 9).

The real command line runs in a subprocess. A refused or failed write must exit 2 with one
line on stderr, ``kg: <target>: ...``, no traceback, the target exactly as it was (content,
mode, kind of inode) and nothing left beside it; a signal mid-write must leave the previous
output byte-identical. Devices and FIFOs are made inside the test's own folder, never /dev.
"""

from __future__ import annotations

import os
import resource
import shutil
import signal
import socket
import stat
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from .conftest import FIXTURES, REPO
from .terminal import run_on_terminal

IS_ROOT = os.geteuid() == 0

# One triple, written by hand: what `kg export -f nt` must give back for it.
TRIPLE = "<http://example.org/s> <http://example.org/p> <http://example.org/o> .\n"
OTHER_TRIPLE = "<http://example.org/t> <http://example.org/q> <http://example.org/u> .\n"
PREVIOUS = b"previous output, written by hand\n"
# The files a neo4j export folder holds, written out by hand.
NEO4J_LISTING = [".kg-export", "README.txt", "nodes.csv", "relationships.csv"]


class Run:
    """What a `kg` subprocess did."""

    def __init__(self, completed: subprocess.CompletedProcess[str]) -> None:
        self.code = completed.returncode
        self.stdout = completed.stdout
        self.stderr = completed.stderr

    def __repr__(self) -> str:
        return f"Run(code={self.code}, stdout={self.stdout[:300]!r}, stderr={self.stderr[:600]!r})"


def kg(
    *args: str,
    cwd: Path = REPO,
    before: Callable[[], None] | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 120,
) -> Run:
    """Run ``python -m kg ARGS``; ``before`` runs in the child (limits, umask) first."""
    completed = subprocess.run(
        [sys.executable, "-m", "kg", *args],
        cwd=cwd,
        env=None if env is None else {**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
        preexec_fn=before,
    )
    return Run(completed)


def assert_refused(run: Run, where: str, *words: str) -> None:
    """Exit 2, exactly one stderr line ``kg: <where>: ...`` holding ``words``, no traceback."""
    assert run.code == 2, run
    assert "Traceback" not in run.stderr, run
    lines = run.stderr.splitlines()
    assert len(lines) == 1 and run.stderr.endswith("\n"), run
    assert lines[0].startswith(f"kg: {where}: "), run
    for word in words:
        assert word in lines[0], run


def listing(folder: Path) -> list[str]:
    """Every name in ``folder``, hidden ones too (a temp file is ``.NAME.*.tmp``)."""
    return sorted(os.listdir(folder))


@pytest.fixture
def triple_file(tmp_path: Path) -> Path:
    """A one-triple N-Triples file in its own folder (so output folders hold only outputs)."""
    folder = tmp_path / "input"
    folder.mkdir()
    path = folder / "g.nt"
    path.write_text(TRIPLE, encoding="utf-8")
    return path


@pytest.fixture
def out(tmp_path: Path) -> Path:
    folder = tmp_path / "out"
    folder.mkdir()
    return folder


def writer_args(command: str, data: Path, target: Path | str) -> list[str]:
    """The arguments that make ``command`` write the one-triple graph's answer to ``target``."""
    if command == "export":
        return ["export", "--data", str(data), "-f", "nt", "-o", str(target)]
    if command == "query":
        query = "SELECT ?s WHERE { ?s ?p ?o }"
        return ["query", query, "--data", str(data), "-f", "csv", "-o", str(target)]
    return ["viz", "--data", str(data), "-o", str(target)]


# --- Targets that are not regular files ----------------------------------------------------


def make_char_device(path: Path) -> None:
    """A character device with /dev/full's numbers (1, 7), in the test's own folder."""
    os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, 7))


def make_fifo(path: Path) -> None:
    os.mkfifo(path)


def make_folder(path: Path) -> None:
    path.mkdir()
    (path / "keep.txt").write_text("mine\n", encoding="utf-8")


def make_link_to_char_device(path: Path) -> None:
    make_char_device(path.with_name("device"))
    path.symlink_to("device")


def make_link_to_fifo(path: Path) -> None:
    make_fifo(path.with_name("pipe"))
    path.symlink_to("pipe")


def make_dangling_link(path: Path) -> None:
    path.symlink_to("nothing-here")


def make_link_loop(path: Path) -> None:
    path.with_name("other").symlink_to(path.name)
    path.symlink_to("other")


# kind -> (how to make it, a word the refusal must hold)
ODD_TARGETS: dict[str, tuple[Callable[[Path], None], str]] = {
    "char-device": (make_char_device, "character device"),
    "fifo": (make_fifo, "FIFO"),
    "folder": (make_folder, "folder"),
    "link-to-char-device": (make_link_to_char_device, "symbolic link to a character device"),
    "link-to-fifo": (make_link_to_fifo, "symbolic link to a FIFO"),
    "dangling-link": (make_dangling_link, "symbolic link to nothing"),
    "link-loop": (make_link_loop, "symbolic link"),
}


def snapshot(folder: Path) -> dict[str, tuple[int, int, str]]:
    """Each entry's file type, device numbers and link text (or content): what must not change."""
    seen = {}
    for name in listing(folder):
        info = os.lstat(folder / name)
        if stat.S_ISLNK(info.st_mode):
            detail = os.readlink(folder / name)
        elif stat.S_ISREG(info.st_mode):
            detail = (folder / name).read_text(encoding="utf-8")
        elif stat.S_ISDIR(info.st_mode):
            detail = ",".join(listing(folder / name))
        else:
            detail = ""
        seen[name] = (stat.S_IFMT(info.st_mode), info.st_rdev, detail)
    return seen


COMMAND_TARGETS = [
    pytest.param(command, kind, id=f"{command}-{kind}")
    for command in ("export", "query", "viz")
    for kind in ODD_TARGETS
    if command != "viz" or kind in ("char-device", "fifo", "link-to-fifo", "folder")
]


@pytest.mark.parametrize(("command", "kind"), COMMAND_TARGETS)
def test_a_target_that_is_not_a_regular_file_is_refused_and_left_alone(
    command, kind, triple_file, out
):
    if "char-device" in kind and not IS_ROOT:
        pytest.skip("making a character device (mknod) needs root")
    make, word = ODD_TARGETS[kind]
    target = out / "target"
    make(target)
    before = snapshot(out)
    run = kg(*writer_args(command, triple_file, target))
    assert_refused(run, str(target), word)
    assert snapshot(out) == before  # same kind, same device numbers, same links, no temp file


def test_a_socket_target_is_refused(triple_file, out):
    target = out / "sock"
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        server.bind(str(target))
        run = kg(*writer_args("export", triple_file, target))
        assert_refused(run, str(target), "socket")
        assert stat.S_ISSOCK(os.lstat(target).st_mode)
        assert listing(out) == ["sock"]
    finally:
        server.close()


def test_a_target_ending_in_a_slash_is_not_taken_for_a_file(triple_file, out):
    target = f"{out}/new/"
    assert_refused(kg(*writer_args("export", triple_file, target)), target, "folder")
    assert listing(out) == []


# --- Regular files: replaced whole, mode and links kept ------------------------------------


@pytest.mark.parametrize("command", ["export", "query", "viz"])
def test_overwriting_a_mode_600_file_keeps_mode_600(command, triple_file, out):
    target = out / "private"
    target.write_bytes(PREVIOUS)
    target.chmod(0o600)
    run = kg(*writer_args(command, triple_file, target))
    assert run.code == 0, run
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    assert target.read_bytes() != PREVIOUS
    assert listing(out) == ["private"]


def test_exported_bytes_are_the_hand_written_triple(triple_file, out):
    target = out / "g.nt"
    target.write_bytes(PREVIOUS)
    run = kg(*writer_args("export", triple_file, target))
    assert run.code == 0, run
    assert target.read_text(encoding="utf-8") == TRIPLE
    assert run.stderr == f"wrote {target} (nt)\n"


def test_a_new_file_gets_0666_less_the_umask(triple_file, out):
    target = out / "new.nt"
    run = kg(*writer_args("export", triple_file, target), before=lambda: os.umask(0o027))
    assert run.code == 0, run
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o640


@pytest.mark.skipif(not IS_ROOT, reason="giving a file to another owner needs root")
def test_as_root_the_replaced_file_keeps_its_owner(triple_file, out):
    target = out / "theirs.nt"
    target.write_bytes(PREVIOUS)
    os.chown(target, 4321, 4322)
    assert kg(*writer_args("export", triple_file, target)).code == 0
    info = os.stat(target)
    assert (info.st_uid, info.st_gid) == (4321, 4322)


@pytest.mark.parametrize("command", ["export", "query"])
def test_a_symlink_to_a_regular_file_is_written_through(command, triple_file, out):
    real = out / "real.txt"
    real.write_bytes(PREVIOUS)
    real.chmod(0o640)
    link = out / "latest"
    link.symlink_to("real.txt")
    run = kg(*writer_args(command, triple_file, link))
    assert run.code == 0, run
    assert os.readlink(link) == "real.txt"  # the link is still a link, to the same name
    expected = TRIPLE if command == "export" else "s\r\nhttp://example.org/s\r\n"
    assert real.read_bytes() == expected.encode("utf-8")
    assert stat.S_IMODE(os.stat(real).st_mode) == 0o640
    assert listing(out) == ["latest", "real.txt"]


@pytest.mark.skipif(IS_ROOT, reason="root may write any file; the check is for other users")
def test_a_read_only_file_is_refused(triple_file, out):
    target = out / "locked.nt"
    target.write_bytes(PREVIOUS)
    target.chmod(0o444)
    assert_refused(kg(*writer_args("export", triple_file, target)), str(target), "read-only")
    assert target.read_bytes() == PREVIOUS


# --- Standard output -----------------------------------------------------------------------


@pytest.mark.parametrize("output", [["-o", "-"], []], ids=["dash", "default"])
def test_standard_output_still_works_on_a_pipe(output, triple_file):
    run = kg("export", "--data", str(triple_file), "-f", "nt", *output)
    assert run.code == 0, run
    assert run.stdout == TRIPLE and run.stderr == ""


def test_standard_output_still_works_on_a_terminal(triple_file, tmp_path):
    args = [sys.executable, "-m", "kg", "export", "--data", str(triple_file), "-f", "nt"]
    shown = run_on_terminal(args, terminal="stdout", cwd=tmp_path)
    assert shown.code == 0
    assert shown.shown.replace(b"\r\n", b"\n") == TRIPLE.encode("utf-8")


# --- Failures while writing: one line, nothing left ----------------------------------------


def test_a_missing_folder_is_one_line(triple_file, out):
    target = out / "missing" / "g.nt"
    assert_refused(kg(*writer_args("export", triple_file, target)), str(target), "does not exist")
    assert listing(out) == []


@pytest.mark.parametrize("command", ["export", "query", "viz"])
def test_a_file_under_proc_is_one_line(command, triple_file):
    target = "/proc/kg-writes-test.out"
    assert_refused(kg(*writer_args(command, triple_file, target)), target, "cannot write")
    assert not os.path.lexists(target)


@pytest.fixture
def mounted_tmpfs(tmp_path: Path) -> Iterator[Callable[[str], Path]]:
    """Mount small tmpfs folders (root only; skipped where the kernel refuses)."""
    mounted: list[Path] = []

    def mount(options: str) -> Path:
        if not IS_ROOT or shutil.which("mount") is None:
            pytest.skip("mounting a tmpfs needs root and mount(8)")
        folder = tmp_path / f"mnt{len(mounted)}"
        folder.mkdir()
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)], capture_output=True
        )
        if done.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode(errors='replace')}")
        mounted.append(folder)
        return folder

    yield mount
    for folder in mounted:
        subprocess.run(["umount", "-l", str(folder)], check=False)


@pytest.fixture
def read_only_folder(tmp_path: Path, mounted_tmpfs) -> Iterator[Path]:
    """A folder nobody may write in: a read-only tmpfs under root, a mode-555 folder otherwise."""
    if IS_ROOT:
        yield mounted_tmpfs("size=64k,ro")
        return
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o555)
    yield folder
    folder.chmod(0o755)


@pytest.mark.parametrize("command", ["export", "query", "viz"])
def test_a_read_only_folder_is_one_line(command, triple_file, read_only_folder):
    target = read_only_folder / "out.txt"
    run = kg(*writer_args(command, triple_file, target))
    assert_refused(run, str(target), "cannot write in folder")
    assert listing(read_only_folder) == []


@pytest.mark.parametrize("command", ["export", "viz"])
def test_a_full_disk_leaves_the_previous_file(command, mounted_tmpfs):
    """A 64 KiB tmpfs: the bundled graph's Turtle (about 200 KB) and page do not fit."""
    disk = mounted_tmpfs("size=64k")
    target = disk / ("out.ttl" if command == "export" else "out.html")
    target.write_bytes(PREVIOUS)
    args = ["export", "-o", str(target)] if command == "export" else ["viz", "-o", str(target)]
    run = kg(*args)
    assert_refused(run, str(target), "no space left on device")
    assert target.read_bytes() == PREVIOUS
    assert listing(disk) == [target.name]


def limit_file_size() -> None:
    """In the child: files may grow to 64 KiB; a longer write fails with EFBIG.

    Python starts with SIGXFSZ ignored, so the write fails instead of killing the process.
    """
    resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, 64 * 1024))


@pytest.mark.parametrize("fmt", ["turtle", "nt", "xml"])
def test_a_failure_mid_write_leaves_the_old_file_intact(fmt, out):
    """Fails if writes went straight into the target: it would be truncated, half-written."""
    target = out / "graph.out"
    target.write_bytes(PREVIOUS)
    run = kg("export", "-f", fmt, "-o", str(target), before=limit_file_size)
    assert_refused(run, str(target), "file too large")
    assert target.read_bytes() == PREVIOUS
    assert listing(out) == ["graph.out"]


FULL_STDOUT = {  # each writes far more than 64 KiB of the bundled graph to standard output
    "export": ["export"],
    "query": ["query", "SELECT * WHERE { ?s ?p ?o }", "-f", "csv"],
    "viz": ["viz", "-o", "-"],
}


@pytest.mark.parametrize("command", sorted(FULL_STDOUT))
def test_a_full_standard_output_is_one_line_not_a_silent_truncation(command, mounted_tmpfs):
    disk = mounted_tmpfs("size=64k")
    with open(disk / "stdout", "wb") as stdout:
        done = subprocess.run(
            [sys.executable, "-m", "kg", *FULL_STDOUT[command]],
            cwd=REPO,
            stdout=stdout,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
        )
    assert done.returncode == 2
    assert done.stderr == "kg: standard output: cannot write: no space left on device\n"


# --- Folder outputs (neo4j) ----------------------------------------------------------------


def neo4j(data: Path, target: Path | str, *extra: str, cwd: Path = REPO) -> Run:
    return kg("export", "--data", str(data), "-f", "neo4j", "-o", str(target), *extra, cwd=cwd)


def folder_contents(folder: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(folder)): path.read_bytes() if path.is_file() else b"<folder>"
        for path in sorted(folder.rglob("*"))
    }


def test_a_folder_kg_did_not_write_is_refused(triple_file, out):
    """The issue's reproduction: this used to delete d and everything in it, exit 0."""
    folder = out / "d"
    (folder / "sub").mkdir(parents=True)
    (folder / "thesis.txt").write_text("x\n", encoding="utf-8")
    before = folder_contents(folder)
    run = neo4j(triple_file, folder)
    assert_refused(run, str(folder), "did not write", "'thesis.txt'", "--force")
    assert folder_contents(folder) == before
    assert listing(out) == ["d"]


@pytest.mark.parametrize("force", [[], ["--force"]], ids=["plain", "force"])
@pytest.mark.parametrize("where", [".", "..", "/", "cwd"])
def test_the_current_folder_and_those_above_are_never_replaced(where, force, triple_file, tmp_path):
    """`-o .` used to give a traceback and leave empty `..*.old` folders."""
    work = tmp_path / "work"
    here = work / "here"
    here.mkdir(parents=True)
    (here / "notes.txt").write_text("mine\n", encoding="utf-8")
    target = str(here) if where == "cwd" else where
    before = folder_contents(tmp_path)
    run = neo4j(triple_file, target, *force, cwd=here)
    assert_refused(run, target, "current folder")
    assert folder_contents(tmp_path) == before  # no temp or .old folder anywhere
    assert Path.cwd().exists()


def test_the_home_folder_is_never_replaced_even_forced(triple_file, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    (home / ".profile").write_text("mine\n", encoding="utf-8")
    run = kg(
        "export", "--data", str(triple_file), "-f", "neo4j", "-o", str(home), "--force",
        env={"HOME": str(home)},
    )  # fmt: skip
    assert_refused(run, str(home), "home folder")
    assert listing(home) == [".profile"] and "home" in listing(tmp_path)
    assert not [name for name in listing(tmp_path) if name.startswith(".home.")]


def test_a_previous_export_is_recognised_and_replaced(triple_file, out):
    folder = out / "neo4j-import"
    assert neo4j(triple_file, folder).code == 0
    assert listing(folder) == NEO4J_LISTING
    assert "http://example.org/s" in (folder / "nodes.csv").read_text(encoding="utf-8")
    other = triple_file.with_name("other.nt")
    other.write_text(OTHER_TRIPLE, encoding="utf-8")
    run = neo4j(other, folder)
    assert run.code == 0, run
    nodes = (folder / "nodes.csv").read_text(encoding="utf-8")
    assert "http://example.org/t" in nodes and "http://example.org/s" not in nodes
    assert listing(folder) == NEO4J_LISTING
    assert listing(out) == ["neo4j-import"]


def test_a_previous_export_with_a_file_added_is_refused(triple_file, out):
    folder = out / "neo4j-import"
    assert neo4j(triple_file, folder).code == 0
    (folder / "my-notes.md").write_text("notes\n", encoding="utf-8")
    before = folder_contents(folder)
    assert_refused(neo4j(triple_file, folder), str(folder), "'my-notes.md'")
    assert folder_contents(folder) == before


# The README.txt that exports wrote before the marker, word for word (the database name last,
# as neo4j-admin read it before 5.19).
EARLIER_NEO4J_README = """\
Property graph of the ssp-kg knowledge graph for Neo4j (written by `kg export --format neo4j`).

Load it into an empty database with:

    neo4j-admin database import full --nodes=nodes.csv --relationships=relationships.csv neo4j

Node ids (:ID) are IRIs; node labels (:LABEL) are the class and its superclasses; relationship
types (:TYPE) are the predicates' local names in upper snake case (ssp:hasCapability becomes
HAS_CAPABILITY). List columns (string[]) use ";" between items; evidence is JSON text.
"""


def test_an_export_from_before_the_marker_is_recognised(triple_file, out):
    folder = out / "old-import"
    folder.mkdir()
    (folder / "README.txt").write_text(EARLIER_NEO4J_README, encoding="utf-8")
    (folder / "nodes.csv").write_text("id:ID,:LABEL\nold,Resource\n", encoding="utf-8")
    (folder / "relationships.csv").write_text(":START_ID,:END_ID,:TYPE\n", encoding="utf-8")
    run = neo4j(triple_file, folder)
    assert run.code == 0, run
    assert listing(folder) == NEO4J_LISTING
    assert "old,Resource" not in (folder / "nodes.csv").read_text(encoding="utf-8")


def test_an_empty_folder_is_used_and_keeps_its_mode(triple_file, out):
    folder = out / "empty"
    folder.mkdir()
    folder.chmod(0o750)
    assert neo4j(triple_file, folder).code == 0
    assert listing(folder) == NEO4J_LISTING
    assert stat.S_IMODE(os.stat(folder).st_mode) == 0o750


def test_force_replaces_a_folder_kg_did_not_write(triple_file, out):
    folder = out / "d"
    (folder / "sub").mkdir(parents=True)
    (folder / "thesis.txt").write_text("x\n", encoding="utf-8")
    run = neo4j(triple_file, folder, "--force")
    assert run.code == 0, run
    assert listing(folder) == NEO4J_LISTING
    assert listing(out) == ["d"]


def test_force_is_only_for_folders(triple_file, out):
    target = out / "g.nt"
    run = kg("export", "--data", str(triple_file), "-o", str(target), "--force")
    assert_refused(run, "--force", "folder")
    assert listing(out) == []


def test_a_file_where_the_folder_should_be_is_refused(triple_file, out):
    target = out / "neo4j-import"
    target.write_bytes(PREVIOUS)
    assert_refused(neo4j(triple_file, target), str(target), "not a folder")
    assert target.read_bytes() == PREVIOUS and listing(out) == ["neo4j-import"]


def test_a_symlink_to_a_previous_export_is_written_through(triple_file, out):
    real = out / "exports-2026"
    assert neo4j(triple_file, real).code == 0
    link = out / "current"
    link.symlink_to("exports-2026")
    other = triple_file.with_name("other.nt")
    other.write_text(OTHER_TRIPLE, encoding="utf-8")
    assert neo4j(other, link).code == 0
    assert os.readlink(link) == "exports-2026"
    assert "http://example.org/t" in (real / "nodes.csv").read_text(encoding="utf-8")
    assert listing(out) == ["current", "exports-2026"]


def test_a_folder_in_a_missing_folder_is_one_line(triple_file, out):
    target = out / "missing" / "neo4j"
    assert_refused(neo4j(triple_file, target), str(target), "does not exist")
    assert listing(out) == []


# --- Signals during a real write -----------------------------------------------------------


@pytest.fixture(scope="module")
def big_graph(tmp_path_factory) -> Path:
    """50,000 generated triples: a Turtle export takes seconds, long enough to interrupt."""
    sys.path.insert(0, str(REPO / "benchmarks"))
    try:
        import generate
    finally:
        sys.path.remove(str(REPO / "benchmarks"))
    return generate.write(tmp_path_factory.mktemp("big") / "big.nt", 50_000)


def wait_for(found: Callable[[], bool], process: subprocess.Popen[str], what: str) -> None:
    deadline = time.monotonic() + 240
    while not found():
        if process.poll() is not None:
            pytest.fail(f"kg ended (exit {process.returncode}) before {what}")
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"no {what} within 240 s")
        time.sleep(0.02)


def _sigint_default() -> None:
    """In the child before exec: SIGINT as on a terminal. A shell starts background jobs
    with SIGINT ignored, which exec keeps and kg honours (Ctrl-C is not for them), so a
    test run from one would send its SIGINT to a kg that ignores it."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _stopped(pid: int) -> bool:
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat_file:
        return stat_file.read().rpartition(")")[2].split()[0] in ("T", "t")


def signal_mid_write(
    start: Callable[[], subprocess.Popen[str]], present: Callable[[], bool], signum: int
) -> tuple[subprocess.Popen[str], str]:
    """Start kg, wait for ``present()`` (its temp file or folder), and send ``signum`` while
    that is certainly still there: kg is stopped (SIGSTOP) for the check and the signal, then
    continued. If the write had finished meanwhile (a loaded machine may run the test late),
    try again with a new process. Returns the process and its stderr."""
    for _attempt in range(5):
        process = start()
        try:
            wait_for(present, process, "temp file or folder beside the target")
            os.kill(process.pid, signal.SIGSTOP)
            while not _stopped(process.pid):
                time.sleep(0.005)
            mid_write = present()
            if mid_write:
                process.send_signal(signum)
            os.kill(process.pid, signal.SIGCONT)
            _, stderr = process.communicate(timeout=120)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
        if mid_write:
            return process, stderr
    pytest.fail("the write always ended before kg could be stopped in the middle of it")


STOPS = [
    pytest.param(signal.SIGTERM, 143, "kg: interrupted by SIGTERM\n", id="SIGTERM"),
    pytest.param(signal.SIGHUP, 129, "kg: interrupted by SIGHUP\n", id="SIGHUP"),
    pytest.param(signal.SIGINT, 130, "kg: interrupted\n", id="SIGINT"),
]


@pytest.mark.parametrize(("signum", "code", "message"), STOPS)
def test_a_signal_mid_export_leaves_the_previous_file_and_no_temp(
    signum, code, message, big_graph, out
):
    target = out / "big.ttl"
    target.write_bytes(PREVIOUS)
    process, stderr = signal_mid_write(
        lambda: subprocess.Popen(
            [sys.executable, "-m", "kg", "export", "--data", str(big_graph), "-o", str(target)],
            cwd=REPO,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            preexec_fn=_sigint_default,
        ),
        lambda: any(n.startswith(".big.ttl.") and n.endswith(".tmp") for n in listing(out)),
        signum,
    )
    assert process.returncode == code, stderr
    assert stderr == message
    assert target.read_bytes() == PREVIOUS
    assert listing(out) == ["big.ttl"]


def test_sigterm_mid_folder_export_leaves_the_previous_folder(big_graph, triple_file, out):
    folder = out / "neo4j-import"
    assert neo4j(triple_file, folder).code == 0
    before = folder_contents(folder)
    args = ["export", "--data", str(big_graph), "-f", "neo4j", "-o", str(folder)]
    process, stderr = signal_mid_write(
        lambda: subprocess.Popen(
            [sys.executable, "-m", "kg", *args],
            cwd=REPO,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        ),
        lambda: len(listing(out)) > 1,
        signal.SIGTERM,
    )
    assert process.returncode == 143, stderr
    assert stderr == "kg: interrupted by SIGTERM\n"
    assert folder_contents(folder) == before
    assert listing(out) == ["neo4j-import"]


def test_minimal_fixture_still_exports_to_a_new_file(run_kg, out):
    """The common case stays plain: a new file in an existing folder, one `wrote` line."""
    target = out / "minimal.ttl"
    run = run_kg("export", "--data", str(FIXTURES / "valid" / "minimal.ttl"), "-o", str(target))
    assert run.code == 0 and run.stderr == f"wrote {target} (turtle)\n"
    assert listing(out) == ["minimal.ttl"]


def test_a_name_of_254_bytes_still_gets_a_temp_file_beside_it(triple_file, out):
    target = out / ("é" * 127)  # 254 bytes in UTF-8; ".NAME.xxxxxxxx.tmp" must be cut to fit
    run = kg(*writer_args("export", triple_file, target))
    assert run.code == 0, run
    assert target.read_text(encoding="utf-8") == TRIPLE
    assert listing(out) == [target.name]


def test_the_neo4j_readme_names_the_database_before_the_options(triple_file, out):
    """neo4j-admin 5.19 and later take the database name first (Neo4j's import tutorial,
    docs-operations #1689); the name last is read as a file."""
    folder = out / "neo4j-import"
    assert neo4j(triple_file, folder).code == 0
    text = (folder / "README.txt").read_text(encoding="utf-8")
    assert "neo4j-admin database import full neo4j --nodes=nodes.csv" in text
