"""The project's namespace IRIs and prefix map as plain strings (no rdflib needed).

``kg.namespaces`` re-exports these and adds rdflib ``Namespace`` objects; code on the fast
command-line path imports this module instead, so that it never loads rdflib.
"""

from __future__ import annotations

from functools import lru_cache

BASE = "https://w3id.org/ssp-kg/"
SSP_IRI = BASE + "ontology#"
KG_IRI = BASE + "id/"
STATEMENT_IRI = KG_IRI + "statement/"  # the claims: st:<subject>--<property>--<object>
SCHEMA_IRI = "https://schema.org/"
VANN_IRI = "http://purl.org/vocab/vann/"
RDF_IRI = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
XSD_IRI = "http://www.w3.org/2001/XMLSchema#"

ONTOLOGY_IRI = BASE + "ontology"
ONTOLOGY_GRAPH = BASE + "ontology"
DATA_GRAPH = BASE + "data"
SHAPES_GRAPH = BASE + "shapes"

PREFIXES: dict[str, str] = {
    "kg": KG_IRI,
    "st": STATEMENT_IRI,
    "ssp": SSP_IRI,
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "prov": "http://www.w3.org/ns/prov#",
    "schema": SCHEMA_IRI,
    "rdf": RDF_IRI,
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": XSD_IRI,
    "sh": "http://www.w3.org/ns/shacl#",
    "vann": VANN_IRI,
}


def with_declared(declared: dict[str, str]) -> dict[str, str]:
    """The project's prefixes, with the loaded files' own bindings on top: a file's binding
    of a name wins over the built-in one (``schema:`` as the file means it)."""
    return {**PREFIXES, **{name: iri for name, iri in declared.items() if name}}


def overridden(declared: dict[str, str]) -> list[tuple[str, str, str]]:
    """(name, the file's IRI, the built-in IRI) for each built-in name a file binds otherwise."""
    return [
        (name, iri, PREFIXES[name])
        for name, iri in declared.items()
        if name in PREFIXES and PREFIXES[name] != iri
    ]


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


@lru_cache(maxsize=1 << 16)
def local_name(iri: str) -> str:
    """The last segment of an IRI (after ``#``, ``/`` or ``:``), or the IRI itself."""
    for sep in ("#", "/", ":"):
        head, _, tail = iri.rstrip("/#").rpartition(sep)
        if head and tail:
            return tail
    return iri
