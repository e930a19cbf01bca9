"""What stands between ``kg serve``'s clients and the Oxigraph server, and what cleans up.

The Oxigraph server cannot be told to refuse SERVICE (which makes it contact any URL a
client names) or deep nesting (which overflows its parser's stack and aborts it), so
``kg serve`` binds a small Python HTTP front on the public port and runs Oxigraph on a
private loopback address. The front reads every query a request carries (GET or POST on
``/query`` and ``/sparql``: the URL's query string, a form body or a ``sparql-query`` body),
refuses with 400 and one line what :func:`kg.querying.querytext.check_limits` refuses, bounds the
request size, answers only requests addressed to a loopback name (no DNS rebinding), and
forwards the rest, rebuilt from what it checked, so Oxigraph reads exactly that.

The janitor is a tiny process of its own that deletes the store folder (and kills the
server, if it still runs) when ``kg serve`` dies in any way, SIGKILL included: it waits for
the end of a pipe only ``kg serve`` holds open.
"""

from __future__ import annotations

import contextlib
import ctypes
import http.client
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from kg import workers
from kg.errors import KGError
from kg.querying import querytext

MAX_REQUEST_BYTES = 256 * 2**10  # the largest request body (a query) the front accepts
# Stack for each of the Oxigraph server's threads (Rust reads RUST_MIN_STACK; the memory is
# reserved, only touched when used). With the default 2 MiB, a chain of 10,000 operators
# (`1+1+...`, `!!!...`, `<p>/<p>/...`), which no bracket count sees, overflows the parser's
# stack and aborts the whole server; with this, no chain that fits in MAX_REQUEST_BYTES does.
SERVER_THREAD_STACK = 256 * 2**20
QUERY_PATHS = ("/query", "/sparql")  # where Oxigraph runs SPARQL queries
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1", "[::1]")
SERVE_SERVICE_REFUSED = "SERVICE is not allowed: kg serve never contacts other servers"
# Headers of Oxigraph's answers that are passed on (hop-by-hop ones never are).
_ANSWER_HEADERS = (
    "content-type",
    "content-length",
    "content-disposition",
    "cache-control",
    "vary",
    "etag",
    "last-modified",
    "location",
)
_CHUNK = 64 * 1024
_PR_SET_PDEATHSIG = 1


# --- Which requests go through ---------------------------------------------------------------


class Refused(Exception):
    """A request the front answers itself: an HTTP status and one line of text."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Forward:
    """The request Oxigraph gets: rebuilt from what the front checked."""

    method: str
    target: str
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)


def check_query(text: str) -> None:
    """Refused(400) for a query :func:`kg.querying.querytext.check_limits` refuses (SERVICE,
    nesting)."""
    try:
        querytext.check_limits(text, "query", local=True)
    except KGError as error:
        message = error.message.replace(querytext.SERVICE_REFUSED, SERVE_SERVICE_REFUSED)
        raise Refused(400, f"kg serve refuses this query: {message}") from None


def _form(data: str | bytes, what: str) -> list[tuple[str, str]]:
    try:
        text = data.decode("ascii") if isinstance(data, bytes) else data
        return urllib.parse.parse_qsl(
            text, keep_blank_values=True, encoding="utf-8", errors="strict"
        )
    except (UnicodeError, ValueError):
        raise Refused(400, f"the {what} is not UTF-8 form-encoded text") from None


def check_host(host: str | None, bound: str) -> None:
    """Refused(403) unless the Host header names a loopback name (or is absent)."""
    if not host:
        return
    name = host.strip().lower()
    if name.startswith("["):
        name = name.split("]", 1)[0] + "]"
    else:
        name = name.rsplit(":", 1)[0] if name.count(":") == 1 else name
    if name not in (*LOOPBACK_NAMES, bound):
        raise Refused(403, "kg serve answers only requests addressed to 127.0.0.1 or localhost")


def plan(method: str, target: str, content_type: str | None, body: bytes | None) -> Forward:
    """The request to send on to Oxigraph for one client request, or Refused.

    Queries are taken from the URL, a form body or a ``sparql-query`` body; exactly one is
    allowed, it is checked, and the request is rebuilt with it (same path, form-encoded), so
    Oxigraph never reads a query the front did not.
    """
    path, _, query_string = target.partition("?")
    params = _form(query_string, "URL's query string")
    if method not in ("GET", "HEAD", "POST"):
        raise Refused(405, f"kg serve is read-only: {method} is not allowed")
    if path not in QUERY_PATHS:
        if method == "POST":
            raise Refused(405, "kg serve is read-only: POST goes only to /query")
        for name, value in params:
            if name == "query":
                check_query(value)
        return Forward(method, target)
    if method == "POST":
        media = (content_type or "").split(";", 1)[0].strip().lower()
        payload = body or b""
        if media == "application/sparql-query":
            try:
                params.append(("query", payload.decode("utf-8")))
            except UnicodeDecodeError:
                raise Refused(400, "the query is not UTF-8 text") from None
        elif media == "application/x-www-form-urlencoded":
            params += _form(payload, "form")
        else:
            raise Refused(
                415,
                "send the query as application/sparql-query or application/x-www-form-urlencoded",
            )
    queries = [value for name, value in params if name == "query"]
    if len(queries) != 1:
        raise Refused(400, "give exactly one query (the 'query' parameter)")
    check_query(queries[0])
    encoded = urllib.parse.urlencode(params)
    if method == "POST":
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        return Forward("POST", path, encoded.encode("ascii"), headers)
    return Forward(method, f"{path}?{encoded}")


# --- The front ---------------------------------------------------------------------------------


class Front(ThreadingHTTPServer):
    """The public HTTP server of ``kg serve``: checks, then forwards to ``upstream``."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], timeout: float) -> None:
        super().__init__(address, _FrontHandler)
        self.upstream: tuple[str, int] | None = None
        self.query_timeout = timeout
        self.serving: threading.Thread | None = None

    def start(self, upstream: tuple[str, int]) -> None:
        """Forward to ``upstream`` (host, port) and serve in a thread of its own."""
        self.upstream = upstream
        self.serving = workers.start(self._serve, "kg-serve-front")

    def _serve(self) -> None:
        with contextlib.suppress(OSError, ValueError):  # closed before it began: nothing to do
            self.serve_forever()

    def stop(self) -> None:
        """Stop serving, if it began, and close the socket (any time, from the main thread)."""
        if self.serving is not None:
            self.shutdown()  # returns once serve_forever has ended
        self.server_close()


class _FrontHandler(BaseHTTPRequestHandler):
    server: Front
    server_version = "kg-serve"
    protocol_version = "HTTP/1.0"
    timeout = 60  # seconds for each read of a client's request

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: kg serve prints nothing per request."""

    def do_GET(self) -> None:
        self._handle()

    do_HEAD = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_GET

    def _handle(self) -> None:
        try:
            check_host(self.headers.get("Host"), self.server.server_address[0])
            body = self._read_body()
            forward = plan(self.command, self.path, self.headers.get("Content-Type"), body)
        except Refused as refused:
            self._answer(refused.status, refused.message)
            return
        self._forward(forward)

    def _read_body(self) -> bytes | None:
        if self.command != "POST":
            return None
        if self.headers.get("Transfer-Encoding"):
            raise Refused(411, "send the request with a Content-Length")
        length = (self.headers.get("Content-Length") or "").strip()
        if not length.isdigit():
            raise Refused(411, "send the request with a Content-Length")
        if int(length) > MAX_REQUEST_BYTES:
            raise Refused(413, f"the request is larger than {MAX_REQUEST_BYTES} bytes")
        return self.rfile.read(int(length))

    def _answer(self, status: int, message: str) -> None:
        payload = (message + "\n").encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    def _forward(self, forward: Forward) -> None:
        assert self.server.upstream is not None
        host, port = self.server.upstream
        accept = self.headers.get("Accept")
        headers = {**forward.headers, **({"Accept": accept} if accept else {})}
        connection = http.client.HTTPConnection(host, port, timeout=self.server.query_timeout + 30)
        started = False
        try:
            connection.request(forward.method, forward.target, forward.body, headers)
            answer = connection.getresponse()
            started = True
            self.send_response(answer.status, answer.reason)
            for name, value in answer.getheaders():
                if name.lower() in _ANSWER_HEADERS:
                    self.send_header(name, value)
            self.end_headers()
            if forward.method != "HEAD":
                while chunk := answer.read(_CHUNK):
                    self.wfile.write(chunk)
        except (OSError, http.client.HTTPException):
            # Before the answer began: say so. After: the client went away, or the server
            # broke off; closing the connection is all that is left to do.
            if not started:
                with contextlib.suppress(OSError):
                    self._answer(502, "the oxigraph server did not answer")
        finally:
            connection.close()


# --- Children that die with kg serve ----------------------------------------------------------


def die_with_parent() -> None:
    """In a child before exec: be killed (SIGKILL) when the process that started it dies."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def child_options() -> dict[str, object]:
    """Popen options for a child that must not outlive kg (Linux; elsewhere, none)."""
    return {"preexec_fn": die_with_parent} if sys.platform.startswith("linux") else {}


def server_environment() -> dict[str, str]:
    """The Oxigraph server's environment: ours, with deep stacks for its threads."""
    return {**os.environ, "RUST_MIN_STACK": str(SERVER_THREAD_STACK)}


_JANITOR = r"""
import os, shutil, signal, sys, tempfile, time
for sig in (signal.SIGINT, signal.SIGHUP, signal.SIGTERM):
    signal.signal(sig, signal.SIG_IGN)
try:
    folder = tempfile.mkdtemp(prefix=sys.argv[1])
except OSError as error:
    print("!" + (error.strerror or str(error)), flush=True)
    sys.exit(1)
try:
    print(folder, flush=True)
except OSError:  # kg is gone already: clean up at once
    pass
sys.stdin.read()  # returns when kg closes the pipe or dies
def ours(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return folder.encode() in f.read()
    except OSError:
        return False
def naming_folder():  # the server, or an `oxigraph load` still running
    try:
        found = {int(name) for name in os.listdir("/proc") if name.isdigit()}
    except OSError:
        found = set()
    return {pid for pid in found if pid != os.getpid() and ours(pid)}
deadline = time.monotonic() + 10
while time.monotonic() < deadline:
    alive = naming_folder()
    for pid in alive:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    if not alive:
        shutil.rmtree(folder, ignore_errors=True)
        if not os.path.exists(folder):
            break
    time.sleep(0.05)
"""


class Janitor:
    """A process that makes a temporary folder for ``kg serve`` and, once kg ends (even by
    SIGKILL), kills its server and deletes the folder.

    The janitor makes the folder itself, so no moment exists when the folder is there and
    nobody will delete it. It waits for the end of a pipe, which comes when kg closes it or
    dies, then kills every process whose command line names the folder (the server, or an
    ``oxigraph load`` still running) and deletes the folder once none is left.
    """

    def __init__(self, prefix: str = "kg-serve-") -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-I", "-S", "-c", _JANITOR, prefix],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # no Ctrl-C or hang-up from the terminal reaches it
            text=True,
        )
        assert self.process.stdout is not None
        try:
            said = self.process.stdout.readline().rstrip("\n")
        except BaseException:  # a stop signal: the janitor deletes what it made
            self.finish()
            raise
        finally:
            self.process.stdout.close()
        if not said or said.startswith("!"):
            self.finish()
            reason = said[1:] or "the janitor process did not start"
            raise KGError(tempfile.gettempdir(), f"cannot make the store's folder: {reason}")
        self.folder = Path(said)

    def finish(self, timeout: float = 15.0) -> None:
        """Close the pipe (the janitor then cleans up) and wait for it."""
        if self.process.stdin is not None:
            with contextlib.suppress(OSError):
                self.process.stdin.close()
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def private_address(choose: Callable[[], int]) -> str:
    """A loopback address for Oxigraph that a browser cannot guess: 127.x.y.z, if it binds.

    ``choose`` gives random numbers (``secrets.randbits(24)``); 127.0.0.1 if binding fails.
    """
    for _ in range(5):
        number = choose() % (2**24 - 2) + 1
        address = f"127.{number >> 16 & 255}.{number >> 8 & 255}.{number & 255}"
        if address.endswith(".0") or address.endswith(".255"):
            continue
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
                sock.bind((address, 0))
            return address
        except OSError:
            continue
    return "127.0.0.1"
