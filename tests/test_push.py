"""kg push against real Oxigraph and Virtuoso servers, and against failures on the way there.

Failures are made by a small HTTP proxy on 127.0.0.1 in front of the real server (it can
answer with an error status, sleep, drop the connection or alter a body); the server's state
is always checked directly, not through the proxy.
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import re
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import BNode, Graph

from kg.exports.export import read_statements
from kg.remote.stores import (
    TEMP_GRAPH_PREFIX,
    Endpoints,
    derive_endpoints,
    line_batches,
    load_for_push,
    plan_batches,
    skolem_lines,
    statement_groups,
)

from .conftest import FIXTURES, REPO, require
from .servers import OxigraphServer, free_port, oxigraph_binary
from .terminal import run_on_terminal
from .test_export import canonical, canonical_bytes, canonical_rdflib

MINIMAL = FIXTURES / "valid" / "minimal.ttl"


# --- A proxy that fails on purpose ---------------------------------------------------------

# policy(number, method, path, headers, body) -> an action:
#   ("forward",)              pass the request to the real server
#   ("forward", new_body)     pass it on with another body
#   ("status", code, headers) answer with that status
#   ("drop",)                 close the connection without an answer
#   ("sleep", seconds)        wait, then answer 204
#   ("late", seconds)         wait (the whole body read), then pass the request on
Policy = Callable[[int, str, str, dict[str, str], bytes], tuple]


class Proxy:
    """An HTTP server on 127.0.0.1 that applies ``policy`` to every request it gets."""

    def __init__(self, upstream: str | None, policy: Policy) -> None:
        self.upstream = upstream
        self.policy = policy
        self.seen: list[tuple[str, str, dict[str, str]]] = []
        self.lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def handle_any(self) -> None:
                if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                    body = read_chunked(self.rfile)
                else:
                    length = int(self.headers.get("Content-Length") or 0)
                    body = self.rfile.read(length) if length else b""
                headers = {k: v for k, v in self.headers.items()}
                with proxy.lock:
                    number = len(proxy.seen) + 1
                    proxy.seen.append((self.command, self.path, headers))
                action = proxy.policy(number, self.command, self.path, headers, body)
                if action[0] == "drop":
                    self.close_connection = True
                    return
                if action[0] == "late":
                    time.sleep(action[1])
                    action = ("forward",)
                if action[0] == "sleep":
                    time.sleep(action[1])
                    self.send_response(204)
                    self.end_headers()
                    return
                if action[0] == "status":
                    self.send_response(action[1])
                    for key, value in (action[2] if len(action) > 2 else {}).items():
                        self.send_header(key, value)
                    message = f"error {action[1]} from the test proxy\n".encode()
                    self.send_header("Content-Length", str(len(message)))
                    self.end_headers()
                    self.wfile.write(message)
                    return
                self.forward(action[1] if len(action) > 1 else body, headers)

            def forward(self, body: bytes, headers: dict[str, str]) -> None:
                assert proxy.upstream is not None
                keep = {
                    k: v
                    for k, v in headers.items()
                    if k.lower() in ("content-type", "accept", "authorization")
                }
                request = urllib.request.Request(
                    proxy.upstream + self.path,
                    data=body if self.command in ("PUT", "POST") else None,
                    method=self.command,
                    headers=keep,
                )
                try:
                    with urllib.request.urlopen(request, timeout=60) as response:
                        status, payload = response.status, response.read()
                        content_type = response.headers.get("Content-Type")
                    server = response.headers.get("Server", "")
                except urllib.error.HTTPError as error:
                    status, payload = error.code, error.read()
                    content_type = error.headers.get("Content-Type")
                    server = error.headers.get("Server", "")
                if server:  # pass on which server answered (kg streams to Oxigraph)
                    self.server_version, self.sys_version = server, ""
                self.send_response(status)
                if content_type:
                    self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = handle_any

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> Proxy:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_chunked(stream) -> bytes:
    """A body sent with chunked transfer encoding."""
    parts = []
    while True:
        size = int(stream.readline().split(b";")[0].strip(), 16)
        if size == 0:
            while stream.readline().strip():
                pass  # trailers
            return b"".join(parts)
        parts.append(stream.read(size))
        stream.readline()


def forward_all(*_args: object) -> tuple:
    return ("forward",)


# --- Servers --------------------------------------------------------------------------------


class Store:
    """A real server under test: its Graph Store URL and SPARQL query URL."""

    def __init__(self, name: str, store_url: str, query_url: str) -> None:
        self.name = name
        self.store_url = store_url
        self.query_url = query_url
        parts = urllib.parse.urlsplit(store_url)
        self.base = f"{parts.scheme}://{parts.netloc}"
        self.store_path = parts.path

    def select(self, query: str) -> list[dict]:
        request = urllib.request.Request(
            self.query_url,
            data=urllib.parse.urlencode({"query": query}).encode(),
            headers={
                "Accept": "application/sparql-results+json",
                "Content-Type": "application/x-www-form-urlencoded",
            },
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.load(response)["results"]["bindings"]

    def count(self, graph: str) -> int:
        rows = self.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
        return int(rows[0]["n"]["value"])

    def graphs(self) -> set[str]:
        rows = self.select("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
        return {row["g"]["value"] for row in rows}

    def download(self, graph: str) -> set[str]:
        """The graph as the server holds it, canonicalised (language tags lower-cased)."""
        url = f"{self.store_url}?graph={urllib.parse.quote(graph, safe='')}"
        request = urllib.request.Request(url, headers={"Accept": "application/n-triples"})
        with urllib.request.urlopen(request, timeout=30) as response:
            body = response.read()
        return canonical(ox.Dataset(ox.parse(body, format=ox.RdfFormat.N_TRIPLES)))

    def delete(self, graph: str) -> None:
        url = f"{self.store_url}?graph={urllib.parse.quote(graph, safe='')}"
        try:
            urllib.request.urlopen(urllib.request.Request(url, method="DELETE"), timeout=30)
        except urllib.error.HTTPError as error:
            assert error.code == 404


@pytest.fixture(scope="module")
def oxigraph_rw(tmp_path_factory):
    require(oxigraph_binary() is not None, "the oxigraph server (pip install oxigraph)")
    server = OxigraphServer(tmp_path_factory.mktemp("oxigraph-rw"), union_default_graph=False)
    yield Store("oxigraph", server.store_url, server.query_url)
    server.stop()


@pytest.fixture(scope="module")
def virtuoso_store(virtuoso):
    return Store("virtuoso", virtuoso.store_url, virtuoso.query_url)


@pytest.fixture(params=["oxigraph", "virtuoso"])
def store(request) -> Store:
    return request.getfixturevalue(
        "oxigraph_rw" if request.param == "oxigraph" else "virtuoso_store"
    )


@pytest.fixture
def graph_iri() -> str:
    """A fresh graph IRI for each test (the Virtuoso server is shared by the session)."""
    return f"http://example.org/test-graph/{uuid.uuid4().hex}"


def truth(path: Path, *, skolemized: bool = True) -> set[str]:
    """What a push of ``path`` must leave on the server, by rdflib and Oxigraph's canonicaliser.

    Skolemised (the default push) by kg.exports.export's skolemisation, which push must match.
    """
    from rdflib import Dataset, Graph

    from kg.exports.export import skolemize

    if path.suffix == ".nq":
        dataset = Dataset()
        dataset.parse(path, format="nquads")
        graph = Graph()
        for s, p, o, _ in dataset.quads():
            graph.add((s, p, o))
    else:
        graph = Graph().parse(path, format="nt" if path.suffix == ".nt" else None)
    return canonical_rdflib(skolemize(graph) if skolemized else graph)


def push(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kg", "push", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **(env or {})},
        stdin=subprocess.DEVNULL,
    )


def one_line_error(done: subprocess.CompletedProcess[str], code: int) -> str:
    assert done.returncode == code, done
    assert done.stderr.startswith("kg: "), done.stderr
    assert done.stderr.count("\n") == 1, done.stderr
    assert "Traceback" not in done.stderr
    return done.stderr.strip()


def no_temp_graphs(store: Store) -> bool:
    return not any(g.startswith(TEMP_GRAPH_PREFIX) for g in store.graphs())


# --- Round trips ----------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["auto", "put", "move"])
def test_push_round_trip_and_replace_twice_leaves_one_copy(store, graph_iri, bundled_nquads, how):
    expected = truth(bundled_nquads)
    extra = ["--strategy", how, "--batch-size", "900"]
    for _ in range(2):
        done = push("--data", str(bundled_nquads), "--endpoint", store.store_url,
                    "--graph", graph_iri, *extra)  # fmt: skip
        assert done.returncode == 0, done
        assert f"replaced <{graph_iri}> with {len(expected)} triples" in done.stdout
        assert store.download(graph_iri) == expected
        assert store.count(graph_iri) == len(expected)
    assert no_temp_graphs(store)


def test_push_turtle_body_round_trip(store, graph_iri):
    done = push("--data", str(MINIMAL), "--endpoint", store.store_url, "--graph", graph_iri,
                "--body", "turtle")  # fmt: skip
    assert done.returncode == 0, done
    assert store.download(graph_iri) == truth(MINIMAL)


def test_keep_blank_nodes_round_trip_and_append_adds_them_again(store, graph_iri):
    done = push("--data", str(MINIMAL), "--endpoint", store.store_url, "--graph", graph_iri,
                "--keep-blank-nodes")  # fmt: skip
    assert done.returncode == 0, done
    assert store.download(graph_iri) == truth(MINIMAL, skolemized=False)
    store.delete(graph_iri)
    graph = Graph().parse(MINIMAL)
    ground = sum(1 for t in graph if not any(isinstance(x, BNode) for x in t))
    with_bnodes = len(graph) - ground
    assert with_bnodes
    for _ in range(2):
        done = push("--data", str(MINIMAL), "--endpoint", store.store_url, "--graph", graph_iri,
                    "--append", "--keep-blank-nodes")  # fmt: skip
        assert done.returncode == 0, done
        assert "warning: --append with --keep-blank-nodes" in done.stderr
    assert store.count(graph_iri) == ground + 2 * with_bnodes


def test_append_twice_leaves_one_copy(store, graph_iri, bundled_nquads):
    """Blank nodes are skolemised by default, so the same input gives the same triples."""
    once = len(truth(bundled_nquads))
    for flags in ([], ["--skolemize"]):
        for _ in range(2):
            done = push("--data", str(bundled_nquads), "--endpoint", store.store_url,
                        "--graph", graph_iri, "--append", "--batch-size", "2000",
                        *flags)  # fmt: skip
            assert done.returncode == 0, done
            assert done.stderr == ""
            assert store.count(graph_iri) == once
    assert store.download(graph_iri) == truth(bundled_nquads)


def test_graph_store_requests_carry_a_content_type(oxigraph_rw, graph_iri):
    # The trap is real: Oxigraph refuses a body without a Content-Type.
    url = f"{oxigraph_rw.store_url}?graph={urllib.parse.quote(graph_iri, safe='')}"
    bare = urllib.request.Request(url, data=b"<http://a.example/s> <http://a.example/p> 1 .",
                                  method="PUT")  # fmt: skip
    bare.remove_header("Content-type")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(bare, timeout=30)
    assert refused.value.code == 415
    with Proxy(oxigraph_rw.base, forward_all) as proxy:
        done = push("--data", str(MINIMAL), "--endpoint", proxy.base + "/store",
                    "--graph", graph_iri)  # fmt: skip
        assert done.returncode == 0, done
        uploads = [(method, h) for method, path, h in proxy.seen
                   if method in ("PUT", "POST") and path.startswith("/store")]  # fmt: skip
    assert [method for method, _ in uploads] == ["POST", "PUT"]  # the probe, then the graph
    assert all(h.get("Content-Type", "").startswith("application/n-triples") for _, h in uploads)
    assert uploads[1][1].get("Transfer-Encoding") == "chunked"  # streamed, not buffered
    assert oxigraph_rw.download(graph_iri) == truth(MINIMAL)


def push_groups(path: Path, *, skolemize: bool) -> list[tuple[list, bool]]:
    """What push sends: skolemised lines in batches (read as the command line reads them),
    or the store's groups of linked blank nodes."""
    if skolemize:
        lines = skolem_lines(read_statements([str(path)], bundled=False))
        return [(batch, True) for batch in line_batches(lines, 500)]
    return list(statement_groups(load_for_push([str(path)], bundled=False, syntax=None)))


def test_batches_never_split_blank_nodes(bundled_nquads):
    groups = push_groups(bundled_nquads, skolemize=False)
    batches = list(plan_batches(iter(groups), 50))
    assert len(batches) > 10
    lines = sorted(str(q) for batch in batches for q in batch)
    assert lines == sorted(str(q) for triples, _ in groups for q in triples)
    assert len(lines) == len(set(lines)) == len(truth(bundled_nquads, skolemized=False))
    owner: dict[str, int] = {}
    for index, batch in enumerate(batches):
        for label in {m for q in batch for m in re.findall(r"_:\w+", str(q))}:
            assert owner.setdefault(label, index) == index, f"{label} split across batches"
    assert owner


def test_batches_made_ahead_are_the_streamed_body_in_order_and_errors_come_through(
    bundled_nquads,
):
    from kg.errors import InputError
    from kg.remote.stores import _made_ahead, _stream

    groups = push_groups(bundled_nquads, skolemize=True)
    batches = list(plan_batches(iter(groups), 300))
    assert len(batches) > 10
    shown: list[tuple[int, int]] = []
    ahead = b"".join(
        _made_ahead(lambda: iter(batches), "nt", lambda s, t: shown.append((s, t)), 7, ahead=2)
    )
    assert ahead == b"".join(_stream(iter(batches), "nt"))
    assert len(ahead.splitlines()) == sum(len(b) for b in batches) == len(truth(bundled_nquads))
    assert shown[-1] == (len(ahead.splitlines()), 7) and len(shown) == len(batches)

    def broken():
        yield batches[0]
        raise InputError("a.nt", "cannot push this")

    made = _made_ahead(broken, "nt")
    assert next(made) == b"".join(_stream(iter(batches[:1]), "nt"))
    with pytest.raises(InputError, match="cannot push this"):
        next(made)


def test_an_upload_stopped_early_stops_the_thread_making_batches(bundled_nquads):
    from kg.remote.stores import _made_ahead

    batches = list(plan_batches(iter(push_groups(bundled_nquads, skolemize=False)), 10))

    def endless():
        while True:
            yield from batches

    made = _made_ahead(endless, "nt", ahead=1)
    next(made)
    assert any(t.name == "kg-push-batches" for t in threading.enumerate())
    made.close()
    for _ in range(50):
        if not any(t.name == "kg-push-batches" for t in threading.enumerate()):
            break
        time.sleep(0.1)
    assert not any(t.name == "kg-push-batches" for t in threading.enumerate())


def test_skolem_iris_are_those_of_kg_export(tmp_path, bundled_nquads):
    """Push's streamed skolemisation (from Oxigraph, one group at a time) gives the same IRIs
    as kg export --skolemize (rdflib, the whole graph at once), ties between identical groups
    of blank nodes included."""
    generated = tmp_path / "10k.nt"
    subprocess.run([sys.executable, str(REPO / "benchmarks" / "generate.py"), "--triples",
                    "10000", "-o", str(generated)], check=True, timeout=120)  # fmt: skip
    twins = tmp_path / "twins.nt"  # two identical evidence records, and a shared list tail
    twins.write_text(
        '<http://e.org/c> <http://e.org/ev> _:a .\n_:a <http://e.org/anchor> "x" .\n'
        '<http://e.org/c> <http://e.org/ev> _:b .\n_:b <http://e.org/anchor> "x" .\n'
        '<http://e.org/d> <http://e.org/ev> _:c .\n_:c <http://e.org/anchor> "x" .\n'
        "_:l1 <http://e.org/next> _:t .\n_:l2 <http://e.org/next> _:t .\n"
        '_:t <http://e.org/v> "line\\none" .\n'
    )
    for path in (bundled_nquads, generated, twins):
        sent = {f"{q} ." for triples, _ in push_groups(path, skolemize=True) for q in triples}
        assert not any("_:" in line for line in sent)
        assert canonical_bytes(("\n".join(sent) + "\n").encode(), ox.RdfFormat.N_TRIPLES) == (
            truth(path)
        ), path


def test_a_file_oxigraph_rejects_is_exit_2(tmp_path, oxigraph_rw, graph_iri):
    bad = tmp_path / "bad.nt"
    bad.write_text(
        "<https://w3id.org/ssp-kg/id/m-bad> <http://example.org/p> <http://example.org/%zz> .\n"
    )
    done = push("--data", str(bad), "--endpoint", oxigraph_rw.store_url, "--graph", graph_iri)
    assert str(bad) in one_line_error(done, 2)
    assert oxigraph_rw.count(graph_iri) == 0


# --- Failures -------------------------------------------------------------------------------


def test_a_bad_batch_half_way_leaves_the_previous_graph(store, graph_iri, bundled_nquads):
    """--strategy move: the fourth upload is refused; the target keeps what it had."""
    done = push("--data", str(MINIMAL), "--endpoint", store.store_url, "--graph", graph_iri)
    assert done.returncode == 0, done
    uploads = []

    def refuse_the_fourth(number, method, path, headers, body):
        if method == "POST" and path.startswith(store.store_path) and body:
            uploads.append(number)
            if len(uploads) == 4:
                return ("status", 400)
        return ("forward",)

    with Proxy(store.base, refuse_the_fourth) as proxy:
        done = push("--data", str(bundled_nquads), "--endpoint", proxy.base + store.store_path,
                    "--graph", graph_iri, "--batch-size", "300", "--strategy", "move")  # fmt: skip
    message = one_line_error(done, 3)
    assert "request 4: HTTP 400" in message and f"<{graph_iri}> was left as it was" in message
    assert store.download(graph_iri) == truth(MINIMAL)
    assert no_temp_graphs(store)


def test_a_server_that_dies_half_way_leaves_the_previous_graph(store, graph_iri, bundled_nquads):
    done = push("--data", str(MINIMAL), "--endpoint", store.store_url, "--graph", graph_iri)
    assert done.returncode == 0, done

    def die_after_three(number, method, path, headers, body):
        return ("forward",) if number <= 3 else ("drop",)

    with Proxy(store.base, die_after_three) as proxy:
        done = push("--data", str(bundled_nquads), "--endpoint", proxy.base + store.store_path,
                    "--graph", graph_iri, "--batch-size", "500", "--retries", "1",
                    "--strategy", "move")  # fmt: skip
        seen = len(proxy.seen)
    message = one_line_error(done, 3)
    assert "the server closed the connection without an answer, also after 1 retries" in message
    assert f"<{graph_iri}> was left as it was" in message
    assert seen >= 5  # probe, two batches, then the dropped batch and its retry (and cleanup)
    assert store.download(graph_iri) == truth(MINIMAL)
    leftover = re.search(r"the temporary graph <([^>]+)> may remain", message)
    assert leftover, message
    assert 0 < store.count(leftover.group(1)) < len(truth(bundled_nquads))
    store.delete(leftover.group(1))


def test_a_put_that_never_arrives_leaves_the_graph_and_says_so(store, graph_iri, bundled_nquads):
    done = push("--data", str(MINIMAL), "--endpoint", store.store_url, "--graph", graph_iri)
    assert done.returncode == 0, done
    held = len(truth(MINIMAL))

    def drop_puts(number, method, path, headers, body):
        return ("drop",) if method == "PUT" else ("forward",)

    with Proxy(store.base, drop_puts) as proxy:
        done = push("--data", str(bundled_nquads), "--endpoint", proxy.base + store.store_path,
                    "--graph", graph_iri, "--retries", "1", "--strategy", "put")  # fmt: skip
        puts = [h for method, _, h in proxy.seen if method == "PUT"]
    message = one_line_error(done, 3)
    assert len(puts) == 2  # the PUT and its retry, each streamed afresh
    assert "also after 1 retries" in message
    assert f"the PUT did not finish: <{graph_iri}> now holds {held} triples (it held {held})" in (
        message
    )
    assert store.download(graph_iri) == truth(MINIMAL)


def test_a_put_the_server_refuses_half_way(store, graph_iri, bundled_nquads):
    """A PUT whose body breaks off half-way, on the real servers: Oxigraph refuses it and
    keeps the previous graph; Virtuoso keeps the part it read (its PUT is not atomic, which
    is why --strategy auto replaces there through a temporary graph and MOVE)."""
    done = push("--data", str(MINIMAL), "--endpoint", store.store_url, "--graph", graph_iri)
    assert done.returncode == 0, done
    held = len(truth(MINIMAL))

    def cut_the_put(number, method, path, headers, body):
        if method == "PUT":
            return ("forward", body[: len(body) // 2])  # cut in the middle of a line
        return ("forward",)

    with Proxy(store.base, cut_the_put) as proxy:
        done = push("--data", str(bundled_nquads), "--endpoint", proxy.base + store.store_path,
                    "--graph", graph_iri, "--strategy", "put")  # fmt: skip
    message = one_line_error(done, 3)
    now = store.count(graph_iri)
    assert f"<{graph_iri}> now holds {now} triples (it held {held})" in message
    if store.name == "oxigraph":
        assert store.download(graph_iri) == truth(MINIMAL)
    else:
        assert now != held, "Virtuoso's PUT became atomic: --strategy auto could use it"
    with Proxy(store.base, cut_the_put) as proxy:  # the default: no PUT to cut on Virtuoso
        done = push("--data", str(MINIMAL), "--endpoint", proxy.base + store.store_path,
                    "--graph", graph_iri)  # fmt: skip
    if store.name == "virtuoso":
        assert done.returncode == 0, done
        assert store.download(graph_iri) == truth(MINIMAL)


def test_oxigraph_killed_mid_put_keeps_the_previous_graph(tmp_path, bundled_nquads):
    """The guarantee the default --replace rests on, checked on the real server: Oxigraph
    killed while it reads a PUT's body still holds the previous graph when it restarts."""
    require(oxigraph_binary() is not None, "the oxigraph server (pip install oxigraph)")
    graph_iri = "http://example.org/test-graph/killed"
    location = tmp_path / "store"
    with OxigraphServer(location, union_default_graph=False) as server:
        done = push("--data", str(MINIMAL), "--endpoint", server.store_url, "--graph", graph_iri)
        assert done.returncode == 0, done
        quads = ox.parse(path=str(bundled_nquads), format=ox.RdfFormat.N_QUADS)
        nt = ox.serialize([quad.triple for quad in quads], format=ox.RdfFormat.N_TRIPLES)
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        connection.putrequest("PUT", "/store?graph=" + urllib.parse.quote(graph_iri, safe=""))
        connection.putheader("Content-Type", "application/n-triples")
        connection.putheader("Content-Length", str(len(nt)))
        connection.endheaders()
        connection.send(nt[: len(nt) // 2])
        time.sleep(2)
        server.process.kill()
        server.process.wait()
        connection.close()
    with OxigraphServer(location, union_default_graph=False) as server:
        again = Store("oxigraph", server.store_url, server.query_url)
        assert again.download(graph_iri) == truth(MINIMAL)


def test_a_server_that_loses_triples_is_caught_by_the_count(oxigraph_rw, graph_iri):
    done = push("--data", str(MINIMAL), "--endpoint", oxigraph_rw.store_url, "--graph", graph_iri,
                "--with-bundled")  # fmt: skip
    assert done.returncode == 0, done
    before = oxigraph_rw.download(graph_iri)

    def drop_a_line(number, method, path, headers, body):
        if method == "POST" and path.startswith("/store") and body.count(b"\n") > 1:
            return ("forward", body.split(b"\n", 1)[1])
        return ("forward",)

    with Proxy(oxigraph_rw.base, drop_a_line) as proxy:
        done = push("--data", str(MINIMAL), "--endpoint", proxy.base + "/store",
                    "--graph", graph_iri, "--strategy", "move")  # fmt: skip
    message = one_line_error(done, 3)
    total = len(Graph().parse(MINIMAL))
    assert f"the server holds {total - 1} of the {total} triples sent" in message
    assert oxigraph_rw.download(graph_iri) == before
    assert no_temp_graphs(oxigraph_rw)


def test_a_streamed_put_may_be_answered_after_the_timeout(oxigraph_rw, graph_iri, bundled_nquads):
    """After the last byte of a streamed PUT, the answer gets --timeout plus 1 s per 1,000
    triples: a server that stores the graph for longer than --timeout is waited for (the 1M
    push failed here: the socket kept a --timeout read timeout of its own)."""
    expected = truth(bundled_nquads)
    assert len(expected) > 3000  # so the answer may take --timeout (1 s) plus over 3 s

    def slow_put(number, method, path, headers, body):
        return ("late", 2.5) if method == "PUT" else ("forward",)

    with Proxy(oxigraph_rw.base, slow_put) as proxy:
        done = push("--data", str(bundled_nquads), "--endpoint", proxy.base + "/store",
                    "--graph", graph_iri, "--timeout", "1")  # fmt: skip
        methods = [method for method, _, _ in proxy.seen]
    assert done.returncode == 0, done
    assert methods.count("PUT") == 1
    assert oxigraph_rw.count(graph_iri) == len(expected)
    assert oxigraph_rw.download(graph_iri) == expected


def test_a_put_that_loses_triples_is_caught_by_the_count(oxigraph_rw, graph_iri):
    def drop_a_line(number, method, path, headers, body):
        if method == "PUT":
            return ("forward", body.split(b"\n", 1)[1])
        return ("forward",)

    with Proxy(oxigraph_rw.base, drop_a_line) as proxy:
        done = push("--data", str(MINIMAL), "--endpoint", proxy.base + "/store",
                    "--graph", graph_iri)  # fmt: skip
    total = len(Graph().parse(MINIMAL))
    assert f"after the PUT <{graph_iri}> holds {total - 1} triples, not {total}" in (
        one_line_error(done, 3)
    )


def test_transient_errors_are_retried(oxigraph_rw, graph_iri):
    def flaky(number, method, path, headers, body):
        return ("status", 503) if number <= 2 else ("forward",)

    with Proxy(oxigraph_rw.base, flaky) as proxy:
        done = push("--data", str(MINIMAL), "--endpoint", proxy.base + "/store",
                    "--graph", graph_iri)  # fmt: skip
        first_three = [(method, path.split("?")[0]) for method, path, _ in proxy.seen[:3]]
    assert done.returncode == 0, done
    assert first_three == [("POST", "/store")] * 3  # the same request, retried twice
    assert oxigraph_rw.download(graph_iri) == truth(MINIMAL)


def test_a_strategy_goes_with_replace_only():
    done = push("--endpoint", "http://127.0.0.1:9/store", "--append", "--strategy", "move")
    assert "goes with --replace" in one_line_error(done, 2)


# --- Authentication -------------------------------------------------------------------------


def test_virtuoso_digest_auth(virtuoso, virtuoso_store, graph_iri, bundled_nquads):
    endpoint = virtuoso.auth_store_url
    done = push("--data", str(bundled_nquads), "--endpoint", endpoint, "--graph", graph_iri,
                "--user", virtuoso.user, "--batch-size", "2500",
                env={"KG_PASSWORD": virtuoso.password})  # fmt: skip
    assert done.returncode == 0, done
    assert virtuoso_store.download(graph_iri) == truth(bundled_nquads)
    wrong = push("--data", str(MINIMAL), "--endpoint", endpoint, "--graph", graph_iri,
                 "--user", virtuoso.user, env={"KG_PASSWORD": "wrong"})  # fmt: skip
    assert "authentication failed" in one_line_error(wrong, 3)
    anonymous = push("--data", str(MINIMAL), "--endpoint", endpoint, "--graph", graph_iri)
    assert "give --user" in one_line_error(anonymous, 3)
    assert virtuoso_store.download(graph_iri) == truth(bundled_nquads)


def test_basic_auth(oxigraph_rw, graph_iri):
    good = "Basic " + base64.b64encode(b"alice:s3cret").decode()

    challenged: list[str] = []

    def guarded(number, method, path, headers, body):
        if headers.get("Authorization") != good:
            challenged.append(path)
            return ("status", 401, {"WWW-Authenticate": 'Basic realm="kg-test"'})
        return ("forward",)

    with Proxy(oxigraph_rw.base, guarded) as proxy:
        endpoint = proxy.base + "/store"
        done = push("--data", str(MINIMAL), "--endpoint", endpoint, "--graph", graph_iri,
                    "--user", "alice", env={"KG_PASSWORD": "s3cret"})  # fmt: skip
        assert done.returncode == 0, done
        # Only the first request is challenged; later ones (uploads, count, MOVE) log in
        # up front, so a large upload is never sent twice.
        assert len(challenged) == 1 and len(proxy.seen) >= 4
        wrong = push("--data", str(MINIMAL), "--endpoint", endpoint, "--graph", graph_iri,
                     "--user", "alice", env={"KG_PASSWORD": "nope"})  # fmt: skip
    assert oxigraph_rw.download(graph_iri) == truth(MINIMAL)
    assert "authentication failed (HTTP 401" in one_line_error(wrong, 3)


def test_password_comes_only_from_the_environment_or_a_prompt():
    done = push("--endpoint", "http://127.0.0.1:9/store", "--password", "x")
    assert done.returncode == 2 and "No such option '--password'" in done.stderr
    environment = {k: v for k, v in os.environ.items() if k != "KG_PASSWORD"}
    done = subprocess.run(
        [sys.executable, "-m", "kg", "push", "--endpoint", "http://127.0.0.1:9/store",
         "--user", "bob"],
        cwd=REPO, capture_output=True, text=True, env=environment, stdin=subprocess.DEVNULL,
        timeout=120,
    )  # fmt: skip
    assert "set KG_PASSWORD" in one_line_error(done, 2)


# --- Bad endpoints: one line each, exit code 3 ----------------------------------------------


@pytest.mark.parametrize(
    ("status", "phrase"),
    [
        (401, "authentication failed (HTTP 401"),
        (404, "not found (HTTP 404"),
        (415, "does not accept application/n-triples; charset=utf-8 (HTTP 415"),
        (500, "server error (HTTP 500"),
    ],
)
def test_error_statuses_are_one_line(status, phrase):
    with Proxy(None, lambda *args: ("status", status)) as proxy:
        done = push("--data", str(MINIMAL), "--endpoint", proxy.base + "/store")
    message = one_line_error(done, 3)
    assert message.startswith(f"kg: {proxy.base}/store: ")
    assert phrase in message


def test_a_timeout_is_one_line():
    with Proxy(None, lambda *args: ("sleep", 4)) as proxy:
        done = push("--data", str(MINIMAL), "--endpoint", proxy.base + "/store",
                    "--timeout", "1")  # fmt: skip
    assert "no answer within 1 s (timeout)" in one_line_error(done, 3)


def test_an_unreachable_endpoint_is_one_line():
    port = free_port()
    done = push("--data", str(MINIMAL), "--endpoint", f"http://127.0.0.1:{port}/store")
    message = one_line_error(done, 3)
    assert message.startswith(f"kg: http://127.0.0.1:{port}/store: cannot connect")


def test_bad_options_are_exit_2():
    assert "not an http" in one_line_error(push("--endpoint", "ftp://127.0.0.1/store"), 2)
    done = push("--endpoint", "http://127.0.0.1:9/store", "--graph", "no iri")
    assert "not an absolute IRI" in one_line_error(done, 2)


# --- Progress -------------------------------------------------------------------------------


def test_progress_bar_only_on_a_terminal(oxigraph_rw, graph_iri, bundled_nquads):
    args = [sys.executable, "-m", "kg", "push", "--data", str(bundled_nquads),
            "--endpoint", oxigraph_rw.store_url, "--graph", graph_iri,
            "--batch-size", "500"]  # fmt: skip
    piped = subprocess.run(args, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert piped.returncode == 0 and piped.stderr == ""
    run = run_on_terminal(args, terminal="stderr", cwd=REPO)
    assert run.code == 0
    assert b"pushing" in run.shown and b"100%" in run.shown


def test_endpoint_layouts_are_derived():
    assert derive_endpoints("http://127.0.0.1:7878/store") == Endpoints(
        "http://127.0.0.1:7878/store", "http://127.0.0.1:7878/query", "http://127.0.0.1:7878/update"
    )
    virtuoso = derive_endpoints("http://127.0.0.1:8890/sparql-graph-crud-auth")
    assert virtuoso.query == virtuoso.update == "http://127.0.0.1:8890/sparql-auth"
    fuseki = derive_endpoints("http://127.0.0.1:3030/ds/data")
    assert (fuseki.query, fuseki.update) == (
        "http://127.0.0.1:3030/ds/query",
        "http://127.0.0.1:3030/ds/update",
    )
    unknown = derive_endpoints("http://127.0.0.1:1/gsp", "http://127.0.0.1:1/q")
    assert unknown.query == "http://127.0.0.1:1/q" and unknown.update is None


def test_graphs_chooses_the_bundled_named_graphs(oxigraph_rw, graph_iri, tmp_path):
    """--graphs goes through rdflib's loader (named graphs); the same skolem IRIs as export."""
    out = tmp_path / "data.nt"
    exported = subprocess.run(
        [sys.executable, "-m", "kg", "export", "--graphs", "data", "--skolemize", "-o", str(out)],
        cwd=REPO, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert exported.returncode == 0, exported
    done = push("--graphs", "data", "--endpoint", oxigraph_rw.store_url, "--graph", graph_iri)
    assert done.returncode == 0, done
    assert oxigraph_rw.download(graph_iri) == canonical_bytes(
        out.read_bytes(), ox.RdfFormat.N_TRIPLES
    )
