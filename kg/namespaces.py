"""The project's namespaces and the prefix map every reader and writer uses."""

from __future__ import annotations

from rdflib import Graph, Namespace
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SH, SKOS, XSD

BASE = "https://w3id.org/ssp-kg/"
SSP = Namespace(BASE + "ontology#")
KG = Namespace(BASE + "id/")
SCHEMA = Namespace("https://schema.org/")
VANN = Namespace("http://purl.org/vocab/vann/")

ONTOLOGY_IRI = BASE + "ontology"
ONTOLOGY_GRAPH = BASE + "ontology"
DATA_GRAPH = BASE + "data"
SHAPES_GRAPH = BASE + "shapes"

PREFIXES: dict[str, str] = {
    "kg": str(KG),
    "ssp": str(SSP),
    "skos": str(SKOS),
    "dcterms": str(DCTERMS),
    "prov": str(PROV),
    "schema": str(SCHEMA),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "owl": str(OWL),
    "xsd": str(XSD),
    "sh": str(SH),
    "vann": str(VANN),
}


def bind_prefixes(graph: Graph) -> Graph:
    """Bind the project's prefixes on ``graph`` (replacing rdflib's defaults) and return it."""
    for prefix, uri in PREFIXES.items():
        graph.bind(prefix, uri, override=True, replace=True)
    return graph


def shorten(iri: str, prefixes: dict[str, str] | None = None) -> str:
    """Return ``prefix:local`` for ``iri`` if a prefix matches, else ``<iri>``."""
    best = ""
    best_prefix = ""
    for prefix, uri in (prefixes or PREFIXES).items():
        if iri.startswith(uri) and len(uri) > len(best):
            local = iri[len(uri) :]
            if local and all(c.isalnum() or c in "-_." for c in local):
                best, best_prefix = uri, prefix
    if best:
        return f"{best_prefix}:{iri[len(best) :]}"
    return f"<{iri}>"
