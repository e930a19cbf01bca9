"""kg serve: the real Oxigraph server over a temporary store, stopped cleanly by a signal."""

from __future__ import annotations

import json
import os
import queue
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from rdflib import Dataset

from kg.errors import KGError
from kg.remote import stores
from kg.remote.servefront import Forward, Front, Janitor, Refused, check_host, plan

from .conftest import FIXTURES, REPO, require
from .servers import Listener, free_port, oxigraph_binary


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


# --- The front: what reaches the Oxigraph server ------------------------------------------------


def oxigraph_bind(folder: Path) -> tuple[str, int]:
    """The private address our oxigraph process listens on (from its command line)."""
    (pid,) = oxigraph_processes(folder)
    command = Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")
    host, _, port = command[command.index("--bind") + 1].rpartition(":")
    return host, int(port)


def listening(host: str, port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex((host, port)) == 0


def post(url: str, body: bytes, content_type: str, **headers: str) -> tuple[int, str]:
    request = urllib.request.Request(
        url, data=body, method="POST", headers={"Content-Type": content_type, **headers}
    )
    return fetch(request)


def fetch(request: urllib.request.Request | str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


@pytest.fixture
def served(need_oxigraph, tmp_path):
    running = Served(["--data", str(FIXTURES / "valid" / "minimal.ttl")], tmp_path)
    yield running
    running.stop()


ASK_ANY = "ASK { ?s ?p ?o }"


def test_service_is_refused_and_nothing_is_contacted(served):
    with Listener() as target:
        text = f"SELECT * WHERE {{ SERVICE <{target.base}/sparql> {{ ?s ?p ?o }} }}"
        attempts = [
            fetch(served.query_url + "?" + urllib.parse.urlencode({"query": text})),
            post(served.query_url, urllib.parse.urlencode({"query": text}).encode(),
                 "application/x-www-form-urlencoded"),
            post(served.query_url, text.encode(), "application/sparql-query"),
            post(served.query_url.replace("/query", "/sparql"), text.encode(),
                 "application/sparql-query; charset=utf-8"),
            post(served.query_url, text.lower().encode(), "Application/SPARQL-Query"),
        ]  # fmt: skip
        for status, body in attempts:
            assert status == 400, body
            assert "SERVICE is not allowed: kg serve never contacts other servers" in body
        assert target.connections == 0
    # The same server still answers ordinary queries, by every route.
    ok = urllib.parse.urlencode({"query": ASK_ANY})
    assert fetch(served.query_url + "?" + ok)[0] == 200
    assert post(served.query_url, ok.encode(), "application/x-www-form-urlencoded")[0] == 200
    status, body = post(served.query_url, ASK_ANY.encode(), "application/sparql-query",
                        Accept="application/sparql-results+json")  # fmt: skip
    assert (status, json.loads(body)["boolean"]) == (200, True)


def test_deep_nesting_is_refused_and_the_server_lives(served):
    deep = "SELECT * WHERE " + "{" * 3000 + " ?s ?p ?o " + "}" * 3000
    status, body = post(served.query_url, deep.encode(), "application/sparql-query")
    assert status == 400 and "nests deeper than 64 levels" in body
    assert served.process.poll() is None
    assert len(oxigraph_processes(served.temp)) == 1
    assert served.select("SELECT ?s WHERE { ?s ?p ?o } LIMIT 1")


@pytest.mark.parametrize(
    "chain",
    [
        "ASK { FILTER(" + "!" * 50_000 + "true) }",
        "ASK { FILTER(" + "true&&" * 20_000 + "true) }",
    ],
)
def test_long_operator_chains_do_not_abort_the_server(served, chain):
    # Each of these aborts a plain `oxigraph serve-read-only` (stack overflow in its parser).
    status, body = post(served.query_url, chain.encode(), "application/sparql-query",
                        Accept="application/sparql-results+json")  # fmt: skip
    assert (status, json.loads(body)["boolean"]) == (200, True)
    assert served.process.poll() is None and len(oxigraph_processes(served.temp)) == 1
    assert served.select("SELECT ?s WHERE { ?s ?p ?o } LIMIT 1")


def test_requests_the_front_refuses(served):
    url = served.query_url
    two = urllib.parse.urlencode({"query": ASK_ANY}).encode()
    cases = [
        (post(url + "?query=ASK%7B%7D", two, "application/x-www-form-urlencoded"), 400,
         "exactly one"),
        (post(url, b"x" * (300 * 2**10), "application/sparql-query"), 413, "larger than"),
        (post(url, ASK_ANY.encode(), "text/plain"), 415, "application/sparql-query"),
        (post(url, b"ASK {} \xff", "application/sparql-query"), 400, "not UTF-8"),
        (post(url.replace("/query", "/update"), b"update=CLEAR+ALL",
              "application/x-www-form-urlencoded"), 405, "read-only"),
        (fetch(urllib.request.Request(url.replace("/query", "/store"), method="PUT",
                                      data=b"")), 405, "read-only"),
        (fetch(urllib.request.Request(url + "?query=ASK%7B%7D",
                                      headers={"Host": "evil.example:7878"})), 403, "localhost"),
    ]  # fmt: skip
    for (status, body), expected, phrase in cases:
        assert status == expected, body
        assert phrase in body and body.count("\n") == 1


def test_the_web_page_and_its_files_still_load(served):
    base = served.query_url.removesuffix("/query")
    status, page = fetch(base + "/")
    assert status == 200 and "<html" in page
    for asset in re.findall(r'(?:href|src)="\.?/([\w.-]+\.(?:js|css|svg))"', page):
        assert fetch(f"{base}/{asset}")[0] == 200, asset
    status, _ = fetch(
        urllib.request.Request(base + "/", headers={"Host": f"localhost:{served.port}"})
    )
    assert status == 200


def test_oxigraph_listens_on_a_private_address_and_stops_queries(served):
    host, port = oxigraph_bind(served.temp)
    assert host.startswith("127.") and port != served.port
    (pid,) = oxigraph_processes(served.temp)
    command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    assert command[command.index(b"--timeout-s") + 1] == b"60"


def blocked_signals(task: Path) -> set[int]:
    """The signals a thread blocks, read from its SigBlk mask in /proc."""
    line = next(x for x in (task / "status").read_text().splitlines() if x.startswith("SigBlk:"))
    mask = int(line.split()[1], 16)
    return {number for number in range(1, 65) if mask >> (number - 1) & 1}


def test_only_the_main_thread_takes_stop_signals(served):
    # A SIGTERM the kernel hands to another thread does not wake a main thread waiting in
    # waitpid (CI, 2 December: kg serve outlived SIGHUP by 30 s), so the others block them.
    threads = [t for t in Path(f"/proc/{served.process.pid}/task").iterdir()]
    others = [t for t in threads if t.name != str(served.process.pid)]
    assert others, "kg serve runs its front in a thread of its own"
    stops = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}
    main = Path(f"/proc/{served.process.pid}/task/{served.process.pid}")
    assert not stops & blocked_signals(main)
    for thread in others:
        assert stops <= blocked_signals(thread), thread.name


# --- Signals: nothing outlives kg serve -------------------------------------------------------


def wait_until(condition, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


def gone(pid: int) -> bool:
    """Whether process ``pid`` has ended (a zombie waiting for its parent counts)."""
    try:
        return b"\nState:\tZ" in Path(f"/proc/{pid}/status").read_bytes()
    except OSError:
        return True


@pytest.mark.parametrize("kill_signal", [signal.SIGKILL, signal.SIGHUP])
def test_nothing_outlives_kg_serve(kill_signal, need_oxigraph, tmp_path):
    served = Served(["--data", str(FIXTURES / "valid" / "minimal.ttl")], tmp_path)
    try:
        (pid,) = oxigraph_processes(served.temp)
        private = oxigraph_bind(served.temp)
        assert listening(*private) and port_open(served.port)
        assert next(p.name for p in served.temp.iterdir()).startswith("kg-serve-")
        served.process.send_signal(kill_signal)
        served.process.wait(timeout=30)
        assert wait_until(lambda: gone(pid)), "the oxigraph server outlived kg serve"
        assert wait_until(lambda: oxigraph_processes(served.temp) == [])
        assert wait_until(lambda: not listening(*private))
        assert not port_open(served.port)
        assert wait_until(lambda: list(served.temp.iterdir()) == []), list(served.temp.iterdir())
        if kill_signal == signal.SIGHUP:
            assert served.process.returncode == 0
            assert "Stopped." in served.process.stderr.read()
    finally:
        served.stop()


def test_a_stop_whose_exception_was_swallowed_still_ends_the_wait():
    # A signal handler's exception raised inside a finaliser (__del__) is printed and
    # dropped by Python; the event the handler also sets must end kg serve's wait anyway.
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        stopping = threading.Event()
        threading.Timer(0.3, stopping.set).start()
        with pytest.raises(stores._Stop):
            stores._wait_interruptibly(sleeper, stopping, every=0.05)
        assert sleeper.poll() is None  # it was the event, not the process's end
    finally:
        sleeper.kill()
        sleeper.wait()


def test_a_front_stopped_before_it_began_serving_does_not_wait_for_it():
    front = Front(("127.0.0.1", 0), 5.0)
    done = threading.Event()

    def stop() -> None:
        front.stop()
        done.set()

    threading.Thread(target=stop, daemon=True).start()
    assert done.wait(10), "Front.stop() waited for a serve_forever that never ran"
    assert front.socket.fileno() == -1


def test_the_janitor_makes_the_folder_and_deletes_it_when_its_pipe_ends(tmp_path, monkeypatch):
    monkeypatch.setenv("TMPDIR", str(tmp_path))  # the janitor's
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # this process's
    janitor = Janitor("kg-serve-")
    assert janitor.folder.parent == tmp_path and janitor.folder.name.startswith("kg-serve-")
    (janitor.folder / "store").mkdir()
    assert janitor.folder.is_dir()
    janitor.finish()
    assert list(tmp_path.iterdir()) == []


def test_the_janitor_kills_what_names_its_folder_even_untold(tmp_path, monkeypatch):
    # kg may die while `oxigraph load` writes into the folder, before it could send its pid.
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    janitor = Janitor("kg-serve-")
    writer = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; open(sys.argv[1] + '/f', 'w'); time.sleep(60)",
         str(janitor.folder)]
    )  # fmt: skip
    assert wait_until(lambda: (janitor.folder / "f").exists())
    janitor.finish()
    assert writer.wait(timeout=10) == -signal.SIGKILL
    assert list(tmp_path.iterdir()) == []


def test_a_folder_the_janitor_cannot_make_is_one_line_naming_the_temp_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("TMPDIR", str(tmp_path))  # the janitor's
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # this process's
    with pytest.raises(KGError) as raised:
        Janitor("no-such-folder/kg-serve-")
    reason = "cannot make the store's folder: No such file or directory"
    assert str(raised.value) == f"{tmp_path}: {reason}"


# --- The front's decisions, without a server ---------------------------------------------------


def test_the_front_rebuilds_what_it_checked():
    form = urllib.parse.urlencode({"query": ASK_ANY, "default-graph-uri": "urn:g"}).encode()
    forward = plan("POST", "/query", "application/x-www-form-urlencoded; charset=UTF-8", form)
    assert forward == Forward(
        "POST", "/query", form, {"Content-Type": "application/x-www-form-urlencoded"}
    )
    direct = plan("POST", "/sparql?default-graph-uri=urn%3Ag", "application/sparql-query",
                  ASK_ANY.encode())  # fmt: skip
    sent = urllib.parse.parse_qsl(direct.body.decode())
    assert (direct.target, sent) == (
        "/sparql",
        [("default-graph-uri", "urn:g"), ("query", ASK_ANY)],
    )
    got = plan("GET", "/query?query=ASK+%7B%7D", None, None)
    assert got == Forward("GET", "/query?query=ASK+%7B%7D")
    assert plan("GET", "/yasgui.min.js", None, None) == Forward("GET", "/yasgui.min.js")
    with pytest.raises(Refused, match="SERVICE"):
        plan("GET", "/store?query=" + urllib.parse.quote("ASK { SERVICE <x:y> {} }"), None, None)


@pytest.mark.parametrize(
    ("host", "allowed"),
    [
        (None, True),
        ("127.0.0.1:7878", True),
        ("localhost", True),
        ("LOCALHOST:9000", True),
        ("[::1]:7878", True),
        ("evil.example", False),
        ("127.0.0.1.evil.example:7878", False),
        ("localhost.evil.example", False),
    ],
)
def test_only_loopback_host_names_are_answered(host, allowed):
    if allowed:
        check_host(host, "127.0.0.1")
    else:
        with pytest.raises(Refused):
            check_host(host, "127.0.0.1")


def test_a_stop_inside_a_finaliser_is_left_to_the_waits():
    """A signal that lands in a finaliser or an at-fork hook must not raise there (Python
    would print "Exception ignored in ..." and drop it): the handler sees such calls."""
    seen: list = []

    class Finalised:
        def __del__(self) -> None:
            seen.append(sys._getframe())

    def _releaseLock() -> None:  # the name of logging's at-fork hook
        seen.append(sys._getframe())

    Finalised()
    _releaseLock()
    assert len(seen) == 2
    assert stores.in_swallowing_call(seen[0])
    assert stores.in_swallowing_call(seen[1])
    assert not stores.in_swallowing_call(sys._getframe())
    assert not stores.in_swallowing_call(None)
