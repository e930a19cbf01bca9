"""Files to an rdflib Dataset: syntax detection, named graphs, parse errors with file and line."""

from __future__ import annotations

import json
import logging
import re
import xml.sax
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.exceptions import ParserError
from rdflib.plugins.parsers.notation3 import BadSyntax
from rdflib.term import Node

from kg import resources
from kg.errors import InputError
from kg.namespaces import SHAPES_GRAPH, bind_prefixes
from kg.rdffiles import (
    QUAD_SYNTAXES,
    SYNTAX_ALIASES,
    SYNTAX_BY_SUFFIX,
    InputFile,
    bundled_graph_files,
    declared_prefixes,
    opened_input,
    read_text,
    refuse_repeated_stdin,
    short_message,
    syntax_for,
)
from kg.terms import XSD_STRING

__all__ = [
    "QUAD_SYNTAXES",
    "SYNTAX_ALIASES",
    "SYNTAX_BY_SUFFIX",
    "KnowledgeGraph",
    "load",
    "load_graph",
    "read_text",
    "syntax_for",
]


@dataclass
class KnowledgeGraph:
    """The loaded graph: every source in its own named graph, plus a flat view.

    ``dataset`` holds the ontology, data and shapes graphs (and one graph per user file, named
    by the file's URI, or the graphs a quad file names). ``graph`` is the flat union of every
    graph except the SHACL shapes: what queries, views and exports see. ``prefixes`` are the
    ones the loaded files declare (shapes left out), in load order; query results shorten
    IRIs with them after the project's own.
    """

    dataset: Dataset
    shapes: Graph | None = None
    sources: list[str] = field(default_factory=list)
    prefixes: dict[str, str] = field(default_factory=dict)
    _flat: Graph | None = field(default=None, repr=False)

    @property
    def graph(self) -> Graph:
        """The flat union of all graphs but the shapes (built once, then cached)."""
        if self._flat is None:
            flat = bind_prefixes(Graph())
            shapes_id = URIRef(SHAPES_GRAPH)
            for named in self.dataset.graphs():
                if named.identifier != shapes_id:
                    for prefix, ns in named.namespaces():
                        if prefix and prefix not in dict(flat.namespaces()):
                            flat.bind(prefix, ns, override=False)
                    flat += named
            self._flat = flat
        return self._flat

    def __len__(self) -> int:
        return len(self.graph)


def load(
    paths: Iterable[str | Path] = (),
    *,
    bundled: bool | None = None,
    syntax: str | None = None,
) -> KnowledgeGraph:
    """Load the bundled graph and/or RDF files into a :class:`KnowledgeGraph`.

    ``bundled`` defaults to True when no paths are given and False otherwise; pass True to
    load user files beside the bundled graph. ``syntax`` forces one syntax for all paths.
    A path may be ``-`` (standard input, once) or a FIFO: see
    :func:`kg.rdffiles.opened_input`, which also refuses unsafe RDF/XML and JSON-LD.
    """
    names = list(paths)
    refuse_repeated_stdin(names)
    if bundled is None:
        bundled = not names
    dataset = Dataset()
    bind_prefixes(dataset)
    shapes: Graph | None = None
    sources: list[str] = []
    prefixes: dict[str, str] = {}
    if bundled:
        for path, graph_iri in bundled_graph_files():
            _parse_trusted(dataset, path, graph_iri)
            _add_prefixes(prefixes, declared_prefixes(path, "turtle"))
        shapes_path = resources.shapes_file()
        if shapes_path.exists():
            shapes = _parse_trusted(dataset, shapes_path, SHAPES_GRAPH)
        sources.append("bundled")
    for name in names:
        with opened_input(name, syntax) as source:
            _parse_source(dataset, source)
            _add_prefixes(prefixes, declared_prefixes(source.path, source.syntax))
        sources.append(source.name)
    return KnowledgeGraph(dataset=dataset, shapes=shapes, sources=sources, prefixes=prefixes)


def _add_prefixes(prefixes: dict[str, str], declared: dict[str, str]) -> None:
    for name, iri in declared.items():
        prefixes.setdefault(name, iri)


def load_graph(path: str | Path, syntax: str | None = None) -> Graph:
    """Parse one RDF file into a plain Graph (quads are flattened), with the same errors."""
    return load([path], bundled=False, syntax=syntax).graph


def _parse_trusted(dataset: Dataset, path: Path, graph_iri: str) -> Graph:
    """Parse a bundled Turtle file into the named graph ``graph_iri``."""
    target = dataset.graph(URIRef(graph_iri))
    target.parse(data=read_text(path), format="turtle", publicID=path.resolve().as_uri())
    _bind_from(dataset, target)
    return target


def _parse_source(dataset: Dataset, source: InputFile) -> Graph:
    """Parse ``source`` into its named graph (quad syntaxes keep their own graphs).

    The file is first parsed by Oxigraph, the command line's parser, so both engines accept
    and refuse the same files with the same messages. N-Triples, N-Quads and TriG, and files
    nested too deeply for rdflib's recursive parsers or written in a way rdflib's parsers
    refuse (CR-only line ends), are then read from Oxigraph's quads; the other syntaxes are
    parsed by rdflib, which keeps their prefixes (N3 by rdflib only: Oxigraph reads formulas
    as named graphs).
    """
    target = dataset.graph(URIRef(source.base))
    parse_quads = None if source.syntax == "n3" else _oxigraph_parser()
    if parse_quads is not None and source.syntax in _FROM_OXIGRAPH:
        quad_file = source.syntax in QUAD_SYNTAXES
        default = dataset.default_graph if quad_file else target
        add_oxigraph_quads(dataset, default, parse_quads(source))
        return target
    if parse_quads is not None:
        deque(parse_quads(source), maxlen=0)  # refused here as on the command line
    text = read_text(source.path, source.name)
    try:
        with _rdflib_warnings_silenced():
            if source.syntax in QUAD_SYNTAXES:
                dataset.parse(data=text, format=source.syntax, publicID=source.base)
            else:
                target.parse(data=text, format=source.syntax, publicID=source.base)
    except RecursionError:
        if parse_quads is None:
            raise InputError(source.name, "nested too deeply for rdflib's parser") from None
        target.remove((None, None, None))
        add_oxigraph_quads(dataset, target, parse_quads(source))
    except Exception as exc:  # parsers raise many types; each is turned into one line
        if parse_quads is not None:  # Oxigraph accepted the file: its reading is the answer
            target.remove((None, None, None))
            add_oxigraph_quads(dataset, target, parse_quads(source))
            return target
        what = _describe_parse_error(exc, text, source.syntax)
        raise InputError(source.name, short_message(what)) from None
    _bind_from(dataset, target)
    return target


_FROM_OXIGRAPH = {"nt", "nquads", "trig"}


def _bind_from(dataset: Dataset, target: Graph) -> None:
    for prefix, ns in target.namespaces():
        if prefix:
            dataset.bind(prefix, ns, override=False)


def _oxigraph_parser() -> Callable[[InputFile], Iterator[Any]] | None:
    """:func:`kg.oxengine.parse_quads`, or None where pyoxigraph cannot be imported."""
    try:
        from kg.oxengine import parse_quads
    except ImportError:
        return None
    return parse_quads


def add_oxigraph_quads(dataset: Dataset, default: Graph, quads: Iterable[Any]) -> None:
    """Add pyoxigraph quads to ``dataset``, default-graph triples into ``default``."""
    import pyoxigraph as ox

    graphs: dict[str, Graph] = {}
    for quad in quads:
        name = quad.graph_name
        if isinstance(name, ox.DefaultGraph):
            graph = default
        else:
            graph = graphs.get(name.value) or graphs.setdefault(
                name.value, dataset.graph(_rdflib_term(name))  # type: ignore[arg-type]
            )
        graph.add((_rdflib_term(quad.subject), _rdflib_term(quad.predicate),
                   _rdflib_term(quad.object)))  # type: ignore[arg-type]


def _rdflib_term(node: Any) -> Node:
    """The rdflib term for a pyoxigraph term, built as rdflib's own parsers build it."""
    kind = type(node).__name__
    if kind == "NamedNode":
        return URIRef(node.value)
    if kind == "BlankNode":
        return BNode(node.value)
    if kind == "Literal":
        if node.language:
            return Literal(node.value, lang=node.language)
        datatype = node.datatype.value
        return Literal(node.value, datatype=None if datatype == XSD_STRING else URIRef(datatype))
    raise InputError(None, f"unsupported RDF term: {short_message(str(node))}")


@contextmanager
def _rdflib_warnings_silenced() -> Iterator[None]:
    """Keep rdflib's multi-line warnings (such as "does not look like a valid URI") off
    stderr while it parses: Oxigraph has already accepted the file."""
    logger = logging.getLogger("rdflib")
    previous = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(previous)


def _describe_parse_error(exc: Exception, text: str, syntax: str) -> str:
    """One line saying where and what the parser complained about."""
    if isinstance(exc, BadSyntax):
        why = re.search(r"Bad syntax \((.*?)\) at \^", str(exc))
        return f"line {exc.lines + 1}: {why.group(1) if why else 'bad syntax'}"
    if isinstance(exc, xml.sax.SAXParseException):
        return f"line {exc.getLineNumber()}: {exc.getMessage()}"
    if isinstance(exc, json.JSONDecodeError):
        return f"line {exc.lineno}: {exc.msg}"
    if isinstance(exc, ParserError) and syntax in ("nt", "nquads"):
        line = _first_bad_line(text, syntax)
        return f"line {line}: {_first_line(str(exc))}" if line else _first_line(str(exc))
    return f"cannot parse as {syntax}: {_first_line(str(exc)) or type(exc).__name__}"


def _first_bad_line(text: str, syntax: str) -> int | None:
    """Find the first line a line-based parser rejects (N-Triples, N-Quads)."""
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            Dataset().parse(data=line, format=syntax)
        except Exception:
            return number
    return None


def _first_line(message: str) -> str:
    return message.strip().splitlines()[0] if message.strip() else ""
