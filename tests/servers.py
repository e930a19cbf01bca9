"""Real SPARQL servers for tests, started on 127.0.0.1 and stopped afterwards."""

from __future__ import annotations

import shutil
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

# What a raw listener does with one connection, given the request it read.
Behaviour = Callable[[socket.socket, bytes], None]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_http(url: str, timeout: float = 30.0) -> None:
    """Poll ``url`` until it answers (any HTTP status) or ``timeout`` seconds pass."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer within {timeout} s")


def oxigraph_binary() -> str | None:
    """The `oxigraph` server binary (from the `oxigraph` PyPI package), if installed."""
    import sys

    beside_python = Path(sys.executable).parent / "oxigraph"
    if beside_python.exists():
        return str(beside_python)
    return shutil.which("oxigraph")


class OxigraphServer:
    """An Oxigraph server on 127.0.0.1 with an on-disk store in ``location``.

    ``preload`` files are loaded with `oxigraph load` before the server starts (N-Quads keep
    their graphs; triple files go to the default graph). ``union_default_graph`` makes the
    default graph the union of all graphs for queries.
    """

    def __init__(
        self,
        location: Path,
        preload: list[Path] | None = None,
        *,
        read_only: bool = False,
        union_default_graph: bool = True,
    ) -> None:
        binary = oxigraph_binary()
        if binary is None:
            raise FileNotFoundError("oxigraph binary (pip install oxigraph)")
        self.binary = binary
        self.location = location
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.query_url = f"{self.base}/query"
        self.update_url = f"{self.base}/update"
        self.store_url = f"{self.base}/store"
        for path in preload or []:
            subprocess.run(
                [binary, "load", "--location", str(location), "--file", str(path)],
                check=True,
                capture_output=True,
            )
        command = [
            binary,
            "serve-read-only" if read_only else "serve",
            "--location",
            str(location),
            "--bind",
            f"127.0.0.1:{self.port}",
        ]
        if union_default_graph:
            command.append("--union-default-graph")
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            wait_for_http(self.base + "/")
        except TimeoutError:
            self.stop()
            raise

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def __enter__(self) -> OxigraphServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def virtuoso_binary() -> str | None:
    """Virtuoso's server binary (Debian virtuoso-opensource-7-bin), if installed."""
    return shutil.which("virtuoso-t")


def isql_binary() -> str | None:
    """Virtuoso's SQL client (Debian virtuoso-opensource-7-bin), if installed."""
    return shutil.which("isql-vt")


VIRTUOSO_INI = """\
[Database]
DatabaseFile = {dir}/virtuoso.db
ErrorLogFile = {dir}/virtuoso.log
LockFile = {dir}/virtuoso.lck
TransactionFile = {dir}/virtuoso.trx
xa_persistent_file = {dir}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {dir}/virtuoso-temp.db
TransactionFile = {dir}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{sql_port}
LiteMode = 0
DisableUnixSocket = 1
DisableTcpSocket = 0
ServerThreads = 10
CheckpointInterval = 60
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
DirsAllowed = ., {dir}

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {dir}
MaxClientConnections = 5
ServerThreads = 5
EnabledDavVSP = 0
HTTPProxyEnabled = 0

[SPARQL]
ResultSetMaxRows = 100000
MaxQueryExecutionTime = 60
"""

# Let the anonymous SPARQL user write (Graph Store Protocol and SPARQL Update).
VIRTUOSO_GRANTS = (
    "grant SPARQL_UPDATE to \"SPARQL\"; DB.DBA.RDF_DEFAULT_USER_PERMS_SET ('nobody', 7);"
)


class VirtuosoServer:
    """A Virtuoso server on 127.0.0.1 with its database in ``location`` (read-write).

    ``store_url`` is the Graph Store Protocol endpoint (anonymous, write granted through
    isql), ``auth_store_url`` the digest-authenticated one (user ``dba``, password ``dba``),
    ``query_url`` the SPARQL endpoint. The default graph is the union of all graphs.
    """

    user = "dba"
    password = "dba"

    def __init__(self, location: Path) -> None:
        binary, isql = virtuoso_binary(), isql_binary()
        if binary is None or isql is None:
            raise FileNotFoundError(
                "virtuoso-t / isql-vt (apt-get install virtuoso-opensource-7-bin)"
            )
        self.isql_binary = isql
        self.location = location
        self.sql_port = free_port()
        self.http_port = free_port()
        while self.http_port == self.sql_port:
            self.http_port = free_port()
        self.base = f"http://127.0.0.1:{self.http_port}"
        self.query_url = f"{self.base}/sparql"
        self.update_url = f"{self.base}/sparql"
        self.store_url = f"{self.base}/sparql-graph-crud"
        self.auth_store_url = f"{self.base}/sparql-graph-crud-auth"
        ini = location / "virtuoso.ini"
        ini.write_text(
            VIRTUOSO_INI.format(dir=location, sql_port=self.sql_port, http_port=self.http_port)
        )
        self.log = open(location / "server.out", "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [binary, "-f", "+configfile", str(ini)],
            cwd=location,
            stdin=subprocess.DEVNULL,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_for_http(self.query_url, timeout=120)
            self.isql(VIRTUOSO_GRANTS)
        except BaseException:
            self.stop()
            raise

    def isql(self, sql: str) -> str:
        """Run SQL through isql-vt as dba and return its output."""
        done = subprocess.run(
            [self.isql_binary, f"127.0.0.1:{self.sql_port}", "dba", "dba", f"exec={sql}"],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        return done.stdout

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()

    def __enter__(self) -> VirtuosoServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


# --- Raw listeners for hostile-server tests ------------------------------------------------


def read_request(conn: socket.socket, timeout: float = 10.0) -> bytes:
    """One HTTP request's head and (by Content-Length) body, as bytes."""
    conn.settimeout(timeout)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip() or 0)
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body


class Listener:
    """A TCP listener on a loopback address (port 0) that records every connection.

    Each connection's request is read and handed to ``behaviour`` (default: close at once),
    in its own thread, so a server that trickles or never ends does not block the next one.
    ``connections`` counts the connections accepted; ``requests`` holds what each sent.
    """

    def __init__(self, behaviour: Behaviour | None = None, host: str = "127.0.0.1") -> None:
        self.behaviour = behaviour
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((host, 0))
        self.sock.listen(16)
        self.host = host
        self.port = self.sock.getsockname()[1]
        self.base = f"http://{host}:{self.port}"
        self.connections = 0
        self.requests: list[bytes] = []
        self.closed = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.closed.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        try:
            request = read_request(conn)
            self.requests.append(request)
            if self.behaviour is not None:
                self.behaviour(conn, request)
        except OSError:
            pass
        finally:
            conn.close()

    def url(self, path: str = "x") -> str:
        """``http://HOST:PORT/path`` on this listener."""
        return f"{self.base}/{path.lstrip('/')}"

    def close(self) -> None:
        self.closed.set()
        self.sock.close()

    def __enter__(self) -> Listener:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def answer(status: str, headers: dict[str, str], body: bytes = b"") -> Behaviour:
    """A behaviour that sends one fixed answer."""

    def send(conn: socket.socket, request: bytes) -> None:
        lines = [f"HTTP/1.1 {status}", *(f"{k}: {v}" for k, v in headers.items())]
        if "Content-Length" not in headers:
            lines.append(f"Content-Length: {len(body)}")
        conn.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)

    return send
