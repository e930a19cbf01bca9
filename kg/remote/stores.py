"""Push the graph to real SPARQL servers, and serve it from a local Oxigraph server.

``push`` speaks the SPARQL 1.1 Graph Store HTTP Protocol (PUT replaces a graph, POST adds to
it), in batches that never split a group of linked blank nodes, with retries on transient
errors and a triple count afterwards. ``--replace`` sends Oxigraph one streamed PUT (its PUT
keeps the previous graph on a failure); other servers get a temporary graph, checked, then
MOVEd onto the target, so a failure leaves the previous graph as it was.
``serve`` runs ``oxigraph serve-read-only`` on 127.0.0.1 over a temporary store.
"""

from __future__ import annotations

import http.client
import json
import math
import queue
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import IO, Any

import pyoxigraph as ox
from rdflib import Dataset, Graph

from kg import resources, workers
from kg.errors import InputError, KGError, MissingExtra, RemoteError
from kg.exports.export import serialize
from kg.namespaces import BASE
from kg.remote.http import (
    HTTPStatusError,
    Response,
    Session,
    TransportError,
    check_http_url,
    redact,
    server_text,
    without_credentials,
)
from kg.remote.servefront import (
    Front,
    Janitor,
    child_options,
    private_address,
    server_environment,
)
from kg.store.oxengine import KnowledgeGraph
from kg.workers import STOP_SIGNALS

# Where `kg push` puts the graph when no --graph is given.
DEFAULT_TARGET = BASE
# Temporary graphs for --replace live under this prefix (one fresh IRI per push).
TEMP_GRAPH_PREFIX = BASE + ".well-known/kg-push/"
DEFAULT_BATCH_SIZE = 20_000
TRANSIENT_STATUS = {429, 502, 503, 504}
BODY_TYPES = {"nt": "application/n-triples", "turtle": "text/turtle"}
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
        body: bytes | Callable[[], Iterable[bytes]] | None = None,
        headers: dict[str, str] | None = None,
        *,
        retries: int | None = None,
        timeout: float | None = None,
        answer_timeout: float | None = None,
    ) -> bytes:
        """Send one request and return the response body (see :meth:`request`)."""
        return self.request(
            method,
            url,
            body,
            headers,
            retries=retries,
            timeout=timeout,
            answer_timeout=answer_timeout,
        ).body

    def request(
        self,
        method: str,
        url: str,
        body: bytes | Callable[[], Iterable[bytes]] | None = None,
        headers: dict[str, str] | None = None,
        *,
        retries: int | None = None,
        timeout: float | None = None,
        answer_timeout: float | None = None,
    ) -> Response:
        """Send one request and return the answer (a RemoteError on failure).

        Through :mod:`kg.remote.http`: no redirect to another host, ``timeout`` (default: the
        client's) bounds each whole request, answers are read up to
        :func:`kg.remote.http.max_response_bytes`. A callable ``body`` gives the chunks of a
        streamed body, afresh for each attempt.
        """
        attempts = (self.retries if retries is None else retries) + 1
        where = redact(urllib.parse.urlunsplit(urllib.parse.urlsplit(url)._replace(query="")))
        for attempt in range(attempts):
            payload = body() if callable(body) else body
            try:
                return self.session.request(
                    method,
                    url,
                    payload,
                    headers,
                    where=where,
                    timeout=timeout,
                    answer_timeout=answer_timeout,
                )
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

    def put(
        self,
        graph: str,
        body: bytes | Callable[[], Iterable[bytes]],
        content_type: str,
        length: int | None = None,
        answer_timeout: float | None = None,
    ) -> None:
        """PUT ``body``; a streamed one goes chunked, or with ``length`` as Content-Length."""
        headers = {"Content-Type": content_type}
        if length is not None:
            headers["Content-Length"] = str(length)
        url = graph_url(self.endpoints.store, graph)
        self.send("PUT", url, body, headers, answer_timeout=answer_timeout)

    def post(self, graph: str, body: bytes, content_type: str) -> Response:
        return self.request(
            "POST", graph_url(self.endpoints.store, graph), body, {"Content-Type": content_type}
        )

    def delete(self, graph: str, *, retries: int | None = None) -> None:
        """Delete ``graph``; a graph that is not there is not an error."""
        try:
            self.send("DELETE", graph_url(self.endpoints.store, graph), retries=retries)
        except RemoteError as error:
            if "HTTP 404" not in error.message:
                raise

    def update(self, text: str, *, timeout: float | None = None) -> None:
        """Run a SPARQL 1.1 Update on the update endpoint."""
        assert self.endpoints.update is not None
        self.send(
            "POST",
            self.endpoints.update,
            urllib.parse.urlencode({"update": text}).encode("utf-8"),
            {"Content-Type": "application/x-www-form-urlencoded"},
            timeout=timeout,
        )

    def count(self, graph: str, *, retries: int | None = None) -> int:
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
            retries=retries,
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

_BLANK = ox.BlankNode
GROUND_RUN = 10_000  # ground triples taken from the store at a time
SPOOL_CHUNK = 1 << 20
# Servers (by their Server header) that replace a graph on PUT atomically, a failed or cut
# PUT leaving the previous graph (tests/test_push.py checks it, killing the server too),
# and that read a chunked request body: the default --replace sends them one streamed PUT.
PUT_SERVERS = ("Oxigraph/",)
STRATEGIES = ("auto", "put", "move")


def push_store(
    source: KnowledgeGraph | Dataset | Graph | ox.Store, graphs: Sequence[str] = ()
) -> ox.Store:
    """An Oxigraph store whose default graph holds the triples to send (distinct, merged).

    A Store is used as it is (its named graphs merged into the default graph); rdflib
    sources go through N-Quads, with ``graphs`` choosing among their named graphs.
    """
    if isinstance(source, ox.Store):
        if graphs:
            raise InputError("--graphs", "choose the graphs before loading them into a store")
        store = source
    else:
        store = ox.Store()
        store.load(serialize(source, "nq", graphs=graphs), format=ox.RdfFormat.N_QUADS)
    merge_into_default_graph(store)
    return store


def merge_into_default_graph(store: ox.Store) -> None:
    """Move every named graph's triples into the default graph (a set: duplicates merge)."""
    if next(iter(store.named_graphs()), None) is not None:
        store.update("INSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } } ; DROP NAMED")


def load_for_push(paths: Sequence[str], *, bundled: bool, syntax: str | None) -> ox.Store:
    """The bundled graph and/or RDF files parsed by Oxigraph, merged, ready for :func:`push`."""
    from kg.store import oxengine

    store = oxengine.load(paths, bundled=bundled, syntax=syntax, keep_graphs=False).store
    merge_into_default_graph(store)
    return store


@dataclass
class Group:
    """The triples around a group of linked blank nodes, and the store's label of each node."""

    quads: list[ox.Quad]
    labels: list[str]

    @property
    def size(self) -> int:
        return len(self.labels)


def _linked(store: ox.Store, start: ox.BlankNode) -> Group:
    """Every triple of the group of blank nodes linked to ``start``.

    A triple is found from its subject when that is a blank node, else from its object.
    """
    number = {start.value: 0}
    labels = [start.value]
    todo = [start]
    quads: list[ox.Quad] = []

    def node(term: ox.BlankNode) -> int:
        label = term.value
        found = number.get(label)
        if found is None:
            found = number[label] = len(labels)
            labels.append(label)
            todo.append(term)
        return found

    while todo:
        current = todo.pop()
        for quad in store.quads_for_pattern(current, None, None):
            if type(quad.object) is _BLANK:
                node(quad.object)
            quads.append(quad)
        for quad in store.quads_for_pattern(None, None, current):
            subject = quad.subject
            if type(subject) is _BLANK:
                node(subject)  # the triple is found from its subject
                continue
            quads.append(quad)
    return Group(quads, labels)


def statement_groups(store: ox.Store) -> Iterator[tuple[list, bool]]:
    """The default graph's triples in groups, blank nodes kept: ``(quads, may_split)``.

    Runs of triples without blank nodes (``may_split``), and each group of blank nodes
    linked through triples, whole, with its triples: a server reads each request as its own
    document, so a blank node sent in two requests would become two nodes. Memory: one run
    or group at a time, plus the set of the blank nodes done.
    """
    done: set[str] = set()
    ground: list[ox.Quad] = []
    for quad in store:  # only the default graph is left (merge_into_default_graph)
        subject, obj = quad.subject, quad.object
        blank = subject if type(subject) is _BLANK else obj if type(obj) is _BLANK else None
        if blank is None:
            ground.append(quad)
            if len(ground) >= GROUND_RUN:
                yield ground, True
                ground = []
            continue
        if blank.value in done:
            continue
        group = _linked(store, blank)
        done.update(group.labels)
        yield group.quads, False
    if ground:
        yield ground, True


def skolem_lines(source: Any, graphs: Sequence[str] = ()) -> list[str]:
    """The chosen graphs' triples as sorted N-Triples lines, blank nodes as the skolem IRIs
    ``kg export --skolemize`` gives (:func:`kg.exports.export.canonical_lines`), literals as
    written. A pyoxigraph Store is read from its default graph."""
    from kg.exports.export import Statements, canonical_lines

    if isinstance(source, ox.Store):
        if graphs:
            raise InputError("--graphs", "choose the graphs before loading them into a store")
        merge_into_default_graph(source)
        data = source.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph())
        lines = data.decode("utf-8").split("\n")[:-1]
        source = Statements(graphs={None: lines}, prefixes={}, sources=["<store>"], plain=True)
    parts = canonical_lines(source, graphs=graphs, keep_graphs=False, skolemize=True)
    return parts[0][1] if parts else []


def line_batches(lines: Sequence[str], size: int) -> Iterator[list]:
    """Batches of ``size`` N-Triples lines, parsed back into triples (no blank nodes left)."""
    for start in range(0, len(lines), size):
        text = "\n".join(lines[start : start + size]) + "\n"
        yield list(ox.parse(text, format=ox.RdfFormat.N_TRIPLES))


def plan_batches(groups: Iterable[tuple[list, bool]], size: int) -> Iterator[list]:
    """Batches of about ``size`` triples; a group that may not be split stays whole."""
    current: list = []
    for triples, may_split in groups:
        if may_split:
            start = 0
            while start < len(triples):
                room = size - len(current)
                current.extend(triples[start : start + room])
                start += room
                if len(current) >= size:
                    yield current
                    current = []
            continue
        if current and len(current) + len(triples) > size:
            yield current
            current = []
        current.extend(triples)
    if current:
        yield current


def batch_body(triples: Sequence[ox.Quad], body_format: str) -> bytes:
    """One request body (a whole document) for ``triples``. A Turtle body writes full IRIs:
    with prefixes, Oxigraph escapes a ``/`` in a local name (``kg:a\\/b``, valid Turtle),
    which Virtuoso 7 reads as a backslash in the IRI."""
    if body_format == "nt":
        return ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
    return ox.serialize(triples, format=ox.RdfFormat.TURTLE)


# --- Push -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PushResult:
    """What a push did: the target graph, how many triples and requests, what the server holds."""

    graph: str
    mode: str
    triples: int
    batches: int
    server_triples: int


def move_timeout(timeout: float, triples: int) -> float:
    """The deadline of a whole-graph step: ``timeout`` plus 1 s for every 1,000 triples.

    For the final MOVE, and for the answer to a whole-graph PUT after its last byte: the
    server then stores every triple in one transaction (Oxigraph: about 2,000 a second on
    a busy 2-core machine, most of it after reading the body), which the per-request
    timeout alone does not allow for.
    """
    return timeout + triples / 1000


def push(
    source: KnowledgeGraph | Dataset | Graph | ox.Store,
    endpoint: str,
    *,
    graph: str = DEFAULT_TARGET,
    mode: str = "replace",
    graphs: Sequence[str] = (),
    skolemize: bool = True,
    strategy: str = "auto",
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

    ``endpoint`` is the server's Graph Store Protocol URL. Blank nodes are sent as stable
    skolem IRIs unless ``skolemize`` is False, so pushing the same input again gives the
    same triples. ``mode`` "replace" (the default) replaces ``graph`` by ``strategy``:
    "put" sends the whole graph in one PUT (streamed from the store, chunked to Oxigraph);
    "move" uploads into a temporary graph in batches, checks it, then MOVEs it onto
    ``graph`` (SPARQL Update), so that a failure leaves the previous graph as it was, at the
    price of the server copying every triple twice; "auto" (the default) is "put" for the
    servers in :data:`PUT_SERVERS`, whose PUT keeps the previous graph on a failure too,
    and "move" for every other (Virtuoso's PUT is not atomic). "append" POSTs the
    batches into ``graph`` and checks that the count grew as expected. ``progress`` is
    called with the triples sent so far and the total. Raises RemoteError (exit 3) or
    InputError (exit 2).
    """
    if mode not in ("replace", "append"):
        raise InputError(mode, "the mode must be 'replace' or 'append'")
    if body_format not in BODY_TYPES:
        raise InputError(body_format, f"the body format must be one of {', '.join(BODY_TYPES)}")
    if batch_size < 1:
        raise InputError("--batch-size", "must be at least 1")
    if strategy not in STRATEGIES:
        raise InputError(strategy, f"the strategy must be one of {', '.join(STRATEGIES)}")
    check_iri(graph, "--graph")
    endpoints = derive_endpoints(endpoint, query_endpoint, update_endpoint)
    client = Client(endpoints, user=user, password=password, timeout=timeout, retries=retries)
    content_type = BODY_TYPES[body_format] + "; charset=utf-8"
    if skolemize:
        lines = skolem_lines(source, graphs)
        expected = len(lines)

        def batches() -> Iterator[list]:
            return line_batches(lines, batch_size)
    else:
        store = push_store(source, graphs)
        expected = len(store)

        def batches() -> Iterator[list]:
            return plan_batches(statement_groups(store), batch_size)

    requests_done: list[int] = []

    def upload(target: str) -> int:
        """POST every batch to ``target``; the number of requests."""
        sent = 0
        count = 0
        for count, batch in enumerate(batches(), start=1):
            try:
                client.post(target, batch_body(batch, body_format), content_type)
            except RemoteError as error:
                step = f"request {count}: " if count > 1 or sent < expected else ""
                raise RemoteError(error.where, step + error.message) from None
            requests_done.append(count)
            sent += len(batch)
            if progress:
                progress(sent, expected)
        return count

    if mode == "append":
        # A small first request: a wrong URL, login or content type shows up before any upload.
        client.post(graph, b"", content_type)
        before = client.count(graph)
        requests = upload(graph)
        after = client.count(graph)
        if not (expected <= after <= before + expected):
            raise RemoteError(
                redact(endpoint),
                f"after the upload <{graph}> holds {after} triples; expected between "
                f"{max(expected, before)} and {before + expected}",
            )
        return PushResult(graph, mode, expected, requests, after)
    probe = None
    if strategy == "auto":
        # A small first request (adds nothing): a wrong URL, login or content type shows up
        # before any upload, and the answer says which server this is.
        probe = client.post(graph, b"", content_type)
        put = probe.server.startswith(PUT_SERVERS) or endpoints.update is None
        strategy = "put" if put else "move"
    if strategy == "put":
        return _put_whole(client, graph, expected, batches, body_format, progress, probe)
    if endpoints.update is None:
        raise InputError(
            "--strategy", "move needs the server's SPARQL update URL (--update-endpoint)"
        )

    temp = TEMP_GRAPH_PREFIX + uuid.uuid4().hex
    try:
        client.put(temp, b"", content_type)  # a small first request, as for append
        requests_done.append(0)
        requests = upload(temp)
        held = client.count(temp)
        if held != expected:
            raise RemoteError(
                redact(endpoint), f"the server holds {held} of the {expected} triples sent"
            )
        if expected == 0:
            client.delete(graph)
        else:
            client.update(
                with_iris(resources.internal_query("push-move"), source=temp, target=graph),
                timeout=move_timeout(timeout, expected),
            )
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
    if expected == 0:
        _drop_quietly(client, temp)  # MOVE removed it otherwise
    final = client.count(graph)
    if final != expected:
        raise RemoteError(
            redact(endpoint), f"after the move <{graph}> holds {final} triples, not {expected}"
        )
    return PushResult(graph, mode, expected, requests, final)


def _stream(
    batches: Iterable[Sequence[ox.Triple]],
    body_format: str,
    progress: Callable[[int, int], None] | None = None,
    expected: int = 0,
) -> Iterator[bytes]:
    """One document in chunks: each batch serialised as it is needed."""
    sent = 0
    for batch in batches:
        yield batch_body(batch, body_format)
        sent += len(batch)
        if progress:
            progress(sent, expected)


AHEAD = 4  # batches made ahead of the upload (memory: this many serialised batches)


def _made_ahead(
    batches: Callable[[], Iterable[Sequence[ox.Triple]]],
    body_format: str,
    progress: Callable[[int, int], None] | None = None,
    expected: int = 0,
    ahead: int = AHEAD,
) -> Iterator[bytes]:
    """What :func:`_stream` gives, the batches made and serialised in a thread meanwhile.

    The server parses one part of the body while kg skolemises and serialises the next,
    instead of each waiting for the other; at most ``ahead`` batches wait in memory. An
    error in the thread is raised here, in order; when the upload stops early (this
    generator is closed), the thread stops at its next batch.
    """
    made: queue.Queue[tuple[str, Any, int]] = queue.Queue(maxsize=ahead)
    stop = threading.Event()

    def offer(item: tuple[str, Any, int]) -> bool:
        while not stop.is_set():
            try:
                made.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for batch in batches():
                if not offer(("body", batch_body(batch, body_format), len(batch))):
                    return
            offer(("end", None, 0))
        except BaseException as error:  # raised again in the uploading thread
            offer(("error", error, 0))

    workers.start(produce, "kg-push-batches")
    sent = 0
    try:
        while True:
            kind, item, triples = made.get()
            if kind == "end":
                return
            if kind == "error":
                raise item
            yield item
            sent += triples
            if progress:
                progress(sent, expected)
    finally:
        stop.set()


def _put_whole(
    client: Client,
    graph: str,
    expected: int,
    batches: Callable[[], Iterator[list]],
    body_format: str,
    progress: Callable[[int, int], None] | None,
    probe: Response | None,
) -> PushResult:
    """Replace ``graph`` with one PUT of the whole graph (what ``curl -X PUT`` does).

    To Oxigraph the body is streamed as it is made (chunked, the next batches made in a
    thread while the server reads: :func:`_made_ahead`); other servers get it from a
    temporary file, with its length (Virtuoso takes a chunked body for an empty one). If
    the PUT fails, the error says what the graph holds then.
    """
    content_type = BODY_TYPES[body_format] + "; charset=utf-8"
    if probe is None:  # also answers a Digest challenge before the body is streamed
        probe = client.post(graph, b"", content_type)
    before = client.count(graph)
    with tempfile.TemporaryFile() as spool:
        length: int | None = None
        if probe.server.startswith(PUT_SERVERS):

            def body() -> Iterable[bytes]:
                return _made_ahead(batches, body_format, progress, expected)

        else:
            for chunk in _stream(batches(), body_format, progress, expected):
                spool.write(chunk)
            length = spool.tell()

            def body() -> Iterable[bytes]:
                return _file_chunks(spool)

        _put_and_report(client, graph, body, content_type, length, before, expected)
    final = client.count(graph)
    if final != expected:
        raise RemoteError(
            redact(client.endpoints.store),
            f"after the PUT <{graph}> holds {final} triples, not {expected}",
        )
    return PushResult(graph, "replace", expected, 1, final)


def _file_chunks(spool: IO[bytes]) -> Iterator[bytes]:
    spool.seek(0)
    while chunk := spool.read(SPOOL_CHUNK):
        yield chunk


def _put_and_report(
    client: Client,
    graph: str,
    body: Callable[[], Iterable[bytes]],
    content_type: str,
    length: int | None,
    before: int,
    expected: int,
) -> None:
    """The whole-graph PUT; on failure, the error says what the graph holds now."""
    try:
        answer = move_timeout(client.timeout, expected)
        client.put(graph, body, content_type, length, answer_timeout=answer)
    except KGError as error:
        try:
            now = f"<{graph}> now holds {client.count(graph, retries=0)} triples"
        except KGError:
            now = f"what <{graph}> holds now is unknown (the server does not answer)"
        error.message = f"{error.message}; the PUT did not finish: {now} (it held {before})"
        error.args = (f"{error.where}: {error.message}" if error.where else error.message,)
        raise


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


# Calls whose exceptions Python prints ("Exception ignored in ...") and drops: finalisers, and
# the at-fork hooks (logging's lock) that run while subprocess starts the server.
SWALLOWING_CALLS = frozenset(
    {"__del__", "_acquireLock", "_releaseLock", "_after_at_fork_child_reinit_locks"}
)


def in_swallowing_call(frame: FrameType | None) -> bool:
    """Whether ``frame`` (a signal handler's) runs inside a call of :data:`SWALLOWING_CALLS`."""
    while frame is not None:
        if frame.f_code.co_name in SWALLOWING_CALLS:
            return True
        frame = frame.f_back
    return False


def _wait_interruptibly(
    process: subprocess.Popen[bytes], stopping: threading.Event, every: float = 0.25
) -> int:
    """Wait for ``process`` to end, or raise _Stop once ``stopping`` is set.

    The wait returns to Python every ``every`` seconds, so a signal handler runs even when
    the signal landed in another thread, and a stop whose exception a finaliser swallowed
    is still seen.
    """
    while not stopping.is_set():
        try:
            return process.wait(timeout=every)
        except subprocess.TimeoutExpired:
            continue
    raise _Stop


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
    (:mod:`kg.remote.servefront`) that refuses SERVICE and deep nesting; Oxigraph listens on a
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
    stopping = threading.Event()

    def stop(signum: int, frame: FrameType | None) -> None:
        # Raised where the main thread is, unless that is a call whose exceptions Python
        # prints and drops (a finaliser, an at-fork hook): the event tells the waits to stop.
        stopping.set()
        if not in_swallowing_call(frame):
            raise _Stop

    try:
        for sig in handlers:
            signal.signal(sig, stop)
        payload = serialize(source, "nq", graphs=graphs)
        quads = payload.count(b"\n")
        janitor = Janitor("kg-serve-")
        folder = janitor.folder
        private = private_address(lambda: secrets.randbits(24))
        private_port = _free_port(private)
        process = _start_oxigraph(binary, folder, payload, (private, private_port), timeout)
        _wait_until_up(private, private_port, process, folder / "server.log")
        if stopping.is_set():  # a stop that arrived in a call that could not raise it
            raise _Stop
        front.start((private, private_port))
        if on_ready:
            on_ready(f"http://{host}:{port}", quads)
        code = _wait_interruptibly(process, stopping)
        raise RemoteError(
            f"http://{host}:{port}", f"the oxigraph server stopped by itself (exit code {code})"
        )
    except (KeyboardInterrupt, _Stop):
        pass
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
        front.stop()
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
