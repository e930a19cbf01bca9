"""RDF to a networkx MultiDiGraph: the nodes a reader should see, with labels, classes, evidence.

Every IRI or blank node that is the subject or object of a triple becomes a node, and every
triple between two nodes an edge keyed by its predicate IRI (so parallel edges are kept), except
the plumbing of our own vocabulary, which is folded into attributes instead of drawn:

* terms of the ssp ontology and of RDF, RDFS, OWL, XSD, SHACL and SKOS themselves (a type
  becomes the node's ``class``; ``skos:Concept`` is never a node);
* evidence records (``ssp:Evidence``) become the ``evidence`` list of the node or edge they
  support; ``rdf:Statement`` reifications give their evidence to the edge they reify;
* concept schemes (``skos:inScheme``, ``skos:topConceptOf``) become the ``scheme`` attribute;
* the article and its sections (``ssp:Section``) become the section numbers and titles cited
  by evidence;
* blank nodes, and IRIs without a description, reached only from folded resources.

Literals are attributes (``label``, ``definition``, ``literals``) unless ``literals=True``, when
each distinct literal is also a node. Node keys are IRI strings, ``_:``-prefixed canonical
blank-node labels, or a literal's N-Triples form, so the same input gives the same graph.
"""

from __future__ import annotations

import difflib
from collections import defaultdict, deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import networkx as nx
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SH, SKOS, XSD
from rdflib.term import Node

from kg.errors import InputError
from kg.namespaces import ONTOLOGY_IRI, PREFIXES, SSP, shorten
from kg.prefixes import local_name
from kg.resources import internal_query

if TYPE_CHECKING:  # pragma: no cover
    from kg.loader import KnowledgeGraph

W3C_NAMESPACES = tuple(str(ns) for ns in (RDF, RDFS, OWL, XSD, SH, SKOS))
META_NAMESPACES = (*W3C_NAMESPACES, str(SSP))
# The dataset's own description (data/void.ttl) is metadata too.
VOID_DATASET = URIRef("http://rdfs.org/ns/void#Dataset")
DCAT_DISTRIBUTION = URIRef("http://www.w3.org/ns/dcat#Distribution")
FOLDED_TYPES = frozenset(
    {
        SSP.Evidence,
        SSP.Section,
        RDF.Statement,
        SKOS.ConceptScheme,
        URIRef(ONTOLOGY_IRI),
        VOID_DATASET,
        DCAT_DISTRIBUTION,
    }
)
SCHEME_LINKS = (SKOS.inScheme, SKOS.topConceptOf)
# Types that say nothing about what a resource is about.
GENERIC_CLASSES = frozenset({OWL.NamedIndividual, OWL.Thing, RDFS.Resource, SKOS.Concept})
LABEL_ORDER = {
    str(SKOS.prefLabel): 0,
    str(RDFS.label): 1,
    "https://schema.org/name": 2,
    "http://purl.org/dc/terms/title": 3,
}
DEFINITION_ORDER = {
    str(SKOS.definition): 0,
    str(RDFS.comment): 1,
    "http://purl.org/dc/terms/description": 2,
    "https://schema.org/description": 3,
}
NAMING_PROPERTIES = frozenset({*LABEL_ORDER, *DEFINITION_ORDER, str(SKOS.altLabel)})
UNTYPED = "resource"
LITERAL_CLASS = "literal"


# --- Looking things up in the graph (internal SPARQL) --------------------------------------


def _lang_rank(literal: Literal) -> tuple[int, str]:
    """English first, then no language, then any other language."""
    lang = (literal.language or "").lower()
    if lang == "en" or lang.startswith("en-"):
        return (0, str(literal))
    return (1, str(literal)) if not lang else (2, lang + str(literal))


@dataclass
class Lookup:
    """Labels, classes, definitions and evidence of a graph's resources, read once."""

    labels: dict[Node, str] = field(default_factory=dict)
    alt_labels: dict[Node, list[str]] = field(default_factory=dict)
    definitions: dict[Node, str] = field(default_factory=dict)
    types: dict[Node, set[URIRef]] = field(default_factory=dict)
    supers: dict[URIRef, set[URIRef]] = field(default_factory=dict)
    evidence: dict[Node, list[dict[str, Any]]] = field(default_factory=dict)
    statement_evidence: dict[tuple[Node, Node, Node], list[dict[str, Any]]] = field(
        default_factory=dict
    )
    sources: dict[Node, str] = field(default_factory=dict)

    @classmethod
    def read(cls, graph: Graph) -> Lookup:
        found = cls()
        best: dict[Node, tuple[int, tuple[int, str]]] = {}
        alts: dict[Node, set[str]] = defaultdict(set)
        for resource, prop, label in graph.query(internal_query("view-labels")):
            if not isinstance(label, Literal):
                continue
            if str(prop) == str(SKOS.altLabel):
                alts[resource].add(str(label))
                continue
            rank = (LABEL_ORDER[str(prop)], _lang_rank(label))
            if resource not in best or rank < best[resource]:
                best[resource] = rank
                found.labels[resource] = str(label)
        found.alt_labels = {k: sorted(v) for k, v in alts.items()}
        best_def: dict[Node, tuple[int, tuple[int, str]]] = {}
        for resource, prop, text in graph.query(internal_query("view-definitions")):
            if not isinstance(text, Literal):
                continue
            rank = (DEFINITION_ORDER[str(prop)], _lang_rank(text))
            if resource not in best_def or rank < best_def[resource]:
                best_def[resource] = rank
                found.definitions[resource] = str(text)
        for resource, klass in graph.query(internal_query("view-classes")):
            if isinstance(klass, URIRef):
                found.types.setdefault(resource, set()).add(klass)
        for klass, sup in graph.query(internal_query("view-class-hierarchy")):
            if isinstance(klass, URIRef) and isinstance(sup, URIRef) and klass != sup:
                found.supers.setdefault(klass, set()).add(sup)
        found._read_evidence(graph)
        for source, title in graph.query(internal_query("view-sources")):
            if title is not None and source not in found.sources:
                found.sources[source] = str(title)
        return found

    def _read_evidence(self, graph: Graph) -> None:
        """Evidence records by holder; a reified statement's go to its (s, p, o)."""
        sections = {
            section: (_as_int(position), str(title))
            for section, position, title in graph.query(internal_query("section-headings"))
        }
        parts: dict[Node, dict[str, Any]] = defaultdict(dict)
        for evidence, part, value in graph.query(internal_query("view-evidence-parts")):
            parts[evidence][local_name(str(part))] = value
        statements = {
            statement: (s, p, o)
            for statement, s, p, o in graph.query(internal_query("view-statements"))
        }
        for holder, evidence in graph.query(internal_query("view-evidence")):
            found = parts.get(evidence, {})
            position, title = sections.get(found.get("section"), (None, None))
            anchor = found.get("anchor")
            record = {
                "section": position,
                "section_title": title,
                "paragraph": _as_int(found.get("paragraph")),
                "anchor": str(anchor) if anchor is not None else None,
            }
            if holder in statements:
                self.statement_evidence.setdefault(statements[holder], []).append(record)
            else:
                self.evidence.setdefault(holder, []).append(record)

    def label(self, term: Node) -> str:
        if term in self.labels:
            return self.labels[term]
        if isinstance(term, Literal):
            return str(term)
        return local_name(str(term)) if isinstance(term, URIRef) else str(term)

    def ancestors(self, klass: URIRef) -> list[URIRef]:
        """``klass`` and its superclasses, nearest first (breadth first, sorted per level)."""
        seen = [klass]
        queue = deque([klass])
        while queue:
            for sup in sorted(self.supers.get(queue.popleft(), ())):
                if sup not in seen and not _is_vocabulary_root(sup):
                    seen.append(sup)
                    queue.append(sup)
        return seen

    def most_specific(self, term: Node) -> URIRef | None:
        """The node's most specific asserted class (generic types only if nothing else)."""
        types = self.types.get(term, set())
        specific = {t for t in types if t not in GENERIC_CLASSES}
        if not specific:
            return SKOS.Concept if SKOS.Concept in types else None
        broader: set[URIRef] = set()
        for t in specific:
            broader.update(self.ancestors(t)[1:])
        return min((specific - broader) or specific)


def _as_int(value: Node | None) -> int | None:
    """An integer literal's value; None for anything else."""
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def _sort_evidence(records: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    def key(r: dict[str, Any]) -> tuple:
        return (r["section"] is None, r["section"] or 0, r["paragraph"] or 0, r["anchor"] or "")

    unique = {tuple(sorted(r.items(), key=lambda kv: kv[0])): r for r in records}
    return sorted(unique.values(), key=key)


def _is_vocabulary_root(term: Node) -> bool:
    """A class too general to group by: RDF/RDFS/OWL/SKOS terms and the ontology's root."""
    return term == SSP.Concept or str(term).startswith(W3C_NAMESPACES)


def _is_meta(term: Node) -> bool:
    return isinstance(term, URIRef) and (
        str(term).startswith(META_NAMESPACES) or str(term) == ONTOLOGY_IRI
    )


# --- Deciding what is a node ----------------------------------------------------------------


def folded_resources(graph: Graph, lookup: Lookup) -> set[Node]:
    """The resources shown as attributes rather than nodes (see the module docstring)."""
    folded: set[Node] = set()
    subjects_by_object: dict[Node, set[Node]] = defaultdict(set)
    described: set[Node] = set()
    for s, p, o in graph:
        described.add(s)
        if not isinstance(o, Literal):
            subjects_by_object[o].add(s)
        if p in SCHEME_LINKS:
            folded.add(o)
    for term in set(subjects_by_object) | described:
        if _is_meta(term) or lookup.types.get(term, set()) & FOLDED_TYPES:
            folded.add(term)
    folded.update(lookup.sources)
    # Blank nodes, and IRIs without a description, reached only from folded resources.
    queue = deque(sorted(folded, key=str))
    while queue:
        parent = queue.popleft()
        for child in graph.objects(parent, None):
            if isinstance(child, Literal) or child in folded:
                continue
            if isinstance(child, URIRef) and child in described:
                continue
            if subjects_by_object[child] <= folded:
                folded.add(child)
                queue.append(child)
    return folded


def _canonical(graph: Graph, folded: set[Node]) -> Graph:
    """``graph`` with canonical blank-node labels, if any blank node will be drawn."""
    shown_bnode = any(
        isinstance(t, BNode) and t not in folded for triple in graph for t in triple[::2]
    )
    if not shown_bnode:
        return graph
    from rdflib.compare import to_canonical_graph

    canonical = Graph()
    for prefix, ns in graph.namespaces():
        canonical.bind(prefix, ns, override=True)
    canonical += to_canonical_graph(graph)
    return canonical


def node_key(term: Node) -> str:
    """The networkx key of an RDF term: IRI string, ``_:label`` or N-Triples literal."""
    if isinstance(term, BNode):
        return f"_:{term}"
    if isinstance(term, Literal):
        return term.n3()
    return str(term)


# --- Building the MultiDiGraph -------------------------------------------------------------


def _as_graph(graph: Graph | KnowledgeGraph) -> Graph:
    inner = getattr(graph, "graph", None)
    if isinstance(inner, Graph):
        return inner
    if isinstance(graph, Graph):
        return graph
    raise TypeError(f"expected an rdflib Graph or a KnowledgeGraph, not {type(graph).__name__}")


def to_networkx(
    graph: Graph | KnowledgeGraph,
    *,
    classes: Sequence[str] | str | None = None,
    focus: str | URIRef | None = None,
    depth: int = 1,
    literals: bool = False,
    context: Graph | KnowledgeGraph | None = None,
) -> nx.MultiDiGraph:
    """The reader's graph of ``graph`` as a networkx MultiDiGraph.

    Node attributes: ``label``, ``class`` (label of the most specific class), ``class_iri``,
    ``classes`` (that class and its superclasses), ``definition``, ``evidence`` (dicts with
    ``section``, ``section_title``, ``paragraph``, ``anchor``), ``iri``, ``kind`` ("iri",
    "blank" or "literal"), ``alt_labels``, ``literals`` ([predicate label, value] pairs) and
    ``scheme``. Edges are keyed by predicate IRI, with ``predicate``, ``label`` and
    ``evidence``.

    ``focus`` (an IRI, a prefixed name like ``kg:market-visibility`` or a label) keeps the
    nodes within ``depth`` links of it, either direction; ``classes`` (names, labels, prefixed
    names or IRIs) keeps the nodes of those classes or their subclasses (and the focus).
    ``context`` is where labels, classes and evidence are looked up (default: ``graph``),
    for a ``graph`` that is a CONSTRUCT result holding only some triples.
    """
    rdf = _as_graph(graph)
    ctx = _as_graph(context) if context is not None else rdf
    lookup = Lookup.read(ctx)
    folded = folded_resources(rdf, lookup)
    canonical = _canonical(rdf, folded)
    if canonical is not rdf:
        if ctx is rdf:
            lookup = Lookup.read(canonical)
        rdf = canonical
    result = _build(rdf, lookup, folded, literals)
    result.graph["sources"] = list(getattr(graph, "sources", []) or [])
    result.graph["source_titles"] = sorted(set(lookup.sources.values()))
    if focus is not None:
        result = neighbourhood(result, resolve_node(result, focus, rdf), depth)
    if classes:
        result = filter_classes(result, classes, lookup, keep=result.graph.get("focus"))
    return result


def _build(rdf: Graph, lookup: Lookup, folded: set[Node], literals: bool) -> nx.MultiDiGraph:
    g = nx.MultiDiGraph()
    nodes: dict[Node, dict[str, Any]] = {}
    edges: list[tuple[Node, Node, URIRef]] = []
    extras: dict[Node, list[tuple[str, str]]] = defaultdict(list)
    schemes: dict[Node, set[str]] = defaultdict(set)
    for s, p, o in rdf:
        if s in folded:
            continue
        nodes.setdefault(s, {})
        if isinstance(o, Literal):
            if literals:
                nodes.setdefault(o, {})
                edges.append((s, o, p))
            elif str(p) not in NAMING_PROPERTIES:
                extras[s].append((lookup.label(p), str(o)))
        elif o in folded:
            if p in SCHEME_LINKS:
                schemes[s].add(lookup.label(o))
        else:
            nodes.setdefault(o, {})
            edges.append((s, o, p))
    for term in sorted(nodes, key=node_key):
        g.add_node(node_key(term), **_node_attributes(term, lookup, extras, schemes))
    for s, o, p in sorted(edges, key=lambda e: (node_key(e[0]), node_key(e[1]), str(e[2]))):
        evidence = _sort_evidence(lookup.statement_evidence.get((s, p, o), []))
        g.add_edge(
            node_key(s),
            node_key(o),
            key=str(p),
            predicate=str(p),
            label=lookup.label(p),
            evidence=evidence,
        )
    return g


def _node_attributes(
    term: Node,
    lookup: Lookup,
    extras: dict[Node, list[tuple[str, str]]],
    schemes: dict[Node, set[str]],
) -> dict[str, Any]:
    if isinstance(term, Literal):
        datatype = lookup.label(term.datatype) if term.datatype else None
        return {
            "label": str(term),
            "class": LITERAL_CLASS,
            "class_iri": None,
            "classes": [],
            "definition": None,
            "evidence": [],
            "iri": None,
            "kind": "literal",
            "alt_labels": [],
            "literals": [["language", term.language]]
            if term.language
            else ([["datatype", datatype]] if datatype else []),
            "scheme": [],
        }
    klass = lookup.most_specific(term)
    return {
        "label": lookup.label(term)
        if isinstance(term, URIRef) or term in lookup.labels
        else f"_:{term}",
        "class": lookup.label(klass) if klass is not None else UNTYPED,
        "class_iri": str(klass) if klass is not None else None,
        "classes": [str(c) for c in lookup.ancestors(klass)] if klass is not None else [],
        "definition": lookup.definitions.get(term),
        "evidence": _sort_evidence(lookup.evidence.get(term, [])),
        "iri": str(term) if isinstance(term, URIRef) else None,
        "kind": "iri" if isinstance(term, URIRef) else "blank",
        "alt_labels": lookup.alt_labels.get(term, []),
        "literals": sorted([list(pair) for pair in extras.get(term, [])]),
        "scheme": sorted(schemes.get(term, ())),
    }


# --- Scoping: focus and classes -------------------------------------------------------------


def _names(key: str, data: dict[str, Any], prefixes: dict[str, str]) -> list[str]:
    names = [key, str(data.get("label") or "")]
    names += list(data.get("alt_labels") or [])
    if data.get("iri"):
        short = shorten(data["iri"], prefixes)
        if not short.startswith("<"):
            names.append(short)
    return names


def _prefix_map(rdf: Graph | None) -> dict[str, str]:
    prefixes = dict(PREFIXES)
    if rdf is not None:
        for prefix, ns in rdf.namespaces():
            if prefix:
                prefixes.setdefault(prefix, str(ns))
    return prefixes


def resolve_node(nxg: nx.MultiDiGraph, text: str | URIRef, rdf: Graph | None = None) -> str:
    """The key of the node ``text`` names: an IRI, ``<IRI>``, a prefixed name or a label.

    An unknown name raises InputError with the closest labels and prefixed names.
    """
    wanted = str(text).strip()
    if wanted.startswith("<") and wanted.endswith(">"):
        wanted = wanted[1:-1]
    if wanted in nxg:
        return wanted
    prefixes = _prefix_map(rdf)
    prefix, colon, local = wanted.partition(":")
    if colon and prefix in prefixes and prefixes[prefix] + local in nxg:
        return prefixes[prefix] + local
    folded = wanted.casefold()
    candidates: dict[str, str] = {}
    matches: set[str] = set()
    for key, data in nxg.nodes(data=True):
        for name in _names(key, data, prefixes):
            if name:
                candidates.setdefault(name, key)
                if name.casefold() == folded:
                    matches.add(key)
    if len(matches) == 1:
        return matches.pop()
    if len(matches) > 1:
        shown = ", ".join(sorted(matches)[:5])
        raise InputError(str(text), f"names more than one node ({shown}); give its IRI")
    close = difflib.get_close_matches(wanted, list(candidates), n=3, cutoff=0.5)
    if not close:
        close = sorted(n for n in candidates if folded in n.casefold())[:3]
    hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    raise InputError(str(text), f"no node of the graph has this IRI, prefixed name or label{hint}")


def neighbourhood(nxg: nx.MultiDiGraph, center: str, depth: int) -> nx.MultiDiGraph:
    """The subgraph of nodes within ``depth`` links of ``center`` (either direction)."""
    if depth < 0:
        raise InputError(str(depth), "the depth must be 0 or more")
    seen = {center: 0}
    queue = deque([center])
    while queue:
        node = queue.popleft()
        if seen[node] == depth:
            continue
        for other in sorted(set(nxg.successors(node)) | set(nxg.predecessors(node))):
            if other not in seen:
                seen[other] = seen[node] + 1
                queue.append(other)
    sub = _subgraph(nxg, seen)
    sub.graph["focus"] = center
    sub.graph["depth"] = depth
    return sub


def _subgraph(nxg: nx.MultiDiGraph, keep: Iterable[str]) -> nx.MultiDiGraph:
    """A copy of the subgraph on ``keep``, with nodes and edges in the original order."""
    keep = set(keep)
    sub = nx.MultiDiGraph()
    sub.graph.update(nxg.graph)
    sub.add_nodes_from((n, d) for n, d in nxg.nodes(data=True) if n in keep)
    sub.add_edges_from(
        (u, v, k, d) for u, v, k, d in nxg.edges(keys=True, data=True) if u in keep and v in keep
    )
    return sub


def resolve_classes(names: Sequence[str] | str, lookup: Lookup) -> set[str]:
    """The class IRIs ``names`` give (local names, labels, prefixed names or IRIs)."""
    if isinstance(names, str):
        names = [n for n in names.split(",")]
    known: set[URIRef] = set(lookup.supers)
    for sups in lookup.supers.values():
        known |= sups
    for types in lookup.types.values():
        known |= types
    index: dict[str, set[str]] = defaultdict(set)
    for klass in known:
        for name in (str(klass), local_name(str(klass)), lookup.label(klass), shorten(str(klass))):
            index[name.casefold()].add(str(klass))
    index[LITERAL_CLASS].add(LITERAL_CLASS)
    index[UNTYPED].add(UNTYPED)
    wanted: set[str] = set()
    for raw in names:
        name = raw.strip()
        if not name:
            continue
        hits = index.get(name.casefold()) or index.get(name.strip("<>").casefold())
        if not hits:
            choices = sorted(
                {local_name(str(k)) for k in known if not _is_meta(k)}
                | {lookup.label(k) for k in known if k in lookup.labels}
            )
            close = difflib.get_close_matches(name, choices, n=3, cutoff=0.5)
            hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
            raise InputError(name, f"no such class in the graph{hint}")
        wanted |= hits
    return wanted


def filter_classes(
    nxg: nx.MultiDiGraph,
    names: Sequence[str] | str,
    lookup: Lookup,
    keep: str | None = None,
) -> nx.MultiDiGraph:
    """The subgraph of nodes whose class (or a superclass of it) is one of ``names``."""
    wanted = resolve_classes(names, lookup)
    chosen = set()
    for key, data in nxg.nodes(data=True):
        tags = set(data.get("classes") or [])
        tags.add(data.get("class_iri") or (LITERAL_CLASS if data["kind"] == "literal" else UNTYPED))
        if tags & wanted or key == keep:
            chosen.add(key)
    if LITERAL_CLASS not in wanted:  # literals shown with the nodes they describe
        chosen |= {v for u, v in nxg.edges() if u in chosen and nxg.nodes[v]["kind"] == "literal"}
    sub = _subgraph(nxg, chosen)
    sub.graph["classes"] = sorted(wanted)
    return sub


__all__ = [
    "Lookup",
    "filter_classes",
    "folded_resources",
    "local_name",
    "neighbourhood",
    "node_key",
    "resolve_classes",
    "resolve_node",
    "to_networkx",
]
