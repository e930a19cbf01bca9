"""The Python API ``kg.query``, and queries sent to a SPARQL endpoint.

A query comes from the catalogue (by name), a ``.rq`` file, stdin or literal text. Its grlc
parameters are bound as RDF terms (:mod:`kg.querying.params`), never pasted into the text: a
``VALUES`` block of serialised terms at the start of the WHERE group, for Oxigraph
(:mod:`kg.store.oxengine`) and for an endpoint alike. SPARQL Update is refused. Results are
:class:`Rows` (SELECT) of :class:`kg.terms.Term`, a ``bool`` (ASK) or :class:`Triples`
(CONSTRUCT, DESCRIBE); :mod:`kg.querying.results` writes them. An endpoint's answer is parsed by
pyoxigraph's own SPARQL results and RDF parsers.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Union

from kg import deadline
from kg.errors import RemoteError
from kg.querying import querytext
from kg.querying.catalogue import NamedQuery, resolve
from kg.querying.params import bind_terms
from kg.querying.querytext import first_line, where_group, with_values
from kg.querying.results import (
    FORMATS,
    GRAPH_FORMATS,
    SELECT_FORMATS,
    Rows,
    Triples,
    default_format,
    format_boolean,
    format_graph,
    format_result,
    format_rows,
    prefix_map,
)
from kg.remote.http import Session, check_http_url, redact, server_text
from kg.terms import Term, neutral, nt_term, python_value

if TYPE_CHECKING:  # pragma: no cover
    from kg.store.oxengine import Checked, KnowledgeGraph

QueryResult = Union["Rows", bool, "Triples"]

__all__ = [
    "FORMATS",
    "GRAPH_FORMATS",
    "SELECT_FORMATS",
    "QueryResult",
    "Rows",
    "Triples",
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
    "where_group",
    "with_values",
]


def compile_query(named: NamedQuery, *, local: bool = True) -> Checked:
    """Check and parse ``named``: InputError for updates, unknown prefixes, syntax errors,
    deep nesting and (``local``) SERVICE. See :func:`kg.store.oxengine.compile_query`."""
    from kg.store.oxengine import compile_query as compile_on_oxigraph

    return compile_on_oxigraph(named, local=local)


def bind(named: NamedQuery, params: Mapping[str, object] | None = None) -> dict[str, Term]:
    """Turn ``params`` (name -> text or RDF term) into variable -> Term, checking each.

    Required parameters must be given (or have a default); values are checked against the
    type the query declares; names the query does not know are refused.
    """
    return bind_terms(named, params)


# --- Running locally -----------------------------------------------------------------------


@cache
def _bundled() -> KnowledgeGraph:
    from kg.store.oxengine import load

    return load()


def _as_store(graph: Any) -> KnowledgeGraph:
    """``graph`` as a KnowledgeGraph: the bundled one for None, a copy of an rdflib Graph."""
    from kg.store.oxengine import KnowledgeGraph, from_rdflib

    if graph is None:
        return _bundled()
    return graph if isinstance(graph, KnowledgeGraph) else from_rdflib(graph)


def run_local(
    compiled: Checked,
    bindings: Mapping[str, Any],
    graph: Any = None,
    *,
    max_rows: int | None = None,
) -> QueryResult:
    """Evaluate ``compiled`` on ``graph`` (a KnowledgeGraph, an rdflib Graph or Dataset, or
    None: the bundled graph). TooManyResults past ``max_rows`` rows or triples."""
    from kg.store.oxengine import run

    if not compiled.local:  # compiled for an endpoint: SERVICE was not checked
        querytext.precheck(compiled.named)
    graph = _as_store(graph)
    terms = {name: neutral(term) for name, term in bindings.items()}
    return run(compiled, terms, graph, max_rows=max_rows)  # type: ignore[arg-type]


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


def remote_text(compiled: Checked, bindings: Mapping[str, Any]) -> str:
    """The text sent to an endpoint: project prefixes the query uses, then ``VALUES``."""
    return querytext.remote_text(compiled.named.text, bindings)


def run_remote(
    compiled: Checked, bindings: Mapping[str, Any], endpoint: str, timeout: float = 30.0
) -> QueryResult:
    """Send the query to a SPARQL 1.1 endpoint (protocol: POST, form-encoded) and read back.

    Through :mod:`kg.remote.http`: no redirect to another host, ``timeout`` bounds the whole
    exchange, and the answer is read up to :func:`kg.remote.http.max_response_bytes`.
    """
    import pyoxigraph as ox

    from kg.store.oxengine import rows_of, triples_of

    check_http_url(endpoint, "--endpoint")
    shown = redact(endpoint)
    text = remote_text(compiled, bindings)
    answer = Session(timeout=timeout).request(
        "POST",
        endpoint,
        urllib.parse.urlencode({"query": text}).encode("utf-8"),
        {"Accept": _ACCEPT[compiled.kind], "Content-Type": "application/x-www-form-urlencoded"},
    )
    body, content_type = answer.body, answer.content_type
    prefixes = prefix_map({}, compiled.named.text)
    try:
        if compiled.kind in ("SELECT", "ASK"):
            xml = "xml" in content_type
            if xml and re.search(rb"<!DOCTYPE", body[:4096], re.I):
                # SPARQL results need no DTD; one could define entities that read local
                # files or expand without end.
                raise RemoteError(shown, "the answer declares a DOCTYPE; kg reads no entities")
            kind = ox.QueryResultsFormat.XML if xml else ox.QueryResultsFormat.JSON
            parsed = ox.parse_query_results(body, kind)
            if isinstance(parsed, ox.QueryBoolean):
                return bool(parsed)
            return rows_of(parsed, compiled, prefixes)
        syntax = _RDF_FORMATS[_RDF_TYPES.get(content_type, "turtle")]
        # Oxigraph never fetches a JSON-LD @context nor expands an RDF/XML entity.
        return triples_of(ox.parse(body, format=getattr(ox.RdfFormat, syntax)), compiled, prefixes)
    except RemoteError:
        raise
    except Exception as error:
        detail = server_text(first_line(str(error)).encode(), 120)
        raise RemoteError(shown, f"the answer is not readable SPARQL results ({detail})") from None


_RDF_FORMATS = {"nt": "N_TRIPLES", "turtle": "TURTLE", "xml": "RDF_XML", "json-ld": "JSON_LD"}


# --- The public entry point ----------------------------------------------------------------


def query(
    name_or_text: str | Path | NamedQuery,
    params: Mapping[str, object] | None = None,
    graph: Any = None,
    *,
    endpoint: str | None = None,
    timeout: float | None = deadline.DEFAULT_TIMEOUT,
    max_rows: int | None = None,
) -> QueryResult:
    """Run a catalogue query, a ``.rq`` file or SPARQL text, on Oxigraph.

    Returns :class:`Rows` for SELECT, a bool for ASK and :class:`Triples` for CONSTRUCT and
    DESCRIBE, all of :class:`kg.terms.Term` (lexical forms exactly as stored). ``params``
    maps parameter names to text (checked against the declared type) or RDF terms.
    ``graph`` is what :func:`kg.load` returns, or an rdflib Graph or Dataset (copied into
    Oxigraph); the default is the bundled graph. ``endpoint`` sends the query to a SPARQL
    endpoint instead. A local query that runs longer than ``timeout`` seconds (None: no
    limit) raises ``kg.deadline.QueryTimeout``; more than ``max_rows`` rows or triples raises
    ``kg.deadline.TooManyResults`` (both are KGErrors). SERVICE is refused in a local query:
    it would contact a server.
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
    from kg.prefixes import with_declared
    from kg.store.oxengine import compile_query as compile_on_oxigraph

    with deadline.raising_after(timeout, named.source):
        loaded = _as_store(graph)
        compiled = compile_on_oxigraph(named, declared=loaded.prefixes)
        bindings = bind_terms(named, params, with_declared(loaded.prefixes))
        return run_local(compiled, bindings, loaded, max_rows=max_rows)


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
