"""The adversarial cases: every reproduction of issue 9, and more, as :class:`Case` objects.

A case builds its inputs (shared ones from :mod:`.inputs`, URL-bearing ones per case, since
they name a listener's port), says which exit codes are the right answer, and may add checks.
Expected codes are what the issue asks for, not what today's code does: 2 for bad input, 3
for a failing server, 0 where the input is odd but fine; a set where the exact code is a
design choice (``{0, 2}``: "make it work, or refuse it clearly").
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import stat
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable
from pathlib import Path

from . import listeners as L
from .inputs import SECRET, SMALL_TRIPLES, SMALL_TTL, Inputs
from .runner import (
    HANG,
    OTHER,
    PARTIAL,
    Case,
    Ctx,
    Invocation,
    Raw,
    environment,
    kg_command,
    kill_group,
    listing,
    popen,
    run_plain,
)

OK, BAD, EITHER = frozenset({0}), frozenset({2}), frozenset({0, 2})
REMOTE = frozenset({3})
RDF_XML_HEAD = (
    '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
    'xmlns:ex="http://example.org/">'
)
PASSWORD = "s3cretpw-adversarial"

CASES: list[Case] = []


def case(
    id: str,
    command: str,
    group: str,
    build: Callable[[Ctx], Invocation],
    expect: Iterable[int],
    *checks: Callable[[Ctx, Raw], Iterable[tuple[str, str]]],
    run: Callable[[Ctx, Invocation], Raw] | None = None,
    repro: str = "",
) -> None:
    if any(c.id == id for c in CASES):
        raise ValueError(f"duplicate case id {id}")
    CASES.append(Case(id, command, group, build, frozenset(expect), checks, run, repro))


def inputs(ctx: Ctx) -> Inputs:
    return ctx.inputs  # type: ignore[return-value]


# --- Checks ----------------------------------------------------------------------------------


def count_is(expected: int) -> Callable[[Ctx, Raw], Iterable[tuple[str, str]]]:
    """On success, ``kg stats --json`` or a COUNT query reports ``expected`` triples."""

    def check(ctx: Ctx, raw: Raw) -> Iterable[tuple[str, str]]:
        if raw.rc != 0:
            return []
        text = raw.stdout.decode("utf-8", "replace")
        try:
            found = json.loads(text)["triples"]
        except (ValueError, KeyError, TypeError):
            numbers = re.findall(r"^(\d+)\s*$", text, re.M)
            found = int(numbers[-1]) if numbers else None
        if found != expected:
            return [(OTHER, f"loaded {found} triples, not {expected}")]
        return []

    return check


def no_rows(ctx: Ctx, raw: Raw) -> Iterable[tuple[str, str]]:
    """An injection payload must match nothing: CSV output with only its header line."""
    if raw.rc != 0:
        return []
    rows = [line for line in raw.stdout.decode("utf-8", "replace").splitlines() if line.strip()]
    if len(rows) > 1:
        return [(OTHER, f"the payload matched {len(rows) - 1} row(s): {rows[1][:80]!r}")]
    return []


def page_safe(*raw_markup: bytes) -> Callable[[Ctx, Raw], Iterable[tuple[str, str]]]:
    """The HTML page does not hold the given markup unescaped (text from data is text)."""

    def check(ctx: Ctx, raw: Raw) -> Iterable[tuple[str, str]]:
        page = ctx.out / "view.html"
        data = page.read_bytes() if page.is_file() else raw.stdout
        return [(OTHER, f"raw markup in the page: {m!r}") for m in raw_markup if m in data]

    return check


# --- Commands over one input file ------------------------------------------------------------


COUNT_QUERY = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def data_commands(path_of: Callable[[Ctx], Path | str], names: bool = True):  # type: ignore[no-untyped-def]
    """(command id, kg subcommand, builder from a path, exit-code mapper) for each command."""

    def named(ctx: Ctx, path: Path | str) -> str | None:
        return str(path) if names and str(path) not in ("-",) else None

    def stats(ctx: Ctx) -> Invocation:
        p = path_of(ctx)
        return Invocation(["stats", "--json", "--data", str(p)], names=named(ctx, p))

    def query(ctx: Ctx) -> Invocation:
        p = path_of(ctx)
        args = ["query", COUNT_QUERY, "--data", str(p), "-f", "csv"]
        return Invocation(args, names=named(ctx, p))

    def validate(ctx: Ctx) -> Invocation:
        p = path_of(ctx)
        return Invocation(["validate", str(p)], names=named(ctx, p))

    def viz(ctx: Ctx) -> Invocation:
        p = path_of(ctx)
        target = ctx.out / "view.html"
        return Invocation(
            ["viz", "--data", str(p), "-o", str(target)], target=target, names=named(ctx, p)
        )

    def export(ctx: Ctx) -> Invocation:
        p = path_of(ctx)
        target = ctx.out / "out.nt"
        args = ["export", "--data", str(p), "-f", "nt", "-o", str(target)]
        return Invocation(args, target=target, names=named(ctx, p))

    def push(ctx: Ctx) -> Invocation:
        p = path_of(ctx)
        url = ctx.endpoint(L.close_at_once).url("/store")
        args = ["push", "--data", str(p), "--endpoint", url, "--timeout", "2", "--retries", "0"]
        return Invocation(args, names=None)

    same = lambda e: e  # noqa: E731
    checked = lambda e: e | ({1} if 0 in e else set())  # noqa: E731
    remote = lambda e: (e - {0}) | ({3} if 0 in e else set())  # noqa: E731
    return [
        ("stats", "stats", stats, same),
        ("query", "query", query, same),
        ("validate", "validate", validate, checked),
        ("viz", "viz", viz, same),
        ("export", "export", export, same),
        ("push", "push", push, remote),
    ]


def data_case(
    name: str,
    path_of: Callable[[Ctx], Path | str],
    expect: frozenset[int],
    *checks,  # type: ignore[no-untyped-def]
    group: str = "input",
    only: Iterable[str] | None = None,
    skip: Iterable[str] = (),
    stdin: Callable[[Ctx], bytes] | None = None,
    extra: list[str] | None = None,
    timeout: float | None = None,
    names: bool = True,
    serve: bool = False,
) -> None:
    """``name`` through every command (or ``only`` those), each with its own expectation."""
    only = set(only) if only is not None else None
    for command_id, command, build, mapper in data_commands(path_of, names):
        if (only is not None and command_id not in only) or command_id in skip:
            continue

        def built(ctx: Ctx, build=build) -> Invocation:  # type: ignore[no-untyped-def]
            inv = build(ctx)
            if extra:
                inv.args = [*inv.args, *extra]
            if stdin is not None:
                inv.stdin = stdin(ctx)
            if timeout:
                inv.timeout = timeout
            return inv

        counts_triples = command_id.startswith(("stats", "query"))
        these = [c for c in checks if counts_triples or id(c) not in COUNT_CHECKS]
        case(f"{command_id}/{name}", command, group, built, mapper(expect), *these)
    if serve:
        serve_data_case(name, path_of, expect, group=group, stdin=stdin, extra=extra)


COUNT_CHECKS: dict[int, object] = {}


def counted(n: int):  # type: ignore[no-untyped-def]
    check = count_is(n)
    COUNT_CHECKS[id(check)] = check
    return check


def shared(name: str) -> Callable[[Ctx], Path]:
    return lambda ctx: inputs(ctx).path(name)


# --- kg serve over an input -----------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _post_query(port: int, text: str, timeout: float = 10) -> tuple[int | None, bytes]:
    data = urllib.parse.urlencode({"query": text}).encode()
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/query",
        data=data,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "application/sparql-results+json",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()
    except OSError:
        return None, b""


def serve_run(
    actions: Callable[[Ctx, int, subprocess.Popen[bytes]], list[tuple[str, str]]] | None = None,
    stop: signal.Signals = signal.SIGTERM,
    startup: float = 45.0,
) -> Callable[[Ctx, Invocation], Raw]:
    """Start ``kg serve``; once it says it is serving, run ``actions``, send ``stop``, judge.

    After the stop the port must close and $TMPDIR (where the store lives) must empty
    within 10 s, whatever the signal (SIGKILL included: the server must not outlive kg).
    """

    def run(ctx: Ctx, inv: Invocation) -> Raw:
        port = int(inv.args[inv.args.index("--port") + 1])
        start = time.monotonic()
        process = popen(ctx, inv)
        if inv.stdin is not None and process.stdin:
            with contextlib.suppress(OSError):
                process.stdin.write(inv.stdin)
                process.stdin.close()
            process.stdin = None
        notes: list[tuple[str, str]] = []
        out = b""
        try:
            ready = False
            deadline = time.monotonic() + startup
            while time.monotonic() < deadline:
                if process.poll() is not None:
                    break
                if _port_open(port):
                    ready = True
                    break
                time.sleep(0.2)
            if not ready and process.poll() is None:
                kill_group(process)
                stdout, stderr = process.communicate()
                return Raw(process.returncode, stdout, stderr, time.monotonic() - start, hung=True)
            if ready:
                if actions:
                    notes += actions(ctx, port, process)
                if process.poll() is not None:
                    notes.append(
                        (OTHER, f"kg serve died while serving (exit {process.returncode})")
                    )
                else:
                    process.send_signal(stop)
            try:
                stdout, stderr = process.communicate(timeout=15)
            except subprocess.TimeoutExpired:
                kill_group(process)
                stdout, stderr = process.communicate()
                return Raw(
                    process.returncode, stdout, stderr, time.monotonic() - start, True, notes
                )
            out = stdout
            if ready:
                deadline = time.monotonic() + 10
                while time.monotonic() < deadline and (_port_open(port) or listing(ctx.tmp)):
                    time.sleep(0.2)
                if _port_open(port):
                    notes.append(
                        (HANG, f"the oxigraph server still serves on :{port} after {stop.name}")
                    )
            return Raw(process.returncode, out, stderr, time.monotonic() - start, False, notes)
        finally:
            kill_group(process)  # the session: kg and any oxigraph it left behind

    return run


def serve_data_case(name, path_of, expect, *, group, stdin=None, extra=None) -> None:  # type: ignore[no-untyped-def]
    def build(ctx: Ctx) -> Invocation:
        p = path_of(ctx)
        args = ["serve", "--data", str(p), "--port", str(_free_port()), *(extra or [])]
        inv = Invocation(args, names=str(p) if str(p) != "-" else None, timeout=60)
        if stdin is not None:
            inv.stdin = stdin(ctx)
        return inv

    case(
        f"serve/{name}",
        "serve",
        "serve" if group == "input" else group,
        build,
        expect,
        run=serve_run(),
    )


def _serve_small(ctx: Ctx) -> Invocation:
    path = inputs(ctx).path("small")
    return Invocation(["serve", "--data", str(path), "--port", str(_free_port())], timeout=60)


def _service_action(ctx: Ctx, port: int, process) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    url = ctx.trap(L.silent).url("/sparql")
    _post_query(port, f"SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}", timeout=10)
    return _still_serving(port, process)


def _still_serving(port: int, process) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    status, _ = _post_query(port, "ASK { ?s ?p ?o }", timeout=10)
    if status != 200:
        return [
            (OTHER, f"the endpoint no longer answers (status {status}, kg rc {process.poll()})")
        ]
    return []


def _nested_action(depth: int):  # type: ignore[no-untyped-def]
    def action(ctx: Ctx, port: int, process) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
        _post_query(port, "SELECT * WHERE " + "{" * depth + " ?s ?p ?o " + "}" * depth, timeout=20)
        return _still_serving(port, process)

    return action


def _serve_port(port: str) -> Callable[[Ctx], Invocation]:
    return lambda ctx: Invocation(
        ["serve", "--data", str(inputs(ctx).path("small")), "--port", port], names="--port"
    )


def _serve_busy(ctx: Ctx) -> Invocation:
    listener = ctx.endpoint()
    return Invocation(
        ["serve", "--data", str(inputs(ctx).path("small")), "--port", str(listener.port)],
        names="--port",
    )


case("serve/sigterm", "serve", "serve", _serve_small, OK, run=serve_run())
case("serve/sigint", "serve", "serve", _serve_small, {0, 130}, run=serve_run(stop=signal.SIGINT))
case(
    "serve/sighup",
    "serve",
    "serve",
    _serve_small,
    {0, 129, -signal.SIGHUP},
    run=serve_run(stop=signal.SIGHUP),
)
case(
    "serve/sigkill",
    "serve",
    "serve",
    _serve_small,
    {-signal.SIGKILL},
    run=serve_run(stop=signal.SIGKILL),
)
case("serve/service-query", "serve", "serve", _serve_small, OK, run=serve_run(_service_action))
case("serve/nested-3000", "serve", "serve", _serve_small, OK, run=serve_run(_nested_action(3000)))
case(
    "serve/nested-100000",
    "serve",
    "serve",
    _serve_small,
    OK,
    run=serve_run(_nested_action(100_000)),
)
case("serve/port-0", "serve", "serve", _serve_port("0"), BAD)
case("serve/port-99999", "serve", "serve", _serve_port("99999"), BAD)
case("serve/port-busy", "serve", "serve", _serve_busy, BAD)


# --- Plain hostile files, through every command ------------------------------------------------

ALL_INPUTS: list[tuple[str, frozenset[int], dict]] = [
    ("small", OK, {"count": SMALL_TRIPLES, "serve": True}),
    ("small-nt", OK, {"count": 2}),
    ("small-xml", OK, {"count": 2}),
    ("small-jsonld", OK, {"count": 2}),
    ("laughs", BAD, {"serve": True, "timeout": 20}),
    ("quadratic", EITHER, {"timeout": 20}),
    ("deep-xml", EITHER, {"timeout": 20}),
    ("deep-turtle", EITHER, {"timeout": 20, "serve": True}),
    ("deep-collection", EITHER, {"timeout": 20}),
    ("deep-jsonld", EITHER, {"timeout": 20}),
    ("deep-n3", EITHER, {"timeout": 20, "only": ("stats", "export")}),
    (
        "big-literal-nt",
        EITHER,
        {"timeout": 30, "group": "big", "skip": ("viz", "push"), "serve": True},
    ),
    (
        "big-literal-ttl",
        EITHER,
        {
            "timeout": 30,
            "group": "big",
            "only": ("stats", "query", "export"),
        },
    ),
    ("latin1-ttl", BAD, {"serve": True}),
    ("latin1-nt", BAD, {}),
    ("latin1-xml", BAD, {}),
    ("latin1-declared-xml", EITHER, {}),
    ("latin1-jsonld", BAD, {}),
    ("bad-utf8-iri", BAD, {}),
    ("bom-ttl", EITHER, {"count": SMALL_TRIPLES}),
    ("bom-nt", EITHER, {"count": 1}),
    ("bom-xml", EITHER, {"count": 1}),
    ("bom-jsonld", EITHER, {"count": 1}),
    ("utf16-ttl", BAD, {}),
    ("nul-ttl", EITHER, {}),
    ("nul-outside", BAD, {}),
    ("escaped-nul", OK, {"count": 1}),
    ("esc-raw-token", BAD, {}),
    ("esc-raw-iri", BAD, {}),
    ("esc-iri-escape", EITHER, {}),
    ("bidi-token", BAD, {}),
    ("surrogate", EITHER, {}),
    ("bad-codepoint", BAD, {}),
    ("empty", BAD, {"serve": True}),
    ("blank", BAD, {}),
    ("comments-ttl", EITHER, {}),
    ("comments-xml", EITHER, {}),
    ("bad-syntax", BAD, {}),
    ("bad-lang", BAD, {}),
    ("ill-typed", OK, {"count": 4}),
    ("long-iri", EITHER, {}),
    ("crlf", OK, {"count": SMALL_TRIPLES}),
    ("cr-only", EITHER, {}),
    ("n3-formula", EITHER, {"only": ("stats", "export", "validate")}),
    ("unknown-suffix", BAD, {}),
    ("no-suffix", BAD, {}),
    ("trig-graphs", OK, {}),
    ("nq-quads", OK, {}),
    ("jsonld-inline", OK, {}),
    ("jsonld-not-rdf", EITHER, {}),
    ("jsonld-broken", BAD, {}),
    ("xml-broken", BAD, {}),
]

# kg viz and kg push load files exactly as kg export and kg validate do (rdflib), and cost
# more per run: they see the inputs whose handling differs, not every one.
VIZ_AND_PUSH = {
    "small", "laughs", "deep-xml", "deep-turtle", "deep-jsonld", "latin1-ttl", "bom-ttl",
    "nul-ttl", "esc-raw-token", "surrogate", "escaped-nul", "empty", "comments-xml",
    "jsonld-not-rdf", "ill-typed",
}  # fmt: skip

for _name, _expect, _opts in ALL_INPUTS:
    _checks = [counted(_opts["count"])] if "count" in _opts else []
    _skip = tuple(_opts.get("skip", ())) + (() if _name in VIZ_AND_PUSH else ("viz", "push"))
    data_case(
        _name,
        shared(_name),
        _expect,
        *_checks,
        group=_opts.get("group", "input"),
        only=_opts.get("only"),
        skip=_skip,
        timeout=_opts.get("timeout"),
        serve=_opts.get("serve", False),
    )

data_case(
    "esc-label",
    shared("esc-label"),
    OK,
    page_safe(b"<img src=x onerror", b"</script><script>alert(2)"),
    only=("stats", "query", "viz", "export"),
)


# --- Files that are not plain files; standard input ------------------------------------------


def _missing(ctx: Ctx) -> Path:
    return ctx.dir / "in" / "missing.ttl"


def _folder(ctx: Ctx) -> Path:
    path = ctx.dir / "in" / "folder.ttl"
    path.mkdir(parents=True)
    return path


def _symlink(ctx: Ctx) -> Path:
    path = ctx.dir / "in" / "link.ttl"
    path.parent.mkdir(exist_ok=True)
    path.symlink_to(inputs(ctx).path("small"))
    return path


def _symlink_loop(ctx: Ctx) -> Path:
    path = ctx.dir / "in" / "loop.ttl"
    path.parent.mkdir(exist_ok=True)
    path.symlink_to(path)
    return path


def _device(major: int, minor: int, name: str) -> Callable[[Ctx], Path]:
    def make(ctx: Ctx) -> Path:
        path = ctx.dir / "in" / name
        path.parent.mkdir(exist_ok=True)
        os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(major, minor))
        return path

    return make


def _socket_file(ctx: Ctx) -> Path:
    path = ctx.dir / "in" / "sock.ttl"
    path.parent.mkdir(exist_ok=True)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.bind(str(path))
    ctx.at_exit(sock.close)
    return path


def _fifo(ctx: Ctx) -> Path:
    """A FIFO with a writer thread that writes the small graph once (as a shell's <(...) does)."""
    path = ctx.dir / "in" / "pipe.ttl"
    path.parent.mkdir(exist_ok=True)
    os.mkfifo(path)

    def writer() -> None:
        with contextlib.suppress(OSError), open(path, "wb") as handle:
            handle.write(SMALL_TTL.encode())

    threading.Thread(target=writer, daemon=True).start()

    def release() -> None:  # unblock a writer still waiting for a reader
        with contextlib.suppress(OSError):
            fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
            time.sleep(0.05)
            os.close(fd)

    ctx.at_exit(release)
    return path


def _small_bytes(ctx: Ctx) -> bytes:
    return SMALL_TTL.encode()


data_case("missing", _missing, BAD)
data_case("folder", _folder, BAD)
data_case("symlink", _symlink, OK, counted(SMALL_TRIPLES))
data_case("symlink-loop", _symlink_loop, BAD)
data_case("dev-zero", _device(1, 5, "zero.ttl"), BAD, timeout=20, serve=True)
data_case("dev-null", _device(1, 3, "null.ttl"), BAD)
data_case("socket", _socket_file, BAD)
data_case("fifo", _fifo, EITHER, counted(SMALL_TRIPLES), serve=True)
data_case(
    "stdin-dash",
    lambda ctx: "-",
    OK,
    counted(SMALL_TRIPLES),
    stdin=_small_bytes,
    extra=["--syntax", "turtle"],
    serve=True,
)
data_case(
    "stdin-dash-nosyntax", lambda ctx: "-", EITHER, counted(SMALL_TRIPLES), stdin=_small_bytes
)
data_case(
    "proc-stdin",
    lambda ctx: "/proc/self/fd/0",
    EITHER,
    counted(SMALL_TRIPLES),
    stdin=_small_bytes,
    extra=["--syntax", "turtle"],
)
data_case(
    "stdin-dash-latin1",
    lambda ctx: "-",
    BAD,
    stdin=lambda ctx: b'<http://e/a> <http://e/p> "caf\xe9" .\n',
    extra=["--syntax", "nt"],
    names=False,
)


# --- Files that point at URLs and other files (per case, with a trap listener) ---------------


def _xml_with(ctx: Ctx, name: str, doctype: str, body: str) -> Path:
    text = f'<?xml version="1.0"?>\n{doctype}\n{RDF_XML_HEAD}\n{body}\n</rdf:RDF>\n'
    return ctx.file(name, text)


def _xxe_http(ctx: Ctx) -> Path:
    url = ctx.trap().url("/xxe")
    return _xml_with(
        ctx,
        "xxe.rdf",
        f'<!DOCTYPE rdf:RDF [<!ENTITY e SYSTEM "{url}">]>',
        '<rdf:Description rdf:about="http://example.org/a"><ex:p>&e;</ex:p></rdf:Description>',
    )


def _xxe_file(ctx: Ctx) -> Path:
    secret = inputs(ctx).path("secret-txt").as_uri()
    return _xml_with(
        ctx,
        "xxe-file.rdf",
        f'<!DOCTYPE rdf:RDF [<!ENTITY e SYSTEM "{secret}">]>',
        '<rdf:Description rdf:about="http://example.org/a"><ex:p>&e;</ex:p></rdf:Description>',
    )


def _xxe_param(ctx: Ctx) -> Path:
    url = ctx.trap().url("/dtd")
    return _xml_with(
        ctx,
        "xxe-param.rdf",
        f'<!DOCTYPE rdf:RDF [<!ENTITY % remote SYSTEM "{url}"> %remote;]>',
        '<rdf:Description rdf:about="http://example.org/a"><ex:p>x</ex:p></rdf:Description>',
    )


def _external_dtd(ctx: Ctx) -> Path:
    url = ctx.trap().url("/x.dtd")
    return _xml_with(
        ctx,
        "dtd.rdf",
        f'<!DOCTYPE rdf:RDF SYSTEM "{url}">',
        '<rdf:Description rdf:about="http://example.org/a"><ex:p>x</ex:p></rdf:Description>',
    )


def _stylesheet(ctx: Ctx) -> Path:
    url = ctx.trap().url("/style.xsl")
    return _xml_with(
        ctx,
        "style.rdf",
        f'<?xml-stylesheet type="text/xsl" href="{url}"?>',
        '<rdf:Description rdf:about="http://example.org/a"><ex:p>x</ex:p></rdf:Description>',
    )


def _xml_base(ctx: Ctx) -> Path:
    url = ctx.trap().url("/base/")
    return _xml_with(
        ctx,
        "base.rdf",
        "",
        f'<rdf:Description xml:base="{url}" rdf:about="a"><ex:p rdf:resource="b"/></rdf:Description>',  # noqa: E501
    )


def _jsonld_with(
    context: Callable[[Ctx], object], name: str = "ctx-doc.jsonld"
) -> Callable[[Ctx], Path]:
    def make(ctx: Ctx) -> Path:
        doc = {"@context": context(ctx), "@id": "http://example.org/a", "label": "x"}
        return ctx.file(name, json.dumps(doc))

    return make


def _local_context(ctx: Ctx) -> Path:
    return ctx.file("ctx.jsonld", json.dumps({"@context": {"label": "http://example.org/label"}}))


def _ttl_base(ctx: Ctx) -> Path:
    url = ctx.trap().url("/base/")
    return ctx.file("base.ttl", f"@base <{url}> .\n<a> <p> <b> .\n")


def _owl_imports(ctx: Ctx) -> Path:
    url = ctx.trap().url("/ontology.ttl")
    return ctx.file(
        "imports.ttl",
        "@prefix owl: <http://www.w3.org/2002/07/owl#> .\n"
        f"<http://example.org/o> a owl:Ontology ; owl:imports <{url}> .\n",
    )


def _trig_trap(ctx: Ctx) -> Path:
    url = ctx.trap().url("/graph")
    return ctx.file(
        "trap.trig", f"<{url}> {{ <http://example.org/a> <http://example.org/p> <{url}> . }}\n"
    )


def _xxe_jsonld_vocab(ctx: Ctx) -> Path:
    url = ctx.trap().url("/vocab#")
    return ctx.file(
        "vocab.jsonld",
        json.dumps({"@context": {"@vocab": url}, "@id": "http://example.org/a", "p": "x"}),
    )


data_case("xxe-http", _xxe_http, EITHER, serve=True)
data_case("xxe-file", _xxe_file, EITHER)
data_case("xxe-param", _xxe_param, EITHER)
data_case("xml-external-dtd", _external_dtd, EITHER)
data_case("xml-stylesheet", _stylesheet, EITHER)
data_case("xml-base-url", _xml_base, OK, counted(1))
data_case(
    "jsonld-remote-context",
    _jsonld_with(lambda ctx: ctx.trap().url("/context.jsonld")),
    BAD,
    serve=True,
)
data_case("jsonld-file-context", _jsonld_with(lambda ctx: _local_context(ctx).as_uri()), BAD)
data_case(
    "jsonld-relative-context", _jsonld_with(lambda ctx: (_local_context(ctx), "ctx.jsonld")[1]), BAD
)
data_case(
    "jsonld-context-list",
    _jsonld_with(lambda ctx: [ctx.trap().url("/c1"), {"x": "http://example.org/x"}]),
    BAD,
)
data_case(
    "jsonld-import", _jsonld_with(lambda ctx: {"@import": ctx.trap().url("/import.jsonld")}), BAD
)
data_case("jsonld-vocab-url", _xxe_jsonld_vocab, OK, counted(1))
data_case("turtle-base-url", _ttl_base, OK, counted(1))
data_case("owl-imports-url", _owl_imports, OK, counted(2))
data_case("trig-graph-url", _trig_trap, OK, counted(1))


# --- Output targets ------------------------------------------------------------------------


def _writers() -> list[tuple[str, str, Callable[[Path], list[str]]]]:
    return [
        (
            "export",
            "export",
            lambda t: ["export", "--data", "{small}", "-f", "turtle", "-o", str(t)],
        ),
        (
            "query",
            "query",
            lambda t: [
                "query",
                "SELECT * WHERE { ?s ?p ?o }",
                "--data",
                "{small}",
                "-f",
                "csv",
                "-o",
                str(t),
            ],
        ),
        ("viz", "viz", lambda t: ["viz", "--data", "{small}", "-o", str(t)]),
    ]


def _fill(ctx: Ctx, args: list[str]) -> list[str]:
    small = str(inputs(ctx).path("small"))
    return [a.replace("{small}", small) for a in args]


def _target_fifo(ctx: Ctx) -> tuple[Path, bool]:
    path = ctx.out / "out.x"
    os.mkfifo(path)

    def release() -> None:  # a writer blocked on open(): let it through, then fail
        with contextlib.suppress(OSError):
            fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
            time.sleep(0.05)
            os.close(fd)

    ctx.at_exit(release)
    return path, False


def _target_device(ctx: Ctx) -> tuple[Path, bool]:
    path = ctx.out / "out.x"
    os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, 7))  # what /dev/full is, in our folder
    return path, False


def _target_link_to(make: Callable[[Path], None]) -> Callable[[Ctx], tuple[Path, bool]]:
    def target(ctx: Ctx) -> tuple[Path, bool]:
        elsewhere = ctx.dir / "elsewhere"
        elsewhere.mkdir()
        pointee = elsewhere / "thing"
        make(pointee)
        # A link to a regular file may be written through (it stays a link, the file keeps
        # its mode); a link to anything else leaves that thing exactly as it was.
        ctx.keep(pointee, replaceable=pointee.is_file())
        ctx.watch(elsewhere)
        link = ctx.out / "out.x"
        link.symlink_to(pointee)
        return link, False

    return target


def _target_socket(ctx: Ctx) -> tuple[Path, bool]:
    path = ctx.out / "out.x"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.bind(str(path))
    ctx.at_exit(sock.close)
    return path, False


def _target_mode(mode: int) -> Callable[[Ctx], tuple[Path, bool]]:
    def target(ctx: Ctx) -> tuple[Path, bool]:
        path = ctx.out / "out.x"
        path.write_bytes(b"previous output\n")
        path.chmod(mode)
        return path, True

    return target


def _target_folder(ctx: Ctx) -> tuple[Path, bool]:
    path = ctx.out / "out.x"
    path.mkdir()
    (path / "thesis.txt").write_text("years of work\n")
    return path, False


def _target_missing_parent(ctx: Ctx) -> tuple[Path, bool]:
    return ctx.out / "no" / "such" / "out.x", True


def _target_readonly(ctx: Ctx) -> tuple[Path, bool]:
    folder = ctx.out / "ro"
    folder.mkdir()
    (folder / "keep.txt").write_text("keep\n")
    ctx.keep(folder / "keep.txt")
    folder.chmod(0o555)
    ctx.watch(folder)
    return folder / "out.x", True


def _target_dangling(ctx: Ctx) -> tuple[Path, bool]:
    link = ctx.out / "out.x"
    link.symlink_to(ctx.dir / "elsewhere-missing" / "nothing")
    return link, True


def _target_escape_name(ctx: Ctx) -> tuple[Path, bool]:
    return ctx.out / "a\x1b[2J\x1b]0;t\x07b\nc.x", True


TARGETS: list[tuple[str, Callable[[Ctx], tuple[Path, bool]], frozenset[int]]] = [
    ("fifo", _target_fifo, BAD),
    ("char-device", _target_device, BAD),
    ("symlink-to-fifo", _target_link_to(lambda p: os.mkfifo(p)), BAD),
    (
        "symlink-to-device",
        _target_link_to(lambda p: os.mknod(p, stat.S_IFCHR | 0o666, os.makedev(1, 7))),
        BAD,
    ),
    ("symlink-to-file", _target_link_to(lambda p: p.write_text("someone's file\n")), EITHER),
    ("socket", _target_socket, BAD),
    ("mode-600", _target_mode(0o600), OK),
    ("mode-640", _target_mode(0o640), OK),
    ("folder", _target_folder, BAD),
    ("missing-parent", _target_missing_parent, BAD),
    ("read-only-folder", _target_readonly, EITHER),
    ("dangling-symlink", _target_dangling, BAD),
    ("escape-name", _target_escape_name, OK),
]


def _target_case(writer_id: str, command: str, args_of, name: str, make, expect) -> None:  # type: ignore[no-untyped-def]
    def build(ctx: Ctx) -> Invocation:
        target, replaceable = make(ctx)
        if target.exists() or target.is_symlink():
            ctx.keep(target, replaceable=replaceable)
        ctx.watch(target.parent)
        args = _fill(ctx, args_of(target))
        return Invocation(args, target=target, names=str(target))

    case(f"{writer_id}-target/{name}", command, "target", build, expect)


for _wid, _cmd, _args in _writers():
    for _tname, _make, _texpect in TARGETS:
        _target_case(_wid, _cmd, _args, _tname, _make, _texpect)


def _proc_target(writer: str) -> None:
    for wid, cmd, args_of in _writers():
        if wid != writer:
            continue
        target = Path("/proc/kg-adversarial-out.x")

        def build(ctx: Ctx, args_of=args_of, target=target) -> Invocation:
            return Invocation(_fill(ctx, args_of(target)), names=str(target))

        case(f"{wid}-target/proc", cmd, "target", build, BAD)


for _wid in ("export", "query", "viz"):
    _proc_target(_wid)


def _previous_kept_on_failure(writer_id: str, command: str) -> None:
    """A failing command (bad input) leaves the previous output byte-identical."""

    def build(ctx: Ctx) -> Invocation:
        if writer_id == "neo4j":
            target = _previous_export(ctx)
        else:
            target = ctx.out / "previous.out"
            target.write_bytes(b"the previous output\n")
            target.chmod(0o640)
        ctx.keep(target)
        bad = str(inputs(ctx).path("bad-syntax"))
        args = {
            "export": ["export", "--data", bad, "-f", "turtle", "-o", str(target)],
            "query": ["query", COUNT_QUERY, "--data", bad, "-o", str(target)],
            "viz": ["viz", "--data", bad, "-o", str(target)],
            "neo4j": ["export", "--data", bad, "-f", "neo4j", "-o", str(target)],
        }[writer_id]
        return Invocation(args, target=target, names=bad)

    case(f"{writer_id}-target/previous-kept-on-bad-input", command, "target", build, BAD)


for _wid, _cmd in (("export", "export"), ("query", "query"), ("viz", "viz"), ("neo4j", "export")):
    _previous_kept_on_failure(_wid, _cmd)


def _empty_output(writer: str, args: list[str]) -> None:
    case(
        f"{writer}-target/empty-name",
        writer,
        "target",
        lambda ctx: Invocation(_fill(ctx, args)),
        BAD,
    )


_empty_output("export", ["export", "--data", "{small}", "-f", "turtle", "-o", ""])
_empty_output("viz", ["viz", "--data", "{small}", "-o", ""])


# neo4j folders


def _neo4j(build_target: Callable[[Ctx], Path], *, cwd_target: bool = False):  # type: ignore[no-untyped-def]
    def build(ctx: Ctx) -> Invocation:
        target = build_target(ctx)
        out = "." if cwd_target else str(target)
        args = ["export", "--data", str(inputs(ctx).path("small")), "-f", "neo4j", "-o", out]
        return Invocation(args, target=target if not cwd_target else None, names=None)

    return build


def _user_folder(ctx: Ctx) -> Path:
    folder = ctx.out / "d"
    (folder / "sub").mkdir(parents=True)
    (folder / "thesis.txt").write_text("years of work\n")
    (folder / "sub" / "notes.txt").write_text("more\n")
    ctx.keep(folder)
    ctx.watch(folder)
    return folder


def _cwd_folder(ctx: Ctx) -> Path:
    (ctx.cwd / "thesis.txt").write_text("years of work\n")
    ctx.keep(ctx.cwd)
    ctx.watch(ctx.out)
    return ctx.cwd


def _previous_export(ctx: Ctx) -> Path:
    folder = ctx.out / "neo4j"
    env = environment(ctx, {})
    subprocess.run(
        kg_command(["export", "--data", str(inputs(ctx).path("small")), "-f", "neo4j", "-o", str(folder)]),  # noqa: E501
        capture_output=True, check=True, env=env, timeout=60,
    )  # fmt: skip
    ctx.keep(folder, replaceable=True)
    return folder


def _empty_folder(ctx: Ctx) -> Path:
    folder = ctx.out / "empty"
    folder.mkdir()
    return folder


def _file_instead(ctx: Ctx) -> Path:
    path = ctx.out / "neo4j"
    path.write_text("a file\n")
    ctx.keep(path)
    return path


def _link_to_user_folder(ctx: Ctx) -> Path:
    elsewhere = ctx.dir / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "thesis.txt").write_text("years of work\n")
    ctx.keep(elsewhere)
    ctx.watch(elsewhere)
    link = ctx.out / "neo4j"
    link.symlink_to(elsewhere)
    return link


def _neo4j_device(ctx: Ctx) -> Path:
    path = ctx.out / "neo4j"
    os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, 7))
    ctx.keep(path)
    return path


case("neo4j-target/user-folder", "export", "target", _neo4j(_user_folder), BAD)
case("neo4j-target/cwd", "export", "target", _neo4j(_cwd_folder, cwd_target=True), BAD)
case("neo4j-target/previous-export", "export", "target", _neo4j(_previous_export), OK)
case("neo4j-target/empty-folder", "export", "target", _neo4j(_empty_folder), EITHER)
case("neo4j-target/file", "export", "target", _neo4j(_file_instead), BAD)
case(
    "neo4j-target/symlink-to-user-folder", "export", "target", _neo4j(_link_to_user_folder), EITHER
)
case("neo4j-target/char-device", "export", "target", _neo4j(_neo4j_device), BAD)


def _viz_default_is_folder(ctx: Ctx) -> Invocation:
    folder = ctx.cwd / "graph.html"
    folder.mkdir()
    (folder / "x").write_text("x\n")
    ctx.keep(folder)
    return Invocation(["viz", "--data", str(inputs(ctx).path("small"))], names="graph.html")


case("viz-target/default-name-is-folder", "viz", "target", _viz_default_is_folder, BAD)


# --- Signals during a write ---------------------------------------------------------------------


def signal_run(sig: signal.Signals) -> Callable[[Ctx, Invocation], Raw]:
    """Send ``sig`` as soon as a temp file or folder appears beside the target."""

    def run(ctx: Ctx, inv: Invocation) -> Raw:
        assert inv.target is not None
        folder = inv.target.parent
        before = listing(folder)
        start = time.monotonic()
        process = popen(ctx, inv)
        sent = False
        try:
            deadline = start + inv.timeout
            while process.poll() is None and time.monotonic() < deadline:
                if listing(folder) - before - {inv.target.name}:
                    process.send_signal(sig)
                    sent = True
                    break
                time.sleep(0.002)
            try:
                out, err = process.communicate(timeout=max(1.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                kill_group(process)
                out, err = process.communicate()
                return Raw(process.returncode, out, err, time.monotonic() - start, True)
            del sent  # a command that finished before any temp file appeared is judged as is
            return Raw(process.returncode, out, err, time.monotonic() - start)
        finally:
            kill_group(process)

    return run


def _signal_export(fmt: str, input_name: str, env: dict[str, str]) -> Callable[[Ctx], Invocation]:
    def build(ctx: Ctx) -> Invocation:
        suffix = {"nt": "out.nt", "turtle": "out.ttl", "neo4j": "neo4j"}[fmt]
        target = ctx.out / suffix
        if fmt != "neo4j":
            target.write_bytes(b"previous\n")
            target.chmod(0o600)
            ctx.keep(target, replaceable=True)
        data = [] if input_name == "bundled" else ["--data", str(inputs(ctx).path(input_name))]
        args = ["export", *data, "-f", fmt, "-o", str(target)]
        return Invocation(args, env=env, target=target, timeout=90)

    return build


_STREAM = {"KG_PROGRESS_BYTES": "1"}
_RDFLIB = {"KG_PROGRESS_BYTES": str(1 << 40)}
for _sig, _codes in (
    (signal.SIGTERM, {0, 143, -signal.SIGTERM}),
    (signal.SIGINT, {0, 130, -signal.SIGINT}),
    (signal.SIGHUP, {0, 129, -signal.SIGHUP}),
):
    _n = _sig.name.lower()
    case(
        f"signal/{_n}-streamed-nt",
        "export",
        "signal",
        _signal_export("nt", "many-nt", _STREAM),
        _codes,
        run=signal_run(_sig),
    )
    case(
        f"signal/{_n}-rdflib-nt",
        "export",
        "signal",
        _signal_export("nt", "medium-nt", _RDFLIB),
        _codes,
        run=signal_run(_sig),
    )
case(
    "signal/sigterm-neo4j",
    "export",
    "signal",
    _signal_export("neo4j", "bundled", {}),
    {0, 143, -signal.SIGTERM},
    run=signal_run(signal.SIGTERM),
)
case(
    "signal/sigterm-turtle",
    "export",
    "signal",
    _signal_export("turtle", "bundled", {}),
    {0, 143, -signal.SIGTERM},
    run=signal_run(signal.SIGTERM),
)


# --- Query text -------------------------------------------------------------------------------


def _nest(depth: int, opener: str = "{", closer: str = "}") -> str:
    return "SELECT * WHERE " + opener * depth + " ?s ?p ?o " + closer * depth


QUERY_TEXTS: list[
    tuple[str, Callable[[Ctx], str | bytes], frozenset[int], frozenset[int], dict]
] = []


def query_text(name, text, local, remote=None, **opts) -> None:  # type: ignore[no-untyped-def]
    QUERY_TEXTS.append(
        (
            name,
            text if callable(text) else (lambda ctx, t=text: t),
            frozenset(local),
            frozenset(remote if remote is not None else local),
            opts,
        )
    )


def _trap_url(ctx: Ctx, path: str = "/sparql", handler: L.Handler | None = None) -> str:
    return ctx.trap(handler).url(path)


query_text(
    "service",
    lambda ctx: f"SELECT * WHERE {{ SERVICE <{_trap_url(ctx)}> {{ ?s ?p ?o }} }}",
    BAD,
    OK,
)
query_text(
    "service-slow",
    lambda ctx: f"SELECT * WHERE {{ SERVICE <{_trap_url(ctx, handler=L.silent)}> {{ ?s ?p ?o }} }}",
    BAD,
    OK,
)
query_text(
    "service-silent",
    lambda ctx: f"SELECT * WHERE {{ SERVICE SILENT <{_trap_url(ctx)}> {{ ?s ?p ?o }} }}",
    BAD,
    OK,
)
query_text(
    "service-lowercase",
    lambda ctx: f"select * where {{ service <{_trap_url(ctx)}> {{ ?s ?p ?o }} }}",
    BAD,
    OK,
)
query_text(
    "service-in-optional",
    lambda ctx: (
        f"SELECT * WHERE {{ ?s a skos:Concept OPTIONAL {{ {{ SELECT * WHERE {{ SERVICE <{_trap_url(ctx)}> {{ ?s ?p ?o }} }} }} }} }} LIMIT 1"  # noqa: E501
    ),
    BAD,
    OK,
)
query_text(
    "service-variable",
    lambda ctx: (
        f"SELECT * WHERE {{ VALUES ?g {{ <{_trap_url(ctx)}> }} SERVICE ?g {{ ?s ?p ?o }} }}"
    ),
    BAD,
    EITHER,
)
query_text(
    "service-construct",
    lambda ctx: f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ SERVICE <{_trap_url(ctx)}> {{ ?s ?p ?o }} }}",
    BAD,
    OK,
)
query_text(
    "service-ask", lambda ctx: f"ASK {{ SERVICE <{_trap_url(ctx)}> {{ ?s ?p ?o }} }}", BAD, {0, 1}
)
query_text(
    "from-url",
    lambda ctx: f"SELECT * FROM <{_trap_url(ctx, '/graph.ttl')}> WHERE {{ ?s ?p ?o }} LIMIT 1",
    EITHER,
    OK,
)
query_text(
    "from-named-url",
    lambda ctx: (
        f"SELECT * FROM NAMED <{_trap_url(ctx, '/graph.ttl')}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }} LIMIT 1"  # noqa: E501
    ),
    EITHER,
    OK,
)
query_text(
    "from-file",
    lambda ctx: f"SELECT ?o FROM <{inputs(ctx).path('secret').as_uri()}> WHERE {{ ?s ?p ?o }}",
    EITHER,
    OK,
    forbidden=True,
)
query_text("load-url", lambda ctx: f"LOAD <{_trap_url(ctx, '/data.ttl')}>", BAD)
query_text("insert-data", "INSERT DATA { <http://e/a> <http://e/p> <http://e/b> }", BAD)
query_text("drop-all", "DROP ALL", BAD)
query_text("describe-url", lambda ctx: f"DESCRIBE <{_trap_url(ctx, '/thing')}>", OK)
query_text(
    "function-url",
    lambda ctx: f"SELECT * WHERE {{ BIND(<{_trap_url(ctx, '/fn')}>(1) AS ?x) }}",
    EITHER,
    EITHER,
)
query_text("nest-100", _nest(100), EITHER, {0, 2, 3})
query_text("nest-1000", _nest(1000), BAD, {0, 2, 3})
query_text("nest-5000", _nest(5000), BAD, {0, 2, 3})
query_text("nest-50000", _nest(50_000), BAD, {0, 2, 3})
query_text(
    "nest-optional-3000",
    "SELECT * WHERE { ?s ?p ?o " + "OPTIONAL { ?s ?p ?o " * 3000 + "}" * 3000 + " }",
    BAD,
    {0, 2, 3},
)
query_text(
    "nest-parens-5000",
    "SELECT * WHERE { ?s ?p ?o FILTER(" + "(" * 5000 + "1" + ")" * 5000 + ") }",
    BAD,
    {0, 2, 3},
)
query_text(
    "nest-brackets-5000",
    "SELECT * WHERE { ?s ?p " + "[ ?p " * 5000 + "?o" + " ]" * 5000 + " }",
    BAD,
    {0, 2, 3},
)
query_text(
    "nest-union-5000",
    "SELECT * WHERE { " + "{ ?s ?p ?o } UNION " * 5000 + "{ ?s ?p ?o } }",
    {0, 2},
    {0, 2, 3},
    timeout=120,  # a hang guard: 1M rows are read before --max-rows stops it (20 s, loaded)
)
query_text(
    "cartesian",
    "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }",
    {2, 3},
    OK,
    extra=["--timeout", "3"],
    timeout=40,
    local_only=True,
)
query_text(
    "cartesian-count",
    "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }",
    {0, 2, 3},
    OK,
    extra=["--timeout", "3"],
    timeout=40,
    local_only=True,
)
query_text(
    "huge-values",
    "SELECT * WHERE { VALUES ?x { " + " ".join(f'"v{i}"' for i in range(50_000)) + " } } LIMIT 1",
    EITHER,
    {0, 2, 3},
    file=True,
    timeout=40,
)
query_text("empty", "", BAD, file=True)
query_text("comments-only", "# nothing\n# here\n", BAD)
query_text("non-utf8-file", lambda ctx: b'SELECT ?s WHERE { ?s ?p "caf\xe9" }\n', BAD, file=True)
query_text("non-utf8-stdin", lambda ctx: b'SELECT ?s WHERE { ?s ?p "caf\xe9" }\n', BAD, stdin=True)
query_text("non-utf8-argv", lambda ctx: b'SELECT ?s WHERE { ?s ?p "caf\xe9" }', BAD)
query_text("nul-file", lambda ctx: b"SELECT ?s WHERE { ?s ?p \x00 }\n", BAD, file=True)
query_text("nul-stdin", lambda ctx: b"SELECT ?s WHERE { ?s ?p \x00 }\n", BAD, stdin=True)
query_text(
    "bom-file",
    lambda ctx: b"\xef\xbb\xbfSELECT ?s WHERE { ?s a skos:Concept } LIMIT 1\n",
    EITHER,
    {0, 2},
    file=True,
)
query_text(
    "escape-file", lambda ctx: b"SELECT ?s WHERE { ?s ?p \x1b[2J\x1b]0;t\x07 }\n", BAD, file=True
)
query_text("escape-argv", "SELECT ?s WHERE { ?s ?p \x1b[2J\x1b]0;t\x07 }", BAD)
query_text("bidi-argv", "SELECT ?s WHERE { ?s ?p \u202e\u200b }", BAD)
query_text("surrogate-literal", 'SELECT * WHERE { BIND("\\uD800" AS ?x) }', EITHER, {0, 2, 3})
query_text("unknown-prefix", "SELECT * WHERE { ?s nope:p ?o }", BAD)


def _query_cases() -> None:
    for name, text_of, local, remote, opts in QUERY_TEXTS:
        modes = [("local", local)]
        if not opts.get("local_only"):
            modes.append(("endpoint", remote))
            if name.startswith(
                ("service", "from", "nest-1000", "nest-5000", "nest-parens", "load", "function")
            ):
                modes.append(("viz", local))
        for mode, expect in modes:
            case(
                f"sparql-{mode}/{name}",
                "viz" if mode == "viz" else "query",
                "query",
                _query_build(name, text_of, mode, opts),
                expect,
            )


def _query_build(name, text_of, mode, opts):  # type: ignore[no-untyped-def]
    def build(ctx: Ctx) -> Invocation:
        text = text_of(ctx)
        stdin = None
        source: str | bytes = text
        names: str | None = None
        if opts.get("file"):
            path = ctx.file(f"{name}.rq", text)
            source, names = str(path), str(path)
        elif opts.get("stdin"):
            stdin = text if isinstance(text, bytes) else text.encode()
            source, names = "-", None
        forbidden = (SECRET,) if opts.get("forbidden") else ()
        timeout = opts.get("timeout", 12.0)
        if mode == "viz":
            args = [
                "viz",
                "--data",
                str(inputs(ctx).path("small")),
                "--query",
                source,
                "-o",
                str(ctx.out / "view.html"),
            ]
            return Invocation(
                args,
                stdin=stdin,
                target=ctx.out / "view.html",
                forbidden=forbidden,
                timeout=timeout,
            )
        graph_form = isinstance(text, str) and re.match(r"\s*(CONSTRUCT|DESCRIBE)\b", text, re.I)
        args = ["query", source, "-f", "nt" if graph_form else "csv", *opts.get("extra", [])]
        if mode == "endpoint":
            args += ["--endpoint", ctx.endpoint().url("/query"), "--timeout", "5"]
        return Invocation(args, stdin=stdin, names=names, forbidden=forbidden, timeout=timeout)

    return build


_query_cases()


# --- Parameters: injection payloads ------------------------------------------------------------

TEXT_PAYLOADS = {
    "quote-drop": 'x" } ; DROP ALL ; #',
    "backslash-quote": '\\" } UNION { ?concept ?p ?o } #',
    "double-backslash-quote": 'x\\\\" . } UNION { ?concept ?p ?o } #',
    "newline": "x\n} UNION { ?concept ?p ?o }",
    "u-escape": "\\u0022 } UNION { ?concept ?p ?o } #",
    "U-escape": "\\U00000022 } UNION { ?concept ?p ?o } #",
    "triple-quotes": "x''' \"\"\" } UNION { ?concept ?p ?o }",
    "iri-break": "x> } UNION { ?concept ?p ?o } #",
    "escape-sequences": "\x1b[2J\x1b]0;pwned\x07",
    "bidi": "\u202e\u200bzz",
    "tab-cr": "x\t\r} UNION { ?concept ?p ?o }",
    "long": "z" * 100_000,
    "non-utf8": b"\xff\xfe zz",
    "closing-parens": 'x")) } } UNION { ?concept ?p ?o } #',
}
IRI_PAYLOADS = {
    "iri-break": "kg:x> } UNION { ?s ?p ?o } #<",
    "space": "http://example.org/a b",
    "angle": "<http://example.org/a>",
    "newline": "kg:market-visibility\n",
    "quote": 'http://example.org/"x',
    "escape": "http://example.org/\x1b[2J",
    "backslash": "http://example.org/\\u003e",
    "javascript": "javascript:alert(1)",
    "empty-local": "kg:",
    "non-utf8": b"http://example.org/\xff",
}
INT_PAYLOADS = {
    "injection": "1 } UNION { ?s ?p ?o }",
    "huge": "9" * 5000,
    "float": "1e999",
    "negative": "-1",
    "hex": "0x10",
    "underscore": "1_000",
    "fullwidth": "\uff11",
    "empty": "",
}


def _param_case(
    query: str, pname: str, pid: str, value: str | bytes, mode: str, expect, *checks
) -> None:  # type: ignore[no-untyped-def]
    def build(ctx: Ctx) -> Invocation:
        param = (pname + "=").encode() + value if isinstance(value, bytes) else f"{pname}={value}"
        if mode == "viz":
            target = ctx.out / "view.html"
            args = ["viz", "--query", query, "--param", param, "-o", str(target)]
            return Invocation(args, target=target)
        args = ["query", query, "--param", param, "-f", "csv"]
        if mode == "endpoint":
            return Invocation([*args, "--endpoint", ctx.endpoint().url("/query"), "--timeout", "5"])
        return Invocation(args)

    case(
        f"param-{mode}/{query}-{pid}",
        "viz" if mode == "viz" else "query",
        "param",
        build,
        expect,
        *checks,
    )


for _pid, _value in TEXT_PAYLOADS.items():
    for _mode in ("local", "endpoint"):
        _param_case("label-search", "text", _pid, _value, _mode, {0, 2}, no_rows)
for _pid, _value in IRI_PAYLOADS.items():
    _param_case("concept-evidence", "concept", _pid, _value, "local", {0, 2}, no_rows)
    _param_case("concept-neighbourhood", "concept", _pid, _value, "viz", {0, 2})
for _pid, _value in INT_PAYLOADS.items():
    _param_case("most-connected", "min", _pid, _value, "local", {0, 2})


# --- Remote endpoints: kg query --endpoint ------------------------------------------------------

ESCAPE_STATUS = (
    b"HTTP/1.1 500 \x1b[2J\x1b]0;pwned\x07 Oops\r\nContent-Type: text/plain\r\n"
    b"Content-Length: 24\r\nConnection: close\r\n\r\n\x1b[31mred\x00nul\x1b]0;t\x07zzzzzz"
)
BODY_ESCAPES = L.response(
    "200 OK", b"\x1b[2J\x1b]0;pwned\x07\x00 not json", "application/sparql-results+json"
)
NUL_ERROR = L.response("400 Bad Request", b"\x00\x00\x00 bad \x1b[2J query", "text/plain")
HUGE_HEADER = b"HTTP/1.1 200 OK\r\nX-Big: " + b"a" * (1 << 20) + b"\r\n\r\n"


def _laughs_results() -> bytes:
    entities = ['<!ENTITY l0 "lol">'] + [
        f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10)
    ]
    return (
        '<?xml version="1.0"?>\n<!DOCTYPE sparql [' + "".join(entities) + "]>\n"
        '<sparql xmlns="http://www.w3.org/2005/sparql-results#"><head><variable name="x"/></head>'
        '<results><result><binding name="x"><literal>&l9;</literal></binding></result></results></sparql>'  # noqa: E501
    ).encode()


def _xxe_results(ctx: Ctx) -> L.Handler:
    url = ctx.trap().url("/xxe")
    body = (
        f'<?xml version="1.0"?>\n<!DOCTYPE sparql [<!ENTITY e SYSTEM "{url}">]>\n'
        '<sparql xmlns="http://www.w3.org/2005/sparql-results#"><head><variable name="x"/></head>'
        '<results><result><binding name="x"><literal>&e;</literal></binding></result></results></sparql>'  # noqa: E501
    ).encode()
    return L.xml_results(body)


def _xxe_rdfxml(ctx: Ctx) -> L.Handler:
    url = ctx.trap().url("/xxe")
    body = (
        f'<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF [<!ENTITY e SYSTEM "{url}">]>\n{RDF_XML_HEAD}'
        '<rdf:Description rdf:about="http://example.org/a"><ex:p>&e;</ex:p></rdf:Description></rdf:RDF>'
    ).encode()
    return L.xml_results(body, "application/rdf+xml")


def _jsonld_answer(ctx: Ctx) -> L.Handler:
    url = ctx.trap().url("/context.jsonld")
    body = json.dumps({"@context": url, "@id": "http://example.org/a", "label": "x"}).encode()
    return L.xml_results(body, "application/ld+json")


def _deep_json(ctx: Ctx) -> L.Handler:
    return L.xml_results(b"[" * 100_000 + b"]" * 100_000, "application/sparql-results+json")


def _deep_turtle_answer(ctx: Ctx) -> L.Handler:
    body = (
        b"<http://e/a> <http://e/p> "
        + b"[ <http://e/p> " * 50_000
        + b"<http://e/b>"
        + b" ]" * 50_000
        + b" .\n"
    )
    return L.xml_results(body, "text/turtle")


ENDPOINTS: list[tuple[str, Callable[[Ctx], L.Handler], frozenset[int], dict]] = [
    ("redirect-302-other-port", lambda ctx: L.redirect(ctx.trap().url("/query")), REMOTE, {}),
    (
        "redirect-302-other-host",
        lambda ctx: L.redirect(f"http://localhost:{ctx.trap().port}/query"),
        REMOTE,
        {},
    ),
    (
        "redirect-307-other-port",
        lambda ctx: L.redirect(ctx.trap().url("/query"), "307 Temporary Redirect"),
        REMOTE,
        {},
    ),
    (
        "redirect-308-other-host",
        lambda ctx: L.redirect(
            f"http://localhost:{ctx.trap().port}/query", "308 Permanent Redirect"
        ),
        REMOTE,
        {},
    ),
    (
        "redirect-file",
        lambda ctx: L.redirect(inputs(ctx).path("secret").as_uri()),
        REMOTE,
        {"forbidden": True},
    ),
    ("trickle-body", lambda ctx: L.trickle_body, REMOTE, {}),
    ("trickle-head", lambda ctx: L.trickle_head, REMOTE, {}),
    ("endless-body", lambda ctx: L.endless(), REMOTE, {"timeout": 30}),
    ("endless-headers", lambda ctx: L.endless_headers, REMOTE, {"timeout": 30}),
    ("garbage-status", lambda ctx: L.raw(b"HTTP/1.1 abc def\r\n\r\n"), REMOTE, {}),
    ("not-http", lambda ctx: L.raw(b"\x00\x01\x02\x1b[2Jgarbage\r\n\r\n"), REMOTE, {}),
    ("escape-status", lambda ctx: L.raw(ESCAPE_STATUS), REMOTE, {}),
    ("escape-body", lambda ctx: L.raw(BODY_ESCAPES), REMOTE, {}),
    ("nul-error-body", lambda ctx: L.raw(NUL_ERROR), REMOTE, {}),
    ("close-at-once", lambda ctx: L.close_at_once, REMOTE, {}),
    ("silent", lambda ctx: L.silent, REMOTE, {}),
    ("huge-header", lambda ctx: L.raw(HUGE_HEADER), REMOTE, {}),
    ("password-in-url-401", lambda ctx: L.unauthorized, {2, 3}, {"password": True}),
    ("password-in-url-escape", lambda ctx: L.raw(ESCAPE_STATUS), {2, 3}, {"password": True}),
    ("xxe-results", _xxe_results, {0, 3}, {}),
    ("laughs-results", lambda ctx: L.xml_results(_laughs_results()), {0, 3}, {"timeout": 30}),
    ("deep-json-results", _deep_json, REMOTE, {}),
    ("construct-jsonld-remote-context", _jsonld_answer, {0, 3}, {"construct": True}),
    ("construct-rdfxml-xxe", _xxe_rdfxml, {0, 3}, {"construct": True}),
    ("construct-deep-turtle", _deep_turtle_answer, {0, 3}, {"construct": True}),
]


def _endpoint_case(name: str, handler_of, expect, opts) -> None:  # type: ignore[no-untyped-def]
    def build(ctx: Ctx) -> Invocation:
        listener = ctx.endpoint(handler_of(ctx))
        url = listener.url("/query")
        if opts.get("password"):
            url = f"http://kguser:{PASSWORD}@127.0.0.1:{listener.port}/query"
        query = (
            ["concept-neighbourhood", "--param", "concept=kg:agility", "-f", "nt"]
            if opts.get("construct")
            else ["article-q4", "-f", "csv"]
        )
        forbidden = [PASSWORD.encode()] if opts.get("password") else []
        if opts.get("forbidden"):
            forbidden.append(SECRET)
        return Invocation(
            ["query", *query, "--endpoint", url, "--timeout", "2"],
            names=f"127.0.0.1:{listener.port}",
            timeout=opts.get("timeout", 12),
            forbidden=forbidden,
        )

    case(f"endpoint/{name}", "query", "endpoint", build, expect)


for _name, _handler, _expect, _opts in ENDPOINTS:
    _endpoint_case(_name, _handler, _expect, _opts)


def _bad_endpoint(name: str, url_of: Callable[[Ctx], str], expect=BAD, check_header=False) -> None:  # type: ignore[no-untyped-def]
    def build(ctx: Ctx) -> Invocation:
        return Invocation(
            ["query", "article-q4", "--endpoint", url_of(ctx), "--timeout", "2"], names=""
        )

    def injected(ctx: Ctx, raw: Raw) -> Iterable[tuple[str, str]]:
        seen = [b for listener in ctx.listeners for b in listener.requests]
        if any(b"X-Injected" in line for line in seen):
            return [(OTHER, "a header was injected through the URL")]
        return []

    case(
        f"endpoint/{name}",
        "query",
        "endpoint",
        build,
        expect,
        *([injected] if check_header else []),
    )


_bad_endpoint("file-url", lambda ctx: inputs(ctx).path("secret").as_uri())
_bad_endpoint("ftp-url", lambda ctx: f"ftp://127.0.0.1:{ctx.trap().port}/")
_bad_endpoint("no-host", lambda ctx: "http://")
_bad_endpoint("bad-brackets", lambda ctx: "http://[::1")
_bad_endpoint(
    "escape-in-url", lambda ctx: ctx.endpoint(L.unauthorized).url("/\x1b[2J\x1b]0;t\x07"), {2, 3}
)
_bad_endpoint(
    "crlf-in-url", lambda ctx: ctx.endpoint().url("/q\r\nX-Injected: 1"), {2, 3}, check_header=True
)
_bad_endpoint("port-0", lambda ctx: "http://127.0.0.1:0/query", {2, 3})


# --- Remote endpoints: kg push ---------------------------------------------------------------

PUSH_ENDPOINTS: list[tuple[str, Callable[[Ctx], L.Handler], frozenset[int], dict]] = [
    ("redirect-302", lambda ctx: L.redirect(ctx.trap().url("/store")), REMOTE, {}),
    (
        "redirect-307-other-host",
        lambda ctx: L.redirect(
            f"http://localhost:{ctx.trap().port}/store", "307 Temporary Redirect"
        ),
        REMOTE,
        {},
    ),
    (
        "redirect-302-append",
        lambda ctx: L.redirect(ctx.trap().url("/store")),
        REMOTE,
        {"append": True},
    ),
    (
        "redirect-307-append-other-host",
        lambda ctx: L.redirect(
            f"http://localhost:{ctx.trap().port}/store", "307 Temporary Redirect"
        ),
        REMOTE,
        {"append": True},
    ),
    (
        "redirect-later",
        lambda ctx: L.ok_then(L.redirect(ctx.trap().url("/store"), "307 Temporary Redirect")),
        REMOTE,
        {},
    ),
    (
        "redirect-with-user",
        lambda ctx: L.redirect(
            f"http://localhost:{ctx.trap().port}/store", "307 Temporary Redirect"
        ),
        REMOTE,
        {"user": True},
    ),
    ("trickle-body", lambda ctx: L.trickle_body, REMOTE, {}),
    ("trickle-head", lambda ctx: L.trickle_head, REMOTE, {}),
    ("endless-body", lambda ctx: L.endless(b"text/plain"), REMOTE, {"timeout": 30}),
    ("endless-headers", lambda ctx: L.endless_headers, REMOTE, {"timeout": 30}),
    ("garbage-status", lambda ctx: L.raw(b"HTTP/1.1 abc def\r\n\r\n"), REMOTE, {}),
    ("not-http", lambda ctx: L.raw(b"\x00\x01\x02\x1b[2Jgarbage\r\n\r\n"), REMOTE, {}),
    ("escape-status", lambda ctx: L.raw(ESCAPE_STATUS), REMOTE, {}),
    ("nul-error-body", lambda ctx: L.raw(NUL_ERROR), REMOTE, {}),
    ("close-at-once", lambda ctx: L.close_at_once, REMOTE, {}),
    ("silent", lambda ctx: L.silent, REMOTE, {}),
    ("huge-header", lambda ctx: L.raw(HUGE_HEADER), REMOTE, {}),
    ("count-garbage", lambda ctx: L.ok_then(L.raw(BODY_ESCAPES), after=2), REMOTE, {}),
    ("count-endless", lambda ctx: L.ok_then(L.endless(), after=2), REMOTE, {"timeout": 30}),
    ("password-in-url-401", lambda ctx: L.unauthorized, {2, 3}, {"password": True}),
    ("password-in-url-escape", lambda ctx: L.raw(ESCAPE_STATUS), {2, 3}, {"password": True}),
]


def _push_case(name: str, handler_of, expect, opts) -> None:  # type: ignore[no-untyped-def]
    def build(ctx: Ctx) -> Invocation:
        listener = ctx.endpoint(handler_of(ctx))
        url = listener.url("/store")
        if opts.get("password"):
            url = f"http://kguser:{PASSWORD}@127.0.0.1:{listener.port}/store"
        args = [
            "push",
            "--data",
            str(inputs(ctx).path("small")),
            "--endpoint",
            url,
            "--timeout",
            "2",
            "--retries",
            "0",
        ]
        env = {}
        if opts.get("append"):
            args.append("--append")
        if opts.get("user"):
            args += ["--user", "kguser"]
            env["KG_PASSWORD"] = PASSWORD
        forbidden = [PASSWORD.encode()] if opts.get("password") or opts.get("user") else []
        return Invocation(
            args,
            env=env,
            names=f"127.0.0.1:{listener.port}",
            timeout=opts.get("timeout", 12),
            forbidden=forbidden,
        )

    case(f"push-endpoint/{name}", "push", "endpoint", build, expect)


for _name, _handler, _expect, _opts in PUSH_ENDPOINTS:
    _push_case(_name, _handler, _expect, _opts)


def _push_bad(name: str, extra: Callable[[Ctx], list[str]], names: str) -> None:
    def build(ctx: Ctx) -> Invocation:
        base = [
            "push",
            "--data",
            str(inputs(ctx).path("small")),
            "--timeout",
            "2",
            "--retries",
            "0",
        ]
        return Invocation([*base, *extra(ctx)], names=names)

    case(f"push-endpoint/{name}", "push", "endpoint", build, BAD)


_push_bad("file-url", lambda ctx: ["--endpoint", inputs(ctx).path("secret").as_uri()], "--endpoint")
_push_bad(
    "graph-iri-break",
    lambda ctx: [
        "--endpoint",
        ctx.endpoint().url("/store"),
        "--graph",
        "http://x/> } ; DROP ALL ; #",
    ],
    "--graph",
)
_push_bad(
    "graph-escape",
    lambda ctx: ["--endpoint", ctx.endpoint().url("/store"), "--graph", "http://x/\x1b[2J"],
    "--graph",
)
_push_bad(
    "user-without-password",
    lambda ctx: ["--endpoint", ctx.endpoint().url("/store"), "--user", "kguser"],
    "--user",
)


# --- Names, options and the article -------------------------------------------------------------


def _simple(
    name: str,
    command: str,
    args: list[str | bytes] | Callable[[Ctx], list[str | bytes]],
    expect,
    *checks,
    env=None,
    names=None,
) -> None:  # type: ignore[no-untyped-def]
    def build(ctx: Ctx) -> Invocation:
        built = args(ctx) if callable(args) else args
        small = str(inputs(ctx).path("small"))
        built = [a.replace("{small}", small) if isinstance(a, str) else a for a in built]
        target = ctx.out / "view.html" if "{out}" in built else None
        built = [str(target) if a == "{out}" else a for a in built]
        return Invocation(built, env=env or {}, target=target, names=names)

    case(f"options/{name}", command, "options", build, expect, *checks)


_simple("queries-escape-name", "queries", ["queries", "\x1b[2J\x1b]0;t\x07nope"], BAD)
_simple("queries-path", "queries", ["queries", "../../../../etc/passwd"], BAD)
_simple("queries-non-utf8", "queries", ["queries", b"\xff\xfe"], BAD)
_simple("query-escape-name", "query", ["query", "\x1b]0;title\x07nope"], BAD)
_simple("query-bidi-name", "query", ["query", "article-q4\u202e"], BAD)
_simple("syntax-escape", "stats", ["stats", "--data", "{small}", "--syntax", "\x1b[2Jttl"], BAD)
_simple("export-format-escape", "export", ["export", "--data", "{small}", "-f", "\x1b[2Jttl"], BAD)
_simple(
    "export-graphs-escape", "export", ["export", "--data", "{small}", "--graphs", "\x1b[2J"], BAD
)
_simple(
    "viz-focus-escape",
    "viz",
    ["viz", "--data", "{small}", "--focus", "\x1b[2J\x1b]0;t\x07", "-o", "{out}"],
    BAD,
)
_simple(
    "viz-classes-escape",
    "viz",
    ["viz", "--data", "{small}", "--classes", "\x1b[2J", "-o", "{out}"],
    BAD,
)
_simple(
    "viz-title-markup",
    "viz",
    [
        "viz",
        "--data",
        "{small}",
        "--title",
        "</script><script>alert(1)</script><img src=x onerror=alert(2)>",
        "-o",
        "{out}",
    ],
    OK,
    page_safe(b"</script><script>alert(1)", b"<img src=x onerror"),
)
_simple(
    "viz-focus-non-utf8",
    "viz",
    ["viz", "--data", "{small}", "--focus", b"\xff", "-o", "{out}"],
    BAD,
)
_simple(
    "stats-missing-escape-name",
    "stats",
    ["stats", "--data", "\x1b[2Jmissing.ttl"],
    BAD,
    names="\x1b[2Jmissing.ttl",
)
_simple("stats-non-utf8-name", "stats", ["stats", "--data", b"\xff.ttl"], BAD)
_simple("param-unknown-escape", "query", ["query", "article-q4", "--param", "\x1b[2J=1"], BAD)
_simple(
    "param-malformed", "query", ["query", "label-search", "--param", "text"], BAD, names="--param"
)


def _article(
    name: str,
    make: Callable[[Ctx], Path | str],
    expect=frozenset({1, 2}),
    stdin: bytes | None = None,
) -> None:
    def build(ctx: Ctx) -> Invocation:
        source = make(ctx)
        return Invocation(
            ["validate", str(inputs(ctx).path("small")), "--source", str(source)],
            stdin=stdin,
            names=str(source) if source != "/proc/self/fd/0" else None,
            timeout=15,
        )

    case(f"validate-source/{name}", "validate", "options", build, expect)


def _article_fifo(ctx: Ctx) -> Path:
    path = ctx.dir / "in" / "article.txt"
    path.parent.mkdir(exist_ok=True)
    os.mkfifo(path)

    def writer() -> None:
        with contextlib.suppress(OSError), open(path, "wb") as handle:
            handle.write(b"nothing like the article\n")

    threading.Thread(target=writer, daemon=True).start()

    def release() -> None:
        with contextlib.suppress(OSError):
            fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
            time.sleep(0.05)
            os.close(fd)

    ctx.at_exit(release)
    return path


_article("latin1", shared("article-latin1"))
_article("empty", shared("article-empty"), BAD)
_article("nul", shared("article-nul"))
_article("folder", _folder, BAD)
_article("missing", _missing, BAD)
_article("fifo", _article_fifo)
_article("dev-zero", _device(1, 5, "zero.txt"), BAD)


# --- One input, one answer: kg stats and kg query count the same triples ------------------------


def _agree_run(ctx: Ctx, inv: Invocation) -> Raw:
    path = inv.args[-1]
    counted_by_query = ["query", COUNT_QUERY, "--data", path, "-f", "csv"]
    first = run_plain(ctx, Invocation(inv.args, timeout=inv.timeout))
    second = run_plain(ctx, Invocation(counted_by_query, timeout=inv.timeout))
    raw = second if second.rc != 0 or first.rc == 0 else first
    if first.hung or second.hung:
        raw = first if first.hung else second
        return raw
    if first.rc != second.rc:
        raw.notes.append(
            (OTHER, f"commands disagree: kg stats exit {first.rc}, kg query exit {second.rc}")
        )
    elif first.rc == 0 and _triples(first.stdout) != _counted(second.stdout):
        raw.notes.append(
            (
                OTHER,
                f"commands disagree: kg stats counts {_triples(first.stdout)} triples, "
                f"kg query {_counted(second.stdout)}",
            )
        )
    return raw


def _triples(stdout: bytes) -> object:
    try:
        return json.loads(stdout)["triples"]
    except (ValueError, KeyError, TypeError):
        return None


def _counted(stdout: bytes) -> object:
    """The ?n of a COUNT query's CSV (header ``n``, then one row)."""
    lines = stdout.decode("utf-8", "replace").splitlines()
    return int(lines[1]) if len(lines) == 2 and lines[0] == "n" and lines[1].isdigit() else None


def _agree(name: str, path_of: Callable[[Ctx], Path]) -> None:
    """kg stats and kg query exit alike and count as many triples in the file."""

    def build(ctx: Ctx) -> Invocation:
        path = path_of(ctx)
        args = ["stats", "--json", "--data", str(path)]
        return Invocation(args, names=str(path), timeout=20)

    case(f"agree/{name}", "stats", "agree", build, EITHER, run=_agree_run)


for _name in (
    "small", "small-xml", "small-jsonld", "bom-ttl", "bom-nt", "bom-xml", "bom-jsonld", "comments-ttl",  # noqa: E501
    "comments-xml", "latin1-declared-xml", "escaped-nul", "nul-ttl", "ill-typed", "trig-graphs", "nq-quads",  # noqa: E501
    "surrogate", "esc-iri-escape", "cr-only", "crlf", "jsonld-not-rdf", "long-iri", "n3-formula",
):  # fmt: skip
    _agree(_name, shared(_name))
_agree("xxe-http", _xxe_http)
_agree("xxe-file", _xxe_file)
_agree("xml-external-dtd", _external_dtd)
_agree("jsonld-inline", shared("jsonld-inline"))


def all_cases() -> list[Case]:
    return list(CASES)


def select(patterns: Iterable[str]) -> list[Case]:
    """Cases whose id contains any of ``patterns`` (all when there are none)."""
    patterns = list(patterns)
    return [c for c in CASES if not patterns or any(p in c.id for p in patterns)]


__all__ = ["CASES", "PARTIAL", "all_cases", "select"]
