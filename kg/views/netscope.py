"""The part of a stored graph that a focus or class view draws, read from Oxigraph's indexes.

A view of one resource's neighbourhood (``focus``) or of some classes' resources (``classes``)
of a graph held in Oxigraph (:class:`kg.store.oxengine.OxGraph`) does not need the graph's
other triples. :func:`read_part` walks the store's indexes from the focus, or from the
resources of the classes, and gives :func:`kg.views.network.to_networkx` three things to
build the view from, as it would build it from the whole graph:

* ``facts``: the triples of every node that can be drawn within the scope, with the cells of
  their lists and, without blank nodes, the restrictions that become edges;
* ``context``: those, and the triples their labels, classes (with every superclass),
  evidence, reified statements and blank-node descriptions come from, and the article's
  sections;
* ``folded``: which of the terms those triples name the view folds into attributes, decided
  per term from the store by :class:`StoredFold` with the rule :func:`kg.views.network._fold`
  applies to a whole graph.

The walk counts a step along a list (rdf:rest between its cells) and, without blank nodes, a
step into a blank node as no step, so it reaches at least every node within ``depth`` drawn
links; the view then measures the depth on the drawn links themselves. Terms the view folds
are not walked through, except a list's folded cells, along the list. Where the walk would
be slower than reading the whole graph, or cannot promise the same view (a seed that is a
list cell), it raises :class:`WholeRead` and the whole graph is read.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import chain
from typing import Any

import pyoxigraph as ox

from kg.prefixes import RDF_IRI, SCHEMA_IRI, SSP_IRI
from kg.resources import internal_query
from kg.terms import to_oxigraph
from kg.views.netread import (
    DCTERMS,
    FOLDED_TYPES,
    LABEL_ORDER,
    RDF_TYPE,
    SCHEME_LINKS,
    SUBCLASS,
    Facts,
    Lookup,
    _key,
    is_blank,
    is_literal,
    is_meta,
)

RDF_FIRST, RDF_REST = RDF_IRI + "first", RDF_IRI + "rest"
# How many terms a walk may meet before the whole read is taken instead: a twentieth of the
# graph's triples (a term costs about ten index lookups; reading a triple, far less), and
# never fewer than MIN_BUDGET (a small graph is read whole in well under a second).
MIN_BUDGET = 1_000
BUDGET_SHARE = 20
SECTION = SSP_IRI + "Section"
# Followed from a context term to the terms its lookups need: a class's superclasses, an
# evidence record and its section, a section's article.
LOOKUP_LINKS = frozenset(
    {RDF_TYPE, SUBCLASS, SSP_IRI + "evidence", SSP_IRI + "section", DCTERMS + "isPartOf"}
)
FOLLOWED = LOOKUP_LINKS | frozenset(SCHEME_LINKS)  # and a scheme, for its label


@dataclass
class Part:
    """What :func:`read_part` read (see the module docstring); ``seeds``, those it was given
    that the view does not fold."""

    facts: Facts
    context: Facts
    folded: set[Any]
    seeds: list[Any]


class StoredNodes:
    """The IRIs a stored graph has a triple about, as a container (``key in nodes``)."""

    def __init__(self, graph: Any) -> None:
        self.graph = graph

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, str) or key.startswith("_:"):
            return False
        try:
            node = ox.NamedNode(key)
        except ValueError:
            return False
        return bool(
            _first(self.graph.matching(node)) or _first(self.graph.matching(None, None, node))
        )


def ox_term(key: Any) -> Any:
    """The pyoxigraph term of a view key (an IRI string, ``_:`` label or literal Term)."""
    if is_literal(key):
        return to_oxigraph(key)
    return ox.BlankNode(key[2:]) if is_blank(key) else ox.NamedNode(key)


class StoredFold:
    """Whether the view folds a term, by :func:`kg.views.network._fold`'s rule for the whole
    graph, decided from the store's indexes for one term at a time and remembered.

    Folded: our vocabulary's and RDF/RDFS/OWL/SKOS terms, resources of a folded type,
    concept schemes, the article; and a blank node, or an IRI nothing describes, whose
    every subject is folded (a cycle of those is not folded, as in ``_fold``).
    """

    def __init__(self, graph: Any) -> None:
        self.graph = graph
        self.known: dict[Any, bool] = {}

    def __call__(self, key: Any) -> bool:
        found = self.known.get(key)
        if found is not None:
            return found
        # Depth first through the subjects, with a stack of its own: a blank node's subject
        # may be a blank node, thousands deep.
        stack = [self._open(key)]
        while stack:
            frame = stack[-1]
            if frame.pending is not None:  # a subject just decided
                if not self.known[frame.pending]:
                    frame.verdict = False
                frame.pending = None
            while frame.verdict is None:
                subject = next(frame.subjects, None)
                if subject is None:
                    frame.verdict = frame.any
                    break
                frame.any = True
                seen = self.known.get(subject)
                if seen is None:
                    frame.pending = subject
                    stack.append(self._open(subject))
                    break
                if not seen:
                    frame.verdict = False
            if frame.verdict is not None:
                self.known[frame.key] = frame.verdict
                stack.pop()
        return self.known[key]

    def _open(self, key: Any) -> _Deciding:
        """Begin deciding ``key``: at once, or from its subjects (all folded: folded)."""
        self.known[key] = False  # while deciding: a subject on a cycle back here is not folded
        frame = _Deciding(key)
        frame.verdict = self._by_itself(key)
        if frame.verdict is None:
            frame.subjects = (
                _key(t.subject) for t in self.graph.matching(None, None, ox_term(key))
            )
        return frame

    def _by_itself(self, key: Any) -> bool | None:
        """Whether ``key`` is folded whatever links to it; None for a blank node or an IRI
        nothing describes, which are folded if every subject is."""
        if is_literal(key):
            return False
        if is_meta(key):
            return True
        node, match = ox_term(key), self.graph.matching
        if any(_first(match(None, ox.NamedNode(p), node)) for p in SCHEME_LINKS):
            return True
        types = {t.object.value for t in match(node, ox.NamedNode(RDF_TYPE))}
        if types & FOLDED_TYPES or self._is_source(node):
            return True
        if not is_blank(key) and _first(match(node)):
            return False  # a described IRI
        return None

    def _is_source(self, node: Any) -> bool:
        """A titled resource with a section (``Lookup.sources``)."""
        match = self.graph.matching
        titles = match(node, ox.NamedNode(DCTERMS + "title"))
        if not any(isinstance(t.object, ox.Literal) for t in titles):
            return False
        sections = [t.object for t in match(node, ox.NamedNode(SCHEMA_IRI + "hasPart"))]
        sections += [t.subject for t in match(None, ox.NamedNode(DCTERMS + "isPartOf"), node)]
        sections = [s for s in sections if not isinstance(s, ox.Literal)]
        section = ox.NamedNode(SECTION)
        return any(_first(match(s, ox.NamedNode(RDF_TYPE), section)) for s in sections)


class _Deciding:
    """One term :class:`StoredFold` is deciding: its subjects not yet looked at, the one
    being decided first, whether it has any, and the verdict once known."""

    __slots__ = ("any", "key", "pending", "subjects", "verdict")

    def __init__(self, key: Any) -> None:
        self.key = key
        self.subjects: Iterator[Any] = iter(())
        self.pending: Any = None
        self.any = False
        self.verdict: bool | None = None


def _first(triples: Iterator[ox.Triple]) -> ox.Triple | None:
    return next(triples, None)


def class_lookup(graph: Any) -> tuple[Lookup, set[str]]:
    """Every class of the graph (typed with, or in a subclass link) and a :class:`Lookup`
    of their labels and superclasses: what ``--classes`` names are resolved against."""
    known = {row[0].value for row in graph.select(internal_query("view-classes"))}
    triples: set[ox.Triple] = set(graph.matching(None, ox.NamedNode(SUBCLASS)))
    for klass in known:
        for prop in LABEL_ORDER:
            triples.update(graph.matching(ox.NamedNode(klass), ox.NamedNode(prop)))
    return Lookup.from_facts(_facts(triples)), known


def class_members(graph: Any, classes: Iterable[str]) -> list[str]:
    """The resources typed with any of ``classes``."""
    found: set[str] = set()
    for klass in classes:
        found.update(
            _key(t.subject)
            for t in graph.matching(None, ox.NamedNode(RDF_TYPE), ox.NamedNode(klass))
        )
    return sorted(found)


def read_part(
    graph: Any,
    seeds: Iterable[Any],
    depth: int,
    *,
    blank_nodes: bool = True,
    literals: bool = False,
    fold_lists: bool = True,
) -> Part:
    """The :class:`Part` of ``graph`` within ``depth`` drawn links of ``seeds`` (see the
    module docstring); ``depth`` 0 gives the seeds' own triples. Raises :class:`WholeRead`
    where the whole graph is better read instead."""
    fold = StoredFold(graph)
    seeds = [key for key in seeds if not fold(key)]
    if fold_lists and any(_is_cell(graph, key) for key in seeds):
        raise WholeRead  # drawn, or not, by the lists around it: not worth walking
    budget = max(MIN_BUDGET, len(graph.store) // BUDGET_SHARE)
    region = _walk(graph, fold, seeds, depth, blank_nodes, literals, fold_lists, budget)
    triples: set[ox.Triple] = set()
    for key in region:
        if not is_literal(key):
            triples.update(graph.matching(ox_term(key)))
    facts = _facts(triples)
    facts.store = graph
    context = _facts(_context(graph, region, triples, literals))
    # The walk decided every term whose folding can change what is drawn within the depth;
    # the view also reads a scheme's (for the node's scheme), folded by the rule itself.
    folded = {key for key in region if fold(key)}  # list cells are walked unjudged
    folded.update(key for key, yes in fold.known.items() if yes)
    for p in SCHEME_LINKS:
        folded.update(o for _s, o in facts.pairs(p))
    return Part(facts, context, folded, seeds)


class WholeRead(Exception):
    """Read the whole graph instead: the walk met more terms than its budget (the whole
    read is then faster), or a seed is a list cell."""


def _is_cell(graph: Any, key: Any) -> bool:
    """A blank node with an rdf:first: a cell of an rdf:List."""
    return (
        is_blank(key) and _first(graph.matching(ox_term(key), ox.NamedNode(RDF_FIRST))) is not None
    )


def _walk(
    graph: Any,
    fold: StoredFold,
    seeds: Iterable[Any],
    depth: int,
    blank_nodes: bool,
    literals: bool,
    fold_lists: bool,
    budget: int,
) -> set[Any]:
    """The keys within ``depth`` steps of ``seeds``. A step costs one, but none along
    rdf:rest from a list cell to a list cell (``fold_lists``: a list is drawn as one node) or,
    without blank nodes, into a blank node. Folded terms are not walked through, except a
    list's folded cells along the list (rdf:rest, and rdf:first to the members), which the
    view's list folding reads. A node at ``depth`` is left only by the steps that cost
    nothing: its own triples, and rdf:rest into it. Raises :class:`WholeRead` past
    ``budget`` terms."""
    cells: dict[Any, bool] = {}

    def cell(key: Any) -> bool:
        found = cells.get(key)
        if found is None:
            found = cells[key] = _is_cell(graph, key)
        return found

    rest, first = ox.NamedNode(RDF_REST), ox.NamedNode(RDF_FIRST)
    cost = {key: 0 for key in seeds}
    queue = deque(cost)
    while queue:
        key = queue.popleft()
        here = cost[key]
        node = ox_term(key)
        if is_literal(key):
            triples: Iterable[ox.Triple] = graph.matching(None, None, node) if here < depth else ()
        elif here < depth:
            triples = graph.triples_about(node)
        else:
            triples = chain(graph.matching(node), graph.matching(None, rest, node))
        in_list = fold_lists and cell(key)
        folded_cell = in_list and fold(key)  # walked along its list only
        for triple in triples:
            outgoing = triple.subject == node
            other = _key(triple.object if outgoing else triple.subject)
            if other == key or (is_literal(other) and not literals):
                continue
            if in_list and triple.predicate == rest and cell(other):
                if here < cost.get(other, depth + 1):  # the same list, folded cells too
                    cost[other] = here
                    queue.appendleft(other)
                continue
            if folded_cell and not (outgoing and triple.predicate == first):
                continue
            step = 0 if is_blank(other) and not blank_nodes else 1
            there = here + step
            if there > depth or there >= cost.get(other, depth + 1):
                continue
            # Into a member's list cell even if folded: the list's head draws the member.
            into_list = fold_lists and not outgoing and triple.predicate == first
            if not (into_list and cell(other)) and fold(other):
                continue
            cost[other] = there
            if step:
                queue.append(other)
            else:
                queue.appendleft(other)
        if len(cost) > budget:
            raise WholeRead
    return set(cost)


def _context(
    graph: Any, region: set[Any], triples: set[ox.Triple], literals: bool
) -> set[ox.Triple]:
    """The region's ``triples``; the triples of their predicates, of the classes, evidence
    records and schemes they name (following :data:`LOOKUP_LINKS` on from those: superclasses,
    sections, the article), of the statements reifying them, of the blank nodes linked to the
    region's blank nodes and the IRIs those name, and of the article's sections."""
    found = set(triples)
    todo: set[Any] = set()
    for triple in triples:
        todo.add(triple.predicate)
        if isinstance(triple.object, ox.Literal):
            if literals:  # a literal node's datatype is labelled
                todo.add(triple.object.datatype)
        elif triple.predicate.value in FOLLOWED:
            todo.add(triple.object)
    statement_of = ox.NamedNode(RDF_IRI + "subject")
    blanks = [ox_term(k) for k in region if is_blank(k)]
    for key in region:
        if not is_literal(key):
            todo.update(t.subject for t in graph.matching(None, statement_of, ox_term(key)))
    part = graph.blank_part(blanks)
    found |= part
    for triple in part:
        todo.update(t for t in (triple.subject, triple.object) if isinstance(t, ox.NamedNode))
    for section in graph.matching(None, ox.NamedNode(RDF_TYPE), ox.NamedNode(SECTION)):
        todo.add(section.subject)
        todo.update(
            t.subject
            for t in graph.matching(None, ox.NamedNode(SCHEMA_IRI + "hasPart"), section.subject)
        )
    seen: set[Any] = set()
    queue = deque(todo)
    while queue:
        term = queue.popleft()
        if term in seen or isinstance(term, ox.Literal):
            continue
        seen.add(term)
        for triple in graph.matching(term):
            found.add(triple)
            if triple.predicate.value in LOOKUP_LINKS and not isinstance(triple.object, ox.Literal):
                queue.append(triple.object)
    return found


def _facts(triples: Iterable[ox.Triple]) -> Facts:
    """:class:`Facts` of pyoxigraph triples, in a fixed order (by predicate, subject, object)."""
    ordered = sorted(triples, key=lambda t: (t.predicate.value, str(t.subject), str(t.object)))
    return Facts.from_pyoxigraph((t.subject, t.predicate, t.object) for t in ordered)
