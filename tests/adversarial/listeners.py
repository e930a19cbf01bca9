"""Recording TCP listeners on 127.0.0.1 that play well-behaved or hostile HTTP servers.

Every case that puts a URL in front of ``kg`` points it at one of these. A listener the
case names as the endpoint (``allowed``) may see traffic; any other (a SERVICE target, a
JSON-LD context, a redirect target, an XML external entity) must record zero connections.
Each listener is a plain socket served by threads, so it can also send what no HTTP library
would: a garbage status line, an answer that trickles or never ends, escape sequences.
"""

from __future__ import annotations

import contextlib
import re
import socket
import threading
import time
import urllib.parse
from collections.abc import Callable

HOST = "127.0.0.1"

EMPTY_SELECT = b'{"head": {"vars": ["x"]}, "results": {"bindings": []}}'


def _read_request(conn: socket.socket, limit: int = 1 << 20) -> bytes:
    """The request head and (up to ``limit`` bytes of) its body; b"" if none came."""
    conn.settimeout(5)
    data = b""
    try:
        while b"\r\n\r\n" not in data and len(data) < limit:
            chunk = conn.recv(65536)
            if not chunk:
                return data
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                with contextlib.suppress(ValueError):
                    length = int(value.strip())
        while len(body) < min(length, limit):
            chunk = conn.recv(65536)
            if not chunk:
                break
            body += chunk
        return head + b"\r\n\r\n" + body
    except OSError:
        return data


def response(
    status: str, body: bytes = b"", content_type: str = "text/plain", extra: str = ""
) -> bytes:
    head = (
        f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n{extra}\r\n"
    )
    return head.encode("latin-1") + body


Handler = Callable[["Listener", socket.socket, bytes], None]


class Listener:
    """A TCP listener on 127.0.0.1 (port 0) recording every connection and request line."""

    def __init__(
        self, handler: Handler | None = None, *, allowed: bool = False, name: str = "trap"
    ):
        self.handler = handler or ok_handler
        self.allowed = allowed
        self.name = name
        self.connections = 0
        self.requests: list[bytes] = []
        self.bodies: list[bytes] = []
        self.calls = 0  # requests answered so far (for handlers that change over time)
        self.closed = threading.Event()
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((HOST, 0))
        self.sock.listen(64)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self._lock = threading.Lock()
        self._conns: list[socket.socket] = []
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def url(self, path: str = "/") -> str:
        return f"http://{HOST}:{self.port}{path}"

    def _serve(self) -> None:
        while not self.closed.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with self._lock:
                self.connections += 1
                self._conns.append(conn)
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        try:
            request = _read_request(conn)
            head = request.partition(b"\r\n")[0]
            with self._lock:
                self.requests.append(head[:300])
                self.bodies.append(request.partition(b"\r\n\r\n")[2][:100_000])
                self.calls += 1
            if request:
                self.handler(self, conn, request)
        except OSError:
            pass
        finally:
            with contextlib.suppress(OSError):
                conn.close()

    def close(self) -> None:
        self.closed.set()
        with contextlib.suppress(OSError):
            self.sock.close()
        with self._lock:
            for conn in self._conns:
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)
                with contextlib.suppress(OSError):
                    conn.close()

    def describe(self) -> str:
        lines = b", ".join(self.requests[:3]).decode("latin-1", "replace")
        return f"{self.name} listener :{self.port} saw {self.connections} connection(s) [{lines}]"


# --- Handlers ------------------------------------------------------------------------------


def ok_handler(listener: Listener, conn: socket.socket, request: bytes) -> None:
    """A polite SPARQL endpoint / Graph Store: empty results, or 204 for writes."""
    head = request.partition(b"\r\n\r\n")[0].lower()
    method = head.split(b" ", 1)[0]
    writes = b"content-type: application/n-triples" in head or b"content-type: text/turtle" in head
    if method in (b"put", b"delete") or (method == b"post" and writes):
        conn.sendall(response("204 No Content"))
    elif b"accept: application/n-triples" in head:
        conn.sendall(response("200 OK", b"", "application/n-triples"))
    elif _is_ask(request):
        conn.sendall(
            response("200 OK", b'{"head": {}, "boolean": true}', "application/sparql-results+json")
        )
    else:
        conn.sendall(response("200 OK", EMPTY_SELECT, "application/sparql-results+json"))


def _is_ask(request: bytes) -> bool:
    body = request.partition(b"\r\n\r\n")[2].decode("utf-8", "replace")
    query = " ".join(urllib.parse.parse_qs(body).get("query", []))
    return bool(re.search(r"^\s*(PREFIX\s+\S+\s+<[^>]*>\s*)*ASK\b", query, re.I))


def redirect(target: str, status: str = "302 Found") -> Handler:
    def handler(listener: Listener, conn: socket.socket, request: bytes) -> None:
        conn.sendall(response(status, b"moved", extra=f"Location: {target}\r\n"))

    return handler


def ok_then(later: Handler, after: int = 1) -> Handler:
    """Answer like ``ok_handler`` for the first ``after`` requests, then like ``later``."""

    def handler(listener: Listener, conn: socket.socket, request: bytes) -> None:
        if listener.calls <= after:
            ok_handler(listener, conn, request)
        else:
            later(listener, conn, request)

    return handler


def raw(data: bytes) -> Handler:
    def handler(listener: Listener, conn: socket.socket, request: bytes) -> None:
        conn.sendall(data)

    return handler


def trickle_body(listener: Listener, conn: socket.socket, request: bytes) -> None:
    """Headers at once, then one byte a second of a body that never completes in time."""
    conn.sendall(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/sparql-results+json\r\n"
        b"Content-Length: 100000\r\n\r\n"
    )
    body = EMPTY_SELECT + b" " * 100_000
    for byte in body:
        if listener.closed.is_set():
            return
        conn.sendall(bytes([byte]))
        time.sleep(1)


def trickle_head(listener: Listener, conn: socket.socket, request: bytes) -> None:
    """The status line and headers themselves, one byte a second."""
    head = b"HTTP/1.1 200 OK\r\n" + b"X-Slow: " + b"a" * 10_000 + b"\r\n\r\n"
    for byte in head:
        if listener.closed.is_set():
            return
        conn.sendall(bytes([byte]))
        time.sleep(1)


def endless(content_type: bytes = b"application/sparql-results+json") -> Handler:
    """200, no length, then an answer that never ends, as fast as the client reads it."""

    def handler(listener: Listener, conn: socket.socket, request: bytes) -> None:
        conn.sendall(
            b"HTTP/1.1 200 OK\r\nContent-Type: " + content_type + b"\r\nConnection: close\r\n\r\n"
        )
        conn.sendall(b'{"head": {"vars": ["x"]}, "results": {"bindings": [')
        chunk = b'{"x": {"type": "literal", "value": "aaaaaaaaaaaaaaaa"}},' * 1000
        deadline = time.monotonic() + 60
        while not listener.closed.is_set() and time.monotonic() < deadline:
            conn.sendall(chunk)

    return handler


def endless_headers(listener: Listener, conn: socket.socket, request: bytes) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\n")
    deadline = time.monotonic() + 60
    while not listener.closed.is_set() and time.monotonic() < deadline:
        conn.sendall(b"X-A: b\r\n" * 1000)


def silent(listener: Listener, conn: socket.socket, request: bytes) -> None:
    """Read the request and never answer (until the listener closes)."""
    listener.closed.wait(60)


def close_at_once(listener: Listener, conn: socket.socket, request: bytes) -> None:
    return


def unauthorized(listener: Listener, conn: socket.socket, request: bytes) -> None:
    conn.sendall(
        response("401 Unauthorized", b"who are you?", extra='WWW-Authenticate: Basic realm="x"\r\n')
    )


def xml_results(body: bytes, content_type: str = "application/sparql-results+xml") -> Handler:
    def handler(listener: Listener, conn: socket.socket, request: bytes) -> None:
        conn.sendall(response("200 OK", body, content_type))

    return handler
