"""A class-level summary of a graph too big to draw node by node.

Three aggregate SPARQL queries on Oxigraph, none of which brings the graph's triples into
Python: how many resources each class has (``view-summary-classes.rq``), how many triples
link a resource of one class to one of another, by property (``view-summary-links.rq``),
and the labels and superclasses of those classes and properties (``view-summary-terms.rq``).
Each class is a node (its label, and its count in the label), each (class, property, class)
an edge labelled with its count. The metadata classes the full view folds (evidence records,
statements, sections, schemes) and the RDF/OWL/SKOS classes themselves are left out.
"""

from __future__ import annotations

from typing import Any

import networkx as nx

from kg.resources import internal_query
from kg.views.netread import (
    FOLDED_TYPES,
    GENERIC_CLASSES,
    W3C_NAMESPACES,
    Facts,
    Lookup,
)


def _count(term: Any) -> int:
    return int(term.value) if term is not None else 0


def class_summary(graph: Any) -> nx.MultiDiGraph:
    """The summary of an :class:`kg.store.oxengine.OxGraph` (see the module docstring)."""
    counts = {
        row[0].value: _count(row[1])
        for row in graph.select(internal_query("view-summary-classes"))
        if row[0] is not None
    }
    hidden = FOLDED_TYPES | GENERIC_CLASSES
    shown = {
        c: n for c, n in counts.items() if c not in hidden and not c.startswith(W3C_NAMESPACES)
    }
    links: dict[tuple[str, str, str], int] = {}
    for row in graph.select(internal_query("view-summary-links")):
        source, prop, target = (t.value for t in row[:3])
        if source in shown and target in shown:
            links[(source, prop, target)] = _count(row[3])
    terms = sorted(set(shown) | {p for _s, p, _t in links})
    lookup = Lookup()
    if terms:
        values = " ".join(f"<{t}>" for t in terms)
        text = internal_query("view-summary-terms") + f"VALUES ?term {{ {values} }}\n"
        lookup = Lookup.from_facts(Facts.from_triples(graph.select(text)))
    out = nx.MultiDiGraph()
    for klass in sorted(shown):
        label = lookup.label(klass)
        out.add_node(
            klass,
            label=f"{label} ({shown[klass]:,})",
            **{"class": label},
            class_iri=klass,
            classes=list(lookup.ancestors(klass)),
            definition=f"{shown[klass]:,} resources of this class.",
            evidence=[],
            iri=klass,
            kind="iri",
            alt_labels=[label],
            literals=[["resources", str(shown[klass])]],
            scheme=[],
            weight=shown[klass],
        )
    for (source, prop, target), n in sorted(links.items()):
        out.add_edge(
            source,
            target,
            key=prop,
            predicate=prop,
            label=f"{lookup.label(prop)} \N{MULTIPLICATION SIGN}{n:,}",
            evidence=[],
            weight=n,
        )
    out.graph["summary"] = {"classes": len(shown), "resources": sum(shown.values())}
    out.graph["sources"] = list(getattr(graph, "sources", []) or [])
    out.graph["source_titles"] = []
    out.graph["prefixes"] = dict(getattr(graph, "prefixes", {}) or {})
    return out


__all__ = ["class_summary"]
