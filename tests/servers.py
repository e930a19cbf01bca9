"""Real SPARQL servers for tests, started on 127.0.0.1 and stopped afterwards."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path


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
