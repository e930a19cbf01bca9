"""Copies between the Oxigraph store and rdflib, for people who want rdflib objects.

:attr:`kg.store.oxengine.KnowledgeGraph.dataset` and ``.graph`` are built here on first use, and
an rdflib Graph handed to ``kg.query`` is copied into a store. Every command works on the
store; rdflib is only where its users meet it. rdflib may normalise some literals it builds
(its own choice); the store keeps every lexical form.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.term import Node

from kg.errors import InputError
from kg.namespaces import bind_prefixes
from kg.terms import XSD_STRING

if TYPE_CHECKING:  # pragma: no cover
    from kg.store.oxengine import KnowledgeGraph


def rdflib_term(node: Any) -> Node:
    """The rdflib term for a pyoxigraph term, built as rdflib's own parsers build it."""
    kind = type(node)
    if kind is ox.NamedNode:
        return URIRef(node.value)
    if kind is ox.BlankNode:
        return BNode(node.value)
    if kind is ox.Literal:
        if node.language:
            return Literal(node.value, lang=node.language)
        datatype = node.datatype.value
        return Literal(node.value, datatype=None if datatype == XSD_STRING else URIRef(datatype))
    raise InputError(None, f"unsupported RDF term: {node}")


def oxigraph_term(node: Node) -> Any:
    """The pyoxigraph term for an rdflib term."""
    if isinstance(node, URIRef):
        return ox.NamedNode(str(node))
    if isinstance(node, BNode):
        return ox.BlankNode(str(node))
    if isinstance(node, Literal):
        if node.language:
            return ox.Literal(str(node), language=node.language)
        if node.datatype is not None:
            return ox.Literal(str(node), datatype=ox.NamedNode(str(node.datatype)))
        return ox.Literal(str(node))
    raise InputError(None, f"unsupported RDF term: {node!r}")


def _prefixed(target: Graph, graph: KnowledgeGraph) -> Graph:
    bind_prefixes(target)
    for prefix, namespace in graph.prefixes.items():
        target.bind(prefix, namespace, override=False)
    return target


def to_dataset(graph: KnowledgeGraph) -> Dataset:
    """Every graph of ``graph`` (shapes included) as named graphs of an rdflib Dataset."""
    dataset = _prefixed(Dataset(), graph)
    assert isinstance(dataset, Dataset)
    for quad in graph.graph_quads(graph.names()):
        name = quad.graph_name
        target = (
            dataset.default_graph
            if isinstance(name, ox.DefaultGraph)
            else dataset.graph(URIRef(name.value))
        )
        target.add((rdflib_term(quad.subject), rdflib_term(quad.predicate),
                    rdflib_term(quad.object)))  # type: ignore[arg-type]
    return dataset


def to_graph(graph: KnowledgeGraph) -> Graph:
    """The union queries see (every graph but the shapes) as one rdflib Graph."""
    flat = _prefixed(Graph(), graph)
    union = graph.fill_union().quads_for_pattern(None, None, None, ox.DefaultGraph())
    return add_quads(flat, union)


def to_store(source: Graph) -> tuple[ox.Store, dict[str, Any]]:
    """A store holding ``source`` (a Dataset's named graphs kept, shapes left out of the
    union), and its graphs as :attr:`KnowledgeGraph.graphs` maps them."""
    from kg.store.oxengine import SOURCE_DEFAULT_GRAPH

    store = ox.Store()
    graphs: dict[str, Any] = {}
    if isinstance(source, Dataset):
        for named in source.graphs():
            identifier = named.identifier
            if identifier == DATASET_DEFAULT_GRAPH_ID or not isinstance(identifier, URIRef):
                target = SOURCE_DEFAULT_GRAPH
            else:
                target = ox.NamedNode(str(identifier))
            store.bulk_extend(
                ox.Quad(oxigraph_term(s), oxigraph_term(p), oxigraph_term(o), target)
                for s, p, o in named
            )
            if len(named):
                graphs.setdefault(target.value, target)
        return store, graphs
    store.bulk_extend(
        ox.Quad(oxigraph_term(s), oxigraph_term(p), oxigraph_term(o)) for s, p, o in source
    )
    graphs["urn:x-kg:rdflib-graph"] = ox.DefaultGraph()
    return store, graphs


def load_graph(path: str | Path, syntax: str | None = None) -> Graph:
    """One RDF file as a flat rdflib Graph (a quad file's graphs merged), parsed by Oxigraph
    with the checks every input gets (:func:`kg.store.rdffiles.opened_input`), literals as
    written."""
    from kg.store.oxengine import parse_quads
    from kg.store.rdffiles import opened_input

    with opened_input(path, syntax) as source:
        return add_quads(Graph(), parse_quads(source))


def add_quads(graph: Graph, quads: Any) -> Graph:
    """Add pyoxigraph quads' triples to rdflib ``graph`` (their graph names dropped)."""
    for quad in quads:
        graph.add((rdflib_term(quad.subject), rdflib_term(quad.predicate),
                   rdflib_term(quad.object)))  # type: ignore[arg-type]
    return graph
