"""Run one adversarial case as a real ``python -m kg`` subprocess and judge what it did.

Each run gets its own folder (its working directory, ``$TMPDIR`` and output folder are
watched), a timeout (running past it is a hang), 3 GiB of address space (a blow-up fails
fast), and recording listeners for every URL the case mentions. The outcome is a list of
problems, each in one category; the first, by :data:`PRIORITY`, is the case's category in
the counts table.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import resource
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from .listeners import Handler, Listener

MEMORY_LIMIT = 3 << 30  # bytes of address space per kg process
DEFAULT_TIMEOUT = 12.0
REPO = Path(__file__).resolve().parents[2]

# Problem categories, most serious first; a case is counted under its first problem's.
TRACEBACK = "traceback"
HANG = "hang"
PARTIAL = "partial file"
REQUEST = "unexpected request"
EXIT = "wrong exit code"
MESSAGE = "message"
MEMORY = "memory"
OTHER = "other"
PRIORITY = (REQUEST, PARTIAL, HANG, MEMORY, TRACEBACK, EXIT, MESSAGE, OTHER)
COLUMNS = {
    TRACEBACK: "tracebacks",
    HANG: "hangs",
    PARTIAL: "partial files",
    REQUEST: "unexpected requests",
}

# Raw characters a terminal would act on or hide (tab and newline are fine between lines).
UNPRINTABLE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]"
)
ERROR_LINE = re.compile(r"^kg: (.+?): (.+)$")
# What a successful command may say on stderr.
SUCCESS_STDERR = re.compile(r"^(wrote |kg: |Stopped\.$|OK: |FAILED: )")


def printable(text: str) -> str:
    """The escaped form kg uses in messages (for matching the names a message should hold)."""
    return re.sub(
        "[\x00-\x08\x0a-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]",
        lambda m: (
            f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100 else f"\\u{ord(m.group()):04x}"
        ),
        text,
    )


# --- What a case is ------------------------------------------------------------------------


@dataclass
class Invocation:
    """One kg command line and what surrounds it."""

    args: Sequence[str | bytes]
    env: dict[str, str] = field(default_factory=dict)
    stdin: bytes | None = None
    target: Path | None = None  # the output the command may create or replace on success
    names: str | None = None  # what an error message must name (the file or term)
    timeout: float = DEFAULT_TIMEOUT
    forbidden: Sequence[bytes] = ()  # bytes that must not appear in stdout, stderr or outputs


@dataclass
class Raw:
    """What the process did."""

    rc: int | None
    stdout: bytes
    stderr: bytes
    elapsed: float
    hung: bool = False
    notes: list[tuple[str, str]] = field(default_factory=list)  # problems a custom run found


Check = Callable[["Ctx", Raw], Iterable[tuple[str, str]]]


@dataclass
class Case:
    id: str
    command: str  # the kg subcommand, for the per-command counts
    group: str  # the kind of hostility, for the per-category counts
    build: Callable[[Ctx], Invocation]
    expect: frozenset[int]
    checks: tuple[Check, ...] = ()
    run: Callable[[Ctx, Invocation], Raw] | None = None  # for serve and signal cases
    repro: str = ""  # a one-line shell reproduction


@dataclass
class Outcome:
    case: Case
    rc: int | None
    elapsed: float
    problems: list[tuple[str, str]]
    stderr: str

    @property
    def category(self) -> str:
        if not self.problems:
            return "clean"
        found = {category for category, _ in self.problems}
        return next(c for c in PRIORITY if c in found)

    @property
    def clean(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        details = "; ".join(f"{c}: {d}" for c, d in self.problems)
        return f"{self.case.id} [rc={self.rc}, {self.elapsed:.1f}s] {details}"


# --- Snapshots (previous output intact) ----------------------------------------------------


def snapshot(path: Path) -> object:
    """Type, mode, device and content of ``path`` (recursively for folders; links not followed)."""
    try:
        info = path.lstat()
    except FileNotFoundError:
        return None
    kind = stat.S_IFMT(info.st_mode)
    base = (kind, stat.S_IMODE(info.st_mode))
    if stat.S_ISLNK(info.st_mode):
        return (*base, os.readlink(path))
    if stat.S_ISREG(info.st_mode):
        return (*base, hashlib.sha256(path.read_bytes()).hexdigest())
    if stat.S_ISDIR(info.st_mode):
        return (*base, tuple((p.name, snapshot(p)) for p in sorted(path.iterdir())))
    if stat.S_ISCHR(info.st_mode) or stat.S_ISBLK(info.st_mode):
        return (*base, info.st_rdev)
    return base


def listing(folder: Path) -> set[str]:
    try:
        return set(os.listdir(folder))
    except OSError:
        return set()


# --- The per-case context --------------------------------------------------------------------


class Ctx:
    """A case's folder, listeners and the things it promises to leave alone."""

    def __init__(self, root: Path, inputs: object) -> None:
        self.dir = root
        self.cwd = root / "cwd"
        self.tmp = root / "tmp"
        self.out = root / "out"
        for folder in (self.cwd, self.tmp, self.out):
            folder.mkdir(parents=True, exist_ok=True)
        self.inputs = inputs
        self.listeners: list[Listener] = []
        self.watched: list[Path] = [self.cwd, self.tmp, self.out]
        self.kept: dict[Path, tuple[object, bool]] = {}
        self.cleanups: list[Callable[[], None]] = []
        self.before: dict[Path, set[str]] = {}

    def trap(self, handler: Handler | None = None, name: str = "trap") -> Listener:
        """A listener nobody named: it must see no connection."""
        listener = Listener(handler, allowed=False, name=name)
        self.listeners.append(listener)
        return listener

    def endpoint(self, handler: Handler | None = None) -> Listener:
        """The listener the case names as the endpoint: traffic allowed."""
        listener = Listener(handler, allowed=True, name="endpoint")
        self.listeners.append(listener)
        return listener

    def keep(self, path: Path, *, replaceable: bool = False) -> None:
        """``path`` must be left as it is (``replaceable``: unless the command succeeds,
        and then it must still be a regular file or folder with the same mode)."""
        self.kept[path] = (snapshot(path), replaceable)

    def watch(self, folder: Path) -> None:
        if folder not in self.watched:
            self.watched.append(folder)

    def at_exit(self, fn: Callable[[], None]) -> None:
        self.cleanups.append(fn)

    def file(self, name: str, data: bytes | str) -> Path:
        path = self.dir / "in" / name
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(data.encode() if isinstance(data, str) else data)
        return path


# --- Running ---------------------------------------------------------------------------------


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def kg_command(args: Sequence[str | bytes]) -> list[str | bytes]:
    return [sys.executable, "-m", "kg", *args]


def environment(ctx: Ctx, extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KG_")}
    env.pop("PYTHONWARNINGS", None)
    env["TMPDIR"] = str(ctx.tmp)
    env["LC_ALL"] = "C.UTF-8"
    repo = os.environ.get("ADVERSARIAL_REPO")  # run another clone's kg under this suite
    if repo:
        env["PYTHONPATH"] = repo + os.pathsep + env.get("PYTHONPATH", "")
    env.update(extra)
    return env


def popen(ctx: Ctx, inv: Invocation, **kwargs: object) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        kg_command(inv.args),
        cwd=ctx.cwd,
        env=environment(ctx, inv.env),
        stdin=subprocess.PIPE if inv.stdin is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=_limit_memory,
        start_new_session=True,
        **kwargs,  # type: ignore[arg-type]
    )


def kill_group(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)


def run_plain(ctx: Ctx, inv: Invocation) -> Raw:
    start = time.monotonic()
    process = popen(ctx, inv)
    hung = False
    try:
        out, err = process.communicate(inv.stdin, timeout=inv.timeout)
    except subprocess.TimeoutExpired:
        hung = True
        kill_group(process)
        out, err = process.communicate()
    finally:
        kill_group(process)  # children left behind in the session (an oxigraph, say)
    return Raw(process.returncode, out or b"", err or b"", time.monotonic() - start, hung)


def judge(case: Case, ctx: Ctx, inv: Invocation, raw: Raw) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = list(raw.notes)
    text = raw.stderr.decode("utf-8", "replace")
    if raw.hung:
        problems.append((HANG, f"no exit within {inv.timeout:g} s"))
    if "Traceback (most recent call last)" in text or "Fatal Python error" in text:
        last = [line for line in text.splitlines() if line.strip()][-1:]
        problems.append((TRACEBACK, last[0][:200] if last else "traceback"))
    if re.search(r"MemoryError|memory allocation of \d+ bytes failed|Cannot allocate memory", text):
        problems.append((MEMORY, "ran out of its 3 GiB"))
    elif raw.rc == -signal.SIGKILL and not raw.hung and raw.rc not in case.expect:
        problems.append((MEMORY, "killed (SIGKILL)"))
    if not raw.hung and raw.rc not in case.expect:
        if raw.rc is not None and raw.rc < 0:
            name = (
                signal.Signals(-raw.rc).name
                if -raw.rc in signal.Signals._value2member_map_
                else raw.rc
            )
            problems.append((EXIT, f"died of {name}, expected exit {sorted(case.expect)}"))
        else:
            problems.append((EXIT, f"exit {raw.rc}, expected {sorted(case.expect)}"))
    problems += _message_problems(raw, text, inv)
    problems += _request_problems(ctx)
    problems += _file_problems(ctx, inv, raw)
    for forbidden in inv.forbidden:
        places = [raw.stdout, raw.stderr, *(_output_bytes(ctx))]
        if any(forbidden in place for place in places):
            problems.append(
                (REQUEST, f"read what was never named: {forbidden[:40]!r} in the output")
            )
    for check in case.checks:
        problems += list(check(ctx, raw))
    return problems


def _output_bytes(ctx: Ctx) -> list[bytes]:
    found = []
    for folder in ctx.watched:
        for path in Path(folder).rglob("*") if folder.is_dir() else []:
            with contextlib.suppress(OSError):
                if path.is_file() and not path.is_symlink() and path.stat().st_size < 200 << 20:
                    found.append(path.read_bytes())
    return found


def _message_problems(raw: Raw, text: str, inv: Invocation) -> list[tuple[str, str]]:
    problems = []
    if raw.stderr and text.encode("utf-8", "replace") != raw.stderr:
        problems.append((MESSAGE, "stderr is not UTF-8"))
    bad = UNPRINTABLE.search(text)
    if bad:
        problems.append((MESSAGE, f"raw control character {bad.group()!r} in stderr"))
    lines = [line for line in text.splitlines() if line.strip()]
    if raw.hung or "Traceback (most recent call last)" in text:
        return problems
    if raw.rc in (2, 3):
        if len(lines) != 1:
            problems.append((MESSAGE, f"{len(lines)} lines on stderr: {text[:300]!r}"))
        elif not ERROR_LINE.match(lines[0]):
            problems.append((MESSAGE, f"not 'kg: <where>: <what>': {lines[0][:200]!r}"))
        elif inv.names and inv.names not in lines[0] and printable(inv.names) not in lines[0]:
            problems.append((MESSAGE, f"does not name {inv.names!r}: {lines[0][:200]!r}"))
    elif raw.rc == 1:
        if len(lines) > 1:
            problems.append((MESSAGE, f"{len(lines)} lines on stderr: {text[:300]!r}"))
    elif raw.rc == 0:
        stray = [line for line in lines if not SUCCESS_STDERR.match(line)]
        if stray:
            problems.append((MESSAGE, f"stray stderr on success: {stray[0][:200]!r}"))
    return problems


def _request_problems(ctx: Ctx) -> list[tuple[str, str]]:
    time.sleep(0.05 if ctx.listeners else 0)  # let a last accept() land
    return [
        (REQUEST, listener.describe())
        for listener in ctx.listeners
        if not listener.allowed and listener.connections
    ]


def _file_problems(ctx: Ctx, inv: Invocation, raw: Raw) -> list[tuple[str, str]]:
    problems = []
    allowed = {inv.target} if inv.target is not None and raw.rc == 0 else set()
    for folder in ctx.watched:
        new = listing(folder) - ctx.before.get(folder, set())
        stray = sorted(name for name in new if folder / name not in allowed)
        if folder == ctx.tmp:
            stray = sorted(listing(folder))
        if raw.hung:  # killed by us with SIGKILL, which no program can clean up after
            stray = [name for name in stray if not name.startswith(".")]
        if stray:
            problems.append((PARTIAL, f"left {', '.join(stray[:4])} in {folder.name}/"))
    for path, (before, replaceable) in ctx.kept.items():
        after = snapshot(path)
        if after == before:
            continue
        if replaceable and raw.rc == 0 and before is not None and after is not None:
            kind_before, mode_before = before[:2]  # type: ignore[index]
            kind_after, mode_after = after[:2]  # type: ignore[index]
            if kind_before == kind_after and mode_before == mode_after:
                continue
            problems.append(
                (PARTIAL, f"{path.name}: mode {mode_before:o} became {mode_after:o}")
                if kind_before == kind_after
                else (PARTIAL, f"{path.name}: a {_kind(kind_before)} became a {_kind(kind_after)}")
            )
            continue
        problems.append((PARTIAL, f"{path.name} was changed: {_change(before, after)}"))
    return problems


def _kind(kind: object) -> str:
    names = {
        stat.S_IFREG: "file", stat.S_IFDIR: "folder", stat.S_IFLNK: "symlink",
        stat.S_IFIFO: "FIFO", stat.S_IFCHR: "character device", stat.S_IFSOCK: "socket",
    }  # fmt: skip
    return names.get(kind, str(kind))  # type: ignore[arg-type]


def _change(before: object, after: object) -> str:
    if after is None:
        return "deleted"
    if before is None:
        return "created"
    if before[0] != after[0]:  # type: ignore[index]
        return f"a {_kind(before[0])} became a {_kind(after[0])}"  # type: ignore[index]
    if before[1] != after[1]:  # type: ignore[index]
        return f"mode {before[1]:o} became {after[1]:o}"  # type: ignore[index]
    return "content differs"


def run_case(case: Case, inputs: object, base: Path | None = None) -> Outcome:
    root = Path(tempfile.mkdtemp(prefix=re.sub(r"[^\w.-]", "_", case.id)[:30] + ".", dir=base))
    ctx = Ctx(root, inputs)
    rc = None
    elapsed = 0.0
    stderr = ""
    try:
        try:
            inv = case.build(ctx)
        except Exception as error:  # a broken case is a failure of the suite, shown as such
            return Outcome(case, None, 0.0, [(OTHER, f"case setup failed: {error!r}")], "")
        ctx.before = {folder: listing(folder) for folder in ctx.watched}
        try:
            raw = (case.run or run_plain)(ctx, inv)
        except Exception as error:
            return Outcome(case, None, 0.0, [(OTHER, f"the suite failed to run it: {error!r}")], "")
        rc, elapsed = raw.rc, raw.elapsed
        stderr = raw.stderr.decode("utf-8", "replace")
        problems = judge(case, ctx, inv, raw)
        return Outcome(case, rc, elapsed, problems, stderr)
    finally:
        for fn in reversed(ctx.cleanups):
            with contextlib.suppress(Exception):
                fn()
        for listener in ctx.listeners:
            listener.close()
        _remove(root)


def _remove(root: Path) -> None:
    def unlock(func, path, _exc):  # type: ignore[no-untyped-def]
        with contextlib.suppress(OSError):
            os.chmod(os.path.dirname(path), 0o755)
            func(path)

    shutil.rmtree(root, onerror=unlock)


def run_all(
    cases: Sequence[Case],
    inputs: object,
    *,
    workers: int = 2,
    progress: Callable[[Outcome], None] | None = None,
) -> list[Outcome]:
    """Run ``cases`` on ``workers`` threads; outcomes in the order of ``cases``."""
    lock = threading.Lock()
    base = Path(tempfile.mkdtemp(prefix="kg-adversarial-run."))

    def one(case: Case) -> Outcome:
        outcome = run_case(case, inputs, base)
        if progress:
            with lock:
                progress(outcome)
        return outcome

    # Slow cases first so that the pool's tail is short.
    order = sorted(range(len(cases)), key=lambda i: -_weight(cases[i]))
    results: dict[int, Outcome] = {}
    try:
        with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
            for index, outcome in zip(order, pool.map(lambda i: one(cases[i]), order), strict=True):
                results[index] = outcome
    finally:
        _remove(base)
    return [results[i] for i in range(len(cases))]


def _weight(case: Case) -> int:
    return {"serve": 3, "signal": 3, "big": 2}.get(case.group, 0) + (case.command == "viz")
