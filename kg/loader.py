"""Files to an rdflib Dataset: syntax detection, named graphs, parse errors with file and line."""

from __future__ import annotations

import json
import re
import xml.sax
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Dataset, Graph, URIRef
from rdflib.exceptions import ParserError
from rdflib.plugins.parsers.notation3 import BadSyntax

from kg import resources
from kg.errors import InputError
from kg.namespaces import SHAPES_GRAPH, bind_prefixes
from kg.rdffiles import (
    QUAD_SYNTAXES,
    SYNTAX_ALIASES,
    SYNTAX_BY_SUFFIX,
    bundled_graph_files,
    declared_prefixes,
    read_text,
    syntax_for,
)

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
    """
    paths = [Path(p) for p in paths]
    if bundled is None:
        bundled = not paths
    dataset = Dataset()
    bind_prefixes(dataset)
    shapes: Graph | None = None
    sources: list[str] = []
    prefixes: dict[str, str] = {}
    if bundled:
        for path, graph_iri in bundled_graph_files():
            _parse_into(dataset, path, "turtle", graph_iri)
            _add_prefixes(prefixes, declared_prefixes(path, "turtle"))
        shapes_path = resources.shapes_file()
        if shapes_path.exists():
            shapes = _parse_into(dataset, shapes_path, "turtle", SHAPES_GRAPH)
        sources.append("bundled")
    for path in paths:
        path_syntax = syntax_for(path, syntax)
        _parse_into(dataset, path, path_syntax, path.resolve().as_uri())
        _add_prefixes(prefixes, declared_prefixes(path, path_syntax))
        sources.append(str(path))
    return KnowledgeGraph(dataset=dataset, shapes=shapes, sources=sources, prefixes=prefixes)


def _add_prefixes(prefixes: dict[str, str], declared: dict[str, str]) -> None:
    for name, iri in declared.items():
        prefixes.setdefault(name, iri)


def load_graph(path: str | Path, syntax: str | None = None) -> Graph:
    """Parse one RDF file into a plain Graph (quads are flattened), with the same errors."""
    return load([path], bundled=False, syntax=syntax).graph


def _parse_into(dataset: Dataset, path: Path, syntax: str, graph_iri: str) -> Graph:
    """Parse ``path`` into the named graph ``graph_iri`` (quad syntaxes keep their own graphs)."""
    text = read_text(path)
    target = dataset.graph(URIRef(graph_iri))
    try:
        if syntax in QUAD_SYNTAXES:
            dataset.parse(data=text, format=syntax, publicID=graph_iri)
        else:
            target.parse(data=text, format=syntax, publicID=path.resolve().as_uri())
    except Exception as exc:  # parsers raise many types; each is turned into one line
        raise InputError(str(path), _describe_parse_error(exc, text, syntax)) from None
    for prefix, ns in target.namespaces():
        if prefix:
            dataset.bind(prefix, ns, override=False)
    return target


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
