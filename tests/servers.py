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
