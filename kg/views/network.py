"""RDF to a networkx MultiDiGraph: the nodes a reader should see, with labels, classes, evidence.

The graph is read once (:mod:`kg.views.netread`: one SPARQL query on Oxigraph, or the triples of an
rdflib graph); a focus or class view of a graph in Oxigraph reads only the part it draws
(:mod:`kg.views.netscope`), with the same result. Every IRI or blank node that is the
subject or object of a triple becomes a node, and every triple between two nodes an edge
keyed by its predicate IRI (so parallel edges are kept), except the plumbing of our own
vocabulary, which is folded into attributes instead of drawn:

* terms of the ssp ontology and of RDF, RDFS, OWL, XSD, SHACL and SKOS themselves (a type
  becomes the node's ``class``; ``skos:Concept`` is never a node), unless ``schema=True``,
  which draws a vocabulary's own classes and properties instead;
* evidence records (``ssp:Evidence``) become the ``evidence`` list of the node or edge they
  support; ``rdf:Statement`` reifications give their evidence to the edge they reify;
* concept schemes (``skos:inScheme``, ``skos:topConceptOf``) become the ``scheme`` attribute;
* the article and its sections (``ssp:Section``) become the section numbers and titles cited
  by evidence;
* blank nodes, and IRIs without a description, reached only from folded resources.

Literals are attributes (``label``, ``definition``, ``literals``) unless ``literals=True``, when
each distinct literal is also a node. Node keys are IRI strings, stable ``_:b…`` blank-node
keys (:mod:`kg.views.bnodekeys`) or a literal's N-Triples form, so the same input gives the same
graph. Blank nodes are labelled by what they say (:mod:`kg.views.bnodelabels`).
"""

from __future__ import annotations

import difflib
from collections import defaultdict, deque
from collections.abc import Iterable, Sequence
from operator import itemgetter
from typing import Any

import networkx as nx

from kg.errors import InputError
from kg.prefixes import PREFIXES, RDF_IRI, local_name, shorten, with_declared
from kg.terms import nt_term
from kg.views import netscope
from kg.views.bnodekeys import Links, blank_links, stable_keys
from kg.views.bnodelabels import RESTRICTIONS, BlankLabels
from kg.views.netread import (
    FOLDED_TYPES,
    NAMING_PROPERTIES,
    OWL,
    RDF_TYPE,
    RDFS,
    SCHEME_LINKS,
    SKOS_CONCEPT,
    W3C_NAMESPACES,
    Facts,
    is_blank,
    is_literal,
    is_meta,
    one_each,
    read_facts,
)
from kg.views.netread import Lookup as KeyLookup

UNTYPED = "resource"
LITERAL_CLASS = "literal"
# What makes a term part of a vocabulary's schema (``schema=True``).
SCHEMA_LINKS = frozenset(
    RDFS + name for name in ("subClassOf", "subPropertyOf", "domain", "range")
) | frozenset(
    OWL + name
    for name in (
        "equivalentClass",
        "equivalentProperty",
        "inverseOf",
        "disjointWith",
        "propertyDisjointWith",
    )
)


# --- Deciding what is a node ----------------------------------------------------------------


def _metaclass(key: Any) -> bool:
    """An RDF/RDFS/OWL term that says a resource is a class or a property."""
    if type(key) is not str or not key.startswith(W3C_NAMESPACES):
        return False
    name = local_name(key)
    return name.endswith(("Class", "Property")) or name in ("Datatype", "Restriction")


def schema_terms(facts: Facts) -> set[str]:
    """The classes and properties a graph defines or relates (named ones)."""
    terms = {s for s, o in facts.pairs(RDF_TYPE) if _metaclass(o) and not is_blank(s)}
    for prop in SCHEMA_LINKS:
        for s, o in facts.pairs(prop):
            terms.update(t for t in (s, o) if type(t) is str and not is_blank(t))
    return terms


def _fold(facts: Facts, lookup: KeyLookup, schema: bool) -> set[Any]:
    """The resources shown as attributes rather than nodes (see the module docstring)."""
    groups = facts.by_predicate
    described: set[Any] = set()
    objects: set[Any] = set()
    subject = itemgetter(0)
    for pairs in groups.values():
        described.update(map(subject, pairs))
        objects.update(o for _s, o in pairs if type(o) is str)  # not a literal (a Term)
    if schema:
        keep = schema_terms(facts)
        children = _children(facts, lambda s: True)
        queue = deque(sorted(keep))
        while queue:  # blank nodes the schema's terms reach: restrictions, lists, shapes
            for child in children.get(queue.popleft(), ()):
                if is_blank(child) and child not in keep:
                    keep.add(child)
                    queue.append(child)
        return (described | objects) - keep
    folded: set[Any] = {o for p in SCHEME_LINKS for _s, o in facts.pairs(p)}
    folded.update(t for t in described | objects if is_meta(t))
    folded.update(t for t, types in lookup.types.items() if types & FOLDED_TYPES)
    folded.update(lookup.sources)
    # Blank nodes, and IRIs without a description, reached only from folded resources.
    candidates = {o for o in objects if o.startswith("_:") or o not in described}
    subjects_by_object: dict[Any, set[str]] = defaultdict(set)
    children: dict[str, list[Any]] = defaultdict(list)  # _children of folded and candidates
    parents = folded | candidates
    for p in sorted(groups):
        for s, o in groups[p]:
            if type(o) is str:
                if o in candidates:
                    subjects_by_object[o].add(s)
                if s in parents:
                    children[s].append(o)
    queue = deque(sorted(folded, key=str))
    while queue:
        for child in children.get(queue.popleft(), ()):
            if child in folded or child not in candidates:
                continue
            if subjects_by_object[child] <= folded:
                folded.add(child)
                queue.append(child)
    return folded


def _children(facts: Facts, wanted: Any) -> dict[str, list[Any]]:
    """The non-literal objects of each subject ``wanted`` accepts, in predicate order."""
    children: dict[str, list[Any]] = defaultdict(list)
    for p in sorted(facts.by_predicate):
        for s, o in facts.by_predicate[p]:
            if not is_literal(o) and wanted(s):
                children[s].append(o)
    return children


# --- Building the MultiDiGraph -------------------------------------------------------------


def to_networkx(
    graph: Any,
    *,
    classes: Sequence[str] | str | None = None,
    focus: str | None = None,
    depth: int = 1,
    literals: bool = False,
    context: Any = None,
    schema: bool = False,
    blank_nodes: bool = True,
    max_nodes: int | None = None,
    fold_lists: bool = True,
) -> nx.MultiDiGraph:
    """The reader's graph of ``graph`` as a networkx MultiDiGraph.

    ``graph`` is a :class:`kg.store.oxengine.OxGraph` (read with one SPARQL query), an rdflib Graph
    or KnowledgeGraph, or CONSTRUCT triples. Node attributes: ``label``, ``class`` (label of
    the most specific class), ``class_iri``, ``classes`` (that class and its superclasses),
    ``definition``, ``evidence`` (dicts with ``section``, ``section_title``, ``paragraph``,
    ``anchor``), ``iri``, ``kind`` ("iri", "blank" or "literal"), ``alt_labels``,
    ``literals`` ([predicate label, value] pairs) and ``scheme``. Edges are keyed by
    predicate IRI, with ``predicate``, ``label`` and ``evidence``.

    ``focus`` (an IRI, a prefixed name like ``kg:market-visibility`` or a label) keeps the
    nodes within ``depth`` links of it, either direction; ``classes`` (names, labels, prefixed
    names or IRIs) keeps the nodes of those classes or their subclasses (and the focus).
    ``context`` is where labels, classes and evidence are looked up (default: ``graph``),
    for a ``graph`` that is a CONSTRUCT result holding only some triples. ``schema`` draws
    the classes and properties the graph defines (for an ontology); ``blank_nodes=False``
    leaves blank nodes out; ``max_nodes`` keeps at most that many nodes (the most connected
    and their neighbours, :func:`largest_part`), noting what was left out in
    ``graph["omitted"]``. ``fold_lists`` draws an rdf:List as one node linked to its members
    by ``rdfs:member``; the exports keep its cells (``rdf:first``/``rdf:rest``, in order).
    """
    prefixes = _prefix_map(graph)
    shape = {"blank_nodes": blank_nodes, "literals": literals, "fold_lists": fold_lists}
    part = None
    if context is None and not schema:
        part = _stored_part(graph, classes, focus, depth, prefixes, shape)
    if part is not None:
        facts, lookup, folded, wanted = part
    else:
        facts = read_facts(graph)
        lookup = KeyLookup.from_facts(read_facts(context) if context is not None else facts)
        folded = _fold(facts, lookup, schema)
        wanted = resolve_classes(classes, lookup, prefixes) if classes else None
    around = (focus, depth, prefixes) if focus is not None else None
    result = _build(
        facts, lookup, folded, literals, blank_nodes, max_nodes, around, fold_lists, wanted
    )
    result.graph["sources"] = list(getattr(graph, "sources", []) or [])
    result.graph["source_titles"] = sorted(set(lookup.sources.values()))
    result.graph["prefixes"] = prefixes
    if schema:
        result.graph["schema"] = True
    if wanted is not None:  # _build kept only their nodes
        result.graph["classes"] = sorted(wanted)
    if max_nodes is not None and result.number_of_nodes() > max_nodes:
        result = largest_part(result, max_nodes)
    return result


def _stored_part(
    graph: Any,
    classes: Sequence[str] | str | None,
    focus: str | None,
    depth: int,
    prefixes: dict[str, str],
    shape: dict[str, bool],
) -> tuple[Facts, KeyLookup, set[Any], set[str] | None] | None:
    """The facts, lookup, folded terms and wanted classes of a focus or class view of a
    graph in Oxigraph, read from the part of the store the view draws
    (:mod:`kg.views.netscope`). None where the whole graph is read instead: another kind of
    graph, no scope, a focus not named by an IRI or prefixed name of the graph (a label, or
    an error to report) or not drawn by the part read, classes that include untyped
    resources or literals, or a part the walk gives up on (:class:`netscope.WholeRead`)."""
    if not hasattr(graph, "matching") or (focus is None and not classes) or depth < 0:
        return None
    center = None
    if focus is not None:
        center = _named_directly(netscope.StoredNodes(graph), focus, prefixes)
        if center is None:
            return None
    wanted = None
    if classes:
        names, known = netscope.class_lookup(graph)
        wanted = resolve_classes(classes, names, prefixes, known)
    try:
        if center is not None:
            part = netscope.read_part(graph, [center], depth, **shape)
            if not _drawn(part.facts, part.folded, center, shape["blank_nodes"]):
                return None  # the whole graph's read says what it is (folded, or no node)
        elif wanted & {LITERAL_CLASS, UNTYPED}:
            return None
        else:
            members = [c for c in sorted(known) if wanted.intersection(names.ancestors(c))]
            part = netscope.read_part(graph, netscope.class_members(graph, members), 0, **shape)
    except netscope.WholeRead:
        return None
    return part.facts, KeyLookup.from_facts(part.context), part.folded, wanted


def _drawn(facts: Facts, folded: set[Any], key: str, blank_nodes: bool) -> bool:
    """Whether the IRI ``key`` is a node of the view of ``facts`` (as :func:`_build` draws)."""
    if key in folded:
        return False
    for s, _p, o in _with_lists_folded(facts):
        if s == key or (o == key and s not in folded and (blank_nodes or not is_blank(s))):
            return True
    return False


def _build(
    facts: Facts,
    lookup: KeyLookup,
    folded: set[Any],
    literals: bool,
    blank_nodes: bool,
    max_nodes: int | None = None,
    around: tuple[str, int, dict[str, str]] | None = None,
    fold_lists: bool = True,
    wanted: set[str] | None = None,
) -> nx.MultiDiGraph:
    """The graph of the nodes that are not ``folded``; with ``max_nodes``, cut to that many
    (:func:`largest_part`), with ``around`` (focus, depth, prefixes) to the focus's
    neighbourhood, and with ``wanted`` (class IRIs, :func:`resolve_classes`) to the nodes
    :func:`filter_classes` keeps, before any attribute is computed."""
    nodes: set[Any] = set()
    edges: list[tuple[Any, Any, str]] = []
    extras: dict[Any, list[tuple[str, str]]] = defaultdict(list)
    schemes: dict[Any, set[str]] = defaultdict(set)
    restrictions = {} if blank_nodes else _restrictions(facts, folded)
    words: dict[tuple[Any, Any, str], str] = {}
    predicate_labels: dict[str, str] = {}
    for s, p, o in _with_lists_folded(facts) if fold_lists else facts.triples():
        if s in folded or (not blank_nodes and is_blank(s)):
            continue
        nodes.add(s)
        if is_literal(o):
            if literals:
                nodes.add(o)
                edges.append((s, o, p))
            elif p not in NAMING_PROPERTIES:
                label = predicate_labels.get(p)
                if label is None:
                    label = predicate_labels[p] = lookup.label(p)
                extras[s].append((label, o.value))
        elif o in folded:
            if p in SCHEME_LINKS:
                schemes[s].add(lookup.label(o))
        elif blank_nodes or not is_blank(o):
            nodes.add(o)
            edges.append((s, o, p))
        elif o in restrictions and not is_blank(s):  # "s subClassOf (P some F)": s -P some-> F
            prop, word, filler = restrictions[o]
            nodes.add(filler)
            edges.append((s, filler, prop))
            words[(s, filler, prop)] = word
    keys: dict[str, str] = {}
    blank_labels = None
    scoped = _scoped_terms(nodes, edges, lookup, around, wanted)
    drawn_blanks = [t for t in (nodes if scoped is None else scoped[0]) if is_blank(t)]
    if drawn_blanks:
        if scoped is None:
            links_of_blanks = blank_links(facts.triples())
        else:  # keys from the drawn blank nodes' parts, not the whole graph
            links_of_blanks = _part_links(facts, drawn_blanks)
        keys = stable_keys(links=links_of_blanks)
        if keys:
            blank_labels = BlankLabels(None, lookup.label, keys, around=links_of_blanks[0])
        del links_of_blanks

    def key_of(term: Any) -> str:
        if is_literal(term):
            return nt_term(term)
        return keys.get(term, term)

    g = nx.MultiDiGraph()
    if scoped is not None:
        kept, center = scoped
        if around is not None:
            g.graph.update(focus=center, depth=around[1])
        raw = {key_of(term): term for term in kept}
        links = [(key_of(s), key_of(o), p) for s, o, p in edges if s in kept and o in kept]
    else:
        raw = {key_of(term): term for term in nodes}
        links = [(key_of(s), key_of(o), p) for s, o, p in edges]
    if around is not None and scoped is None:
        center, depth = _focus(raw, lookup, around, blank_labels)
        g.graph.update(focus=center, depth=depth)
        near = depth_of_nodes(center, links, depth)
        raw = {k: t for k, t in raw.items() if k in near}
        links = [(u, v, p) for u, v, p in links if u in raw and v in raw]
    if wanted and scoped is None:  # the nodes filter_classes keeps, before any attribute
        chosen = {k for k, t in raw.items() if _class_tags(t, lookup) & wanted}
        chosen.add(g.graph.get("focus"))
        if LITERAL_CLASS not in wanted:
            chosen |= {v for u, v, _p in links if u in chosen and is_literal(raw[v])}
        raw = {k: t for k, t in raw.items() if k in chosen}
        links = [(u, v, p) for u, v, p in links if u in raw and v in raw]
    total = (len(raw), len(links))
    if max_nodes is not None and len(raw) > max_nodes:
        pairs = ((u, v) for u, v, _p in links)
        keep = set(most_connected(raw, pairs, max_nodes, g.graph.get("focus")))
        raw = {k: t for k, t in raw.items() if k in keep}
        links = [(u, v, p) for u, v, p in links if u in keep and v in keep]
    g.add_nodes_from(sorted(raw))
    g.add_edges_from(sorted(links))
    if len(raw) < total[0]:
        g.graph["omitted"] = _omitted(*total, g)
    for key, data in g.nodes(data=True):
        data.update(_node_attributes(raw[key], lookup, extras, schemes, blank_labels))
    statement_evidence = lookup.statement_evidence
    for u, v, p, data in g.edges(keys=True, data=True):
        evidence = statement_evidence.get((raw[u], p, raw[v])) if statement_evidence else None
        word = words.get((raw[u], raw[v], p)) if words else None
        label = predicate_labels.get(p)
        if label is None:
            label = predicate_labels[p] = lookup.label(p)
        if word:
            label = f"{label} {word}"
        data.update(predicate=p, label=label, evidence=_sort_evidence(evidence) if evidence else [])
    return g


def _scoped_terms(
    nodes: set[Any],
    edges: list[tuple[Any, Any, str]],
    lookup: KeyLookup,
    around: tuple[str, int, dict[str, str]] | None,
    wanted: set[str] | None,
) -> tuple[set[Any], str | None] | None:
    """The nodes (as terms) the focus and the classes keep, and the focus, when the focus is
    named by its IRI (or there is none): the same nodes the keyed path in :func:`_build`
    finds, chosen before any blank-node key is made. Else None."""
    if around is None and not wanted:
        return None
    kept, center = nodes, None
    if around is not None:
        text, depth, prefixes = around
        if depth < 0:
            raise InputError(str(depth), "the depth must be 0 or more")
        center = _named_directly(nodes, text, prefixes)
        if center is None or is_blank(center):
            return None
        kept = depth_of_nodes(center, edges, depth)
    if wanted:
        chosen = {t for t in kept if _class_tags(t, lookup) & wanted}
        if center is not None:
            chosen.add(center)
        if LITERAL_CLASS not in wanted:
            chosen |= {o for s, o, _p in edges if s in chosen and is_literal(o) and o in kept}
        kept = chosen
    return kept, center


def _part_links(facts: Facts, blanks: list[str]) -> Links:
    """The :func:`blank_links` of the parts ``blanks`` belong to (:func:`_parts_of`), read
    from the store where the facts came from one."""
    triples = facts.part_triples(blanks)
    if triples is not None:
        return blank_links(triples)
    return _parts_of(blank_links(facts.triples()), blanks)


def _parts_of(links: Links, blanks: Iterable[str]) -> Links:
    """The :func:`blank_links` of the parts ``blanks`` belong to: the blank nodes linked to
    them through blank nodes, with every triple of those, and the named nodes' links to
    them. Keys made from these depend on the graph and on which parts are drawn, not on
    parse labels."""
    around = links[0]
    part = set(blanks)
    queue = deque(part)
    while queue:
        for _p, _d, other in around.get(queue.popleft(), ()):
            if type(other) is str and other.startswith("_:") and other not in part:
                part.add(other)
                queue.append(other)
    inner = {b: around[b] for b in part if b in around}
    outer: dict[str, list[tuple[str, str, str]]] = {}
    for b, triples in inner.items():
        for p, d, other in triples:
            if type(other) is str and not other.startswith("_:"):
                outer.setdefault(other, []).append((p, "<" if d == ">" else ">", b))
    return inner, outer


RESTRICTION_WORDS = {OWL + local: word for local, word in RESTRICTIONS} | {
    OWL + "onClass": "with"
}


def _restrictions(facts: Facts, folded: set[Any]) -> dict[str, tuple[str, str, str]]:
    """OWL restrictions on a named property with a named filler: blank -> (P, word, F).

    Drawn as an edge when blank nodes are left out (``blank_nodes=False``).
    """
    def named(term: Any) -> bool:
        return type(term) is str and not is_blank(term)

    pairs = facts.pairs(OWL + "onProperty")
    on = one_each((b, prop) for b, prop in pairs if is_blank(b) and named(prop))
    found: dict[str, tuple[str, str, str]] = {}
    for prop_iri, word in sorted(RESTRICTION_WORDS.items()):
        pairs = facts.pairs(prop_iri)
        fillers = one_each((b, f) for b, f in pairs if b in on and named(f) and f not in folded)
        for b, filler in fillers.items():
            found.setdefault(b, (on[b], word, filler))
    return found


def _focus(
    raw: dict[str, Any],
    lookup: KeyLookup,
    around: tuple[str, int, dict[str, str]],
    blank_labels: BlankLabels | None,
) -> tuple[str, int]:
    """The key of the focus and the depth, resolved against every node's names."""

    def label(term: Any) -> str:
        if is_literal(term):
            return term.value
        if is_blank(term) and blank_labels is not None and term not in lookup.labels:
            return blank_labels.label(term)
        return lookup.label(term)

    text, depth, prefixes = around
    if depth < 0:
        raise InputError(str(depth), "the depth must be 0 or more")
    direct = _named_directly(raw, text, prefixes)
    if direct is not None:  # an IRI or prefixed name: no label needs to be made
        return direct, depth
    names = nx.MultiDiGraph()
    names.add_nodes_from(
        (
            key,
            {
                "label": label(term),
                "alt_labels": lookup.alt_labels.get(term, []),
                "iri": None if is_literal(term) or is_blank(term) else term,
            },
        )
        for key, term in raw.items()
    )
    return resolve_node(names, text, prefixes), depth


def depth_of_nodes(center: str, links: Iterable[tuple[str, str, Any]], depth: int) -> set[str]:
    """The nodes within ``depth`` links of ``center``, either direction."""
    near: dict[str, set[str]] = defaultdict(set)
    for u, v, _p in links:
        near[u].add(v)
        near[v].add(u)
    seen = {center: 0}
    queue = deque([center])
    while queue:
        node = queue.popleft()
        if seen[node] < depth:
            for other in near.get(node, ()):
                if other not in seen:
                    seen[other] = seen[node] + 1
                    queue.append(other)
    return set(seen)


RDF_FIRST, RDF_REST = RDF_IRI + "first", RDF_IRI + "rest"
MEMBER = RDFS + "member"


def _with_lists_folded(facts: Facts) -> Iterable[tuple[str, str, Any]]:
    """The triples, with each rdf:List as one node: its head, linked to each member by
    ``rdfs:member`` (the cells after the head are not drawn)."""
    cells = {s for s, _o in facts.pairs(RDF_FIRST) if is_blank(s)}
    if not cells:
        yield from facts.triples()
        return
    first = one_each(facts.pairs(RDF_FIRST))
    rest = one_each((s, o) for s, o in facts.pairs(RDF_REST) if s in cells)
    inner = {o for o in rest.values() if o in cells}
    for s, p, o in facts.triples():
        if s in cells and (s in inner or p in (RDF_FIRST, RDF_REST)):
            continue
        yield s, p, o
    for head in sorted(cells - inner):
        cell, seen = head, set()
        while cell in cells and cell not in seen:
            seen.add(cell)
            yield head, MEMBER, first[cell]
            cell = rest.get(cell)


def _class_tags(term: Any, lookup: KeyLookup) -> set[str]:
    """The classes :func:`filter_classes` matches a node by: every class it is asserted to
    have and their superclasses, or "literal" or "resource"."""
    if is_literal(term):
        return {LITERAL_CLASS}
    types = lookup.types.get(term)
    if not types:
        return {UNTYPED}
    tags: set[str] = set()
    for klass in types:
        tags.update(lookup.ancestors(klass))
    return tags


def _sort_evidence(records: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    if not records:
        return []
    def key(r: dict[str, Any]) -> tuple:
        return (r["section"] is None, r["section"] or 0, r["paragraph"] or 0, r["anchor"] or "")

    unique = {tuple(sorted(r.items(), key=lambda kv: kv[0])): r for r in records}
    return sorted(unique.values(), key=key)


def _node_attributes(
    term: Any,
    lookup: KeyLookup,
    extras: dict[Any, list[tuple[str, str]]],
    schemes: dict[Any, set[str]],
    blank_labels: BlankLabels | None,
) -> dict[str, Any]:
    if is_literal(term):
        if term.lang:
            about = [["language", term.lang]]
        else:
            about = [["datatype", lookup.label(term.datatype)]] if term.datatype else []
        return {
            "label": term.value,
            "class": LITERAL_CLASS,
            "class_iri": None,
            "classes": [],
            "definition": None,
            "evidence": [],
            "iri": None,
            "kind": "literal",
            "alt_labels": [],
            "literals": about,
            "scheme": [],
        }
    klass = lookup.most_specific(term)
    blank = type(term) is str and term.startswith("_:")
    if term in lookup.labels or not blank or blank_labels is None:
        label = lookup.label(term)
    else:
        label = blank_labels.label(term)
    return {
        "label": label,
        "class": lookup.label(klass) if klass is not None else UNTYPED,
        "class_iri": klass,
        "classes": list(lookup.ancestors(klass)) if klass is not None else [],
        "definition": lookup.definitions.get(term),
        "evidence": _sort_evidence(lookup.evidence[term]) if term in lookup.evidence else [],
        "iri": None if blank else term,
        "kind": "blank" if blank else "iri",
        "alt_labels": lookup.alt_labels.get(term, []),
        "literals": sorted([list(pair) for pair in extras[term]]) if term in extras else [],
        "scheme": sorted(schemes[term]) if term in schemes else [],
    }


# --- Scoping: focus, classes and size -------------------------------------------------------


def _names(key: str, data: dict[str, Any], prefixes: dict[str, str]) -> list[str]:
    names = [key, str(data.get("label") or "")]
    names += list(data.get("alt_labels") or [])
    if data.get("iri"):
        short = shorten(data["iri"], prefixes)
        if not short.startswith("<"):
            names.append(short)
    return names


def _prefix_map(source: Any) -> dict[str, str]:
    """The project's prefixes with those ``source`` declares (a dict, an OxGraph) on top, as
    :func:`kg.prefixes.with_declared` gives them (a file's binding of a name wins); an rdflib
    graph's bindings (rdflib's own defaults among them) only add names."""
    if isinstance(source, dict):
        return with_declared(source)
    if isinstance(getattr(source, "prefixes", None), dict):
        return with_declared(source.prefixes)
    prefixes = dict(PREFIXES)
    inner = getattr(source, "graph", source)
    for prefix, ns in inner.namespaces() if hasattr(inner, "namespaces") else ():
        if prefix:
            prefixes.setdefault(prefix, str(ns))
    return prefixes


def _unbracketed(text: str) -> str:
    wanted = str(text).strip()
    if wanted.startswith("<") and wanted.endswith(">"):
        wanted = wanted[1:-1]
    return wanted


def _named_directly(keys: Any, text: str, known: dict[str, str]) -> str | None:
    """The key among ``keys`` that ``text`` names as a key, ``<IRI>`` or prefixed name."""
    wanted = _unbracketed(text)
    if wanted in keys:
        return wanted
    prefix, colon, local = wanted.partition(":")
    if colon and prefix in known and known[prefix] + local in keys:
        return known[prefix] + local
    return None


def resolve_node(nxg: nx.MultiDiGraph, text: str, prefixes: Any = None) -> str:
    """The key of the node ``text`` names: an IRI, ``<IRI>``, a prefixed name or a label.

    ``prefixes`` (a dict, or the loaded graph) adds to the project's prefixes. An unknown
    name raises InputError with the closest labels and prefixed names.
    """
    known = _prefix_map(prefixes if prefixes is not None else nxg.graph.get("prefixes") or {})
    direct = _named_directly(nxg, text, known)
    if direct is not None:
        return direct
    wanted = _unbracketed(text)
    folded = wanted.casefold()
    candidates: dict[str, str] = {}
    matches: set[str] = set()
    for key, data in nxg.nodes(data=True):
        for name in _names(key, data, known):
            if name:
                candidates.setdefault(name, key)
                if name.casefold() == folded:
                    matches.add(key)
    if len(matches) == 1:
        return matches.pop()
    if len(matches) > 1:
        shown = ", ".join(sorted(matches)[:5])
        raise InputError(str(text), f"names more than one node ({shown}); give its IRI")
    close = difflib.get_close_matches(wanted, list(candidates)[:20000], n=3, cutoff=0.5)
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


def largest_part(nxg: nx.MultiDiGraph, max_nodes: int) -> nx.MultiDiGraph:
    """At most ``max_nodes`` nodes: the most connected ones, each with its neighbours.

    Hubs are taken by degree (ties by key); each brings its neighbours, most connected first,
    at most a twentieth of the budget per hub, so one hub cannot fill the page. The focus, if
    any, is kept. ``graph["omitted"]`` says how many nodes and edges were left out.
    """
    keep = most_connected(nxg.nodes, nxg.edges(), max_nodes, nxg.graph.get("focus"))
    sub = _subgraph(nxg, keep)
    sub.graph["omitted"] = _omitted(nxg.number_of_nodes(), nxg.number_of_edges(), sub)
    return sub


def _omitted(nodes: int, edges: int, kept: nx.MultiDiGraph) -> dict[str, int]:
    return {
        "nodes": nodes - kept.number_of_nodes(),
        "edges": edges - kept.number_of_edges(),
        "total_nodes": nodes,
    }


def most_connected(
    nodes: Iterable[str], links: Iterable[tuple[str, str]], max_nodes: int, focus: Any = None
) -> list[str]:
    """The nodes :func:`largest_part` keeps, from plain node keys and ``(u, v)`` links."""
    degree: dict[str, int] = defaultdict(int)
    near: dict[str, set[str]] = defaultdict(set)
    for u, v in links:
        degree[u] += 1
        degree[v] += 1
        near[u].add(v)
        near[v].add(u)
    ranked = sorted(nodes, key=lambda n: (-degree[n], n))
    per_hub = max(8, max_nodes // 20)
    keep: dict[str, None] = {}
    if focus is not None and (focus in degree or focus in set(ranked)):
        keep[focus] = None
    for hub in ranked:
        if len(keep) >= max_nodes:
            break
        keep.setdefault(hub, None)
        for other in sorted(near[hub] - keep.keys(), key=lambda n: (-degree[n], n))[:per_hub]:
            if len(keep) >= max_nodes:
                break
            keep[other] = None
    return list(keep)


def _known_classes(lookup: KeyLookup) -> set[str]:
    known: set[str] = set(lookup.supers)
    for sups in lookup.supers.values():
        known |= sups
    for types in lookup.types.values():
        known |= types
    return known


def resolve_classes(
    names: Sequence[str] | str,
    lookup: KeyLookup,
    prefixes: dict[str, str] | None = None,
    known: set[str] | None = None,
) -> set[str]:
    """The class IRIs ``names`` give (local names, labels, prefixed names or IRIs).

    ``prefixes``: the names a prefixed name may use (default: the project's; a graph's own
    come from :func:`_prefix_map`). ``known``: the graph's classes (default: those
    ``lookup`` has types or superclasses for).
    """
    if isinstance(names, str):
        names = [n for n in names.split(",")]
    prefixes = prefixes or PREFIXES
    known = known if known is not None else _known_classes(lookup)
    index: dict[str, set[str]] = defaultdict(set)
    for klass in known:
        short = shorten(klass, prefixes)
        for name in (klass, local_name(klass), lookup.label(klass), short, shorten(klass)):
            index[name.casefold()].add(klass)
    index[LITERAL_CLASS].add(LITERAL_CLASS)
    index[UNTYPED].add(UNTYPED)
    wanted: set[str] = set()
    for raw in names:
        name = raw.strip()
        if not name:
            continue
        hits = index.get(name.casefold()) or index.get(name.strip("<>").casefold())
        prefix, colon, local = name.partition(":")
        if not hits and colon and prefix in prefixes:  # a prefixed name, expanded
            expanded = prefixes[prefix] + local
            hits = {expanded} if expanded in known else None
        if not hits:
            choices = sorted(
                {local_name(k) for k in known if not is_meta(k)}
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
    lookup: Any,
    keep: str | None = None,
) -> nx.MultiDiGraph:
    """The subgraph of nodes with one of ``names`` among their classes (any asserted class,
    or a superclass of one).

    ``lookup`` is a :class:`Lookup`, or the graph to read one from.
    """
    prefixes = nxg.graph.get("prefixes")
    if not isinstance(lookup, KeyLookup):
        prefixes = _prefix_map(lookup)
        lookup = KeyLookup.from_facts(read_facts(lookup))
    wanted = resolve_classes(names, lookup, prefixes)
    chosen = set()
    for key, data in nxg.nodes(data=True):
        if data.get("iri") in lookup.types:  # every asserted class, as _class_tags reads them
            tags = _class_tags(data["iri"], lookup)
        else:  # a blank node keyed anew, or a literal: its drawn class
            tags = set(data.get("classes") or [])
            kind = LITERAL_CLASS if data["kind"] == "literal" else UNTYPED
            tags.add(data.get("class_iri") or kind)
        if tags & wanted or key == keep:
            chosen.add(key)
    if LITERAL_CLASS not in wanted:  # literals shown with the nodes they describe
        chosen |= {v for u, v in nxg.edges() if u in chosen and nxg.nodes[v]["kind"] == "literal"}
    sub = _subgraph(nxg, chosen)
    sub.graph["classes"] = sorted(wanted)
    return sub


# --- The same lookups keyed by rdflib terms (kg.docs reads rdflib graphs) -------------------


def _rdflib_term(key: Any) -> Any:
    from rdflib import BNode, URIRef

    from kg.terms import to_rdflib

    if is_literal(key):
        return to_rdflib(key)
    return BNode(key[2:]) if is_blank(key) else URIRef(key)


class Lookup(KeyLookup):
    """:class:`kg.views.netread.Lookup` with rdflib terms as keys, read from an rdflib graph."""

    @classmethod
    def read(cls, graph: Any) -> Lookup:
        found = KeyLookup.from_facts(read_facts(graph))

        def rekey(mapping: dict[Any, Any]) -> dict[Any, Any]:
            """Keyed by the rdflib term, and IRIs by their plain string too."""
            both = {_rdflib_term(k): v for k, v in mapping.items()}
            both.update((k, v) for k, v in mapping.items() if type(k) is str and not is_blank(k))
            return both

        return cls(
            labels=rekey(found.labels),
            alt_labels=rekey(found.alt_labels),
            definitions=rekey(found.definitions),
            types=rekey(found.types),
            supers=rekey(found.supers),
            evidence=rekey(found.evidence),
            statement_evidence={
                tuple(_rdflib_term(t) for t in k): v for k, v in found.statement_evidence.items()
            },
            sources=rekey(found.sources),
        )

    def label(self, key: Any) -> str:
        if key in self.labels:
            return self.labels[key]
        from rdflib import BNode, Literal

        if isinstance(key, (Literal, BNode)):
            return str(key)
        return local_name(str(key))


def folded_resources(graph: Any, lookup: Any = None) -> set[Any]:
    """The resources of an rdflib graph the view folds into attributes, as rdflib terms."""
    facts = read_facts(graph)
    return {_rdflib_term(k) for k in _fold(facts, KeyLookup.from_facts(facts), schema=False)}


def node_key(term: Any) -> str:
    """The networkx key of an IRI or literal: IRI string or N-Triples literal."""
    from kg.views.netread import term_key

    key = term_key(term)
    return nt_term(key) if is_literal(key) else key


__all__ = [
    "RDF_IRI",
    "SKOS_CONCEPT",
    "Lookup",
    "filter_classes",
    "folded_resources",
    "largest_part",
    "local_name",
    "neighbourhood",
    "node_key",
    "resolve_classes",
    "resolve_node",
    "schema_terms",
    "to_networkx",
]
