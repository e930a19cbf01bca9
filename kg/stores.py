"""Push the graph to real SPARQL servers, and serve it from a local Oxigraph server.

``push`` speaks the SPARQL 1.1 Graph Store HTTP Protocol (PUT replaces a graph, POST adds to
it), in batches that never split a group of linked blank nodes, with retries on transient
errors and a triple count afterwards. ``--replace`` first uploads into a temporary graph,
checks it, then MOVEs it onto the target, so a failure leaves the previous graph as it was.
``serve`` runs ``oxigraph serve-read-only`` on 127.0.0.1 over a temporary store.
"""

from __future__ import annotations

import http.client
import json
import math
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from rdflib import Dataset, Graph, Literal

from kg import resources
from kg.errors import InputError, KGError, MissingExtra, RemoteError
from kg.export import canonical_quads, collect_quads, select_graphs, serialize
from kg.http import (
    HTTPStatusError,
    Session,
    TransportError,
    check_http_url,
    redact,
    server_text,
    without_credentials,
)
from kg.loader import KnowledgeGraph
from kg.namespaces import BASE, bind_prefixes
from kg.servefront import (
    Front,
    Janitor,
    child_options,
    private_address,
    server_environment,
)

# Where `kg push` puts the graph when no --graph is given.
DEFAULT_TARGET = BASE
# Temporary graphs for --replace live under this prefix (one fresh IRI per push).
TEMP_GRAPH_PREFIX = BASE + ".well-known/kg-push/"
DEFAULT_BATCH_SIZE = 20_000
TRANSIENT_STATUS = {429, 502, 503, 504}
BODY_TYPES = {"nt": "application/n-triples", "turtle": "text/turtle"}
_BNODE_LABEL = re.compile(r"^_:(\S+)$")
_BAD_IRI_CHARS = re.compile(r'[\x00-\x20<>"{}|^`\\]')


# --- Endpoints and HTTP --------------------------------------------------------------------


@dataclass(frozen=True)
class Endpoints:
    """A server's Graph Store Protocol URL and (when known) its SPARQL query and update URLs."""

    store: str
    query: str | None
    update: str | None


# Graph Store path suffix -> (query suffix, update suffix), for servers we know.
_KNOWN_LAYOUTS: list[tuple[str, str, str]] = [
    ("/sparql-graph-crud-auth", "/sparql-auth", "/sparql-auth"),  # Virtuoso, digest auth
    ("/sparql-graph-crud", "/sparql", "/sparql"),  # Virtuoso
    ("/store", "/query", "/update"),  # Oxigraph
    ("/data", "/query", "/update"),  # Apache Jena Fuseki
]


def check_iri(iri: str, where: str) -> str:
    """``iri`` if it is an absolute IRI that can go between angle brackets, else InputError."""
    if not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", iri) or _BAD_IRI_CHARS.search(iri):
        raise InputError(where, f"{iri!r} is not an absolute IRI")
    return iri


def derive_endpoints(store: str, query: str | None = None, update: str | None = None) -> Endpoints:
    """Fill in the query and update URLs for Oxigraph, Virtuoso and Fuseki layouts."""
    check_http_url(store, "--endpoint")
    for given, option in ((query, "--query-endpoint"), (update, "--update-endpoint")):
        if given:
            check_http_url(given, option)
    parts = urllib.parse.urlsplit(store)
    for suffix, query_suffix, update_suffix in _KNOWN_LAYOUTS:
        if parts.path.rstrip("/").endswith(suffix):
            root = parts.path.rstrip("/")[: -len(suffix)]
            guess_query = urllib.parse.urlunsplit(
                parts._replace(path=root + query_suffix, query="")
            )
            guess_update = urllib.parse.urlunsplit(
                parts._replace(path=root + update_suffix, query="")
            )
            return Endpoints(store, query or guess_query, update or guess_update)
    return Endpoints(store, query, update)


def graph_url(store: str, graph: str | None) -> str:
    """The Graph Store Protocol URL of ``graph`` (None: the default graph)."""
    separator = "&" if "?" in store else "?"
    if graph is None:
        return f"{store}{separator}default"
    return f"{store}{separator}graph={urllib.parse.quote(graph, safe='')}"


class _ServerPasswordManager(urllib.request.HTTPPasswordMgrWithPriorAuth):
    """Remembers a successful login per server, so Basic auth is sent up front afterwards.

    The standard manager remembers it per URL, and every graph has its own URL.
    """

    def update_authenticated(
        self, uri: str | Sequence[str], is_authenticated: bool = False
    ) -> None:
        uris = [uri] if isinstance(uri, str) else list(uri)
        roots = []
        for one in uris:
            parts = urllib.parse.urlsplit(one)
            roots.append(f"{parts.scheme}://{parts.netloc}/" if parts.netloc else one)
        super().update_authenticated(roots, is_authenticated)


class _PreemptiveDigestAuthHandler(urllib.request.HTTPDigestAuthHandler):
    """Digest auth that, once challenged, signs every later request up front.

    urllib answers each 401 challenge by sending the request again; a server that rejects a
    large unsigned upload closes the connection while the body is still being sent (Virtuoso
    does), so later uploads must carry the Authorization header from the start.
    """

    def __init__(self, passwd: urllib.request.HTTPPasswordMgr) -> None:
        super().__init__(passwd)
        self.challenge: dict[str, str] | None = None

    def retry_http_digest_auth(self, req: urllib.request.Request, auth: str):  # type: ignore[no-untyped-def]
        _token, challenge = auth.split(" ", 1)
        items = urllib.request.parse_http_list(challenge)
        self.challenge = urllib.request.parse_keqv_list(filter(None, items))
        return super().retry_http_digest_auth(req, auth)

    def http_request(self, req: urllib.request.Request) -> urllib.request.Request:
        if self.challenge and not req.has_header("Authorization"):
            signed = self.get_authorization(req, self.challenge)
            if signed:
                req.add_unredirected_header("Authorization", f"Digest {signed}")
        return req

    https_request = http_request


class Client:
    """HTTP to one server: Basic or Digest auth, a timeout, retries with backoff.

    Every failure becomes a :class:`RemoteError` naming the URL and what went wrong.
    Transient failures (connection reset, HTTP 429/502/503/504) are retried ``retries``
    times, waiting ``backoff``, then twice as long each time; timeouts are not retried.
    """

    def __init__(
        self,
        endpoints: Endpoints,
        *,
        user: str | None = None,
        password: str | None = None,
        timeout: float = 30.0,
        retries: int = 3,
        backoff: float = 0.5,
    ) -> None:
        self.endpoints = endpoints
        self.user = user
        self.timeout = timeout
        self.retries = max(0, retries)
        self.backoff = backoff
        manager = _ServerPasswordManager()
        if user is not None:
            for url in filter(None, (endpoints.store, endpoints.query, endpoints.update)):
                parts = urllib.parse.urlsplit(without_credentials(url)[0])
                manager.add_password(
                    None, f"{parts.scheme}://{parts.netloc}/", user, password or ""
                )
        handlers = None
        if user is not None:
            handlers = [
                _PreemptiveDigestAuthHandler(manager),
                urllib.request.HTTPBasicAuthHandler(manager),
            ]
        self.session = Session(timeout=timeout, passwords=manager, handlers=handlers)

    def send(
        self,
        method: str,
        url: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        *,
        retries: int | None = None,
    ) -> bytes:
        """Send one request and return the response body (a RemoteError on failure).

        Through :mod:`kg.http`: no redirect to another host, ``timeout`` bounds each whole
        request, answers are read up to :func:`kg.http.max_response_bytes`.
        """
        attempts = (self.retries if retries is None else retries) + 1
        where = redact(urllib.parse.urlunsplit(urllib.parse.urlsplit(url)._replace(query="")))
        for attempt in range(attempts):
            try:
                return self.session.request(method, url, body, headers, where=where).body
            except HTTPStatusError as error:
                if error.code in TRANSIENT_STATUS and attempt + 1 < attempts:
                    self._wait(attempt)
                    continue
                raise RemoteError(
                    where, self._describe_status(error.code, error.reason, error.detail, headers)
                ) from None
            except TransportError as error:
                if error.transient and attempt + 1 < attempts:
                    self._wait(attempt)
                    continue
                if error.transient and self.retries:
                    raise RemoteError(
                        where, f"{error.message}, also after {self.retries} retries"
                    ) from None
                raise
        raise AssertionError("unreachable")  # pragma: no cover

    def _wait(self, attempt: int) -> None:
        time.sleep(self.backoff * (2**attempt))

    def _describe_status(
        self, code: int, reason: str, detail: str, headers: dict[str, str] | None
    ) -> str:
        status = f"HTTP {code} {reason}".strip()
        tail = f": {detail}" if detail else ""
        if code == 401:
            hint = (
                "check the user name and $KG_PASSWORD"
                if self.user is not None
                else "give --user NAME (the password comes from $KG_PASSWORD or a prompt)"
            )
            return f"authentication failed ({status}); {hint}"
        if code == 403:
            return f"forbidden ({status}){tail}"
        if code == 404:
            return (
                f"not found ({status}): not a Graph Store Protocol URL? (Oxigraph: .../store, "
                "Virtuoso: .../sparql-graph-crud, Fuseki: .../DATASET/data)"
            )
        if code == 415:
            sent = (headers or {}).get("Content-Type", "no Content-Type")
            return f"the server does not accept {sent} ({status})"
        if code in TRANSIENT_STATUS:
            return f"the server is unavailable ({status}), also after {self.retries} retries{tail}"
        if code >= 500:
            return f"server error ({status}){tail}"
        return f"{status}{tail}"

    # --- Graph Store Protocol and SPARQL ---

    def put(self, graph: str, body: bytes, content_type: str) -> None:
        self.send(
            "PUT", graph_url(self.endpoints.store, graph), body, {"Content-Type": content_type}
        )

    def post(self, graph: str, body: bytes, content_type: str) -> None:
        self.send(
            "POST", graph_url(self.endpoints.store, graph), body, {"Content-Type": content_type}
        )

    def delete(self, graph: str, *, retries: int | None = None) -> None:
        """Delete ``graph``; a graph that is not there is not an error."""
        try:
            self.send("DELETE", graph_url(self.endpoints.store, graph), retries=retries)
        except RemoteError as error:
            if "HTTP 404" not in error.message:
                raise

    def update(self, text: str) -> None:
        """Run a SPARQL 1.1 Update on the update endpoint."""
        assert self.endpoints.update is not None
        self.send(
            "POST",
            self.endpoints.update,
            urllib.parse.urlencode({"update": text}).encode("utf-8"),
            {"Content-Type": "application/x-www-form-urlencoded"},
        )

    def count(self, graph: str) -> int:
        """How many triples ``graph`` holds on the server (0 if it does not exist)."""
        if self.endpoints.query is None:
            return self._count_by_download(graph)
        text = with_iris(resources.internal_query("push-count"), graph=graph)
        body = self.send(
            "POST",
            self.endpoints.query,
            urllib.parse.urlencode({"query": text}).encode("utf-8"),
            {
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": "application/sparql-results+json",
            },
        )
        try:
            bindings = json.loads(body)["results"]["bindings"]
            return int(bindings[0]["triples"]["value"]) if bindings else 0
        except (ValueError, KeyError, IndexError, TypeError, RecursionError):
            raise RemoteError(
                redact(self.endpoints.query), "the count query's answer is not SPARQL JSON results"
            ) from None

    def _count_by_download(self, graph: str) -> int:
        url = graph_url(self.endpoints.store, graph)
        try:
            body = self.send("GET", url, headers={"Accept": "application/n-triples"})
        except RemoteError as error:
            if "HTTP 404" in error.message:
                return 0
            raise
        downloaded = Graph()
        try:
            downloaded.parse(data=body.decode("utf-8"), format="nt")
        except Exception:
            raise RemoteError(redact(url), "cannot read the graph back as N-Triples") from None
        return len(downloaded)


def with_iris(text: str, **iris: str) -> str:
    """Put ``<iri>`` in place of each ``$name`` in a query template."""
    for name, iri in iris.items():
        bracketed = f"<{check_iri(iri, name)}>"
        text = re.sub(rf"\${name}\b", lambda _m, b=bracketed: b, text)
    return text


# --- What is sent ---------------------------------------------------------------------------


def ntriples_lines(
    source: KnowledgeGraph | Dataset | Graph,
    *,
    graphs: Sequence[str] = (),
    skolemize: bool = False,
) -> list[str]:
    """The chosen graphs as sorted N-Triples lines, language tags in lower case.

    Servers such as Oxigraph and Virtuoso lower-case language tags anyway; doing it here
    keeps the triple count the server reports equal to ours.
    """
    quads = [
        (s, p, Literal(str(o), lang=o.language.lower()) if _has_language(o) else o, None)
        for s, p, o, _ in collect_quads(select_graphs(source, graphs), keep_graphs=False)
    ]
    graph = Graph(bind_namespaces="none")
    for s, p, o, _ in canonical_quads(list(dict.fromkeys(quads)), skolemize=skolemize):
        graph.add((s, p, o))
    text = graph.serialize(format="nt")
    return sorted(line for line in text.splitlines() if line.strip())


def _has_language(term: object) -> bool:
    return isinstance(term, Literal) and bool(term.language)


def _blank_labels(line: str) -> list[str]:
    """The blank node labels in an N-Triples line (subject and object positions only)."""
    subject, _, rest = line.partition(" ")
    _, _, obj = rest.partition(" ")
    obj = obj.rstrip()
    obj = obj[:-1].rstrip() if obj.endswith(".") else obj
    return [m.group(1) for term in (subject, obj) if (m := _BNODE_LABEL.match(term))]


def plan_batches(lines: Sequence[str], size: int) -> list[list[str]]:
    """Split N-Triples lines into batches of about ``size``, never splitting blank nodes.

    A server reads each request as its own document, so a blank node sent in two requests
    would become two nodes; triples linked through blank nodes therefore share a batch.
    """
    parent: dict[str, str] = {}

    def find(label: str) -> str:
        while parent.setdefault(label, label) != label:
            parent[label] = parent[parent[label]]
            label = parent[label]
        return label

    labels_of = [_blank_labels(line) for line in lines]
    for labels in labels_of:
        for other in labels[1:]:
            parent[find(other)] = find(labels[0])
    groups: dict[str, list[str]] = {}
    for index, (line, labels) in enumerate(zip(lines, labels_of, strict=True)):
        key = "_:" + find(labels[0]) if labels else f"#{index}"
        groups.setdefault(key, []).append(line)
    batches: list[list[str]] = []
    current: list[str] = []
    for group in groups.values():
        if current and len(current) + len(group) > size:
            batches.append(current)
            current = []
        current.extend(group)
    if current:
        batches.append(current)
    return batches


def _body(lines: Sequence[str], body_format: str) -> bytes:
    text = "\n".join(lines) + "\n" if lines else ""
    if body_format == "nt":
        return text.encode("utf-8")
    graph = bind_prefixes(Graph(bind_namespaces="none"))
    graph.parse(data=text, format="nt")
    return graph.serialize(format="turtle", encoding="utf-8")


# --- Push -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PushResult:
    """What a push did: the target graph, how many triples and requests, what the server holds."""

    graph: str
    mode: str
    triples: int
    batches: int
    server_triples: int


def push(
    source: KnowledgeGraph | Dataset | Graph,
    endpoint: str,
    *,
    graph: str = DEFAULT_TARGET,
    mode: str = "replace",
    graphs: Sequence[str] = (),
    skolemize: bool = False,
    body_format: str = "nt",
    batch_size: int = DEFAULT_BATCH_SIZE,
    user: str | None = None,
    password: str | None = None,
    query_endpoint: str | None = None,
    update_endpoint: str | None = None,
    timeout: float = 30.0,
    retries: int = 3,
    progress: Callable[[int, int], None] | None = None,
) -> PushResult:
    """Load the chosen graphs of ``source`` into the named graph ``graph`` on a server.

    ``endpoint`` is the server's Graph Store Protocol URL. ``mode`` "replace" (the default)
    uploads into a temporary graph, checks its triple count, then moves it onto ``graph``
    (SPARQL Update MOVE; without an update URL, one PUT of the whole graph), so a failure
    leaves the previous graph intact. "append" POSTs into ``graph`` and checks that the
    count grew as expected. ``progress`` is called with the triples sent so far and the
    total after each batch. Raises RemoteError (exit 3) or InputError (exit 2).
    """
    if mode not in ("replace", "append"):
        raise InputError(mode, "the mode must be 'replace' or 'append'")
    if body_format not in BODY_TYPES:
        raise InputError(body_format, f"the body format must be one of {', '.join(BODY_TYPES)}")
    if batch_size < 1:
        raise InputError("--batch-size", "must be at least 1")
    check_iri(graph, "--graph")
    endpoints = derive_endpoints(endpoint, query_endpoint, update_endpoint)
    client = Client(endpoints, user=user, password=password, timeout=timeout, retries=retries)
    lines = ntriples_lines(source, graphs=graphs, skolemize=skolemize)
    batches = plan_batches(lines, batch_size)
    content_type = BODY_TYPES[body_format] + "; charset=utf-8"
    expected = len(lines)

    requests_done: list[int] = []

    def upload(target: str) -> None:
        """POST every batch to ``target``."""
        sent = 0
        for index, batch in enumerate(batches):
            try:
                client.post(target, _body(batch, body_format), content_type)
            except RemoteError as error:
                if len(batches) > 1:
                    step = f"request {index + 1} of {len(batches)}: "
                    raise RemoteError(error.where, step + error.message) from None
                raise
            requests_done.append(index)
            sent += len(batch)
            if progress:
                progress(sent, expected)

    if mode == "append":
        # A small first request: a wrong URL, login or content type shows up before any upload.
        client.post(graph, b"", content_type)
        before = client.count(graph)
        upload(graph)
        after = client.count(graph)
        if not (expected <= after <= before + expected):
            raise RemoteError(
                redact(endpoint),
                f"after the upload <{graph}> holds {after} triples; expected between "
                f"{max(expected, before)} and {before + expected}",
            )
        return PushResult(graph, mode, expected, len(batches), after)

    temp = TEMP_GRAPH_PREFIX + uuid.uuid4().hex
    try:
        client.put(temp, b"", content_type)  # a small first request, as for append
        requests_done.append(-1)
        upload(temp)
        held = client.count(temp)
        if held != expected:
            raise RemoteError(
                redact(endpoint), f"the server holds {held} of the {expected} triples sent"
            )
        if expected == 0:
            client.delete(graph)
        elif endpoints.update is not None:
            client.update(
                with_iris(resources.internal_query("push-move"), source=temp, target=graph)
            )
        else:
            client.put(graph, _body(lines, body_format), content_type)
    except KGError as error:
        note = _drop_quietly(client, temp)
        if not requests_done:
            note = ""  # nothing reached the server, so nothing can remain there
        error.message = f"{error.message}; <{graph}> was left as it was{note}"
        error.args = (f"{error.where}: {error.message}" if error.where else error.message,)
        raise
    except BaseException:
        _drop_quietly(client, temp)
        raise
    if expected == 0 or endpoints.update is None:
        _drop_quietly(client, temp)  # MOVE removed it otherwise
    final = client.count(graph)
    if final != expected:
        raise RemoteError(
            redact(endpoint), f"after the move <{graph}> holds {final} triples, not {expected}"
        )
    return PushResult(graph, mode, expected, len(batches), final)


def _drop_quietly(client: Client, temp: str) -> str:
    """Delete the temporary graph; "" if that worked, else a note for the error message."""
    try:
        client.delete(temp, retries=0)
    except KGError:
        return f" (the temporary graph <{temp}> may remain on the server)"
    return ""


# --- Serve ----------------------------------------------------------------------------------


def oxigraph_binary() -> str | None:
    """The `oxigraph` server binary (PyPI package `oxigraph`): beside Python, or on PATH."""
    beside_python = Path(sys.executable).parent / "oxigraph"
    if beside_python.is_file():
        return str(beside_python)
    return shutil.which("oxigraph")


class _Stop(Exception):
    """Raised in the main thread by SIGTERM or SIGHUP, to stop the server like Ctrl-C does."""


STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
DEFAULT_QUERY_TIMEOUT = 60.0


def _bind_front(host: str, port: int, timeout: float) -> Front:
    """The public front on ``host:port`` (bound now, so the port is ours), or InputError."""
    try:
        return Front((host, port), timeout)
    except OSError:
        raise InputError("--port", f"{host}:{port} is already in use") from None


def _free_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def _wait_until_up(
    host: str, port: int, process: subprocess.Popen[bytes], log: Path, timeout: float = 60.0
) -> None:
    """Return once the Oxigraph server answers on ``host:port`` (RemoteError if it stops)."""
    where = f"http://{host}:{port}/"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            detail = server_text(log.read_bytes()) if log.exists() else ""
            raise RemoteError(where, f"the oxigraph server stopped at once: {detail}")
        connection = http.client.HTTPConnection(host, port, timeout=2)
        try:
            connection.request("GET", "/")
            connection.getresponse().read()
            return
        except (OSError, http.client.HTTPException):
            time.sleep(0.1)
        finally:
            connection.close()
    raise RemoteError(where, f"the oxigraph server did not answer within {timeout:g} s")


def serve(
    source: KnowledgeGraph | Dataset | Graph,
    *,
    port: int = 7878,
    host: str = "127.0.0.1",
    graphs: Sequence[str] = (),
    timeout: float = DEFAULT_QUERY_TIMEOUT,
    on_ready: Callable[[str, int], None] | None = None,
) -> None:
    """Serve the chosen graphs read-only with Oxigraph until Ctrl-C, SIGTERM or SIGHUP.

    The graphs are loaded (named graphs kept; the default graph is their union) into a store
    in a temporary folder, which is removed when the server stops, also when kg is killed
    (a janitor process waits for kg's end). Clients talk to a front on ``host:port``
    (:mod:`kg.servefront`) that refuses SERVICE and deep nesting; Oxigraph listens on a
    private loopback address, stops each query after ``timeout`` seconds, and dies with kg.
    ``on_ready`` is called with the base URL and the number of quads once the server answers.
    """
    binary = oxigraph_binary()
    if binary is None:
        raise MissingExtra("oxigraph", "server")
    if not 0 < port < 65536:
        raise InputError("--port", f"{port} is not a TCP port")
    if timeout <= 0:
        raise InputError("--timeout", "must be more than 0 seconds")
    front = _bind_front(host, port, timeout)
    process: subprocess.Popen[bytes] | None = None
    janitor: Janitor | None = None
    folder: Path | None = None
    handlers = {sig: signal.getsignal(sig) for sig in STOP_SIGNALS}

    def stop(signum: int, frame: FrameType | None) -> None:
        raise _Stop

    try:
        for sig in handlers:
            signal.signal(sig, stop)
        payload = serialize(source, "nq", graphs=graphs)
        quads = payload.count(b"\n")
        folder = Path(tempfile.mkdtemp(prefix="kg-serve-"))
        janitor = Janitor(folder)
        private = private_address(lambda: secrets.randbits(24))
        private_port = _free_port(private)
        process = _start_oxigraph(binary, folder, payload, (private, private_port), timeout)
        janitor.watch(process.pid)
        _wait_until_up(private, private_port, process, folder / "server.log")
        front.start((private, private_port))
        if on_ready:
            on_ready(f"http://{host}:{port}", quads)
        code = process.wait()
        raise RemoteError(
            f"http://{host}:{port}", f"the oxigraph server stopped by itself (exit code {code})"
        )
    except (KeyboardInterrupt, _Stop):
        pass
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
        if front.upstream is not None:
            front.shutdown()  # stops the thread serve_forever runs in
        front.server_close()
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)
        if janitor is not None:
            janitor.finish()


def _start_oxigraph(
    binary: str,
    folder: Path,
    payload: bytes,
    address: tuple[str, int],
    timeout: float,
) -> subprocess.Popen[bytes]:
    """Load ``payload`` (N-Quads) into a store in ``folder`` and serve it read-only.

    Both oxigraph processes are killed by the kernel if kg dies (Linux: PR_SET_PDEATHSIG).
    """
    data = folder / "graph.nq"
    data.write_bytes(payload)
    store = folder / "store"
    loaded = subprocess.run(
        [binary, "load", "--location", str(store), "--file", str(data)],
        capture_output=True,
        check=False,
        **child_options(),  # type: ignore[call-overload]
    )
    if loaded.returncode != 0:
        detail = server_text(loaded.stderr)
        raise RemoteError(binary, f"oxigraph could not load the graph: {detail}")
    data.unlink()
    host, port = address
    with open(folder / "server.log", "wb") as log:
        return subprocess.Popen(  # type: ignore[call-overload, no-any-return]
            [
                binary,
                "serve-read-only",
                "--location",
                str(store),
                "--bind",
                f"{host}:{port}",
                "--union-default-graph",
                "--timeout-s",
                str(max(1, math.ceil(timeout))),
            ],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=server_environment(),
            **child_options(),
        )
