"""SHACL on Oxigraph: every constraint of a shapes graph is one SPARQL query over the whole graph.

pySHACL walks the focus nodes one by one and, for a SPARQL-based constraint, runs its SELECT
once per focus node (22-33 s on the bundled graph). Here each constraint of each shape is
turned into one query that finds all its violations at once, joined with the shape's
targets, and run on the Oxigraph store:

- core constraints (``sh:class``, ``sh:datatype``, ``sh:minCount``, ``sh:pattern``, ...) as
  a FILTER or a GROUP BY over the value nodes of every focus node;
- a ``sh:SPARQLConstraint``'s SELECT, with ``$this`` made a variable, as a subquery joined
  with the focus nodes (the SELECT runs once over the whole graph, not per node);
- ``sh:node``, ``sh:or``, ``sh:and`` and ``sh:not`` by validating the referenced shapes
  against the value nodes (the same queries, with the value nodes as their focus nodes) and
  combining the sets of nodes that fail in Python.

The results are what pySHACL reports: focus node, result path, value, constraint component,
the first message (a SPARQL constraint's own message, ``{?var}`` filled in as pySHACL does,
else the shape's) and the severity. :func:`compile_shapes` raises :class:`Unsupported` for
a shapes graph using anything else (a property path SPARQL cannot write, nested deeper than 16,
``sh:xone``, ``sh:closed``, pair constraints, qualified shapes, a SPARQL constraint that
uses ``$PATH`` or does not project ``$this``, a constraint without any ``sh:message`` whose
generic pySHACL wording we would have to copy, ...): kg.checks.validation then falls back to
pySHACL for that shapes graph. Caveat of the whole-graph form: a SPARQL constraint's
``$this`` is bound by its own patterns rather than pre-bound, which gives the same rows
whenever ``$this`` appears in a triple pattern of the query's top-level group (as in every
bundled shape); a query using ``$this`` only inside FILTER, OPTIONAL or MINUS is refused.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from itertools import count
from typing import Any

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, SH

from kg.resources import internal_query
from kg.terms import neutral, nt_term, to_oxigraph, to_rdflib

SHACL = str(SH)
XSD = "http://www.w3.org/2001/XMLSchema#"
RDFS_SUBCLASS = "http://www.w3.org/2000/01/rdf-schema#subClassOf"

# The lexical forms pySHACL (rdflib) accepts for the usual XSD datatypes; a literal of one
# of these datatypes with another form is ill-typed and fails sh:datatype.
LEXICAL = {
    XSD + "integer": r"^[+-]?[0-9]+$",
    XSD + "decimal": r"^[+-]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)$",
    XSD + "boolean": r"^(true|false|1|0)$",
}
NODE_KINDS = {
    SH.IRI: "!isIRI(?value)",
    SH.BlankNode: "!isBlank(?value)",
    SH.Literal: "!isLiteral(?value)",
    SH.BlankNodeOrIRI: "isLiteral(?value)",
    SH.BlankNodeOrLiteral: "isIRI(?value)",
    SH.IRIOrLiteral: "isBlank(?value)",
}
COMPARISONS = {
    SH.minInclusive: ">=",
    SH.minExclusive: ">",
    SH.maxInclusive: "<=",
    SH.maxExclusive: "<",
}
# Predicates of the SHACL namespace a shape may use here; any other is Unsupported.
HANDLED = {
    SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.path,
    SH.property, SH.message, SH.severity, SH.deactivated, SH.name, SH.description, SH.order,
    SH.group, SH["class"], SH.datatype, SH.nodeKind, SH.minCount, SH.maxCount,
    SH.languageIn, SH.minLength, SH.maxLength, SH.pattern, SH.flags, SH["in"], SH.hasValue,
    SH.node, SH["or"], SH["and"], SH["not"], SH.sparql, *COMPARISONS,
}
SPARQL_HANDLED = {SH.select, SH.message, SH.prefixes, SH.deactivated, RDF.type}


class Unsupported(Exception):
    """The shapes use a feature this engine does not evaluate (pySHACL is used instead)."""


@dataclass(frozen=True)
class Result:
    """One SHACL validation result, with terms as pyoxigraph gives them; ``path`` is the
    shapes graph's node for the path (an IRI, or the blank node of a complex path)."""

    focus: Any
    path: URIRef | BNode | None
    value: Any
    component: str
    message: str
    severity: URIRef
    shape: Any


# A focus pattern: given a variable name, a SPARQL group pattern binding it to every focus
# node (once each) of a shape.
Focus = Callable[[str], str]
# Runs a SELECT on the data graph: its rows as {variable: pyoxigraph term or None}.
Run = Callable[[str], Iterable[dict[str, Any]]]


@dataclass
class Shape:
    node: Any
    path: URIRef | BNode | None = None
    sparql_path: str = ""  # the path as a SPARQL property path
    messages: list[str] = field(default_factory=list)
    severity: URIRef = SH.Violation
    properties: list[Shape] = field(default_factory=list)
    # (component local name, argument) in the shapes graph's order of predicates.
    constraints: list[tuple[str, Any]] = field(default_factory=list)
    sparql: list[SparqlConstraint] = field(default_factory=list)

    @property
    def is_property(self) -> bool:
        return self.path is not None


@dataclass
class SparqlConstraint:
    node: Any
    query: str  # prologue + SELECT, with ``?this`` for ``$this``
    messages: list[str]


class Program:
    """Compiled shapes: :meth:`run` gives every result on a graph."""

    def __init__(self, shapes: Graph) -> None:
        self.graph = shapes
        self.shapes: dict[Any, Shape] = {}
        self._names = count()
        self._open: set[Any] = set()  # the shapes failing() is evaluating
        self.top: list[tuple[Shape, Focus]] = []
        targets: dict[Any, list[tuple[str, Any]]] = {}
        for row in shape_store(shapes).query(internal_query("validate-targets")):
            node = to_rdflib(neutral(row["shape"]))
            targets.setdefault(node, []).append((row["kind"].value, row["target"]))
        for node in sorted(_targeted_shapes(shapes), key=str):
            shape = self.shape(node)
            if shape is not None:
                self.top.append((shape, _focus(targets.get(node, []))))

    # --- reading the shapes graph ----------------------------------------------------------

    def shape(self, node: Any) -> Shape | None:
        """The shape at ``node`` (None when deactivated); Unsupported for unknown features."""
        if node in self.shapes:
            return self.shapes[node]
        g = self.graph
        if _true(g.value(node, SH.deactivated)):
            return None
        shape = Shape(node)
        self.shapes[node] = shape
        path = g.value(node, SH.path)
        if path is not None:
            shape.path, shape.sparql_path = path, sparql_path(g, path, node)
        shape.messages = _messages(g, node)
        shape.severity = g.value(node, SH.severity) or SH.Violation
        for predicate, obj in sorted(g.predicate_objects(node)):
            if not str(predicate).startswith(SHACL):
                continue
            if predicate not in HANDLED:
                raise Unsupported(f"{_local(predicate)} (shape {node})")
            self._constraint(shape, predicate, obj)
        return shape

    def _constraint(self, shape: Shape, predicate: URIRef, obj: Any) -> None:
        g = self.graph
        name = _local(predicate)
        if predicate == SH.property:
            child = self.shape(obj)
            if child is not None:
                if not child.is_property:
                    raise Unsupported(f"sh:property without sh:path (shape {shape.node})")
                shape.properties.append(child)
        elif predicate == SH.sparql:
            if not _true(g.value(obj, SH.deactivated)):
                shape.sparql.append(self._sparql(shape, obj))
        elif predicate in (SH.minCount, SH.maxCount) and not shape.is_property:
            raise Unsupported(f"{name} on a node shape")
        elif predicate == SH.flags:
            if g.value(shape.node, SH.pattern) is None:
                raise Unsupported("sh:flags without sh:pattern")
        elif predicate in (SH["or"], SH["and"], SH.languageIn, SH["in"]):
            items = list(Collection(g, obj))
            if predicate in (SH["or"], SH["and"]):
                items = [self.shape(item) for item in items]
            shape.constraints.append((name, items))
        elif predicate in (SH.node, SH["not"]):
            shape.constraints.append((name, self.shape(obj)))
        elif predicate not in (
            SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.path,
            SH.message, SH.severity, SH.deactivated, SH.name, SH.description, SH.order, SH.group,
        ):
            shape.constraints.append((name, obj))

    def _sparql(self, shape: Shape, node: Any) -> SparqlConstraint:
        g = self.graph
        for predicate in set(g.predicates(node)):
            if str(predicate).startswith(SHACL) and predicate not in SPARQL_HANDLED:
                raise Unsupported(f"{_local(predicate)} in a SPARQL constraint")
        select = g.value(node, SH.select)
        if not isinstance(select, Literal):
            raise Unsupported("a SPARQL constraint without sh:select")
        text = str(select)
        variables = set(re.findall(r"\$(\w+)", text))
        if variables - {"this"}:
            raise Unsupported(f"${', $'.join(sorted(variables - {'this'}))} in a SPARQL constraint")
        text = text.replace("$this", "?this")
        prologue, body = _split_prologue(text)
        projection = _PROJECTION.match(body)
        if projection is None or not (
            projection.group(1) == "*" or re.search(r"\?this\b", projection.group(1))
        ):
            raise Unsupported("a SPARQL constraint whose SELECT does not project $this")
        if re.search(r"(?i)\b(LIMIT|OFFSET)\b", body) or not _binds_this(body):
            raise Unsupported("a SPARQL constraint that needs $this pre-bound")
        prefixes = "".join(
            f"PREFIX {prefix}: <{namespace}>\n" for prefix, namespace in _declared(g, node)
        )
        body = not_exists_as_minus(body)
        return SparqlConstraint(node, prefixes + prologue + "\0" + body, _messages(g, node))

    # --- evaluation --------------------------------------------------------------------------

    def run(self, run: Run) -> list[Result]:
        """Every result of the targeted shapes on the graph that ``run`` queries."""
        results: list[Result] = []
        for shape, focus in self.top:
            results += self._results(shape, focus, run)
        return results

    def _results(self, shape: Shape, focus: Focus, run: Run) -> list[Result]:
        results = []
        for name, arg in shape.constraints:
            component = f"sh:{name[0].upper()}{name[1:]}ConstraintComponent"
            message = self._message(shape)
            for this, value in self._violations(shape, name, arg, focus, run):
                results.append(
                    Result(
                        this, shape.path, value, component, message, shape.severity, shape.node
                    )
                )
        for constraint in shape.sparql:
            results += self._sparql_results(shape, constraint, focus, run)
        for child in shape.properties:
            results += self._results(child, focus, run)
        return results

    def _message(self, shape: Shape) -> str:
        if not shape.messages:
            raise Unsupported(f"a result of shape {shape.node} has no sh:message")
        return shape.messages[0]

    def failing(self, shape: Shape | None, focus: Focus, run: Run) -> set[Any]:
        """The focus nodes (given by ``focus``) that do not conform to ``shape``."""
        if shape is None:  # deactivated: everything conforms
            return set()
        if shape.node in self._open:  # SHACL leaves recursive shapes undefined
            raise Unsupported(f"shape {shape.node} refers to itself")
        self._open.add(shape.node)
        try:
            return self._failing(shape, focus, run)
        finally:
            self._open.discard(shape.node)

    def _failing(self, shape: Shape, focus: Focus, run: Run) -> set[Any]:
        failed: set[Any] = set()
        for name, arg in shape.constraints:
            failed |= {this for this, _ in self._violations(shape, name, arg, focus, run)}
        for constraint in shape.sparql:
            failed |= {row["this"] for row in run(self._sparql_query(constraint, focus))}
        for child in shape.properties:
            failed |= self.failing(child, focus, run)
        return failed

    def _var(self) -> str:
        return f"kg_v{next(self._names)}"

    def _values(self, shape: Shape, focus: Focus) -> tuple[str, str, Focus]:
        """The focus pattern (?this), the step to ?value, and a focus pattern of the values."""
        this = focus("this")
        if not shape.is_property:
            return this, "BIND (?this AS ?value)", focus
        step = f"?this {shape.sparql_path} ?value ."

        def values(var: str) -> str:
            outer = self._var()
            inner = step.replace("?this", f"?{outer}").replace("?value", f"?{var}")
            return f"{{ SELECT DISTINCT ?{var} WHERE {{ {focus(outer)} {inner} }} }}"

        return this, step, values

    def _violations(
        self, shape: Shape, name: str, arg: Any, focus: Focus, run: Run
    ) -> list[tuple[Any, Any]]:
        """(focus node, value node or None) for each violation of one constraint."""
        this, step, values = self._values(shape, focus)
        pattern = f"{this} {step}"
        if name in ("minCount", "maxCount"):
            if name == "minCount":
                where = f"{this} OPTIONAL {{ {step} }}"
                having = f"COUNT(DISTINCT ?value) < {int(arg)}"
            else:
                where, having = pattern, f"COUNT(DISTINCT ?value) > {int(arg)}"
            text = f"SELECT ?this WHERE {{ {where} }} GROUP BY ?this HAVING ({having})"
            return [(row["this"], None) for row in run(text)]
        if name == "hasValue":
            if not shape.is_property:
                condition = f"!sameTerm(?this, {nt_term(arg)})"
                text = f"SELECT ?this WHERE {{ {this} FILTER ({condition}) }}"
            else:
                present = step.replace("?value", nt_term(arg))
                text = f"SELECT ?this WHERE {{ {this} FILTER NOT EXISTS {{ {present} }} }}"
            return [(row["this"], None) for row in run(text)]
        if name in ("node", "or", "and", "not"):
            return self._nested(shape, name, arg, pattern, values, run)
        condition = self._condition(name, arg, shape)
        text = f"SELECT DISTINCT ?this ?value WHERE {{ {pattern} FILTER ({condition}) }}"
        return [(row["this"], row["value"]) for row in run(text)]

    def _nested(
        self, shape: Shape, name: str, arg: Any, pattern: str, values: Focus, run: Run
    ) -> list[tuple[Any, Any]]:
        """sh:node, sh:or, sh:and, sh:not: the value nodes that the shapes fail or pass."""
        if name == "node":
            bad = self.failing(arg, values, run)
        elif name == "and":
            bad = set().union(*(self.failing(s, values, run) for s in arg))
        elif name == "or":
            failed = [self.failing(s, values, run) for s in arg]
            bad = set.intersection(*failed) if failed else self._all(values, run)
        else:  # not
            bad = self._all(values, run) - self.failing(arg, values, run) if arg else set()
        if not bad:
            return []
        rows = run(f"SELECT DISTINCT ?this ?value WHERE {{ {pattern} }}")
        return [(row["this"], row["value"]) for row in rows if row["value"] in bad]

    def _all(self, values: Focus, run: Run) -> set[Any]:
        return {row["x"] for row in run(f"SELECT ?x WHERE {{ {values('x')} }}")}

    def _condition(self, name: str, arg: Any, shape: Shape) -> str:
        """A FILTER expression true for a value node ?value that violates the constraint."""
        term = nt_term(arg) if not isinstance(arg, list) else ""
        if name == "class":
            return f"NOT EXISTS {{ ?value a/<{RDFS_SUBCLASS}>* {term} }}"
        if name == "datatype":
            condition = f"!isLiteral(?value) || datatype(?value) != {term}"
            if str(arg) in LEXICAL:
                condition += f' || !REGEX(STR(?value), "{LEXICAL[str(arg)]}")'
            return condition
        if name == "nodeKind":
            if arg not in NODE_KINDS:
                raise Unsupported(f"sh:nodeKind {arg}")
            return NODE_KINDS[arg]
        if name == "languageIn":
            tags = " || ".join(
                f"langMatches(lang(?value), {nt_term(Literal(str(tag)))})" for tag in arg
            )
            return f"!isLiteral(?value) || !({tags or 'false'})"
        if name in ("minLength", "maxLength"):
            operator = "<" if name == "minLength" else ">"
            return f"isBlank(?value) || STRLEN(STR(?value)) {operator} {int(arg)}"
        if name == "pattern":
            flags = self.graph.value(shape.node, SH.flags)
            extra = f", {nt_term(Literal(str(flags)))}" if flags is not None else ""
            return f"isBlank(?value) || !REGEX(STR(?value), {nt_term(Literal(str(arg)))}{extra})"
        if name == "in":
            same = " || ".join(f"sameTerm(?value, {nt_term(t)})" for t in arg)
            return f"!({same or 'false'})"
        operator = COMPARISONS.get(SH[name])
        if operator is not None:
            return f"!COALESCE(?value {operator} {term}, false)"
        raise Unsupported(f"sh:{name}")  # pragma: no cover - HANDLED lists what reaches here

    def _sparql_query(self, constraint: SparqlConstraint, focus: Focus) -> str:
        prologue, body = constraint.query.split("\0")
        return f"{prologue}SELECT * WHERE {{ {focus('this')} {{ {body} }} }}"

    def _sparql_results(
        self, shape: Shape, constraint: SparqlConstraint, focus: Focus, run: Run
    ) -> list[Result]:
        messages = constraint.messages or shape.messages
        if not messages:
            raise Unsupported(f"a SPARQL constraint of shape {shape.node} has no sh:message")
        results = []
        for row in run(self._sparql_query(constraint, focus)):
            bound = _bindings(row)
            if "failure" in bound:
                raise Unsupported(f"a SPARQL constraint of shape {shape.node} reported ?failure")
            this = row["this"]
            path = bound.get("path")
            value = bound.get("value", None if shape.is_property else this)
            results.append(
                Result(
                    this,
                    URIRef(path.value) if path is not None else shape.path,
                    value,
                    "sh:SPARQLConstraintComponent",
                    _fill(messages[0], bound),
                    shape.severity,
                    shape.node,
                )
            )
        return results


# SHACL's repetition paths and the SPARQL operator each becomes (kg.checks.validation writes
# them too).
PATH_OPERATORS = {SH.zeroOrMorePath: "*", SH.oneOrMorePath: "+", SH.zeroOrOnePath: "?"}


def sparql_path(g: Graph, path: Any, shape: Any, depth: int = 0) -> str:
    """A SHACL property path (an IRI, a list for a sequence, sh:inversePath,
    sh:alternativePath, sh:zeroOrMorePath, ...) as a SPARQL property path."""
    if isinstance(path, URIRef):
        return nt_term(path)
    if not isinstance(path, BNode) or depth > 16:
        raise Unsupported(f"the property path of shape {shape}")
    if (path, RDF.first, None) in g:
        steps = [sparql_path(g, step, shape, depth + 1) for step in Collection(g, path)]
        if len(steps) < 2:
            raise Unsupported(f"the property path of shape {shape}")
        return "(" + "/".join(steps) + ")"
    fields = set(g.predicate_objects(path))
    if len(fields) != 1:
        raise Unsupported(f"the property path of shape {shape}")
    ((predicate, inner),) = fields
    if predicate == SH.inversePath:
        return "^" + sparql_path(g, inner, shape, depth + 1)
    if predicate == SH.alternativePath and (inner, RDF.first, None) in g:
        choices = [sparql_path(g, item, shape, depth + 1) for item in Collection(g, inner)]
        if len(choices) < 2:
            raise Unsupported(f"the property path of shape {shape}")
        return "(" + "|".join(choices) + ")"
    if predicate in PATH_OPERATORS:
        return "(" + sparql_path(g, inner, shape, depth + 1) + ")" + PATH_OPERATORS[predicate]
    raise Unsupported(f"the property path of shape {shape}")


def compile_shapes(shapes: Graph) -> Program:
    """The shapes as queries; :class:`Unsupported` if they use what this engine lacks."""
    program = Program(shapes)
    # Every message a top-level result could need must exist (else pySHACL's wording).
    for shape, _focus in program.top:
        _check_messages(program, shape)
    return program


def _check_messages(program: Program, shape: Shape) -> None:
    if shape.constraints:
        program._message(shape)
    for constraint in shape.sparql:
        if not (constraint.messages or shape.messages):
            raise Unsupported(f"a SPARQL constraint of shape {shape.node} has no sh:message")
    for child in shape.properties:
        _check_messages(program, child)


# --- helpers -------------------------------------------------------------------------------


def shape_store(shapes: Graph) -> ox.Store:
    """The shapes graph in an Oxigraph store, to query it (rdflib would parse each query)."""
    store = ox.Store()
    store.extend(ox.Quad(*(to_oxigraph(neutral(term)) for term in triple)) for triple in shapes)
    return store


def _focus(targets: list[tuple[str, Any]]) -> Focus:
    """The focus pattern of a shape's targets: (kind, term) pairs of validate-targets.rq."""
    parts = []
    for kind, target in targets:
        if isinstance(target, ox.BlankNode):
            continue  # a blank node cannot be named in a query (it targets nothing)
        term = nt_term(target)
        parts.append(
            {
                # The class's subclasses first, then their instances: in this order Oxigraph
                # does not walk the classes of every typed node (8 times faster at 1M).
                "class": f"?{{v}}_class <{RDFS_SUBCLASS}>* {term} . ?{{v}} a ?{{v}}_class",
                "node": f"VALUES ?{{v}} {{ {term} }}",
                "subjectsOf": f"?{{v}} {term} []",
                "objectsOf": f"[] {term} ?{{v}}",
            }[kind]
        )
    union = " UNION ".join("{ " + p + " }" for p in parts) or "FILTER (false)"

    def focus(var: str) -> str:
        return f"{{ SELECT DISTINCT ?{var} WHERE {{ {union.replace('{v}', var)} }} }}"

    return focus


def _targeted_shapes(shapes: Graph) -> set[Any]:
    nodes: set[Any] = set()
    for predicate in (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf):
        nodes |= set(shapes.subjects(predicate, None))
    for kind in (SH.NodeShape, SH.PropertyShape):
        for node in shapes.subjects(RDF.type, kind):
            if (node, RDF.type, URIRef("http://www.w3.org/2000/01/rdf-schema#Class")) in shapes:
                nodes.add(node)
    for node in nodes:
        for predicate in (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf):
            for target in shapes.objects(node, predicate):
                if isinstance(target, BNode):
                    raise Unsupported(f"a blank-node target of shape {node}")
    return nodes


def _messages(g: Graph, node: Any) -> list[str]:
    """The node's sh:message texts, English first then by text (pySHACL keeps one of them)."""
    found = [m for m in g.objects(node, SH.message) if isinstance(m, Literal)]
    if len(found) > 1:
        raise Unsupported(f"more than one sh:message on {node}")
    return [str(m) for m in found]


def _declared(g: Graph, node: Any) -> list[tuple[str, str]]:
    pairs = []
    for source in g.objects(node, SH.prefixes):
        for declaration in g.objects(source, SH.declare):
            prefix, namespace = g.value(declaration, SH.prefix), g.value(declaration, SH.namespace)
            if prefix is not None and namespace is not None:
                pairs.append((str(prefix), str(namespace)))
    return sorted(set(pairs))


_PROLOGUE = re.compile(r"(?is)^\s*((?:(?:PREFIX\s+[\w.-]*:\s*<[^>]*>|BASE\s+<[^>]*>)\s*)*)")


def _split_prologue(text: str) -> tuple[str, str]:
    match = _PROLOGUE.match(text)
    assert match is not None  # the pattern matches the empty prefix
    return match.group(1), text[match.end() :]


def _binds_this(body: str) -> bool:
    """Whether ?this occurs in a triple pattern of the WHERE clause's top level (a rough but
    safe reading: the text before the first OPTIONAL, FILTER, MINUS or nested group)."""
    where = body[body.find("{") + 1 :]
    top = re.split(r"(?i)\b(?:OPTIONAL|FILTER|MINUS|UNION|GRAPH|SERVICE)\b|\{", where)[0]
    return re.search(r"\?this\b", top) is not None


_PROJECTION = re.compile(r"(?is)\s*SELECT\s+(?:DISTINCT\s+|REDUCED\s+)?(.*?)\s*(?:WHERE\b|\{)")
_NOT_EXISTS = re.compile(r"(?i)FILTER\s*NOT\s+EXISTS\s*\{")
_FILTER = re.compile(r"(?i)FILTER\s*(?:[\w:]+\s*)?\(")
_GROUP_WORDS = re.compile(
    r"(?i)\b(?:OPTIONAL|MINUS|UNION|BIND|VALUES|GRAPH|SERVICE|FILTER|SELECT|EXISTS)\b"
)
_VARIABLE = re.compile(r"[?$](\w+)")


def not_exists_as_minus(body: str) -> str:
    """``FILTER NOT EXISTS { P }`` in the top-level group of a SELECT as ``MINUS { P }``
    at the end of that group, where the two are sure to mean the same: P and the rest of the
    group are plain triple patterns (with FILTERs) and share a variable, so every variable
    they share is bound in each solution of the group. Oxigraph evaluates such a NOT EXISTS
    by running P once per solution (minutes on 100,000 triples); MINUS is one hash join.
    Anything else (quotes, nested groups, OPTIONAL, ...) is left as it is."""
    if any(mark in re.sub(r"<[^<>\s]*>", "<>", body) for mark in "\"'#"):
        return body  # a string or a comment: not read here
    start = body.find("{")
    end = _closing(body, start)
    if start < 0 or end is None or body[end + 1 :].strip().strip("}").strip():
        return body  # a solution modifier after the group, or no group
    group = body[start + 1 : end]
    minus, rest, position = [], [], 0
    for match in _NOT_EXISTS.finditer(group):
        inner_end = _closing(group, match.end() - 1)
        if inner_end is None or match.start() < position:
            return body
        inner = group[match.end() : inner_end]
        if "{" in inner or _GROUP_WORDS.search(inner):
            return body
        if _single_pattern(inner):
            continue  # one lookup per row: NOT EXISTS is faster, and MINUS would hold P
        rest.append(group[position : match.start()])
        minus.append(inner)
        position = inner_end + 1
    rest.append(group[position:])
    outer = _without_filters("".join(rest))
    if not minus or outer is None or "{" in outer or _GROUP_WORDS.search(outer):
        return body
    bound = set(_VARIABLE.findall(outer))
    if not all(bound & set(_VARIABLE.findall(inner)) for inner in minus):
        return body
    kept = "".join(rest).rstrip()
    tail = " ".join(f"MINUS {{{inner}}}" for inner in minus)
    return f"{body[: start + 1]}{kept}\n{tail}\n{body[end:]}"


def _single_pattern(inner: str) -> bool:
    """Whether a group is one triple pattern (no ``.``, ``;`` or ``,`` but a final dot)."""
    text = re.sub(r"<[^<>\s]*>", "<>", inner).strip().removesuffix(".")
    return not any(mark in text for mark in ".;,[")


def _closing(text: str, start: int) -> int | None:
    """The index of the brace or parenthesis closing the one at ``start``."""
    if start < 0:
        return None
    opening = text[start]
    closing = {"{": "}", "(": ")"}[opening]
    depth = 0
    for index in range(start, len(text)):
        if text[index] == opening:
            depth += 1
        elif text[index] == closing:
            depth -= 1
            if depth == 0:
                return index
    return None


def _without_filters(text: str) -> str | None:
    """``text`` with every ``FILTER (...)`` or ``FILTER fn(...)`` removed (None: unbalanced)."""
    while (match := _FILTER.search(text)) is not None:
        end = _closing(text, match.end() - 1)
        if end is None:
            return None
        text = text[: match.start()] + " " + text[end + 1 :]
    return text


def _bindings(row: dict[str, Any]) -> dict[str, Any]:
    return {name: term for name, term in row.items() if term is not None}


def _fill(message: str, bound: dict[str, Any]) -> str:
    """pySHACL's substitution of ``{?var}``/``{$var}`` with the text of each bound term."""
    order = [k for k in bound if k not in ("this", "path", "value")]
    order += [k for k in ("this", "path", "value") if k in bound]
    for name in order:
        message = re.sub(f"{{[?$]{name}}}", bound[name].value, message)
    return message


def _true(term: Any) -> bool:
    return isinstance(term, Literal) and term.toPython() is True


def _local(iri: Any) -> str:
    return str(iri).removeprefix(SHACL)
