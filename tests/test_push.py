"""kg push against real Oxigraph and Virtuoso servers, and against failures on the way there.

Failures are made by a small HTTP proxy on 127.0.0.1 in front of the real server (it can
answer with an error status, sleep, drop the connection or alter a body); the server's state
is always checked directly, not through the proxy.
"""

from __future__ import annotations

import base64
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

from kg.stores import TEMP_GRAPH_PREFIX, Endpoints, derive_endpoints, plan_batches

from .conftest import FIXTURES, REPO, require
from .servers import OxigraphServer, free_port, oxigraph_binary
from .terminal import run_on_terminal
from .test_export import canonical, canonical_rdflib

MINIMAL = FIXTURES / "valid" / "minimal.ttl"


# --- A proxy that fails on purpose ---------------------------------------------------------

# policy(number, method, path, headers, body) -> an action:
#   ("forward",)              pass the request to the real server
#   ("forward", new_body)     pass it on with another body
#   ("status", code, headers) answer with that status
#   ("drop",)                 close the connection without an answer
#   ("sleep", seconds)        wait, then answer 204
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
                except urllib.error.HTTPError as error:
                    status, payload = error.code, error.read()
                    content_type = error.headers.get("Content-Type")
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


def truth(path: Path) -> set[str]:
    """What a push of ``path`` must leave on the server, by rdflib and Oxigraph's canonicaliser."""
    from kg.loader import load_graph

    return canonical_rdflib(load_graph(path))


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


def test_push_round_trip_and_replace_twice_leaves_one_copy(store, graph_iri, bundled_nquads):
    expected = truth(bundled_nquads)
    for _ in range(2):
        done = push(
            "--data", str(bundled_nquads), "--endpoint", store.store_url,
            "--graph", graph_iri, "--batch-size", "900",
        )  # fmt: skip
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


def test_append_adds_blank_node_triples_again(store, graph_iri):
    graph = Graph().parse(MINIMAL)
    ground = sum(1 for t in graph if not any(isinstance(x, BNode) for x in t))
    with_bnodes = len(graph) - ground
    for _ in range(2):
        done = push("--data", str(MINIMAL), "--endpoint", store.store_url, "--graph", graph_iri,
                    "--append")  # fmt: skip
        assert done.returncode == 0, done
    assert store.count(graph_iri) == ground + 2 * with_bnodes


def test_skolemized_push_is_idempotent_under_append(store, graph_iri):
    for _ in range(2):
        done = push("--data", str(MINIMAL), "--endpoint", store.store_url, "--graph", graph_iri,
                    "--append", "--skolemize")  # fmt: skip
        assert done.returncode == 0, done
    assert store.count(graph_iri) == len(Graph().parse(MINIMAL))


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
        uploads = [h for method, path, h in proxy.seen if method in ("PUT", "POST")
                   and path.startswith("/store")]  # fmt: skip
    assert uploads and all(
        h.get("Content-Type", "").startswith("application/n-triples") for h in uploads
    )


def test_batches_never_split_blank_nodes(bundled):
    from kg.stores import ntriples_lines

    lines = ntriples_lines(bundled)
    batches = plan_batches(lines, 50)
    assert len(batches) > 10
    assert sorted(line for batch in batches for line in batch) == sorted(lines)
    owner: dict[str, int] = {}
    for index, batch in enumerate(batches):
        for label in {m for line in batch for m in re.findall(r"_:\w+", line)}:
            assert owner.setdefault(label, index) == index, f"{label} split across batches"
    assert owner


# --- Failures that must leave the previous graph intact ------------------------------------


def test_a_bad_batch_half_way_leaves_the_previous_graph(oxigraph_rw, graph_iri, tmp_path):
    """Oxigraph rejects an IRI with a bad percent-escape, which rdflib accepts."""
    done = push("--data", str(MINIMAL), "--endpoint", oxigraph_rw.store_url, "--graph", graph_iri)
    assert done.returncode == 0, done
    bad = tmp_path / "bad.nt"
    bad.write_text(
        "<https://w3id.org/ssp-kg/id/m-bad> <http://example.org/p> <http://example.org/%zz> .\n"
    )
    done = push("--with-bundled", "--data", str(bad), "--endpoint", oxigraph_rw.store_url,
                "--graph", graph_iri, "--batch-size", "300")  # fmt: skip
    message = one_line_error(done, 3)
    step = re.search(r"request (\d+) of (\d+)", message)
    assert step and 2 < int(step.group(1)) < int(step.group(2)), message  # failed half-way
    assert "HTTP 400" in message and f"<{graph_iri}> was left as it was" in message
    assert oxigraph_rw.download(graph_iri) == truth(MINIMAL)
    assert no_temp_graphs(oxigraph_rw)


def test_a_server_that_dies_half_way_leaves_the_previous_graph(store, graph_iri, bundled_nquads):
    done = push("--data", str(MINIMAL), "--endpoint", store.store_url, "--graph", graph_iri)
    assert done.returncode == 0, done

    def die_after_three(number, method, path, headers, body):
        return ("forward",) if number <= 3 else ("drop",)

    with Proxy(store.base, die_after_three) as proxy:
        done = push("--data", str(bundled_nquads), "--endpoint", proxy.base + store.store_path,
                    "--graph", graph_iri, "--batch-size", "500", "--retries", "1")  # fmt: skip
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
                    "--graph", graph_iri)  # fmt: skip
    message = one_line_error(done, 3)
    total = len(Graph().parse(MINIMAL))
    assert f"the server holds {total - 1} of the {total} triples sent" in message
    assert oxigraph_rw.download(graph_iri) == before
    assert no_temp_graphs(oxigraph_rw)


def test_transient_errors_are_retried(oxigraph_rw, graph_iri):
    def flaky(number, method, path, headers, body):
        return ("status", 503) if number <= 2 else ("forward",)

    with Proxy(oxigraph_rw.base, flaky) as proxy:
        done = push("--data", str(MINIMAL), "--endpoint", proxy.base + "/store",
                    "--graph", graph_iri)  # fmt: skip
        first_three = [(method, path.split("?")[0]) for method, path, _ in proxy.seen[:3]]
    assert done.returncode == 0, done
    assert first_three == [("PUT", "/store")] * 3  # the same request, retried twice
    assert oxigraph_rw.download(graph_iri) == truth(MINIMAL)


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
