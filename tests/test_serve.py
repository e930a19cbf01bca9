"""kg serve: the real Oxigraph server over a temporary store, stopped cleanly by a signal."""

from __future__ import annotations

import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from rdflib import Dataset

from .conftest import FIXTURES, REPO, require
from .servers import free_port, oxigraph_binary


class Served:
    """A running `kg serve` subprocess and what it printed."""

    def __init__(self, args: list[str], tmp_path: Path) -> None:
        self.temp = tmp_path / "tmp"
        self.temp.mkdir()
        self.port = free_port()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "kg", "serve", "--port", str(self.port), *args],
            cwd=REPO,
            env={**os.environ, "TMPDIR": str(self.temp)},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        self.printed: list[str] = []
        while not any(line.startswith("Serving") for line in self.printed):
            line = self.lines.get(timeout=120)
            assert line, f"kg serve ended early: {self.process.stderr.read()}"
            self.printed.append(line.rstrip("\n"))
        self.query_url = next(
            line.split(": ", 1)[1] for line in self.printed if line.startswith("SPARQL endpoint")
        )

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.put(line)
        self.lines.put("")

    def select(self, query: str) -> list[dict]:
        request = urllib.request.Request(
            self.query_url + "?" + urllib.parse.urlencode({"query": query}),
            headers={"Accept": "application/sparql-results+json"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.load(response)["results"]["bindings"]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def oxigraph_processes(folder: Path) -> list[int]:
    """Our own oxigraph processes: those whose command line names a path inside ``folder``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if any(str(folder).encode() in part for part in command) and any(
            part.endswith(b"oxigraph") for part in command[:1]
        ):
            found.append(int(entry.name))
    return found


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture
def need_oxigraph():
    require(oxigraph_binary() is not None, "the oxigraph server (pip install oxigraph)")


@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM])
def test_serve_answers_then_stops_cleanly(stop_signal, need_oxigraph, bundled_nquads, tmp_path):
    served = Served(["--data", str(bundled_nquads)], tmp_path)
    try:
        assert served.query_url == f"http://127.0.0.1:{served.port}/query"
        expected = Dataset().parse(bundled_nquads, format="nquads")
        per_graph = {str(g.identifier): len(g) for g in expected.graphs() if len(g)}
        rows = served.select(
            "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
        )
        assert {r["g"]["value"]: int(r["n"]["value"]) for r in rows} == per_graph
        # The default graph is the union: a query without GRAPH sees the data.
        rows = served.select(
            "SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { "
            "?c a <http://www.w3.org/2004/02/skos/core#Concept> }"
        )
        assert int(rows[0]["n"]["value"]) > 20
        with urllib.request.urlopen(f"http://127.0.0.1:{served.port}/", timeout=30) as page:
            assert page.status == 200
            assert "html" in page.headers.get("Content-Type", "")
        store_folders = list(served.temp.iterdir())
        assert len(store_folders) == 1 and store_folders[0].name.startswith("kg-serve-")
        assert len(oxigraph_processes(served.temp)) == 1
        served.process.send_signal(stop_signal)
        assert served.process.wait(timeout=60) == 0
        assert "Stopped." in served.process.stderr.read()
        assert oxigraph_processes(served.temp) == []
        assert list(served.temp.iterdir()) == []
        assert not port_open(served.port)
    finally:
        served.stop()


def test_serve_user_data(need_oxigraph, tmp_path):
    served = Served(["--data", str(FIXTURES / "valid" / "minimal.ttl")], tmp_path)
    try:
        rows = served.select(
            "SELECT ?label WHERE { <https://w3id.org/ssp-kg/id/test-producers> "
            "<http://www.w3.org/2004/02/skos/core#prefLabel> ?label }"
        )
        assert [r["label"]["value"] for r in rows] == ["test producers"]
        served.process.send_signal(signal.SIGINT)
        assert served.process.wait(timeout=60) == 0
        assert list(served.temp.iterdir()) == []
    finally:
        served.stop()


def test_a_busy_port_is_one_line_exit_2(run_kg, need_oxigraph):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        result = run_kg("serve", "--port", str(port))
    assert result.code == 2
    assert result.stderr == f"kg: --port: 127.0.0.1:{port} is already in use\n"
