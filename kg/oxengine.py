"""The Oxigraph engine: RDF files into an in-memory pyoxigraph Store, SPARQL on it.

Files are parsed by Oxigraph itself from their path (no Python-side parsing). Triples go
into the store's default graph, which, like the rdflib loader's flat graph, is a set: a
triple stated in two files is there once. Quad files (N-Quads, TriG) keep their graphs and
queries then see the union of all graphs. The bundled shapes are left out, as in the flat
graph. Parameters are bound with the same ``VALUES`` block an endpoint gets: Oxigraph's own
``substitutions`` only accept variables that the query projects (oxigraph issue 1837),
which catalogue parameters often are not. Results come back as :class:`kg.terms.Term`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from kg import progress, querytext
from kg.catalogue import NamedQuery
from kg.errors import InputError
from kg.prefixes import PREFIXES
from kg.rdffiles import (
    QUAD_SYNTAXES,
    bundled_graph_files,
    check_file,
    declared_prefixes,
    first_bad_utf8,
    syntax_for,
)
from kg.resources import internal_query
from kg.results import Rows, Triples, prefix_map
from kg.terms import XSD_STRING, Term

RDF_FORMATS = {
    "turtle": ox.RdfFormat.TURTLE,
    "nt": ox.RdfFormat.N_TRIPLES,
    "nquads": ox.RdfFormat.N_QUADS,
    "trig": ox.RdfFormat.TRIG,
    "n3": ox.RdfFormat.N3,
    "json-ld": ox.RdfFormat.JSON_LD,
    "xml": ox.RdfFormat.RDF_XML,
}
_POSITION = re.compile(
    r"^Parser error (?:at|between) line \d+ column \d+(?: and line \d+ column \d+)?: "
)
_QUERY_POSITION = re.compile(r"^error at (\d+):(\d+): (.*)$", re.S)


@dataclass
class OxGraph:
    """What was loaded: the store, the prefixes the files declare, and where it came from."""

    store: ox.Store
    prefixes: dict[str, str] = field(default_factory=dict)
    sources: list[str] = field(default_factory=list)
    union: bool = False  # a quad file was loaded: query the union of all graphs

    def query(self, text: str) -> Any:
        """Run SPARQL ``text`` with the project's prefixes on the loaded graph."""
        return self.store.query(text, prefixes=PREFIXES, use_default_graph_as_union=self.union)

    def select(self, text: str) -> list[list[Term | None]]:
        """The rows of an internal SELECT query as lists of terms."""
        solutions = self.query(text)
        width = len(solutions.variables)
        return [[term(solution[i]) for i in range(width)] for solution in solutions]

    def triple_count(self) -> int:
        """How many distinct triples the graph holds (what rdflib's ``len`` counts)."""
        if not self.union:
            return len(self.store)
        rows = self.select(internal_query("stats-triples"))
        return int(rows[0][0].value) if rows and rows[0][0] else 0


# --- Loading -------------------------------------------------------------------------------


def load(
    paths: Iterable[str | Path] = (), *, bundled: bool | None = None, syntax: str | None = None
) -> OxGraph:
    """Load the bundled graph and/or RDF files, as :func:`kg.loader.load` does."""
    paths = [Path(p) for p in paths]
    if bundled is None:
        bundled = not paths
    graph = OxGraph(store=ox.Store())
    if bundled:
        for path, _graph_iri in bundled_graph_files():
            _load_file(graph, path, "turtle", trusted=True)
        graph.sources.append("bundled")
    for path in paths:
        _load_file(graph, path, syntax_for(path, syntax))
        graph.sources.append(str(path))
    return graph


def _load_file(graph: OxGraph, path: Path, syntax: str, trusted: bool = False) -> None:
    """Parse ``path`` into the store; ``trusted`` (the bundled files) skips the file checks."""
    size = 0 if trusted else check_file(path)
    base = path.resolve().as_uri()
    try:
        with progress.reading(path, size, f"loading {path.name}"):
            graph.store.load(path=str(path), format=RDF_FORMATS[syntax], base_iri=base)
    except SyntaxError as error:
        raise InputError(str(path), _describe_load_error(error, path, syntax)) from None
    except (OSError, ValueError) as error:
        raise InputError(str(path), f"cannot load as {syntax}: {error}") from None
    graph.union = graph.union or syntax in QUAD_SYNTAXES
    for name, iri in declared_prefixes(path, syntax).items():
        graph.prefixes.setdefault(name, iri)


def _describe_load_error(error: SyntaxError, path: Path, syntax: str) -> str:
    message = str(error.args[0]) if error.args else str(error)
    if "UTF-8" in message:
        bad = first_bad_utf8(path)
        if bad:
            return bad
    line = error.lineno
    if line is None and syntax == "xml":
        line = _xml_error_line(path)
    what = _POSITION.sub("", querytext.first_line(message)) or "bad syntax"
    return f"line {line}: {what}" if line else f"cannot parse as {syntax}: {what}"


def _xml_error_line(path: Path) -> int | None:
    """Where expat finds an XML file ill-formed (Oxigraph's RDF/XML errors carry no line)."""
    import xml.parsers.expat

    parser = xml.parsers.expat.ParserCreate()
    try:
        with path.open("rb") as handle:
            parser.ParseFile(handle)
    except xml.parsers.expat.ExpatError as error:
        return error.lineno
    return None


# --- Queries -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Checked:
    """A query Oxigraph parsed, with its form and ordering (see :func:`querytext.shape`)."""

    named: NamedQuery
    shape: querytext.Shape

    @property
    def kind(self) -> str:
        return self.shape.kind


def compile_query(named: NamedQuery) -> Checked:
    """Parse ``named`` with Oxigraph (on an empty store); one-line InputError if it fails."""
    querytext.precheck(named)
    try:
        ox.Store().query(named.text, prefixes=PREFIXES)
    except SyntaxError as error:
        if querytext.starts_like_update(named.text):
            raise InputError(named.source, querytext.UPDATE_REFUSED) from None
        raise InputError(named.source, _describe_query_error(str(error), named.text)) from None
    return Checked(named=named, shape=querytext.shape(named.text))


def _describe_query_error(message: str, text: str) -> str:
    """Where and why the query does not parse, worded as the rdflib engine words it.

    Oxigraph's parser reports the furthest point it tried, often the end of the text, so
    the position comes from rdflib's parser (loaded only on this error path) when it agrees
    that the query is broken.
    """
    from kg.sparql import describe_parse_failure

    described = describe_parse_failure(text)
    if described:
        return described
    match = _QUERY_POSITION.match(message)
    if not match:
        return querytext.first_line(message) or "syntax error"
    offset = querytext.offset_of(text, int(match.group(1)), int(match.group(2)))
    return querytext.syntax_error(text, offset, querytext.token_at(text, offset))


def run(checked: Checked, bindings: Mapping[str, Term], graph: OxGraph) -> Rows | bool | Triples:
    """Evaluate ``checked`` on ``graph`` with ``bindings`` (variable -> Term)."""
    text = querytext.with_values(checked.named.text, bindings)
    prefixes = prefix_map(graph.prefixes, checked.named.text)
    try:
        result = graph.query(text)
        if isinstance(result, ox.QueryBoolean):
            return bool(result)
        if isinstance(result, ox.QuerySolutions):
            return _rows(result, checked, prefixes)
        triples = [(term(t.subject), term(t.predicate), term(t.object)) for t in result]
    except (OSError, RuntimeError, ValueError) as error:
        raise InputError(
            checked.named.source, f"query failed: {querytext.first_line(str(error))}"
        ) from None
    return Triples(triples=triples, prefixes=prefixes)  # type: ignore[arg-type]


def _rows(solutions: Any, checked: Checked, prefixes: dict[str, str]) -> Rows:
    names = [v.value for v in solutions.variables]
    indexes = list(range(len(names)))
    rows = [{names[i]: term(solution[i]) for i in indexes} for solution in solutions]
    if checked.shape.star:
        names = querytext.star_order(checked.named.text, names)
    selected = Rows(vars=names, rows=rows, prefixes=prefixes)
    return selected if checked.shape.ordered else selected.sort()


_NAMED, _BLANK, _LITERAL = ox.NamedNode, ox.BlankNode, ox.Literal


def term(node: Any) -> Term | None:
    """The :class:`Term` for a pyoxigraph term (None stays None)."""
    kind = type(node)
    if kind is _NAMED:
        return Term("iri", node.value)
    if kind is _LITERAL:
        lang = node.language
        if lang:
            return Term("literal", node.value, None, lang)
        datatype = node.datatype.value
        return Term("literal", node.value, None if datatype == XSD_STRING else datatype)
    if kind is _BLANK:
        return Term("bnode", node.value)
    if node is None:
        return None
    raise InputError(None, f"unsupported RDF term in a result: {node}")
