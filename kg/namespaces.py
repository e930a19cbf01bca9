"""The project's namespaces as rdflib objects, and the prefix map (from ``kg.prefixes``)."""

from __future__ import annotations

from rdflib import Graph, Namespace
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SH, SKOS, XSD

from kg.prefixes import (
    BASE,
    DATA_GRAPH,
    KG_IRI,
    ONTOLOGY_GRAPH,
    ONTOLOGY_IRI,
    PREFIXES,
    SCHEMA_IRI,
    SHAPES_GRAPH,
    SSP_IRI,
    VANN_IRI,
    shorten,
)

SSP = Namespace(SSP_IRI)
KG = Namespace(KG_IRI)
SCHEMA = Namespace(SCHEMA_IRI)
VANN = Namespace(VANN_IRI)


def bind_prefixes(graph: Graph) -> Graph:
    """Bind the project's prefixes on ``graph`` (replacing rdflib's defaults) and return it."""
    for prefix, uri in PREFIXES.items():
        graph.bind(prefix, uri, override=True, replace=True)
    return graph


__all__ = [
    "BASE",
    "DATA_GRAPH",
    "DCTERMS",
    "KG",
    "ONTOLOGY_GRAPH",
    "ONTOLOGY_IRI",
    "OWL",
    "PREFIXES",
    "PROV",
    "RDF",
    "RDFS",
    "SCHEMA",
    "SH",
    "SHAPES_GRAPH",
    "SKOS",
    "SSP",
    "VANN",
    "XSD",
    "bind_prefixes",
    "shorten",
]
