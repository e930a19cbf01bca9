"""The Python API ``kg.query`` and the rdflib engine; results on a SPARQL endpoint.

A query comes from the catalogue (by name), a ``.rq`` file, stdin or literal text. Its grlc
parameters are bound as RDF terms, never pasted into the text: with rdflib through initial
bindings, against an endpoint through a ``VALUES`` block (of serialised terms) at the start
of the WHERE group. SPARQL Update is refused. Results are :class:`Rows` (SELECT) of rdflib
terms, a ``bool`` (ASK) or an rdflib ``Graph`` (CONSTRUCT, DESCRIBE); ``kg.results`` writes
them. The command line uses Oxigraph instead when it can (``kg.engines``).
"""

from __future__ import annotations

import io
import re
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Union

import rdflib.plugins.sparql
from pyparsing import ParseBaseException
from rdflib import BNode, Dataset, Graph, Literal, URIRef, Variable
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.plugins.sparql.parser import parseQuery, parseUpdate
from rdflib.plugins.sparql.sparql import Query
from rdflib.query import Result

from kg import deadline, querytext
from kg.catalogue import NamedQuery, Parameter, resolve
from kg.errors import InputError, RemoteError
from kg.http import Session, check_http_url, redact, server_text
from kg.params import bind_terms
from kg.params import to_term as neutral_term
from kg.prefixes import PREFIXES
from kg.querytext import first_line, where_group, with_values
from kg.results import (
    FORMATS,
    GRAPH_FORMATS,
    SELECT_FORMATS,
    Rows,
    default_format,
    format_boolean,
    format_graph,
    format_result,
    format_rows,
    prefix_map,
)
from kg.terms import nt_term, python_value, to_rdflib

# rdflib would fetch the IRI of a FROM or FROM NAMED clause it does not hold (a request the
# user did not ask for); kg queries only the graph it loaded.
rdflib.plugins.sparql.SPARQL_LOAD_GRAPHS = False

if TYPE_CHECKING:  # pragma: no cover
    from kg.loader import KnowledgeGraph

Term = URIRef | Literal | BNode
QueryResult = Union["Rows", bool, Graph]

__all__ = [
    "FORMATS",
    "GRAPH_FORMATS",
    "SELECT_FORMATS",
    "Compiled",
    "QueryResult",
    "Rows",
    "bind",
    "compile_query",
    "default_format",
    "format_boolean",
    "format_graph",
    "format_result",
    "format_rows",
    "nt_term",
    "python_value",
    "query",
    "remote_text",
    "resolve",
    "run_local",
    "run_remote",
    "to_term",
    "where_group",
    "with_values",
]


# --- Checking and compiling ----------------------------------------------------------------


@dataclass(frozen=True)
class Compiled:
    """A query that parsed: its kind (SELECT, ASK, CONSTRUCT, DESCRIBE) and rdflib's form."""

    named: NamedQuery
    kind: str
    prepared: Query
    ordered: bool
    star: bool = False
    grouped: bool = False
    local: bool = True  # checked for a local run (SERVICE refused)


TOO_COMPLEX = "the query is too deeply nested or too long for rdflib's engine"


def compile_query(named: NamedQuery, *, local: bool = True) -> Compiled:
    """Parse ``named``; InputError for updates, unknown prefixes and syntax errors.

    ``local`` (the default) also refuses SERVICE; a query for an endpoint is only checked
    for nesting depth, SERVICE being that server's business.
    """
    text, where = named.text, named.source
    querytext.precheck(named, local=local)
    try:
        with deadline.deep_recursion():
            parsed = parseQuery(text)
    except ParseBaseException as error:
        if _is_update(text):
            raise InputError(where, querytext.UPDATE_REFUSED) from None
        raise InputError(where, _describe_syntax_error(error, text)) from None
    except (RecursionError, ValueError) as error:
        raise InputError(where, _parse_failure(error)) from None
    try:
        prepared = translateQuery(parsed, initNs=PREFIXES)
    except RecursionError:
        raise InputError(where, TOO_COMPLEX) from None
    except Exception as error:  # rdflib's translation raises plain exceptions
        raise InputError(where, first_line(str(error)) or type(error).__name__) from None
    kind = prepared.algebra.name.removesuffix("Query").upper()
    ordered = "orderby" in parsed[1]
    star = querytext.shape(text).star
    grouped = "groupby" in parsed[1]
    return Compiled(
        named=named,
        kind=kind,
        prepared=prepared,
        ordered=ordered,
        star=star,
        grouped=grouped,
        local=local,
    )


def _parse_failure(error: Exception) -> str:
    if isinstance(error, RecursionError):
        return TOO_COMPLEX
    return first_line(str(error)) or "syntax error"


def _is_update(text: str) -> bool:
    try:
        with deadline.deep_recursion():
            parseUpdate(text)
    except Exception:
        # A broken update is still an update: refuse it for what it is.
        return querytext.starts_like_update(text)
    return True


def describe_parse_failure(text: str) -> str | None:
    """``line L, column C: what`` if rdflib's parser rejects ``text``, else None."""
    try:
        with deadline.deep_recursion():
            parseQuery(text)
    except ParseBaseException as error:
        return _describe_syntax_error(error, text)
    except (RecursionError, ValueError):
        return None
    return None


def _describe_syntax_error(error: ParseBaseException, text: str) -> str:
    found = re.search(r"found (.*?)\s+\(at char", str(error))
    detail = found.group(1) if found and found.group(1) != "end of text" else ""
    return querytext.syntax_error(text, error.loc, detail)


# --- Parameters ----------------------------------------------------------------------------


def bind(named: NamedQuery, params: Mapping[str, object] | None = None) -> dict[str, Term]:
    """Turn ``params`` (name -> text or RDF term) into variable -> rdflib term, checking each.

    Required parameters must be given (or have a default); values are checked against the
    type the query declares; names the query does not know are refused.
    """
    return {name: to_rdflib(term) for name, term in bind_terms(named, params).items()}


def to_term(parameter: Parameter, value: object) -> Term:
    """The rdflib term for one parameter value, checked against the parameter's type."""
    return to_rdflib(neutral_term(parameter, value))


# --- Running locally -----------------------------------------------------------------------


@cache
def _bundled() -> KnowledgeGraph:
    from kg.loader import load

    return load()


def run_local(
    compiled: Compiled,
    bindings: Mapping[str, Any],
    graph: KnowledgeGraph | Graph | None = None,
    *,
    max_rows: int | None = None,
) -> QueryResult:
    """Evaluate ``compiled`` with rdflib on ``graph`` (default: the bundled graph).

    TooManyResults once the result has more than ``max_rows`` rows or triples.
    """
    if not compiled.local:  # compiled for an endpoint: SERVICE was not checked
        querytext.precheck(compiled.named)
    if graph is None:
        graph = _bundled()
    if isinstance(graph, Graph):  # a Graph, or a Dataset (queried as rdflib does)
        target = graph
        declared = {str(p): str(ns) for p, ns in graph.namespaces() if p}
    else:
        target = getattr(graph, "graph", None)
        if not isinstance(target, Graph):
            raise TypeError("graph must be a KnowledgeGraph or an rdflib Graph")
        declared = getattr(graph, "prefixes", {})
    prepared = compiled.prepared
    initial = {Variable(name): to_rdflib_any(term) for name, term in bindings.items()}
    if compiled.kind == "DESCRIBE" and initial:
        # rdflib ignores initial bindings for DESCRIBE targets: describe through VALUES.
        with deadline.deep_recursion():
            prepared = prepareQuery(with_values(compiled.named.text, bindings), initNs=PREFIXES)
        initial = {}
    where = compiled.named.source
    prefixes = prefix_map(declared, compiled.named.text)
    try:  # rdflib evaluates lazily: converting the result runs the query
        result = target.query(prepared, initBindings=initial)
        return _convert(result, compiled, prefixes, max_rows)
    except deadline.TooManyResults:
        raise
    except RecursionError:
        raise InputError(where, TOO_COMPLEX) from None
    except Exception as error:  # evaluation errors become one line
        raise InputError(where, f"query failed: {first_line(str(error))}") from None


def to_rdflib_any(term: Any) -> Term:
    """An rdflib term for an rdflib term or a :class:`kg.terms.Term`."""
    return term if isinstance(term, URIRef | Literal | BNode) else to_rdflib(term)


def _convert(
    result: Result, compiled: Compiled, prefixes: dict[str, str], max_rows: int | None = None
) -> QueryResult:
    where = compiled.named.source
    if compiled.kind == "SELECT":
        names = [str(v) for v in (result.vars or [])]
        if compiled.star:
            names = querytext.star_order(compiled.named.text, names)
        bindings = _bounded_bindings(result, max_rows, where)
        if compiled.grouped and len(bindings) == 1 and not bindings[0]:
            # rdflib gives one empty row for a GROUP BY that matched nothing (rdflib issue
            # 3382); SPARQL has no group then, so no row (as Oxigraph and endpoints answer).
            bindings = []
        rows = [{name: b.get(Variable(name)) for name in names} for b in bindings]
        selected = Rows(vars=names, rows=rows, prefixes=prefixes)
        return selected if compiled.ordered else selected.sort()
    if compiled.kind == "ASK":
        return bool(result.askAnswer)
    graph = Graph(bind_namespaces="none")
    for prefix, namespace in prefixes.items():
        graph.bind(prefix, namespace, override=False)
    triples = result.graph or Graph()
    deadline.check_count(len(triples), max_rows, where, "triples")
    for triple in triples:
        graph.add(triple)
    return graph


def _bounded_bindings(result: Result, max_rows: int | None, where: str) -> list[Any]:
    """The solutions of a SELECT, drawn one by one so that no more than ``max_rows`` are
    held (the empty solution rdflib yields for an empty GROUP BY is kept, as before)."""
    if max_rows is None or result._genbindings is None:
        bindings = list(result.bindings)
    else:
        bindings = []
        for solution in result._genbindings:
            bindings.append(solution)
            deadline.check_count(len(bindings), max_rows, where)
    deadline.check_count(len(bindings), max_rows, where)
    return bindings


# --- Running against an endpoint -----------------------------------------------------------

_ACCEPT = {
    "SELECT": "application/sparql-results+json, application/sparql-results+xml;q=0.8",
    "ASK": "application/sparql-results+json, application/sparql-results+xml;q=0.8",
    "CONSTRUCT": "application/n-triples, text/turtle;q=0.9, application/rdf+xml;q=0.5",
    "DESCRIBE": "application/n-triples, text/turtle;q=0.9, application/rdf+xml;q=0.5",
}
_RDF_TYPES = {
    "application/n-triples": "nt",
    "text/plain": "nt",
    "text/turtle": "turtle",
    "application/rdf+xml": "xml",
    "application/ld+json": "json-ld",
}


def remote_text(compiled: Compiled, bindings: Mapping[str, Any]) -> str:
    """The text sent to an endpoint: project prefixes the query uses, then ``VALUES``."""
    return querytext.remote_text(compiled.named.text, bindings)


def run_remote(
    compiled: Compiled, bindings: Mapping[str, Any], endpoint: str, timeout: float = 30.0
) -> QueryResult:
    """Send the query to a SPARQL 1.1 endpoint (protocol: POST, form-encoded) and read back.

    Through :mod:`kg.http`: no redirect to another host, ``timeout`` bounds the whole
    exchange, and the answer is read up to :func:`kg.http.max_response_bytes`.
    """
    check_http_url(endpoint, "--endpoint")
    shown = redact(endpoint)
    text = remote_text(compiled, bindings)
    body, content_type = _fetch(
        endpoint,
        urllib.parse.urlencode({"query": text}).encode("utf-8"),
        {
            "Accept": _ACCEPT[compiled.kind],
            "Content-Type": "application/x-www-form-urlencoded",
        },
        timeout,
    )
    prefixes = prefix_map({}, compiled.named.text)
    try:
        if compiled.kind in ("SELECT", "ASK"):
            kind = "xml" if "xml" in content_type else "json"
            if kind == "xml" and re.search(rb"<!DOCTYPE", body[:4096], re.I):
                # SPARQL results need no DTD; one could define entities that read local
                # files or expand without end (rdflib parses with lxml when it is installed).
                raise RemoteError(shown, "the answer declares a DOCTYPE; kg reads no entities")
            result = Result.parse(io.BytesIO(body), format=kind)
        else:
            result = Result("CONSTRUCT")
            result.graph = _answer_graph(body, content_type)
    except RemoteError:
        raise
    except Exception as error:
        detail = server_text(first_line(str(error)).encode(), 120)
        raise RemoteError(shown, f"the answer is not readable SPARQL results ({detail})") from None
    return _convert(result, compiled, prefixes)


def _answer_graph(body: bytes, content_type: str) -> Graph:
    """The triples of an endpoint's CONSTRUCT/DESCRIBE answer, parsed by Oxigraph.

    Oxigraph never fetches or reads a JSON-LD ``@context`` (rdflib would fetch a remote one),
    and refuses the entities of an RDF/XML DTD, so an answer cannot make kg contact another
    server or read a local file.
    """
    import pyoxigraph as ox

    from kg.loader import add_oxigraph_quads

    formats = {
        "nt": ox.RdfFormat.N_TRIPLES,
        "turtle": ox.RdfFormat.TURTLE,
        "xml": ox.RdfFormat.RDF_XML,
        "json-ld": ox.RdfFormat.JSON_LD,
    }
    syntax = formats[_RDF_TYPES.get(content_type, "turtle")]
    rdf = Graph()
    add_oxigraph_quads(Dataset(), rdf, ox.parse(body, format=syntax))
    return rdf


def _fetch(
    endpoint: str, body: bytes, headers: dict[str, str], timeout: float
) -> tuple[bytes, str]:
    """POST ``body`` to ``endpoint``: the answer's body and media type, or RemoteError."""
    answer = Session(timeout=timeout).request("POST", endpoint, body, headers)
    return answer.body, answer.content_type


# --- The public entry point ----------------------------------------------------------------


def query(
    name_or_text: str | Path | NamedQuery,
    params: Mapping[str, object] | None = None,
    graph: KnowledgeGraph | Graph | None = None,
    *,
    endpoint: str | None = None,
    timeout: float | None = deadline.DEFAULT_TIMEOUT,
    max_rows: int | None = None,
) -> QueryResult:
    """Run a catalogue query, a ``.rq`` file or SPARQL text.

    Returns :class:`Rows` for SELECT, a bool for ASK and an rdflib Graph for CONSTRUCT and
    DESCRIBE. ``params`` maps parameter names to text (checked against the declared type) or
    RDF terms. ``graph`` is a KnowledgeGraph or rdflib Graph (default: the bundled graph);
    ``endpoint`` sends the query to a SPARQL endpoint instead. A local query that runs
    longer than ``timeout`` seconds (None: no limit) raises ``kg.deadline.QueryTimeout``;
    more than ``max_rows`` rows or triples raises ``kg.deadline.TooManyResults`` (both are
    KGErrors). SERVICE is refused in a local query: it would contact a server.
    """
    if isinstance(name_or_text, NamedQuery):
        named = name_or_text
    else:
        _check_text_size(name_or_text)
        named = resolve(name_or_text)
    if endpoint is not None:
        compiled = compile_query(named, local=False)
        bindings = bind(named, params)
        return run_remote(compiled, bindings, endpoint, timeout or deadline.DEFAULT_TIMEOUT)
    with deadline.raising_after(timeout, named.source):
        compiled = compile_query(named)
        bindings = bind(named, params)
        return run_local(compiled, bindings, graph, max_rows=max_rows)


def _check_text_size(name_or_text: str | Path) -> None:
    """Refuse query text over the size limit before anything scans it."""
    if isinstance(name_or_text, Path):
        try:
            size = name_or_text.stat().st_size
        except OSError:
            return  # resolve reports the file
        querytext.check_size(size, str(name_or_text))
    elif len(name_or_text) > querytext.MAX_QUERY_BYTES:
        querytext.check_size(len(name_or_text.encode("utf-8", "surrogateescape")), "<query>")
