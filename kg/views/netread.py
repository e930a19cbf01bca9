"""Read a graph once for the view: every triple by predicate, then labels, classes, evidence.

The graph is read with one SPARQL query (``view-triples.rq``) on Oxigraph, or from the triples
of an rdflib graph or a CONSTRUCT result. Terms become plain keys: an IRI is its string, a
blank node ``_:`` and the label it was loaded with (which changes from load to load:
:mod:`kg.views.bnodekeys` gives stable ones), and a literal a :class:`kg.terms.Term`.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from kg.prefixes import KG_IRI, ONTOLOGY_IRI, RDF_IRI, SCHEMA_IRI, SSP_IRI, XSD_IRI, local_name
from kg.resources import internal_query
from kg.terms import Term, neutral, nt_term

RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
SH = "http://www.w3.org/ns/shacl#"
DCTERMS = "http://purl.org/dc/terms/"
W3C_NAMESPACES = (RDF_IRI, RDFS, OWL, XSD_IRI, SH, SKOS)
META_NAMESPACES = (*W3C_NAMESPACES, SSP_IRI)

RDF_TYPE = RDF_IRI + "type"
SUBCLASS = RDFS + "subClassOf"
SKOS_CONCEPT = SKOS + "Concept"
FOLDED_TYPES = frozenset(
    {
        SSP_IRI + "Evidence",
        SSP_IRI + "Section",
        SSP_IRI + "Modality",  # fact, possibility, forecast: qualifiers of claims, not nodes
        RDF_IRI + "Statement",
        SKOS + "ConceptScheme",
        ONTOLOGY_IRI,
        "http://rdfs.org/ns/void#Dataset",
        "http://www.w3.org/ns/dcat#Distribution",
    }
)
SCHEME_LINKS = (SKOS + "inScheme", SKOS + "topConceptOf")
GENERIC_CLASSES = frozenset(
    {OWL + "NamedIndividual", OWL + "Thing", RDFS + "Resource", SKOS_CONCEPT}
)
LABEL_ORDER = {
    SKOS + "prefLabel": 0,
    RDFS + "label": 1,
    SCHEMA_IRI + "name": 2,
    DCTERMS + "title": 3,
}
DEFINITION_ORDER = {
    SKOS + "definition": 0,
    RDFS + "comment": 1,
    DCTERMS + "description": 2,
    SCHEMA_IRI + "description": 3,
}
ALT_LABEL = SKOS + "altLabel"
NAMING_PROPERTIES = frozenset({*LABEL_ORDER, *DEFINITION_ORDER, ALT_LABEL})
EVIDENCE_PARTS = {SSP_IRI + name: name for name in ("section", "paragraph", "anchor")}


def is_literal(key: Any) -> bool:
    return type(key) is Term


def is_blank(key: Any) -> bool:
    return type(key) is str and key.startswith("_:")


def term_key(term: Any) -> str | Term:
    """The key of an rdflib, pyoxigraph or :class:`Term` term."""
    t = neutral(term)
    if t is None:
        raise TypeError("a triple has no term here")
    if t.kind == "iri":
        return t.value
    if t.kind == "bnode":
        return "_:" + t.value
    return t


@dataclass
class Facts:
    """Every triple of a graph, grouped by predicate: ``(subject key, object key)`` pairs."""

    by_predicate: dict[str, list[tuple[str, Any]]] = field(default_factory=dict)
    size: int = 0
    store: Any = field(default=None, repr=False)  # the OxGraph read, for part_triples

    @classmethod
    def from_oxgraph(cls, graph: Any) -> Facts:
        """Read an :class:`kg.store.oxengine.OxGraph` with one SPARQL query."""
        text = internal_query("view-triples")
        if getattr(graph, "union", False):  # quads: a triple may be in several graphs
            text = text.replace("SELECT ?s", "SELECT DISTINCT ?s")
        facts = cls.from_pyoxigraph(graph.query(text))
        facts.store = graph
        return facts

    def part_triples(self, blanks: Iterable[str]) -> list[tuple[str, str, Any]] | None:
        """Every triple of the blank nodes linked to ``blanks`` through blank nodes, by
        predicate (as :meth:`triples` orders them), looked up in the OxGraph these facts
        were read from; None if they were not read from one."""
        if self.store is None:
            return None
        import pyoxigraph as ox

        found = self.store.blank_part(ox.BlankNode(b[2:]) for b in blanks)
        by_predicate: dict[str, list[tuple[str, Any]]] = defaultdict(list)
        for triple in found:
            by_predicate[triple.predicate.value].append((_key(triple.subject), _key(triple.object)))
        return [(s, p, o) for p in sorted(by_predicate) for s, o in by_predicate[p]]

    @classmethod
    def from_pyoxigraph(cls, triples: Iterable[Any]) -> Facts:
        """Read distinct ``(s, p, o)`` pyoxigraph terms (query rows, or parsed triples)."""
        import pyoxigraph as ox

        named, literal = ox.NamedNode, ox.Literal
        groups: dict[str, list[tuple[str, Any]]] = defaultdict(list)
        size = 0
        literals: dict[Any, Term] = {}
        for s, p, o in triples:
            sk = s.value if type(s) is named else "_:" + s.value
            kind = type(o)
            if kind is named:
                ok: Any = o.value
            elif kind is literal:
                ok = literals.get(o)
                if ok is None:
                    ok = literals[o] = _literal(o)
            else:
                ok = "_:" + o.value
            groups[p.value].append((sk, ok))
            size += 1
        return cls(dict(groups), size)

    @classmethod
    def from_triples(cls, triples: Iterable[tuple[Any, Any, Any]]) -> Facts:
        """Read rdflib, pyoxigraph or :class:`Term` triples."""
        groups: dict[str, list[tuple[str, Any]]] = defaultdict(list)
        seen: set[tuple[Any, Any, Any]] = set()
        for s, p, o in triples:
            triple = (term_key(s), term_key(p), term_key(o))
            if triple in seen:
                continue
            seen.add(triple)
            groups[triple[1]].append((triple[0], triple[2]))  # type: ignore[index]
        return cls(dict(groups), len(seen))

    def pairs(self, predicate: str) -> list[tuple[str, Any]]:
        return self.by_predicate.get(predicate, [])

    def triples(self) -> Iterable[tuple[str, str, Any]]:
        """Every triple ``(s, p, o)``, predicates in sorted order."""
        for p in sorted(self.by_predicate):
            for s, o in self.by_predicate[p]:
                yield s, p, o


def _key(node: Any) -> str | Term:
    """The key of a pyoxigraph term (as :meth:`Facts.from_pyoxigraph` makes them)."""
    import pyoxigraph as ox

    kind = type(node)
    if kind is ox.NamedNode:
        return node.value
    if kind is ox.Literal:
        return _literal(node)
    return "_:" + node.value


def _literal(node: Any) -> Term:
    lang = node.language
    if lang:
        return Term("literal", node.value, None, lang)
    datatype = node.datatype.value
    return Term("literal", node.value, None if datatype == XSD_IRI + "string" else datatype)


def read_facts(graph: Any) -> Facts:
    """The :class:`Facts` of an OxGraph, an rdflib Graph or KnowledgeGraph, or triples."""
    if isinstance(graph, Facts):
        return graph
    import pyoxigraph as ox

    if isinstance(getattr(graph, "store", None), ox.Store):  # a kg.store.oxengine.OxGraph
        return Facts.from_oxgraph(graph)
    inner = getattr(graph, "graph", None)
    if inner is not None and not callable(inner):
        graph = inner
    if hasattr(graph, "triples") and not callable(graph.triples):  # kg.querying.results.Triples
        return Facts.from_triples(graph.triples)
    try:
        return Facts.from_triples(iter(graph))  # an rdflib Graph, or a list of triples
    except TypeError:
        raise TypeError(
            f"expected an OxGraph, an rdflib Graph or a KnowledgeGraph, not {type(graph).__name__}"
        ) from None


# --- Labels, classes, evidence ------------------------------------------------------------


def _lang_rank(literal: Term) -> tuple[int, str]:
    """English first, then no language, then any other language."""
    lang = (literal.lang or "").lower()
    if lang == "en" or lang.startswith("en-"):
        return (0, literal.value)
    return (1, literal.value) if not lang else (2, lang + literal.value)


def _order(value: Any) -> str:
    """A total order on keys: an IRI or blank node as its key, a literal as N-Triples."""
    return nt_term(value) if type(value) is Term else value


def one_each(pairs: Iterable[tuple[Any, Any]]) -> dict[Any, Any]:
    """Each subject's least value (:func:`_order`) where a property should have one: the
    same choice whatever order the triples were read in."""
    found: dict[Any, Any] = {}
    for subject, value in pairs:
        if subject not in found or _order(value) < _order(found[subject]):
            found[subject] = value
    return found


def _best_texts(facts: Facts, order: dict[str, int]) -> dict[str, str]:
    """For each subject, the text of the best-ranked literal of the ``order`` properties."""
    best: dict[str, tuple[int, tuple[int, str]]] = {}
    found: dict[str, str] = {}
    for prop, position in order.items():
        for resource, value in facts.pairs(prop):
            if not is_literal(value):
                continue
            rank = (position, _lang_rank(value))
            if resource not in best or rank < best[resource]:
                best[resource] = rank
                found[resource] = value.value
    return found


def _as_int(value: Any) -> int | None:
    try:
        return int(value.value) if is_literal(value) else None
    except (TypeError, ValueError):
        return None


@dataclass
class Lookup:
    """Labels, classes, definitions and evidence of a graph's resources, by key."""

    labels: dict[Any, str] = field(default_factory=dict)
    alt_labels: dict[Any, list[str]] = field(default_factory=dict)
    definitions: dict[Any, str] = field(default_factory=dict)
    types: dict[Any, set[str]] = field(default_factory=dict)
    supers: dict[str, set[str]] = field(default_factory=dict)
    evidence: dict[Any, list[dict[str, Any]]] = field(default_factory=dict)
    statement_evidence: dict[tuple[Any, Any, Any], list[dict[str, Any]]] = field(
        default_factory=dict
    )
    sources: dict[Any, str] = field(default_factory=dict)

    @classmethod
    def from_facts(cls, facts: Facts) -> Lookup:
        found = cls()
        found.labels = _best_texts(facts, LABEL_ORDER)
        found.definitions = _best_texts(facts, DEFINITION_ORDER)
        alts: dict[str, set[str]] = defaultdict(set)
        for resource, value in facts.pairs(ALT_LABEL):
            if is_literal(value):
                alts[resource].add(value.value)
        found.alt_labels = {k: sorted(v) for k, v in alts.items()}
        for resource, klass in facts.pairs(RDF_TYPE):
            if type(klass) is str and not is_blank(klass):
                found.types.setdefault(resource, set()).add(klass)
        for klass, sup in facts.pairs(SUBCLASS):
            if _named(klass) and _named(sup) and klass != sup:
                found.supers.setdefault(klass, set()).add(sup)
        found._read_evidence(facts)
        return found

    def _read_evidence(self, facts: Facts) -> None:
        """Evidence records by holder; a reified statement's go to its (s, p, o)."""
        section_types = {s for s, o in facts.pairs(RDF_TYPE) if o == SSP_IRI + "Section"}
        placed = one_each(facts.pairs(SCHEMA_IRI + "position"))
        positions = {s: _as_int(o) for s, o in placed.items()}
        titled = one_each((s, o) for s, o in facts.pairs(DCTERMS + "title") if is_literal(o))
        titles = {s: o.value for s, o in titled.items()}
        sections = {
            s: (positions[s], titles[s]) for s in section_types if s in positions and s in titles
        }
        links = [(o, s) for s, o in facts.pairs(DCTERMS + "isPartOf")]
        for source, section in links + facts.pairs(SCHEMA_IRI + "hasPart"):
            if section in section_types and source in titles:
                self.sources.setdefault(source, titles[source])
        parts: dict[Any, dict[str, Any]] = defaultdict(dict)
        for prop, name in EVIDENCE_PARTS.items():
            for evidence, value in one_each(facts.pairs(prop)).items():
                parts[evidence][name] = value
        statement_parts: dict[Any, dict[str, Any]] = defaultdict(dict)
        for name in ("subject", "predicate", "object"):
            for statement, value in one_each(facts.pairs(RDF_IRI + name)).items():
                statement_parts[statement][name] = value
        statements = {
            k: (v["subject"], v["predicate"], v["object"])
            for k, v in statement_parts.items()
            if len(v) == 3
        }
        for holder, evidence in facts.pairs(SSP_IRI + "evidence"):
            found = parts.get(evidence, {})
            position, title = sections.get(found.get("section"), (None, None))
            anchor = found.get("anchor")
            record = {
                "section": position,
                "section_title": title,
                "paragraph": _as_int(found.get("paragraph")),
                "anchor": anchor.value if is_literal(anchor) else None,
            }
            if holder in statements:
                self.statement_evidence.setdefault(statements[holder], []).append(record)
            else:
                self.evidence.setdefault(holder, []).append(record)

    def label(self, key: Any) -> str:
        if key in self.labels:
            return self.labels[key]
        if is_literal(key):
            return key.value
        text = str(key)
        return text if text.startswith("_:") else local_name(text)

    def ancestors(self, klass: str) -> list[str]:
        """``klass`` and its superclasses, nearest first (breadth first, sorted per level).

        Remembered per class (``supers`` is not changed once read): do not change the list.
        """
        cache = self.__dict__.setdefault("_ancestor_cache", {})
        found = cache.get(klass)
        if found is None:
            found = cache[klass] = self._ancestors(klass)
        return found

    def _ancestors(self, klass: str) -> list[str]:
        seen = [klass]
        queue = deque([klass])
        while queue:
            for sup in sorted(self.supers.get(queue.popleft(), ())):
                if sup not in seen and not is_vocabulary_root(sup):
                    seen.append(sup)
                    queue.append(sup)
        return seen

    def most_specific(self, key: Any) -> str | None:
        """The node's most specific asserted class (generic types only if nothing else)."""
        types = self.types.get(key)
        if not types:
            return None
        if len(types) == 1:
            (only,) = types
            if only not in GENERIC_CLASSES:
                return only
        specific = {t for t in types if t not in GENERIC_CLASSES}
        if not specific:
            return SKOS_CONCEPT if SKOS_CONCEPT in types else None
        broader: set[str] = set()
        for t in specific:
            broader.update(self.ancestors(t)[1:])
        return min((specific - broader) or specific)


def _named(key: Any) -> bool:
    return type(key) is str and not key.startswith("_:")


def is_vocabulary_root(term: str) -> bool:
    """A class too general to group by: RDF/RDFS/OWL/SKOS terms and the ontology's root."""
    return term == SSP_IRI + "Concept" or str(term).startswith(W3C_NAMESPACES)


def is_meta(key: Any) -> bool:
    return _named(key) and (key.startswith(META_NAMESPACES) or key == ONTOLOGY_IRI)


__all__ = ["KG_IRI", "Facts", "Lookup", "one_each", "read_facts"]
